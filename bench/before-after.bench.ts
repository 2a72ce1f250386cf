/**
 * Predict and load time of two edgeinfer runtimes in one process, interleaved: the one built
 * here ("after") and another build of the package ("before", e.g. the commit before a redesign),
 * given by the path of its runtime entry:
 *
 *   git archive f1387b3 | tar -x -C /tmp/edgeinfer-before   # then, there: link node_modules, npm run build
 *   EDGEINFER_BEFORE=/tmp/edgeinfer-before/dist/pkg/index.js node dist/bench/before-after.bench.js [--rounds 5]
 *
 * Both are the npm entry as shipped (dist/pkg/index.js: one module, kernels embedded), each with
 * one Runtime of the SIMD build for all its models. They load the same packed images (packed here;
 * the before build's packer, when beside its entry, must produce the same bytes). Before anything
 * is timed, every benched row and the batch must give bit-identical outputs in both runtimes, and
 * those outputs must match the training framework's (bench/models/*.json).
 *
 * The cases run in rounds; in each round every case times both runtimes back to back, the order
 * alternating from round to round, so a drift of the shared machine falls on both. Reported: each
 * runtime's median over the rounds of its per-round median, and the median of the per-round
 * after ÷ before ratios. Without EDGEINFER_BEFORE (as in `npm run bench`) it says so and exits.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { pack } from "../src/pack.js";
import { median } from "./cold-setup.js";
import { type BenchModel, tile, trainedModels } from "./models.js";
import { check, root } from "./suite.js";
import { fmtNs, measure } from "./timing.js";

/** The part of the runtime entry this benchmark uses, the same in both builds. */
interface EntryModel {
  predict(row: Float32Array): Float32Array;
  /** The row the next run() reads, and the one-row call on it (both entries have them). */
  readonly input: Float32Array;
  run(): Float32Array;
  predictBatch(rows: Float32Array, nRows: number, out: Float32Array): Float32Array;
  dispose(): void;
  info: { outputLength: number; outputs: Array<{ name: string; offset: number; length: number }> };
}
interface EntryRuntime {
  build: string;
  load(bytes: Uint8Array): EntryModel;
}
interface Entry {
  Runtime: new (options: { simd: "require" }) => EntryRuntime;
}
type Pack = (model: string | Uint8Array) => Uint8Array;

const beforePath = process.env.EDGEINFER_BEFORE;
if (!beforePath) {
  console.log("before-after.bench: EDGEINFER_BEFORE (the other build's dist/pkg/index.js) not set, skipped");
  process.exit(0);
}
const afterPath = process.env.EDGEINFER_AFTER ?? root("dist/pkg/index.js");
const roundsArg = process.argv.indexOf("--rounds");
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 5;
const BATCH = 1000;

const importEntry = async (path: string) => (await import(pathToFileURL(path).href)) as Entry;
const sides = [
  { id: "before", path: beforePath, rt: new (await importEntry(beforePath)).Runtime({ simd: "require" }) },
  { id: "after", path: afterPath, rt: new (await importEntry(afterPath)).Runtime({ simd: "require" }) },
] as const;

const beforePackPath = join(dirname(beforePath), "pack.js");
const beforePack = existsSync(beforePackPath)
  ? ((await import(pathToFileURL(beforePackPath).href)) as { pack: Pack }).pack
  : undefined;

/** Packs m as the peer benchmarks do; the before build's packer must agree byte for byte. */
function image(m: BenchModel): Uint8Array {
  const source = m.edgeinferSource ?? m.onnx;
  const bytes = pack(source);
  if (beforePack) {
    const old = beforePack(source);
    if (Buffer.compare(Buffer.from(old), Buffer.from(bytes)) !== 0)
      throw new Error(`${m.id}: the before build packs other bytes (${old.length} B against ${bytes.length} B)`);
  }
  return bytes;
}

/** Throws unless the two outputs are the same bits: the redesign must not change an answer. */
function sameBits(what: string, a: Float32Array, b: Float32Array): void {
  if (a.length !== b.length) throw new Error(`${what}: ${a.length} outputs against ${b.length}`);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length),
    ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++)
    if (ua[i] !== ub[i]) throw new Error(`${what}: output ${i} is ${a[i]} before, ${b[i]} after; not timing it`);
}

interface Case {
  name: string;
  /** Per side, the call timed (one prediction, one batch, one load). */
  one: Array<() => unknown>;
  /** Calls per timed unit shown (rows of a batch), for rows/s. */
  rows: number;
}

const models = trainedModels();
const byId = (id: string) => models.find((m) => m.id === id)!;
const cases: Case[] = [];

/** Single-row predict of every stored row in turn, checked first. */
function singleRow(m: BenchModel, name: string): void {
  const bytes = image(m);
  const views = Array.from({ length: m.nRows }, (_, r) => m.rows.subarray(r * m.nIn, (r + 1) * m.nIn));
  const loaded = sides.map((s) => s.rt.load(bytes));
  const out = loaded[0]!.info.outputs.find((o) => o.name === m.outputName) ?? loaded[0]!.info.outputs[0]!;
  const pick = (y: Float32Array) => y.slice(out.offset, out.offset + out.length);
  for (let r = 0; r < m.nRows; r++)
    sameBits(`${name}, row ${r}`, loaded[0]!.predict(views[r]!).slice(), loaded[1]!.predict(views[r]!).slice());
  check(`${name} after`, (r) => pick(loaded[1]!.predict(views[r]!)), m.expected, m.tol.abs);
  // One call site per side (timing.ts): the row cursor and the call are compiled for each.
  const one = loaded.map(
    (model) =>
      new Function(
        "model",
        "views",
        "let k = 0; const n = views.length; return function one() { model.predict(views[k]); k = k + 1 === n ? 0 : k + 1; }",
      )(model, views) as () => unknown,
  );
  cases.push({ name, one, rows: 1 });
}

singleRow(byId("blog_lr_onnx"), "blog's LR (blog_lr.onnx), one row");
{
  // The same model through Model.run() on a row already in model.input: the wasm interpreter
  // alone, without predict's JavaScript (the row's checks and copy).
  const m = byId("blog_lr_onnx");
  const loaded = sides.map((s) => s.rt.load(image(m)));
  for (const model of loaded) model.input.set(m.rows.subarray(0, m.nIn));
  sameBits("blog's LR (blog_lr.onnx), run()", loaded[0]!.run().slice(), loaded[1]!.run().slice());
  cases.push({
    name: "blog's LR (blog_lr.onnx), run() of model.input",
    one: loaded.map((model) => new Function("model", "return function one() { model.run(); }")(model) as () => unknown),
    rows: 1,
  });
}
singleRow(byId("blog_lr"), "blog's LR (its JSON, one step), one row");
singleRow(byId("mlp_64_128_64_10"), "MLP 64-128-64-10, one row");
const mlp784 = byId("mlp_784_256_128_10");
singleRow(mlp784, "MLP 784-256-128-10, one row");

{
  const bytes = image(mlp784);
  const { rows, expected } = tile(mlp784, BATCH);
  const loaded = sides.map((s) => s.rt.load(bytes));
  const outs = loaded.map((model) => new Float32Array(BATCH * model.info.outputLength));
  loaded.forEach((model, i) => model.predictBatch(rows, BATCH, outs[i]!));
  sameBits("MLP 784 batch", outs[0]!, outs[1]!);
  const w = mlp784.nOut;
  check("MLP 784 batch after", (r) => outs[1]!.subarray(r * w, (r + 1) * w), expected, mlp784.tol.abs);
  cases.push({
    name: `MLP 784-256-128-10, batch of ${BATCH}`,
    one: loaded.map((model, i) => () => model.predictBatch(rows, BATCH, outs[i]!)),
    rows: BATCH,
  });
  // Load: validate the image (checksum included), place it in the runtime's memory, dispose it.
  for (const s of sides) s.rt.load(bytes).dispose();
  cases.push({
    name: "Runtime.load of MLP 784's image (+ dispose)",
    one: sides.map((s) => () => s.rt.load(bytes).dispose()),
    rows: 0,
  });
}

const times = cases.map(() => sides.map(() => [] as number[]));
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? [0, 1] : [1, 0];
  for (const [c, k] of cases.entries())
    for (const s of order) {
      const t = await measure(`${k.name} ${sides[s]!.id}`, k.one[s]!, false, {
        time: 300,
        ...(k.rows > 1 ? { minSamples: 3, sampleNs: 1 } : {}),
      });
      times[c]![s]!.push(t.medianNs);
    }
  process.stdout.write(`round ${round + 1}/${ROUNDS} done\n`);
}

const builds = sides.map((s) => s.rt.build).join("/");
console.log(
  `\nbefore: ${beforePath}\nafter:  ${afterPath}\n${builds} build, ${ROUNDS} rounds interleaved (Node ${process.version}, ${cpus()[0]?.model ?? "?"}, ${cpus().length} cores)`,
);
console.log(`  ${"case".padEnd(48)} ${"before".padStart(10)} ${"after".padStart(10)}   after ÷ before (rounds)`);
const results = cases.map((k, c) => {
  const [before, after] = times[c]!;
  const ratios = after!.map((t, i) => t / before![i]!);
  const row = {
    case: k.name,
    beforeNs: median(before!),
    afterNs: median(after!),
    ratio: median(ratios),
    ratioMin: Math.min(...ratios),
    ratioMax: Math.max(...ratios),
  };
  console.log(
    `  ${k.name.padEnd(48)} ${fmtNs(row.beforeNs).padStart(10)} ${fmtNs(row.afterNs).padStart(10)}   ${row.ratio.toFixed(3)} (${row.ratioMin.toFixed(2)}–${row.ratioMax.toFixed(2)})`,
  );
  return row;
});
const dir = root("bench/results");
mkdirSync(dir, { recursive: true });
writeFileSync(
  `${dir}/before-after.json`,
  JSON.stringify(
    {
      node: process.version,
      cpu: cpus()[0]?.model,
      cores: cpus().length,
      date: new Date().toISOString(),
      before: beforePath,
      after: afterPath,
      rounds: ROUNDS,
      results,
    },
    null,
    2,
  ),
);
