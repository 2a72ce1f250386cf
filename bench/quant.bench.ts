/**
 * f32 against int8 on whole MLPs, in one process (ratios are what count on a noisy machine):
 * the 784-256-128-10 MLP (He-initialised random weights, ReLU, softmax) and the scikit-learn
 * digits MLP of test/fixtures/json. Bytes, single-row latency and batch throughput. Before
 * timing, every model is checked: f32 against a float64 reference, int8 against the same
 * reference within its quantization error and by top class.
 */
import { readFileSync } from "node:fs";
import { Bench } from "tinybench";
import { Model } from "../src/index.js";
import { type JsonModel, pack } from "../src/pack.js";
import { report, root } from "./suite.js";

function rand(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

/** A 784-256-128-10 MLP with uniform He-scaled weights (out × in). */
function mnistShapedMlp(): JsonModel {
  const r = rand(784256);
  const sizes = [784, 256, 128, 10];
  const layers = sizes.slice(1).map((nOut, k) => {
    const nIn = sizes[k]!,
      lim = Math.sqrt(6 / nIn);
    return {
      weights: Array.from({ length: nOut }, () => Array.from({ length: nIn }, () => r() * lim)),
      bias: Array.from({ length: nOut }, () => r() * 0.1),
      activation: (k === 2 ? "softmax" : "relu") as "softmax" | "relu",
    };
  });
  return { kind: "mlp", producer: "bench", layers, classes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] };
}

/** float64 forward pass of a JSON MLP (out_in or in_out layout). */
function forward(m: JsonModel, x: ArrayLike<number>): number[] {
  let v = Array.from(x);
  for (const l of m.layers!) {
    const w = m.weightsLayout === "in_out" ? l.weights[0]!.map((_, o) => l.weights.map((row) => row[o]!)) : l.weights;
    v = w.map((row, o) => row.reduce((a, wi, i) => a + wi * v[i]!, l.bias[o]!));
    if (l.activation === "relu") v = v.map((t) => Math.max(0, t));
    if (l.activation === "softmax") {
      const mx = Math.max(...v);
      const e = v.map((t) => Math.exp(t - mx));
      const s = e.reduce((a, b) => a + b);
      v = e.map((t) => t / s);
    }
  }
  return v;
}
const argmax = (v: ArrayLike<number>) => {
  let k = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[k]!) k = i;
  return k;
};

const ROWS = 256;
const digits = JSON.parse(readFileSync(root("test/fixtures/json/mlp_digits.json"), "utf8")) as {
  model: JsonModel;
  rows: number[][];
};
const r = rand(7);
const cases: Array<[string, JsonModel, Float32Array, number, number[][]]> = [
  [
    "784-256-128-10",
    mnistShapedMlp(),
    Float32Array.from({ length: ROWS * 784 }, () => (r() + 1) / 2),
    784,
    Array.from({ length: 256 }, () => Array.from({ length: 784 }, () => (r() + 1) / 2)),
  ], // calibration rows, not the timed ones
  [
    "digits 64-32-16-10",
    digits.model,
    Float32Array.from({ length: ROWS * 64 }, (_, i) => digits.rows[Math.floor(i / 64) % digits.rows.length]![i % 64]!),
    64,
    digits.rows,
  ],
];

const bench = new Bench({ name: `f32 vs int8 MLPs, ${ROWS} rows per task`, time: 1500, warmup: true, warmupTime: 300 });
const sizes: string[] = [];
for (const [name, json, rows, nIn, calibration] of cases) {
  const want = Array.from({ length: ROWS }, (_, k) => forward(json, rows.subarray(k * nIn, (k + 1) * nIn)));
  const bytes: Record<string, number> = {};
  let matrices = "";
  for (const kind of ["f32", "int8", "int8 calibrated"] as const) {
    const image = pack(
      json,
      kind === "f32" ? {} : kind === "int8" ? { quantize: "int8" } : { quantize: "int8", calibration },
    );
    const model = Model.load(image);
    bytes[kind] = model.info.weightsBytes;
    const qr = model.info.quantReport;
    if (qr)
      matrices = `weight matrices ${qr.floatMatrixBytes} B f32, ${qr.matrixBytes} B int8 with scales (${((100 * qr.matrixBytes) / qr.floatMatrixBytes).toFixed(1)} %); `;
    const out = new Float32Array(ROWS * model.info.outputLength);
    const got = model.predictBatch(rows, ROWS, out);
    let worst = 0,
      agree = 0;
    for (let k = 0; k < ROWS; k++) {
      const row = got.subarray(k * 10, k * 10 + 10);
      for (let j = 0; j < 10; j++) worst = Math.max(worst, Math.abs(row[j]! - want[k]![j]!));
      if (argmax(row) === argmax(want[k]!)) agree++;
      const one = model.predict(rows.subarray(k * nIn, (k + 1) * nIn));
      for (let j = 0; j < 10; j++)
        if (one[j] !== row[j]) throw new Error(`${name} ${kind}: row ${k} differs alone and in a batch`);
    }
    const tol = kind === "f32" ? 1e-4 : 0.05;
    if (!(worst <= tol) || agree < ROWS * 0.97)
      throw new Error(
        `${name} ${kind}: max difference ${worst} (tolerance ${tol}), top class agrees on ${agree}/${ROWS}: not timing a wrong answer`,
      );
    const views = Array.from({ length: ROWS }, (_, k) => rows.subarray(k * nIn, (k + 1) * nIn));
    bench.add(`${name} ${kind}, one row at a time`, () => {
      for (let k = 0; k < ROWS; k++) model.predict(views[k]!);
    });
    bench.add(`${name} ${kind}, predictBatch`, () => {
      model.predictBatch(rows, ROWS, out);
    });
    if (kind !== "f32")
      sizes.push(
        `${name} ${kind}: ${matrices}weights section ${bytes.f32} B f32, ${bytes[kind]} B int8 (${((100 * bytes[kind]!) / bytes.f32!).toFixed(1)} %); max |diff| to float64 ${worst.toExponential(2)}, top class ${agree}/${ROWS}`,
      );
  }
}

await bench.run();
report(bench, { perTask: ROWS, unit: "row", baseline: "784-256-128-10 f32, one row at a time", json: "quant" });
for (const s of sizes) console.log(`  ${s}`);
const ns = (t: string) => {
  const x = bench.tasks.find((k) => k.name === t)?.result as { latency?: { p50?: number } } | undefined;
  return x?.latency?.p50 ?? NaN;
};
for (const [name] of cases) {
  for (const mode of ["one row at a time", "predictBatch"]) {
    for (const kind of ["int8", "int8 calibrated"])
      console.log(
        `  ${name} ${mode}: ${kind} is ${(ns(`${name} f32, ${mode}`) / ns(`${name} ${kind}, ${mode}`)).toFixed(2)}× f32`,
      );
  }
}
