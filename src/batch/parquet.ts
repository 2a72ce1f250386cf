/**
 * Parquet in, Parquet out, through an in-memory DuckDB: the file is read into a table with its
 * row number as the key (or --key), scored by the DuckDB path, and the results (and refused
 * rows, when there are any) copied out as Parquet. Written whole each run, like CSV.
 */
import type * as Duck from "@duckdb/node-api";
import { type DuckModule, openDuckDB } from "./duckdb.js";
import type { SqlJob } from "./sql-names.js";
import { ident, tableIdent } from "./sql-names.js";

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** The errors file beside an output: out.parquet → out.errors.parquet. */
export const parquetErrorsPath = (out: string) => out.replace(/(\.parquet)?$/i, ".errors.parquet");

/** Loads the Parquet file as table "source" of a new in-memory database ("row": 1-based row number). */
export async function openParquet(
  path: string,
): Promise<{ duck: DuckModule; instance: Duck.DuckDBInstance; connection: Duck.DuckDBConnection; close(): void }> {
  const { duck, instance, connection } = await openDuckDB(":memory:", "edgeinfer batch --parquet");
  await connection.run(
    `CREATE TABLE source AS SELECT row_number() OVER () AS "row", * FROM read_parquet(${lit(path)})`,
  );
  return {
    duck,
    instance,
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** Writes the job's target (and its errors, when any) as Parquet files. */
export async function saveParquet(c: Duck.DuckDBConnection, job: SqlJob, out: string, errorsOut: string) {
  await c.run(`COPY (SELECT * FROM ${tableIdent(job.into)} ORDER BY 1) TO ${lit(out)} (FORMAT parquet)`);
  const nBad = (await c.runAndReadAll(`SELECT count(*) FROM ${tableIdent(job.errors)}`)).getRows()[0]![0];
  if (Number(nBad) > 0)
    await c.run(
      `COPY (SELECT * FROM ${tableIdent(job.errors)} ORDER BY ${ident("key")}) TO ${lit(errorsOut)} (FORMAT parquet)`,
    );
}
