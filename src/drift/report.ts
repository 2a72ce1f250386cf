/**
 * A drift report: every feature (and output channel) of the current data against the
 * reference profile, with Evidently's default test per column and the dataset verdict.
 *
 * The test per column (Evidently's defaults): with a reference of at most 1000 rows, KS
 * (p < 0.05) for a numeric column of more than 5 values, else chi-square (p < 0.05); with a
 * larger reference, Wasserstein distance / reference std (≥ 0.1), or Jensen–Shannon distance
 * (≥ 0.1) for few values. The dataset drifts when at least half of its features do. PSI is
 * reported beside them with its warn (0.1) and alarm (0.2) levels. Every threshold is an option.
 */
import type { ChannelProfile, ReferenceProfile } from "../format/profile.js";
import { binOf } from "./profile.js";
import {
  binnedQuantile,
  chiSquarePValue,
  jensenShannon,
  ksExact,
  ksFromBins,
  ksPValue,
  PSI_EPSILON,
  psi,
  sampleQuantile,
  wassersteinExact,
  wassersteinQuantiles,
} from "./stats.js";

export type StatTest = "ks" | "chisquare" | "wasserstein" | "jensenshannon";

export interface DriftOptions {
  /** p-value below which KS and chi-square call drift (0.05). */
  pValue?: number;
  /** Wasserstein / reference std at or above which a column drifts (0.1). */
  wasserstein?: number;
  /** Jensen–Shannon distance at or above which a column drifts (0.1). */
  jensenShannon?: number;
  /** PSI levels: warn (0.1) and alarm (0.2). */
  psiWarn?: number;
  psiAlarm?: number;
  /** References of at most this many rows are tested with KS / chi-square (1000). */
  smallReferenceRows?: number;
  /** Columns with at most this many values are categorical (5). */
  categoricalValues?: number;
  /** Share of drifting features from which the dataset drifts (0.5). */
  datasetShare?: number;
  /** Force one test for every column instead of Evidently's choice. */
  test?: StatTest;
  /** ε of an empty bin in PSI (1e-4). */
  epsilon?: number;
}

export const DRIFT_DEFAULTS: Required<Omit<DriftOptions, "test">> = {
  pValue: 0.05,
  wasserstein: 0.1,
  jensenShannon: 0.1,
  psiWarn: 0.1,
  psiAlarm: 0.2,
  smallReferenceRows: 1000,
  categoricalValues: 5,
  datasetShare: 0.5,
  epsilon: PSI_EPSILON,
};

/** The current data of one column: per-bin counts (the monitor's, or binned rows), and the raw values when at hand. */
export interface CurrentColumn {
  /** Rows per reference bin (numeric: edges + 1 bins; class: one per class). */
  counts: number[];
  missing: number;
  /** Sorted non-missing values (makes KS and Wasserstein exact with a raw reference). */
  values?: Float64Array;
}

export interface ColumnDrift {
  name: string;
  kind: "numeric" | "class";
  test: StatTest;
  /** The chosen test's value: a p-value (ks, chisquare) or a distance. */
  score: number;
  threshold: number;
  drift: boolean;
  psi: number;
  psiLevel: "ok" | "warn" | "alarm";
  ks: number;
  ksPValue: number;
  /** true: KS on the raw reference and current rows; false: from the bins. */
  ksExact: boolean;
  js: number;
  /** Wasserstein distance divided by the reference std (at least 0.001, as Evidently). */
  wasserstein: number;
  chiSquarePValue: number;
  referenceRows: number;
  currentRows: number;
  referenceMissing: number;
  currentMissing: number;
  /** Shares per bin, for charts. */
  referenceShares: number[];
  currentShares: number[];
  edges: number[];
}

export interface DriftReport {
  features: ColumnDrift[];
  outputs: ColumnDrift[];
  /** Drifting features / features. */
  share: number;
  nDrifted: number;
  datasetDrift: boolean;
  referenceRows: number;
  currentRows: number;
}

const countShares = (c: readonly number[]) => {
  const t = c.reduce((a, b) => a + b, 0);
  return c.map((x) => (t ? x / t : 0));
};

/** Counts per bin of raw values against a channel's bins (NaN counted as missing). */
export function currentColumn(ref: ChannelProfile, values: ArrayLike<number>): CurrentColumn {
  const counts = new Array<number>(ref.counts.length).fill(0);
  let missing = 0;
  const kept: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) {
      missing++;
      continue;
    }
    kept.push(v);
    const k = ref.kind === "class" ? Math.min(counts.length - 1, Math.max(0, Math.round(v))) : binOf(ref.edges, v);
    counts[k]!++;
  }
  return { counts, missing, values: Float64Array.from(kept).sort() };
}

const uniqueCount = (x: Float64Array | undefined, cap: number) => {
  if (!x || x.length === 0) return 0;
  let u = 1;
  for (let i = 1; i < x.length && u <= cap; i++) if (x[i] !== x[i - 1]) u++;
  return u;
};

/**
 * One column's drift. `referenceValues`: the sorted raw reference values, when at hand (KS
 * and Wasserstein are then exact).
 */
export function columnDrift(
  ref: ChannelProfile,
  cur: CurrentColumn,
  options: DriftOptions = {},
  referenceValues?: Float64Array,
): ColumnDrift {
  const o = { ...DRIFT_DEFAULTS, ...options };
  const curRows = cur.counts.reduce((a, b) => a + b, 0);
  const exact = referenceValues !== undefined && cur.values !== undefined;
  const ks = exact ? ksExact(referenceValues!, cur.values!) : ksFromBins(ref.counts, cur.counts);
  const ksP = ksPValue(ks, ref.count, curRows);
  const js = jensenShannon(ref.counts, cur.counts);
  const norm = Math.max(ref.std, 0.001);
  let w: number;
  if (ref.count === 0 || curRows === 0) w = 0;
  else if (exact) w = wassersteinExact(referenceValues!, cur.values!) / norm;
  else {
    const refQ = referenceValues
      ? sampleQuantile(referenceValues)
      : binnedQuantile(ref.counts, ref.edges, ref.min, ref.max);
    const curQ = cur.values?.length
      ? sampleQuantile(cur.values)
      : binnedQuantile(cur.counts, ref.edges, ref.min, ref.max);
    w = wassersteinQuantiles(refQ, curQ) / norm;
  }
  const chiP = chiSquarePValue(ref.counts, cur.counts);
  // No current value (no rows, or every one missing): nothing to compare, no drift.
  const p = curRows === 0 ? Number.NaN : psi(ref.counts, cur.counts, o.epsilon);
  const unique = Math.max(ref.unique, uniqueCount(cur.values, o.categoricalValues));
  const categorical = ref.kind === "class" || unique <= o.categoricalValues;
  const test: StatTest =
    options.test ??
    (ref.count <= o.smallReferenceRows
      ? categorical
        ? "chisquare"
        : "ks"
      : categorical
        ? "jensenshannon"
        : "wasserstein");
  const [score, threshold, drift] =
    test === "ks"
      ? [ksP, o.pValue, ksP < o.pValue]
      : test === "chisquare"
        ? [chiP, o.pValue, chiP < o.pValue]
        : test === "wasserstein"
          ? [w, o.wasserstein, w >= o.wasserstein]
          : [js, o.jensenShannon, js >= o.jensenShannon];
  return {
    name: ref.name,
    kind: ref.kind,
    test,
    score,
    threshold,
    drift: curRows > 0 && drift,
    psi: p,
    psiLevel: p >= o.psiAlarm ? "alarm" : p >= o.psiWarn ? "warn" : "ok",
    ks: curRows === 0 ? Number.NaN : ks,
    ksPValue: ksP,
    ksExact: exact,
    js: curRows === 0 ? Number.NaN : js,
    wasserstein: curRows === 0 ? Number.NaN : w,
    chiSquarePValue: chiP,
    referenceRows: ref.count + ref.missing,
    currentRows: curRows + cur.missing,
    referenceMissing: ref.missing,
    currentMissing: cur.missing,
    referenceShares: countShares(ref.counts),
    currentShares: countShares(cur.counts),
    edges: ref.edges,
  };
}

export interface CurrentData {
  features: CurrentColumn[];
  outputs?: CurrentColumn[];
}

/**
 * The drift report of current data (binned counts, e.g. `model.monitor.counts()`, or
 * columns from currentColumn) against a reference profile; `referenceValues` (sorted raw
 * values per feature, and per output channel) make KS and Wasserstein exact.
 */
export function driftReport(
  profile: ReferenceProfile,
  current: CurrentData,
  options: DriftOptions = {},
  referenceValues?: { features?: Float64Array[]; outputs?: Float64Array[] },
): DriftReport {
  const o = { ...DRIFT_DEFAULTS, ...options };
  const features = profile.features.map((f, i) =>
    columnDrift(f, current.features[i]!, options, referenceValues?.features?.[i]),
  );
  const outputs = current.outputs
    ? profile.outputs.map((f, i) => columnDrift(f, current.outputs![i]!, options, referenceValues?.outputs?.[i]))
    : [];
  const nDrifted = features.filter((f) => f.drift).length;
  const share = features.length ? nDrifted / features.length : 0;
  return {
    features,
    outputs,
    share,
    nDrifted,
    datasetDrift: share >= o.datasetShare && nDrifted > 0,
    referenceRows: profile.rows,
    currentRows: features[0]?.currentRows ?? 0,
  };
}

/** The report as `edgeinfer drift --json` prints it. */
export function reportJson(r: DriftReport): unknown {
  const col = (c: ColumnDrift) => ({
    psi: c.psi,
    ks: c.ks,
    js: c.js,
    wasserstein: c.wasserstein,
    drift: c.drift,
    test: c.test,
    score: c.score,
    threshold: c.threshold,
    ks_pvalue: c.ksPValue,
    ks_exact: c.ksExact,
    chisquare_pvalue: c.chiSquarePValue,
    psi_level: c.psiLevel,
    missing: { reference: c.referenceMissing, current: c.currentMissing },
    bins: { edges: c.edges, reference: c.referenceShares, current: c.currentShares },
  });
  return {
    features: Object.fromEntries(r.features.map((c) => [c.name, col(c)])),
    outputs: Object.fromEntries(r.outputs.map((c) => [c.name, col(c)])),
    dataset_drift: r.datasetDrift,
    share: r.share,
    drifted: r.nDrifted,
    reference_rows: r.referenceRows,
    current_rows: r.currentRows,
  };
}
