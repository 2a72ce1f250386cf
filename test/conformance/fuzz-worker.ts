// Worker thread of fuzz.test.ts (bundled there with rolldown, so it runs the TypeScript
// sources): corrupts one ONNX file `count` times and runs each corruption through
// packOnnx → Model.load → predict. It announces every case before running it, so the parent
// can name the case when a watchdog has to terminate a hang.
import { readFileSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { EdgeInferError, Model } from "../../src/index.js";
import { packOnnx } from "../../src/pack.js";
import { attempt, corrupt, rng, wireFields } from "./fuzz-core.mjs";

export interface FuzzJob {
  file: string;
  seed: number;
  count: number;
  slowMs: number;
}
export type FuzzMessage =
  | { type: "start"; i: number; what: string }
  | {
      type: "done";
      counts: Record<string, number>;
      findings: string[];
      slowest: { ms: number; what: string };
      wireFields: number;
    };

const { file, seed, count, slowMs } = workerData as FuzzJob;
const post = (m: FuzzMessage) => parentPort!.postMessage(m);
const api = { packOnnx, Model, EdgeInferError };

const original = new Uint8Array(readFileSync(file));
const fields = wireFields(original) ?? [];
const r = rng(seed);
const counts: Record<string, number> = {};
const findings: string[] = [];
const slowest = { ms: 0, what: "" };

for (let i = 0; i < count; i++) {
  // One corruption in most cases, a chain of 2 to 4 in the rest.
  const steps = r.next() < 0.7 ? 1 : 2 + r.int(3);
  let bytes: Uint8Array = original;
  const what: string[] = [];
  for (let s = 0; s < steps; s++) {
    const [next, d] = corrupt(bytes, fields, r, bytes === original);
    bytes = next;
    what.push(d);
  }
  const label = `#${i} (seed ${seed}): ${what.join("; ")}`;
  post({ type: "start", i, what: label });
  const t0 = performance.now();
  const outcome = attempt(api, bytes, r);
  const ms = performance.now() - t0;
  if (ms > slowest.ms) Object.assign(slowest, { ms, what: label });
  const key = outcome.startsWith("BAD") ? "finding" : outcome;
  counts[key] = (counts[key] ?? 0) + 1;
  if (outcome.startsWith("BAD")) findings.push(`${label} → ${outcome.slice(4)}`);
  else if (ms > slowMs) findings.push(`${label} → took ${ms.toFixed(0)} ms (limit ${slowMs} ms)`);
}
post({ type: "done", counts, findings, slowest, wireFields: fields.length });
