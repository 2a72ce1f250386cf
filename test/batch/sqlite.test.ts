// edgeinfer batch into SQLite files: the target's predictions against scikit-learn's own
// (test/fixtures/onnx), bad rows recorded with their reasons, reruns that score nothing twice.
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { expectTargetRows, type Fixture, fixture, tmp } from "../helpers/batch.js";
import { cli } from "../helpers/cli.js";

/** A SQLite file with the fixture's rows in table `readings` (id 1…n) and `bad` appended after them. */
function sqliteOf(f: Fixture, bad: unknown[][] = []): string {
  const path = join(tmp("sqlite"), "t.sqlite");
  const db = new Database(path);
  db.exec(`CREATE TABLE readings (id INTEGER PRIMARY KEY, ${f.columns.map((c) => `${c} REAL`).join(", ")})`);
  const ins = db.prepare(
    `INSERT INTO readings (${f.columns.join(", ")}) VALUES (${f.columns.map(() => "?").join(", ")})`,
  );
  for (const r of [...f.ref.inputs, ...bad]) ins.run(r);
  db.close();
  return path;
}

function rows(path: string, sql: string): Array<Record<string, unknown>> {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).all() as Array<Record<string, unknown>>;
  } finally {
    db.close();
  }
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

describe("batch into SQLite", () => {
  it.each([
    ["skl_lr_multinomial_iris", "0"],
    ["skl_mlp_iris_relu", "2"],
    ["skl_lr_iris_string_labels", "0"],
    ["skl_linreg_diabetes", "2"],
    ["skl_tree_dt_clf_iris", "0"],
    ["skl_scaler_lr_binary_bc", "2"],
  ])("%s (workers %s): scikit-learn's predictions, one row per source row", async (name, workers) => {
    const f = fixture(name);
    const db = sqliteOf(f);
    const r = await batch(f, db, "--workers", workers, "--chunk-rows", "3", "--json");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const n = f.ref.inputs.length;
    expect(JSON.parse(r.out)).toMatchObject({ total: n, scored: n, bad: 0, alreadyDone: 0, interrupted: false });
    expectTargetRows(f, rows(db, "SELECT * FROM preds ORDER BY rowid"));
    const keys = rows(db, "SELECT rowid AS k FROM preds ORDER BY rowid").map((x) => x.k);
    expect(keys).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  });

  it("a rerun scores nothing twice; --rescore scores every row again", async () => {
    const f = fixture("skl_lr_multinomial_iris");
    const db = sqliteOf(f, [[null, 1, 2, 3]]);
    await batch(f, db, "--workers", "0");
    const again = await batch(f, db, "--workers", "0", "--json");
    expect(JSON.parse(again.out)).toMatchObject({ total: 21, scored: 0, bad: 0, alreadyDone: 21 });
    const re = await batch(f, db, "--workers", "0", "--json", "--rescore");
    expect(JSON.parse(re.out)).toMatchObject({ total: 21, scored: 20, bad: 1, alreadyDone: 0 });
    expect(rows(db, "SELECT count(*) AS n FROM preds")[0]!.n).toBe(20);
    expect(rows(db, "SELECT count(*) AS n FROM preds_errors")[0]!.n).toBe(1);
  });

  it("rows appended later are the only ones a rerun scores", async () => {
    const f = fixture("skl_lr_multinomial_iris");
    const db = sqliteOf(f);
    await batch(f, db, "--workers", "0", "--where", "id <= 12");
    const later = await batch(f, db, "--workers", "0", "--json");
    expect(JSON.parse(later.out)).toMatchObject({ total: 20, scored: 8, alreadyDone: 12 });
    expectTargetRows(f, rows(db, "SELECT * FROM preds ORDER BY rowid"));
  });

  it("bad rows go to the errors table with their key, column and reason", async () => {
    const f = fixture("skl_lr_multinomial_iris");
    const db = sqliteOf(f, [
      [null, 1, 2, 3],
      [1, "abc", 2, 3],
      [1, 2, 1e39, 3],
      [1, 2, 3, Buffer.from([1, 2])],
    ]);
    const r = await batch(f, db, "--workers", "0", "--chunk-rows", "7", "--json");
    expect(JSON.parse(r.out)).toMatchObject({ total: 24, scored: 20, bad: 4 });
    expect(rows(db, `SELECT "key", "column", reason FROM preds_errors ORDER BY "key"`)).toEqual([
      { key: 21, column: "f0", reason: "NULL" },
      { key: 22, column: "f1", reason: 'text "abc"' },
      { key: 23, column: "f2", reason: "1e+39 is outside float32's range" },
      { key: 24, column: "f3", reason: "not a number (Buffer)" },
    ]);
    expectTargetRows(f, rows(db, "SELECT * FROM preds ORDER BY rowid"));
  });

  it("--strict stops at the first bad row and keeps the chunks before it", async () => {
    const f = fixture("skl_lr_multinomial_iris");
    const db = sqliteOf(f);
    const d = new Database(db);
    d.prepare("UPDATE readings SET f2 = NULL WHERE id = 8").run();
    d.close();
    const r = await batch(f, db, "--workers", "0", "--chunk-rows", "5", "--strict");
    expect(r.code).toBe(2);
    expect(r.err).toBe('error[E_INPUT]: table "readings", row 8, column "f2": NULL\n');
    expect(rows(db, "SELECT rowid AS k FROM preds ORDER BY rowid").map((x) => x.k)).toEqual([1, 2, 3, 4, 5]);
  });

  it("a --key column keys the target; model and model_version say what scored it", async () => {
    const f = fixture("skl_lr_multinomial_iris");
    const db = sqliteOf(f);
    const d = new Database(db);
    d.exec("ALTER TABLE readings ADD COLUMN sensor TEXT; UPDATE readings SET sensor = 's' || printf('%03d', 100 - id)");
    d.close();
    const r = await batch(f, db, "--workers", "0", "--key", "sensor", "--name", "iris");
    expect(r.code).toBe(0);
    const got = rows(db, "SELECT sensor, model, model_version FROM preds ORDER BY sensor");
    expect(got.map((x) => x.sensor)).toEqual(
      Array.from({ length: 20 }, (_, i) => `s${String(80 + i).padStart(3, "0")}`),
    );
    expect(new Set(got.map((x) => `${x.model} ${x.model_version}`)).size).toBe(1);
    expect(got[0]!.model).toBe("iris");
    expect(got[0]!.model_version).toMatch(/^[0-9a-f]{12}$/);
  });

  it("a missing feature column is named", async () => {
    const f = fixture("skl_lr_multinomial_iris");
    const db = sqliteOf(f);
    const r = await cli([
      "batch",
      f.onnxPath,
      "--db",
      db,
      "--table",
      "readings",
      "--into",
      "p",
      "--columns",
      "f0,f1,f2,x9",
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      'error[E_INPUT]: table "readings", column "x9": no such column (the table has id, f0, f1, f2, f3)\n',
    );
  });
});
