/**
 * Rows of a model's input, from CSV or JSON text: plain functions a CLI, a server or a batch job
 * share. Every refusal is a RowInputError naming the source, the 1-based data row (the header is
 * not counted) and the feature.
 *
 * CSV: the first line is a header when every cell of it is text (not a number). A header must
 * name every feature of the model exactly once (columns are then taken in the model's order);
 * a missing, duplicated or unknown name is refused (unless it is in `ignoreColumns`). Without a header, or with `positional`, the
 * columns are the features in order (a header line is then skipped). CSV is parsed line by line
 * (CsvRowParser), so any size streams in bounded memory; a quoted cell cannot span lines.
 *
 * JSON: an array of rows (arrays of numbers, or objects keyed by feature name, every feature and
 * no other key), or `{ "rows": [...] }`; parsed whole.
 *
 * One number grammar for both: JSON's number syntax plus a leading "+", in a CSV cell or a JSON
 * string; "nan" (any case), an empty CSV cell, "" and JSON null are NaN; "inf"/"infinity" (any
 * case, optional sign) are ±Infinity; a number beyond float32's range (1e400, 3.5e38) is refused.
 */
import { RowInputError, type RowPlace } from "./errors.js";

/** What the rows must match: a model's input width and, when it has them, its feature names. */
export interface RowShape {
  readonly inputLength: number;
  readonly featureNames?: readonly string[] | undefined;
}

export interface RowOptions {
  /** The source's name in messages ("stdin", a path); default "rows". */
  source?: string;
  /** CSV: read the columns by position; a first line of names, if any, is skipped. */
  positional?: boolean;
  /** Header columns (CSV) or object keys (JSON) to leave out: not features, and not refused. */
  ignoreColumns?: readonly string[];
  /** Leave out every header column (JSON key) that is not a feature (drift and profiles: a label column beside them). */
  ignoreUnknownColumns?: boolean;
  /** Keep the values as read, in float64 (parseRows64), instead of rounding them to float32. */
  float64?: boolean;
}

/** Rows in the model's feature order, `inputLength` values per row. */
export interface Rows {
  nRows: number;
  values: Float32Array;
}

/** A run of consecutive rows: rows `rowOffset + 1 … rowOffset + nRows` in 1-based numbering. */
export interface RowBatch extends Rows {
  /** Rows before this batch in the source. */
  rowOffset: number;
}

const DECIMAL = /^[+-]?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;
const NAN_WORD = /^nan$/i;
const INF_WORD = /^([+-]?)inf(inity)?$/i;

/**
 * Reads one value in the number grammar above, or returns undefined if the text is not one.
 * Overflow is not checked here (see checkedF32).
 */
export function parseNumberText(text: string): number | undefined {
  const t = text.trim();
  if (t === "" || NAN_WORD.test(t)) return NaN;
  const inf = INF_WORD.exec(t);
  if (inf) return inf[1] === "-" ? -Infinity : Infinity;
  return DECIMAL.test(t) ? Number(t) : undefined;
}

/** The text could be a value (number, NaN or infinity word, empty): used to tell a header from data. */
function isValueText(text: string): boolean {
  return parseNumberText(text) !== undefined;
}

const F32_MAX = 3.4028234663852886e38;

/** Refuses a value float32 cannot hold (it would become ±Infinity); explicit infinities pass. */
function checkedF32(v: number, explicitInfinity: boolean, source: string, place: RowPlace, shown: string): number {
  if (!explicitInfinity && !Number.isNaN(v) && !Number.isFinite(Math.fround(v)))
    throw new RowInputError(source, place, `${shown} is outside float32's range (±${F32_MAX.toPrecision(8)})`);
  return v;
}

function textValue(text: string, source: string, place: RowPlace): number {
  const v = parseNumberText(text);
  if (v === undefined) throw new RowInputError(source, place, `${JSON.stringify(text.trim())} is not a number`);
  return checkedF32(v, INF_WORD.test(text.trim()), source, place, text.trim());
}

function jsonValue(v: unknown, source: string, place: RowPlace): number {
  if (typeof v === "number") return checkedF32(v, false, source, place, String(v)); // JSON has no Infinity: 1e400 parses as one
  if (v === null) return NaN;
  if (typeof v === "string") return textValue(v, source, place);
  throw new RowInputError(source, place, `expected a number, got ${JSON.stringify(v) ?? String(v)}`);
}

const place = (shape: RowShape, row: number, i: number): RowPlace => ({
  row,
  feature: i + 1,
  featureName: shape.featureNames?.[i],
});

/** Splits one CSV line into cells ("" quotes a quote inside a quoted cell). */
function splitCsvLine(line: string, source: string, row: RowPlace): string[] {
  const out: string[] = [];
  let cur = "",
    quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  if (quoted) throw new RowInputError(source, row, "a quoted cell is not closed on its line");
  out.push(cur);
  return out;
}

/**
 * CSV rows, fed text in pieces of any size (push), handed out in batches of `batchRows` rows.
 * Blank lines at the end are ignored; blank lines between rows are rows (of one empty cell).
 */
export class CsvRowParser {
  readonly batchRows: number;
  private readonly source: string;
  private readonly nIn: number;
  /** File column of each feature, from the header; undefined: by position. */
  private pick: number[] | undefined;
  private nColumns: number;
  private rest = "";
  private nLines = 0;
  private nRowsDone = 0;
  private pendingBlank = 0;
  private batch: Float32Array | Float64Array;
  private nInBatch = 0;
  private readonly maxLineChars: number;

  constructor(
    private readonly shape: RowShape,
    private readonly options: RowOptions & { batchRows?: number } = {},
  ) {
    this.source = options.source ?? "rows";
    this.nIn = shape.inputLength;
    this.nColumns = this.nIn;
    this.batchRows = options.batchRows ?? Math.max(1, Math.floor(65536 / Math.max(1, this.nIn)));
    this.batch = this.newBatch();
    // A line can be long (a wide row, a header of long names), not unbounded.
    this.maxLineChars = Math.max(1 << 20, this.nIn * 128);
  }

  private newBatch(): Float32Array | Float64Array {
    return this.options.float64
      ? new Float64Array(this.batchRows * this.nIn)
      : new Float32Array(this.batchRows * this.nIn);
  }

  /** Rows fully parsed so far (handed out or not). */
  get rowsParsed(): number {
    return this.nRowsDone;
  }

  /** Feeds text; returns the batches it completed. */
  push(text: string): RowBatch[] {
    const out: RowBatch[] = [];
    let s = this.rest + text;
    if (this.nLines === 0 && this.rest === "" && s.charCodeAt(0) === 0xfeff) s = s.slice(1);
    let start = 0;
    for (let nl = s.indexOf("\n"); nl >= 0; nl = s.indexOf("\n", start)) {
      this.line(s.charCodeAt(nl - 1) === 13 && nl > start ? s.slice(start, nl - 1) : s.slice(start, nl), out);
      start = nl + 1;
    }
    this.rest = s.slice(start);
    if (this.rest.length > this.maxLineChars)
      throw new RowInputError(this.source, this.nextPlace(), `a line longer than ${this.maxLineChars} characters`);
    return out;
  }

  /** Ends the input; returns the last batches. */
  end(): RowBatch[] {
    const out: RowBatch[] = [];
    if (this.rest !== "") this.line(this.rest.endsWith("\r") ? this.rest.slice(0, -1) : this.rest, out);
    this.rest = "";
    this.pendingBlank = 0; // blank lines at the end are not rows
    if (this.nInBatch > 0) out.push(this.takeBatch());
    return out;
  }

  private nextPlace(): RowPlace {
    return this.nLines === 0 ? { header: true } : { row: this.nRowsDone + this.pendingBlank + 1 };
  }

  private line(text: string, out: RowBatch[]): void {
    const first = this.nLines++ === 0;
    if (text.trim() === "") {
      this.pendingBlank++;
      return;
    }
    if (first) {
      const head = splitCsvLine(text, this.source, { row: 1 });
      if (head.every((h) => !isValueText(h))) {
        if (!this.options.positional) this.readHeader(head.map((h) => h.trim()));
        return;
      }
    }
    for (; this.pendingBlank > 0; this.pendingBlank--) this.row("", out);
    this.row(text, out);
  }

  private readHeader(cols: string[]): void {
    const names = this.shape.featureNames;
    const s = this.source;
    if (!names)
      throw new RowInputError(
        s,
        { header: true },
        "the model has no feature names to match the header's columns against; read the columns by position (--no-header)",
      );
    const list = `(${names.join(", ")})`;
    const seen = new Map<string, number>();
    const ignore = this.options.ignoreColumns ?? [];
    cols.forEach((c, k) => {
      if (ignore.includes(c) || (this.options.ignoreUnknownColumns && !names.includes(c))) return;
      if (!names.includes(c))
        throw new RowInputError(
          s,
          { header: true, column: k + 1 },
          `${JSON.stringify(c)} is not a feature of the model ${list}; leave it out with --ignore-columns ${c}`,
        );
      const before = seen.get(c);
      if (before !== undefined)
        throw new RowInputError(
          s,
          { header: true, column: k + 1 },
          `${JSON.stringify(c)} is named twice (columns ${before + 1} and ${k + 1})`,
        );
      seen.set(c, k);
    });
    names.forEach((f, i) => {
      if (!seen.has(f))
        throw new RowInputError(s, { header: true }, `no column for feature ${i + 1} (${JSON.stringify(f)})`);
    });
    this.pick = names.map((f) => seen.get(f)!);
    this.nColumns = cols.length;
  }

  private row(text: string, out: RowBatch[]): void {
    const r = this.nRowsDone + 1;
    const cells = splitCsvLine(text, this.source, { row: r });
    if (cells.length !== this.nColumns)
      throw new RowInputError(
        this.source,
        { row: r },
        this.pick
          ? `${cells.length} values; the header has ${this.nColumns} columns`
          : `${cells.length} values; the model takes ${this.nIn}`,
      );
    const base = this.nInBatch * this.nIn;
    for (let i = 0; i < this.nIn; i++)
      this.batch[base + i] = textValue(cells[this.pick ? this.pick[i]! : i]!, this.source, place(this.shape, r, i));
    this.nRowsDone++;
    if (++this.nInBatch === this.batchRows) out.push(this.takeBatch());
  }

  private takeBatch(): RowBatch {
    const b: RowBatch = {
      rowOffset: this.nRowsDone - this.nInBatch,
      nRows: this.nInBatch,
      // A float64 batch (options.float64) is typed as float32 here; parseRows64 hands it out as what it is.
      values: (this.nInBatch === this.batchRows
        ? this.batch
        : this.batch.slice(0, this.nInBatch * this.nIn)) as Float32Array,
    };
    this.batch = this.newBatch();
    this.nInBatch = 0;
    return b;
  }
}

function concat(batches: RowBatch[], nIn: number, float64 = false): Rows {
  const nRows = batches.reduce((n, b) => n + b.nRows, 0);
  if (batches.length === 1) return { nRows, values: batches[0]!.values };
  const values = (float64 ? new Float64Array(nRows * nIn) : new Float32Array(nRows * nIn)) as Float32Array;
  for (const b of batches) values.set(b.values.subarray(0, b.nRows * nIn), b.rowOffset * nIn);
  return { nRows, values };
}

/** Every row of a CSV text. */
export function parseCsvRows(text: string, shape: RowShape, options: RowOptions = {}): Rows {
  const p = new CsvRowParser(shape, { ...options, batchRows: 1 << 16 });
  return concat([...p.push(text), ...p.end()], shape.inputLength, options.float64);
}

/** Every row of a JSON text (a BOM is allowed, as in CSV). */
export function parseJsonRows(text: string, shape: RowShape, options: RowOptions = {}): Rows {
  const s = options.source ?? "rows";
  const nIn = shape.inputLength;
  let data: unknown;
  try {
    data = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    throw new RowInputError(s, {}, `not valid JSON: ${(e as Error).message}`);
  }
  if (data && typeof data === "object" && !Array.isArray(data) && Array.isArray((data as { rows?: unknown }).rows))
    data = (data as { rows: unknown[] }).rows;
  if (!Array.isArray(data))
    throw new RowInputError(s, {}, "expected an array of rows (arrays of numbers, or objects keyed by feature name)");
  const values = (
    options.float64 ? new Float64Array(data.length * nIn) : new Float32Array(data.length * nIn)
  ) as Float32Array;
  const names = shape.featureNames;
  data.forEach((row: unknown, k) => {
    const r = k + 1;
    if (Array.isArray(row)) {
      if (row.length !== nIn) throw new RowInputError(s, { row: r }, `${row.length} values; the model takes ${nIn}`);
      for (let i = 0; i < nIn; i++) values[k * nIn + i] = jsonValue(row[i], s, place(shape, r, i));
    } else if (row && typeof row === "object") {
      if (!names) throw new RowInputError(s, { row: r }, "rows keyed by name need a model with feature names");
      for (const key of Object.keys(row))
        if (!names.includes(key) && !options.ignoreColumns?.includes(key) && !options.ignoreUnknownColumns)
          throw new RowInputError(
            s,
            { row: r },
            `${JSON.stringify(key)} is not a feature of the model (${names.join(", ")}); leave it out with --ignore-columns ${key}`,
          );
      names.forEach((f, i) => {
        if (!Object.hasOwn(row, f))
          throw new RowInputError(s, { row: r }, `no value for feature ${i + 1} (${JSON.stringify(f)})`);
        values[k * nIn + i] = jsonValue((row as Record<string, unknown>)[f], s, place(shape, r, i));
      });
    } else {
      throw new RowInputError(s, { row: r }, "expected an array or an object");
    }
  });
  return { nRows: data.length, values };
}

/** Is this rows text JSON (its first character, after a BOM and blanks, "[" or "{")? */
export function looksLikeJsonRows(text: string): boolean {
  return /^\uFEFF?\s*[[{]/.test(text);
}

/** Every row of a CSV or JSON text (JSON when it starts with "[" or "{"). */
export function parseRows(text: string, shape: RowShape, options: RowOptions = {}): Rows {
  return looksLikeJsonRows(text) ? parseJsonRows(text, shape, options) : parseCsvRows(text, shape, options);
}

/** Every row of a CSV or JSON text, the values in float64 as written (profiles and drift: NumPy's numbers). */
export function parseRows64(
  text: string,
  shape: RowShape,
  options: RowOptions = {},
): { nRows: number; values: Float64Array } {
  const r = parseRows(text, shape, { ...options, float64: true });
  return { nRows: r.nRows, values: r.values as unknown as Float64Array };
}

/**
 * Row batches from a byte or text stream (a file, stdin, a request body). CSV streams: memory
 * is bounded by `batchRows` whatever the size. JSON is read whole, then handed out in batches.
 */
export async function* readRowBatches(
  input: AsyncIterable<Uint8Array | string>,
  shape: RowShape,
  options: RowOptions & { batchRows?: number } = {},
): AsyncGenerator<RowBatch> {
  const decoder = new TextDecoder();
  let csv: CsvRowParser | undefined;
  let head = ""; // text before the format is known
  let json: string[] | undefined;
  const feed = function* (text: string): Generator<RowBatch> {
    if (json) {
      json.push(text);
      return;
    }
    if (!csv) {
      head += text;
      const t = head.replace(/^\uFEFF?\s*/, "");
      if (t === "") return;
      if (t[0] === "[" || t[0] === "{") {
        json = [head];
        return;
      }
      csv = new CsvRowParser(shape, options);
      text = head;
    }
    yield* csv.push(text);
  };
  for await (const chunk of input)
    yield* feed(typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true }));
  yield* feed(decoder.decode());
  if (json) {
    const rows = parseJsonRows(json.join(""), shape, options);
    const n = options.batchRows ?? Math.max(1, Math.floor(65536 / Math.max(1, shape.inputLength)));
    const nIn = shape.inputLength;
    for (let r = 0; r < rows.nRows; r += n) {
      const k = Math.min(n, rows.nRows - r);
      yield { rowOffset: r, nRows: k, values: rows.values.subarray(r * nIn, (r + k) * nIn) };
    }
    return;
  }
  csv ??= new CsvRowParser(shape, options);
  yield* csv.end();
}
