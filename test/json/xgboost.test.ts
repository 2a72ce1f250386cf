// XGBoost models, two ways: XGBoost's own JSON model file (save_model) packed directly, and the
// ONNX graph onnxmltools' XGBoost converter writes for the scikit-learn wrappers
// (test/fixtures/xgboost/make_xgb_fixtures.py). Both against XGBoost's own predict /
// predict_proba on held-out rows with NaNs (default directions), rows on thresholds (strict <)
// and all-NaN rows; the ONNX graphs also against onnxruntime-node (ort.json, make_ort_refs.mjs).
// No allowNaN anywhere: XGBoost routes missing values, so the images take NaN.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildStandalone } from "../../src/build/standalone.js";
import { Model, ModelSpecError } from "../../src/index.js";
import { describeStep } from "../../src/ops/index.js";
import { pack } from "../../src/pack.js";
import { bits } from "../assembly/same-bits.js";
import { cli } from "../helpers/cli.js";
import { expectAllClose, TOL } from "../helpers/close.js";
import { instantiateStandalone, predictRows } from "../helpers/standalone.js";

const dir = new URL("../fixtures/xgboost/", import.meta.url);
const read = (file: string) => readFileSync(new URL(file, dir), "utf8");

interface Ref {
  inputs: Array<Array<number | null>>;
  expected: { predict: number[]; predict_proba?: number[][] };
  classes?: number[];
  objective: string;
  feature_names?: string[];
}
const ort = JSON.parse(read("ort.json")) as { models: Record<string, Record<string, number[]>> };

function load(name: string) {
  const ref = JSON.parse(read(`${name}.ref.json`)) as Ref;
  const rows = Float32Array.from(ref.inputs.flat(), (v) => v ?? NaN);
  return { ref, rows, n: ref.inputs.length };
}

/** Rows through an image, both builds; the two builds' bits must agree. */
function run(image: Uint8Array, rows: Float32Array, n: number) {
  const [simd, scalar] = (["require", "off"] as const).map((s) => Model.load(image, { simd: s }).predictBatch(rows, n));
  expect(bits(scalar!)).toEqual(bits(simd!));
  return simd!;
}

const CLASSIFIERS = [
  ["xgb_binary_bc", "binary:logistic, breast_cancer, base_score 0.5"],
  ["xgb_binary_bc_base03", "binary:logistic, base_score 0.3 (a logit margin)"],
  ["xgb_rf_binary_bc", "XGBRFClassifier: 6 parallel trees"],
  ["xgb_multi_iris", "multi:softprob, iris, 3 classes"],
] as const;

describe.each(CLASSIFIERS)("%s: %s", (name) => {
  const f = load(name);
  const k = f.ref.classes!.length;

  it("save_model's JSON: predict_proba within TOL.framework and predict exactly, NaN without allowNaN", () => {
    const image = pack(read(`${name}.model.json`));
    const model = Model.load(image);
    expect(model.info.nanSafe).toBe(true);
    expect(model.info.outputs[0]!.labels).toEqual(f.ref.classes);
    expect(f.rows.some(Number.isNaN)).toBe(true);
    const y = run(image, f.rows, f.n);
    expectAllClose(y, f.ref.expected.predict_proba!.flat(), TOL.framework);
    const labels = Array.from({ length: f.n }, (_, r) => {
      const p = Array.from(y.subarray(r * k, (r + 1) * k));
      return p.indexOf(Math.max(...p));
    });
    expect(labels).toEqual(f.ref.expected.predict);
    expect(describeStep(model.info.steps[0]!)).toMatch(/^TREES .* sum, NaN routed, /);
  });

  it("onnxmltools' ONNX: the same labels and probabilities, and onnxruntime's", () => {
    const image = pack(new Uint8Array(readFileSync(new URL(`${name}.onnx`, dir))));
    expect(Model.load(image).info.nanSafe).toBe(true);
    const y = run(image, f.rows, f.n); // [label index, p0 … p(k−1)] per row
    const proba = Array.from({ length: f.n }, (_, r) => Array.from(y.subarray(r * (k + 1) + 1, (r + 1) * (k + 1))));
    expectAllClose(proba.flat(), f.ref.expected.predict_proba!.flat(), TOL.framework, "xgboost");
    expectAllClose(proba.flat(), ort.models[name]!.probabilities!, TOL.framework, "onnxruntime");
    const labels = Array.from({ length: f.n }, (_, r) => y[r * (k + 1)]);
    expect(labels).toEqual(f.ref.expected.predict);
    expect(labels).toEqual(ort.models[name]!.label);
  });
});

const REGRESSORS = [
  ["xgb_reg_diabetes", "reg:squarederror"],
  ["xgb_reg_logistic_names", "reg:logistic (sigmoid of the margin), feature names"],
  ["xgb_reg_absolute_names", "reg:absoluteerror, base_score 142, feature names"],
  ["xgb_logitraw_names", "binary:logitraw (the margin), feature names"],
] as const;

describe.each(REGRESSORS)("%s: %s", (name) => {
  const f = load(name);

  it("save_model's JSON: predict within 1e-5 relative, NaN without allowNaN, feature names kept", () => {
    const image = pack(read(`${name}.model.json`));
    const model = Model.load(image);
    expect(model.info.nanSafe).toBe(true);
    expect(model.info.featureNames).toEqual(f.ref.feature_names);
    expect(model.info.kind).toBe(`xgboost ${f.ref.objective}`);
    expectAllClose(run(image, f.rows, f.n), f.ref.expected.predict, TOL.frameworkValues);
  });
});

it("xgb_reg_diabetes, onnxmltools' ONNX: XGBoost's predict and onnxruntime's", () => {
  const f = load("xgb_reg_diabetes");
  const image = pack(new Uint8Array(readFileSync(new URL("xgb_reg_diabetes.onnx", dir))));
  const y = run(image, f.rows, f.n);
  expectAllClose(y, f.ref.expected.predict, TOL.frameworkValues, "xgboost");
  expectAllClose(y, ort.models.xgb_reg_diabetes!.variable!, TOL.frameworkValues, "onnxruntime");
});

it("the CLI: pack m.json, inspect says NaN routed, predict --format json maps CSV columns by name, empty cells are NaN", async () => {
  const f = load("xgb_reg_logistic_names");
  const tmp = mkdtempSync(join(tmpdir(), "edgeinfer-xgb-"));
  const image = join(tmp, "m.eim");
  expect((await cli(["pack", new URL("xgb_reg_logistic_names.model.json", dir).pathname, "-o", image])).code).toBe(0);
  expect((await cli(["inspect", image])).out).toMatch(/TREES\s+10 → 1\s+sum, NaN routed, sigmoid/);
  // Columns in reverse order, read by name; rows 18–22 hold NaNs (empty cells).
  const names = [...f.ref.feature_names!].reverse();
  const rows = f.ref.inputs.slice(18, 23);
  expect(rows.flat()).toContain(null);
  const csv = [
    names.join(","),
    ...rows.map((r) =>
      [...r]
        .reverse()
        .map((v) => v ?? "")
        .join(","),
    ),
  ].join("\n");
  writeFileSync(join(tmp, "rows.csv"), `${csv}\n`);
  const r = await cli(["predict", image, join(tmp, "rows.csv"), "--format", "json"]);
  expect(r.code).toBe(0);
  const got = (JSON.parse(r.out) as { predictions: number[][] }).predictions.flat();
  expectAllClose(got, f.ref.expected.predict.slice(18, 23), TOL.frameworkValues);
});

// ---- Refusals, each naming its field

const base = () => JSON.parse(read("xgb_binary_bc_base03.model.json"));
const refusal = (m: unknown) => {
  try {
    pack(JSON.stringify(m));
  } catch (e) {
    expect(e).toBeInstanceOf(ModelSpecError);
    return { path: (e as ModelSpecError).path, message: (e as Error).message };
  }
  throw new Error("packed");
};

describe("refusals name the tree and node", () => {
  it("an objective without a transform here (count:poisson)", () => {
    const m = base();
    m.learner.objective.name = "count:poisson";
    expect(refusal(m).path).toBe("learner.objective.name");
    expect(refusal(m).message).toMatch(/count:poisson.*not supported/);
  });

  it("a split type other than 0 and 1", () => {
    const m = base();
    m.learner.gradient_booster.model.trees[2].split_type[1] = 2;
    expect(refusal(m).path).toBe("learner.gradient_booster.model.trees[2].split_type[1]");
  });

  it("a feature past num_feature", () => {
    const m = base();
    m.learner.gradient_booster.model.trees[1].split_indices[0] = 30;
    expect(refusal(m)).toEqual({
      path: "learner.gradient_booster.model.trees[1].split_indices[0]",
      message: expect.stringMatching(/reads feature 30; the model has 30/),
    });
  });

  it("a cycle, a child out of range, arrays of the wrong length, a gblinear booster", () => {
    let m = base();
    m.learner.gradient_booster.model.trees[0].right_children[1] = 0;
    expect(refusal(m).path).toBe("learner.gradient_booster.model.trees[0].right_children[1]");
    expect(refusal(m).message).toMatch(/reached twice/);
    m = base();
    m.learner.gradient_booster.model.trees[0].left_children[0] = 999;
    expect(refusal(m).message).toMatch(/child 999 is not a node/);
    m = base();
    m.learner.gradient_booster.model.trees[3].default_left.pop();
    expect(refusal(m).path).toBe("learner.gradient_booster.model.trees[3].default_left");
    m = base();
    m.learner.gradient_booster.name = "gblinear";
    expect(refusal(m).path).toBe("learner.gradient_booster.name");
  });

  it("a tree_info group past the classes, a non-numeric base_score", () => {
    let m = base();
    m.learner.gradient_booster.model.tree_info[4] = 1;
    expect(refusal(m).path).toBe("learner.gradient_booster.model.tree_info[4]");
    m = base();
    m.learner.learner_model_param.base_score = "half";
    expect(refusal(m).path).toBe("learner.learner_model_param.base_score");
  });
});

describe.each([
  ["xgb_categorical_binary", 2],
  ["xgb_categorical_multi", 3],
])("%s: categorical splits (partition sets), XGBoost's JSON with its bare NaN", (name, k) => {
  it("matches XGBoost's predict, also for truncated (2.5), negative, out-of-range and NaN categories", () => {
    const f = load(name);
    const text = read(`${name}.model.json`);
    expect(text).toMatch(/[[,]NaN[,\]]/); // not JSON: the importer reads it anyway
    const image = pack(text);
    expect(Model.load(image).info.nanSafe).toBe(true);
    const y = run(image, f.rows, f.n);
    const want = (f.ref.expected.predict as unknown as Array<number | number[]>).flat();
    const got = k === 2 ? Array.from({ length: f.n }, (_, r) => y[2 * r + 1]!) : Array.from(y);
    expectAllClose(got, want, TOL.framework);
  });
});

it("a categorical split without its categories is refused by name", () => {
  const m = JSON.parse(read("xgb_categorical_binary.model.json").replace(/\bNaN\b/g, "null"));
  const t = m.learner.gradient_booster.model.trees.findIndex((x: { split_type: number[] }) => x.split_type.includes(1));
  m.learner.gradient_booster.model.trees[t].categories_nodes = [];
  m.learner.gradient_booster.model.trees[t].categories_segments = [];
  m.learner.gradient_booster.model.trees[t].categories_sizes = [];
  expect(() => pack(JSON.stringify(m))).toThrow(
    expect.objectContaining({ path: `learner.gradient_booster.model.trees[${t}].categories_nodes` }),
  );
});

describe.each([
  ["xgb_categorical_binary", 2],
  ["xgb_categorical_multi", 3],
])("%s.onnx: onnxmltools' categorical splits, chains of BRANCH_EQ sharing a child (a DAG)", (name, k) => {
  it("matches onnxruntime on every row, and XGBoost on the held-out rows (whole categories)", () => {
    const f = load(name);
    const image = pack(new Uint8Array(readFileSync(new URL(`${name}.onnx`, dir))));
    const y = run(image, f.rows, f.n);
    const proba = Array.from({ length: f.n }, (_, r) => Array.from(y.subarray(r * (k + 1) + 1, (r + 1) * (k + 1))));
    expectAllClose(proba.flat(), ort.models[name]!.probabilities!, TOL.framework, "onnxruntime");
    expect(Array.from({ length: f.n }, (_, r) => y[r * (k + 1)])).toEqual(ort.models[name]!.label);
    const xgb = (f.ref.expected.predict as unknown as Array<number | number[]>).slice(0, 20);
    const want = k === 2 ? xgb.map((p) => [1 - (p as number), p as number]) : xgb;
    expectAllClose(proba.slice(0, 20).flat(), want.flat(), TOL.framework, "xgboost");
  });
});

it("edgeinfer build: an XGBoost model's standalone module takes NaN rows (no allowNaN) with the runtime's bits", async () => {
  const f = load("xgb_multi_iris");
  const image = pack(read("xgb_multi_iris.model.json"));
  const rows = f.ref.inputs.map((r) => r.map((v) => v ?? NaN));
  for (const simd of [true, false]) {
    const { wasm } = await buildStandalone(image, { simd });
    const got = predictRows(instantiateStandalone(wasm), rows);
    expect(got.status.every((s) => s === 0)).toBe(true);
    const want = Model.load(image, { simd: simd ? "require" : "off" }).predictBatch(f.rows, f.n);
    expect(bits(got.y)).toEqual(bits(want));
  }
});

it("xgb_multi_softmax_iris: multi:softmax's predict (the class index) is the probabilities' argmax", () => {
  const f = load("xgb_multi_softmax_iris");
  const image = pack(read("xgb_multi_softmax_iris.model.json"));
  const y = run(image, f.rows, f.n);
  const labels = Array.from({ length: f.n }, (_, r) => {
    const p = Array.from(y.subarray(3 * r, 3 * r + 3));
    return p.indexOf(Math.max(...p));
  });
  expect(labels).toEqual(f.ref.expected.predict);
  expect(Model.load(image).info.outputs[0]!.labels).toEqual([0, 1, 2]);
});
