/**
 * Latency and throughput with tinybench, the same way for every contender (sync or async).
 *
 * A call shorter than the timer's resolution (tinybench's own overhead is ~30–50 ns) is timed in
 * groups of `calls` back-to-back calls, sized so that one sample takes ≥ 20 µs: median and p99
 * are then of the per-call mean within a sample. A call of 20 µs or more is one sample by itself,
 * so its p99 is the p99 of single calls.
 */
import { Bench } from "tinybench";

export interface Timing {
  /** Median time per call, ns. */
  medianNs: number;
  /** 99th percentile of the per-call time of a sample, ns. */
  p99Ns: number;
  /** Calls per sample. */
  calls: number;
  samples: number;
}

export interface TimingOptions {
  /** Time budget, ms (tinybench keeps going until both it and minSamples are met). */
  time?: number;
  minSamples?: number;
  /** Target duration of one sample, ns. */
  sampleNs?: number;
}

type Fn = () => unknown;

/** Times `one` (a single call: a prediction, a batch), returning per-call figures. */
export async function measure(name: string, one: Fn, isAsync: boolean, o: TimingOptions = {}): Promise<Timing> {
  const sampleNs = o.sampleNs ?? 20_000;
  // Estimate one call's cost after a short warmup, to size the groups.
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 30 || n < 3) {
    if (isAsync) await one();
    else one();
    n++;
  }
  const est = ((performance.now() - t0) * 1e6) / n;
  const calls = Math.max(1, Math.min(100_000, Math.round(sampleNs / est)));
  // The loop is compiled afresh for every measurement (new Function): a loop shared by all
  // contenders would see them all at one call site, and V8 would stop inlining any of them.
  const task = new Function(
    "one",
    isAsync
      ? `return async function task() { for (let i = 0; i < ${calls}; i++) await one(); }`
      : `return function task() { for (let i = 0; i < ${calls}; i++) one(); }`,
  )(one) as Fn;
  const minSamples = o.minSamples ?? 5;
  const bench = new Bench({
    name,
    time: o.time ?? 400,
    iterations: minSamples,
    warmup: true,
    warmupTime: 100,
    warmupIterations: Math.min(16, minSamples),
    throws: true,
  });
  bench.add(name, task);
  await bench.run();
  const r = bench.tasks[0]!.result as { latency?: { p50: number; p99: number; samplesCount: number } } | undefined;
  if (!r?.latency) throw new Error(`${name}: no result`);
  return {
    medianNs: (r.latency.p50 * 1e6) / calls,
    p99Ns: (r.latency.p99 * 1e6) / calls,
    calls,
    samples: r.latency.samplesCount,
  };
}

export function fmtNs(ns: number): string {
  if (!Number.isFinite(ns)) return "–";
  if (ns < 1000) return `${ns.toPrecision(3)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toPrecision(3)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toPrecision(3)} ms`;
  return `${(ns / 1e9).toPrecision(3)} s`;
}
