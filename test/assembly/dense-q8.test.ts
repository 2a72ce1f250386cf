// Int8 dense of both builds: the row quantization against ONNX DynamicQuantizeLinear as the spec
// writes it (round half to even, zero point, saturation), and the whole kernel against
// onnxruntime's MatMulInteger → Cast → Mul → Add computed in JavaScript.
import { describe, expect, it } from "vitest";
import { BUILDS, KernelHarness } from "../helpers/kernels.js";
import { denseQ8Ref, denseRef, dynamicQuantize } from "../helpers/reference.js";
import { seeded } from "../helpers/rng.js";
import { expectAllClose, TOL } from "../helpers/close.js";
import { quantizeRows } from "../../src/plan/quantize.js";

const SIZES = [1, 3, 4, 5, 7, 15, 16, 17, 64, 784];

function aux(scales: Float32Array, wq: Int8Array, nIn: number): Float32Array {
  const nOut = scales.length;
  const a = new Float32Array(2 * nOut);
  a.set(scales);
  const sums = new Int32Array(a.buffer, nOut * 4, nOut);
  for (let o = 0; o < nOut; o++) for (let i = 0; i < nIn; i++) sums[o]! += wq[o * nIn + i]!;
  return a;
}

describe.each(BUILDS)("int8 dense · %s build", (build) => {
  const k = new KernelHarness(build);

  it.each([
    ["mixed signs", [-1, -0.5, 0, 0.25, 2, 3.7]],
    ["all positive (zero point 0)", [0.1, 1, 2, 3]],
    ["all negative (zero point 255)", [-3, -2, -0.1]],
    ["halves that round to even", [-1.275, 0, 1.275, 0.0050000004, 0.015, 2.55]],
    ["all zero", [0, 0, 0, 0, 0]],
    ["37 values, halves included (SIMD body and tail)", Array.from({ length: 37 }, (_, i) => (i - 12) * 0.255)],
    ["784 random values", Array.from(seeded("q row 784").floats(784, -3, 5))],
    ["33 non-negative values (zero point 0)", Array.from({ length: 33 }, (_, i) => i * 0.1)],
  ])("quantizes a row like DynamicQuantizeLinear: %s", (_, values) => {
    const x = Float32Array.from(values as number[]);
    for (const name of ["quantizeRowU8", "quantizeRowU8Ref"]) {
      k.reset();
      const q = k.alloc(x.length), zp = k.alloc(4);
      const scale = k.fn(name)(k.f32(x), q, x.length, zp);
      const want = dynamicQuantize(x);
      expect(scale, name).toBe(want.scale);
      expect(k.readI32(zp), name).toBe(want.zp);
      expect(Array.from(k.readU8(q, x.length)), name).toEqual(Array.from(want.q));
    }
  });

  it.each(SIZES.map((n) => [n, n === 784 ? 16 : n + 2]))("in=%i out=%i matches the onnxruntime computation, fast and reference", (nIn, nOut) => {
    const rand = seeded(`q8 ${nIn}x${nOut}`);
    const x = rand.floats(nIn, -3, 5), w = rand.floats(nIn * nOut), b = rand.floats(nOut);
    const { values: wq, scales } = quantizeRows(w, nOut, nIn);
    const want = denseQ8Ref(x, wq, scales, b, nIn, nOut);
    for (const name of ["denseQ8", "denseQ8Ref"]) {
      k.reset();
      const py = k.alloc(nOut * 4);
      k.fn(name)(k.f32(x), k.alloc(nIn + 8), k.bytes(wq), k.f32(aux(scales, wq, nIn)), k.f32(b), py, nIn, nOut);
      const got = k.read(py, nOut);
      // The integer part is exact; only the final f32 multiply-add can differ by an ulp.
      expectAllClose(got, want, { rtol: 2.4e-7, atol: 1e-7 }, name);
      // And it is close to the float model: quantization error only.
      expectAllClose(got, denseRef(x, w, b, nIn, nOut), { rtol: 0.02, atol: 0.02 * Math.sqrt(nIn) }, `${name} vs float`);
    }
  });

  it("a NaN in the row gives NaN outputs rather than a silent number", () => {
    const x = Float32Array.of(1, NaN, 2), { values: wq, scales } = quantizeRows(Float32Array.of(1, 2, 3, 4, 5, 6), 2, 3);
    k.reset();
    const py = k.alloc(8);
    k.fn("denseQ8")(k.f32(x), k.alloc(16), k.bytes(wq), k.f32(aux(scales, wq, 3)), k.f32([0, 0]), py, 3, 2);
    expect(Array.from(k.read(py, 2)).every(Number.isNaN)).toBe(true);
  });
});

describe("quantizeRows (pack time)", () => {
  it("is symmetric per output channel and rounds half to even", () => {
    const { values, scales } = quantizeRows([127, 63.5, -127, 0.5, 1, -2], 2, 3);
    expect(Array.from(scales)).toEqual([1, Math.fround(2 / 127)]);
    expect(Array.from(values.subarray(0, 3))).toEqual([127, 64, -127]); // 63.5 → 64 (even)
    expect(Array.from(values.subarray(3))).toEqual([32, 64, -127]); // 0.5·63.5 = 31.75 → 32
  });
});
