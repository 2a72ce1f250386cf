// CONV_I8 and POOL_I8: ABI 4, not in place; geometry in aux agreeing with nIn and nOut; the
// pooling's rounding on a hand-worked step (TFLite's reference: half away from zero).
import { describe, expect, it } from "vitest";
import { Opcode } from "../../src/format/abi.js";
import { readImage } from "../../src/format/read.js";
import { Model } from "../../src/index.js";
import { describeStep } from "../../src/ops/index.js";
import { convI8, poolI8 } from "../../src/ops/tfl-conv.js";
import { convI8Aux, poolI8Aux } from "../../src/tflite/aux.js";
import { expectRefused, oneStep, withField } from "./image.js";

// A 2×2×1 row, a 2×2 kernel, one output channel: y = clamp(round(0.5 · Σ (x − 1)·w) + 0).
function conv(o: { mult?: number; inC?: number } = {}) {
  const aux = convI8Aux({
    inH: 2,
    inW: 2,
    inC: o.inC ?? 1,
    outH: 1,
    outW: 1,
    outC: 1,
    kH: 2,
    kW: 2,
    sH: 1,
    sW: 1,
    dH: 1,
    dW: 1,
    padT: 0,
    padL: 0,
    mult: o.mult ?? 0,
    inZp: 1,
    outZp: 0,
    lo: -128,
    hi: 127,
    bias: Int32Array.of(0),
    scales: new Int32Array(Float32Array.of(0.5).buffer),
    shift: Int32Array.of(0),
    w: Int8Array.of(1, 2, 3, 4),
  }); // prettier-ignore
  return oneStep({ opcode: Opcode.ConvI8, nIn: 4, nOut: 1, aux, scratch: 64 });
}
// 1×3 row, 1 channel, a 1×2 window, stride 1, SAME-like end padding: outputs over 2, 2, 1 positions.
const pool = (kind: number, lo = -128) =>
  oneStep({ opcode: Opcode.PoolI8, nIn: 3, nOut: 3, aux: poolI8Aux([1, 3, 1, 1, 3, 1, 2, 1, 1, 0, 0, kind, lo, 127]) });

describe("CONV_I8", () => {
  it("loads; ABI 4; counts weights and biases; computes Σ (x − zp)·w, requantized, in both builds", () => {
    const s = readImage(conv()).steps[0]!;
    expect([convI8.minAbi(s), convI8.inPlace(s)]).toEqual([4, false]);
    expect(describeStep(s)).toBe("CONV_I8       4 → 1     int8 (TFLite XNNPACK fp32 requantization)");
    // (x − 1) = 0, 1, 2, 3 → 0 + 2 + 6 + 12 = 20 → 10
    for (const simd of ["require", "off"] as const)
      expect(Array.from(Model.load(conv(), { simd }).predict([1, 2, 3, 4]))).toEqual([10]);
  });

  it.each([
    ["nIn not the geometry's", withField(conv(), "nIn", 3), "nIn", /3 is not 2×2×1/],
    ["nOut not the geometry's", withField(conv(), "nOut", 2), "nOut", /2 is not 1×1×1/],
    ["a w tensor", withField(conv(), "w", 16), "w", /must be zero/],
    ["aux past the end", withField(conv(), "aux", conv().length - 8), "aux", /inside the weights/],
    ["scratch past the arena", withField(conv(), "scratch", 1 << 20), "scratch", /inside the/],
  ])("refuses %s", (_, bytes, field, message) => expectRefused(bytes, field as "w", message));

  it("refuses a depthwise step whose channels are not the input's times the multiplier", () => {
    expectRefused(conv({ mult: 2 }), "aux", /depthwise: 1 output channels is not 1×2/);
  });
});

describe("POOL_I8", () => {
  it("average rounds half away from zero over the positions inside the row; max takes the largest", () => {
    expect(describeStep(readImage(pool(0)).steps[0]!)).toBe("POOL_I8       3 → 3     int8");
    expect(poolI8.parameterCount(readImage(pool(0)).steps[0]!, new DataView(new ArrayBuffer(0)))).toBe(0);
    // (1 + 2) / 2 = 1.5 → 2; (2 + 2) / 2 = 2; 2 alone; (−1 − 2) / 2 = −1.5 → −2
    expect(Array.from(Model.load(pool(0)).predict([1, 2, 2]))).toEqual([2, 2, 2]);
    expect(Array.from(Model.load(pool(0)).predict([-1, -2, 5]))).toEqual([-2, 2, 5]);
    expect(Array.from(Model.load(pool(1)).predict([-1, -2, 5]))).toEqual([-1, 5, 5]);
    expect(Array.from(Model.load(pool(1, 0)).predict([-1, -2, -5]))).toEqual([0, 0, 0]); // the fused relu's clamp
  });

  it.each([
    ["an unknown kind", pool(2), "aux", /pooling kind 2/],
    ["a clamp outside int8", pool(0, -129), "aux", /clamp \[-129, 127\]/],
    ["scratch", withField(pool(0), "scratch", 16), "scratch", /must be zero/],
  ])("refuses %s", (_, bytes, field, message) => expectRefused(bytes, field as "w", message));
});
