/**
 * What the drift monitor costs inside predict: the same model and rows loaded without and with
 * `monitor`, timed in one process (ratios are what count on a shared machine). The blog's
 * logistic regression (2 features, 2 output channels), MLP 64-128-64-10 (64 features, 10
 * output channels), and a 256-feature linear regression for the cost per feature per row.
 * Before timing: outputs with the monitor equal those without, and the monitor's counts equal
 * the rows binned offline. Writes bench/results/drift.md.
 */
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { Bench } from "tinybench";
import { binOf, buildProfile } from "../src/drift/profile.js";
import { annotateImage } from "../src/format/annotate.js";
import { Model } from "../src/index.js";
import { pack } from "../src/pack.js";
import { trainedModels } from "./models.js";
import { root } from "./suite.js";

const ROWS = 256;

function rand(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

/** The image with the profile of `rows` (the reference is the timed rows themselves). */
function profiled(image: Uint8Array, rows: Float32Array, nRows: number): Uint8Array {
  const m = Model.load(image);
  const outputs = m.predictBatch(rows, nRows);
  const info = m.info;
  m.dispose();
  const profile = buildProfile({
    rows: Float64Array.from(rows.subarray(0, nRows * info.inputLength)),
    nRows,
    inputLength: info.inputLength,
    featureNames: info.featureNames,
    outputs,
    outputLength: info.outputLength,
    outputInfo: info.outputs,
  });
  return annotateImage(image, { profile });
}

function tile(rows: Float32Array, nIn: number): Float32Array {
  const have = rows.length / nIn;
  return Float32Array.from({ length: ROWS * nIn }, (_, i) => rows[(Math.floor(i / nIn) % have) * nIn + (i % nIn)]!);
}

const trained = trainedModels();
const blog = trained.find((m) => m.id === "blog_lr")!;
const mlp = trained.find((m) => m.id === "mlp_64_128_64_10")!;
const r = rand(256);
const WIDE = 256;
const wide = {
  label: `linear regression, ${WIDE} features`,
  image: pack({
    kind: "linear_regression",
    coefficients: Array.from({ length: WIDE }, () => r()),
    intercept: 0.5,
  }),
  rows: Float32Array.from({ length: ROWS * WIDE }, () => r() * 3),
  nIn: WIDE,
};
const cases = [
  {
    label: "blog's logistic regression (2 features)",
    image: pack(blog.edgeinferSource!),
    rows: tile(blog.rows, 2),
    nIn: 2,
  },
  { label: "MLP 64-128-64-10", image: pack(mlp.onnx), rows: tile(mlp.rows, 64), nIn: 64 },
  wide,
];

const bench = new Bench({ name: `drift monitor, ${ROWS} rows per task`, time: 700, warmup: true, warmupTime: 200 });
const channels: Record<string, number> = {};
for (const c of cases) {
  const image = profiled(c.image, c.rows, ROWS);
  const plain = Model.load(image);
  const watched = Model.load(image, { monitor: { window: 100 * ROWS, subWindows: 10 } });
  const nOut = plain.info.outputLength;
  // Check: the same outputs, and the counts of one pass equal the rows binned offline.
  const a = plain.predictBatch(c.rows, ROWS),
    b = watched.predictBatch(c.rows, ROWS);
  if (a.some((v, i) => v !== b[i])) throw new Error(`${c.label}: outputs differ with the monitor`);
  const views = Array.from({ length: ROWS }, (_, k) => c.rows.subarray(k * c.nIn, (k + 1) * c.nIn));
  for (let k = 0; k < ROWS; k++)
    if (watched.predict(views[k]!).some((v, i) => v !== a[k * nOut + i]))
      throw new Error(`${c.label}: row ${k} differs`);
  const counts = watched.monitor!.counts();
  const p = watched.info.profile!;
  p.features.forEach((f, j) => {
    const want = new Array<number>(f.counts.length).fill(0);
    for (let k = 0; k < ROWS; k++) want[binOf(f.edges, c.rows[k * c.nIn + j]!)]! += 2; // the batch, then one at a time
    if (want.some((n, i) => n !== counts.features[j]!.counts[i]))
      throw new Error(`${c.label}: feature ${j} miscounted`);
  });
  channels[c.label] = p.features.length + p.outputs.length;
  const out = new Float32Array(ROWS * nOut);
  for (const [kind, m] of [
    ["plain", plain],
    ["monitor", watched],
  ] as const) {
    bench.add(`${c.label}, one row at a time, ${kind}`, () => {
      for (let k = 0; k < ROWS; k++) m.predict(views[k]!);
    });
    bench.add(`${c.label}, predictBatch, ${kind}`, () => {
      m.predictBatch(c.rows, ROWS, out);
    });
  }
}

await bench.run();
const ns = (t: string) => {
  const x = bench.tasks.find((k) => k.name === t)?.result as { latency?: { p50?: number } } | undefined;
  return ((x?.latency?.p50 ?? Number.NaN) * 1e6) / ROWS;
};
const lines = [
  "# Drift monitor overhead (bench/drift.bench.ts)",
  "",
  `Node ${process.version}, ${cpus()[0]?.model ?? "?"}, ${cpus().length} cores (shared), ${new Date().toISOString().slice(0, 10)}.`,
  `Median ns per row over tasks of ${ROWS} rows; the same image loaded without and with \`monitor: {window: ${100 * ROWS}}\`,`,
  "in one process, SIMD build. Answers and counts checked before timing. Channels: features + output channels counted per row.",
  "",
  "| model | mode | plain ns/row | monitored ns/row | overhead | channels | ns per channel per row |",
  "|---|---|---:|---:|---:|---:|---:|",
];
for (const c of cases) {
  for (const mode of ["one row at a time", "predictBatch"]) {
    const p = ns(`${c.label}, ${mode}, plain`),
      m = ns(`${c.label}, ${mode}, monitor`);
    const n = channels[c.label]!;
    lines.push(
      `| ${c.label} | ${mode} | ${p.toFixed(1)} | ${m.toFixed(1)} | ${((100 * (m - p)) / p).toFixed(1)} % | ${n} | ${((m - p) / n).toFixed(2)} |`,
    );
  }
}
const text = lines.join("\n") + "\n";
console.log(text);
writeFileSync(root("bench/results/drift.md"), text);
