/**
 * edgeinfer against its peers, all in this one process, on the same models and rows: every
 * contender's answers are checked against the reference (every stored row one at a time, then a
 * batch of 1000) before anything is timed.
 *
 *   node dist/bench/compare.js [--build simd|scalar] [--set main|scaling] [--only id,id] [--models id,id] [--out file.json]
 *
 * One edgeinfer kernel build per process (--build): two would make predict's call into wasm
 * polymorphic (predict.bench.ts). `bench/run.ts` runs the SIMD build with every peer and the
 * scalar build with plain JavaScript as the common yardstick.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname } from "node:path";
import { Model } from "../src/index.js";
import {
  type Contender,
  edgeinfer,
  edgeinferImage,
  type Loaded,
  type Out,
  ortNode,
  ortWeb,
  plainJs,
  tfjs,
} from "./contenders.js";
import { type BenchModel, fixtureModels, SCALING, seededModel, tile, trainedModels } from "./models.js";
import { root } from "./suite.js";
import { fmtNs, measure } from "./timing.js";

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const build = arg("--build", "simd") as "simd" | "scalar";
const set = arg("--set", "main");
const only = arg("--only", "").split(",").filter(Boolean);
const onlyModels = arg("--models", "").split(",").filter(Boolean);
const outFile = arg("--out", root(`bench/results/compare-${set}-${build}.json`));
const BATCH = Number(arg("--batch", "1000"));
const time = Number(arg("--time", "400"));

export interface Row {
  model: string;
  contender: string;
  /** Single-row latency: median and p99 per call, ns (see timing.ts for the grouping). */
  latency?: { medianNs: number; p99Ns: number; calls: number; samples: number };
  /** Rows per second in batches of `batch` rows (median batch time). */
  throughput?: { rowsPerSec: number; batch: number; medianBatchNs: number; samples: number };
  /** Largest difference to the reference seen in the checks. */
  maxDiff?: number;
  loadMs?: number;
  skipped?: string;
}

const contenders: Contender[] = [edgeinfer(build), edgeinfer(build, "int8"), plainJs];
if (build === "simd") contenders.push(ortNode, ortWeb, tfjs);
const active = contenders.filter(
  (c) => (only.length === 0 || only.includes(c.id)) && (set === "main" || !c.id.endsWith("int8")),
);

const models: BenchModel[] = (
  set === "scaling" ? SCALING.map((w) => seededModel(w)) : [...trainedModels(), ...fixtureModels()]
).filter((m) => onlyModels.length === 0 || onlyModels.includes(m.id));

/** int8 runs only where quantization means something: the MLPs. */
const int8Models = new Set(["mlp_64_128_64_10", "mlp_784_256_128_10"]);

function diff(name: string, got: Out, want: number[], tol: { abs: number; rel: number }): number {
  let worst = 0,
    bad = false;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i]! - want[i]!);
    worst = Math.max(worst, d);
    if (!(d <= tol.abs + tol.rel * Math.abs(want[i]!))) bad = true;
  }
  if (bad || got.length < want.length)
    throw new Error(
      `${name}: answer differs from the reference by ${worst} (tolerance abs ${tol.abs} + rel ${tol.rel}); not timing a wrong answer`,
    );
  return worst;
}

async function check(
  c: Contender,
  m: BenchModel,
  l: Loaded,
  batchRows: Float32Array,
  batchWant: number[][],
  tol: BenchModel["tol"],
): Promise<number> {
  const pick = l.pick ?? ((y: Out) => y);
  let worst = 0;
  for (let r = 0; r < m.nRows; r++) {
    const y = await l.predict(m.rows.subarray(r * m.nIn, (r + 1) * m.nIn));
    worst = Math.max(worst, diff(`${c.label}, ${m.id}, row ${r}`, pick(y, 0), m.expected[r]!, tol));
  }
  const out = new Float32Array(BATCH * m.nOut);
  const y = await l.batch(batchRows, BATCH, out);
  for (let r = 0; r < BATCH; r++)
    worst = Math.max(worst, diff(`${c.label}, ${m.id}, batch row ${r}`, pick(y, r), batchWant[r]!, tol));
  return worst;
}

const rows: Row[] = [];
const modelInfo: Array<Record<string, unknown>> = [];
const skipped = new Map<string, string>();
console.log(
  `\nedgeinfer vs peers — ${set} models, edgeinfer ${build} build (Node ${process.version}, ${cpus()[0]?.model ?? "?"})`,
);
for (const c of active) {
  const why = c.unavailable();
  if (why) {
    skipped.set(c.id, why);
    console.log(`  skipping ${c.label}: ${why}`);
  }
}

for (const m of models) {
  const { rows: batchRows, expected: batchWant } = tile(m, BATCH);
  // The model's own footprint as edgeinfer packs it (a runtime of its own, never called).
  const image = edgeinferImage(m);
  const info = Model.load(image, { simd: build === "simd" ? "require" : "off" });
  modelInfo.push({
    id: m.id,
    label: m.label,
    group: m.group,
    parameters: m.parameters,
    nIn: m.nIn,
    nOut: m.nOut,
    onnxBytes: m.onnx.length,
    packedBytes: image.length,
    weightsBytes: info.info.weightsBytes,
    arenaBytes: info.info.arenaBytes,
    memoryBytes: info.info.memoryBytes,
    pages: info.runtime.memoryReport().memoryBytes / 65536,
    int8PackedBytes: int8Models.has(m.id) ? edgeinferImage(m, "int8").length : undefined,
  });
  console.log(`\n${m.label}: ${m.parameters} parameters, packed ${image.length} B`);
  for (const c of active) {
    if (skipped.has(c.id)) {
      rows.push({ model: m.id, contender: c.id, skipped: skipped.get(c.id) });
      continue;
    }
    if (!c.supports(m) || (c.id.endsWith("int8") && !int8Models.has(m.id))) continue;
    const t0 = performance.now();
    const l = await c.load(m);
    const loadMs = performance.now() - t0;
    // int8 answers are checked to the quantization error, against the same reference.
    const tol = c.id.endsWith("int8") ? { abs: 0.03, rel: 0 } : m.tol;
    const maxDiff = await check(c, m, l, batchRows, batchWant, tol);
    const isAsync = c.id.startsWith("ort");
    const views = Array.from({ length: m.nRows }, (_, r) => m.rows.subarray(r * m.nIn, (r + 1) * m.nIn));
    // One call site per contender and model (see timing.ts): the row cursor and the call are compiled here.
    const one = new Function(
      "l",
      "views",
      `let k = 0; const n = views.length; return ${isAsync ? "async " : ""}function one() { ${isAsync ? "await " : ""}l.predict(views[k]); k = k + 1 === n ? 0 : k + 1; }`,
    )(l, views) as () => unknown;
    const latency = await measure(`${c.id} ${m.id} predict`, one, isAsync, { time });
    const out = new Float32Array(BATCH * m.nOut);
    const bt = await measure(`${c.id} ${m.id} batch`, () => l.batch(batchRows, BATCH, out), isAsync, {
      time,
      minSamples: 3,
      sampleNs: 1,
    });
    const row: Row = {
      model: m.id,
      contender: c.id,
      maxDiff,
      loadMs,
      latency,
      throughput: {
        rowsPerSec: (BATCH * 1e9) / bt.medianNs,
        batch: BATCH,
        medianBatchNs: bt.medianNs,
        samples: bt.samples,
      },
    };
    rows.push(row);
    console.log(
      `  ${c.label.padEnd(30)} one row ${fmtNs(latency.medianNs).padStart(9)} (p99 ${fmtNs(latency.p99Ns).padStart(9)})   batch ${(row.throughput!.rowsPerSec / 1e3).toFixed(1).padStart(9)} k rows/s   max diff ${maxDiff.toExponential(1)}`,
    );
  }
}

mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(
  outFile,
  JSON.stringify(
    {
      kind: "compare",
      set,
      build,
      node: process.version,
      v8: process.versions.v8,
      cpu: cpus()[0]?.model,
      cores: cpus().length,
      date: new Date().toISOString(),
      batch: BATCH,
      skipped: Object.fromEntries(skipped),
      models: modelInfo,
      rows,
    },
    null,
    1,
  ),
);
console.log(`\nwrote ${outFile}`);
