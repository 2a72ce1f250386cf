/**
 * Batch scoring into SQL tables (bench/results/batch.md): rows/s end to end, from a source
 * table of N rows to a target table of N result rows, in SQLite (better-sqlite3) and DuckDB,
 * for the blog's logistic regression and MLP 64-128-64-10 (bench/models), against, in the same
 * run: (c) the database's own ceiling, the same pipeline with no model (every result 0);
 * (a) the logistic regression as a SQL expression (what OrbitalML generates), INSERT … SELECT;
 * (b) onnxruntime-node (one thread) scoring the same chunks in the same pipeline. Also the
 * model as a SQL function (registerSqlite, registerDuckDB) against the SQL expression.
 * Every contender's target is checked against the framework's answers before it counts.
 * N: BATCH_ROWS (default 200000); each figure is the median of 3 runs after an untimed one.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { DuckDBInstance } from "@duckdb/node-api";
import Database from "better-sqlite3";
import { duckdbJob, openDuckDB } from "../src/batch/duckdb.js";
import { type BatchSource, type BatchTarget, runBatch } from "../src/batch/engine.js";
import { openSqlite, sqliteJob } from "../src/batch/sqlite.js";
import { registerDuckDB, registerSqlite } from "../src/batch/udf.js";
import type { ScorerPool } from "../src/batch/workers.js";
import { ScorerPool as Pool } from "../src/batch/workers.js";
import { Model } from "../src/index.js";
import { pack } from "../src/pack.js";
import { type BenchModel, trainedModels } from "./models.js";
import { type Any, notInstalled, ORT_NODE_OPTIONS, peerRequire } from "./peer-load.js";
import { root } from "./suite.js";

const N = Number(process.env.BATCH_ROWS ?? 200_000);
const REPS = 3;
const dir = "/tmp/edgeinfer-batch-bench";
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const models = trainedModels().filter((m) => m.id === "blog_lr" || m.id === "mlp_64_128_64_10");
const ortMissing = notInstalled("onnxruntime-node");
const ort: Any = ortMissing ? undefined : peerRequire("onnxruntime-node");

/** onnxruntime-node as the engine's scorer: the same chunks, outputs laid out as edgeinfer's. */
async function ortPool(m: BenchModel, model: Model): Promise<ScorerPool> {
  const session = await ort.InferenceSession.create(m.onnx, ORT_NODE_OPTIONS);
  const outs = model.info.outputs;
  const nOut = model.info.outputLength;
  return {
    size: 1,
    async score(values: Float32Array, nRows: number) {
      const r = await session.run({ [m.inputName]: new ort.Tensor("float32", values, [nRows, m.nIn]) });
      const y = new Float32Array(nRows * nOut);
      for (const o of outs) {
        const d = r[o.name].data as ArrayLike<number | bigint>;
        for (let i = 0; i < nRows; i++)
          for (let k = 0; k < o.length; k++) y[i * nOut + o.offset + k] = Number(d[i * o.length + k]!);
      }
      return y;
    },
    async close() {},
  } as unknown as ScorerPool;
}

/** The pipeline with no model: results are zeros, the reading and writing is all there is. */
const noModel = (model: Model) =>
  ({
    info: model.info,
    predictBatch: (_v: Float32Array, n: number) => new Float32Array(n * model.info.outputLength),
  }) as unknown as Model;

function rowsOf(m: BenchModel): number[][] {
  return Array.from({ length: N }, (_, i) =>
    Array.from(m.rows.subarray((i % m.nRows) * m.nIn, ((i % m.nRows) + 1) * m.nIn)),
  );
}

/** The output column checked: the probability of class 1 (blog) or output value 0 (MLP). */
function checkColumn(m: BenchModel, model: Model): string {
  const o = model.info.outputs.find((x) => x.name === m.outputName)!;
  const i = m.id === "blog_lr" ? 1 : 0;
  return o.length === 1 ? o.name : `${o.name}_${o.labels?.[i] ?? i}`;
}

function expectAnswers(what: string, m: BenchModel, got: Array<{ id: number | bigint; v: number }>): void {
  if (got.length !== N) throw new Error(`${what}: ${got.length} rows, expected ${N}`);
  const idx = m.id === "blog_lr" ? 1 : 0;
  let worst = 0;
  for (const r of got) worst = Math.max(worst, Math.abs(r.v - m.expected[(Number(r.id) - 1) % m.nRows]![idx]!));
  const tol = m.tol.abs + 1e-5;
  if (!(worst <= tol)) throw new Error(`${what}: max difference ${worst} exceeds ${tol}; not timing a wrong answer`);
}

type Db = "SQLite" | "DuckDB";
const results: Array<{ db: Db; model: string; name: string; rowsPerSecond: number }> = [];

async function makeSource(db: Db, m: BenchModel, cols: string[]): Promise<string> {
  const path = `${dir}/${m.id}.${db === "SQLite" ? "sqlite" : "duckdb"}`;
  const rows = rowsOf(m);
  if (db === "SQLite") {
    const d = new Database(path);
    d.exec(`CREATE TABLE src (id INTEGER PRIMARY KEY, ${cols.map((c) => `${c} REAL`).join(", ")})`);
    const ins = d.prepare(`INSERT INTO src VALUES (?, ${cols.map(() => "?").join(", ")})`);
    d.transaction(() => rows.forEach((r, i) => ins.run(i + 1, ...r)))();
    d.close();
  } else {
    const inst = await DuckDBInstance.create(path);
    const c = await inst.connect();
    await c.run(`CREATE TABLE src (id BIGINT PRIMARY KEY, ${cols.map((x) => `${x} DOUBLE`).join(", ")})`);
    const a = await c.createAppender("src");
    rows.forEach((r, i) => {
      a.appendBigInt(BigInt(i + 1));
      for (const v of r) a.appendDouble(v);
      a.endRow();
    });
    a.closeSync();
    c.closeSync();
    inst.closeSync();
  }
  return path;
}

async function readTarget(db: Db, path: string, table: string, col: string) {
  const sql = `SELECT id, "${col}" AS v FROM ${table} ORDER BY id`;
  if (db === "SQLite") {
    const d = new Database(path, { readonly: true });
    const r = d.prepare(sql).all() as Array<{ id: number; v: number }>;
    d.close();
    return r;
  }
  const inst = await DuckDBInstance.create(path);
  const c = await inst.connect();
  const r = (await c.runAndReadAll(sql)).getRowObjectsJS() as Array<{ id: bigint; v: number }>;
  c.closeSync();
  inst.closeSync();
  return r;
}

/** One run of the pipeline into a fresh target table; returns seconds. */
async function pipeline(db: Db, path: string, model: Model, cols: string[], pool?: ScorerPool): Promise<number> {
  const job = {
    source: "src",
    into: "t",
    errors: "t_errors",
    key: "id",
    features: cols,
    model: "m",
    version: "v",
    nanOk: false,
  };
  let parts: { source: BatchSource; target: BatchTarget };
  let close: () => void;
  if (db === "SQLite") {
    const d = await openSqlite(path);
    d.exec('DROP TABLE IF EXISTS t; DROP TABLE IF EXISTS "t_errors"');
    parts = sqliteJob(d, model.info, job);
    close = () => d.close();
  } else {
    const d = await openDuckDB(path);
    await d.connection.run('DROP TABLE IF EXISTS t; DROP TABLE IF EXISTS "t_errors"');
    const reader = await d.instance.connect();
    parts = await duckdbJob(d.duck, d.connection, model.info, job, reader);
    close = () => {
      reader.closeSync();
      d.connection.closeSync();
      d.instance.closeSync();
    };
  }
  const s = await runBatch(model, parts.source, parts.target, { chunkRows: 4096, pool });
  close();
  if (s.scored !== N) throw new Error(`scored ${s.scored} of ${N}`);
  return s.seconds;
}

interface Contender {
  name: string;
  run: () => Promise<number>;
  check?: () => Promise<void>;
}

/**
 * Each contender once untimed (the JIT warms up, the answers are checked), then REPS rounds
 * of every contender in turn: a load from elsewhere on the machine falls on all of them alike.
 */
async function timeAll(db: Db, m: BenchModel, contenders: Contender[]) {
  for (const c of contenders) {
    await c.run();
    if (c.check) await c.check();
  }
  const secs = contenders.map(() => [] as number[]);
  for (let i = 0; i < REPS; i++) for (const [k, c] of contenders.entries()) secs[k]!.push(await c.run());
  contenders.forEach((c, k) => {
    results.push({ db, model: m.label, name: c.name, rowsPerSecond: N / median(secs[k]!) });
    console.log(`${db} ${m.id} ${c.name}: ${Math.round(N / median(secs[k]!))} rows/s`);
  });
}

for (const m of models) {
  const model = Model.load(pack(m.onnx));
  const cols = Array.from({ length: m.nIn }, (_, i) => `x${i + 1}`);
  const col = checkColumn(m, model);
  const workers = availableParallelism();
  for (const db of ["SQLite", "DuckDB"] as const) {
    const path = await makeSource(db, m, cols);
    const check = (what: string) => async () =>
      expectAnswers(`${db} ${m.id} ${what}`, m, await readTarget(db, path, "t", col));
    const pool = new Pool(pack(m.onnx), workers);
    const contenders: Contender[] = [
      { name: "(c) ceiling: no model", run: () => pipeline(db, path, noModel(model), cols) },
      { name: "edgeinfer, this thread", run: () => pipeline(db, path, model, cols), check: check("edgeinfer") },
      {
        name: `edgeinfer, ${workers} workers`,
        run: () => pipeline(db, path, model, cols, pool),
        check: check("workers"),
      },
    ];
    if (ort) {
      const p = await ortPool(m, model);
      contenders.push({
        name: "(b) onnxruntime-node, same pipeline",
        run: () => pipeline(db, path, model, cols, p),
        check: check("ort"),
      });
    }
    await timeAll(db, m, contenders);
    await pool.close();
    if (m.id === "blog_lr") await sqlContenders(db, path, m, model, cols);
  }
}

/** (a) The logistic regression as a SQL expression, and the model as a SQL function. */
async function sqlContenders(db: Db, path: string, m: BenchModel, model: Model, cols: string[]) {
  // scikit-learn's binary logistic regression: p1 = 1 / (1 + exp(-(b + w·x))), one coefficient row.
  const layer = m.layers![0]!;
  if (layer.nOut !== 1) throw new Error("the SQL expression is written for one coefficient row");
  const expr = `1.0 / (1.0 + exp(-(${layer.b[0]!} + ${cols.map((c, i) => `${layer.W[i]!} * ${c}`).join(" + ")})))`;
  const insert = `CREATE TABLE t AS SELECT id, ${expr} AS v FROM src`;
  const udfSql = `SELECT sum(blog_proba(${cols.join(", ")}, '1')) FROM src`;
  const exprSum = `SELECT sum(${expr}) FROM src`;
  // Gathered here, timed together (timeAll) before the database closes.
  const list: Contender[] = [];
  const time = (
    _db: Db,
    _m: BenchModel,
    name: string,
    run: () => number | Promise<number>,
    check?: () => Promise<void>,
  ) => {
    list.push({ name, run: async () => run(), ...(check ? { check } : {}) });
  };
  if (db === "SQLite") {
    const d = new Database(path);
    const run = () => {
      d.exec("DROP TABLE IF EXISTS t");
      const t0 = performance.now();
      d.exec(insert);
      return (performance.now() - t0) / 1000;
    };
    time(
      db,
      m,
      "(a) SQL expression, CREATE TABLE AS SELECT",
      async () => run(),
      async () =>
        expectAnswers(
          "SQLite expression",
          m,
          d.prepare("SELECT id, v FROM t ORDER BY id").all() as Array<{ id: number; v: number }>,
        ),
    );
    registerSqlite(d, "blog", model);
    const one = (sql: string) => {
      const t0 = performance.now();
      d.prepare(sql).pluck().get();
      return (performance.now() - t0) / 1000;
    };
    time(db, m, "SQL function registerSqlite: SELECT sum(f(x))", async () => one(udfSql));
    time(db, m, "(a) SQL expression: SELECT sum(expr)", async () => one(exprSum));
    if (Math.abs((d.prepare(udfSql).pluck().get() as number) - (d.prepare(exprSum).pluck().get() as number)) > N * 1e-5)
      throw new Error("SQLite: the function and the expression disagree");
    await timeAll(db, m, list);
    d.close();
  } else {
    const inst = await DuckDBInstance.create(path);
    const c = await inst.connect();
    const run = async () => {
      await c.run("DROP TABLE IF EXISTS t");
      const t0 = performance.now();
      await c.run(insert);
      return (performance.now() - t0) / 1000;
    };
    time(db, m, "(a) SQL expression, CREATE TABLE AS SELECT", run, async () =>
      expectAnswers(
        "DuckDB expression",
        m,
        (await c.runAndReadAll("SELECT id, v FROM t ORDER BY id")).getRowObjectsJS() as Array<{
          id: bigint;
          v: number;
        }>,
      ),
    );
    await registerDuckDB(c, "blog", model);
    const one = async (sql: string) => {
      const t0 = performance.now();
      await c.runAndReadAll(sql);
      return (performance.now() - t0) / 1000;
    };
    time(db, m, "SQL function registerDuckDB: SELECT sum(f(x))", () => one(udfSql));
    time(db, m, "(a) SQL expression: SELECT sum(expr)", () => one(exprSum));
    const a = Number((await c.runAndReadAll(udfSql)).getRows()[0]![0]);
    const b = Number((await c.runAndReadAll(exprSum)).getRows()[0]![0]);
    if (Math.abs(a - b) > N * 1e-5) throw new Error(`DuckDB: the function (${a}) and the expression (${b}) disagree`);
    await timeAll(db, m, list);
    c.closeSync();
    inst.closeSync();
  }
}

const fmt = (x: number) => Math.round(x).toLocaleString("en-US");
const lines = [
  "# Batch scoring into SQL tables",
  "",
  `\`node dist/bench/batch.bench.js\` (bench/batch.bench.ts), ${N.toLocaleString("en-US")} rows, median of ${REPS} runs after an untimed one, ${cpus()[0]?.model ?? "?"} × ${cpus().length} (shared with other jobs: load average ${loadavg()[0]!.toFixed(1)} at the end), Node ${process.version}.`,
  "Every contender's target table was checked against the framework's answers (within 1e-5) before its time counted.",
  "End to end: read the source in 4,096-row chunks in key order, score, write each chunk's results in one transaction (the full target row: key, outputs, label, model, model_version, scored_at).",
  "(a) is one statement writing the key and the probability only; the SQL-function rows are SELECT sum(f(x)) over the table, nothing written.",
  "Ratios in a column are within one run; the machine is shared, so a few percent either way is noise.",
  ortMissing ? `\n(b) skipped: ${ortMissing}.\n` : "",
];
for (const db of ["SQLite", "DuckDB"] as const)
  for (const m of models) {
    const rs = results.filter((r) => r.db === db && r.model === m.label);
    const ceiling = rs[0]!.rowsPerSecond;
    const ours = rs.find((r) => r.name === "edgeinfer, this thread")!.rowsPerSecond;
    lines.push(
      `## ${db}, ${m.label}`,
      "",
      "| pipeline | rows/s | vs ceiling | edgeinfer (this thread) vs it |",
      "|---|---:|---:|---:|",
    );
    for (const r of rs)
      lines.push(
        `| ${r.name} | ${fmt(r.rowsPerSecond)} | ${(r.rowsPerSecond / ceiling).toFixed(2)} | ${(ours / r.rowsPerSecond).toFixed(2)} |`,
      );
    lines.push("");
  }
writeFileSync(root("bench/results/batch.md"), `${lines.join("\n")}\n`);
console.log(lines.join("\n"));
