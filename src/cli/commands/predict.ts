/** `edgeinfer predict`: rows in, one result per row out, streamed batch by batch. */
import { createReadStream, fstatSync } from "node:fs";
import { openForReading } from "../../io/files.js";
import { predictRowBatches } from "../../io/predict.js";
import { csvHeader, ResultBuffer, resultsJsonPieces, resultsToCsvRows } from "../../io/results.js";
import { type RowOptions, readRowBatches } from "../../io/rows.js";
import { TextSink } from "../../io/sink.js";
import { Model } from "../../runtime/runtime.js";
import type { SimdOption } from "../../runtime/wasm.js";
import { modelImage, oneStdin, PACK_OPTIONS } from "../model-input.js";
import type { Command, Io } from "../options.js";
import { SIMD_OPTION } from "./bench.js";

export const ROWS_HELP = `Rows: CSV or JSON (JSON when the text starts with "[" or "{"; a UTF-8 BOM is allowed).
  CSV: a first line of names (every cell text) is a header; it must name every feature of the
  model exactly once, in any order (a missing, repeated or unknown name is refused; name the
  columns that are not features with --ignore-columns). Without a header the columns are the
  features in order; --no-header reads by position even when a header is there (skipping it).
  CSV is streamed: any size runs in bounded memory.
  JSON: an array of rows, each an array of numbers or an object with every feature by name (and
  no other key), or {"rows": [...]}; read whole (its size bounds the memory).
  Numbers: JSON's grammar plus a leading "+" (no hex, no "1."); "nan" (any case), an empty cell,
  "" and null are NaN, refused unless --allow-nan; "inf" and "infinity" (any case, optional sign)
  are ±Infinity; a value beyond float32's range (1e400, 3.5e38) is refused.
  Rows in messages are 1-based data rows: the header is not counted.
Output: --format csv streams one line per row as they are predicted; json groups the results by
  output, so it holds them (4 bytes per output value) until the end. After a bad row, the rows
  before it may already be printed; the exit status is then 2.`;

/** Draws `[####....] 42% 123456 rows` on a terminal once the input is long; the share comes from bytes read. */
class Progress {
  private drawn = false;
  private lastPct = -1;
  constructor(
    private readonly io: Io,
    private readonly totalBytes: number | undefined,
  ) {}
  update(rows: number, bytes: number): void {
    if (this.io.stderr.isTTY !== true || rows < 50_000) return;
    const pct = this.totalBytes ? Math.min(99, Math.floor((100 * bytes) / this.totalBytes)) : undefined;
    if (pct !== undefined && pct === this.lastPct) return;
    this.lastPct = pct ?? -1;
    this.draw(pct, `${rows} rows`);
  }
  finish(rows: number): void {
    if (this.drawn) this.io.stderr.write(`${this.bar(100)} 100% ${rows}/${rows} rows\n`);
  }
  private bar(pct: number | undefined): string {
    const width = 30,
      filled = Math.round((width * (pct ?? 0)) / 100);
    return `\r[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
  }
  private draw(pct: number | undefined, text: string): void {
    this.drawn = true;
    this.io.stderr.write(`${this.bar(pct)} ${pct === undefined ? "" : `${pct}% `}${text}`);
  }
}

/** Counts the bytes that pass (for the progress bar). */
async function* counted(
  input: AsyncIterable<Uint8Array | string>,
  count: { bytes: number },
): AsyncGenerator<Uint8Array | string> {
  for await (const c of input) {
    count.bytes += c.length;
    yield c;
  }
}

export const predictCommand: Command = {
  name: "predict",
  positionals: ["<model>", "<rows.csv|rows.json|->"],
  summary: `Predicts every row of a CSV or JSON file (or stdin, "-"); an ONNX or JSON model is packed
in memory first. JSON output maps each output name to an array of per-row arrays; outputs that
hold a class index are printed as class labels, and a "label" array is added for classifiers.`,
  options: [
    { name: "format", value: "format", choices: ["json", "csv"], help: "output format (default json)" },
    { name: "no-header", help: "CSV: read the columns by position; a header line, if any, is skipped" },
    {
      name: "ignore-columns",
      value: "names",
      help: "CSV columns (or JSON keys) that are not features, comma-separated: left out",
    },
    { name: "allow-nan", help: "let NaN inputs through instead of refusing the row" },
    SIMD_OPTION,
    ...PACK_OPTIONS,
  ],
  notes: ROWS_HELP,
  async run(a, io) {
    const [modelPath, rowsPath] = a.positionals as [string, string];
    oneStdin([modelPath, rowsPath, a.values.calibration as string | undefined]);
    const model = Model.load(await modelImage(modelPath, a, io), {
      allowNaN: a.values["allow-nan"] === true,
      simd: (a.values.simd ?? "auto") as SimdOption,
    });
    try {
      const rows: RowOptions = {
        source: rowsPath === "-" ? "stdin" : rowsPath,
        positional: a.values["no-header"] === true,
        ignoreColumns:
          a.values["ignore-columns"] === undefined ? undefined : String(a.values["ignore-columns"]).split(","),
      };
      return await predictAll(model, rowsPath, rows, a.values.format === "csv" ? "csv" : "json", io);
    } finally {
      model.dispose();
    }
  },
};

async function predictAll(
  model: Model,
  rowsPath: string,
  rowOptions: RowOptions,
  format: "csv" | "json",
  io: Io,
): Promise<number> {
  const info = model.info;
  const source = rowOptions.source ?? rowsPath;
  let input: AsyncIterable<Uint8Array | string>, totalBytes: number | undefined;
  if (rowsPath === "-") input = io.stdin as AsyncIterable<Uint8Array | string>;
  else {
    const fd = openForReading(rowsPath);
    const st = fstatSync(fd);
    totalBytes = st.isFile() ? st.size : undefined;
    input = createReadStream("", { fd, highWaterMark: 1 << 16 });
  }
  const count = { bytes: 0 };
  const progress = new Progress(io, totalBytes);
  const sink = new TextSink(io.stdout, "stdout");
  const kept = format === "json" ? new ResultBuffer(info.outputLength) : undefined;
  let nRows = 0;
  const batches = readRowBatches(counted(input, count), info, rowOptions);
  for await (const r of predictRowBatches(model, batches, source)) {
    if (kept) kept.add(r.y, r.nRows);
    else await sink.write((nRows === 0 ? csvHeader(info) : "") + resultsToCsvRows(info, r.y, r.nRows));
    nRows += r.nRows;
    progress.update(nRows, count.bytes);
  }
  if (kept) for (const piece of resultsJsonPieces(info, kept.values, kept.nRows)) await sink.write(piece);
  else if (nRows === 0) await sink.write(csvHeader(info));
  progress.finish(nRows);
  await sink.close();
  return 0;
}
