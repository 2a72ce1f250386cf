// ai.onnx.ml Imputer, end to end: scikit-learn's SimpleImputer (mean, NaN missing), its
// SimpleImputer → StandardScaler → LogisticRegression pipeline and a median imputer of a −1
// sentinel, as skl2onnx exports them (test/fixtures/onnx/make_imputer_fixtures.py), against
// scikit-learn's own transform / predict_proba; the Imputer is one IMPUTE step, the same bits
// in both builds; its attribute forms and refusals on small graphs against the ONNX-ML
// definition.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Model, UnsupportedOpError } from "../../src/index.js";
import { describeStep } from "../../src/ops/index.js";
import { listOnnxNodes, pack, packOnnx } from "../../src/pack.js";
import { bits } from "../assembly/same-bits.js";
import { expectAllClose, TOL } from "../helpers/close.js";
import { type GraphSpec, onnxModel } from "../helpers/onnx-builder.js";

const dir = new URL("../fixtures/onnx/", import.meta.url);

interface Ref {
  inputs: Array<Array<number | null>>;
  expected: Record<string, number[][]>;
  statistics?: number[];
}

function fixture(name: string) {
  const bytes = new Uint8Array(readFileSync(new URL(`${name}.onnx`, dir)));
  const ref = JSON.parse(readFileSync(new URL(`${name}.json`, dir), "utf8")) as Ref;
  const rows = Float32Array.from(ref.inputs.flat(), (v) => v ?? NaN); // null: a missing value
  const image = pack(bytes);
  // No allowNaN: an image whose every reader of the input replaces NaN takes NaN rows (nanSafe).
  const predict = (simd: "require" | "off") => Model.load(image, { simd }).predictBatch(rows, ref.inputs.length);
  return { bytes, ref, rows, image, predict };
}

describe("SimpleImputer(strategy='mean') on breast_cancer with NaNs (scikit-learn)", () => {
  const f = fixture("skl_imputer_mean_bc");

  it("matches scikit-learn's transform exactly (the imputed values are the f32 column means), in both builds", () => {
    expect(f.rows.some(Number.isNaN)).toBe(true);
    for (const simd of ["require", "off"] as const)
      expect(Array.from(f.predict(simd)), simd).toEqual(f.ref.expected.transform!.flat());
  });

  it("is one IMPUTE step replacing NaN, ABI 4, the same bits in both builds", () => {
    const info = Model.load(f.image, { allowNaN: true }).info;
    expect(info.steps.map(describeStep)).toEqual(["IMPUTE       30 → 30    replaces NaN"]);
    expect(info.abiVersion).toBe(4);
    expect(bits(f.predict("off"))).toEqual(bits(f.predict("require")));
  });

  it("takes NaN without allowNaN, one row at a time too: the Imputer is the only reader of the input", () => {
    const m = Model.load(f.image);
    expect(m.info.nanSafe).toBe(true);
    const n = m.info.inputLength;
    const expected = f.ref.expected.transform!;
    f.ref.inputs.forEach((_, r) => {
      expect(Array.from(m.predict(f.rows.subarray(r * n, (r + 1) * n)))).toEqual(expected[r]);
    });
  });
});

describe.each(["skl_imputer_scaler_lr_binary_bc", "skl_imputer_scaler_lr_binary_bc_nozipmap"])(
  "%s: SimpleImputer → StandardScaler → LogisticRegression (scikit-learn)",
  (name) => {
    const f = fixture(name);
    const n = f.ref.inputs.length;

    it("matches scikit-learn's predict_proba and predict, in both builds", () => {
      for (const simd of ["require", "off"] as const) {
        const y = f.predict(simd); // [label, p0, p1] per row
        const proba = Array.from({ length: n }, (_, r) => [y[3 * r + 1]!, y[3 * r + 2]!]);
        expectAllClose(proba.flat(), f.ref.expected.predict_proba!.flat(), TOL.framework, simd);
        expect(
          Array.from({ length: n }, (_, r) => y[3 * r]),
          simd,
        ).toEqual(f.ref.expected.predict);
      }
    });

    it("the Imputer is one IMPUTE step, the scaler folds into the classifier; the same bits in both builds", () => {
      const info = Model.load(f.image, { allowNaN: true }).info;
      expect(info.steps.map(describeStep)).toEqual([
        "IMPUTE       30 → 30    replaces NaN",
        "DENSE_NARROW    30 → 2     logistic_pair",
        "ARGMAX        2 → 1",
      ]);
      expect(bits(f.predict("off"))).toEqual(bits(f.predict("require")));
    });

    it("inspect lists every node as supported", () => {
      const { nodes, error } = listOnnxNodes(f.bytes);
      expect(error).toBeUndefined();
      expect(nodes.filter((x) => !x.supported)).toEqual([]);
      expect(nodes[0]!.opType).toBe("Imputer");
    });
  },
);

describe("SimpleImputer(strategy='median', missing_values=-1.0): a sentinel, not NaN (scikit-learn)", () => {
  const f = fixture("skl_imputer_median_sentinel_bc");

  it("matches scikit-learn's transform exactly without allowNaN (no NaN in the rows)", () => {
    expect(f.rows.some(Number.isNaN)).toBe(false);
    expect(f.rows.includes(-1)).toBe(true);
    for (const simd of ["require", "off"] as const) {
      const y = Model.load(f.image, { simd }).predictBatch(f.rows, f.ref.inputs.length);
      expect(Array.from(y), simd).toEqual(f.ref.expected.transform!.flat());
    }
    expect(Model.load(f.image).info.steps.map(describeStep)).toEqual(["IMPUTE       30 → 30    replaces -1"]);
  });

  it("still refuses NaN, naming the feature: a sentinel imputer leaves NaN as it is", () => {
    const m = Model.load(f.image);
    expect(m.info.nanSafe).toBe(false);
    const row = f.rows.slice(0, m.info.inputLength);
    row[3] = Number.NaN;
    expect(() => m.predict(row)).toThrow(expect.objectContaining({ code: "E_INPUT", column: 3 }));
  });
});

/** x [N, 4] → Imputer → y on two rows of edge values, loaded with allowNaN. */
const X = [NaN, 0, -0, 2.5, -1, NaN, Infinity, 0];
function run(attrs: Record<string, number | number[]>, mlOpset = 1): Float32Array {
  const g: GraphSpec = {
    mlOpset,
    input: { name: "x", dims: ["N", 4] },
    nodes: [{ op: "Imputer", domain: "ai.onnx.ml", inputs: ["x"], outputs: ["y"], attrs }],
    outputs: ["y"],
  };
  return Model.load(packOnnx(onnxModel(g)), { allowNaN: true }).predictBatch(Float32Array.from(X), 2);
}

function refusal(attrs: Record<string, number | number[]>, dims: Array<number | string> = ["N", 4]) {
  try {
    packOnnx(
      onnxModel({
        mlOpset: 1,
        input: { name: "x", dims },
        nodes: [{ op: "Imputer", name: "imp", domain: "ai.onnx.ml", inputs: ["x"], outputs: ["y"], attrs }],
        outputs: ["y"],
      }),
    );
  } catch (e) {
    if (e instanceof UnsupportedOpError) return e;
    throw e;
  }
  throw new Error("accepted");
}

describe("Imputer (ONNX-ML)", () => {
  it("NaN replaced, one value per feature: the NaNs become their feature's value", () => {
    const y = run({ imputed_value_floats: [10.5, 20.5, 30.5, 40.5], replaced_value_float: NaN });
    expect(Array.from(y)).toEqual([10.5, 0, -0, 2.5, -1, 20.5, Infinity, 0]);
  });

  it("one value for all features", () => {
    expect(Array.from(run({ imputed_value_floats: [7.5], replaced_value_float: NaN }))).toEqual([
      7.5,
      0,
      -0,
      2.5,
      -1,
      7.5,
      Infinity,
      0,
    ]);
  });

  it("a value replaced (the ONNX default 0.0 when absent): 0 and −0 are replaced, a NaN is kept", () => {
    const want = [NaN, 20.5, 30.5, 2.5, -1, NaN, Infinity, 40.5];
    expect(Array.from(run({ imputed_value_floats: [10.5, 20.5, 30.5, 40.5] }))).toEqual(want);
    expect(Array.from(run({ imputed_value_floats: [10.5, 20.5, 30.5, 40.5], replaced_value_float: 0 }))).toEqual(want);
    expect(Array.from(run({ imputed_value_floats: [9.5], replaced_value_float: -1 }))).toEqual([
      NaN,
      0,
      -0,
      2.5,
      9.5,
      NaN,
      Infinity,
      0,
    ]);
  });

  it.each([
    [{ imputed_value_int64s: [1, 2, 3, 4], replaced_value_int64: -1 }, /imputed_value_int64s: integer imputation/],
    [{ imputed_value_floats: [1.5], replaced_value_int64: -1 }, /replaced_value_int64: integer imputation/],
    [{ imputed_value_floats: [1.5, 2.5] }, /2 imputed_value_floats for 4 features \(need 1 or 4\)/],
    [{ replaced_value_float: NaN }, /0 imputed_value_floats for 4 features/],
  ])("refuses %j, naming the node", (attrs, message) => {
    const e = refusal(attrs);
    expect([e.node, e.opType, e.domain]).toEqual(["imp", "Imputer", "ai.onnx.ml"]);
    expect(e.detail).toMatch(message);
  });

  it("inspect's verdict is the lowering's: the refused form is not listed as supported", () => {
    const model = onnxModel({
      mlOpset: 1,
      input: { name: "x", dims: ["N", 4] },
      nodes: [
        { op: "Imputer", domain: "ai.onnx.ml", inputs: ["x"], outputs: ["y"], attrs: { imputed_value_int64s: [1] } },
      ],
      outputs: ["y"],
    });
    const { nodes } = listOnnxNodes(model);
    expect(nodes.map((x) => x.supported)).toEqual([false]);
  });
});

describe("NaN in the rows without allowNaN: only when every reader of the input imputes it", () => {
  const graph = (outputs: string[]) =>
    packOnnx(
      onnxModel({
        mlOpset: 1,
        input: { name: "x", dims: ["N", 4] },
        nodes: [
          {
            op: "Imputer",
            domain: "ai.onnx.ml",
            inputs: ["x"],
            outputs: ["y"],
            attrs: { imputed_value_floats: [1, 2, 3, 4], replaced_value_float: Number.NaN },
          },
          { op: "Relu", inputs: ["x"], outputs: ["r"] },
        ],
        outputs,
      }),
    );

  it("an Imputer alone: NaN rows are imputed", () => {
    const m = Model.load(graph(["y"]));
    expect(m.info.nanSafe).toBe(true);
    expect(Array.from(m.predict([Number.NaN, 5, Number.NaN, 7]))).toEqual([1, 5, 3, 7]);
  });

  it("another step reading the raw input too: NaN is refused, naming the feature", () => {
    const m = Model.load(graph(["y", "r"]));
    expect(m.info.nanSafe).toBe(false);
    expect(() => m.predict([0, 5, Number.NaN, 7])).toThrow(expect.objectContaining({ code: "E_INPUT", column: 2 }));
    expect(() => m.predictBatch(Float32Array.from([0, 5, 6, 7, 0, Number.NaN, 0, 0]), 2)).toThrow(
      expect.objectContaining({ code: "E_INPUT", row: 1, column: 1 }),
    );
  });
});
