/**
 * `edgeinfer bench <model>`: a model's latency, throughput and memory on this machine, with no
 * dependencies (a timing loop of its own, not tinybench). Rows are seeded pseudo-random values
 * in [-1, 1): timing does not depend on the values, except for NaN checks, which pass.
 *
 * Single-row latency: samples of back-to-back predict() calls, each sample ≥ 20 µs long (the
 * clock's resolution and overhead would swamp a shorter one); median and p99 of the per-call
 * time within a sample. Throughput: predictBatch over `rows` rows, median of the samples.
 */
import { Model } from "../runtime/runtime.js";
import type { SimdOption } from "../runtime/wasm.js";

export interface BenchOptions {
  /** Rows per predictBatch call (default 1000). */
  rows?: number;
  /** Time budget per measurement, ms (default 1000). */
  timeMs?: number;
  simd?: SimdOption;
}

export interface BenchReport {
  model: { kind: string; inputs: number; outputs: number; parameters: number; quantization: string; steps: number };
  build: "simd" | "scalar";
  /** Time to validate and load the image into a new runtime (this process, warm), ms. */
  loadMs: number;
  latency: { medianNs: number; p99Ns: number; callsPerSample: number; samples: number };
  throughput: { rows: number; rowsPerSec: number; medianBatchMs: number; samples: number };
  memory: {
    imageBytes: number;
    weightsBytes: number;
    arenaBytes: number;
    /** Linear memory this model holds: image and arena, 16-aligned. */
    modelBytes: number;
    /** The runtime's whole linear memory (kernels' static data, staging, this model), and in 64 KiB pages. */
    linearMemoryBytes: number;
    pages: number;
    /** Process RSS and JS heap after loading, and what loading the model added to them. */
    rss: number;
    heapUsed: number;
    rssAdded: number;
    heapAdded: number;
  };
  node: string;
}

function rand(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

const median = (xs: number[]) => xs[(xs.length - 1) >> 1]!;
const quantile = (xs: number[], q: number) => xs[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)]!;

/** Runs f in samples of `calls` calls until timeMs has passed; per-call times (ms), sorted. */
function sample(f: () => void, calls: number, timeMs: number, minSamples: number): number[] {
  const out: number[] = [];
  const stop = performance.now() + timeMs;
  while (out.length < minSamples || performance.now() < stop) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) f();
    out.push((performance.now() - t0) / calls);
  }
  return out.sort((a, b) => a - b);
}

export function benchImage(image: Uint8Array, o: BenchOptions = {}): BenchReport {
  const nRows = o.rows ?? 1000,
    timeMs = o.timeMs ?? 1000;
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage();
  const t0 = performance.now();
  const model = Model.load(image, { simd: o.simd ?? "auto" });
  const loadMs = performance.now() - t0;
  gc?.();
  const after = process.memoryUsage();
  const info = model.info;

  const r = rand(0x5eed);
  const ROWS = 64;
  const rows = Float32Array.from({ length: ROWS * info.inputLength }, r);
  const views = Array.from({ length: ROWS }, (_, k) => rows.subarray(k * info.inputLength, (k + 1) * info.inputLength));
  let k = 0;
  const one = () => {
    model.predict(views[k]!);
    k = (k + 1) & (ROWS - 1);
  };

  // Warm up (tier-up from Liftoff and the JIT), then size the samples to ≥ 20 µs.
  const warm = performance.now() + Math.min(200, timeMs / 4);
  let n = 0;
  while (performance.now() < warm) {
    one();
    n++;
  }
  const estNs = (Math.min(200, timeMs / 4) * 1e6) / Math.max(1, n);
  const calls = Math.max(1, Math.min(100_000, Math.ceil(20_000 / estNs)));
  const lat = sample(one, calls, timeMs, 20);

  const batch = Float32Array.from({ length: nRows * info.inputLength }, r);
  const out = new Float32Array(nRows * info.outputLength);
  const runBatch = () => {
    model.predictBatch(batch, nRows, out);
  };
  runBatch();
  const thr = sample(runBatch, 1, timeMs, 5);

  const mem = model.runtime.memoryReport();
  return {
    model: {
      kind: info.kind,
      inputs: info.inputLength,
      outputs: info.outputLength,
      parameters: info.parameterCount,
      quantization: info.quantization,
      steps: info.steps.length,
    },
    build: info.build,
    loadMs,
    latency: {
      medianNs: median(lat) * 1e6,
      p99Ns: quantile(lat, 0.99) * 1e6,
      callsPerSample: calls,
      samples: lat.length,
    },
    throughput: {
      rows: nRows,
      rowsPerSec: nRows / (median(thr) / 1e3),
      medianBatchMs: median(thr),
      samples: thr.length,
    },
    memory: {
      imageBytes: info.imageBytes,
      weightsBytes: info.weightsBytes,
      arenaBytes: info.arenaBytes,
      modelBytes: info.memoryBytes,
      linearMemoryBytes: mem.memoryBytes,
      pages: mem.memoryBytes / 65536,
      rss: after.rss,
      heapUsed: after.heapUsed,
      rssAdded: after.rss - before.rss,
      heapAdded: after.heapUsed - before.heapUsed,
    },
    node: process.version,
  };
}

const ns = (v: number) =>
  v < 1e3 ? `${v.toPrecision(3)} ns` : v < 1e6 ? `${(v / 1e3).toPrecision(3)} µs` : `${(v / 1e6).toPrecision(3)} ms`;
const bytes = (b: number) =>
  Math.abs(b) < 4096
    ? `${b} B`
    : Math.abs(b) < 2 ** 20
      ? `${(b / 1024).toFixed(1)} KiB`
      : `${(b / 2 ** 20).toFixed(1)} MiB`;

export function describeBench(r: BenchReport): string {
  const m = r.model,
    mem = r.memory;
  return [
    `${m.kind} model: ${m.inputs} → ${m.outputs}, ${m.parameters} parameters, ${m.steps} steps, quantization ${m.quantization}; ${r.build} build, Node ${r.node}`,
    `load:        ${r.loadMs.toFixed(2)} ms (validate and place the image)`,
    `one row:     median ${ns(r.latency.medianNs)}, p99 ${ns(r.latency.p99Ns)} (${r.latency.samples} samples of ${r.latency.callsPerSample} calls)`,
    `batch:       ${r.throughput.rowsPerSec / 1e6 >= 1 ? `${(r.throughput.rowsPerSec / 1e6).toPrecision(3)} M` : `${(r.throughput.rowsPerSec / 1e3).toPrecision(3)} k`} rows/s (${r.throughput.rows} rows per call, median ${r.throughput.medianBatchMs.toPrecision(3)} ms)`,
    `model:       image ${bytes(mem.imageBytes)} (weights ${bytes(mem.weightsBytes)}), arena ${bytes(mem.arenaBytes)}, ${bytes(mem.modelBytes)} of linear memory`,
    `runtime:     linear memory ${bytes(mem.linearMemoryBytes)} (${mem.pages} pages of 64 KiB)`,
    `process:     RSS ${bytes(mem.rss)} (loading added ${bytes(mem.rssAdded)}), JS heap ${bytes(mem.heapUsed)} (added ${bytes(mem.heapAdded)})`,
  ].join("\n");
}
