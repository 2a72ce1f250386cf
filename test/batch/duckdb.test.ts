// edgeinfer batch into DuckDB files, and Parquet and CSV files: predictions against
// scikit-learn's own (test/fixtures/onnx), bad rows recorded, reruns that score nothing twice.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { expectTargetRows, type Fixture, fixture, tmp } from "../helpers/batch.js";
import { cli } from "../helpers/cli.js";

const num = (v: unknown) => (typeof v === "bigint" ? Number(v) : v);

async function query(path: string, sql: string): Promise<Array<Record<string, unknown>>> {
  const inst = await DuckDBInstance.create(path);
  const c = await inst.connect();
  try {
    const rows = (await c.runAndReadAll(sql)).getRowObjectsJS();
    return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, num(v)])));
  } finally {
    c.closeSync();
    inst.closeSync();
  }
}

/** A DuckDB file with the fixture's rows (then `bad`) in table `readings`, id 1…n. */
async function duckOf(f: Fixture, bad: string[] = []): Promise<string> {
  const path = join(tmp("duckdb"), "t.duckdb");
  const inst = await DuckDBInstance.create(path);
  const c = await inst.connect();
  await c.run(`CREATE TABLE readings (id BIGINT, ${f.columns.map((x) => `${x} DOUBLE`).join(", ")})`);
  const values = [...f.ref.inputs.map((r) => r.join(", ")), ...bad].map((v, i) => `(${i + 1}, ${v})`);
  await c.run(`INSERT INTO readings VALUES ${values.join(", ")}`);
  c.closeSync();
  inst.closeSync();
  return path;
}

const batch = (f: Fixture, db: string, ...more: string[]) =>
  cli([
    "batch",
    f.onnxPath,
    "--db",
    db,
    "--table",
    "readings",
    "--into",
    "preds",
    "--columns",
    f.columns.join(","),
    ...more,
  ]);

describe("batch into DuckDB", () => {
  it.each([
    ["skl_lr_multinomial_iris", "0"],
    ["skl_mlp_iris_relu", "2"],
    ["skl_lr_iris_string_labels", "2"],
    ["skl_linreg_diabetes", "0"],
  ])("%s (workers %s): scikit-learn's predictions", async (name, workers) => {
    const f = fixture(name);
    const db = await duckOf(f);
    const r = await batch(f, db, "--key", "id", "--workers", workers, "--chunk-rows", "6", "--json");
    expect(r.err).toBe("");
    const n = f.ref.inputs.length;
    expect(JSON.parse(r.out)).toMatchObject({ total: n, scored: n, bad: 0, alreadyDone: 0 });
    const got = await query(db, "SELECT * FROM preds ORDER BY id");
    expectTargetRows(f, got);
    expect(got.map((x) => x.id)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  });

  it("bad rows are recorded; a rerun scores nothing twice", async () => {
    const f = fixture("skl_lr_multinomial_iris");
    const db = await duckOf(f, ["NULL, 1, 2, 3", "1, 'NaN'::DOUBLE, 2, 3", "1, 2, 1e300, 3"]);
    const r = await batch(f, db, "--key", "id", "--workers", "0", "--chunk-rows", "4", "--json");
    expect(JSON.parse(r.out)).toMatchObject({ total: 23, scored: 20, bad: 3 });
    expect(await query(db, `SELECT "key", "column", reason FROM preds_errors ORDER BY "key"`)).toEqual([
      { key: 21, column: "f0", reason: "NULL" },
      { key: 22, column: "f1", reason: "NaN" },
      { key: 23, column: "f2", reason: "1e+300 is outside float32's range" },
    ]);
    const again = await batch(f, db, "--key", "id", "--workers", "0", "--json");
    expect(JSON.parse(again.out)).toMatchObject({ total: 23, scored: 0, bad: 0, alreadyDone: 23 });
    expectTargetRows(f, await query(db, "SELECT * FROM preds ORDER BY id"));
  });

  it("rowid keys the target without --key", async () => {
    const f = fixture("skl_mlp_iris_relu");
    const db = await duckOf(f);
    await batch(f, db, "--workers", "0", "--chunk-rows", "7");
    const got = await query(db, "SELECT * FROM preds ORDER BY rowid");
    expect(got.map((x) => x.rowid)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expectTargetRows(f, got);
  });
});

describe("batch Parquet and CSV files", () => {
  it("Parquet in, Parquet out (through DuckDB)", async () => {
    const f = fixture("skl_lr_multinomial_iris");
    const dir = tmp("parquet");
    const db = await duckOf(f, ["NULL, 1, 2, 3"]);
    const inst = await DuckDBInstance.create(db);
    const c = await inst.connect();
    await c.run(
      `COPY (SELECT ${f.columns.join(", ")} FROM readings ORDER BY id) TO '${dir}/in.parquet' (FORMAT parquet)`,
    );
    c.closeSync();
    inst.closeSync();
    const r = await cli([
      "batch",
      f.onnxPath,
      "--parquet",
      `${dir}/in.parquet`,
      "--out",
      `${dir}/out.parquet`,
      "--columns",
      f.columns.join(","),
      "--workers",
      "0",
      "--json",
    ]);
    expect(r.err).toBe("");
    expect(JSON.parse(r.out)).toMatchObject({ total: 21, scored: 20, bad: 1 });
    const got = await query(":memory:", `SELECT * FROM read_parquet('${dir}/out.parquet') ORDER BY "row"`);
    expectTargetRows(f, got);
    expect(await query(":memory:", `SELECT "key", reason FROM read_parquet('${dir}/out.errors.parquet')`)).toEqual([
      { key: 21, reason: "NULL" },
    ]);
  });

  it("CSV in, CSV out, without a database", async () => {
    const f = fixture("skl_lr_iris_string_labels");
    const dir = tmp("csv");
    const lines = [
      `id,${f.columns.join(",")}`,
      ...f.ref.inputs.map((r, i) => `${101 + i},${r.join(",")}`),
      "500,1,x,2,3",
      "501,,1,2,3",
    ];
    writeFileSync(`${dir}/in.csv`, `${lines.join("\n")}\n`);
    const r = await cli([
      "batch",
      f.onnxPath,
      "--csv",
      `${dir}/in.csv`,
      "--out",
      `${dir}/out.csv`,
      "--key",
      "id",
      "--columns",
      f.columns.join(","),
      "--workers",
      "2",
      "--chunk-rows",
      "5",
      "--json",
    ]);
    expect(r.err).toBe("");
    expect(JSON.parse(r.out)).toMatchObject({ total: 22, scored: 20, bad: 2 });
    const [head, ...body] = readFileSync(`${dir}/out.csv`, "utf8").trim().split("\n");
    const names = head!.split(",");
    const got = body.map((l) => Object.fromEntries(l.split(",").map((v, i) => [names[i]!, v])));
    expect(got.map((x) => x.id)).toEqual(f.ref.inputs.map((_, i) => String(101 + i)));
    expectTargetRows(f, got);
    expect(
      readFileSync(`${dir}/out.errors.csv`, "utf8")
        .split("\n")
        .map((l) => l.split(",").slice(0, 5).join(",")),
    ).toEqual([
      "key,model,model_version,column,reason",
      expect.stringMatching(/^500,skl_lr_iris_string_labels,[0-9a-f]{12},f1,"text ""x"""$/),
      expect.stringMatching(/^501,skl_lr_iris_string_labels,[0-9a-f]{12},f0,NULL$/),
      "",
    ]);
  });
});
