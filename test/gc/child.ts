/**
 * Run by test/runtime/no-gc.test.ts under `node --trace-gc`: warms up, prints START, makes
 * 1,000,000 single-row predictions and a 1,000,000-row predictBatch on the seed model and
 * 200,000 predictions of an MLP with every opcode, then prints END and the heap used before
 * and after. Any GC in between shows as a --trace-gc line between the markers.
 */
import { readFileSync } from "node:fs";
import { Model } from "../../src/index.js";
import { pack } from "../../src/pack.js";
import { everyOpModel } from "../helpers/models.js";

const root = new URL("../../../", import.meta.url); // dist/test/gc → project root
const seed = Model.load(pack(readFileSync(new URL("examples/logistic-regression/model.json", root), "utf8")));
const mlp = Model.load(everyOpModel());
const rows = Array.from({ length: 1000 }, (_, i) => Float32Array.of(Math.sin(i) * 2, Math.cos(i) * 2));
const mlpRows = Array.from({ length: 100 }, (_, i) => Float32Array.from({ length: 6 }, (_, j) => Math.sin(i * 7 + j)));
const batch = new Float32Array(2 * 1_000_000).map((_, i) => Math.sin(i));
const out = new Float32Array(2 * 1_000_000);

// The results are summed into a typed array: a `let` number at module scope would itself
// allocate a heap number per update.
const sink = new Float64Array(1);
function work(nSingle: number, nMlp: number, nBatch: number): void {
  for (let i = 0; i < nSingle; i++) sink[0]! += seed.predict(rows[i % 1000]!)[1]!;
  for (let i = 0; i < nMlp; i++) sink[0]! += mlp.predict(mlpRows[i % 100]!)[0]!;
  seed.predictBatch(batch, nBatch, out);
  sink[0]! += out[1]!;
}

// Warm-up with the very same calls, twice: tier-up, inline caches and OSR are done before START.
work(1_000_000, 200_000, 1_000_000);
work(1_000_000, 200_000, 1_000_000);
(globalThis as { gc?: () => void }).gc?.();
const before = process.memoryUsage().heapUsed;
console.log("START");
work(1_000_000, 200_000, 1_000_000);
console.log("END");
(globalThis as { gc?: () => void }).gc?.(); // after END: what is left is what the calls retained
const after = process.memoryUsage().heapUsed;
console.log(JSON.stringify({ before, after, sink: Number.isFinite(sink[0]) }));
