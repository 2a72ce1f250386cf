/**
 * `npm start`: the blog's logistic regression, end to end. Packs scikit-learn's coefficients,
 * loads them into the wasm runtime, predicts all 1000 rows one at a time and in one batch,
 * and prints how far the answers are from scikit-learn's predict_proba, the bytes of the wasm
 * and of the packed model, and the speed.
 */
import { readFileSync } from "node:fs";
import { kernelBytes, Model } from "../../src/index.js";
import { pack } from "../../src/pack.js";

// Works from src (vitest) and from dist/ (npm start): find the folder holding model.json.
const here = [new URL("./", import.meta.url), new URL("../../../examples/logistic-regression/", import.meta.url)].find(
  (u) => {
    try {
      readFileSync(new URL("model.json", u));
      return true;
    } catch {
      return false;
    }
  },
)!;
const read = (name: string) => readFileSync(new URL(name, here), "utf8");
const csv = (name: string) =>
  read(name)
    .trim()
    .split("\n")
    .slice(1)
    .map((l) => l.split(",").map(Number));

const data = csv("data.csv"); // x1, x2, y
const proba = csv("proba.csv"); // scikit-learn's predict_proba: p0, p1
const nRows = data.length;
const rows = Float32Array.from(data.flatMap(([x1, x2]) => [x1!, x2!]));

const image = pack(read("model.json"));
const model = Model.load(image);

// One row at a time: predict returns a reused view, so compare before the next call.
let worstSingle = 0;
for (let r = 0; r < nRows; r++) {
  const y = model.predict(rows.subarray(2 * r, 2 * r + 2));
  worstSingle = Math.max(worstSingle, Math.abs(y[0]! - proba[r]![0]!), Math.abs(y[1]! - proba[r]![1]!));
}
// All rows in one call.
const batch = model.predictBatch(rows, nRows);
let worstBatch = 0;
for (let r = 0; r < nRows; r++)
  worstBatch = Math.max(
    worstBatch,
    Math.abs(batch[2 * r]! - proba[r]![0]!),
    Math.abs(batch[2 * r + 1]! - proba[r]![1]!),
  );

/** Median of `runs` timings of fn(), in ns per unit of work. */
function medianNs(fn: () => void, units: number, runs = 15): number {
  for (let i = 0; i < 5; i++) fn(); // warm up past the baseline compiler
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    t.push(((performance.now() - t0) * 1e6) / units);
  }
  return t.sort((a, b) => a - b)[runs >> 1]!;
}

const reps = 200;
const rowArrays = data.map(([x1, x2]) => Float32Array.of(x1!, x2!)); // made once: timing predict, not subarray()
const single = medianNs(() => {
  for (let k = 0; k < reps; k++) for (let r = 0; r < nRows; r++) model.predict(rowArrays[r]!);
}, reps * nRows);
const bigRows = new Float32Array(2 * 1_000_000).map((_, i) => rows[i % rows.length]!);
const bigOut = new Float32Array(2 * 1_000_000);
const batchNs = medianNs(() => model.predictBatch(bigRows, 1_000_000, bigOut), 1_000_000, 9);

const fmt = (n: number) => n.toExponential(2);
console.log(
  `edgeinfer demo: the blog's logistic regression (n = ${nRows}, seed 66), scikit-learn ${model.info.producer.split(" ")[1] ?? ""}`,
);
console.log(
  `  model        ${model.info.kind}, ${model.info.inputLength} features (${model.info.featureNames?.join(", ")}), classes ${JSON.stringify(model.info.outputs[0]!.labels)}`,
);
console.log(
  `  wasm         ${kernelBytes("simd").length} bytes (SIMD build), ${kernelBytes("scalar").length} bytes (scalar build); running ${model.info.build}`,
);
console.log(`  packed model ${image.length} bytes; memory when loaded ${model.info.memoryBytes} bytes`);
console.log(
  `  max |edgeinfer − scikit-learn predict_proba|: one row at a time ${fmt(worstSingle)}, batch ${fmt(worstBatch)}`,
);
console.log(
  `  speed        ${single.toFixed(1)} ns per single-row predict; ${(1e3 / batchNs).toFixed(0)} M rows/s in batch (median)`,
);
if (worstSingle > 1e-6 || worstBatch > 1e-6) {
  console.error("FAIL: the difference to scikit-learn exceeds 1e-6");
  process.exitCode = 1;
}
