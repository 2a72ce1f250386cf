import { describe, expect, it } from "vitest";
import { buildProfile } from "../../src/drift/profile.js";
import { currentColumn, driftReport, reportJson } from "../../src/drift/report.js";
import {
  chiSquarePValue,
  jensenShannon,
  ksExact,
  ksFromBins,
  ksPValue,
  psi,
  wassersteinExact,
} from "../../src/drift/stats.js";
import { column, expected, FEATURES, readCsv, sortedColumn } from "./fixtures.js";

const ref = readCsv("reference.csv");
const sets = { same: readCsv("current_same.csv"), shift: readCsv("current_shift.csv") };

const profile = buildProfile({
  rows: Float64Array.from(ref.flat()),
  nRows: ref.length,
  inputLength: 4,
  featureNames: [...FEATURES],
  outputs: new Float32Array(ref.length),
  outputLength: 1,
  outputInfo: [{ name: "y", offset: 0, length: 1 }],
});

describe.each(["same", "shift"] as const)("statistics against NumPy and SciPy, current set %s", (set) => {
  const cur = sets[set];
  it.each(FEATURES.map((f, j) => [f, j] as const))("%s", (f, j) => {
    const e = expected.sets[set][f]!;
    const r = sortedColumn(ref, j),
      c = sortedColumn(cur, j);
    const cc = currentColumn(profile.features[j]!, column(cur, j));
    expect(cc.counts).toEqual(e.current_counts);
    expect(Math.abs(psi(e.reference_counts, e.current_counts) - e.psi)).toBeLessThan(1e-12);
    expect(ksExact(r, c)).toBeCloseTo(e.ks, 12); // scipy.stats.ks_2samp's statistic
    // SciPy's exact p-value (ks_2samp, mode auto: 300 and 400 rows are exact there)
    expect(ksPValue(e.ks, r.length, c.length)).toBeCloseTo(e.ks_pvalue, 10);
    expect(ksFromBins(e.reference_counts, e.current_counts)).toBeLessThanOrEqual(e.ks + 1e-12);
    expect(wassersteinExact(r, c) / e.std).toBeCloseTo(e.wasserstein_normed, 10); // scipy.stats.wasserstein_distance / np.std
    expect(jensenShannon(e.reference_counts, e.current_counts)).toBeCloseTo(e.js, 12); // scipy.spatial.distance.jensenshannon
  });
});

describe("KS on equal sample sizes (SciPy's other exact recursion)", () => {
  it.each(expected.equal_sizes)("$feature, 300 reference rows against set $set", (e) => {
    const j = FEATURES.indexOf(e.feature as (typeof FEATURES)[number]);
    const r = sortedColumn(ref.slice(0, 300), j),
      c = sortedColumn(sets[e.set], j);
    expect(ksExact(r, c)).toBeCloseTo(e.ks, 12);
    expect(ksPValue(e.ks, 300, 300)).toBeCloseTo(e.ks_pvalue, 12);
  });
});

describe("the drift report", () => {
  const report = (set: "same" | "shift", raw: boolean) =>
    driftReport(
      profile,
      { features: FEATURES.map((_, j) => currentColumn(profile.features[j]!, column(sets[set], j))) },
      {},
      raw ? { features: FEATURES.map((_, j) => sortedColumn(ref, j)) } : undefined,
    );

  it("flags the shifted features (b, d) with KS p < 0.05 on a 400-row reference, and no other", () => {
    const r = report("shift", true);
    expect(r.features.filter((f) => f.drift).map((f) => f.name)).toEqual(expected.shifted);
    expect(r.features.every((f) => f.test === "ks" && f.ksExact)).toBe(true);
    expect(r.share).toBe(0.5);
    expect(r.datasetDrift).toBe(true); // at least half of the features
  });

  it("reports no dataset drift on rows from the reference's distribution", () => {
    for (const raw of [true, false]) {
      const r = report("same", raw);
      expect(r.datasetDrift).toBe(false);
      expect(r.nDrifted).toBeLessThanOrEqual(1);
    }
  });

  it("without raw reference rows KS comes from the bins, and still flags b and d", () => {
    const r = report("shift", false);
    expect(r.features.some((f) => f.ksExact)).toBe(false);
    expect(r.features.filter((f) => f.drift).map((f) => f.name)).toEqual(["b", "d"]);
  });

  it("--json's shape: features by name with psi, ks, js, wasserstein, drift; dataset_drift, share", () => {
    const j = reportJson(report("shift", true)) as {
      features: Record<string, Record<string, unknown>>;
      dataset_drift: boolean;
      share: number;
    };
    expect(Object.keys(j.features)).toEqual([...FEATURES]);
    expect(j.features.b).toMatchObject({
      drift: true,
      psi: expect.any(Number),
      ks: expect.any(Number),
      js: expect.any(Number),
      wasserstein: expect.any(Number),
    });
    expect(j.features.b!.psi).toBeCloseTo(expected.sets.shift.b!.psi, 12);
    expect(j.dataset_drift).toBe(true);
    expect(j.share).toBe(0.5);
  });

  it("a large reference switches to Wasserstein/std (continuous) and Jensen-Shannon (few values) at 0.1", () => {
    const big = { ...profile, features: profile.features.map((f) => ({ ...f, count: 5000 })) };
    const r = driftReport(big, {
      features: FEATURES.map((_, j) => currentColumn(profile.features[j]!, column(sets.shift, j))),
    });
    expect(r.features.map((f) => f.test)).toEqual(["wasserstein", "wasserstein", "wasserstein", "wasserstein"]);
    const few = driftReport(
      big,
      { features: FEATURES.map((_, j) => currentColumn(profile.features[j]!, column(sets.shift, j))) },
      { categoricalValues: 20 },
    );
    expect(few.features[2]!.test).toBe("jensenshannon");
  });

  it("chi-square: SciPy's chisquare p-value of the counts against the scaled reference", () => {
    // scipy.stats.chisquare([30, 70], [50, 50]).pvalue = 6.334248366623996e-05
    expect(chiSquarePValue([50, 50], [30, 70])).toBeCloseTo(6.334248366623988e-5, 12);
    // scipy.stats.chisquare([10, 20, 30], [20, 20, 20]).pvalue = 0.006737946999085468
    expect(chiSquarePValue([1, 1, 1], [10, 20, 30])).toBeCloseTo(0.006737946999085468, 12);
  });
});

describe("a column without current values", () => {
  it("has no statistics (NaN, null in JSON) and does not drift", () => {
    const r = driftReport(profile, {
      features: FEATURES.map((_, j) => currentColumn(profile.features[j]!, j === 1 ? [Number.NaN, Number.NaN] : [])),
    });
    for (const f of r.features) {
      expect(f.drift).toBe(false);
      expect(f.psi).toBeNaN();
      expect(f.ks).toBeNaN();
    }
    expect(r.features[1]!.currentMissing).toBe(2);
    expect(r.datasetDrift).toBe(false);
    expect(JSON.parse(JSON.stringify(reportJson(r))).features.a.psi).toBeNull();
  });
});
