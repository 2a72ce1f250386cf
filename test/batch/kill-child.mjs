// A batch run that kills itself (SIGKILL) in the middle of a chunk's transaction, for
// engine.test.ts. SQLite: a trigger on the target calls die() when row `killAt` is inserted.
// DuckDB: the connection dies instead of sending the COMMIT of chunk `killAt`.
// Usage: node kill-child.mjs sqlite|duckdb <db> <model.onnx> <killAt> <columns>
import { readFileSync } from "node:fs";
import { duckdbJob, openDuckDB } from "../../dist/src/batch/duckdb.js";
import { runBatch } from "../../dist/src/batch/engine.js";
import { openSqlite, sqliteJob } from "../../dist/src/batch/sqlite.js";
import { modelVersion } from "../../dist/src/batch/version.js";
import { ScorerPool } from "../../dist/src/batch/workers.js";
import { Model } from "../../dist/src/index.js";
import { pack } from "../../dist/src/pack.js";

const [kind, dbPath, modelPath, killAtText, columns] = process.argv.slice(2);
const killAt = Number(killAtText);
const image = pack(readFileSync(modelPath));
const model = Model.load(image);
const version = modelVersion(image);
const job = {
  source: "readings",
  into: "preds",
  errors: "preds_errors",
  key: "id",
  features: columns.split(","),
  model: "m",
  version,
  nanOk: false,
};
const die = () => process.kill(process.pid, "SIGKILL");
let parts;
if (kind === "sqlite") {
  const db = await openSqlite(dbPath);
  parts = sqliteJob(db, model.info, job);
  db.function("die", () => {
    die();
    return 0;
  });
  db.exec(`CREATE TEMP TRIGGER kill AFTER INSERT ON main.preds WHEN NEW.id = ${killAt} BEGIN SELECT die(); END`);
} else {
  const d = await openDuckDB(dbPath);
  let commits = 0;
  const run = d.connection.run.bind(d.connection);
  d.connection.run = async (sql, ...rest) => {
    if (sql === "COMMIT" && ++commits === killAt) die();
    return run(sql, ...rest);
  };
  parts = await duckdbJob(d.duck, d.connection, model.info, job);
}
const pool = new ScorerPool(image, 2);
await runBatch(model, parts.source, parts.target, { chunkRows: 1000, pool });
await pool.close();
console.log("not killed");
