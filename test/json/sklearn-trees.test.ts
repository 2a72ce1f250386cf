// scikit-learn tree models, two ways (test/fixtures/trees/make_skl_fixtures.py): a fitted
// DecisionTree, RandomForest or ExtraTrees dumped as JSON under scikit-learn's own names, and
// HistGradientBoosting models (fitted on data with NaNs) as skl2onnx writes them. References:
// scikit-learn 1.2.1's own predict / predict_proba on held-out rows and rows on split
// thresholds; the ONNX graphs also against onnxruntime-node 1.30 (ort.json).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Model, ModelSpecError } from "../../src/index.js";
import { describeStep } from "../../src/ops/index.js";
import { pack } from "../../src/pack.js";
import { bits } from "../assembly/same-bits.js";
import { expectAllClose, TOL } from "../helpers/close.js";

const dir = new URL("../fixtures/trees/", import.meta.url);
const read = (file: string) => readFileSync(new URL(file, dir), "utf8");
const ort = JSON.parse(read("ort.json")) as { models: Record<string, Record<string, number[]>> };
const REGRESSION = { rtol: 1e-5, atol: 1e-5 };

interface Ref {
  inputs: Array<Array<number | null>>;
  expected: { predict: Array<number | string>; predict_proba?: number[][] };
}

function run(image: Uint8Array, name: string) {
  const ref = JSON.parse(read(`${name}.ref.json`)) as Ref;
  const rows = Float32Array.from(ref.inputs.flat(), (v) => v ?? NaN);
  const n = ref.inputs.length;
  const [simd, scalar] = (["require", "off"] as const).map((s) => Model.load(image, { simd: s }).predictBatch(rows, n));
  expect(bits(scalar!)).toEqual(bits(simd!));
  return { y: simd!, ref, n, info: Model.load(image).info, rows };
}

const argmaxLabels = (y: Float32Array, n: number, labels: Array<number | string>) =>
  Array.from({ length: n }, (_, r) => {
    const p = Array.from(y.subarray(r * labels.length, (r + 1) * labels.length));
    return labels[p.indexOf(Math.max(...p))];
  });

describe.each([
  ["skl_json_dt_clf_iris", "DecisionTreeClassifier, iris, feature names"],
  ["skl_json_rf_clf_bc", "RandomForestClassifier, breast_cancer"],
  ["skl_json_et_clf_iris_strings", "ExtraTreesClassifier, iris, string labels"],
])("%s: %s as JSON under scikit-learn's names", (name) => {
  it("predict_proba within TOL.framework, predict exactly (rows on thresholds included)", () => {
    const f = run(pack(read(`${name}.json`)), name);
    const labels = f.info.outputs[0]!.labels!;
    expectAllClose(f.y, f.ref.expected.predict_proba!.flat(), TOL.framework);
    expect(argmaxLabels(f.y, f.n, labels)).toEqual(f.ref.expected.predict);
    expect(f.info.nanSafe).toBe(false); // scikit-learn 1.2's trees refuse NaN
    expect(f.info.kind).toMatch(/^scikit-learn /);
  });
});

describe.each([
  ["skl_json_dt_reg_diabetes", "DecisionTreeRegressor, feature names"],
  ["skl_json_rf_reg_diabetes", "RandomForestRegressor"],
  ["skl_json_et_reg_diabetes", "ExtraTreesRegressor"],
])("%s: %s as JSON under scikit-learn's names", (name) => {
  it("predict within 1e-5 relative", () => {
    const f = run(pack(read(`${name}.json`)), name);
    expectAllClose(f.y, f.ref.expected.predict as number[], REGRESSION);
  });
});

it("keeps feature_names_in_", () => {
  const info = Model.load(pack(read("skl_json_dt_reg_diabetes.json"))).info;
  expect(info.featureNames).toEqual(["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]);
});

describe.each([
  ["skl_hgb_clf_bc", 2],
  ["skl_hgb_clf_iris", 3],
])("%s: HistGradientBoostingClassifier as skl2onnx writes it, NaN in the rows", (name, k) => {
  it("takes NaN without allowNaN; predict_proba, predict and onnxruntime's output match", () => {
    const f = run(pack(new Uint8Array(readFileSync(new URL(`${name}.onnx`, dir)))), name);
    expect(f.info.nanSafe).toBe(true);
    expect(f.rows.some(Number.isNaN)).toBe(true);
    const proba = Array.from({ length: f.n }, (_, r) => Array.from(f.y.subarray(r * (k + 1) + 1, (r + 1) * (k + 1))));
    expectAllClose(proba.flat(), f.ref.expected.predict_proba!.flat(), TOL.framework, "scikit-learn");
    expectAllClose(proba.flat(), ort.models[name]!.probabilities!, TOL.framework, "onnxruntime");
    const labels = Array.from({ length: f.n }, (_, r) => f.y[r * (k + 1)]);
    expect(labels).toEqual(f.ref.expected.predict);
    expect(describeStep(f.info.steps[0]!)).toMatch(/NaN routed/);
  });
});

it("skl_hgb_reg_diabetes: HistGradientBoostingRegressor, NaN routed, scikit-learn's and onnxruntime's predict", () => {
  const f = run(pack(new Uint8Array(readFileSync(new URL("skl_hgb_reg_diabetes.onnx", dir)))), "skl_hgb_reg_diabetes");
  expect(f.info.nanSafe).toBe(true);
  expectAllClose(f.y, f.ref.expected.predict as number[], REGRESSION, "scikit-learn");
  expectAllClose(f.y, ort.models.skl_hgb_reg_diabetes!.variable!, REGRESSION, "onnxruntime");
});

/** The fixture's JSON, loosely typed for the mutations below. */
interface Dump {
  estimators_: Array<{ tree_: Record<string, unknown[]> & { value: number[][][]; children_left: number[] } }>;
  [k: string]: unknown;
}

const tree = (m: Dump, t: number) => m.estimators_[t]!.tree_;

describe("refusals name the field, tree and node", () => {
  const base = () => JSON.parse(read("skl_json_rf_clf_bc.json")) as Dump;
  const refusal = (m: unknown) => {
    try {
      pack(JSON.stringify(m));
    } catch (e) {
      expect(e).toBeInstanceOf(ModelSpecError);
      return (e as ModelSpecError).path;
    }
    throw new Error("packed");
  };
  it.each([
    ["a feature past n_features_in_", (m: Dump) => (tree(m, 2).feature![0] = 30), "estimators_[2].tree_.feature[0]"],
    ["a cycle", (m: Dump) => (tree(m, 1).children_right![0] = 0), "estimators_[1].tree_.children_right[0]"],
    [
      "a child out of range",
      (m: Dump) => (tree(m, 0).children_left[0] = 10_000),
      "estimators_[0].tree_.children_left[0]",
    ],
    ["a non-finite threshold", (m: Dump) => (tree(m, 0).threshold![0] = "x"), "estimators_[0].tree_.threshold[0]"],
    [
      "a leaf value of the wrong width",
      (m: Dump) => tree(m, 3).value[tree(m, 3).children_left.indexOf(-1)]![0]!.push(1),
      expect.stringMatching(/^estimators_\[3\]\.tree_\.value\[\d+\]$/),
    ],
    ["multi-output", (m: Dump) => (m.n_outputs_ = 2), "n_outputs_"],
    ["no classes", (m: Dump) => delete m.classes_, "classes_"],
    ["an unknown field", (m: Dump) => (m.coef_ = [1]), "coef_"],
    ["an unknown tree field", (m: Dump) => (tree(m, 0).impurity = []), "estimators_[0].tree_.impurity"],
  ])("%s", (_, mutate, path) => {
    const m = base();
    mutate(m);
    expect(refusal(m)).toEqual(path);
  });
});

describe.each(["skl_rf_clf_bc_oneweight", "skl_dt_clf_bc_oneweight"])(
  "%s: a binary forest as skl2onnx writes it today (class 1's weight only, post_transform NONE)",
  (name) => {
    it("the scores are [1 − s, s] (predict_proba, as onnxruntime), the labels scikit-learn's", () => {
      const f = run(pack(new Uint8Array(readFileSync(new URL(`${name}.onnx`, dir)))), name);
      const proba = Array.from({ length: f.n }, (_, r) => Array.from(f.y.subarray(r * 3 + 1, r * 3 + 3)));
      expectAllClose(proba.flat(), f.ref.expected.predict_proba!.flat(), TOL.framework, "scikit-learn");
      expectAllClose(proba.flat(), ort.models[name]!.probabilities!, TOL.framework, "onnxruntime");
      expect(Array.from({ length: f.n }, (_, r) => f.y[r * 3])).toEqual(f.ref.expected.predict);
    });
  },
);
