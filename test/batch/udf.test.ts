// Models as SQL functions (registerSqlite, registerDuckDB, edgeinfer sql): labels and class
// probabilities against scikit-learn's own (test/fixtures/onnx), over more rows than one
// DuckDB chunk (the fixture's 20 rows repeated: row id's reference is fixture row (id - 1) % 20).

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { registerDuckDB, registerSqlite } from "../../src/batch/udf.js";
import { Model } from "../../src/index.js";
import { pack } from "../../src/pack.js";
import { fixture, tmp } from "../helpers/batch.js";
import { cli } from "../helpers/cli.js";
import { expectAllClose, TOL } from "../helpers/close.js";

const N = 5000;
const f = fixture("skl_lr_iris_string_labels");
const model = () => Model.load(pack(readFileSync(f.onnxPath)));
const labels = f.ref.expected.predict as string[];
const proba = f.ref.expected.predict_proba as number[][];
const classes = (JSON.parse(readFileSync(f.onnxPath.replace(/\.onnx$/, ".json"), "utf8")) as { classes: string[] })
  .classes;
const values = Array.from({ length: N }, (_, i) => `(${i + 1}, ${f.ref.inputs[i % 20]!.join(", ")})`).join(", ");
const create = `CREATE TABLE readings (id BIGINT, ${f.columns.map((c) => `${c} DOUBLE`).join(", ")})`;
const query = `SELECT id, iris(${f.columns.join(", ")}) AS label, iris_proba(${f.columns.join(", ")}, '${classes[2]}') AS p FROM readings ORDER BY id`;

function expectReference(rows: Array<{ id: unknown; label: unknown; p: unknown }>): void {
  expect(rows.map((r) => Number(r.id))).toEqual(Array.from({ length: N }, (_, i) => i + 1));
  expect(rows.map((r) => r.label)).toEqual(rows.map((_, i) => labels[i % 20]));
  expectAllClose(
    rows.map((r) => Number(r.p)),
    rows.map((_, i) => proba[i % 20]![2]!),
    TOL.framework,
  );
}

describe("models as SQL functions", () => {
  it("registerSqlite: the label and a class's probability, row by row", () => {
    const db = new Database(":memory:");
    db.exec(create);
    db.exec(`INSERT INTO readings VALUES ${values}`);
    registerSqlite(db, "iris", model());
    expectReference(db.prepare(query).all() as Array<{ id: unknown; label: unknown; p: unknown }>);
    expect(db.prepare("SELECT iris(NULL, 1, 2, 3) AS l").get()).toEqual({ l: null });
    expect(() => db.prepare("SELECT iris('a', 1, 2, 3)").get()).toThrow(
      'iris(): argument 1 is text "a"; expected a number (or NULL)',
    );
  });

  it("registerDuckDB: the same over 2,048-row chunks", async () => {
    const inst = await DuckDBInstance.create(":memory:");
    const c = await inst.connect();
    await c.run(create);
    await c.run(`INSERT INTO readings VALUES ${values}`);
    await registerDuckDB(c, "iris", model());
    expectReference(
      (await c.runAndReadAll(query)).getRowObjectsJS() as Array<{ id: unknown; label: unknown; p: unknown }>,
    );
    expect((await c.runAndReadAll("SELECT iris(NULL, 1, 2, 3) AS l")).getRowObjectsJS()).toEqual([{ l: null }]);
    c.closeSync();
    inst.closeSync();
  });

  it.each(["t.sqlite", "t.duckdb"])("edgeinfer sql on %s", async (file) => {
    const path = join(tmp("sql"), file);
    if (file.endsWith(".sqlite")) {
      const db = new Database(path);
      db.exec(create);
      db.exec(`INSERT INTO readings VALUES ${values}`);
      db.close();
    } else {
      const inst = await DuckDBInstance.create(path);
      const c = await inst.connect();
      await c.run(create);
      await c.run(`INSERT INTO readings VALUES ${values}`);
      c.closeSync();
      inst.closeSync();
    }
    const r = await cli(["sql", path, query, "--model", `iris=${f.onnxPath}`, "--json"]);
    expect(r.err).toBe("");
    expectReference(JSON.parse(r.out));
  });
});
