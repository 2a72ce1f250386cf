/** `edgeinfer batch`: score a table (SQLite, DuckDB, CSV or Parquet) into another, resumably. */
import { availableParallelism } from "node:os";
import { basename } from "node:path";
import { featureColumns } from "../../batch/columns.js";
import { csvErrorsPath, csvSource, csvTarget } from "../../batch/csv.js";
import { duckdbJob, openDuckDB } from "../../batch/duckdb.js";
import { type BatchSource, type BatchSummary, type BatchTarget, runBatch } from "../../batch/engine.js";
import { openParquet, parquetErrorsPath, saveParquet } from "../../batch/parquet.js";
import { ProgressLine, summaryLine } from "../../batch/progress.js";
import { errorsTableOf } from "../../batch/sql-names.js";
import { openSqlite, sqliteJob } from "../../batch/sqlite.js";
import { modelVersion } from "../../batch/version.js";
import { ScorerPool } from "../../batch/workers.js";
import { Model } from "../../runtime/runtime.js";
import type { SimdOption } from "../../runtime/wasm.js";
import { modelImage, PACK_OPTIONS } from "../model-input.js";
import { type Command, type ParsedArgs, UsageError } from "../options.js";
import { SIMD_OPTION } from "./bench.js";

/** The database kind of a --db file, from its name. */
export function dbKind(path: string): "sqlite" | "duckdb" {
  if (/\.(sqlite3?|db)$/i.test(path)) return "sqlite";
  if (/\.duckdb$/i.test(path)) return "duckdb";
  throw new UsageError(`--db ${path}: the name must end in .sqlite, .sqlite3 or .db (SQLite) or .duckdb (DuckDB)`);
}

const NOTES = `Target table: the key (the --key column, else the source's rowid), one column per output
  value (<output>, or <output>_<label> / <output>_<i> for a vector), label for classifiers,
  model, model_version (the first 12 hex digits of the packed image's SHA-256) and scored_at
  (ISO time). Made when missing; one row per key and model version.
Chunks: each chunk of rows is read, scored and written with its refused rows in one
  transaction, so an interrupted run (Ctrl-C, a kill, a full disk) leaves the tables
  consistent; running the same command again scores only the rows this model version has not
  scored or refused yet (--rescore forgets them first). Ctrl-C stops after the chunks read.
Bad rows: a NULL, text, NaN or a value beyond float32's range is recorded in the errors table
  (key, model, model_version, column, reason, scored_at) and skipped, or stops the run with
  --strict. A model that takes NaN (an imputer) gets NULL and NaN as NaN.
  The --key column must be unique; rows are read in its order.
CSV and Parquet: --csv in.csv --out out.csv (no database needed) or --parquet in.parquet
  --out out.parquet (through DuckDB); the key is the 1-based row number unless --key; refused
  rows go to out.errors.csv / out.errors.parquet. The output is written whole each run.
Needs better-sqlite3 (SQLite) or @duckdb/node-api (DuckDB, Parquet): npm install better-sqlite3@12
  or npm install @duckdb/node-api.
Output: a one-line summary on stdout (--json: an object), progress on a terminal's stderr.`;

export const batchCommand: Command = {
  name: "batch",
  positionals: ["<model>"],
  summary: `Scores every row of a table into a target table: SQLite (.sqlite, .sqlite3, .db) or DuckDB
(.duckdb) with --db, or CSV / Parquet files; resumable, chunk by chunk in transactions.`,
  options: [
    { name: "db", value: "file", help: "SQLite or DuckDB file holding the source and target tables" },
    { name: "table", value: "source", help: "the source table (or view)" },
    { name: "into", value: "target", help: "the target table (made when missing)" },
    { name: "key", value: "column", help: "the source's unique key column (default: rowid; CSV/Parquet: row number)" },
    { name: "where", value: "sql", help: "only the source rows matching this SQL condition" },
    {
      name: "columns",
      value: "c1,c2,…",
      help: "the feature columns in the model's order (default: its feature names)",
    },
    { name: "errors", value: "table", help: "the errors table (default <target>_errors)" },
    { name: "csv", value: "in.csv", help: "score a CSV file instead (with --out)" },
    { name: "parquet", value: "in.parquet", help: "score a Parquet file instead, through DuckDB (with --out)" },
    { name: "out", value: "file", help: "the CSV or Parquet output" },
    { name: "rescore", help: "score again the rows this model version already scored or refused" },
    { name: "strict", help: "stop at the first bad row (exit status 2) instead of recording it" },
    { name: "json", help: "print the summary as JSON" },
    {
      name: "workers",
      value: "N",
      int: [0, 256],
      help: "worker threads scoring chunks (default: the cores; 0: this thread)",
    },
    { name: "chunk-rows", value: "N", int: [1, 1 << 20], help: "rows per chunk and transaction (default 4096)" },
    { name: "name", value: "model", help: "the model column's value (default: the model file's name)" },
    SIMD_OPTION,
    ...PACK_OPTIONS,
  ],
  notes: NOTES,
  async run(a, io) {
    const v = a.values;
    const inputs = ["db", "csv", "parquet"].filter((k) => v[k] !== undefined);
    if (inputs.length !== 1) throw new UsageError("batch needs one of --db, --csv or --parquet");
    if (v.db !== undefined && (v.table === undefined || v.into === undefined))
      throw new UsageError("batch --db needs --table <source> and --into <target>");
    if (v.db === undefined && v.out === undefined) throw new UsageError("batch --csv/--parquet needs --out <file>");
    if (v.db !== undefined) dbKind(String(v.db));
    const modelPath = a.positionals[0]!;
    const image = await modelImage(modelPath, a, io);
    const model = Model.load(image, { simd: (v.simd ?? "auto") as SimdOption });
    const nWorkers = (v.workers as number | undefined) ?? availableParallelism();
    const pool = nWorkers > 0 ? new ScorerPool(image, nWorkers) : undefined;
    const abort = new AbortController();
    const onSigint = () => abort.abort();
    process.once("SIGINT", onSigint);
    try {
      return await runJob(a, model, image, modelPath, pool, abort.signal, io);
    } finally {
      process.off("SIGINT", onSigint);
      await pool?.close();
      model.dispose();
    }
  },
};

async function runJob(
  a: ParsedArgs,
  model: Model,
  image: Uint8Array,
  modelPath: string,
  pool: ScorerPool | undefined,
  signal: AbortSignal,
  io: Parameters<Command["run"]>[1],
): Promise<number> {
  const v = a.values;
  const info = model.info;
  const version = modelVersion(image);
  const name =
    (v.name as string | undefined) ?? (modelPath === "-" ? "model" : basename(modelPath).replace(/\.[^.]*$/, ""));
  const table = (v.table as string | undefined) ?? String(v.csv ?? v.parquet);
  const features = featureColumns(
    info,
    v.columns === undefined
      ? undefined
      : String(v.columns)
          .split(",")
          .map((c) => c.trim()),
    table,
  );
  const key = v.key as string | undefined;
  const nanOk = info.nanSafe;
  let source: BatchSource, target: BatchTarget;
  let label: { target: string; errors: string };
  const closers: Array<() => void> = [];
  let save: (() => Promise<void>) | undefined;
  if (v.csv !== undefined) {
    const out = String(v.out);
    source = await csvSource(String(v.csv), features, key, nanOk);
    target = csvTarget(info, out, csvErrorsPath(out), key ?? "row", name, version);
    label = { target: out, errors: csvErrorsPath(out) };
  } else {
    const into = (v.into as string | undefined) ?? "scores";
    const job = {
      source: (v.table as string | undefined) ?? "source",
      into,
      errors: errorsTableOf(into, v.errors as string | undefined),
      key: v.parquet !== undefined ? (key ?? "row") : key,
      features,
      where: v.where as string | undefined,
      model: name,
      version,
      nanOk,
    };
    label = { target: job.into, errors: job.errors };
    if (v.parquet !== undefined) {
      const out = String(v.out);
      const pq = await openParquet(String(v.parquet));
      const reader = await pq.instance.connect();
      closers.push(() => reader.closeSync());
      ({ source, target } = await duckdbJob(pq.duck, pq.connection, info, job, reader));
      save = () => saveParquet(pq.connection, job, out, parquetErrorsPath(out));
      closers.push(() => pq.close());
      label = { target: out, errors: parquetErrorsPath(out) };
    } else if (dbKind(String(v.db)) === "sqlite") {
      const db = await openSqlite(String(v.db));
      closers.push(() => void db.close());
      ({ source, target } = sqliteJob(db, info, job));
    } else {
      const d = await openDuckDB(String(v.db));
      const reader = await d.instance.connect();
      closers.push(() => {
        reader.closeSync();
        d.connection.closeSync();
        d.instance.closeSync();
      });
      ({ source, target } = await duckdbJob(d.duck, d.connection, info, job, reader));
    }
  }
  const progress = new ProgressLine(io.stderr);
  let summary: BatchSummary;
  try {
    summary = await runBatch(model, source, target, {
      chunkRows: v["chunk-rows"] as number | undefined,
      strict: v.strict === true,
      rescore: v.rescore === true,
      pool,
      signal,
      onProgress: (d, pending) => progress.update(d.scored + d.bad, pending),
    });
    await save?.();
  } finally {
    progress.finish();
    for (const f of closers) f();
  }
  const text = { ...label, model: name, version };
  io.stdout.write(
    v.json === true
      ? `${JSON.stringify({ ...summary, target: label.target, errors: label.errors, model: name, model_version: version })}\n`
      : `${summaryLine(summary, text)}\n`,
  );
  return summary.interrupted ? 130 : 0;
}
