/** SQL identifiers and the target and errors tables' layout, shared by SQLite and DuckDB. */
import type { ResultColumnSpec } from "./columns.js";

/** A quoted identifier ("a""b"): any table or column name, safely. */
export const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** A table name that may carry a schema (main.readings): each part quoted. */
export const tableIdent = (name: string): string => name.split(".").map(ident).join(".");

/** The errors table of a target: `<into>_errors` unless named. */
export const errorsTableOf = (into: string, errors?: string): string => errors ?? `${into}_errors`;

/** The target's columns in order: key, results, model, model_version, scored_at. */
export function targetColumns(keyColumn: string, results: readonly ResultColumnSpec[]): string[] {
  return [keyColumn, ...results.map((c) => c.name), "model", "model_version", "scored_at"];
}

/** CREATE TABLE for a target: one row per key and model version. */
export function createTargetSql(
  into: string,
  keyColumn: string,
  keyType: string,
  results: readonly ResultColumnSpec[],
  real = "REAL",
  /** SQLite: WITHOUT ROWID, rows kept in key order (inserting in key order appends; no second index). */
  suffix = "",
): string {
  const cols = [
    `${ident(keyColumn)} ${keyType} NOT NULL`,
    ...results.map((c) => `${ident(c.name)} ${c.type === "REAL" ? real : c.type === "INTEGER" ? "BIGINT" : "TEXT"}`),
    `"model" TEXT NOT NULL`,
    `"model_version" TEXT NOT NULL`,
    `"scored_at" TEXT NOT NULL`,
    `PRIMARY KEY (${ident(keyColumn)}, "model_version")`,
  ];
  return `CREATE TABLE IF NOT EXISTS ${tableIdent(into)} (${cols.join(", ")})${suffix}`;
}

/** CREATE TABLE for the errors: the refused row's key, the column at fault, why. */
export function createErrorsSql(errors: string, keyType: string, suffix = ""): string {
  return `CREATE TABLE IF NOT EXISTS ${tableIdent(errors)} ("key" ${keyType} NOT NULL, "model" TEXT NOT NULL, "model_version" TEXT NOT NULL, "column" TEXT NOT NULL, "reason" TEXT NOT NULL, "scored_at" TEXT NOT NULL, PRIMARY KEY ("key", "model_version"))${suffix}`;
}

/** A batch job into a SQL database (SQLite or DuckDB): the tables, the features, the model. */
export interface SqlJob {
  source: string;
  into: string;
  errors: string;
  /** The source's key column; undefined: rowid. */
  key?: string | undefined;
  features: readonly string[];
  where?: string | undefined;
  model: string;
  version: string;
  nanOk: boolean;
}

/** What both tables say about the job, for the pending-rows query. */
export interface JobTables {
  source: string;
  into: string;
  errors: string;
  /** The source's key expression (a column, or rowid). */
  key: string;
  /** The target's key column. */
  keyColumn: string;
  features: readonly string[];
  where?: string | undefined;
}

/**
 * The source's rows not yet scored or refused by this version (parameter `version`), after a
 * key (`after`, in mode "after"), in key order, `limit` of them; or their count. `p` spells a
 * named parameter in the database's syntax (@name, $name).
 */
export function pendingSql(
  t: JobTables,
  p: (name: string) => string,
  mode: "count" | "first" | "after" | "all",
): string {
  const s = "s";
  const key = t.key === "rowid" ? `${s}.rowid` : `${s}.${ident(t.key)}`;
  const cond = [
    `NOT EXISTS (SELECT 1 FROM ${tableIdent(t.into)} t WHERE t.${ident(t.keyColumn)} = ${key} AND t."model_version" = ${p("version")})`,
    `NOT EXISTS (SELECT 1 FROM ${tableIdent(t.errors)} e WHERE e."key" = ${key} AND e."model_version" = ${p("version")})`,
  ];
  if (t.where) cond.push(`(${t.where})`);
  if (mode === "after") cond.push(`${key} > ${p("after")}`);
  const from = `FROM ${tableIdent(t.source)} ${s} WHERE ${cond.join(" AND ")}`;
  if (mode === "count") return `SELECT count(*) ${from}`;
  const cols = [key, ...t.features.map((f) => `${s}.${ident(f)}`)].join(", ");
  return `SELECT ${cols} ${from} ORDER BY ${key}${mode === "all" ? "" : ` LIMIT ${p("limit")}`}`;
}

/** All the source's rows the job covers (`--where`), scored or not. */
export function totalSql(t: JobTables): string {
  return `SELECT count(*) FROM ${tableIdent(t.source)} s${t.where ? ` WHERE (${t.where})` : ""}`;
}
