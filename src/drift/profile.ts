/**
 * The reference profile of a training set: per feature (and per output channel, from the
 * model's predictions on the same rows) the count, missing rate, mean, std, min, max, and the
 * quantile bin edges with the reference rows in each bin. Quantiles are NumPy's default
 * (np.percentile, method "linear"), computed the way NumPy computes them, so that the edges
 * are NumPy's bits.
 */
import {
  type ChannelProfile,
  featureName,
  MAX_BINS,
  MIN_BINS,
  type OutputChannel,
  outputChannels,
  PROFILE_VERSION,
  type ReferenceProfile,
  UNIQUE_CAP,
} from "../format/profile.js";
import type { OutputInfo } from "../format/types.js";

export const DEFAULT_BINS = 10;

/**
 * NumPy's linear quantile of sorted finite values (n ≥ 1): virtual index (n − 1)·q, then
 * _lerp(a, b, γ) as NumPy writes it (a + (b − a)·γ, or b − (b − a)·(1 − γ) from γ = 0.5 on).
 */
export function quantileLinear(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  const virtual = (n - 1) * q;
  if (virtual >= n - 1) return sorted[n - 1]!;
  if (virtual < 0) return sorted[0]!;
  const lo = Math.floor(virtual);
  const g = virtual - lo;
  const a = sorted[lo]!,
    b = sorted[lo + 1]!;
  const d = b - a;
  return g >= 0.5 ? b - d * (1 - g) : a + d * g;
}

/** The interior edges of `bins` quantile bins: the percentiles 100·k/bins, k = 1 … bins − 1. */
export function quantileEdges(sorted: ArrayLike<number>, bins: number): number[] {
  // np.percentile divides the percentages by 100: (100·k/bins)/100, the same double as k/bins for bins = 10.
  return Array.from({ length: bins - 1 }, (_, k) => quantileLinear(sorted, (100 * (k + 1)) / bins / 100));
}

/** Bin of v: the number of edges ≤ v (closed on the left, open at both ends); −1 for NaN. */
export function binOf(edges: readonly number[], v: number): number {
  if (Number.isNaN(v)) return -1;
  let lo = 0,
    hi = edges.length; // first edge > v
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function summary(values: Float64Array): Pick<ChannelProfile, "count" | "unique" | "mean" | "std" | "min" | "max"> {
  const n = values.length;
  if (n === 0) return { count: 0, unique: 0, mean: 0, std: 0, min: 0, max: 0 };
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / n;
  let ss = 0;
  for (const v of values) ss += (v - mean) * (v - mean);
  let unique = 1;
  for (let i = 1; i < n && unique < UNIQUE_CAP; i++) if (values[i] !== values[i - 1]) unique++;
  // Rounding can put the mean a hair outside [min, max] for a constant column: clamp it.
  return {
    count: n,
    unique,
    mean: Math.min(values[n - 1]!, Math.max(values[0]!, mean)),
    std: Math.sqrt(ss / n),
    min: values[0]!,
    max: values[n - 1]!,
  };
}

/** A numeric channel's profile from its values (NaN: missing). */
export function numericProfile(name: string, column: ArrayLike<number>, bins: number): ChannelProfile {
  const all = Float64Array.from(column);
  const values = all.filter((v) => !Number.isNaN(v)).sort();
  const s = summary(values);
  const edges = values.length ? quantileEdges(values, bins) : new Array<number>(bins - 1).fill(0);
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[binOf(edges, v)]!++;
  return { name, kind: "numeric", missing: all.length - values.length, ...s, edges, counts };
}

/** A class channel's profile: class indices 0 … classes − 1 (NaN: missing). */
export function classProfile(name: string, column: ArrayLike<number>, classes: number): ChannelProfile {
  const values = Float64Array.from(column)
    .filter((v) => !Number.isNaN(v))
    .sort();
  const counts = new Array<number>(classes).fill(0);
  for (const v of values) counts[Math.min(classes - 1, Math.max(0, Math.round(v)))]!++;
  return {
    name,
    kind: "class",
    missing: column.length - values.length,
    ...summary(values),
    edges: [],
    counts,
  };
}

const columnOf = (values: ArrayLike<number>, nRows: number, stride: number, col: number): Float64Array => {
  const out = new Float64Array(nRows);
  for (let r = 0; r < nRows; r++) out[r] = values[r * stride + col]!;
  return out;
};

export interface ProfileInput {
  /** Reference rows, row-major (nRows × inputLength), in float64 as read. */
  rows: ArrayLike<number>;
  nRows: number;
  inputLength: number;
  featureNames?: readonly string[] | undefined;
  /** The model's outputs on those rows (nRows × outputLength). */
  outputs: ArrayLike<number>;
  outputLength: number;
  outputInfo: readonly OutputInfo[];
  bins?: number;
}

export function buildProfile(p: ProfileInput): ReferenceProfile {
  const bins = p.bins ?? DEFAULT_BINS;
  if (!(Number.isInteger(bins) && bins >= MIN_BINS && bins <= MAX_BINS))
    throw new RangeError(`bins must be an integer from ${MIN_BINS} to ${MAX_BINS}; got ${bins}`);
  const features = Array.from({ length: p.inputLength }, (_, i) =>
    numericProfile(featureName(p.featureNames, i), columnOf(p.rows, p.nRows, p.inputLength, i), bins),
  );
  const outputs = outputChannels(p.outputInfo).map((c: OutputChannel) => {
    const col = columnOf(p.outputs, p.nRows, p.outputLength, c.column);
    return c.kind === "class" ? classProfile(c.name, col, c.classes) : numericProfile(c.name, col, bins);
  });
  return { version: PROFILE_VERSION, rows: p.nRows, bins, features, outputs };
}
