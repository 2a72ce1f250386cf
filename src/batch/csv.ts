/**
 * Batch scoring from a CSV file into a CSV file: the same job as in a database, without one.
 * The input's header names the columns (the key and the features, in any order); the output
 * gets the target table's columns, and refused rows go to a second file (key, column, reason).
 * A file is written whole each run: no resuming (that needs a database).
 */
import { createReadStream, createWriteStream } from "node:fs";
import { createInterface } from "node:readline";
import type { ImageInfo } from "../format/types.js";
import { FileReadError } from "../io/errors.js";
import { f32String } from "../io/results.js";
import { parseNumberText, splitCsvLine } from "../io/rows.js";
import { TextSink } from "../io/sink.js";
import { checkColumnsPresent, type Key, packRows, resultColumnSpecs } from "./columns.js";
import type { BatchSource, BatchTarget } from "./engine.js";
import { TableShapeError } from "./errors.js";
import { targetColumns } from "./sql-names.js";

const quote = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** A CSV cell as a database would hand it: a number, NULL for an empty cell, else the text. */
function cellValue(text: string): unknown {
  if (text.trim() === "") return null;
  const v = parseNumberText(text);
  return v === undefined ? text : v;
}

/** Counts the data lines (for progress): lines with any text after the header. */
async function countLines(path: string): Promise<number> {
  let n = 0;
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const l of lines) if (l.trim() !== "") n++;
  return Math.max(0, n - 1);
}

export async function csvSource(
  path: string,
  features: readonly string[],
  key: string | undefined,
  nanOk: boolean,
): Promise<BatchSource> {
  const input = createReadStream(path);
  const opened = new Promise<void>((resolve, reject) => {
    input.once("open", () => resolve());
    input.once("error", (e) => reject(new FileReadError(path, e as NodeJS.ErrnoException)));
  });
  await opened;
  const lines = createInterface({ input, crlfDelay: Infinity })[Symbol.asyncIterator]();
  const head = await lines.next();
  if (head.done) throw new TableShapeError(path, undefined, "empty file: no header line");
  const header = splitCsvLine(head.value.replace(/^\uFEFF/, ""), path, { header: true }).map((h) => h.trim());
  checkColumnsPresent(path, header, [...features, ...(key ? [key] : [])]);
  const at = (name: string) => header.findIndex((h) => h.toLowerCase() === name.toLowerCase());
  const pick = features.map(at);
  const keyAt = key ? at(key) : -1;
  let row = 0;
  return {
    name: path,
    async count() {
      const total = await countLines(path);
      return { total, pending: total };
    },
    async read(_after, n) {
      const rows: unknown[][] = [];
      while (rows.length < n) {
        const next = await lines.next();
        if (next.done) break;
        if (next.value.trim() === "") continue;
        row++;
        const cells = splitCsvLine(next.value, path, { row });
        const k: Key = keyAt < 0 ? row : (cellValue(cells[keyAt] ?? "") as Key);
        rows.push([k, ...pick.map((i) => cellValue(cells[i] ?? ""))]);
      }
      if (rows.length === 0) return undefined;
      return { ...packRows(rows, features, nanOk), lastKey: rows[rows.length - 1]![0] as Key };
    },
  };
}

/** The errors file beside an output: out.csv → out.errors.csv. */
export const csvErrorsPath = (out: string) => out.replace(/(\.csv)?$/i, ".errors.csv");

export function csvTarget(
  info: Pick<ImageInfo, "outputs" | "outputLength">,
  out: string,
  errorsOut: string,
  keyColumn: string,
  model: string,
  version: string,
): BatchTarget {
  const results = resultColumnSpecs(info);
  const sink = new TextSink(createWriteStream(out), out);
  let errors: TextSink | undefined;
  let started = false;
  const nOut = info.outputLength;
  const cell = (v: number | string | bigint) =>
    typeof v === "number" ? f32String(v) : typeof v === "bigint" ? String(v) : quote(v);
  return {
    async write(keys, y, bad, at) {
      let text = started ? "" : `${targetColumns(keyColumn, results).map(quote).join(",")}\n`;
      started = true;
      for (let r = 0; r < keys.length; r++) {
        text += cell(keys[r]!);
        for (const c of results) text += `,${cell(c.cell(y, r * nOut))}`;
        text += `,${quote(model)},${version},${at}\n`;
      }
      await sink.write(text);
      if (bad.length > 0) {
        if (!errors) {
          errors = new TextSink(createWriteStream(errorsOut), errorsOut);
          await errors.write("key,model,model_version,column,reason,scored_at\n");
        }
        await errors.write(
          bad
            .map((b) => `${cell(b.key)},${quote(model)},${version},${quote(b.column)},${quote(b.reason)},${at}\n`)
            .join(""),
        );
      }
    },
    async forget() {},
    async close() {
      if (!started) await sink.write(`${targetColumns(keyColumn, results).map(quote).join(",")}\n`);
      await sink.close();
      await errors?.close();
    },
  };
}
