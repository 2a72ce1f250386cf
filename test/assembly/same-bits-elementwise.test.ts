// The row kernels without a SIMD summation of their own give the same bits in both builds too
// (issue 19): affine (4 lanes and a scalar tail in SIMD), normalize, argmax, the NaN guard and
// the QUANTIZE modes, on random rows with NaN, ±Inf, −0 and subnormals.
import { describe, expect, it } from "vitest";
import { Norm, QuantMode } from "../../src/format/abi.js";
import { seeded } from "../helpers/rng.js";
import { expectSameBits, inBoth, values, weights } from "./same-bits.js";

const CASES = 300;
const length = (r: ReturnType<typeof seeded>) => (r.next() < 0.9 ? r.int(1, 40) : r.int(41, 800));

describe("element-wise and row kernels: the scalar build gives the SIMD build's bits", () => {
  it(`affine: ${CASES} random rows, in place and not`, () => {
    const r = seeded("same bits affine");
    for (let c = 0; c < CASES; c++) {
      const n = length(r),
        inPlace = r.next() < 0.3;
      const x = values(r, n, true),
        s = weights(r, n),
        t = weights(r, n);
      const [scalar, simd] = inBoth((k) => {
        const px = k.f32(x);
        const py = inPlace ? px : k.alloc(n * 4);
        k.fn("affineF32")(px, k.f32(s), k.f32(t), py, n);
        return k.read(py, n);
      });
      expectSameBits(scalar, simd, `case ${c}: n=${n}`);
    }
  });

  it(`normalize (max, l1, l2) and argmax: ${CASES} random rows`, () => {
    const r = seeded("same bits normalize");
    for (let c = 0; c < CASES; c++) {
      const n = length(r),
        mode = [Norm.Max, Norm.L1, Norm.L2][c % 3]!;
      const x = values(r, n, true);
      const [scalar, simd] = inBoth((k) => {
        const px = k.f32(x),
          py = k.alloc(n * 4),
          pa = k.alloc(4);
        k.fn("normalizeF32")(mode, px, py, n);
        k.fn("argmaxF32")(px, pa, n);
        return [...k.read(py, n), ...k.read(pa, 1), k.fn("findNaNF32")(px, n)];
      });
      expectSameBits(scalar, simd, `case ${c}: mode ${mode}, n=${n}`);
    }
  });

  it(`quantize, every mode: ${CASES} random rows`, () => {
    const r = seeded("same bits quantize");
    const modes = [
      QuantMode.Divide,
      QuantMode.Multiply,
      QuantMode.DynamicValues,
      QuantMode.DynamicScale,
      QuantMode.DynamicZeroPoint,
    ];
    for (let c = 0; c < CASES; c++) {
      const n = length(r),
        mode = modes[c % modes.length]!;
      const x = values(r, n, true);
      const w = Float32Array.from(weights(r, n), (v) => Math.abs(v) + 1e-3),
        b = Float32Array.from({ length: n }, () => r.int(-128, 127));
      const [lo, hi] = r.next() < 0.5 ? [-128, 127] : [0, 255];
      const nOut = mode === QuantMode.DynamicScale || mode === QuantMode.DynamicZeroPoint ? 1 : n;
      const [scalar, simd] = inBoth((k) => {
        const py = k.alloc(nOut * 4);
        k.fn("quantizeF32")(mode, k.f32(x), k.f32(w), k.f32(b), py, n, lo, hi);
        return k.read(py, nOut);
      });
      expectSameBits(scalar, simd, `case ${c}: mode ${mode}, n=${n}`);
    }
  });

  it("findNaNF32 finds the same first NaN, in a 4-lane body or the tail", () => {
    for (const n of [1, 3, 4, 5, 9, 33]) {
      for (let at = 0; at < n; at++) {
        const x = new Float32Array(n).fill(1);
        x[at] = NaN;
        if (at + 2 < n) x[at + 2] = NaN;
        const [scalar, simd] = inBoth((k) => k.fn("findNaNF32")(k.f32(x), n));
        expect([scalar, simd], `n=${n} NaN at ${at}`).toEqual([at, at]);
      }
    }
  });
});
