// Activations give the same bits in the scalar and the SIMD build (issue 19): every kind through
// applyAct (4-lane rows and partial-vector tails in SIMD, the reference in scalar), softmax whose
// sum is formed in four lanes, in place and not, and the elementary functions on their own.
import { describe, it } from "vitest";
import { Act } from "../../src/format/abi.js";
import { seeded } from "../helpers/rng.js";
import { expectSameBits, inBoth, values } from "./same-bits.js";

const CASES = 400;
const ACTS = [
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
  Act.SoftmaxZero,
  Act.Probit,
  Act.Binarize,
  Act.Trunc,
];
/** alpha and beta: hard sigmoid's, clip's bounds (inside the values' range, so both are hit), leaky relu's slope. */
const params = (act: Act): [number, number] =>
  act === Act.HardSigmoid ? [0.2, 0.5] : act === Act.Clip ? [-0.75, 0.5] : [0.1, 0];

describe("activations: the scalar build gives the SIMD build's bits", () => {
  it(`applyAct: ${CASES} random rows, every kind, lengths 1–70 and 784, in place and not`, () => {
    const r = seeded("same bits act");
    for (let c = 0; c < CASES; c++) {
      const act = ACTS[c % ACTS.length]!;
      const n = act === Act.LogisticPair ? 2 : r.next() < 0.9 ? r.int(1, 70) : 784;
      // Values on exp's scale (softmax sums of comparable terms), or the stress kinds with NaN/±Inf.
      const x = r.next() < 0.5 ? r.floats(n, -12, 12) : values(r, n, true);
      const [alpha, beta] = params(act);
      const inPlace = r.next() < 0.3;
      const [scalar, simd] = inBoth((k) => {
        const px = k.f32(x);
        const py = inPlace ? px : k.alloc(n * 4);
        k.fn("applyAct")(act, px, py, n, alpha, beta);
        return k.read(py, n);
      });
      expectSameBits(scalar, simd, `case ${c}: act ${act}, n=${n}${inPlace ? ", in place" : ""}`);
    }
  });

  it(`softmax: ${CASES} random rows, the SIMD kernel and the scalar reference in both builds`, () => {
    const r = seeded("same bits softmax");
    for (let c = 0; c < CASES; c++) {
      const n = r.next() < 0.9 ? r.int(1, 70) : r.int(71, 1000);
      const x = r.next() < 0.7 ? r.floats(n, -8, 8) : values(r, n, true);
      const call = (name: string) =>
        inBoth((k) => {
          const py = k.alloc(n * 4);
          k.fn(name)(k.f32(x), py, n);
          return k.read(py, n);
        });
      const [scalar, simd] = call("softmax");
      expectSameBits(scalar, simd, `case ${c}: n=${n}`);
      const [scalarRef, simdRef] = call("softmaxRef");
      expectSameBits(scalarRef, simd, `case ${c}: n=${n}, scalar build's reference`);
      expectSameBits(simdRef, simd, `case ${c}: n=${n}, SIMD build's reference`);
    }
  });

  it("softmax edge rows: all −Inf, one +Inf, NaN, −0 and subnormals, huge and equal values", () => {
    const rows = [
      [-Infinity, -Infinity, -Infinity, -Infinity, -Infinity],
      [1, Infinity, 3, 4, 5, 6, 7],
      [1, 2, NaN, 4, 5],
      [-0, 0, 1e-40, -1e-40, 1.4e-45, -0, 0, 0, 0],
      [1000, 999, -1000, 1e30, 1e30, 3e38],
      Array(13).fill(100),
      [-Infinity, 0, 0, -Infinity, 0],
    ];
    for (const row of rows) {
      const x = Float32Array.from(row);
      const [scalar, simd] = inBoth((k) => {
        const py = k.alloc(x.length * 4);
        k.fn("softmax")(k.f32(x), py, x.length);
        return k.read(py, x.length);
      });
      expectSameBits(scalar, simd, `[${row.join(", ")}]`);
    }
  });

  it("exp, expm1, log and log1p: the same bits over their whole range and at the edges", () => {
    const r = seeded("same bits elementary");
    const xs = [NaN, Infinity, -Infinity, 0, -0, 1e-40, -1e-40, 88.72, 88.73, -87.3, -103.9, -104, -150, 3.4e38];
    for (let i = 0; i < 3000; i++) xs.push(r.next() * 240 - 120, (r.next() - 0.5) * 2 ** r.int(-40, 10));
    for (const name of ["expF32", "expm1F32", "logF32"]) {
      const [scalar, simd] = inBoth((k) => xs.map((v) => k.fn(name)(Math.fround(name === "logF32" ? Math.abs(v) : v))));
      expectSameBits(scalar, simd, name);
    }
    // log1p's domain is [0, 1] (softplus's exp(−|x|)): the values of exp on it, and NaN.
    const us = [
      NaN,
      0,
      1,
      1e-40,
      1.4e-45,
      2 ** -24,
      2 ** -23,
      Math.SQRT2 - 1,
      ...xs.map((v) => Math.exp(-Math.abs(v))),
    ];
    const [scalar, simd] = inBoth((k) => us.map((u) => k.fn("log1pF32")(Math.fround(u))));
    expectSameBits(scalar, simd, "log1pF32");
  });
});
