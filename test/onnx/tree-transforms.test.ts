// Tree ensembles no exporter here writes, hand-built (test/fixtures/trees/make_tree_models.py)
// and checked against onnxruntime-node 1.30 (ort.json from make_ort_refs.mjs): the post
// transforms SOFTMAX_ZERO and PROBIT, and the opset-5 TreeEnsemble (per-target tree copies
// merged back into vector leaves, BRANCH_MEMBER sets as chains of EQ nodes). Random trees over
// every mode, rows on thresholds and set members, NaNs routed by missing-value tracks.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Model } from "../../src/index.js";
import { describeStep } from "../../src/ops/index.js";
import { pack } from "../../src/pack.js";
import { bits } from "../assembly/same-bits.js";
import { expectAllClose } from "../helpers/close.js";

const dir = new URL("../fixtures/trees/", import.meta.url);
const ort = JSON.parse(readFileSync(new URL("ort.json", dir), "utf8")) as {
  models: Record<string, Record<string, number[]>>;
};
/** onnxruntime's f32 against ours: the 1e-5 (PROBIT's log differs from glibc's by an ulp). */
const ORT = { rtol: 1e-5, atol: 1e-5 };

function fixture(name: string) {
  const bytes = new Uint8Array(readFileSync(new URL(`${name}.onnx`, dir)));
  const ref = JSON.parse(readFileSync(new URL(`${name}.ref.json`, dir), "utf8")) as {
    inputs: Array<Array<number | null>>;
  };
  const rows = Float32Array.from(ref.inputs.flat(), (v) => v ?? NaN);
  const image = pack(bytes);
  const n = ref.inputs.length;
  // allowNaN: a model whose tracks are all zero still routes NaN as ONNX defines it (the tests
  // of nanSafe are in trees.test.ts).
  const [simd, scalar] = (["require", "off"] as const).map((s) =>
    Model.load(image, { simd: s, allowNaN: true }).predictBatch(rows, n),
  );
  expect(bits(scalar!)).toEqual(bits(simd!));
  return { image, y: simd!, n, ort: ort.models[name]!, info: Model.load(image).info };
}

describe.each([
  ["post_softmax_zero_clf", "softmax_zero"],
  ["post_probit_clf", "probit"],
])("%s: TreeEnsembleClassifier with post_transform %s", (name, act) => {
  it("labels (from the scores before the transform, as onnxruntime) and scores match onnxruntime", () => {
    const f = fixture(name);
    const k = 3;
    const labels = f.info.outputs[0]!.labels!;
    const got = Array.from({ length: f.n }, (_, r) => labels[f.y[r * (k + 1)]!]);
    expect(got).toEqual(f.ort.label);
    const scores = Array.from({ length: f.n }, (_, r) => Array.from(f.y.subarray(r * (k + 1) + 1, (r + 1) * (k + 1))));
    expectAllClose(scores.flat(), f.ort.probabilities!, ORT);
    expect(f.info.steps.map((s) => describeStep(s).split(/\s+/)[0])).toEqual(["TREES", "ARGMAX", "ACT"]);
    expect(describeStep(f.info.steps[2]!)).toMatch(new RegExp(`${act}$`));
    expect(f.info.abiVersion).toBe(4);
  });
});

describe.each([
  ["post_softmax_zero_reg", "softmax_zero"],
  ["post_probit_reg", "probit"],
])("%s: TreeEnsembleRegressor with post_transform %s", (name, act) => {
  it("matches onnxruntime; the transform is fused into the TREES step", () => {
    const f = fixture(name);
    expectAllClose(f.y, f.ort.variable!, ORT);
    expect(f.info.steps.map(describeStep)).toEqual([expect.stringMatching(new RegExp(`^TREES .*${act}$`))]);
  });
});
