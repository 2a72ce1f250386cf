/**
 * Tree ensembles (issue 14): scikit-learn random forests and gradient boosting on 32 features,
 * 10 to 500 trees, depth 3 to 12 (bench/models/make_tree_models.py writes them as skl2onnx
 * converts them), against onnxruntime-node, onnxruntime-web and generated plain JavaScript
 * (nested ifs from the same trees, as m2cgen emits), single rows and a batch of 1000.
 * Every contender's answer on all 1000 rows is checked against scikit-learn's predict first.
 * Then the bytes of each packed image, and pack and load times of a ~3-million-node forest.
 *
 *   npm run build && node dist/bench/trees.bench.js [off] [--quick]
 *
 * `off`: edgeinfer's scalar build instead of the SIMD one (one build per process, see
 * predict.bench.ts). Writes bench/results/trees-<build>.json; results/trees.md is written
 * by hand from a run's output.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { Bench } from "tinybench";
import { Model } from "../src/index.js";
import { pack } from "../src/pack.js";
import { type Any, importOrtWeb, notInstalled, ORT_NODE_OPTIONS, peerRequire } from "./peer-load.js";
import { report, root } from "./suite.js";

const DIR = root("bench/models/trees");
const NAMES = ["rf_10_d6", "rf_100_d8", "gb_100_d3", "gb_500_d6", "rf_500_d12"];
const BIG = "rf_big";
const N_IN = 32,
  N = 1000;
const simd = process.argv.includes("off") ? "off" : "auto";
const quick = process.argv.includes("--quick");

interface TreeArrays {
  base: number;
  trees: { feature: number[]; threshold: number[]; left: number[]; right: number[]; value: number[] }[];
}

function files(name: string) {
  if (!existsSync(`${DIR}/${name}.json`))
    execFileSync("/usr/bin/python3", [root("bench/models/make_tree_models.py"), name], { stdio: "inherit" });
  const rowsBuf = readFileSync(`${DIR}/${name}.rows.f32`);
  return {
    onnx: new Uint8Array(readFileSync(`${DIR}/${name}.onnx`)),
    rows: new Float32Array(rowsBuf.buffer, rowsBuf.byteOffset, rowsBuf.byteLength / 4),
    want: (JSON.parse(readFileSync(`${DIR}/${name}.json`, "utf8")) as { predict: number[] }).predict,
    arrays: JSON.parse(readFileSync(`${DIR}/${name}.trees.json`, "utf8")) as TreeArrays,
  };
}

/**
 * What m2cgen emits for a tree ensemble, made faster: nested ifs with the thresholds as
 * literals, but one function per tree (m2cgen writes one function for the whole ensemble,
 * which V8 refuses to optimize past a size), summed in float64 as m2cgen's JavaScript does.
 */
function generatedJs(a: TreeArrays): (x: Float32Array, off: number) => number {
  const lit = (v: number) => (Object.is(v, -0) ? "-0" : String(v));
  const tree = (t: TreeArrays["trees"][number]) => {
    const node = (i: number, pad: string): string =>
      t.left[i]! < 0
        ? `${pad}return ${lit(t.value[i]!)};\n`
        : `${pad}if (x[o + ${t.feature[i]}] <= ${lit(t.threshold[i]!)}) {\n${node(t.left[i]!, `${pad}  `)}${pad}} else {\n${node(t.right[i]!, `${pad}  `)}${pad}}\n`;
    return `function (x, o) {\n${node(0, "  ")}}`;
  };
  const src = `const t = [${a.trees.map(tree).join(",\n")}];
  const n = t.length;
  return function predict(x, o) { let s = ${lit(a.base)}; for (let k = 0; k < n; k++) s += t[k](x, o); return s; };`;
  return new Function(src)() as (x: Float32Array, off: number) => number;
}

function checkAll(name: string, got: (r: number) => number, want: number[]): void {
  let worst = 0;
  for (let r = 0; r < want.length; r++)
    worst = Math.max(worst, Math.abs(got(r) - want[r]!) / Math.max(1, Math.abs(want[r]!)));
  if (!(worst <= 1e-5))
    throw new Error(`${name}: relative difference ${worst} exceeds 1e-5; not timing a wrong answer`);
}

let ortNode: Any, ortWeb: Any;
if (!notInstalled("onnxruntime-node")) ortNode = peerRequire("onnxruntime-node");
if (!notInstalled("onnxruntime-web")) ortWeb = await importOrtWeb();

const sizes: string[] = [];
for (const name of quick ? ["rf_100_d8"] : NAMES) {
  const f = files(name);
  const image = pack(f.onnx);
  const model = Model.load(image, { simd });
  const build = model.info.build;
  const splits = f.arrays.trees.reduce((s, t) => s + t.left.filter((v) => v >= 0).length, 0);
  const leaves = f.arrays.trees.reduce((s, t) => s + t.left.filter((v) => v < 0).length, 0);
  sizes.push(
    `${name}: ${f.arrays.trees.length} trees, ${splits} decision nodes, ${leaves} leaves; ` +
      `ONNX ${f.onnx.length} B, image ${image.length} B (${(image.length / splits).toFixed(2)} B per decision node)`,
  );
  const js = generatedJs(f.arrays);
  const row = (r: number) => f.rows.subarray(r * N_IN, (r + 1) * N_IN);
  const out = new Float32Array(N);
  checkAll(`edgeinfer ${name}`, (r) => model.predict(row(r))[0]!, f.want);
  model.predictBatch(f.rows, N, out);
  checkAll(`edgeinfer batch ${name}`, (r) => out[r]!, f.want);
  checkAll(`js ${name}`, (r) => js(f.rows, r * N_IN), f.want);
  const sessions: [string, Any, Any][] = [];
  for (const [label, ort, opts] of [
    ["onnxruntime-node", ortNode, ORT_NODE_OPTIONS],
    ["onnxruntime-web", ortWeb, { executionProviders: ["wasm"] }],
  ] as const) {
    if (!ort) continue;
    const s = await ort.InferenceSession.create(f.onnx, opts);
    const y = (await s.run({ float_input: new ort.Tensor("float32", f.rows, [N, N_IN]) })).variable.data;
    checkAll(`${label} ${name}`, (r) => y[r], f.want);
    const y1: number[] = [];
    for (let r = 0; r < N; r++)
      y1.push((await s.run({ float_input: new ort.Tensor("float32", row(r), [1, N_IN]) })).variable.data[0]);
    checkAll(`${label} one row ${name}`, (r) => y1[r]!, f.want);
    sessions.push([label, ort, s]);
  }

  // Single rows: 1000 rows per task (onnxruntime: 100, it is slower and async); batch: 1000 rows.
  const bench = new Bench({ name: `${name}, ${build} build`, time: quick ? 200 : 400, warmup: true, warmupTime: 100 });
  let sink = 0;
  bench
    .add("generated JS, one row at a time", () => {
      for (let r = 0; r < N; r++) sink += js(f.rows, r * N_IN);
    })
    .add(`edgeinfer ${build}, one row at a time`, () => {
      for (let r = 0; r < N; r++) sink += model.predict(row(r))[0]!;
    })
    .add(`edgeinfer ${build}, predictBatch 1000`, () => {
      model.predictBatch(f.rows, N, out);
    });
  for (const [label, ort, s] of sessions) {
    const one = Array.from({ length: 100 }, (_, r) => new ort.Tensor("float32", row(r), [1, N_IN]));
    const all = new ort.Tensor("float32", f.rows, [N, N_IN]);
    bench
      .add(`${label}, one row at a time (x10)`, async () => {
        for (let r = 0; r < 100; r++) sink += (await s.run({ float_input: one[r] })).variable.data[0];
      })
      .add(`${label}, batch 1000`, async () => {
        sink += (await s.run({ float_input: all })).variable.data[0];
      });
  }
  await bench.run();
  // The onnxruntime one-row tasks ran 100 rows: scale them to 1000 like the others.
  for (const t of bench.tasks)
    if (t.name.endsWith("(x10)")) {
      const r = t.result as { latency: { p50: number } };
      r.latency.p50 *= 10;
    }
  report(bench, {
    perTask: N,
    unit: "row",
    baseline: `edgeinfer ${build}, one row at a time`,
    json: `trees-${name}-${build}`,
  });
  if (sink === 0.5) console.log(sink);
}

console.log("\nSizes");
for (const s of sizes) console.log(`  ${s}`);

// Pack and load of a large forest: median of 3 each (edgeinfer), onnxruntime-node's session once.
if (!quick) {
  const f = files(BIG);
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!;
  const packMs: number[] = [],
    loadMs: number[] = [];
  let image: Uint8Array = new Uint8Array(0);
  for (let k = 0; k < 3; k++) {
    let t = performance.now();
    image = pack(f.onnx);
    packMs.push(performance.now() - t);
    t = performance.now();
    const m = Model.load(image, { simd });
    loadMs.push(performance.now() - t);
    m.dispose();
  }
  const nodes = f.arrays.trees.reduce((s, t) => s + t.left.length, 0);
  let ortMs = NaN;
  if (ortNode) {
    const t = performance.now();
    await ortNode.InferenceSession.create(f.onnx, ORT_NODE_OPTIONS);
    ortMs = performance.now() - t;
  }
  console.log(
    `\n${BIG}: ${f.arrays.trees.length} trees, ${nodes} nodes; ONNX ${f.onnx.length} B, image ${image.length} B\n` +
      `  edgeinfer pack ${median(packMs).toFixed(0)} ms, load ${median(loadMs).toFixed(1)} ms (medians of 3); ` +
      `onnxruntime-node session ${ortMs.toFixed(0)} ms (once)`,
  );
}
