// Corrupted ONNX files: 2000 deterministic corruptions (bit flips, byte stores, truncations,
// length-prefix bumps, varint stores) of each of 5 real fixtures. Every one must pack, load and
// predict (a row of info.inputLength values → info.outputLength values), or throw an
// EdgeInferError with an E_ code. Anything else fails: an untyped exception (TypeError,
// RangeError…), a case slower than SLOW_MS, or a hang (no progress for HANG_MS: the worker is
// terminated and the case named).
//
// Each fixture runs in a worker thread so that a hang or a runaway allocation cannot take the
// test runner with it; the worker (fuzz-worker.ts, which imports the TypeScript sources) is
// bundled with rolldown, the bundler vite is built on, into a temporary directory.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { build } from "rolldown";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FuzzJob, FuzzMessage } from "./fuzz-worker.js";

const FIXTURES = [
  "skl_lr_iris_string_labels", // LinearClassifier (string labels), Normalizer, ZipMap
  "skl_lr_binary_bc4", // binary LinearClassifier, Cast, Normalizer, ZipMap
  "skl_scaler_mlp_binary_bc_tanh", // Scaler, MatMul, Add, Tanh, Sigmoid, Sub, Concat, ArgMax, ArrayFeatureExtractor, Reshape
  "torch_bn_tanh_sigmoid_bc_op17", // BatchNormalization, Gemm, Tanh, Sigmoid
  "torch_matmul_digits_op11", // MatMul on [N, 8, 8], Relu, Flatten, Add
];
const CASES = 2000;
const SEED = 0x5eed_0000;
const SLOW_MS = 2000;
const HANG_MS = 10_000;

let dir = "";
let bundle = "";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "edgeinfer-fuzz-"));
  bundle = join(dir, "fuzz-worker.mjs");
  await build({
    input: fileURLToPath(new URL("./fuzz-worker.ts", import.meta.url)),
    platform: "node",
    resolve: { extensionAlias: { ".js": [".ts", ".js"] } },
    logLevel: "silent",
    output: { file: bundle, format: "esm" },
  });
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Done = Extract<FuzzMessage, { type: "done" }>;

/** Runs one fixture's corruptions in a worker; rejects on a hang, a crash or running out of memory. */
function fuzz(job: FuzzJob): Promise<Done> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(bundle, { workerData: job, resourceLimits: { maxOldGenerationSizeMb: 1024 } });
    let current = "before the first case";
    let settled = false;
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      f();
    };
    let timer = setTimeout(() => {}, 0);
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(
        () => finish(() => reject(new Error(`hang: no progress for ${HANG_MS} ms at ${current}`))),
        HANG_MS,
      );
    };
    arm();
    worker.on("message", (m: FuzzMessage) => {
      if (m.type === "start") {
        current = m.what;
        arm();
      } else {
        finish(() => resolve(m));
      }
    });
    worker.on("error", (e) => finish(() => reject(new Error(`worker died at ${current}: ${e.name}: ${e.message}`))));
    worker.on("exit", (code) => finish(() => reject(new Error(`worker exited (code ${code}) at ${current}`))));
  });
}

describe.concurrent(`ONNX corruption fuzz (${CASES} cases per file, seed 0x${SEED.toString(16)})`, () => {
  it.for(FIXTURES.map((name, k) => [name, k] as const))("%s", async ([name, k]) => {
    const file = fileURLToPath(new URL(`../fixtures/onnx/${name}.onnx`, import.meta.url));
    const done = await fuzz({ file, seed: SEED + k, count: CASES, slowMs: SLOW_MS });
    expect(done.findings, `corruptions of ${name}.onnx that neither packed nor threw an EdgeInferError`).toEqual([]);
    const total = Object.values(done.counts).reduce((a, b) => a + b, 0);
    expect(total).toBe(CASES);
    // The corruptions must reach past the decoder: some still pack and predict, some are refused by the importer.
    expect(done.counts.ok ?? 0, JSON.stringify(done.counts)).toBeGreaterThan(CASES / 20);
    expect(done.counts["refused E_UNSUPPORTED"] ?? 0, JSON.stringify(done.counts)).toBeGreaterThan(0);
    expect(done.wireFields).toBeGreaterThan(10);
  });
});
