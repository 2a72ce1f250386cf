/**
 * Drift statistics of one column, current against reference: PSI, the two-sample
 * Kolmogorov–Smirnov statistic (exact on raw rows, or from the bins) and its p-value,
 * Jensen–Shannon distance, Wasserstein distance (normed by the reference std by the caller),
 * and the chi-square test for columns of few values. Plain functions over counts and sorted
 * float64 arrays; the formulas are those of NumPy/SciPy and Evidently (docs/drift.md).
 */

/** Evidently's ε for an empty bin in PSI (and in the shares of JS). */
export const PSI_EPSILON = 1e-4;

/** Shares of each bin; an empty bin's share becomes ε (Evidently's np.place(…, == 0, 0.0001)). */
export function shares(counts: readonly number[], epsilon = PSI_EPSILON): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => (total > 0 && c > 0 ? c / total : epsilon));
}

/** Population stability index: Σ (ref − cur)·ln(ref / cur) over the bins' shares. */
export function psi(refCounts: readonly number[], curCounts: readonly number[], epsilon = PSI_EPSILON): number {
  const r = shares(refCounts, epsilon),
    c = shares(curCounts, epsilon);
  let s = 0;
  for (let i = 0; i < r.length; i++) s += (r[i]! - c[i]!) * Math.log(r[i]! / c[i]!);
  return s;
}

/** KS statistic from bins: the largest gap of the two cumulative shares at the bin edges (a lower bound of the exact one). */
export function ksFromBins(refCounts: readonly number[], curCounts: readonly number[]): number {
  const rn = refCounts.reduce((a, b) => a + b, 0),
    cn = curCounts.reduce((a, b) => a + b, 0);
  if (rn === 0 || cn === 0) return 0;
  let a = 0,
    b = 0,
    d = 0;
  for (let i = 0; i < refCounts.length - 1; i++) {
    a += refCounts[i]!;
    b += curCounts[i]!;
    d = Math.max(d, Math.abs(a / rn - b / cn));
  }
  return d;
}

/** Exact two-sample KS statistic of sorted samples (SciPy ks_2samp's D). */
export function ksExact(x: Float64Array, y: Float64Array): number {
  const n = x.length,
    m = y.length;
  if (n === 0 || m === 0) return 0;
  let i = 0,
    j = 0,
    d = 0;
  while (i < n && j < m) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < n && x[i]! <= v) i++;
    while (j < m && y[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / n - j / m));
  }
  return d;
}

/**
 * p-value of a two-sided two-sample KS statistic d, as SciPy's ks_2samp (mode "auto") computes
 * it: exactly (Hodges' lattice-path count, SciPy's recursions) for samples of up to 10 000,
 * else, or when the exact count fails, Kolmogorov's limit distribution with Stephens'
 * correction at nₑ = n·m/(n + m).
 */
export function ksPValue(d: number, n: number, m: number): number {
  if (n === 0 || m === 0 || d <= 0) return 1;
  if (Math.max(n, m) <= 10_000) {
    const exact = ksExactPValue(d, n, m);
    if (exact !== undefined) return exact;
  }
  return ksAsymptoticPValue(d, n, m);
}

function ksAsymptoticPValue(d: number, n: number, m: number): number {
  const en = Math.sqrt((n * m) / (n + m));
  const lambda = (en + 0.12 + 0.11 / en) * d;
  if (lambda < 0.2) return 1;
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = (k % 2 ? 2 : -2) * Math.exp(-2 * k * k * lambda * lambda);
    sum += term;
    if (Math.abs(term) < 1e-12) break;
  }
  return Math.min(1, Math.max(0, sum));
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
/** NumPy's round: half to even. */
const roundEven = (x: number) => {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

/** SciPy's _attempt_exact_2kssamp, two-sided; undefined where SciPy falls back to the asymptotic form. */
function ksExactPValue(d: number, n1: number, n2: number): number | undefined {
  const g = gcd(n1, n2);
  const lcm = (n1 / g) * n2;
  const h = roundEven(d * lcm);
  if (h === 0) return 1;
  const p = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInside(n1, n2, g, h);
  return Number.isFinite(p) && p >= 0 && p <= 1 ? p : undefined;
}

/** SciPy's _compute_prob_outside_square: Pr(D ≥ h/n) for two samples of n. */
function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
  }
  return 2 * P;
}

/** SciPy's _compute_outer_prob_inside_method (Hodges; Viehmann's 1 − p recursion). */
function outerProbInside(m0: number, n0: number, g: number, h: number): number {
  const [m, n] = m0 < n0 ? [n0, m0] : [m0, n0];
  const mg = m / g,
    ng = n / g;
  let minj = 0,
    maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  A.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj,
      lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + minj - lastminj]! * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, maxj - minj, maxj - minj + (lastlen - curlen));
  }
  return A[maxj - minj - 1]!;
}

/** SciPy's jensenshannon (natural log) of two count vectors (each normalised to sum 1). */
export function jensenShannon(refCounts: readonly number[], curCounts: readonly number[]): number {
  const rn = refCounts.reduce((a, b) => a + b, 0),
    cn = curCounts.reduce((a, b) => a + b, 0);
  if (rn === 0 || cn === 0) return 0;
  let js = 0;
  for (let i = 0; i < refCounts.length; i++) {
    const p = refCounts[i]! / rn,
      q = curCounts[i]! / cn,
      mid = (p + q) / 2;
    if (p > 0) js += p * Math.log(p / mid);
    if (q > 0) js += q * Math.log(q / mid);
  }
  return Math.sqrt(Math.max(0, js / 2));
}

/** Exact 1-Wasserstein distance of two sorted samples (SciPy wasserstein_distance): ∫|F − G|. */
export function wassersteinExact(x: Float64Array, y: Float64Array): number {
  const n = x.length,
    m = y.length;
  if (n === 0 || m === 0) return 0;
  let i = 0,
    j = 0,
    w = 0,
    prev = Math.min(x[0]!, y[0]!);
  while (i < n || j < m) {
    const v = j >= m || (i < n && x[i]! <= y[j]!) ? x[i]! : y[j]!;
    w += Math.abs(i / n - j / m) * (v - prev);
    prev = v;
    while (i < n && x[i]! <= v) i++;
    while (j < m && y[j]! <= v) j++;
  }
  return w;
}

/** A distribution as a quantile function u ∈ (0, 1) → value. */
export type Quantile = (u: number) => number;

/** The quantile function of a sorted sample. */
export const sampleQuantile =
  (x: Float64Array): Quantile =>
  (u) =>
    x[Math.min(x.length - 1, Math.floor(u * x.length))]!;

/**
 * The quantile function of binned counts, linear inside each bin between its edges (the
 * reference min and max close the open end bins).
 */
export function binnedQuantile(
  counts: readonly number[],
  edges: readonly number[],
  min: number,
  max: number,
): Quantile {
  const total = counts.reduce((a, b) => a + b, 0);
  const xs = [min, ...edges.map((e) => Math.min(max, Math.max(min, e))), max];
  return (u) => {
    let cum = 0;
    for (let k = 0; k < counts.length; k++) {
      const share = counts[k]! / total;
      if (share > 0 && u <= cum + share) return xs[k]! + ((u - cum) / share) * (xs[k + 1]! - xs[k]!);
      cum += share;
    }
    return max;
  };
}

/** 1-Wasserstein distance of two distributions given by their quantile functions: ∫₀¹ |F⁻¹ − G⁻¹| (midpoint rule). */
export function wassersteinQuantiles(f: Quantile, g: Quantile, steps = 4096): number {
  let w = 0;
  for (let k = 0; k < steps; k++) {
    const u = (k + 0.5) / steps;
    w += Math.abs(f(u) - g(u));
  }
  return w / steps;
}

/** Regularized upper incomplete gamma Q(a, x) (series below a + 1, continued fraction above). */
function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const lnGammaA = lnGamma(a);
  if (x < a + 1) {
    let sum = 1 / a,
      del = sum,
      ap = a;
    for (let n = 0; n < 500; n++) {
      del *= x / ++ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * 1e-15) break;
    }
    return 1 - sum * Math.exp(-x + a * Math.log(x) - lnGammaA);
  }
  let b = x + 1 - a,
    c = 1e300,
    d = 1 / b,
    h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return Math.exp(-x + a * Math.log(x) - lnGammaA) * h;
}

function lnGamma(x: number): number {
  // Lanczos (g = 7, n = 9)
  const c = [
    0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.6150291621406,
    12.507343278686905, -0.13857109526572012, 9.984369578019572e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * Evidently's chi-square test for a column of few values: observed current counts against the
 * reference counts scaled to the current total, over the values either has; SciPy's chisquare
 * p-value (k − 1 degrees of freedom).
 */
export function chiSquarePValue(refCounts: readonly number[], curCounts: readonly number[]): number {
  const rn = refCounts.reduce((a, b) => a + b, 0),
    cn = curCounts.reduce((a, b) => a + b, 0);
  if (rn === 0 || cn === 0) return 1;
  let stat = 0,
    k = 0;
  for (let i = 0; i < refCounts.length; i++) {
    const r = refCounts[i]!,
      c = curCounts[i]!;
    if (r === 0 && c === 0) continue;
    k++;
    const expected = (r * cn) / rn;
    if (expected === 0) return 0;
    stat += ((c - expected) * (c - expected)) / expected;
  }
  return k < 2 ? 1 : gammaQ((k - 1) / 2, stat / 2);
}
