/**
 * What a batch job reads and writes, independent of the database: the feature columns a model
 * reads, the result columns a target table gets (one per output value, the label, the model and
 * its version), and the check that turns one source cell into a float32 or a reason to refuse
 * the row.
 */
import { labelOf, labelSource } from "../format/labels.js";
import type { ImageInfo, Label } from "../format/types.js";
import { TableShapeError } from "./errors.js";

/** A row's key: the source's --key column, else its rowid. */
export type Key = number | bigint | string;

/** A result column of the target table. */
export interface ResultColumnSpec {
  readonly name: string;
  /** REAL for values, INTEGER or TEXT for labels. */
  readonly type: "REAL" | "INTEGER" | "TEXT";
  /** The cell of output row y starting at `base`. */
  cell(y: Float32Array, base: number): number | Label;
}

const labelType = (labels: readonly Label[]): "INTEGER" | "TEXT" =>
  labels.every((l) => typeof l === "number" && Number.isInteger(l)) ? "INTEGER" : "TEXT";

/**
 * One column per output value (`<output>`, or `<output>_<label>` / `<output>_<i>` for a
 * vector), outputs holding a class index as their labels, and `label` for a classifier
 * whose outputs have none of their own (the largest score's class).
 */
export function resultColumnSpecs(info: Pick<ImageInfo, "outputs">): ResultColumnSpec[] {
  const cols: ResultColumnSpec[] = [];
  for (const o of info.outputs) {
    if (o.labels && o.length === 1) {
      const labels = o.labels;
      cols.push({
        name: o.name,
        type: labelType(labels),
        cell: (y, b) => labels[y[b + o.offset]!] ?? y[b + o.offset]!,
      });
      continue;
    }
    for (let i = 0; i < o.length; i++) {
      const at = o.offset + i;
      cols.push({
        name: o.length === 1 ? o.name : `${o.name}_${o.labels?.[i] ?? i}`,
        type: "REAL",
        cell: (y, b) => y[b + at]!,
      });
    }
  }
  const src = labelSource(info.outputs);
  if (src?.argmax && !info.outputs.some((o) => o.name === "label"))
    cols.push({ name: "label", type: labelType(src.labels), cell: (y, b) => labelOf(src, y, b) });
  return cols;
}

/** The columns after the results: which model, which version of it, when. */
export const META_COLUMNS = ["model", "model_version", "scored_at"] as const;

/** The feature columns: --columns, else the model's feature names (a model without any needs --columns). */
export function featureColumns(
  info: Pick<ImageInfo, "inputLength" | "featureNames">,
  columns: readonly string[] | undefined,
  table: string,
): string[] {
  if (columns) {
    if (columns.length !== info.inputLength)
      throw new TableShapeError(
        table,
        undefined,
        `--columns names ${columns.length} columns; the model takes ${info.inputLength} features`,
      );
    return [...columns];
  }
  if (!info.featureNames)
    throw new TableShapeError(
      table,
      undefined,
      `the model has no feature names to match columns against; name its ${info.inputLength} columns with --columns c1,c2,…`,
    );
  return [...info.featureNames];
}

/** Every feature column is in the table: else an error naming the first missing one and what is there. */
export function checkColumnsPresent(table: string, have: readonly string[], need: readonly string[]): void {
  const lower = new Set(have.map((c) => c.toLowerCase()));
  for (const c of need)
    if (!lower.has(c.toLowerCase()))
      throw new TableShapeError(table, c, `no such column (the table has ${have.join(", ") || "no columns"})`);
}

const F32_MAX = 3.4028234663852886e38;

/**
 * Stores one source cell in `values[at]`; returns undefined when it is a number the model can
 * take, else why the row is refused. NULL and NaN are NaN for a model that takes NaN (an
 * imputer), refused otherwise; text, blobs and booleans are refused; a finite value beyond
 * float32's range is refused (it would become ±Infinity).
 */
export function storeCell(v: unknown, values: Float32Array, at: number, nanOk: boolean): string | undefined {
  let n: number;
  if (typeof v === "number") n = v;
  else if (typeof v === "bigint") n = Number(v);
  else if (v === null || v === undefined) {
    if (!nanOk) return "NULL";
    n = NaN;
  } else if (typeof v === "string") return `text ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  else return `not a number (${typeof v === "object" ? ((v as object).constructor?.name ?? "object") : typeof v})`;
  if (Number.isNaN(n) && !nanOk) return "NaN";
  if (Number.isFinite(n) && Math.abs(n) > F32_MAX && !Number.isFinite(Math.fround(n)))
    return `${n} is outside float32's range`;
  values[at] = n;
  return undefined;
}

/** A refused row: its key, the first column at fault and why. */
export interface BadRow {
  key: Key;
  column: string;
  reason: string;
}

/**
 * Rows as a database hands them, one array per row: key first, then the features. Fills
 * `values` with the good rows (packed, in order) and returns their keys and the bad ones.
 */
export function packRows(
  rows: readonly (readonly unknown[])[],
  features: readonly string[],
  nanOk: boolean,
): { keys: Key[]; values: Float32Array; bad: BadRow[] } {
  const nIn = features.length;
  const values = new Float32Array(rows.length * nIn);
  const keys: Key[] = [];
  const bad: BadRow[] = [];
  for (const row of rows) {
    const base = keys.length * nIn;
    let reason: string | undefined;
    let i = 0;
    for (; i < nIn; i++) {
      reason = storeCell(row[i + 1], values, base + i, nanOk);
      if (reason !== undefined) break;
    }
    const key = row[0] as Key;
    if (reason === undefined) keys.push(key);
    else bad.push({ key, column: features[i]!, reason });
  }
  return { keys, values: values.subarray(0, keys.length * nIn), bad };
}
