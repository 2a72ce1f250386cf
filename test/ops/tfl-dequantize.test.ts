// DEQUANT_I8: y = (x − zero point) · scale, element-wise, in place legal; alpha and beta checked.
import { describe, expect, it } from "vitest";
import { Opcode } from "../../src/format/abi.js";
import { readImage } from "../../src/format/read.js";
import { Model } from "../../src/index.js";
import { describeStep } from "../../src/ops/index.js";
import { dequantI8 } from "../../src/ops/tfl-dequantize.js";
import { expectRefused, oneStep, withField } from "./image.js";

const image = (alpha = 3, beta = 0.5) => oneStep({ opcode: Opcode.DequantI8, nIn: 3, nOut: 3, alpha, beta });

describe("DEQUANT_I8", () => {
  it("computes (x − zp) · scale in both builds; in place is legal", () => {
    const s = readImage(image()).steps[0]!;
    expect([dequantI8.minAbi(s), dequantI8.inPlace(s)]).toEqual([4, true]);
    expect(describeStep(s)).toBe("DEQUANT_I8     3 → 3     zero point 3, scale 0.5");
    for (const simd of ["require", "off"] as const)
      expect(Array.from(Model.load(image(), { simd }).predict([3, -128, 127]))).toEqual([0, -65.5, 62]);
  });

  it.each([
    ["a zero point outside int8", image(200), "alpha", /zero point 200 is not an int8/],
    ["a fractional zero point", image(0.5), "alpha", /zero point 0.5/],
    ["a zero scale", image(0, 0), "beta", /scale 0/],
    ["an aux tensor", withField(image(), "aux", 16), "aux", /must be zero/],
  ])("refuses %s", (_, bytes, field, message) => expectRefused(bytes, field as "w", message));
});
