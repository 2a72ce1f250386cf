/**
 * What the SIMD kernels' summation order costs the scalar build (issue 19): the kernels whose
 * scalar code changed (dense one row and in blocks, softmax, a 4-class narrow softmax), in the
 * scalar build before the change, after it, and in the SIMD build, all in one process. The
 * scalar build from before is compiled here from git (the parent of the commit that added
 * assembly/kernels/lanes.ts, or EDGEINFER_BENCH_BASE=<rev>), with build-wasm.mjs's flags; without
 * git it is left out. Every task's output is checked against the SIMD build's before timing:
 * bit for bit for the new scalar build, within 1e-4 for the old one.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { root } from "./suite.js";
import { fmtNs, measure } from "./timing.js";

interface Exports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  [kernel: string]: unknown;
}

/** build-wasm.mjs's flags for the test modules (scalar: no --enable simd). */
const ASC_FLAGS = ["--runtime", "stub", "--initialMemory", "1", "--optimizeLevel", "3", "--shrinkLevel", "0"];
const ASC_TAIL = ["--noAssert", "--use", "abort=", "--config", "/dev/null"];

async function oldScalar(): Promise<{ rev: string; bytes: Uint8Array<ArrayBuffer> } | undefined> {
  const git = (...a: string[]) => execFileSync("git", a, { cwd: root(""), encoding: "utf8" }).trim();
  let rev: string;
  try {
    rev =
      process.env.EDGEINFER_BENCH_BASE ??
      `${git("log", "--diff-filter=A", "--format=%H", "-1", "--", "assembly/kernels/lanes.ts")}^`;
    rev = git("rev-parse", "--short", rev);
  } catch {
    console.log("lanes.bench: no git history here, the old scalar build is left out");
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), "edgeinfer-lanes-"));
  try {
    execFileSync("sh", ["-c", `git archive ${rev} assembly | tar -x -C ${dir}`], { cwd: root("") });
    const asc = await import("assemblyscript/asc");
    const out = join(dir, "testing.scalar.wasm");
    const { error, stderr } = await asc.main(
      [join(dir, "assembly/testing.ts"), "-o", out, ...ASC_FLAGS, ...ASC_TAIL],
      {},
    );
    if (error) throw new Error(`asc failed on ${rev}: ${error.message}\n${stderr.toString()}`);
    return { rev, bytes: new Uint8Array(readFileSync(out)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function instantiate(bytes: Uint8Array<ArrayBuffer>): Exports {
  const x = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as Exports;
  x.memory.grow(64);
  return x;
}

function rand(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

/** A kernel call on operands laid out once in a module's memory; run() calls it, output() reads y. */
interface Task {
  name: string;
  setup(x: Exports): { run: () => void; output: () => Float32Array };
}

/** Writes f32 arrays one after another from the heap base (64-byte aligned); returns their addresses. */
function place(x: Exports, ...arrays: Array<Float32Array | number>): number[] {
  let p = Math.ceil(x.heapBase() / 64) * 64;
  return arrays.map((a) => {
    const at = p;
    const n = typeof a === "number" ? a : a.length;
    if (typeof a !== "number") new Float32Array(x.memory.buffer, at, n).set(a);
    p += Math.ceil((n * 4) / 64) * 64 + 64;
    return at;
  });
}
const fn = (x: Exports, name: string) => x[name] as (...a: number[]) => number;

const tasks: Task[] = [];
for (const [nIn, nOut] of [
  [64, 128],
  [784, 256],
] as const) {
  const r = rand(nIn * 7 + nOut);
  const w = Float32Array.from({ length: nIn * nOut }, r),
    b = Float32Array.from({ length: nOut }, r);
  const nRows = 16;
  const rows = Float32Array.from({ length: nRows * nIn }, r);
  tasks.push({
    name: `dense ${nIn}×${nOut}, one row`,
    setup(x) {
      const [px, pw, pb, py] = place(x, rows.subarray(0, nIn), w, b, nOut) as [number, number, number, number];
      const f = fn(x, "denseF32");
      return { run: () => f(px, pw, pb, py, nIn, nOut), output: () => new Float32Array(x.memory.buffer, py, nOut) };
    },
  });
  tasks.push({
    name: `dense ${nIn}×${nOut}, ${nRows} rows`,
    setup(x) {
      const [px, pw, pb, py] = place(x, rows, w, b, nRows * nOut) as [number, number, number, number];
      const f = fn(x, "denseF32Batch");
      return {
        run: () => f(px, nIn, pw, pb, py, nOut, nIn, nOut, nRows),
        output: () => new Float32Array(x.memory.buffer, py, nRows * nOut),
      };
    },
  });
}
for (const n of [10, 100]) {
  const v = Float32Array.from({ length: n }, rand(n));
  tasks.push({
    name: `softmax, ${n} values`,
    setup(x) {
      const [px, py] = place(x, v, n) as [number, number];
      const f = fn(x, "softmax");
      return { run: () => f(px, py, n), output: () => new Float32Array(x.memory.buffer, py, n) };
    },
  });
}
{
  // A 4-class logistic regression: the narrow kernel, one row, softmax over its four logits.
  const nIn = 9,
    r = rand(4);
  const xs = Float32Array.from({ length: nIn }, r),
    wt = Float32Array.from({ length: nIn * 4 }, r),
    bt = Float32Array.from({ length: 4 }, r);
  tasks.push({
    name: "narrow 9→4 + softmax, one row",
    setup(x) {
      const [px, pw, pb, py] = place(x, xs, wt, bt, 4) as [number, number, number, number];
      const f = fn(x, "denseNarrowF32");
      return {
        run: () => f(px, nIn, pw, pb, py, 4, nIn, 4, 1, 5, 0, 0),
        output: () => new Float32Array(x.memory.buffer, py, 4),
      };
    },
  });
}

const builds: Array<[string, Uint8Array<ArrayBuffer>]> = [
  ["simd", new Uint8Array(readFileSync(root("build/testing.simd.wasm")))],
  ["scalar", new Uint8Array(readFileSync(root("build/testing.scalar.wasm")))],
];
const old = await oldScalar();
if (old) builds.push([`scalar before (${old.rev})`, old.bytes]);

const results: Array<{ task: string; build: string; medianNs: number }> = [];
console.log(`\nkernels the lane order changed — median per call (Node ${process.version}, ${cpus()[0]?.model ?? "?"})`);
console.log(`  ${"kernel".padEnd(32)} ${builds.map(([b]) => b.padStart(26)).join("")}   scalar ÷ before`);
for (const task of tasks) {
  let want: Float32Array | undefined;
  const times: number[] = [];
  for (const [build, bytes] of builds) {
    const { run, output } = task.setup(instantiate(bytes));
    run();
    const got = Float32Array.from(output());
    if (!want) want = got;
    else {
      // The new scalar build: the SIMD bits exactly. The old one: the same answer to rounding.
      const exact = build === "scalar";
      for (let i = 0; i < got.length; i++) {
        const ok = exact ? Object.is(got[i], want[i]) : Math.abs(got[i]! - want[i]!) <= 1e-4 * (1 + Math.abs(want[i]!));
        if (!ok)
          throw new Error(`${task.name} ${build}: [${i}] = ${got[i]}, SIMD ${want[i]}; not timing a wrong answer`);
      }
    }
    const t = await measure(`${task.name} ${build}`, run, false, { time: 600 });
    times.push(t.medianNs);
    results.push({ task: task.name, build, medianNs: t.medianNs });
  }
  const ratio = times[2] ? `${(times[1]! / times[2]).toFixed(2)}×` : "–";
  console.log(`  ${task.name.padEnd(32)} ${times.map((t) => fmtNs(t).padStart(26)).join("")}   ${ratio.padStart(8)}`);
}
const dir = root("bench/results");
mkdirSync(dir, { recursive: true });
writeFileSync(
  `${dir}/lanes.json`,
  JSON.stringify({ node: process.version, cpu: cpus()[0]?.model, date: new Date().toISOString(), results }, null, 2),
);
