/** `edgeinfer sql`: a query against a SQLite or DuckDB file with models registered as SQL functions. */

import { openDuckDB } from "../../batch/duckdb.js";
import { openSqlite } from "../../batch/sqlite.js";
import { registerDuckDB, registerSqlite } from "../../batch/udf.js";
import { f32String } from "../../io/results.js";
import { TextSink } from "../../io/sink.js";
import { Model } from "../../runtime/runtime.js";
import type { SimdOption } from "../../runtime/wasm.js";
import { modelImage, PACK_OPTIONS } from "../model-input.js";
import { type Command, UsageError } from "../options.js";
import { dbKind } from "./batch.js";
import { SIMD_OPTION } from "./bench.js";

const quote = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const cell = (v: unknown): string =>
  v === null || v === undefined ? "" : typeof v === "number" ? f32String(v) : quote(String(v));
const jsonValue = (v: unknown): unknown => (typeof v === "bigint" ? Number(v) : v);

export const sqlCommand: Command = {
  name: "sql",
  positionals: ["<db>", "<query>"],
  summary: `Runs a query on a SQLite (.sqlite, .sqlite3, .db) or DuckDB (.duckdb) file with models as SQL
functions: --model churn=churn.onnx makes churn(x1, …, xn) (and churn_proba(x1, …, xn, class)
for a classifier). Prints the rows as CSV with a header, or --json.`,
  options: [
    {
      name: "model",
      value: "name=path",
      multiple: true,
      required: true,
      help: "a model and its function's name (repeat for more)",
    },
    { name: "json", help: "print the rows as a JSON array of objects" },
    SIMD_OPTION,
    ...PACK_OPTIONS,
  ],
  notes: `Functions: a classifier's returns its label and <name>_proba(…, class) a class's probability
  (NULL for an unknown class); a model of one value returns it; others return their output
  values as JSON text. A NULL argument gives NULL. SQLite calls the function once per row;
  DuckDB hands it chunks of 2,048 rows, scored in one batch.
Needs better-sqlite3 (SQLite) or @duckdb/node-api (DuckDB).`,
  async run(a, io) {
    const [dbPath, query] = a.positionals as [string, string];
    const specs = (a.values.model as string[]).map((m) => {
      const at = m.indexOf("=");
      if (at <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(m.slice(0, at)))
        throw new UsageError(`--model takes name=path with a SQL function name, not ${m}`);
      return { name: m.slice(0, at), path: m.slice(at + 1) };
    });
    const models: Array<{ name: string; model: Model }> = [];
    try {
      for (const s of specs)
        models.push({
          name: s.name,
          model: Model.load(await modelImage(s.path, a, io), { simd: (a.values.simd ?? "auto") as SimdOption }),
        });
      let columns: string[], rows: unknown[][];
      if (dbKind(dbPath) === "sqlite") {
        const db = await openSqlite(dbPath, "edgeinfer sql on a SQLite file");
        try {
          for (const m of models) registerSqlite(db, m.name, m.model);
          const stmt = db.prepare(query);
          if (!stmt.reader) {
            stmt.run();
            columns = [];
            rows = [];
          } else {
            columns = stmt.columns().map((c) => c.name);
            rows = stmt.raw(true).all() as unknown[][];
          }
        } finally {
          db.close();
        }
      } else {
        const d = await openDuckDB(dbPath, "edgeinfer sql on a DuckDB file");
        try {
          for (const m of models) await registerDuckDB(d.connection, m.name, m.model);
          const r = await d.connection.runAndReadAll(query);
          columns = r.columnNames();
          rows = r.getRowsJS() as unknown[][];
        } finally {
          d.connection.closeSync();
          d.instance.closeSync();
        }
      }
      const sink = new TextSink(io.stdout, "stdout");
      if (a.values.json === true)
        await sink.write(
          `${JSON.stringify(rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, jsonValue(r[i])]))))}\n`,
        );
      else {
        await sink.write(`${columns.map(quote).join(",")}\n`);
        for (const r of rows) await sink.write(`${r.map(cell).join(",")}\n`);
      }
      await sink.close();
      return 0;
    } finally {
      for (const m of models) m.model.dispose();
    }
  },
};
