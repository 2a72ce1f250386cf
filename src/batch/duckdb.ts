/**
 * Batch scoring in a DuckDB file through @duckdb/node-api (loaded only here): the source read
 * in key order chunk by chunk; each chunk's results appended (DuckDB's appender, which joins
 * the connection's open transaction) and its refusals inserted, then committed together.
 */
import type * as Duck from "@duckdb/node-api";
import type { ImageInfo } from "../format/types.js";
import { checkColumnsPresent, type Key, packRows, resultColumnSpecs } from "./columns.js";
import type { BatchSource, BatchTarget } from "./engine.js";
import { TableShapeError } from "./errors.js";
import { importOptional } from "./optional.js";
import {
  createErrorsSql,
  createTargetSql,
  ident,
  type JobTables,
  pendingSql,
  type SqlJob,
  tableIdent,
  targetColumns,
  totalSql,
} from "./sql-names.js";

export type DuckModule = typeof Duck;

export async function duckdbModule(neededBy = "edgeinfer batch on a DuckDB file"): Promise<DuckModule> {
  return importOptional<DuckModule>("@duckdb/node-api", neededBy);
}

/** Opens a DuckDB file (":memory:" for none) and one connection to it. */
export async function openDuckDB(
  path: string,
  neededBy?: string,
): Promise<{ duck: DuckModule; instance: Duck.DuckDBInstance; connection: Duck.DuckDBConnection }> {
  const duck = await duckdbModule(neededBy);
  const instance = await duck.DuckDBInstance.create(path);
  return { duck, instance, connection: await instance.connect() };
}

async function columnsOf(c: Duck.DuckDBConnection, table: string): Promise<Array<{ name: string; type: string }>> {
  try {
    const r = await c.runAndReadAll(`DESCRIBE ${tableIdent(table)}`);
    return r.getRowObjectsJS().map((o) => ({ name: String(o.column_name), type: String(o.column_type) }));
  } catch {
    return [];
  }
}

/** A DuckDB value as a number where it is one (DECIMAL, HUGEINT); anything else as it is. */
function plain(v: unknown): unknown {
  if (v !== null && typeof v === "object" && typeof (v as { toDouble?: unknown }).toDouble === "function")
    return (v as { toDouble(): number }).toDouble();
  return v;
}

export async function duckdbJob(
  duck: DuckModule,
  c: Duck.DuckDBConnection,
  info: Pick<ImageInfo, "outputs" | "outputLength">,
  job: SqlJob,
  /**
   * A second connection to the same database: the pending rows are then read by one query,
   * streamed chunk by chunk (its snapshot is not disturbed by the writes), instead of one
   * query per chunk, each of which scans the source and the target again.
   */
  reader?: Duck.DuckDBConnection,
): Promise<{ source: BatchSource; target: BatchTarget }> {
  const have = await columnsOf(c, job.source);
  if (have.length === 0) throw new TableShapeError(job.source, undefined, "no such table");
  checkColumnsPresent(
    job.source,
    have.map((x) => x.name),
    [...job.features, ...(job.key ? [job.key] : [])],
  );
  const keyColumn = job.key ?? "rowid";
  const keyType = job.key ? have.find((x) => x.name.toLowerCase() === job.key!.toLowerCase())!.type : "BIGINT";
  const results = resultColumnSpecs(info);
  const cols = targetColumns(keyColumn, results);
  await c.run(createTargetSql(job.into, keyColumn, keyType, results, "DOUBLE"));
  await c.run(createErrorsSql(job.errors, keyType));
  const into = await columnsOf(c, job.into);
  checkColumnsPresent(
    job.into,
    into.map((x) => x.name),
    cols,
  );
  // Appender columns are the table's, in its order: each result goes to its column by name.
  const position = cols.map((name) => into.findIndex((x) => x.name.toLowerCase() === name.toLowerCase()));
  if (into.length !== cols.length)
    throw new TableShapeError(job.into, undefined, `has ${into.length} columns; a target table has ${cols.length}`);
  const t: JobTables = { ...job, key: keyColumn, keyColumn };
  const p = (name: string) => `$${name}`;
  const first = pendingSql(t, p, "first"),
    after = pendingSql(t, p, "after");
  const nOut = info.outputLength;
  const source: BatchSource = {
    name: job.source,
    async count() {
      const total = (await c.runAndReadAll(totalSql(t))).getRows()[0]![0];
      const pending = (await c.runAndReadAll(pendingSql(t, p, "count"), { version: job.version })).getRows()[0]![0];
      return { total: Number(total), pending: Number(pending) };
    },
    async read(last, n) {
      if (reader) return streamed(n);
      const r =
        last === undefined
          ? await c.runAndReadAll(first, { version: job.version, limit: n })
          : await c.runAndReadAll(after, { version: job.version, after: last as Duck.DuckDBValue, limit: n });
      const rows = r.getRows().map((row) => row.map(plain));
      if (rows.length === 0) return undefined;
      return { ...packRows(rows, job.features, job.nanOk), lastKey: rows[rows.length - 1]![0] as Key };
    },
  };
  let stream: Duck.DuckDBResult | undefined;
  let pendingChunk: { chunk: Duck.DuckDBDataChunk; at: number } | undefined;
  const nCols = job.features.length + 1;
  const streamed = async (n: number) => {
    stream ??= await reader!.stream(pendingSql(t, p, "all"), { version: job.version });
    const rows: unknown[][] = [];
    while (rows.length < n) {
      if (!pendingChunk) {
        const chunk = await stream.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        pendingChunk = { chunk, at: 0 };
      }
      const { chunk } = pendingChunk;
      const vectors = Array.from({ length: nCols }, (_, j) => chunk.getColumnVector(j));
      const end = Math.min(chunk.rowCount, pendingChunk.at + n - rows.length);
      for (let i = pendingChunk.at; i < end; i++) {
        const row = new Array<unknown>(nCols);
        for (let j = 0; j < nCols; j++) row[j] = plain(vectors[j]!.getItem(i));
        rows.push(row);
      }
      pendingChunk.at = end;
      if (end === chunk.rowCount) pendingChunk = undefined;
    }
    if (rows.length === 0) return undefined;
    return { ...packRows(rows, job.features, job.nanOk), lastKey: rows[rows.length - 1]![0] as Key };
  };
  const keyTypeId = duck.DuckDBTypeId;
  const target: BatchTarget = {
    async write(keys, y, bad, at) {
      await c.run("BEGIN TRANSACTION");
      try {
        const [schema, table] = job.into.includes(".") ? job.into.split(".") : [null, job.into];
        const a = await c.createAppender(table!, schema);
        const keyT = a.columnType(position[0]!);
        const appendKey =
          keyT.typeId === keyTypeId.BIGINT
            ? (k: Key) => a.appendBigInt(BigInt(k))
            : keyT.typeId === keyTypeId.INTEGER
              ? (k: Key) => a.appendInteger(Number(k))
              : keyT.typeId === keyTypeId.VARCHAR
                ? (k: Key) => a.appendVarchar(String(k))
                : (k: Key) => a.appendValue(k as Duck.DuckDBValue, keyT);
        const order = [...position.keys()].sort((x, z) => position[x]! - position[z]!);
        for (let r = 0; r < keys.length; r++) {
          const base = r * nOut;
          for (const k of order) {
            if (k === 0) appendKey(keys[r]!);
            else if (k <= results.length) {
              const v = results[k - 1]!.cell(y, base);
              const type = results[k - 1]!.type;
              if (type === "TEXT") a.appendVarchar(String(v));
              else if (type === "INTEGER") a.appendBigInt(BigInt(v));
              else a.appendDouble(v as number);
            } else a.appendVarchar(k === cols.length - 3 ? job.model : k === cols.length - 2 ? job.version : at);
          }
          a.endRow();
        }
        a.flushSync();
        a.closeSync();
        for (const b of bad)
          await c.run(
            `INSERT INTO ${tableIdent(job.errors)} ("key", "model", "model_version", "column", "reason", "scored_at") VALUES ($1, $2, $3, $4, $5, $6)`,
            [b.key as Duck.DuckDBValue, job.model, job.version, b.column, b.reason, at],
          );
        await c.run("COMMIT");
      } catch (e) {
        await c.run("ROLLBACK").catch(() => {});
        throw e;
      }
    },
    async forget() {
      await c.run("BEGIN TRANSACTION");
      await c.run(`DELETE FROM ${tableIdent(job.into)} WHERE "model_version" = $1`, [job.version]);
      await c.run(`DELETE FROM ${tableIdent(job.errors)} WHERE ${ident("model_version")} = $1`, [job.version]);
      await c.run("COMMIT");
    },
    async close() {},
  };
  return { source, target };
}
