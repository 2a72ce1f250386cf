import { describe, expect, it } from "vitest";
import { binOf, buildProfile, quantileEdges, quantileLinear } from "../../src/drift/profile.js";
import { column, expected, FEATURES, readCsv, sortedColumn } from "./fixtures.js";

const ref = readCsv("reference.csv");

describe("reference profile", () => {
  it("decile edges are NumPy's np.percentile bits (linear interpolation)", () => {
    FEATURES.forEach((f, j) => {
      expect(quantileEdges(sortedColumn(ref, j), 10)).toEqual(expected.sets.same[f]!.edges);
    });
  });

  it("counts per bin are np.searchsorted(edges, x, 'right') counts; mean and std NumPy's", () => {
    const p = buildProfile({
      rows: Float64Array.from(ref.flat()),
      nRows: ref.length,
      inputLength: 4,
      featureNames: [...FEATURES],
      outputs: new Float32Array(ref.length),
      outputLength: 1,
      outputInfo: [{ name: "y", offset: 0, length: 1 }],
    });
    expect(p.rows).toBe(400);
    FEATURES.forEach((f, j) => {
      const e = expected.sets.same[f]!;
      const c = p.features[j]!;
      expect(c.name).toBe(f);
      expect(c.counts).toEqual(e.reference_counts);
      expect(c.mean).toBeCloseTo(e.mean, 12);
      expect(c.std).toBeCloseTo(e.std, 12);
      expect(c.min).toBe(Math.min(...column(ref, j)));
      expect(c.missing).toBe(0);
    });
    expect(p.features[2]!.unique).toBe(new Set(column(ref, 2)).size); // c is integer valued
  });

  it("quantiles at the ends and of one value; bins closed on the left; NaN is no bin", () => {
    expect(quantileLinear([1, 2, 3], 0)).toBe(1);
    expect(quantileLinear([1, 2, 3], 1)).toBe(3);
    expect(quantileLinear([5], 0.3)).toBe(5);
    expect(binOf([1, 2, 2, 3], 2)).toBe(3);
    expect(binOf([1, 2, 2, 3], 0.5)).toBe(0);
    expect(binOf([1, 2, 2, 3], 3)).toBe(4);
    expect(binOf([1, 2], Number.NaN)).toBe(-1);
  });

  it("missing values are counted apart; a column of only NaN profiles as empty", () => {
    const p = buildProfile({
      rows: Float64Array.of(1, Number.NaN, 2, Number.NaN, Number.NaN, Number.NaN),
      nRows: 3,
      inputLength: 2,
      outputs: new Float32Array(3),
      outputLength: 1,
      outputInfo: [{ name: "y", offset: 0, length: 1 }],
      bins: 4,
    });
    expect(p.features[0]!.missing).toBe(1);
    expect(p.features[0]!.counts.reduce((a, b) => a + b)).toBe(2);
    expect(p.features[1]!).toMatchObject({ missing: 3, count: 0 });
    expect(p.features[0]!.name).toBe("x0");
  });

  it("refuses a bin count outside 2..64", () => {
    const input = {
      rows: [1],
      nRows: 1,
      inputLength: 1,
      outputs: [0],
      outputLength: 1,
      outputInfo: [{ name: "y", offset: 0, length: 1 }],
    };
    expect(() => buildProfile({ ...input, bins: 1 })).toThrow(/bins must be an integer from 2 to 64/);
    expect(() => buildProfile({ ...input, bins: 65 })).toThrow(RangeError);
  });
});
