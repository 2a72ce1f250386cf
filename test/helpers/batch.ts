// Tables for the batch tests: an ONNX fixture's rows (test/fixtures/onnx, scikit-learn's own
// predictions beside them) in a database, and the check of a target table's rows against them.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { expectAllClose, TOL } from "./close.js";
import { type FixtureRef, isLabelOutput } from "./framework.js";

const dir = new URL("../fixtures/onnx/", import.meta.url);

export interface Fixture {
  ref: FixtureRef;
  onnxPath: string;
  /** f0 … f(n-1): the table's feature columns (the ONNX models have no feature names). */
  columns: string[];
}

export function fixture(name: string): Fixture {
  const ref = JSON.parse(readFileSync(new URL(`${name}.json`, dir), "utf8")) as FixtureRef;
  return {
    ref,
    onnxPath: new URL(`${name}.onnx`, dir).pathname,
    columns: ref.inputs[0]!.map((_, i) => `f${i}`),
  };
}

export const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), `edgeinfer-${prefix}-`));

/**
 * Checks rows of a target table (objects by column name, in the fixture's row order) against
 * the framework: label columns exactly, the others (`<output>_<label>` or `<output>`) within
 * the framework tolerance.
 */
export function expectTargetRows(f: Fixture, rows: Array<Record<string, unknown>>): void {
  const n = f.ref.inputs.length;
  expect(rows).toHaveLength(n);
  for (const o of f.ref.onnx_outputs) {
    const want = f.ref.expected[o.framework_output]!;
    if (isLabelOutput(o.name)) {
      expect(
        rows.map((r) => r[o.name]),
        o.name,
      ).toEqual(want.map((w) => (typeof w === "string" ? w : Number(w))));
      continue;
    }
    const names = Object.keys(rows[0]!).filter((k) => k === o.name || k.startsWith(`${o.name}_`));
    const got = rows.flatMap((r) => names.map((k) => Number(r[k])));
    const tol = o.framework_output === "predict_proba" ? TOL.framework : TOL.frameworkValues;
    expectAllClose(got, want.flat(Infinity) as number[], tol, o.name);
  }
}
