// One table of tolerances, and the comparison every numeric test uses.
import { expect } from "vitest";

export interface Tol {
  rtol: number;
  atol: number;
}

export const TOL = {
  /** f32 kernels against a float64 reference. */
  f32: { rtol: 1e-5, atol: 1e-6 },
  /** Elementary functions (exp, sigmoid, tanh) against Math.*: a few ulp. */
  ulps: { rtol: 4e-7, atol: 1e-30 },
  /** Probabilities and scores against the training framework (the bar). */
  framework: { rtol: 0, atol: 1e-5 },
  /** Shallow models (linear, one layer) against the training framework: f32 rounding alone. */
  frameworkShallow: { rtol: 0, atol: 1e-6 },
  /** Regression targets against the training framework: values of ~100 round in f32 by ~1e-5. */
  frameworkValues: { rtol: 1e-6, atol: 1e-5 },
  /** The int8 path against the same model in float (quantization error, not a bug). */
  q8VsFloat: { rtol: 0.05, atol: 0.05 },
} as const;

/** Same NaNs, same infinities, finite values within atol + rtol·|expected|. */
export function closeness(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tol): string | undefined {
  if (got.length !== want.length) return `length ${got.length}, expected ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!,
      w = want[i]!;
    if (Number.isNaN(w) || !Number.isFinite(w)) {
      if (!Object.is(g, w) && !(Number.isNaN(g) && Number.isNaN(w))) return `[${i}] = ${g}, expected ${w}`;
      continue;
    }
    if (!(Math.abs(g - w) <= tol.atol + tol.rtol * Math.abs(w)))
      return `[${i}] = ${g}, expected ${w} (diff ${Math.abs(g - w)})`;
  }
  return undefined;
}

export function expectAllClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tol, what = ""): void {
  const problem = closeness(got, want, tol);
  expect(problem, what).toBeUndefined();
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Each |got[i] − want[i]| ≤ bound[i] (bounds from an error analysis, e.g. denseErrorBound). */
export function expectWithin(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  bound: ArrayLike<number>,
  what = "",
): void {
  let problem: string | undefined;
  if (got.length !== want.length) problem = `length ${got.length}, expected ${want.length}`;
  for (let i = 0; i < want.length && !problem; i++) {
    if (!(Math.abs(got[i]! - want[i]!) <= bound[i]!)) problem = `[${i}] = ${got[i]}, expected ${want[i]} ± ${bound[i]}`;
  }
  expect(problem, what).toBeUndefined();
}
