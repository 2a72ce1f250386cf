/**
 * Rows for `edgeinfer predict`: CSV (an optional header; columns picked by the model's feature
 * names when the header has them) or JSON (an array of arrays, or of objects keyed by feature
 * name). Bad input is an InputError naming the line or row and column.
 */
import { EdgeInferError } from "../errors.js";

export class InputFileError extends EdgeInferError {
  readonly code = "E_INPUT";
  constructor(
    readonly where: string,
    readonly detail: string,
  ) {
    super(`${where}: ${detail}`);
  }
}

export interface Rows {
  nRows: number;
  values: Float32Array;
}

/** Parses one cell; empty, "nan" and "NaN" are NaN (refused later unless --allow-nan). */
function cell(text: string, where: string): number {
  const t = text.trim();
  if (t === "" || /^nan$/i.test(t)) return NaN;
  const v = Number(t);
  if (Number.isNaN(v) && !/^[+-]?inf(inity)?$/i.test(t))
    throw new InputFileError(where, `${JSON.stringify(t)} is not a number`);
  return Number.isNaN(v) ? (t.startsWith("-") ? -Infinity : Infinity) : v;
}

function splitCsvLine(line: string): string[] {
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
  out.push(cur);
  return out;
}

export function parseCsv(text: string, nInput: number, featureNames: string[] | undefined, name: string): Rows {
  const lines = text.split(/\r?\n/);
  while (lines.length && lines[lines.length - 1]!.trim() === "") lines.pop();
  let first = 0;
  let pick: number[] | undefined;
  if (lines.length) {
    const head = splitCsvLine(lines[0]!);
    const isHeader = head.every((h) => {
      const t = h.trim();
      return t !== "" && Number.isNaN(Number(t)) && !/^[+-]?(nan|inf(inity)?)$/i.test(t);
    });
    if (isHeader) {
      first = 1;
      const cols = head.map((h) => h.trim());
      if (featureNames?.every((f) => cols.includes(f))) pick = featureNames.map((f) => cols.indexOf(f));
      else if (cols.length !== nInput) {
        throw new InputFileError(
          `${name} line 1`,
          `header has ${cols.length} columns and does not name the model's features${featureNames ? ` (${featureNames.join(", ")})` : ""}; the model takes ${nInput}`,
        );
      }
    }
  }
  const nRows = lines.length - first;
  const values = new Float32Array(nRows * nInput);
  for (let r = 0; r < nRows; r++) {
    const where = `${name} line ${first + r + 1}`;
    const cells = splitCsvLine(lines[first + r]!);
    if (pick) {
      if (cells.length < Math.max(...pick) + 1)
        throw new InputFileError(where, `${cells.length} columns, the header has more`);
      pick.forEach((c, i) => {
        values[r * nInput + i] = cell(cells[c]!, `${where}, column ${c + 1}`);
      });
    } else {
      if (cells.length !== nInput) throw new InputFileError(where, `${cells.length} values; the model takes ${nInput}`);
      cells.forEach((c, i) => {
        values[r * nInput + i] = cell(c, `${where}, column ${i + 1}`);
      });
    }
  }
  return { nRows, values };
}

export function parseJsonRows(text: string, nInput: number, featureNames: string[] | undefined, name: string): Rows {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new InputFileError(name, `not valid JSON: ${(e as Error).message}`);
  }
  if (data && typeof data === "object" && !Array.isArray(data) && Array.isArray((data as { rows?: unknown }).rows))
    data = (data as { rows: unknown[] }).rows;
  if (!Array.isArray(data))
    throw new InputFileError(name, "expected an array of rows (arrays of numbers, or objects keyed by feature name)");
  const values = new Float32Array(data.length * nInput);
  data.forEach((row: unknown, r) => {
    const where = `${name} row ${r}`;
    if (Array.isArray(row)) {
      if (row.length !== nInput) throw new InputFileError(where, `${row.length} values; the model takes ${nInput}`);
      row.forEach((v, i) => {
        values[r * nInput + i] = jsonNumber(v, `${where}[${i}]`);
      });
    } else if (row && typeof row === "object") {
      if (!featureNames) throw new InputFileError(where, "rows keyed by name need a model with feature names");
      featureNames.forEach((f, i) => {
        if (!(f in row)) throw new InputFileError(where, `missing feature ${JSON.stringify(f)}`);
        values[r * nInput + i] = jsonNumber((row as Record<string, unknown>)[f], `${where}.${f}`);
      });
    } else {
      throw new InputFileError(where, "expected an array or an object");
    }
  });
  return { nRows: data.length, values };
}

function jsonNumber(v: unknown, where: string): number {
  if (typeof v === "number") return v;
  if (v === null || (typeof v === "string" && /^nan$/i.test(v))) return NaN;
  throw new InputFileError(where, `expected a number, got ${JSON.stringify(v)}`);
}

export function parseRows(text: string, nInput: number, featureNames: string[] | undefined, name: string): Rows {
  return /^\s*[[{]/.test(text)
    ? parseJsonRows(text, nInput, featureNames, name)
    : parseCsv(text, nInput, featureNames, name);
}
