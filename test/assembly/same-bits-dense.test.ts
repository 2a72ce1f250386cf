// The f32 dense kernels give the same bits in the scalar and the SIMD build (issue 19), and the
// scalar reference denseF32Ref is those bits: one row (the 4-output loop and the leftover
// outputs, zero-skipping runs, tails), blocks of rows (4 rows × 2 outputs and the leftovers,
// strides), and the narrow kernel with every activation. Seeded random shapes, hundreds each.
import { describe, it } from "vitest";
import { Act } from "../../src/format/abi.js";
import type { KernelHarness } from "../helpers/kernels.js";
import { seeded } from "../helpers/rng.js";
import { expectSameBits, inBoth, values, weights, width } from "./same-bits.js";

const CASES = 300;

describe("dense f32: the scalar build gives the SIMD build's bits", () => {
  it(`one row: ${CASES} random shapes, denseF32 and denseF32Ref in both builds, aligned and not`, () => {
    const r = seeded("same bits dense row");
    for (let c = 0; c < CASES; c++) {
      const nIn = width(r),
        nOut = r.int(1, 13);
      const x = values(r, nIn, true),
        w = weights(r, nIn * nOut),
        b = weights(r, nOut);
      const misalign = r.next() < 0.3 ? 4 : 0;
      const call = (name: string) => (k: KernelHarness) => {
        const py = k.alloc(nOut * 4, misalign);
        k.fn(name)(k.f32(x, misalign), k.f32(w, misalign), k.f32(b), py, nIn, nOut);
        return k.read(py, nOut);
      };
      const [scalar, simd] = inBoth(call("denseF32"));
      const what = `case ${c}: in=${nIn} out=${nOut}`;
      expectSameBits(scalar, simd, what);
      const [scalarRef, simdRef] = inBoth(call("denseF32Ref"));
      expectSameBits(scalarRef, simd, `${what}, scalar build's reference`);
      expectSameBits(simdRef, simd, `${what}, SIMD build's reference`);
    }
  });

  it(`blocks of 1–11 rows with strides: ${CASES} random shapes, each row as the one-row kernel gives it`, () => {
    const r = seeded("same bits dense batch");
    for (let c = 0; c < CASES; c++) {
      const nIn = r.next() < 0.8 ? r.int(1, 40) : r.int(41, 200),
        nOut = r.int(1, 11),
        nRows = r.int(1, 11);
      const xStride = nIn + r.int(0, 3),
        yStride = nOut + r.int(0, 2);
      const x = values(r, nRows * xStride, true),
        w = weights(r, nIn * nOut),
        b = weights(r, nOut);
      const batch = (name: string) => (k: KernelHarness) => {
        const py = k.alloc(nRows * yStride * 4);
        k.fn(name)(k.f32(x), xStride, k.f32(w), k.f32(b), py, yStride, nIn, nOut, nRows);
        return k.read(py, nRows * yStride);
      };
      const what = `case ${c}: ${nRows} rows, in=${nIn} out=${nOut}`;
      const [scalar, simd] = inBoth(batch("denseF32Batch"));
      expectSameBits(scalar, simd, what);
      expectSameBits(inBoth(batch("denseF32BatchRef"))[0], simd, `${what}, reference`);
      // Each row alone: the batch of the one-row kernel's bits.
      const [oneScalar] = inBoth((k) => {
        const pw = k.f32(w),
          pb = k.f32(b),
          py = k.alloc(nRows * yStride * 4);
        for (let row = 0; row < nRows; row++) {
          const px = k.f32(x.subarray(row * xStride, row * xStride + nIn));
          k.fn("denseF32")(px, pw, pb, py + 4 * row * yStride, nIn, nOut);
        }
        return k.read(py, nRows * yStride);
      });
      expectSameBits(oneScalar, simd, `${what}, row by row`);
    }
  });

  // The activations the narrow kernel applies itself (element-wise in registers, softmax kinds per row).
  const NARROW_ACTS = [
    Act.None,
    Act.Relu,
    Act.LeakyRelu,
    Act.Sigmoid,
    Act.Tanh,
    Act.Softmax,
    Act.LogSoftmax,
    Act.HardSigmoid,
    Act.LogisticPair,
    Act.Clip,
    Act.Softplus,
    Act.Abs,
  ];
  it(`narrow (≤ 4 outputs): ${CASES} random shapes, every activation, one row and blocks`, () => {
    const r = seeded("same bits narrow");
    for (let c = 0; c < CASES; c++) {
      const act = NARROW_ACTS[c % NARROW_ACTS.length]!;
      const nIn = r.next() < 0.8 ? r.int(1, 40) : r.int(41, 300),
        nOut = act === Act.LogisticPair ? 2 : act === Act.Softmax && r.next() < 0.7 ? 4 : r.int(1, 4), // 4: a full sum
        nRows = r.next() < 0.3 ? 1 : r.int(2, 9);
      const xStride = nIn + r.int(0, 2),
        yStride = nOut + r.int(0, 2);
      const alpha = act === Act.HardSigmoid ? 0.2 : act === Act.Clip ? -0.5 : 0.01,
        beta = act === Act.HardSigmoid ? 0.5 : act === Act.Clip ? 0.25 : 0;
      // Softmax kinds: moderate logits half the time, so that no single exp dominates the sum.
      const moderate = (act === Act.Softmax || act === Act.LogSoftmax) && r.next() < 0.5;
      const x = moderate ? r.floats(nRows * xStride, -2, 2) : values(r, nRows * xStride, true),
        wt = moderate ? r.floats(nIn * 4, -0.5, 0.5) : weights(r, nIn * 4),
        bt = weights(r, 4);
      for (let i = 0; i < nIn; i++) for (let o = nOut; o < 4; o++) wt[i * 4 + o] = 0; // padded columns are zero
      for (let o = nOut; o < 4; o++) bt[o] = 0;
      const [scalar, simd] = inBoth((k) => {
        const py = k.alloc(nRows * yStride * 4);
        k.fn("denseNarrowF32")(
          k.f32(x),
          xStride,
          k.f32(wt),
          k.f32(bt),
          py,
          yStride,
          nIn,
          nOut,
          nRows,
          act,
          alpha,
          beta,
        );
        return k.read(py, nRows * yStride);
      });
      expectSameBits(scalar, simd, `case ${c}: act ${act}, ${nRows} rows, in=${nIn} out=${nOut}`);
    }
  });
});
