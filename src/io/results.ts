/**
 * Results as people and programs read them: every named output of the model, class indices
 * shown as their labels, and a "label" column for classifiers that have no class output of
 * their own. JSON (one array of per-row arrays per output) and CSV (one column per value).
 * Plain functions over a model's info and its output rows; no I/O.
 */
import { labelOf, labelSource } from "../format/labels.js";
import type { ImageInfo, Label } from "../format/types.js";

/** The part of a model's info results need. */
export type ResultShape = Pick<ImageInfo, "outputs" | "outputLength">;

/** One named result: its CSV column names and its values for row r of y. */
export interface ResultColumn {
  readonly name: string;
  /** CSV header cells: the name, or name_label / name_index for an output of several values. */
  readonly csvNames: string[];
  values(y: Float32Array, r: number): Array<number | Label>;
}

/** Shortest decimal that reads back as the same f32 (0.75766844, not 0.7576684355735779). */
export function f32String(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  for (let p = 1; p <= 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(v);
}

/** Outputs that hold a class index give labels; a classifier without one gets "label" by argmax. */
export function resultColumns(info: ResultShape): ResultColumn[] {
  const n = info.outputLength;
  const cols: ResultColumn[] = info.outputs.map((o) => ({
    name: o.name,
    csvNames: o.length === 1 ? [o.name] : Array.from({ length: o.length }, (_, i) => `${o.name}_${o.labels?.[i] ?? i}`),
    values: (y: Float32Array, r: number) => {
      const v = Array.from(y.subarray(r * n + o.offset, r * n + o.offset + o.length));
      return o.labels && o.length === 1 ? v.map((i) => o.labels![i] ?? i) : v;
    },
  }));
  const src = labelSource(info.outputs);
  if (src?.argmax && !info.outputs.some((o) => o.name === "label"))
    cols.push({ name: "label", csvNames: ["label"], values: (y, r) => [labelOf(src, y, r * n)] });
  return cols;
}

/** A JSON value: numbers as their shortest f32 text; NaN and ±Infinity (not JSON) as strings. */
function jsonCell(x: number | Label): string {
  return typeof x === "number" ? (Number.isFinite(x) ? f32String(x) : `"${x}"`) : JSON.stringify(x);
}

/**
 * The JSON result of nRows rows, in pieces of about `pieceChars` characters (so a large result
 * is written without building one string): `{"name":[[…],…],…}` and a newline.
 */
export function* resultsJsonPieces(
  info: ResultShape,
  y: Float32Array,
  nRows: number,
  pieceChars = 1 << 16,
): Generator<string> {
  let piece = "{";
  const cols = resultColumns(info);
  for (let k = 0; k < cols.length; k++) {
    const c = cols[k]!;
    piece += `${k ? "," : ""}${JSON.stringify(c.name)}:[`;
    for (let r = 0; r < nRows; r++) {
      piece += `${r ? "," : ""}[${c.values(y, r).map(jsonCell).join(",")}]`;
      if (piece.length >= pieceChars) {
        yield piece;
        piece = "";
      }
    }
    piece += "]";
  }
  yield piece + "}\n";
}

/** The JSON result of nRows rows as one string. */
export function resultsToJson(info: ResultShape, y: Float32Array, nRows: number): string {
  return [...resultsJsonPieces(info, y, nRows)].join("");
}

const csvQuote = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** The CSV header line (with its newline). */
export function csvHeader(info: ResultShape): string {
  return (
    resultColumns(info)
      .flatMap((c) => c.csvNames)
      .map(csvQuote)
      .join(",") + "\n"
  );
}

/** CSV lines of nRows rows (each with its newline), no header: call once per batch when streaming. */
export function resultsToCsvRows(info: ResultShape, y: Float32Array, nRows: number): string {
  const cols = resultColumns(info);
  let s = "";
  for (let r = 0; r < nRows; r++)
    s +=
      cols
        .flatMap((c) => c.values(y, r))
        .map((v) => csvQuote(typeof v === "number" ? f32String(v) : v))
        .join(",") + "\n";
  return s;
}

/** The whole CSV result: header and rows. */
export function resultsToCsv(info: ResultShape, y: Float32Array, nRows: number): string {
  return csvHeader(info) + resultsToCsvRows(info, y, nRows);
}

/** Output rows gathered batch by batch (for JSON, which groups by output and so needs them all). */
export class ResultBuffer {
  private data: Float32Array;
  nRows = 0;
  constructor(private readonly outputLength: number) {
    this.data = new Float32Array(outputLength * 1024);
  }
  add(y: Float32Array, nRows: number): void {
    const need = (this.nRows + nRows) * this.outputLength;
    if (need > this.data.length) {
      const grown = new Float32Array(Math.max(need, this.data.length * 2));
      grown.set(this.data.subarray(0, this.nRows * this.outputLength));
      this.data = grown;
    }
    this.data.set(y.subarray(0, nRows * this.outputLength), this.nRows * this.outputLength);
    this.nRows += nRows;
  }
  /** The rows so far, outputLength values each. */
  get values(): Float32Array {
    return this.data.subarray(0, this.nRows * this.outputLength);
  }
}
