// The refactoring guard of issue 13: every fixture packs to the same bytes and predicts the same
// bits as when test/golden/golden.json was written (before the by-operator layout). A change
// that is meant to alter an image or an output regenerates the file on purpose
// (`GOLDEN_WRITE=1 npx vitest run test/golden`) and says why in its commit.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { pack } from "../../src/pack.js";
import { Runtime } from "../../src/runtime/runtime.js";
import { everyOpModel } from "../helpers/models.js";
import { seeded } from "../helpers/rng.js";

const root = new URL("../../", import.meta.url);
const goldenUrl = new URL("./golden.json", import.meta.url);
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

interface Case {
  name: string;
  image: () => Uint8Array;
}

/**
 * Fixtures added after golden.json was written, for models that did not pack before (the ABI 4
 * activations, the Imputer): their outputs are pinned against PyTorch and scikit-learn in
 * test/onnx/fixtures.test.ts and their two builds against each other in
 * test/onnx/activations.test.ts and test/onnx/imputer.test.ts, not here.
 */
const AFTER_GOLDEN = /^(torch_act_|skl_imputer_|skl_tree_|skl_pipe_|skl_svm_|sklearn_)/;

const files = (dir: string, ext: string) =>
  readdirSync(new URL(dir, root))
    .filter((f) => f.endsWith(ext) && !AFTER_GOLDEN.test(f))
    .sort()
    .map((f) => `${dir}${f}`);
const read = (path: string) => new Uint8Array(readFileSync(new URL(path, root)));

function cases(): Case[] {
  const out: Case[] = [];
  const models = [
    ...files("test/fixtures/onnx/", ".onnx"),
    ...files("test/fixtures/onnx-quant/", ".onnx"),
    ...files("test/fixtures/json/", ".json"),
    ...files("bench/models/", ".onnx"),
    "examples/logistic-regression/model.json",
  ];
  // test/fixtures/json holds {model, rows, expected}: the model is its "model" field.
  const model = (path: string) =>
    path.startsWith("test/fixtures/json/")
      ? JSON.stringify(JSON.parse(readFileSync(new URL(path, root), "utf8")).model)
      : read(path);
  for (const path of models) {
    out.push({ name: path, image: () => pack(model(path)) });
    out.push({ name: `${path} --quantize int8`, image: () => pack(model(path), { quantize: "int8" }) });
  }
  out.push({ name: "everyOpModel", image: () => everyOpModel() });
  return out;
}

/** 17 seeded rows (one block and a partial one for small batchRows), some with zeros for the skipping kernels. */
function rows(name: string, width: number): Float32Array {
  const r = seeded(name);
  const x = r.floats(17 * width, -2, 2);
  for (let i = 0; i < x.length; i++) if (r.next() < 0.3) x[i] = 0;
  return x;
}

function outputsHash(image: Uint8Array, simd: "require" | "off", name: string): string {
  const rt = new Runtime({ simd });
  const m = rt.load(image);
  const n = m.info.inputLength,
    k = m.info.outputLength;
  const x = rows(name, n);
  const h = createHash("sha256");
  const batch = new Float32Array(17 * k);
  m.predictBatch(x, 17, batch);
  h.update(new Uint8Array(batch.buffer));
  for (let r = 0; r < 17; r++)
    h.update(new Uint8Array(Float32Array.from(m.predict(x.subarray(r * n, (r + 1) * n))).buffer));
  m.dispose();
  return h.digest("hex");
}

type Golden = Record<string, { image: string; simd: string; scalar: string } | { error: string }>;

function compute(c: Case): Golden[string] {
  let image: Uint8Array;
  try {
    image = c.image();
  } catch (e) {
    return { error: `${(e as Error).constructor.name}: ${(e as Error).message}` };
  }
  return { image: sha(image), simd: outputsHash(image, "require", c.name), scalar: outputsHash(image, "off", c.name) };
}

if (process.env.GOLDEN_WRITE) {
  it("writes test/golden/golden.json", () => {
    const g: Golden = {};
    for (const c of cases()) g[c.name] = compute(c);
    writeFileSync(goldenUrl, `${JSON.stringify(g, null, 1)}\n`);
  });
} else {
  const golden = JSON.parse(readFileSync(goldenUrl, "utf8")) as Golden;
  describe("every fixture packs to the committed bytes and predicts the committed bits", () => {
    it("covers the same cases as the committed list", () => {
      expect(
        cases()
          .map((c) => c.name)
          .sort(),
      ).toEqual(Object.keys(golden).sort());
    });
    for (const c of cases()) {
      it(c.name, () => {
        expect(compute(c)).toEqual(golden[c.name]);
      });
    }
  });
  // Issue 19: one model, one answer in every build (wasm2c, wasm3 and WAMR run the scalar one).
  describe("the scalar build predicts the SIMD build's bits", () => {
    for (const [name, g] of Object.entries(golden)) {
      if ("error" in g) continue; // a case that does not pack has no outputs
      it(name, () => {
        expect(g.scalar).toBe(g.simd);
      });
    }
  });
}
