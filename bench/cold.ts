/**
 * One cold start, in a fresh process: `node --expose-gc dist/bench/cold.js <contender> <dir>`.
 *
 * The clock starts before the contender's first import (everything here is a dynamic import)
 * and stops after its first prediction, which is checked. Then, after full GCs, RSS and heap
 * are compared with the same process's own before the import: the memory the contender and
 * the model added to a bare Node process. Prints one JSON line.
 *
 * Each contender loads its model the fastest way it offers: edgeinfer and onnxruntime by path.
 * <dir> holds what bench/run.ts prepared: model.onnx, model.eim (edgeinfer's packed image),
 * model.wasm (the same image built into a standalone module: `edgeinfer build`), layers.json +
 * layers.f32 (the same weights for plain JS and TF.js), row.f32 and want.json.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [contender, dir] = process.argv.slice(2) as [string, string];
const gc = (globalThis as { gc?: () => void }).gc;
const settle = () => {
  for (let i = 0; i < 3; i++) gc?.();
};

function f32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

const row = f32(`${dir}/row.f32`);
const want = JSON.parse(readFileSync(`${dir}/want.json`, "utf8")) as {
  output: string;
  input: string;
  values: number[];
  pairFromOne?: boolean;
  standaloneOffset: number;
};
settle();
const before = process.memoryUsage();

const t0 = performance.now();
let y: ArrayLike<number>;
const layersOf = async () => {
  const meta = JSON.parse(readFileSync(`${dir}/layers.json`, "utf8")) as Array<{
    nIn: number;
    nOut: number;
    act: string;
    offset: number;
  }>;
  const all = f32(`${dir}/layers.f32`);
  return meta.map((l) => ({
    ...l,
    W: all.subarray(l.offset, l.offset + l.nIn * l.nOut),
    b: all.subarray(l.offset + l.nIn * l.nOut, l.offset + l.nIn * l.nOut + l.nOut),
  })) as never;
};
/** Through a variable: tsc need not resolve the package's own name before dist/ exists. */
const PACKAGE: string = "edgeinfer";
let keep: unknown; // what a user's program would hold on to after loading
if (contender === "edgeinfer-standalone") {
  // The model built into its own module (docs/standalone.md, "From JavaScript"): no package to
  // import and nothing to validate at load (`edgeinfer build` validated the image it embeds).
  type Abi = {
    memory: WebAssembly.Memory;
    input_ptr(): number;
    input_len(): number;
    output_ptr(): number;
    predict(): number;
  };
  const m = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(`${dir}/model.wasm`)), {})
    .exports as unknown as Abi;
  keep = m;
  new Float32Array(m.memory.buffer, m.input_ptr(), m.input_len()).set(row);
  const status = m.predict();
  if (status !== 0) throw new Error(`edgeinfer-standalone: predict returned status ${status}`);
  y = new Float32Array(m.memory.buffer, m.output_ptr() + 4 * want.standaloneOffset, want.values.length).slice();
} else if (contender.startsWith("edgeinfer-")) {
  // edgeinfer-simd-bundle: the runtime bundled and minified (bench/cold-setup.ts, rolldown), as
  // a web or edge deployment ships it; the others import the package by its name, as a user does
  // (its "." export: dist/pkg/index.js, one file).
  const { Model } = (
    contender.endsWith("-bundle")
      ? await import(pathToFileURL(resolve(dir, "../edgeinfer.bundle.mjs")).href)
      : await import(PACKAGE)
  ) as typeof import("../src/index.js");
  // loadFile: the file read straight into wasm memory (a user holding bytes calls load(bytes)).
  const model = Model.loadFile(`${dir}/model.eim`, { simd: contender.includes("scalar") ? "off" : "require" });
  keep = model;
  const o = model.info.outputs.find((x) => x.name === want.output) ?? model.info.outputs[0]!;
  y = model.predict(row).slice(o.offset, o.offset + o.length);
} else if (contender === "js") {
  const { jsModel } = await import("./plain-js.js");
  const m = jsModel(await layersOf());
  keep = m;
  y = m.predict(row).slice();
} else if (contender === "ort-node" || contender === "ort-web") {
  const pl = await import("./peer-load.js");
  const ort = contender === "ort-node" ? pl.peerRequire("onnxruntime-node") : await pl.importOrtWeb();
  // By path, as edgeinfer's loadFile: onnxruntime reads the file itself.
  const s = await ort.InferenceSession.create(
    `${dir}/model.onnx`,
    contender === "ort-node" ? pl.ORT_NODE_OPTIONS : { executionProviders: ["wasm"] },
  );
  keep = s;
  const r = await s.run({ [want.input]: new ort.Tensor("float32", row, [1, row.length]) }, [want.output]);
  y = Array.from(r[want.output].data as Float32Array);
} else if (contender === "tfjs-wasm") {
  const pl = await import("./peer-load.js");
  const t = await pl.importTf();
  const model = pl.tfSequential(t, await layersOf());
  keep = model;
  const x = t.tf.tensor2d(row, [1, row.length]);
  const out = model.predict(x);
  y = Array.from(out.dataSync() as Float32Array);
  x.dispose();
  out.dispose();
  if (want.pairFromOne) y = [1 - y[0]!, y[0]!];
} else throw new Error(`unknown contender ${contender}`);
const tEnd = performance.now();
const coldMs = tEnd - t0;

let worst = 0;
want.values.forEach((v, i) => {
  worst = Math.max(worst, Math.abs(y[i]! - v));
});
if (!(worst <= 1e-4)) throw new Error(`${contender}: first prediction differs from the reference by ${worst}`);

settle();
const after = process.memoryUsage();
void keep;
process.stdout.write(
  JSON.stringify({
    contender,
    coldMs,
    sinceProcessStartMs: tEnd,
    rssBefore: before.rss,
    rssAdded: after.rss - before.rss,
    heapAdded: after.heapUsed - before.heapUsed,
    externalAdded: after.external - before.external,
    maxDiff: worst,
  }) + "\n",
);
