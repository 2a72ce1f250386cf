// Activations and softmax of both builds against Math.* in float64, on awkward lengths and on
// the edge values users feed them: ±Inf, NaN, ±100, ±1e-8, and the overflow boundaries of exp.
import { describe, expect, it } from "vitest";
import { Act } from "../../src/format/abi.js";
import { expectAllClose, TOL } from "../helpers/close.js";
import { BUILDS, KernelHarness } from "../helpers/kernels.js";
import { logSoftmax, relu, sigmoid, softmax } from "../helpers/reference.js";
import { seeded } from "../helpers/rng.js";

const SIZES = [1, 3, 4, 5, 7, 15, 16, 17, 64, 784];
const EDGES = [
  Infinity,
  -Infinity,
  NaN,
  100,
  -100,
  0,
  -0,
  1e-8,
  -1e-8,
  88.7,
  89,
  -87.3,
  -104,
  20,
  -20,
  0.5,
  -0.5,
  9,
  -9,
];

const ELEMENTWISE: Array<[string, Act, (v: number) => number, number]> = [
  ["relu", Act.Relu, relu, 0],
  ["leaky_relu", Act.LeakyRelu, (v) => (v < 0 ? 0.1 * v : v), 0.1],
  ["sigmoid", Act.Sigmoid, sigmoid, 0],
  ["tanh", Act.Tanh, Math.tanh, 0],
  // max(0, min(1, αx + β)) in f32, as ONNX and onnxruntime compute it: near 0 the f32 sum itself
  // is only good to an ulp of β, so the reference rounds the same way.
  [
    "hard_sigmoid",
    Act.HardSigmoid,
    (v) => Math.max(0, Math.min(1, Math.fround(Math.fround(Math.fround(0.2) * v) + 0.5))),
    0.2,
  ],
  // np.clip's min(max(x, lo), hi) with lo = −1, hi = 2 (alpha, beta): NaN stays NaN.
  ["clip", Act.Clip, (v) => Math.min(Math.max(v, -1), 2), -1],
  ["softplus", Act.Softplus, softplus, 0],
  ["abs", Act.Abs, Math.abs, 0],
  // scikit-learn's Binarizer (X > threshold), threshold 0.5: NaN > 0.5 is false, so 0.
  ["binarize", Act.Binarize, (v) => (v > 0.5 ? 1 : 0), 0.5],
  // ONNX Cast of a float to an integer type: toward zero (NaN stays NaN here).
  ["trunc", Act.Trunc, Math.trunc, 0],
];

/** The ONNX definition log(1 + exp(x)), in float64 without overflow. */
function softplus(v: number): number {
  return v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v));
}

/**
 * onnxruntime's ComputeProbit (ml_common.h), each operation rounded to f32 as its C++ does:
 * √2 · erfinv(2p − 1), Winitzki's erfinv with a = 0.147. (Near p = 0.5 its −v + √(v² − v2)
 * cancels, so even onnxruntime's f32 result is only good to ~1e-6 absolute there.)
 */
function probitOrt(p: number): number {
  const f = Math.fround;
  let x = f(f(2 * p) - 1);
  const sgn = x < 0 ? -1 : 1;
  x = f(f(1 - x) * f(1 + x));
  const l = f(Math.log(x));
  const v = f(f(2 / f(f(Math.PI) * f(0.147))) + f(0.5 * l));
  const v2 = f(f(1 / f(0.147)) * l);
  const v3 = f(-v + f(Math.sqrt(f(f(v * v) - v2))));
  return f(f(Math.SQRT2) * f(sgn * f(Math.sqrt(v3))));
}

/** The true probit (inverse normal CDF) by bisection on erfc, for the size of the approximation. */
function probitTrue(p: number): number {
  const cdf = (z: number) => 0.5 * erfc(-z / Math.SQRT2);
  let lo = -10,
    hi = 10;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** erfc by Numerical Recipes' Chebyshev fit (relative error < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x),
    t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** onnxruntime's ComputeSoftmaxZero in float64. */
function softmaxZeroRef(x: Float32Array): Float64Array {
  const m = Math.max(...x);
  const e = Array.from(x, (v) => (Math.abs(v) > 1e-7 ? Math.exp(v - m) : v * Math.exp(-m)));
  const s = Array.from(x).reduce((a, v, i) => a + (Math.abs(v) > 1e-7 ? e[i]! : 0), 0);
  return Float64Array.from(e, (v) => v / s);
}

/** |got − want| in units of the last place of want rounded to f32 (the spacing above |want|). */
function ulps(got: number, want: number): number {
  const w = Math.abs(Math.fround(want));
  const bitsOf = new Uint32Array(Float32Array.of(w).buffer);
  const above = new Float32Array(Uint32Array.of(bitsOf[0]! + 1).buffer)[0]!;
  return Math.abs(got - want) / (above - w);
}

/** Sigmoid of −Inf…: all references computed in float64 on the f32 inputs. */
function refOf(f: (v: number) => number, x: Float32Array): Float64Array {
  return Float64Array.from(x, (v) => f(v));
}

describe.each(BUILDS)("activations · %s build", (build) => {
  const k = new KernelHarness(build);
  const run = (name: string, act: Act, x: Float32Array, alpha = 0, beta = 0, inPlace = false): Float32Array => {
    k.reset();
    const px = k.f32(x);
    const py = inPlace ? px : k.alloc(x.length * 4);
    k.fn(name)(act, px, py, x.length, alpha, beta);
    return k.read(py, x.length);
  };

  for (const [label, act, f, alpha] of ELEMENTWISE) {
    const beta = act === Act.HardSigmoid ? 0.5 : act === Act.Clip ? 2 : 0;
    it.each(SIZES)(`${label}: n=%i random values, fast and reference`, (n) => {
      const x = seeded(`${label} ${n}`).floats(n, -12, 12);
      for (const name of ["applyAct", "applyActRef"]) {
        expectAllClose(run(name, act, x, alpha, beta), refOf(f, x), TOL.ulps, name);
      }
      expectAllClose(run("applyAct", act, x, alpha, beta, true), refOf(f, x), TOL.ulps, "in place");
    });

    it(`${label}: edge values (±Inf, NaN, ±100, tiny, exp's limits)`, () => {
      const x = Float32Array.from(EDGES);
      const want = refOf(f, x);
      for (const name of ["applyAct", "applyActRef"]) {
        const got = run(name, act, x, alpha, beta);
        expectAllClose(got, want, { rtol: 4e-7, atol: 1e-37 }, name);
      }
    });

    it(`${label}: SIMD lanes and scalar tails give the same bits`, () => {
      const x = seeded(`${label} bits`).floats(37, -30, 30);
      expect(Array.from(run("applyAct", act, x, alpha, beta))).toEqual(
        Array.from(run("applyActRef", act, x, alpha, beta)),
      );
    });
  }

  it("tanh keeps full relative accuracy near zero and saturates to exactly ±1", () => {
    const x = Float32Array.of(1e-7, -1e-7, 1e-3, 0.01, 0.3, 9, 10, 50, -50);
    const got = run("applyAct", Act.Tanh, x);
    for (let i = 0; i < x.length; i++)
      expect(Math.abs(got[i]! - Math.tanh(x[i]!))).toBeLessThanOrEqual(2.5e-7 * Math.abs(Math.tanh(x[i]!)));
    expect(got[7]).toBe(1);
    expect(got[8]).toBe(-1);
  });

  it("logistic pair: [1 − p, p] from the second of two values, fast and reference, edge values too", () => {
    for (const z of [0, 2.5, -2.5, 30, -30, 100, -100, Infinity, -Infinity]) {
      for (const name of ["applyAct", "applyActRef"]) {
        const got = run(name, Act.LogisticPair, Float32Array.of(123, z));
        const p = 1 / (1 + Math.exp(-z));
        expect(Math.abs(got[1]! - p), `${name} z=${z}`).toBeLessThanOrEqual(2e-7 * p + 1e-30);
        expect(got[0]).toBe(Math.fround(1 - got[1]!));
      }
    }
    expect(Array.from(run("applyAct", Act.LogisticPair, Float32Array.of(0, NaN))).every(Number.isNaN)).toBe(true);
  });

  it("softplus is within 1.5 ulp of float64 on [−100, 100], x itself for large x, 0 and Inf at ∓Inf", () => {
    const n = 100_000;
    const x = Float32Array.from({ length: n }, (_, i) => -100 + (200 * i) / n);
    const got = run("applyAct", Act.Softplus, x);
    let worst = 0;
    for (let i = 0; i < n; i++) if (softplus(x[i]!) > 1e-37) worst = Math.max(worst, ulps(got[i]!, softplus(x[i]!)));
    expect(worst).toBeLessThanOrEqual(1.5);
    const edges = run("applyAct", Act.Softplus, Float32Array.of(-Infinity, Infinity, 30, 1e30, -0, NaN));
    expect(Array.from(edges.subarray(0, 5))).toEqual([0, Infinity, 30, Math.fround(1e30), Math.fround(Math.LN2)]);
    expect(edges[5]).toBeNaN();
  });

  it("clip: lo > hi gives hi everywhere (numpy, ONNX), ±Inf to the bounds, −0 kept, NaN kept", () => {
    const x = Float32Array.of(-Infinity, -3, -0, 0, 1, 5, Infinity, NaN);
    for (const name of ["applyAct", "applyActRef"]) {
      expect(Array.from(run(name, Act.Clip, x, 3, 1).subarray(0, 7)), name).toEqual([1, 1, 1, 1, 1, 1, 1]);
      const y = run(name, Act.Clip, x, -2, 2);
      expect(Array.from(y.subarray(0, 7)), name).toEqual([-2, -2, -0, 0, 1, 2, 2]);
      expect(Object.is(y[2], -0), `${name}: −0`).toBe(true); // PyTorch's clamp keeps it too
      expect(y[7]).toBeNaN();
    }
  });

  it("sigmoid reaches exactly 0 and 1 at ∓Inf and stays in [0, 1] at ±100", () => {
    const got = run("applyAct", Act.Sigmoid, Float32Array.of(-Infinity, Infinity, -100, 100));
    expect(Array.from(got.subarray(0, 2))).toEqual([0, 1]);
    expect(got[2]).toBeGreaterThanOrEqual(0);
    expect(got[2]).toBeLessThan(1e-40);
    expect(got[3]).toBe(1);
  });

  it("probit: onnxruntime's f32 formula (√2 · Winitzki erfinv) within 1e-5, ~6e-3 of the true probit; ±Inf at 1 and 0", () => {
    const p = Float32Array.from({ length: 999 }, (_, i) => (i + 1) / 1000);
    for (const name of ["applyAct", "applyActRef"]) {
      const got = run(name, Act.Probit, p);
      expectAllClose(got, Float64Array.from(p, probitOrt), { rtol: 1e-5, atol: 1e-5 }, name);
      expectAllClose(got, Float64Array.from(p, probitTrue), { rtol: 0, atol: 1e-2 }, `${name}: true probit`);
      const edges = run(name, Act.Probit, Float32Array.of(1, 0, 0.5, 1.5, NaN));
      expect(Array.from(edges.subarray(0, 3))).toEqual([Infinity, -Infinity, 0]);
      expect([edges[3], edges[4]].every(Number.isNaN)).toBe(true);
    }
  });

  it("softmax_zero: exactly-zero scores stay 0 and take no share; the rest is a softmax (onnxruntime's definition)", () => {
    const x = Float32Array.of(0, 1.5, -2, 0, 3, -0, 5e-8, 0.25);
    for (const name of ["applyAct", "applyActRef"]) {
      const y = run(name, Act.SoftmaxZero, x);
      expect([y[0], y[3], y[5]]).toEqual([0, 0, -0]);
      expectAllClose(y, softmaxZeroRef(x), { rtol: 1e-6, atol: 0 }, name);
      expectAllClose(
        run(name, Act.SoftmaxZero, x, 0, 0, true),
        softmaxZeroRef(x),
        { rtol: 1e-6, atol: 0 },
        `${name} in place`,
      );
    }
    const y = seeded("softmax zero").floats(37, -12, 12);
    y[3] = 0;
    y[20] = 0;
    expectAllClose(run("applyAct", Act.SoftmaxZero, y), softmaxZeroRef(y), { rtol: 1e-6, atol: 0 });
  });

  it.each(SIZES)("softmax n=%i: matches float64, sums to 1, fast and reference", (n) => {
    const x = seeded(`softmax ${n}`).floats(n, -20, 20);
    for (const name of ["applyAct", "applyActRef"]) {
      const got = run(name, Act.Softmax, x);
      expectAllClose(got, softmax(x), TOL.f32, name);
      expect(Math.abs(got.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
    }
    expectAllClose(run("applyAct", Act.Softmax, x, 0, 0, true), softmax(x), TOL.f32, "in place");
  });

  it.each(SIZES)("log-softmax n=%i matches float64", (n) => {
    const x = seeded(`logsoftmax ${n}`).floats(n, -20, 20);
    for (const name of ["applyAct", "applyActRef"])
      expectAllClose(run(name, Act.LogSoftmax, x), logSoftmax(x), { rtol: 1e-5, atol: 2e-6 }, name);
  });

  it("softmax is stable for large inputs and NaN poisons the whole row, as numpy does", () => {
    const big = Float32Array.of(1000, 999, -1000, 1e30, 1e30 - 1e24);
    expectAllClose(run("applyAct", Act.Softmax, big), softmax(big), TOL.f32);
    const huge = Float32Array.of(100, 100, 100, 100, 100);
    expectAllClose(run("applyAct", Act.Softmax, huge), [0.2, 0.2, 0.2, 0.2, 0.2], TOL.f32);
    const withNaN = Float32Array.of(1, 2, NaN, 4, 5, 6);
    expect(Array.from(run("applyAct", Act.Softmax, withNaN)).every(Number.isNaN)).toBe(true);
    const withInf = Float32Array.of(1, Infinity, 3);
    expectAllClose(run("applyAct", Act.Softmax, withInf), softmax(withInf), TOL.f32); // [NaN, NaN, NaN] like numpy
    const negInf = Float32Array.of(-Infinity, 0, 0, -Infinity, 0);
    expectAllClose(run("applyAct", Act.Softmax, negInf), [0, 1 / 3, 1 / 3, 0, 1 / 3], TOL.f32);
  });
});

describe.each(BUILDS)("exp, expm1, log1p and log · %s build", (build) => {
  const k = new KernelHarness(build);
  it("exp is within 2 ulp of Math.exp across its range, and exact at the limits", () => {
    const exp = k.fn("expF32");
    let worst = 0;
    for (let v = -103; v < 88.7; v += 0.0137) {
      const x = Math.fround(v),
        want = Math.exp(x),
        got = exp(x);
      const ulp = want < 1.1754944e-38 ? 1.4e-45 : 2 ** (Math.floor(Math.log2(want)) - 23);
      worst = Math.max(worst, Math.abs(got - want) / ulp);
    }
    expect(worst).toBeLessThanOrEqual(2);
    expect(exp(Infinity)).toBe(Infinity);
    expect(exp(89)).toBe(Infinity);
    expect(exp(-Infinity)).toBe(0);
    expect(exp(-105)).toBe(0);
    expect(exp(0)).toBe(1);
    expect(exp(NaN)).toBeNaN();
  });

  it("expm1 keeps relative accuracy near 0", () => {
    const expm1 = k.fn("expm1F32");
    for (const v of [1e-10, -1e-10, 1e-5, -3e-4, 0.01, -0.3, 0.34, 2, -5, -30]) {
      const x = Math.fround(v);
      expect(Math.abs(expm1(x) - Math.expm1(x))).toBeLessThanOrEqual(3e-7 * Math.abs(Math.expm1(x)));
    }
  });

  it("log1p is within 1 ulp of Math.log1p on [0, 1], exact for tiny u, NaN kept", () => {
    const log1p = k.fn("log1pF32");
    let worst = 0;
    for (let i = 0; i <= 50_000; i++) {
      const u = Math.fround(i / 50_000);
      worst = Math.max(worst, ulps(log1p(u), Math.log1p(u)));
    }
    for (let e = 1; e < 140; e += 0.25) {
      const u = Math.fround(2 ** -e);
      worst = Math.max(worst, ulps(log1p(u), Math.log1p(u)));
    }
    expect(worst).toBeLessThanOrEqual(1);
    expect(log1p(0)).toBe(0);
    expect(log1p(1e-30)).toBe(Math.fround(1e-30));
    expect(log1p(NaN)).toBeNaN();
  });

  it("log is within 2 ulp of Math.log, including subnormals, and IEEE at the edges", () => {
    const log = k.fn("logF32");
    for (const v of [1, 2, 0.5, 1.5, 3, 10, 1e-3, 1e10, 3.4e38, 1.2e-38, 1e-40, 1.4e-45, 7.389056, 1.0000001]) {
      const x = Math.fround(v),
        want = Math.log(x);
      expect(Math.abs(log(x) - want), `log(${x})`).toBeLessThanOrEqual(
        2.4e-7 * Math.max(Math.abs(want), 1e-30) + 1e-7 * (Math.abs(want) < 1 ? 1 : 0),
      );
    }
    expect(log(0)).toBe(-Infinity);
    expect(log(Infinity)).toBe(Infinity);
    expect(log(-1)).toBeNaN();
    expect(log(NaN)).toBeNaN();
  });
});
