// The IMPUTE kernel in both builds against the ONNX-ML Imputer's definition (an element equal to
// the replaced value becomes the imputed one; a NaN replaced value stands for the NaNs), bit for
// bit: it only selects, so the output holds the input's or the imputed value's exact bits,
// and the scalar build gives the SIMD build's bits, a NaN's payload included.
import { describe, expect, it } from "vitest";
import { BUILDS, KernelHarness } from "../helpers/kernels.js";
import { seeded } from "../helpers/rng.js";
import { inBoth, values, weights, width } from "./same-bits.js";

/** The f32 bits of each value, NaN payloads kept. */
const raw = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/** ONNX-ML Imputer, element by element (onnx's reference implementation reads it the same way). */
function imputeRef(x: Float32Array, v: Float32Array, r: number): Float32Array {
  const y = x.slice();
  for (let i = 0; i < x.length; i++) if (Number.isNaN(r) ? Number.isNaN(x[i]!) : x[i] === r) y[i] = v[i]!;
  return y;
}

/** A NaN with a payload of its own (0x7fc0_1234), kept through the kernel as any other bits. */
const PAYLOAD_NAN = new Float32Array(new Uint32Array([0x7fc01234]).buffer)[0]!;

const SIZES = [1, 3, 4, 5, 7, 8, 9, 16, 17, 30, 33];

describe.each(BUILDS)("imputeF32 · %s build", (build) => {
  const k = new KernelHarness(build);
  const run = (x: Float32Array, v: Float32Array, r: number, inPlace: boolean) => {
    k.reset();
    const px = k.f32(x),
      py = inPlace ? px : k.alloc(x.length * 4);
    k.fn("imputeF32")(px, k.f32(v), py, x.length, r);
    return new Float32Array(k.read(py, x.length));
  };

  it.each(SIZES)(
    "NaN replaced: every NaN (any payload) becomes its feature's value, the rest is copied · n=%i",
    (n) => {
      const x = Float32Array.from({ length: n }, (_, i) => [NaN, 1.5, -0, PAYLOAD_NAN, Infinity, 0, -Infinity][i % 7]!);
      const v = Float32Array.from({ length: n }, (_, i) => 100 + i);
      for (const inPlace of [false, true]) expect(raw(run(x, v, NaN, inPlace))).toEqual(raw(imputeRef(x, v, NaN)));
    },
  );

  it.each(SIZES)("a value replaced (0 here): 0 and −0 become the imputed value, NaN stays NaN · n=%i", (n) => {
    const x = Float32Array.from({ length: n }, (_, i) => [0, NaN, -0, 2, -1][i % 5]!);
    const v = Float32Array.from({ length: n }, (_, i) => -7.25 - i);
    expect(raw(run(x, v, 0, false))).toEqual(raw(imputeRef(x, v, 0)));
  });

  it("a replaced value of −1 or +Inf, on random rows", () => {
    const r = seeded(`impute ${build}`);
    for (let c = 0; c < 200; c++) {
      const n = width(r),
        rep = [-1, Infinity, 0.5][c % 3]!;
      const x = values(r, n, true);
      for (let i = 0; i < n; i++) if (r.next() < 0.2) x[i] = rep;
      const v = weights(r, n);
      expect(raw(run(x, v, rep, c % 2 === 0)), `case ${c}: n=${n}, r=${rep}`).toEqual(raw(imputeRef(x, v, rep)));
    }
  });
});

describe("imputeF32: the scalar build gives the SIMD build's bits", () => {
  it("300 random rows with NaN (payloads too), ±Inf, −0 and subnormals; NaN and values replaced", () => {
    const r = seeded("same bits impute");
    for (let c = 0; c < 300; c++) {
      const n = width(r),
        rep = [NaN, 0, -1][c % 3]!;
      const x = values(r, n, true);
      for (let i = 0; i < n; i++) if (r.next() < 0.1) x[i] = r.next() < 0.5 ? PAYLOAD_NAN : rep;
      const v = weights(r, n);
      const [scalar, simd] = inBoth((k) => {
        const py = k.alloc(n * 4);
        k.fn("imputeF32")(k.f32(x), k.f32(v), py, n, rep);
        return new Float32Array(k.read(py, n));
      });
      expect(raw(scalar), `case ${c}: n=${n}, r=${rep}`).toEqual(raw(simd));
    }
  });
});
