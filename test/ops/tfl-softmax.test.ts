// SOFTMAX_I8: the table TFLite builds at prepare time, its f32 sum and std::round, on a
// hand-worked row (table of exp(−ln 2 · d): values halve per step below the maximum).
import { describe, expect, it } from "vitest";
import { Opcode } from "../../src/format/abi.js";
import { readImage } from "../../src/format/read.js";
import { Model } from "../../src/index.js";
import { softmaxI8 } from "../../src/ops/tfl-softmax.js";
import { softmaxI8Aux } from "../../src/tflite/aux.js";
import { expectRefused, oneStep, withField } from "./image.js";

const table = Float32Array.from({ length: 256 }, (_, i) => 2 ** -(255 - i));
const image = (scale = 1 / 256, zp = -128) =>
  oneStep({ opcode: Opcode.SoftmaxI8, nIn: 3, nOut: 3, aux: softmaxI8Aux(table, scale, zp) });

describe("SOFTMAX_I8", () => {
  it("y = round(t[x − max] / (Σ t · scale)) + zp, in both builds; in place is legal", () => {
    const s = readImage(image()).steps[0]!;
    expect([softmaxI8.minAbi(s), softmaxI8.inPlace(s)]).toEqual([4, true]);
    // 1, 1/2, 1/4 over 7/4: 4/7, 2/7, 1/7 · 256 = 146.29, 73.14, 36.57 → 146, 73, 37, −128
    for (const simd of ["require", "off"] as const)
      expect(Array.from(Model.load(image(), { simd }).predict([5, 4, 3]))).toEqual([18, -55, -91]);
    expect(Array.from(Model.load(image()).predict([1000, -1000, 0]))).toEqual([127, -128, -128]); // saturated indices
  });

  it.each([
    ["a zero scale", image(0), "aux", /output scale 0/],
    ["a zero point outside int8", image(1 / 256, 128), "aux", /zero point 128/],
    ["nOut ≠ nIn", withField(image(), "nOut", 2), "nOut", /must equal nIn 3/],
  ])("refuses %s", (_, bytes, field, message) => expectRefused(bytes, field as "w", message));
});
