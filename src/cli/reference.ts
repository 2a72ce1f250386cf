/**
 * Reference and current rows for profiles and drift: read in float64 (NumPy's numbers), the
 * columns matched by feature name (columns that are not features, such as a label, are left
 * out); a model without feature names takes them from a CSV header of exactly its width. The
 * model's outputs on the rows come from the runtime, in float32 as it predicts them.
 */
import { buildProfile } from "../drift/profile.js";
import type { ReferenceProfile } from "../format/profile.js";
import type { ImageInfo } from "../format/types.js";
import { RowInputError } from "../io/errors.js";
import { looksLikeJsonRows, parseRows64 } from "../io/rows.js";
import type { Model } from "../runtime/model.js";
import { readInputBytes } from "./model-input.js";
import type { Io } from "./options.js";

export interface NamedRows {
  nRows: number;
  /** nRows × inputLength, float64 as written. */
  values: Float64Array;
  /** The names the columns were matched by (the image's, or the header's when the image has none). */
  featureNames?: string[];
}

/** The first line's cells when it is a header (every cell text), else undefined. */
function csvHeaderNames(text: string): string[] | undefined {
  const line = text.replace(/^\uFEFF/, "").split(/\r?\n/, 1)[0] ?? "";
  const cells = line.split(",").map((c) => c.trim().replace(/^"(.*)"$/, "$1"));
  return cells.every((c) => c !== "" && Number.isNaN(Number(c)) && !/^[+-]?(nan|inf(inity)?)$/i.test(c))
    ? cells
    : undefined;
}

export async function readNamedRows(
  path: string,
  info: ImageInfo,
  io: Io,
  ignoreColumns: readonly string[] = [],
): Promise<NamedRows> {
  const source = path === "-" ? "stdin" : path;
  const text = new TextDecoder().decode(await readInputBytes(path, io));
  let names = info.featureNames ? [...info.featureNames] : undefined;
  if (!names && !looksLikeJsonRows(text)) {
    const header = csvHeaderNames(text)?.filter((c) => !ignoreColumns.includes(c));
    if (header && header.length !== info.inputLength)
      throw new RowInputError(
        source,
        { header: true },
        `the model has no feature names and ${info.inputLength} features; the header names ${header.length} columns (leave the others out with --ignore-columns)`,
      );
    names = header;
  }
  const shape = { inputLength: info.inputLength, featureNames: names };
  const rows = parseRows64(text, shape, { source, ignoreUnknownColumns: true, ignoreColumns });
  return { ...rows, ...(names ? { featureNames: names } : {}) };
}

/** --ignore-columns a,b as a list. */
export const ignoredColumns = (v: unknown): string[] => (v === undefined ? [] : String(v).split(","));

export const IGNORE_COLUMNS_OPTION = {
  name: "ignore-columns",
  value: "names",
  help: `CSV columns that are not features, comma-separated (for a model without
feature names; columns a named model does not have are left out anyway)`,
} as const;

/** The model's outputs on float64 rows (rounded to float32 as predict takes them). */
export function predictRows(model: Model, rows: NamedRows): Float32Array {
  const f32 = Float32Array.from(rows.values);
  return model.predictBatch(f32, rows.nRows);
}

export function profileOf(model: Model, rows: NamedRows, bins: number | undefined): ReferenceProfile {
  const info = model.info;
  return buildProfile({
    rows: rows.values,
    nRows: rows.nRows,
    inputLength: info.inputLength,
    featureNames: info.featureNames ?? rows.featureNames,
    outputs: predictRows(model, rows),
    outputLength: info.outputLength,
    outputInfo: info.outputs,
    ...(bins === undefined ? {} : { bins }),
  });
}
