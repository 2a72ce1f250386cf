// Tree ensembles no exporter here writes, hand-built (test/fixtures/trees/make_tree_models.py)
// and checked against onnxruntime-node 1.30 (ort.json from make_ort_refs.mjs): the post
// transforms SOFTMAX_ZERO and PROBIT, and the opset-5 TreeEnsemble (per-target tree copies
// merged back into vector leaves, BRANCH_MEMBER sets as chains of EQ nodes). Random trees over
// every mode, rows on thresholds and set members, NaNs routed by missing-value tracks.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Model, UnsupportedOpError } from "../../src/index.js";
import { describeStep } from "../../src/ops/index.js";
import { listOnnxNodes, pack } from "../../src/pack.js";
import { bits } from "../assembly/same-bits.js";
import { expectAllClose } from "../helpers/close.js";
import { type AttrSpec, onnxModel } from "../helpers/onnx-builder.js";
import { softmax } from "../helpers/reference.js";

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

describe.each([
  ["te5_sum_2targets", 3, "SUM, every mode, 2 targets"],
  ["te5_member_average", 4, "MEMBER sets, AVERAGE"],
  ["te5_max", 3, "MEMBER sets, 2 targets, MAX"],
  ["te5_softmax_zero", 3, "MEMBER sets, 3 targets, SOFTMAX_ZERO"],
])("%s: TreeEnsemble (ai.onnx.ml 5), %i trees, %s", (name, nTrees) => {
  it("matches onnxruntime; the per-target copies are merged back into one tree each", () => {
    const f = fixture(name);
    expectAllClose(f.y, f.ort.Y!, ORT);
    const trees = f.info.steps[0]!;
    expect(describeStep(trees)).toMatch(/^TREES /);
    expect(new DataView(f.image.buffer, f.image.byteOffset).getUint32(trees.aux, true)).toBe(nTrees);
    const { nodes, error } = listOnnxNodes(new Uint8Array(readFileSync(new URL(`${name}.onnx`, dir))));
    expect(error).toBeUndefined();
    expect(nodes.map((x) => [x.opType, x.supported])).toEqual([["TreeEnsemble", true]]);
  });
});

it("te5_member_softmax: post_transform 1 is SOFTMAX as ONNX numbers it (onnxruntime 1.30 reads it as LOGISTIC)", () => {
  const f = fixture("te5_member_softmax");
  const raw = ort.models.te5_member_softmax_raw!.Y!; // the same trees without the transform
  const want = Array.from({ length: f.n }, (_, r) => Array.from(softmax(raw.slice(3 * r, 3 * r + 3)))).flat();
  expectAllClose(f.y, want, ORT);
  expectAllClose(fixture("te5_member_softmax_raw").y, raw, ORT);
  expect(describeStep(f.info.steps[0]!)).toMatch(/softmax$/);
});

// ---- Small TreeEnsemble-5 graphs against the ONNX-ML definition

type V5 = Record<string, AttrSpec>;
const u8 = (v: number[]) => ({ tensor: v, dataType: 2 });
const f32 = (v: number[]) => ({ tensor: v });

/** x0 ∈ {1, 3} (MEMBER) ? (x1 < 2 ? leaf 0 : leaf 1) : leaf 2; one target. */
const member = (extra: V5 = {}): V5 => ({
  n_targets: 1,
  nodes_featureids: [0, 1],
  nodes_modes: u8([6, 1]),
  nodes_splits: f32([0, 2]),
  membership_values: f32([1, 3, NaN]),
  nodes_truenodeids: [1, 0],
  nodes_trueleafs: [0, 1],
  nodes_falsenodeids: [2, 1],
  nodes_falseleafs: [1, 1],
  nodes_missing_value_tracks_true: [1, 0],
  leaf_targetids: [0, 0, 0],
  leaf_weights: f32([10, 20, 30]),
  tree_roots: [0],
  ...extra,
});
const v5 = (attrs: V5) =>
  pack(
    onnxModel({
      mlOpset: 5,
      input: { name: "x", dims: ["N", 2] },
      nodes: [{ op: "TreeEnsemble", name: "trees", domain: "ai.onnx.ml", inputs: ["x"], outputs: ["y"], attrs }],
      outputs: ["y"],
    }),
  );

describe("TreeEnsemble-5 (ONNX-ML) on small graphs", () => {
  it("MEMBER is a chain of EQ nodes sharing the true child; NaN follows the node's missing track", () => {
    const m = Model.load(v5(member()));
    expect(m.info.nanSafe).toBe(true);
    // x0 = 1, 3 (members), 2, 0 (not), NaN (track true): x1 = 0 → leaf 0 under the member branch
    const rows = Float32Array.of(1, 0, 3, 0, 2, 0, 0, 5, NaN, 5, 3, 2);
    expect(Array.from(m.predictBatch(rows, 6))).toEqual([10, 10, 30, 30, 20, 20]);
  });

  it.each([
    [{ nodes_modes: u8([7, 1]) }, /nodes_modes\[0\] = 7 \(node 0\) is not a mode/],
    [{ membership_values: f32([]) }, /nodes_modes\[0\] is MEMBER \(node 0\), but membership_values has no set left/],
    [{ nodes_truenodeids: [5, 0] }, /nodes_truenodeids\[0\] = 5 is not a node \(there are 2\)/],
    [{ nodes_falsenodeids: [2, 7] }, /nodes_falsenodeids\[1\] = 7 is not a leaf \(there are 3\)/],
    [{ nodes_truenodeids: [0, 0] }, /node 0 is its own descendant/],
    [{ leaf_targetids: [0, 1, 0] }, /leaf_targetids\[1\] = 1 is not below n_targets 1/],
    [{ post_transform: 9 }, /post_transform 9 is not 0–4/],
    [{ aggregate_function: 4 }, /aggregate_function 4 is not 0–3/],
    [{ nodes_featureids: [0, 2] }, /nodes_featureids\[1\] = 2 \(node 1\): the input has 2 features/],
    [{ tree_roots: [3] }, /tree_roots\[0\] = 3 is not a node/],
    [{ nodes_splits: { tensor: [0, 2], dataType: 10 } }, /nodes_splits must be a float or double tensor/],
  ])("refuses %j, naming the node and the attribute", (extra, message) => {
    try {
      v5(member(extra as V5));
      expect.unreachable("accepted");
    } catch (e) {
      expect(e).toBeInstanceOf(UnsupportedOpError);
      const u = e as UnsupportedOpError;
      expect([u.node, u.opType]).toEqual(["trees", "TreeEnsemble"]);
      expect(u.detail).toMatch(message);
    }
  });
});
