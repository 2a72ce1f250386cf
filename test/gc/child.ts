/**
 * Run by test/runtime/no-gc.test.ts under `node --trace-gc`: warms up until V8 says the measured
 * function is optimized, prints START, makes
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
// allocate a heap number per update. The calls are made in small functions called thousands of
// times, which V8 optimizes as whole functions (a long loop in one call runs as on-stack-replaced
// code, which V8's status cannot confirm); the loops around them only count and call.
const sink = new Float64Array(1);
function singles(from: number): void {
  for (let i = from; i < from + 1000; i++) sink[0]! += seed.predict(rows[i % 1000]!)[1]!;
}
function mlps(from: number): void {
  for (let i = from; i < from + 100; i++) sink[0]! += mlp.predict(mlpRows[i % 100]!)[0]!;
}
function batchOf(nRows: number): void {
  seed.predictBatch(batch, nRows, out);
  sink[0]! += out[1]!;
}
// The functions called per prediction; batchOf runs once per work(), a single call into wasm.
const measured = [singles, mlps];
function work(nSingle: number, nMlp: number, nBatch: number): void {
  for (let i = 0; i < nSingle; i += 1000) singles(i);
  for (let i = 0; i < nMlp; i += 100) mlps(i);
  batchOf(nBatch);
}

// V8's own word on whether the measured functions run optimized (the parent passes --allow-natives-syntax and
// --no-concurrent-recompilation, so optimizing happens on this thread, when V8 decides, not
// whenever a loaded machine lets a background thread finish). Bits of V8's OptimizationStatus.
const optimizationStatus = new Function("f", "return %GetOptimizationStatus(f);") as (f: unknown) => number;
const TURBOFANNED = 1 << 6;
const turbofanned = () => measured.every((f) => (optimizationStatus(f) & TURBOFANNED) !== 0);

// Warm-up with the very same calls until they are TurboFan code (twice at least): tier-up,
// inline caches and OSR are done before START. An interpreted loop allocates a heap number per
// `+=`, which is what a loaded machine used to measure.
let warmups = 0;
while (warmups < 2 || (!turbofanned() && warmups < 20)) {
  work(1_000_000, 200_000, 1_000_000);
  warmups++;
}
const optimizedBefore = turbofanned();
(globalThis as { gc?: () => void }).gc?.();
const before = process.memoryUsage().heapUsed;
console.log("START");
work(1_000_000, 200_000, 1_000_000);
console.log("END");
const optimizedAfter = turbofanned(); // not deoptimized while measured
(globalThis as { gc?: () => void }).gc?.(); // after END: what is left is what the calls retained
const after = process.memoryUsage().heapUsed;
console.log(
  JSON.stringify({ before, after, sink: Number.isFinite(sink[0]), warmups, optimizedBefore, optimizedAfter }),
);
