/**
 * A model as a SQL function: `SELECT id, churn(x1, x2) FROM readings`. A classifier's
 * function returns the label, and `<name>_proba(x1, …, class)` the probability (score) of a
 * class; a model of one value returns it; any other returns its output values as JSON text.
 * A NULL argument gives NULL (SQL's rule), text is refused (InputTypeError).
 * SQLite (better-sqlite3) calls the function row by row; DuckDB hands it chunks of up to 2,048
 * rows, scored with one predictBatch.
 */
import type * as Duck from "@duckdb/node-api";
import type BetterSqlite3 from "better-sqlite3";
import { labelOf, labelSource } from "../format/labels.js";
import type { Label } from "../format/types.js";
import type { Model } from "../index.js";
import { SqlArgumentError } from "./errors.js";
import { importOptional } from "./optional.js";

/** What a model's SQL function returns, from its outputs. */
function resultOf(model: Model): {
  kind: "label" | "value" | "json";
  labelType: "INTEGER" | "TEXT";
  /** The result of the output row starting at `base` of y. */
  value(y: Float32Array, base: number): Label | string;
  /** The class's probability in the output row at `base`; undefined for an unknown class. */
  proba?(y: Float32Array, base: number, cls: unknown): number | undefined;
} {
  const info = model.info;
  const src = labelSource(info.outputs);
  const scores = info.outputs.find((o) => o.labels && o.length === o.labels.length && o.length > 1);
  if (src) {
    const labels = src.labels;
    const idx = new Map(labels.map((l, i) => [String(l), i]));
    return {
      kind: "label",
      labelType: labels.every((l) => typeof l === "number" && Number.isInteger(l)) ? "INTEGER" : "TEXT",
      value: (y, base) => labelOf(src, y, base),
      ...(scores && {
        proba: (y: Float32Array, base: number, cls: unknown) => {
          const i = idx.get(String(cls));
          return i === undefined ? undefined : y[base + scores.offset + i]!;
        },
      }),
    };
  }
  if (info.outputLength === 1) return { kind: "value", labelType: "TEXT", value: (y, base) => y[base]! };
  const n = info.outputLength;
  return {
    kind: "json",
    labelType: "TEXT",
    value: (y, base) => JSON.stringify(Array.from(y.subarray(base, base + n))),
  };
}

/** Registers `name(x1, …, xn)` (and `name_proba(x1, …, xn, class)` for a classifier) on a better-sqlite3 database. */
export function registerSqlite(db: BetterSqlite3.Database, name: string, model: Model): void {
  const nIn = model.info.inputLength;
  const r = resultOf(model);
  const row = new Array<number>(nIn);
  const run = (args: unknown[]): Float32Array | null => {
    for (let i = 0; i < nIn; i++) {
      const v = args[i];
      if (v === null) return null;
      if (typeof v === "number") row[i] = v;
      else if (typeof v === "bigint") row[i] = Number(v);
      else throw new SqlArgumentError(name, i + 1, typeof v === "string" ? `text ${JSON.stringify(v)}` : "a blob");
    }
    return model.predict(row);
  };
  db.function(name, { deterministic: true, varargs: true }, (...args: unknown[]) => {
    const y = run(args);
    return y === null ? null : r.value(y, 0);
  });
  if (r.proba) {
    const proba = r.proba;
    db.function(`${name}_proba`, { deterministic: true, varargs: true }, (...args: unknown[]) => {
      const y = run(args);
      return y === null ? null : (proba(y, 0, args[nIn]) ?? null);
    });
  }
}

/**
 * Registers `name(x1, …, xn)` (DOUBLE arguments) and, for a classifier, `name_proba(x1, …,
 * xn, class VARCHAR)` on a DuckDB connection. Each chunk is scored with one predictBatch.
 */
export async function registerDuckDB(connection: Duck.DuckDBConnection, name: string, model: Model): Promise<void> {
  const duck = await importOptional<typeof Duck>("@duckdb/node-api", "registerDuckDB");
  const nIn = model.info.inputLength,
    nOut = model.info.outputLength;
  const r = resultOf(model);
  let rows = new Float32Array(2048 * nIn);
  let y = new Float32Array(2048 * nOut);
  let good = new Int32Array(2048);
  /** Scores the chunk's rows without a NULL; calls put(row, outputBase) for each, and putNull for the others. */
  const score = (chunk: Duck.DuckDBDataChunk, put: (r: number, base: number) => void, putNull: (r: number) => void) => {
    const n = chunk.rowCount;
    if (rows.length < n * nIn) {
      rows = new Float32Array(n * nIn);
      y = new Float32Array(n * nOut);
      good = new Int32Array(n);
    }
    const cols = Array.from({ length: nIn }, (_, i) => chunk.getColumnVector(i));
    let k = 0;
    for (let i = 0; i < n; i++) {
      let ok = true;
      for (let j = 0; j < nIn; j++) {
        const v = cols[j]!.getItem(i) as number | null;
        if (v === null) {
          ok = false;
          break;
        }
        rows[k * nIn + j] = v;
      }
      if (ok) good[k++] = i;
      else putNull(i);
    }
    model.predictBatch(rows.subarray(0, k * nIn), k, y.subarray(0, k * nOut));
    for (let g = 0; g < k; g++) put(good[g]!, g * nOut);
  };
  const returnType =
    r.kind === "value" ? duck.DOUBLE : r.labelType === "INTEGER" && r.kind === "label" ? duck.BIGINT : duck.VARCHAR;
  const params = Array.from({ length: nIn }, () => duck.DOUBLE);
  connection.registerScalarFunction(
    duck.DuckDBScalarFunction.create({
      name,
      returnType,
      parameterTypes: params,
      mainFunction: (_info, chunk, out) => {
        const set =
          returnType === duck.BIGINT
            ? (i: number, v: Label | string) => out.setItem(i, BigInt(v as number) as never)
            : returnType === duck.DOUBLE
              ? (i: number, v: Label | string) => out.setItem(i, v as never)
              : (i: number, v: Label | string) => out.setItem(i, String(v) as never);
        score(
          chunk,
          (i, base) => set(i, r.value(y, base)),
          (i) => out.setItem(i, null),
        );
        out.flush();
      },
    }),
  );
  if (r.proba) {
    const proba = r.proba;
    connection.registerScalarFunction(
      duck.DuckDBScalarFunction.create({
        name: `${name}_proba`,
        returnType: duck.DOUBLE,
        parameterTypes: [...params, duck.VARCHAR],
        mainFunction: (_info, chunk, out) => {
          const cls = chunk.getColumnVector(nIn);
          score(
            chunk,
            (i, base) => out.setItem(i, (proba(y, base, cls.getItem(i)) ?? null) as never),
            (i) => out.setItem(i, null),
          );
          out.flush();
        },
      }),
    );
  }
}
