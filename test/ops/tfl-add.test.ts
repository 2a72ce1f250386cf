// ADD_I8: the row holds a then b; y = clamp((bias + a·ma + b·mb) >> shift + zp) on a hand-worked
// step (ma = mb = 2^20, shift 21, bias 2^20: the mean of a and b, rounded half up).
import { describe, expect, it } from "vitest";
import { Opcode } from "../../src/format/abi.js";
import { readImage } from "../../src/format/read.js";
import { Model } from "../../src/index.js";
import { describeStep } from "../../src/ops/index.js";
import { expectRefused, oneStep, withField } from "./image.js";

const aux = (o: { shift?: number; hi?: number } = {}) =>
  new Uint8Array(Int32Array.of(2 ** 20, 2 ** 20, 2 ** 20, o.shift ?? 21, 1, -128, o.hi ?? 127, 0).buffer);
const image = (o = {}) => oneStep({ opcode: Opcode.AddI8, nIn: 6, nOut: 3, aux: aux(o) });

describe("ADD_I8", () => {
  it("adds the two halves of the row, shifted and offset, in both builds", () => {
    expect(describeStep(readImage(image()).steps[0]!)).toBe("ADD_I8        6 → 3     int8 (XNNPACK)");
    // (1 + 2)/2 = 1.5 → 2, (−3 − 4)/2 = −3.5 → −3, (100 + 100)/2 = 100; + 1
    for (const simd of ["require", "off"] as const)
      expect(Array.from(Model.load(image(), { simd }).predict([1, -3, 100, 2, -4, 100]))).toEqual([3, -2, 101]);
  });

  it.each([
    ["nIn ≠ 2·nOut", withField(image(), "nIn", 5), "nIn", /must be 2·nOut \(6\)/],
    ["a shift of 0", image({ shift: 0 }), "aux", /shift in 1..30/],
    ["a clamp past int8", image({ hi: 128 }), "aux", /clamp \[-128, 128\]/],
    ["a w tensor", withField(image(), "w", 16), "w", /must be zero/],
  ])("refuses %s", (_, bytes, field, message) => expectRefused(bytes, field as "w", message));
});
