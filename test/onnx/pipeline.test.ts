// Pipelines as skl2onnx exports them, end to end: a ColumnTransformer (SimpleImputer +
// StandardScaler on nine float columns, OneHotEncoder on an int64 column, Binarizer on two)
// before a LogisticRegression, one graph input per column (test/fixtures/onnx/
// make_pipeline_fixtures.py; onnxruntime-node agrees, check_pipeline_fixtures.mjs), against
// scikit-learn's own predict / predict_proba, rows given by column name; then Gather,
// ArrayFeatureExtractor, FeatureVectorizer, Binarizer, OneHotEncoder, Cast and several inputs on
// small graphs against the ONNX definitions, and their refusals.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ModelSpecError, UnsupportedOpError } from "../../src/errors.js";
import { Model } from "../../src/index.js";
import { parseCsvRows, parseJsonRows } from "../../src/io/rows.js";
import { DataType } from "../../src/onnx/decode.js";
import { describeStep } from "../../src/ops/index.js";
import { pack, packOnnx } from "../../src/pack.js";
import { bits } from "../assembly/same-bits.js";
import { expectAllClose, TOL } from "../helpers/close.js";
import { type GraphSpec, onnxModel } from "../helpers/onnx-builder.js";

const dir = new URL("../fixtures/onnx/", import.meta.url);

interface Ref {
  inputs: Array<Record<string, number | null>>;
  expected: { predict: number[]; predict_proba: number[][] };
  onnxruntime: { predict_mismatches: number };
}

const COLUMNS = ["age", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6", "sex"];

describe.each(["skl_pipe_columns_lr_diabetes", "skl_pipe_columns_lr_diabetes_nozipmap"])(
  "%s: ColumnTransformer → LogisticRegression, one input per column (scikit-learn)",
  (name) => {
    const bytes = new Uint8Array(readFileSync(new URL(`${name}.onnx`, dir)));
    const ref = JSON.parse(readFileSync(new URL(`${name}.json`, dir), "utf8")) as Ref;
    const image = pack(bytes);
    const n = ref.inputs.length;
    // JSON rows keyed by column name, null for a missing number (NaN).
    const json = JSON.stringify(ref.inputs);

    it("packs the 10 inputs into one row, in the graph's order, named by the inputs", () => {
      const info = Model.load(image, { allowNaN: true }).info;
      expect(info.featureNames).toEqual(COLUMNS);
      expect(info.inputLength).toBe(10);
      expect(ref.onnxruntime.predict_mismatches).toBe(0);
    });

    it("matches scikit-learn's predict exactly and predict_proba within 1e-5, rows by name, both builds", () => {
      const outs = (["require", "off"] as const).map((simd) => {
        const m = Model.load(image, { simd, allowNaN: true });
        const rows = parseJsonRows(json, m.info);
        expect(rows.values.some(Number.isNaN)).toBe(true);
        const y = m.predictBatch(rows.values, n); // [label, p0, p1] per row
        expect(Array.from({ length: n }, (_, r) => y[3 * r])).toEqual(ref.expected.predict);
        const proba = Array.from({ length: n }, (_, r) => [y[3 * r + 1]!, y[3 * r + 2]!]);
        expectAllClose(proba.flat(), ref.expected.predict_proba.flat(), TOL.framework, simd);
        return bits(y);
      });
      expect(outs[1]).toEqual(outs[0]);
    });

    it("a CSV whose header orders the columns otherwise maps them by name", () => {
      const m = Model.load(image, { allowNaN: true });
      const order = [...COLUMNS].reverse();
      const csv = [order.join(","), ...ref.inputs.map((r) => order.map((c) => r[c] ?? "").join(","))].join("\n");
      expect(Array.from(parseCsvRows(csv, m.info).values)).toEqual(Array.from(parseJsonRows(json, m.info).values));
    });

    it("each column transformer is one step: GATHERs unpack the row, ONE_HOT, binarize, IMPUTE", () => {
      const steps = Model.load(image, { allowNaN: true }).info.steps.map(describeStep);
      expect(steps.filter((s) => s.startsWith("GATHER"))).toHaveLength(3);
      expect(steps).toContain("ONE_HOT       1 → 2     2 categories");
      expect(steps).toContain("ACT           2 → 2     binarize > 30");
      expect(steps).toContain("IMPUTE        9 → 9     replaces NaN");
    });
  },
);

const ML = "ai.onnx.ml";
const load = (g: GraphSpec, options = {}) => Model.load(packOnnx(onnxModel({ mlOpset: 3, ...g }), options));
function refusal(g: GraphSpec, options = {}): Error {
  try {
    packOnnx(onnxModel({ mlOpset: 3, ...g }), options);
  } catch (e) {
    return e as Error;
  }
  throw new Error("accepted");
}

describe("several graph inputs", () => {
  const two: GraphSpec = {
    input: { name: "a", dims: ["N", 2] },
    extraInputs: [{ name: "b", dims: ["N", 1], elemType: DataType.INT64 }],
    nodes: [
      { op: "Cast", inputs: ["b"], outputs: ["bf"], attrs: { to: 1 } },
      { op: "Concat", inputs: ["bf", "a"], outputs: ["y"], attrs: { axis: 1 } },
    ],
    outputs: ["y"],
  };

  it("one row: the inputs in graph order, a k-wide input's features named name[j]; Concat is one GATHER", () => {
    const m = load(two);
    expect(m.info.featureNames).toEqual(["a[0]", "a[1]", "b"]);
    expect(Array.from(m.predict([1.5, -2, 7]))).toEqual([7, 1.5, -2]);
    expect(m.info.steps.map(describeStep)).toEqual(["GATHER        3 → 3     3 of 3 columns"]);
  });

  it("NaN is allowed without allowNaN when every input's readers impute or encode it (the GATHERs are looked through)", () => {
    const g = (second: GraphSpec["nodes"][number]): GraphSpec => ({
      mlOpset: 3,
      input: { name: "a", dims: ["N", 2] },
      extraInputs: [{ name: "b", dims: ["N", 1], elemType: DataType.INT64 }],
      nodes: [
        {
          op: "Imputer",
          domain: ML,
          inputs: ["a"],
          outputs: ["ai"],
          attrs: { imputed_value_floats: [5, 6], replaced_value_float: NaN },
        },
        second,
        { op: "Flatten", inputs: ["b1"], outputs: ["bo"], attrs: { axis: 1 } },
        { op: "Concat", inputs: ["ai", "bo"], outputs: ["y"], attrs: { axis: 1 } },
      ],
      outputs: ["y"],
    });
    const encoded = load(
      g({ op: "OneHotEncoder", domain: ML, inputs: ["b"], outputs: ["b1"], attrs: { cats_int64s: [1, 2], zeros: 1 } }),
    );
    expect(encoded.info.nanSafe).toBe(true);
    expect(Array.from(encoded.predict([NaN, 1, 2]))).toEqual([5, 1, 0, 1]);
    // A Binarizer refuses NaN in scikit-learn: with one reading an input, the check stays on.
    const binarized = load(g({ op: "Binarizer", domain: ML, inputs: ["b"], outputs: ["b1"], attrs: { threshold: 0 } }));
    expect(binarized.info.nanSafe).toBe(false);
    expect(() => binarized.predict([NaN, 1, 2])).toThrow(/NaN/);
  });

  it("stripNames leaves the names out; an input that is not a graph input is refused by name", () => {
    expect(load(two, { stripNames: true }).info.featureNames).toBeUndefined();
    const e = refusal(two, { input: "c" });
    expect(e).toBeInstanceOf(ModelSpecError);
    expect(e.message).toMatch(/"c" is not a graph input \(a, b\)/);
  });

  it("an unknown feature dim comes from inputShape, one list or one per input name", () => {
    const g: GraphSpec = {
      input: { name: "x", dims: ["N", "F"] },
      nodes: [{ op: "Relu", inputs: ["x"], outputs: ["y"] }],
      outputs: ["y"],
    };
    expect(load(g, { inputShape: [3] }).info.inputLength).toBe(3);
    expect(load(g, { inputShape: { x: [5] } }).info.inputLength).toBe(5);
    const e = refusal(g, { inputShape: [2, 2] });
    expect(e).toBeInstanceOf(ModelSpecError);
    expect(e.message).toMatch(/\[2,2\] does not fit input "x" of shape \[N, F\]/);
  });
});

describe("column operators against their ONNX definitions", () => {
  it("Gather axis 1 of constant indices (negative too) and ArrayFeatureExtractor pick columns", () => {
    const m = load({
      input: { name: "x", dims: ["N", 4] },
      initializers: {
        i: { dims: [2], data: [-1, 1], dataType: DataType.INT32 },
        j: { dims: [1], data: [0], dataType: DataType.INT32 },
      },
      nodes: [
        { op: "Gather", inputs: ["x", "i"], outputs: ["g"], attrs: { axis: 1 } },
        { op: "ArrayFeatureExtractor", domain: ML, inputs: ["x", "j"], outputs: ["f"] },
        { op: "Concat", inputs: ["g", "f"], outputs: ["y"], attrs: { axis: 1 } },
      ],
      outputs: ["y"],
    });
    expect(Array.from(m.predict([10, 20, 30, 40]))).toEqual([40, 20, 10]);
    expect(m.info.steps).toHaveLength(1); // the three picks are one gather
  });

  it("Gather along the batch axis is refused by name", () => {
    const e = refusal({
      input: { name: "x", dims: ["N", 4] },
      initializers: { i: { dims: [1], data: [0], dataType: DataType.INT32 } },
      nodes: [{ op: "Gather", inputs: ["x", "i"], outputs: ["y"], attrs: { axis: 0 } }],
      outputs: ["y"],
    });
    expect(e).toBeInstanceOf(UnsupportedOpError);
    expect(e.message).toMatch(/Gather_0.*axis 0.*picks rows/);
  });

  it("FeatureVectorizer concatenates; an inputdimensions that would pad is refused", () => {
    const g = (dims: number[]): GraphSpec => ({
      input: { name: "x", dims: ["N", 2] },
      extraInputs: [{ name: "z", dims: ["N", 1] }],
      nodes: [
        { op: "FeatureVectorizer", domain: ML, inputs: ["z", "x"], outputs: ["y"], attrs: { inputdimensions: dims } },
      ],
      outputs: ["y"],
    });
    expect(Array.from(load(g([1, 2])).predict([1, 2, 3]))).toEqual([3, 1, 2]);
    expect(refusal(g([1, 3])).message).toMatch(/input 1 has 2 values per row, inputdimensions says 3/);
  });

  it("Binarizer: x > threshold gives 1, else 0 (NaN and the threshold itself 0)", () => {
    const m = Model.load(
      packOnnx(
        onnxModel({
          mlOpset: 3,
          input: { name: "x", dims: ["N", 4] },
          nodes: [{ op: "Binarizer", domain: ML, inputs: ["x"], outputs: ["y"], attrs: { threshold: 0.5 } }],
          outputs: ["y"],
        }),
      ),
      { allowNaN: true },
    );
    expect(Array.from(m.predict([0.5, 0.50001, NaN, -3]))).toEqual([0, 1, 0, 0]);
  });

  const ohe = (attrs: GraphSpec["nodes"][number]["attrs"], elemType = DataType.INT64): GraphSpec => ({
    input: { name: "x", dims: ["N", 2], elemType },
    nodes: [{ op: "OneHotEncoder", domain: ML, inputs: ["x"], outputs: ["y"], attrs }],
    outputs: ["y"],
  });

  it("OneHotEncoder on int64: one indicator per category per value; zeros=1 gives zeros for an unknown", () => {
    const m = load(ohe({ cats_int64s: [3, 1, 7], zeros: 1 }));
    expect(Array.from(m.predict([7, 4]))).toEqual([0, 0, 1, 0, 0, 0]);
  });

  it("zeros=0 (handle_unknown='error'): an unknown value gives NaN, where onnxruntime raises", () => {
    const m = load(ohe({ cats_int64s: [3, 1, 7], zeros: 0 }));
    const y = Array.from(m.predict([1, 4]));
    expect(y.slice(0, 3)).toEqual([0, 1, 0]);
    expect(y.slice(3).every(Number.isNaN)).toBe(true);
  });

  it("a float column cast to int64 truncates toward zero, as Cast does, before the encoder", () => {
    const m = load({
      input: { name: "x", dims: ["N", 2] },
      nodes: [
        { op: "Cast", inputs: ["x"], outputs: ["c"], attrs: { to: DataType.INT64 } },
        { op: "OneHotEncoder", domain: ML, inputs: ["c"], outputs: ["y"], attrs: { cats_int64s: [-1, 2] } },
      ],
      outputs: ["y"],
    });
    expect(Array.from(m.predict([-1.9, 2.7]))).toEqual([1, 0, 0, 1]);
  });

  it.each([
    ["string categories", ohe({ cats_strings: ["a", "b"] }), /cats_strings.*OrdinalEncoder/],
    ["a float input without a Cast", ohe({ cats_int64s: [1] }, DataType.FLOAT), /compares integers/],
    ["a category beyond 2^24", ohe({ cats_int64s: [2 ** 25] }), /beyond 2\^24/],
  ])("OneHotEncoder refuses %s, naming the node", (_, g, message) => {
    const e = refusal(g);
    expect(e).toBeInstanceOf(UnsupportedOpError);
    expect(e.message).toMatch(/OneHotEncoder_0/);
    expect(e.message).toMatch(message);
  });

  const le = (attrs: GraphSpec["nodes"][number]["attrs"], elemType = DataType.INT64): GraphSpec => ({
    mlOpset: 2,
    input: { name: "x", dims: ["N", 3], elemType },
    nodes: [{ op: "LabelEncoder", domain: ML, inputs: ["x"], outputs: ["y"], attrs }],
    outputs: ["y"],
  });

  it("LabelEncoder maps numbers exactly, others to the default (ONNX-ML opset 2)", () => {
    const ints = load(le({ keys_int64s: [3, 1, 7], values_int64s: [30, 10, 70], default_int64: -1 }));
    expect(Array.from(ints.predict([7, 2, 3]))).toEqual([70, -1, 30]);
    const floats = load(le({ keys_floats: [0.5, 2], values_floats: [0.1, -3.25], default_float: 0 }, DataType.FLOAT));
    expect(Array.from(floats.predict([2, 0.5, 9]))).toEqual([-3.25, Math.fround(0.1), 0]);
  });

  it.each([
    ["string keys", { keys_strings: ["a"], values_int64s: [1] }, /keys_strings: only numeric keys/],
    [
      "a value the default would round away",
      { keys_floats: [1], values_floats: [1e-8], default_float: 1e8 },
      /for key 1 would not come back exactly next to the default 100000000/,
    ],
    ["keys and values of different lengths", { keys_int64s: [1, 2], values_int64s: [1] }, /2 keys for 1 values/],
  ])("LabelEncoder refuses %s, naming the node", (_, attrs, message) => {
    const e = refusal(le(attrs as GraphSpec["nodes"][number]["attrs"]));
    expect(e).toBeInstanceOf(UnsupportedOpError);
    expect(e.message).toMatch(/LabelEncoder_0/);
    expect(e.message).toMatch(message);
  });
});
