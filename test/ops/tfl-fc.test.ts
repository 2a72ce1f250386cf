// FC_I8: TFLite int8 FULLY_CONNECTED. ABI 4, not in place; aux = zero point, clamp, folded biases,
// scales (or Q31 multipliers and shifts) and int8 weights; scratch = the row as i16. The kernel on
// a hand-worked step (ties rounding to even in the fp32 form, up in the fixed-point one).
import { describe, expect, it } from "vitest";
import { Opcode, STEP_FLAG_TFL_FIXED_POINT } from "../../src/format/abi.js";
import { readImage } from "../../src/format/read.js";
import { Model } from "../../src/index.js";
import { describeStep } from "../../src/ops/index.js";
import { fcI8, fcI8AuxBytes, fcI8ScratchBytes } from "../../src/ops/tfl-fc.js";
import { fcI8Aux } from "../../src/tflite/aux.js";
import { expectRefused, NO_VIEW, oneStep, withField } from "./image.js";

const nIn = 4,
  nOut = 3;
// W: [1 0 0 0], [1 1 1 1], [3 0 0 0]; bias 0, 10, 0; input zero point 0, output 3, clamp [−128, 12].
function image(o: { scale?: number; flags?: number; m?: number; shift?: number; hi?: number } = {}) {
  const mult = new Int32Array(nOut);
  const shift = new Int32Array(nOut).fill(o.shift ?? 0);
  if (o.flags) mult.fill(o.m ?? 2 ** 30);
  else new Float32Array(mult.buffer).fill(o.scale ?? 0.5);
  const aux = fcI8Aux({
    w: Int8Array.of(1, 0, 0, 0, 1, 1, 1, 1, 3, 0, 0, 0),
    bias: Int32Array.of(0, 10, 0),
    mult,
    shift,
    nIn,
    nOut,
    inputZp: 0,
    outZp: 3,
    lo: -128,
    hi: o.hi ?? 12,
  });
  const scratch = 2 * 4 * (nIn + nOut);
  return oneStep({ opcode: Opcode.FcI8, nIn, nOut, aux, flags: o.flags ?? 0, scratch });
}

describe("FC_I8", () => {
  it("loads; ABI 4; not in place; its aux and scratch sizes", () => {
    const info = readImage(image());
    const s = info.steps[0]!;
    expect([fcI8.minAbi(s), info.abiVersion, fcI8.inPlace(s), fcI8.parameterCount(s, NO_VIEW)]).toEqual([
      4,
      4,
      false,
      15,
    ]);
    expect([fcI8AuxBytes(4, 3), fcI8ScratchBytes(4), fcI8ScratchBytes(9)]).toEqual([16 + 36 + 12, 16, 32]);
    expect(describeStep(s)).toBe("FC_I8         4 → 3     int8 (TFLite XNNPACK fp32 requantization)");
  });

  it("computes acc · scale, rounded half to even, plus the zero point, clamped; in both builds", () => {
    // acc = 1, 20, 3 → ·0.5 = 0.5, 10, 1.5 → 0, 10, 2 → +3 = 3, 13 (clamped to 12), 5
    for (const simd of ["require", "off"] as const)
      expect(Array.from(Model.load(image(), { simd }).predict([1, 2, 3, 4])), simd).toEqual([3, 12, 5]);
  });

  it("fixed point: m = 2^30, shift 0 halves; positive ties away from zero, negative ones up", () => {
    const bytes = image({ flags: STEP_FLAG_TFL_FIXED_POINT });
    expect(describeStep(readImage(bytes).steps[0]!)).toContain("reference fixed-point");
    // 0.5 → 1, 10, 1.5 → 2 (gemmlowp rounds half away from zero), +3
    for (const simd of ["require", "off"] as const)
      expect(Array.from(Model.load(bytes, { simd }).predict([1, 2, 3, 4])), simd).toEqual([4, 12, 5]);
    // negative ties round up: SaturatingRoundingDoublingHighMul's nudge 1 − 2^30 and C++'s
    // truncating division take −0.5 to 0 and −1.5 to −1
    expect(Array.from(Model.load(bytes).predict([-1, -2, -3, -4]))).toEqual([3, 3, 2]);
  });

  it.each([
    ["an act byte", withField(image(), "act", 1), "act", /must be 0 for FC_I8/],
    ["a w tensor", withField(image(), "w", 16), "w", /must be zero/],
    ["aux past the end", withField(image(), "aux", image().length - 8), "aux", /inside the weights/],
    ["unknown flags", withField(image(), "flags", 2), "flags", /unknown flags 0x2 for FC_I8/],
    ["scratch past the arena", withField(image(), "scratch", 1 << 20), "scratch", /inside the/],
  ])("refuses %s", (_, bytes, field, message) => expectRefused(bytes, field as "w", message));

  it.each([
    ["a clamp outside int8", image({ hi: 200 }), /clamp \[-128, 200\] must be int8/],
    ["a scale of 256", image({ scale: 256 }), /scale 256 and shift 0: need a scale in \[0, 256\)/],
    ["a NaN scale", image({ scale: NaN }), /scale NaN/],
    ["a fixed-point shift of 31", image({ flags: STEP_FLAG_TFL_FIXED_POINT, shift: 31 }), /shift in −31..30/],
    ["a negative multiplier", image({ flags: STEP_FLAG_TFL_FIXED_POINT, m: -1 }), /multiplier ≥ 0/],
  ])("refuses %s in aux", (_, bytes, message) => expectRefused(bytes, "aux", message));
});
