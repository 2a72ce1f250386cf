/**
 * Single-row predict of the seed model (the blog's logistic regression) against a hand-written
 * JavaScript function computing the same thing, and batch throughput against single rows.
 * Every case checks its answer against scikit-learn's predict_proba before it is timed.
 *
 * One kernel build per process (`--simd auto`, the default, or `--simd off`): two builds in one
 * process make predict's call into wasm polymorphic, which alone costs ~10 ns a call on Node 20
 * (as-notes pitfall 9), so a mixed run would measure the benchmark, not edgeinfer.
 */
import { readFileSync } from "node:fs";
import { Bench } from "tinybench";
import { Model } from "../src/index.js";
import { pack } from "../src/pack.js";
import { check, report, root } from "./suite.js";

const ex = root("examples/logistic-regression");
const json = JSON.parse(readFileSync(`${ex}/model.json`, "utf8")) as { coefficients: number[][]; intercept: number[] };
const csv = (name: string) =>
  readFileSync(`${ex}/${name}`, "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((l) => l.split(",").map(Number));
const data = csv("data.csv"),
  proba = csv("proba.csv");
const N = data.length;
const rows = data.map(([a, b]) => Float32Array.of(a!, b!));
const flat = Float32Array.from(data.flatMap(([a, b]) => [a!, b!]));

const image = pack(readFileSync(`${ex}/model.json`, "utf8"));
const simdOption = process.argv.includes("off") ? "off" : "auto";
const model = Model.load(image, { simd: simdOption });
const build = model.info.build;

// The hand-written JavaScript a user would write instead: predict_proba of one row into a reused array.
const [w1, w2] = json.coefficients[0]!,
  b = json.intercept[0]!;
const jsOut = new Float64Array(2);
function jsPredict(x: Float32Array): Float64Array {
  const p = 1 / (1 + Math.exp(-(w1! * x[0]! + w2! * x[1]! + b)));
  jsOut[0] = 1 - p;
  jsOut[1] = p;
  return jsOut;
}

check(`edgeinfer ${build}`, (r) => model.predict(rows[r]!), proba, 1e-6);
check("plain JS", (r) => jsPredict(rows[r]!), proba, 1e-6);
const out = new Float32Array(2 * N);
check(
  `edgeinfer ${build} batch`,
  (r) => (r === 0 ? model.predictBatch(flat, N, out) : out).subarray(2 * r, 2 * r + 2),
  proba,
  1e-6,
);

// Each task runs the 1000 rows once: per-row time = task time / 1000 (tinybench's timer costs ~40 ns).
const bench = new Bench({
  name: `seed model, ${build} build, 1000 rows per task`,
  time: 1500,
  warmup: true,
  warmupTime: 300,
});
bench
  .add("plain JS sigmoid(w·x + b), one row at a time", () => {
    for (let r = 0; r < N; r++) jsPredict(rows[r]!);
  })
  .add(`edgeinfer predict, ${build} build, one row at a time`, () => {
    for (let r = 0; r < N; r++) model.predict(rows[r]!);
  })
  .add(`edgeinfer predictBatch, ${build} build, 1000 rows`, () => {
    model.predictBatch(flat, N, out);
  });
await bench.run();
report(bench, {
  perTask: N,
  unit: "row",
  baseline: "plain JS sigmoid(w·x + b), one row at a time",
  json: `predict-${build}`,
});
