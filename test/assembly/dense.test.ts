// f32 dense kernels of both builds against the float64 reference, on sizes around the 4-lane
// boundary and the real layers of an MNIST MLP, one row and blocks of rows, aligned and not.
import { describe, expect, it } from "vitest";
import { expectWithin } from "../helpers/close.js";
import { BUILDS, KernelHarness } from "../helpers/kernels.js";
import { denseErrorBound, denseRef } from "../helpers/reference.js";
import { seeded } from "../helpers/rng.js";

const SIZES = [1, 3, 4, 5, 7, 15, 16, 17, 64, 784];
const SHAPES: Array<[number, number]> = [
  ...SIZES.map((n): [number, number] => [n, n === 784 ? 10 : n]),
  [2, 1],
  [17, 3],
  [3, 17],
  [784, 128],
  [64, 5],
];

describe.each(BUILDS)("dense f32 · %s build", (build) => {
  const k = new KernelHarness(build);

  it.each(SHAPES)("one row, in=%i out=%i, fast and reference match float64", (nIn, nOut) => {
    const rand = seeded(`dense ${nIn}x${nOut}`);
    const x = rand.floats(nIn),
      w = rand.floats(nIn * nOut),
      b = rand.floats(nOut);
    const want = denseRef(x, w, b, nIn, nOut),
      bound = denseErrorBound(x, w, b, nIn, nOut);
    for (const [name, misalign] of [
      ["denseF32", 0],
      ["denseF32", 4],
      ["denseF32Ref", 0],
    ] as const) {
      k.reset();
      const px = k.f32(x, misalign),
        pw = k.f32(w, misalign),
        pb = k.f32(b),
        py = k.alloc(nOut * 4, misalign);
      k.fn(name)(px, pw, pb, py, nIn, nOut);
      expectWithin(k.read(py, nOut), want, bound, `${name} misalign ${misalign}`);
    }
  });

  it.each([
    [1, 3, 2],
    [4, 5, 3],
    [5, 17, 4],
    [7, 16, 9],
    [13, 784, 10],
    [8, 64, 64],
  ])("batch of %i rows, in=%i out=%i, equals the one-row kernel bit for bit, with row strides", (nRows, nIn, nOut) => {
    const rand = seeded(`dense batch ${nRows} ${nIn}x${nOut}`);
    const xStride = nIn + 3,
      yStride = nOut + 2; // rows inside wider buffers
    const x = rand.floats(nRows * xStride),
      w = rand.floats(nIn * nOut),
      b = rand.floats(nOut);
    k.reset();
    const px = k.f32(x),
      pw = k.f32(w),
      pb = k.f32(b),
      py = k.alloc(nRows * yStride * 4);
    k.fn("denseF32Batch")(px, xStride, pw, pb, py, yStride, nIn, nOut, nRows);
    const batch = k.read(py, nRows * yStride);
    const pyRef = k.alloc(nRows * yStride * 4);
    k.fn("denseF32BatchRef")(px, xStride, pw, pb, pyRef, yStride, nIn, nOut, nRows);
    const ref = k.read(pyRef, nRows * yStride);
    for (let r = 0; r < nRows; r++) {
      const row = x.subarray(r * xStride, r * xStride + nIn);
      const py1 = k.alloc(nOut * 4);
      k.fn("denseF32")(k.f32(row), pw, pb, py1, nIn, nOut);
      const one = k.read(py1, nOut);
      const got = batch.subarray(r * yStride, r * yStride + nOut);
      expect(Array.from(got)).toEqual(Array.from(one));
      const want = denseRef(row, w, b, nIn, nOut),
        bound = denseErrorBound(row, w, b, nIn, nOut);
      expectWithin(got, want, bound, `row ${r}`);
      expectWithin(ref.subarray(r * yStride, r * yStride + nOut), want, bound, `ref row ${r}`);
      // The padding between rows is never written.
      for (let j = nOut; j < yStride && r < nRows - 1; j++) expect(Number.isNaN(batch[r * yStride + j]!)).toBe(true);
    }
  });

  it("propagates Inf and NaN from inputs like float64 does", () => {
    const x = Float32Array.of(1, Infinity, 2, 3, NaN),
      w = new Float32Array(10).fill(1),
      b = Float32Array.of(0, 0);
    w[5 + 4] = 0; // row 1 ignores the NaN … but 0·NaN is still NaN, as in IEEE
    k.reset();
    const py = k.alloc(8);
    k.fn("denseF32")(k.f32(x), k.f32(w), k.f32(b), py, 5, 2);
    const y = k.read(py, 2);
    expect(Number.isNaN(y[0]!)).toBe(true);
    expect(Number.isNaN(y[1]!)).toBe(true);
  });
});

// The SIMD kernels skip blocks of four inputs that are zero (in every row of a 4-row group).
// Exact only if skipping changes no bit: checked against a plain-JS emulation of the SIMD
// arithmetic (four lanes summed in input order, (l0 + l1) + (l2 + l3), the scalar tail, the
// bias), which adds every product, on rows with long zero runs, scattered zeros, −0 and none.
function simdDenseEmulation(
  x: Float32Array,
  w: Float32Array,
  b: Float32Array,
  nIn: number,
  nOut: number,
): Float32Array {
  const f = Math.fround,
    nIn4 = nIn & ~3,
    y = new Float32Array(nOut);
  for (let o = 0; o < nOut; o++) {
    const lane = [0, 0, 0, 0];
    for (let i = 0; i < nIn4; i++) lane[i & 3] = f(lane[i & 3]! + f(w[o * nIn + i]! * x[i]!));
    let tail = 0;
    for (let i = nIn4; i < nIn; i++) tail = f(tail + f(w[o * nIn + i]! * x[i]!));
    y[o] = f(f(f(f(lane[0]! + lane[1]!) + f(lane[2]! + lane[3]!)) + tail) + b[o]!);
  }
  return y;
}

/** Rows shaped like real sparse inputs: an image's zero background, one-hot blocks, −0, scattered zeros. */
function sparseRows(nIn: number, name: string): Array<[string, Float32Array]> {
  const r = seeded(name);
  const image = new Float32Array(nIn); // a blob in the middle of a zero background
  for (let i = Math.floor(nIn * 0.3); i < Math.floor(nIn * 0.7); i++)
    if (i % 28 > 5 && i % 28 < 22) image[i] = r.next();
  const oneHot = new Float32Array(nIn);
  for (let i = 0; i < nIn; i += 9) oneHot[i] = 1;
  const negZero = r.floats(nIn).map((v, i) => (i % 16 < 8 ? -0 : v));
  const scattered = r.floats(nIn).map((v) => Math.max(v, 0)); // ReLU-like
  const single = new Float32Array(nIn);
  single[nIn - 1] = 2.5;
  return [
    ["image-like", image],
    ["one-hot", oneHot],
    ["−0 blocks", negZero],
    ["scattered zeros", scattered],
    ["one nonzero (last)", single],
    ["all zero", new Float32Array(nIn)],
    ["dense", r.floats(nIn)],
  ];
}

describe("zero skipping · simd build", () => {
  const k = new KernelHarness("simd");
  it.each([
    [784, 256],
    [784, 10],
    [64, 17],
    [103, 9],
    [8, 5],
  ])("in=%i out=%i: every row, alone and in 4-row blocks, gives the bits of the dense arithmetic", (nIn, nOut) => {
    const rand = seeded(`skip ${nIn}x${nOut}`);
    const w = rand.floats(nIn * nOut),
      b = rand.floats(nOut);
    const rows = sparseRows(nIn, `skip rows ${nIn}`);
    k.reset();
    const pw = k.f32(w),
      pb = k.f32(b);
    const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
    for (const [name, x] of rows) {
      const py = k.alloc(nOut * 4);
      k.fn("denseF32")(k.f32(x), pw, pb, py, nIn, nOut);
      expect(bits(k.read(py, nOut)), name).toEqual(bits(simdDenseEmulation(x, w, b, nIn, nOut)));
    }
    // Blocks of four rows: a block is skipped only where all four rows are zero.
    const block = new Float32Array(rows.length * nIn);
    rows.forEach(([, x], i) => block.set(x, i * nIn));
    const py = k.alloc(rows.length * nOut * 4);
    k.fn("denseF32Batch")(k.f32(block), nIn, pw, pb, py, nOut, nIn, nOut, rows.length);
    const got = k.read(py, rows.length * nOut);
    rows.forEach(([name, x], i) =>
      expect(bits(got.subarray(i * nOut, (i + 1) * nOut)), `batch ${name}`).toEqual(
        bits(simdDenseEmulation(x, w, b, nIn, nOut)),
      ),
    );
  });
});

describe.each(BUILDS)("narrow dense (≤ 4 outputs, transposed weights) · %s build", (build) => {
  const k = new KernelHarness(build);
  const ACTS: Array<[number, (v: number) => number]> = [
    [0, (v) => v],
    [1, (v) => Math.max(0, v)],
    [3, (v) => 1 / (1 + Math.exp(-v))],
    [4, Math.tanh],
  ];

  it.each([
    [2, 1],
    [3, 5],
    [17, 9],
    [784, 64],
  ])("logistic_pair, in=%i, %i rows: [1 − p, p] from the logit in lane 1, one row = block", (nIn, nRows) => {
    const rand = seeded(`pair ${nIn}`);
    const w = rand.floats(nIn),
      b = 0.3;
    const wt = new Float32Array(nIn * 4),
      bt = Float32Array.of(0, b, 0, 0);
    for (let i = 0; i < nIn; i++) wt[i * 4 + 1] = w[i]!;
    const x = rand.floats(nRows * nIn, -3, 3);
    k.reset();
    const px = k.f32(x),
      pwt = k.f32(wt),
      pb = k.f32(bt),
      py = k.alloc(nRows * 8),
      py1 = k.alloc(8);
    k.fn("denseNarrowF32")(px, nIn, pwt, pb, py, 2, nIn, 2, nRows, 8, 0, 0);
    const got = k.read(py, nRows * 2);
    for (let r = 0; r < nRows; r++) {
      const row = x.subarray(r * nIn, r * nIn + nIn);
      const z = denseRef(row, w, [b], nIn, 1)[0]!,
        p = 1 / (1 + Math.exp(-z));
      const bound = denseErrorBound(row, w, [b], nIn, 1)[0]! * 0.25 + 2e-7;
      expectWithin(got.subarray(2 * r, 2 * r + 2), [1 - p, p], [bound, bound], `row ${r}`);
      k.fn("denseNarrowF32")(k.f32(row), nIn, pwt, pb, py1, 2, nIn, 2, 1, 8, 0, 0);
      expect(Array.from(k.read(py1, 2))).toEqual(Array.from(got.subarray(2 * r, 2 * r + 2)));
    }
  });

  it("softmax over ≤ 4 outputs is applied per row, one row and blocks alike", () => {
    const nIn = 5,
      nOut = 3,
      nRows = 6;
    const rand = seeded("narrow softmax");
    const w = rand.floats(nIn * nOut, -2, 2),
      b = rand.floats(nOut);
    const wt = new Float32Array(nIn * 4),
      bt = new Float32Array(4);
    for (let o = 0; o < nOut; o++) {
      bt[o] = b[o]!;
      for (let i = 0; i < nIn; i++) wt[i * 4 + o] = w[o * nIn + i]!;
    }
    const x = rand.floats(nRows * nIn, -2, 2);
    k.reset();
    const pwt = k.f32(wt),
      pb = k.f32(bt),
      py = k.alloc(nRows * nOut * 4),
      py1 = k.alloc(nOut * 4);
    k.fn("denseNarrowF32")(k.f32(x), nIn, pwt, pb, py, nOut, nIn, nOut, nRows, 5, 0, 0);
    const got = k.read(py, nRows * nOut);
    for (let r = 0; r < nRows; r++) {
      const row = x.subarray(r * nIn, r * nIn + nIn);
      const lin = denseRef(row, w, b, nIn, nOut),
        m = Math.max(...lin),
        e = Array.from(lin, (v) => Math.exp(v - m)),
        s = e.reduce((a, c) => a + c);
      expectWithin(
        got.subarray(r * nOut, r * nOut + nOut),
        e.map((v) => v / s),
        [2e-6, 2e-6, 2e-6],
        `row ${r}`,
      );
      k.fn("denseNarrowF32")(k.f32(row), nIn, pwt, pb, py1, nOut, nIn, nOut, 1, 5, 0, 0);
      expectWithin(k.read(py1, nOut), got.subarray(r * nOut, r * nOut + nOut), [1e-7, 1e-7, 1e-7], `one row ${r}`);
    }
  });

  it.each([
    [1, 1],
    [2, 2],
    [3, 4],
    [5, 3],
    [17, 4],
    [64, 1],
    [784, 2],
  ])("in=%i out=%i, every activation, one row and blocks, fast = reference bit for bit", (nIn, nOut) => {
    const rand = seeded(`narrow ${nIn}x${nOut}`);
    const w = rand.floats(nIn * nOut),
      b = rand.floats(nOut);
    const wt = new Float32Array(nIn * 4),
      bt = new Float32Array(4);
    for (let o = 0; o < nOut; o++) {
      bt[o] = b[o]!;
      for (let i = 0; i < nIn; i++) wt[i * 4 + o] = w[o * nIn + i]!;
    }
    const nRows = 7,
      xStride = nIn + 1,
      yStride = nOut + 1;
    const x = rand.floats(nRows * xStride);
    for (const [act, f] of ACTS) {
      k.reset();
      const px = k.f32(x),
        pwt = k.f32(wt),
        pb = k.f32(bt),
        py = k.alloc(nRows * yStride * 4),
        pyRef = k.alloc(nOut * 4);
      k.fn("denseNarrowF32")(px, xStride, pwt, pb, py, yStride, nIn, nOut, nRows, act, 0, 0);
      const got = k.read(py, nRows * yStride);
      for (let r = 0; r < nRows; r++) {
        const row = x.subarray(r * xStride, r * xStride + nIn);
        const lin = denseRef(row, w, b, nIn, nOut),
          bound = denseErrorBound(row, w, b, nIn, nOut);
        const y = got.subarray(r * yStride, r * yStride + nOut);
        // Activations are 1-Lipschitz here: the linear part's bound carries over (plus the activation's own ulps).
        expectWithin(
          y,
          Array.from(lin, f),
          Array.from(bound, (e, o) => e + 4e-7 * Math.abs(f(lin[o]!)) + 1e-30),
          `act ${act} row ${r}`,
        );
        k.fn("denseNarrowF32Ref")(k.f32(row), pwt, pb, pyRef, nIn, nOut, act, 0, 0);
        expect(Array.from(y)).toEqual(Array.from(k.read(pyRef, nOut)));
        expect(Number.isNaN(got[r * yStride + nOut]!) || r === nRows - 1).toBe(true); // the padding lane is never written
      }
    }
  });
});
