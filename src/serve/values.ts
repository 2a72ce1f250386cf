/**
 * Request values to model rows: the checks both JSON protocols share. A value is a JSON number
 * within float32's range, or null (NaN, refused later unless the model takes NaN); anything
 * else is a 400 naming the input, row and feature.
 */
import type { ImageInfo } from "../format/types.js";
import { badRequest, fromRuntimeError } from "./errors.js";
import type { Version } from "./models.js";

/** The input's name in requests: the model's, or "input" for a model whose image names none (JSON models). */
export const inputNameOf = (info: ImageInfo) => info.inputName || "input";

const F32_MAX = 3.4028234663852886e38;

export function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** One value of row `row`, feature `feature`. */
export function rowValue(v: unknown, info: ImageInfo, input: string, row: number, feature: number): number {
  if (typeof v === "number") {
    if (Math.abs(v) > F32_MAX)
      throw badRequest(`${v} is outside float32's range`, {
        input,
        row,
        feature,
        featureName: info.featureNames?.[feature],
      });
    return v;
  }
  if (v === null) return Number.NaN;
  throw badRequest(`expected a number, got ${describe(v)}`, {
    input,
    row,
    feature,
    featureName: info.featureNames?.[feature],
  });
}

/** One row given as an object keyed by feature name: every feature, no other key. */
export function namedRow(
  obj: Record<string, unknown>,
  info: ImageInfo,
  input: string,
  row: number,
  out: Float32Array,
  at: number,
): void {
  const names = info.featureNames;
  if (!names) throw badRequest("rows keyed by name need a model with feature names; send arrays", { input, row });
  for (const key of Object.keys(obj))
    if (!names.includes(key))
      throw badRequest(`${JSON.stringify(key)} is not a feature of the model (${names.join(", ")})`, { input, row });
  for (let i = 0; i < names.length; i++) {
    if (!Object.hasOwn(obj, names[i]!))
      throw badRequest("no value for this feature", { input, row, feature: i, featureName: names[i] });
    out[at + i] = rowValue(obj[names[i]!], info, input, row, i);
  }
}

/** Runs nRows rows (nRows × inputLength values) on a version; the runtime's refusals become 400s. */
export function runRows(v: Version, rows: Float32Array, nRows: number): Float32Array {
  try {
    if (nRows === 1) return v.model.predict(rows).slice();
    return v.model.predictBatch(rows, nRows);
  } catch (e) {
    throw fromRuntimeError(e, inputNameOf(v.info)) ?? e;
  }
}
