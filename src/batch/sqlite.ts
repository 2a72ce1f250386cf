/**
 * Batch scoring in a SQLite file through better-sqlite3 (loaded only here): the source table
 * read in key order, chunk by chunk, and each chunk's results and refusals written in one
 * transaction. Synchronous underneath; the engine's async interface costs one microtask a chunk.
 */
import type BetterSqlite3 from "better-sqlite3";
import type { ImageInfo, Label } from "../format/types.js";
import { type BadRow, checkColumnsPresent, type Key, packRows, resultColumnSpecs } from "./columns.js";
import type { BatchSource, BatchTarget } from "./engine.js";
import { TableShapeError } from "./errors.js";
import { importOptional } from "./optional.js";
import {
  createErrorsSql,
  createTargetSql,
  type JobTables,
  pendingSql,
  type SqlJob,
  tableIdent,
  targetColumns,
  totalSql,
} from "./sql-names.js";

type Db = BetterSqlite3.Database;

/** Opens a SQLite file with better-sqlite3 (a MissingDependencyError naming it when it is not installed). */
export async function openSqlite(path: string, neededBy = "edgeinfer batch on a SQLite file"): Promise<Db> {
  const mod = await importOptional<{ default: typeof BetterSqlite3 }>("better-sqlite3", neededBy);
  return new mod.default(path);
}

function columnsOf(db: Db, table: string): Array<{ name: string; type: string }> {
  const parts = table.split(".");
  const sql =
    parts.length === 2
      ? `PRAGMA ${tableIdent(parts[0]!)}.table_info(${tableIdent(parts[1]!)})`
      : `PRAGMA table_info(${tableIdent(table)})`;
  return db.prepare(sql).all() as Array<{ name: string; type: string }>;
}

/** The source and target of a job in one SQLite database (the target and errors tables made when missing). */
export function sqliteJob(
  db: Db,
  info: Pick<ImageInfo, "outputs" | "outputLength">,
  job: SqlJob,
): {
  source: BatchSource;
  target: BatchTarget;
} {
  const have = columnsOf(db, job.source);
  if (have.length === 0) throw new TableShapeError(job.source, undefined, "no such table");
  checkColumnsPresent(
    job.source,
    have.map((c) => c.name),
    [...job.features, ...(job.key ? [job.key] : [])],
  );
  const keyColumn = job.key ?? "rowid";
  const keyType = job.key
    ? have.find((c) => c.name.toLowerCase() === job.key!.toLowerCase())!.type || "ANY"
    : "INTEGER";
  const results = resultColumnSpecs(info);
  const cols = targetColumns(keyColumn, results);
  db.exec(createTargetSql(job.into, keyColumn, keyType, results, "REAL", " WITHOUT ROWID"));
  db.exec(createErrorsSql(job.errors, keyType, " WITHOUT ROWID"));
  checkColumnsPresent(
    job.into,
    columnsOf(db, job.into).map((c) => c.name),
    cols,
  );
  const t: JobTables = { ...job, key: keyColumn, keyColumn };
  const p = (name: string) => `@${name}`;
  const first = db.prepare(pendingSql(t, p, "first")).raw(true);
  const after = db.prepare(pendingSql(t, p, "after")).raw(true);
  const count = db.prepare(pendingSql(t, p, "count")).pluck(true);
  const total = db.prepare(totalSql(t)).pluck(true);
  const insert = db.prepare(
    `INSERT INTO ${tableIdent(job.into)} (${cols.map((c) => `"${c.replace(/"/g, '""')}"`).join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`,
  );
  const insertBad = db.prepare(
    `INSERT INTO ${tableIdent(job.errors)} ("key", "model", "model_version", "column", "reason", "scored_at") VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const nOut = info.outputLength;
  const writeChunk = db.transaction((keys: readonly Key[], y: Float32Array, bad: readonly BadRow[], at: string) => {
    const row: Array<Key | Label> = new Array(cols.length);
    row[cols.length - 3] = job.model;
    row[cols.length - 2] = job.version;
    row[cols.length - 1] = at;
    for (let r = 0; r < keys.length; r++) {
      row[0] = keys[r]!;
      const base = r * nOut;
      for (let c = 0; c < results.length; c++) row[c + 1] = results[c]!.cell(y, base);
      insert.run(row);
    }
    for (const b of bad) insertBad.run(b.key, job.model, job.version, b.column, b.reason, at);
  });
  const source: BatchSource = {
    name: job.source,
    async count() {
      return { total: Number(total.get()), pending: Number(count.get({ version: job.version })) };
    },
    async read(last, n) {
      const rows = (
        last === undefined
          ? first.all({ version: job.version, limit: n })
          : after.all({ version: job.version, after: last, limit: n })
      ) as unknown[][];
      if (rows.length === 0) return undefined;
      return { ...packRows(rows, job.features, job.nanOk), lastKey: rows[rows.length - 1]![0] as Key };
    },
  };
  const target: BatchTarget = {
    async write(keys, y, bad, at) {
      writeChunk(keys, y, bad, at);
    },
    async forget() {
      db.transaction(() => {
        db.prepare(`DELETE FROM ${tableIdent(job.into)} WHERE "model_version" = ?`).run(job.version);
        db.prepare(`DELETE FROM ${tableIdent(job.errors)} WHERE "model_version" = ?`).run(job.version);
      })();
    },
    async close() {},
  };
  return { source, target };
}
