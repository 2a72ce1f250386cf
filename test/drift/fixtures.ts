// The drift fixtures (test/fixtures/drift/make_drift_fixtures.py): rows, and NumPy/SciPy's numbers on them.
import { readFileSync } from "node:fs";

const dir = new URL("../fixtures/drift/", import.meta.url);
export const fixturePath = (name: string) => new URL(name, dir).pathname;
export const FEATURES = ["a", "b", "c", "d"] as const;

/** A fixture CSV's feature columns (its last column, y, is not a feature). */
export function readCsv(name: string): number[][] {
  const lines = readFileSync(new URL(name, dir), "utf8").trim().split("\n").slice(1);
  return lines.map((l) => l.split(",").slice(0, 4).map(Number));
}

export interface Expected {
  edges: number[];
  reference_counts: number[];
  current_counts: number[];
  psi: number;
  ks: number;
  ks_pvalue: number;
  wasserstein_normed: number;
  js: number;
  mean: number;
  std: number;
}
export const expected = JSON.parse(readFileSync(new URL("expected.json", dir), "utf8")) as {
  reference_rows: number;
  shifted: string[];
  sets: Record<"same" | "shift", Record<string, Expected>>;
  equal_sizes: Array<{ feature: string; set: "same" | "shift"; ks: number; ks_pvalue: number }>;
};
export const column = (rows: number[][], j: number) => Float64Array.from(rows, (r) => r[j]!);
export const sortedColumn = (rows: number[][], j: number) => column(rows, j).sort();
