// Nothing lost, nothing twice: a batch run killed (SIGKILL) inside a chunk's transaction, then
// run again by the CLI, leaves every source row scored exactly once, with scikit-learn's
// prediction (the fixture's 20 rows repeated: row id's reference is fixture row (id - 1) % 20).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { fixture, tmp } from "../helpers/batch.js";
import { cli } from "../helpers/cli.js";
import { expectAllClose, TOL } from "../helpers/close.js";

const N = 12_000;
const f = fixture("skl_lr_multinomial_iris");
const child = new URL("./kill-child.mjs", import.meta.url).pathname;
const insertSql = () => {
  const rows = Array.from({ length: N }, (_, i) => `(${i + 1}, ${f.ref.inputs[i % 20]!.join(", ")})`);
  return `INSERT INTO readings VALUES ${rows.join(", ")}`;
};
const create = `CREATE TABLE readings (id BIGINT PRIMARY KEY, ${f.columns.map((c) => `${c} DOUBLE`).join(", ")})`;

/** Every id once, each with the reference label and probabilities of its fixture row. */
function expectEveryRowOnce(got: Array<Record<string, unknown>>): void {
  expect(got.map((r) => Number(r.id))).toEqual(Array.from({ length: N }, (_, i) => i + 1));
  const labels = f.ref.expected.predict!;
  const proba = f.ref.expected.predict_proba as number[][];
  expect(got.map((r) => Number(r.output_label))).toEqual(got.map((_, i) => labels[i % 20]));
  const p = got.flatMap((r) => [0, 1, 2].map((k) => Number(r[`output_probability_${k}`])));
  expectAllClose(
    p,
    got.flatMap((_, i) => proba[i % 20]!),
    TOL.framework,
  );
}

const rerun = (db: string) =>
  cli([
    "batch",
    f.onnxPath,
    "--db",
    db,
    "--table",
    "readings",
    "--into",
    "preds",
    "--key",
    "id",
    "--columns",
    f.columns.join(","),
    "--workers",
    "2",
    "--chunk-rows",
    "1000",
    "--json",
  ]);

describe("an interrupted batch run, then a rerun", () => {
  it("SQLite: killed while inserting row 7777 of 12000; the rerun scores the other 5000", async () => {
    const db = join(tmp("kill"), "t.sqlite");
    const d = new Database(db);
    d.exec(create);
    d.exec(insertSql());
    d.close();
    const r = spawnSync(process.execPath, [child, "sqlite", db, f.onnxPath, "7777", f.columns.join(",")], {
      encoding: "utf8",
    });
    expect(r.signal).toBe("SIGKILL");
    const after = await rerun(db);
    expect(after.err).toBe("");
    expect(JSON.parse(after.out)).toMatchObject({ total: N, scored: N - 7000, bad: 0, alreadyDone: 7000 });
    const check = new Database(db, { readonly: true });
    expectEveryRowOnce(check.prepare("SELECT * FROM preds ORDER BY id").all() as Array<Record<string, unknown>>);
    check.close();
  });

  it("DuckDB: killed before the 4th chunk's COMMIT; the rerun scores the other 9000", async () => {
    const db = join(tmp("kill"), "t.duckdb");
    let inst = await DuckDBInstance.create(db);
    let c = await inst.connect();
    await c.run(create);
    await c.run(insertSql());
    c.closeSync();
    inst.closeSync();
    const r = spawnSync(process.execPath, [child, "duckdb", db, f.onnxPath, "4", f.columns.join(",")], {
      encoding: "utf8",
    });
    expect(r.signal).toBe("SIGKILL");
    const after = await rerun(db);
    expect(after.err).toBe("");
    expect(JSON.parse(after.out)).toMatchObject({ total: N, scored: N - 3000, bad: 0, alreadyDone: 3000 });
    inst = await DuckDBInstance.create(db);
    c = await inst.connect();
    expectEveryRowOnce((await c.runAndReadAll("SELECT * FROM preds ORDER BY id")).getRowObjectsJS());
    c.closeSync();
    inst.closeSync();
  });
});
