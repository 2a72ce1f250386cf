/** Helpers shared by the benchmarks: check-before-timing, and a report of medians. */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import type { Bench } from "tinybench";

/** The project root, from src (tsx/vitest) or from dist/ (npm run bench). */
export function root(path: string): string {
  const here = new URL(".", import.meta.url).pathname;
  return (here.includes("/dist/") ? here.replace(/\/dist\/.*$/, "/") : here.replace(/\/bench\/$/, "/")) + path;
}

/** Throws unless f(row) is within tol of want[row] for every row: a fast wrong answer is not a result. */
export function check(name: string, f: (row: number) => ArrayLike<number>, want: number[][], tol: number): void {
  let worst = 0;
  want.forEach((w, r) => {
    const got = f(r);
    for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(got[i]! - w[i]!));
  });
  if (!(worst <= tol)) throw new Error(`${name}: max difference ${worst} exceeds ${tol}; not timing a wrong answer`);
}

export interface ReportOptions {
  /** Units of work per task (rows, calls) to turn task time into time per unit. */
  perTask: number;
  unit: string;
  /** Task that ratios are quoted against. */
  baseline?: string;
  /** Name of the JSON file under bench/results/. */
  json?: string;
}

/** Prints median time per unit and the ratio to the baseline, and writes the numbers as JSON. */
export function report(bench: Bench, o: ReportOptions): void {
  const rows = bench.tasks.map((t) => {
    const r = t.result as { latency?: { p50?: number; samplesCount?: number } } | undefined;
    const medianMs = r?.latency?.p50 ?? NaN;
    return { task: t.name, nsPerUnit: (medianMs * 1e6) / o.perTask, samples: r?.latency?.samplesCount ?? 0 };
  });
  const base = rows.find((r) => r.task === o.baseline)?.nsPerUnit;
  console.log(`\n${bench.name} — median ns per ${o.unit} (Node ${process.version}, ${cpus()[0]?.model ?? "?"})`);
  for (const r of rows) {
    const perSec = 1e9 / r.nsPerUnit;
    const ratio = base
      ? `  ${(base / r.nsPerUnit).toFixed(2)}× ${o.baseline === r.task ? "(baseline)" : "vs baseline"}`
      : "";
    console.log(
      `  ${r.task.padEnd(52)} ${r.nsPerUnit.toFixed(2).padStart(9)} ns  ${(perSec / 1e6).toFixed(1).padStart(8)} M ${o.unit}s/s${ratio}`,
    );
  }
  if (o.json) {
    const dir = root("bench/results");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      `${dir}/${o.json}.json`,
      JSON.stringify(
        { node: process.version, cpu: cpus()[0]?.model, date: new Date().toISOString(), unit: o.unit, rows },
        null,
        2,
      ),
    );
  }
}
