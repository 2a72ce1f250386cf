// ai.onnx.ml TreeEnsembleClassifier / TreeEnsembleRegressor, end to end: scikit-learn's
// DecisionTree, RandomForest and GradientBoosting models as skl2onnx converts them
// (test/fixtures/onnx/make_tree_fixtures.py) against scikit-learn's own predict and
// predict_proba, on held-out rows and on rows whose features sit exactly on a split (where the
// threshold rounding decides); both builds bit-identical. Then the node modes, missing values,
// aggregates, a DAG-shaped tree and the refusals on small hand-built graphs, against the
// ONNX-ML definition.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Model, UnsupportedOpError } from "../../src/index.js";
import { decodeOnnx } from "../../src/internal.js";
import { describeStep } from "../../src/ops/index.js";
import { listOnnxNodes, pack, packOnnx } from "../../src/pack.js";
import { bits } from "../assembly/same-bits.js";
import { expectAllClose, TOL } from "../helpers/close.js";
import { onnxModel } from "../helpers/onnx-builder.js";

const dir = new URL("../fixtures/onnx/", import.meta.url);

interface Ref {
  inputs: number[][];
  expected: { predict: Array<number | string>; predict_proba?: number[][] };
  classes?: Array<number | string>;
}

/** Regression targets (diabetes: 25 to 346) in f32: the 1e-5 relative. */
const REGRESSION = { rtol: 1e-5, atol: 1e-5 };

function fixture(name: string) {
  const bytes = new Uint8Array(readFileSync(new URL(`skl_tree_${name}.onnx`, dir)));
  const ref = JSON.parse(readFileSync(new URL(`skl_tree_${name}.json`, dir), "utf8")) as Ref;
  const rows = Float32Array.from(ref.inputs.flat());
  const image = pack(bytes);
  const predict = (simd: "require" | "off") => Model.load(image, { simd }).predictBatch(rows, ref.inputs.length);
  return { bytes, ref, rows, image, predict, n: ref.inputs.length };
}

const CLASSIFIERS = [
  ["dt_clf_iris", "DecisionTreeClassifier, iris, 3 classes"],
  ["dt_clf_iris_nozipmap", "DecisionTreeClassifier, iris, no ZipMap"],
  ["dt_clf_iris_f64thresholds_nozipmap", "DecisionTreeClassifier, iris, float64 thresholds as a tensor"],
  ["rf_clf_iris_strings", "RandomForestClassifier, iris, string labels"],
  ["rf_clf_bc", "RandomForestClassifier, breast_cancer, binary"],
  ["rf_clf_bc_nozipmap", "RandomForestClassifier, breast_cancer, binary, no ZipMap"],
  ["gb_clf_bc", "GradientBoostingClassifier, breast_cancer, binary (LOGISTIC, one score)"],
  ["gb_clf_bc_nozipmap", "GradientBoostingClassifier, breast_cancer, binary, no ZipMap"],
  ["gb_clf_iris", "GradientBoostingClassifier, iris, 3 classes (SOFTMAX)"],
  ["et_clf_iris_nozipmap", "ExtraTreesClassifier, iris, no ZipMap"],
] as const;

describe.each(CLASSIFIERS)("skl_tree_%s: %s (scikit-learn)", (name) => {
  const f = fixture(name);
  const k = f.ref.classes!.length;

  it("matches scikit-learn's predict_proba (TOL.framework) and predict (exactly), in both builds", () => {
    for (const simd of ["require", "off"] as const) {
      const model = Model.load(f.image, { simd });
      const labels = model.info.outputs[0]!.labels!;
      const y = f.predict(simd); // [label index, p0 … p(k−1)] per row
      const proba = Array.from({ length: f.n }, (_, r) => Array.from(y.subarray(r * (k + 1) + 1, (r + 1) * (k + 1))));
      expectAllClose(proba.flat(), f.ref.expected.predict_proba!.flat(), TOL.framework, simd);
      const got = Array.from({ length: f.n }, (_, r) => labels[y[r * (k + 1)]!]);
      expect(got, simd).toEqual(f.ref.expected.predict);
    }
  });

  it("is one TREES step and an ARGMAX; the same bits in both builds; inspect lists every node", () => {
    const info = Model.load(f.image).info;
    expect(info.steps.map((s) => describeStep(s).split(/\s+/)[0])).toEqual(["TREES", "ARGMAX"]);
    expect(info.abiVersion).toBe(4);
    expect(bits(f.predict("off"))).toEqual(bits(f.predict("require")));
    const { nodes, error } = listOnnxNodes(f.bytes);
    expect(error).toBeUndefined();
    expect(nodes.filter((x) => !x.supported)).toEqual([]);
  });
});

describe.each([
  ["dt_reg_diabetes", "DecisionTreeRegressor"],
  ["rf_reg_diabetes", "RandomForestRegressor (weights / n_estimators, SUM)"],
  ["et_reg_diabetes", "ExtraTreesRegressor (weights / n_estimators, SUM)"],
  ["gb_reg_diabetes", "GradientBoostingRegressor (base value, learning rate)"],
])("skl_tree_%s: %s on diabetes (scikit-learn)", (name) => {
  const f = fixture(name);

  it("matches scikit-learn's predict within 1e-5 relative, the same bits in both builds", () => {
    for (const simd of ["require", "off"] as const)
      expectAllClose(f.predict(simd), f.ref.expected.predict as number[], REGRESSION, simd);
    expect(bits(f.predict("off"))).toEqual(bits(f.predict("require")));
    expect(Model.load(f.image).info.steps.map(describeStep)).toEqual(["TREES        10 → 1     sum"]);
  });
});

it("the rows on thresholds decide: rounding the float64 thresholds to nearest gets a label wrong", () => {
  // The f64 fixture's thresholds, rounded to the nearest float32 (not down) in float attributes.
  const f = fixture("dt_clf_iris_f64thresholds_nozipmap");
  const attrs = treeAttrsOf(f.bytes);
  const rounded = { ...attrs, nodes_values: attrs.nodes_values!.map(Math.fround) };
  const image = packOnnx(onnxModel(classifierGraph(rounded, 4)));
  const y = Model.load(image).predictBatch(f.rows, f.n);
  const labels = Array.from({ length: f.n }, (_, r) => y[r * 4]);
  expect(labels).not.toEqual(f.ref.expected.predict);
});

// ---- Small graphs against the ONNX-ML definition

type Attrs = Record<string, number | string | number[] | string[]>;

/** The attributes of the fixture's tree node, as plain lists (double thresholds as numbers). */
function treeAttrsOf(bytes: Uint8Array): Attrs & { nodes_values?: number[] } {
  const out: Attrs & { nodes_values?: number[] } = {};
  for (const [k, v] of decodeOnnx(bytes).nodes[0]!.attrs) {
    if (k === "nodes_values_as_tensor") out.nodes_values = Array.from((v as { data: Float64Array }).data);
    else out[k] = v as number[];
  }
  return out;
}

function classifierGraph(attrs: Attrs, nFeatures: number, mlOpset = 3) {
  return {
    mlOpset,
    input: { name: "x", dims: ["N", nFeatures] },
    nodes: [
      {
        op: "TreeEnsembleClassifier",
        name: "trees",
        domain: "ai.onnx.ml",
        inputs: ["x"],
        outputs: ["label", "scores"],
        attrs,
      },
    ],
    outputs: ["label", "scores"],
  };
}

function regressor(attrs: Attrs, nFeatures = 2) {
  return packOnnx(
    onnxModel({
      mlOpset: 3,
      input: { name: "x", dims: ["N", nFeatures] },
      nodes: [
        { op: "TreeEnsembleRegressor", name: "trees", domain: "ai.onnx.ml", inputs: ["x"], outputs: ["y"], attrs },
      ],
      outputs: ["y"],
    }),
  );
}

/** One split on feature 0 at threshold 1 in `mode`: leaf 1 (true) weighs 10, leaf 2 (false) 20. */
const stump = (mode: string, extra: Attrs = {}): Attrs => ({
  n_targets: 1,
  nodes_treeids: [0, 0, 0],
  nodes_nodeids: [0, 1, 2],
  nodes_featureids: [0, 0, 0],
  nodes_modes: [mode, "LEAF", "LEAF"],
  nodes_values: [1, 0, 0],
  nodes_truenodeids: [1, 0, 0],
  nodes_falsenodeids: [2, 0, 0],
  target_treeids: [0, 0],
  target_nodeids: [1, 2],
  target_ids: [0, 0],
  target_weights: [10, 20],
  ...extra,
});

const X = [0.5, 0, 1, 0, 1.5, 0, NaN, 0];
const run = (image: Uint8Array, rows = X) =>
  Array.from(Model.load(image, { allowNaN: true }).predictBatch(Float32Array.from(rows), rows.length / 2));

describe("TreeEnsembleRegressor (ONNX-ML)", () => {
  it.each([
    // x = 0.5, 1, 1.5, NaN: NaN compares false (true for NEQ)
    ["BRANCH_LEQ", [10, 10, 20, 20]],
    ["BRANCH_LT", [10, 20, 20, 20]],
    ["BRANCH_GTE", [20, 10, 10, 20]],
    ["BRANCH_GT", [20, 20, 10, 20]],
    ["BRANCH_EQ", [20, 10, 20, 20]],
    ["BRANCH_NEQ", [10, 20, 10, 10]],
  ])("%s decides as ONNX-ML defines it, NaN included", (mode, want) => {
    expect(run(regressor(stump(mode)))).toEqual(want);
  });

  it.each([
    ["BRANCH_LEQ", [10, 10, 20, 10]],
    ["BRANCH_GT", [20, 20, 10, 10]],
    ["BRANCH_NEQ", [10, 20, 10, 10]],
  ])("%s with nodes_missing_value_tracks_true: NaN goes to the true child", (mode, want) => {
    expect(run(regressor(stump(mode, { nodes_missing_value_tracks_true: [1, 0, 0] })))).toEqual(want);
  });

  it("takes NaN without allowNaN once a missing-value track is true; all-zero or absent tracks refuse it by row and feature", () => {
    const routed = Model.load(regressor(stump("BRANCH_LEQ", { nodes_missing_value_tracks_true: [1, 0, 0] })));
    expect(routed.info.nanSafe).toBe(true);
    expect(describeStep(routed.info.steps[0]!)).toBe("TREES         2 → 1     sum, NaN routed");
    expect(Array.from(routed.predictBatch(Float32Array.from(X), 4))).toEqual([10, 10, 20, 10]);
    for (const extra of [{ nodes_missing_value_tracks_true: [0, 0, 0] }, {}] as Attrs[]) {
      const m = Model.load(regressor(stump("BRANCH_LEQ", extra)));
      expect(m.info.nanSafe).toBe(false);
      expect(() => m.predictBatch(Float32Array.from(X), 4)).toThrow(
        expect.objectContaining({ row: 3, column: 0, message: "row 3, feature 0 is NaN" }),
      );
    }
  });

  it("aggregates SUM, AVERAGE, MIN and MAX over two trees, then adds the base value", () => {
    const two = (agg: string): Attrs => {
      const a = stump("BRANCH_LEQ");
      return {
        ...a,
        aggregate_function: agg,
        base_values: [0.5],
        nodes_treeids: [0, 0, 0, 1, 1, 1],
        nodes_nodeids: [0, 1, 2, 0, 1, 2],
        nodes_featureids: [0, 0, 0, 1, 0, 0],
        nodes_modes: ["BRANCH_LEQ", "LEAF", "LEAF", "BRANCH_LEQ", "LEAF", "LEAF"],
        nodes_values: [1, 0, 0, 0, 0, 0],
        nodes_truenodeids: [1, 0, 0, 1, 0, 0],
        nodes_falsenodeids: [2, 0, 0, 2, 0, 0],
        target_treeids: [0, 0, 1, 1],
        target_nodeids: [1, 2, 1, 2],
        target_ids: [0, 0, 0, 0],
        target_weights: [10, 20, 4, 40],
      };
    };
    const rows = [0.5, 0, 1.5, 1]; // tree 1: feature 1 ≤ 0
    expect(run(regressor(two("SUM")), rows)).toEqual([14.5, 60.5]);
    expect(run(regressor(two("AVERAGE")), rows)).toEqual([7.5, 30.5]);
    expect(run(regressor(two("MIN")), rows)).toEqual([4.5, 20.5]);
    expect(run(regressor(two("MAX")), rows)).toEqual([10.5, 40.5]);
  });

  it("a DAG: two parents share one child (stored once), and the walk from each reaches it", () => {
    // 0: x0 ≤ 1 ? 1 : 2;  1: x1 ≤ 0 ? 3 : 4;  2: x1 ≤ 5 ? 3 : 5  (node 3 is shared)
    const image = regressor({
      n_targets: 1,
      nodes_treeids: [0, 0, 0, 0, 0, 0],
      nodes_nodeids: [0, 1, 2, 3, 4, 5],
      nodes_featureids: [0, 1, 1, 0, 0, 0],
      nodes_modes: ["BRANCH_LEQ", "BRANCH_LEQ", "BRANCH_LEQ", "LEAF", "LEAF", "LEAF"],
      nodes_values: [1, 0, 5, 0, 0, 0],
      nodes_truenodeids: [1, 3, 3, 0, 0, 0],
      nodes_falsenodeids: [2, 4, 5, 0, 0, 0],
      target_treeids: [0, 0, 0],
      target_nodeids: [3, 4, 5],
      target_ids: [0, 0, 0],
      target_weights: [7, 8, 9],
    });
    expect(run(image, [0, -1, 0, 1, 2, 4, 2, 6])).toEqual([7, 8, 7, 9]);
  });

  it.each([
    [{ nodes_modes: ["BRANCH_MEMBER", "LEAF", "LEAF"] }, /nodes_modes\[0\] = "BRANCH_MEMBER".*not supported/],
    [{ nodes_featureids: [5, 0, 0] }, /nodes_featureids\[0\] = 5 \(tree 0 node 0\): the input has 2 features/],
    [{ nodes_truenodeids: [7, 0, 0] }, /nodes_truenodeids\[0\] = 7: tree 0 node 0 points to a node/],
    [{ nodes_truenodeids: [0, 0, 0] }, /tree 0 node 0 is its own descendant \(the tree has a cycle\)/],
    [{ nodes_values: [1, 0] }, /nodes_values has 2 values for 3 nodes/],
    [{ target_nodeids: [0, 2] }, /target_nodeids\[0\]: tree 0 node 0 is a BRANCH_LEQ node, not a LEAF/],
    [{ target_ids: [0, 1] }, /target_ids\[1\] = 1 is not below 1/],
    [{ aggregate_function: "MEDIAN" }, /aggregate_function MEDIAN/],
    [{ post_transform: "EXP" }, /post_transform EXP is not NONE, LOGISTIC, SOFTMAX, SOFTMAX_ZERO or PROBIT/],
    [{ aggregate_function: "MIN", target_nodeids: [1, 1] }, /MIN\/MAX with a leaf .* does not weigh every target/],
  ])("refuses %j, naming the node and the attribute", (extra, message) => {
    try {
      regressor(stump("BRANCH_LEQ", extra as Attrs));
      expect.unreachable("accepted");
    } catch (e) {
      expect(e).toBeInstanceOf(UnsupportedOpError);
      const u = e as UnsupportedOpError;
      expect([u.node, u.opType, u.domain]).toEqual(["trees", "TreeEnsembleRegressor", "ai.onnx.ml"]);
      expect(u.detail).toMatch(message);
    }
  });
});
