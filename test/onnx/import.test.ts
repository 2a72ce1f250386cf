// The ONNX importer on graphs made for the purpose: lowering and folding, and every refusal
// naming what it refused (node, operator, domain, opset; input; byte offset).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Act, inspect, Model, ModelSpecError, OnnxDecodeError, Opcode, UnsupportedOpError } from "../../src/index.js";
import { listOnnxNodes, packOnnx } from "../../src/pack.js";
import { expectAllClose, TOL } from "../helpers/close.js";
import { type GraphSpec, onnxModel } from "../helpers/onnx-builder.js";
import { sigmoid } from "../helpers/reference.js";

const W = { dims: [3, 2], data: [1, 2, 3, 4, 5, 6] }; // [K=3, M=2]
const linear: GraphSpec = {
  nodes: [{ op: "MatMul", inputs: ["x", "W"], outputs: ["y"] }],
  outputs: ["y"],
  initializers: { W },
};

function refusal(g: GraphSpec | Uint8Array): Error {
  try {
    packOnnx(g instanceof Uint8Array ? g : onnxModel(g));
  } catch (e) {
    return e as Error;
  }
  throw new Error("accepted");
}

describe("lowering", () => {
  it("Scaler → MatMul → Add → Sigmoid becomes one dense step with the sigmoid fused", () => {
    const image = packOnnx(
      onnxModel({
        mlOpset: 1,
        nodes: [
          {
            op: "Scaler",
            domain: "ai.onnx.ml",
            inputs: ["x"],
            outputs: ["s"],
            attrs: { offset: [1, 2, 3], scale: [0.5, 0.25, 2] },
          },
          { op: "MatMul", inputs: ["s", "W"], outputs: ["m"] },
          { op: "Add", inputs: ["m", "b"], outputs: ["a"] },
          { op: "Sigmoid", inputs: ["a"], outputs: ["y"] },
        ],
        outputs: ["y"],
        initializers: { W, b: { dims: [2], data: [0.1, -0.2] } },
      }),
    );
    const info = inspect(image);
    expect(info.steps).toHaveLength(1);
    expect(info.steps[0]).toMatchObject({ opcode: Opcode.DenseNarrow, act: Act.Sigmoid, nIn: 3, nOut: 2 });
    const x = [2, 3, 4],
      s = [(2 - 1) * 0.5, (3 - 2) * 0.25, (4 - 3) * 2];
    const want = [0, 1].map((o) =>
      sigmoid(s[0]! * W.data[o]! + s[1]! * W.data[2 + o]! + s[2]! * W.data[4 + o]! + [0.1, -0.2][o]!),
    );
    const y = Model.load(image).predict(x);
    expect(Math.abs(y[0]! - want[0]!)).toBeLessThan(1e-6);
    expect(Math.abs(y[1]! - want[1]!)).toBeLessThan(1e-6);
  });

  it("BatchNormalization before Gemm folds into it; Dropout, Identity and Flatten vanish", () => {
    const image = packOnnx(
      onnxModel({
        opset: 13,
        input: { name: "x", dims: ["N", 2] },
        nodes: [
          {
            op: "BatchNormalization",
            inputs: ["x", "g", "be", "mu", "var"],
            outputs: ["n"],
            attrs: { epsilon: 0.001 },
          },
          { op: "Dropout", inputs: ["n"], outputs: ["d"] },
          { op: "Identity", inputs: ["d"], outputs: ["i"] },
          { op: "Flatten", inputs: ["i"], outputs: ["f"] },
          { op: "Gemm", inputs: ["f", "B", "C"], outputs: ["y"], attrs: { transB: 1, alpha: 2 } },
        ],
        outputs: ["y"],
        initializers: {
          g: { dims: [2], data: [2, 3] },
          be: { dims: [2], data: [0.5, -1] },
          mu: { dims: [2], data: [1, 2] },
          var: { dims: [2], data: [4, 9] },
          B: { dims: [1, 2], data: [1, -1] },
          C: { dims: [1], data: [0.25] },
        },
      }),
    );
    expect(inspect(image).steps).toHaveLength(1);
    const x = [3, 5];
    const n = [(2 * (3 - 1)) / Math.sqrt(4.001) + 0.5, (3 * (5 - 2)) / Math.sqrt(9.001) - 1];
    expect(Model.load(image).predict(x)[0]).toBeCloseTo(2 * (n[0]! - n[1]!) + 0.25, 5);
  });

  it("inspect lists every node with whether it is supported", () => {
    const { nodes } = listOnnxNodes(
      onnxModel({
        nodes: [
          { op: "Relu", inputs: ["x"], outputs: ["r"] },
          { op: "Conv", inputs: ["r", "W"], outputs: ["y"] },
        ],
        outputs: ["y"],
        initializers: { W },
      }),
    );
    expect(nodes.map((n) => [n.opType, n.supported])).toEqual([
      ["Relu", true],
      ["Conv", false],
    ]);
    expect(nodes[1]!.reason).toMatch(/not supported/);
  });
});

describe("skl2onnx's binary logistic regression", () => {
  it("LinearClassifier (LOGISTIC) + L1 Normalizer becomes one logistic-pair step and the label's argmax, with predict_proba's values", () => {
    for (const f of ["skl_lr_binary_bc4_nozipmap", "skl_lr_binary_bc4"]) {
      const bytes = readFileSync(new URL(`../fixtures/onnx/${f}.onnx`, import.meta.url));
      const info = inspect(packOnnx(bytes));
      expect(info.steps.map((s) => [s.opcode, s.act])).toEqual([
        [Opcode.DenseNarrow, Act.LogisticPair],
        [Opcode.Argmax, Act.None],
      ]);
      const ref = JSON.parse(readFileSync(new URL(`../fixtures/onnx/${f}.json`, import.meta.url), "utf8")) as {
        inputs: number[][];
        expected: { predict_proba: number[][]; predict: number[] };
      };
      const model = Model.load(packOnnx(bytes));
      ref.inputs.forEach((row, r) => {
        const label = model.predictLabel(row);
        const p = model.outputs[model.info.outputs.find((o) => o.length === 2)!.name]!;
        expect(label).toBe(ref.expected.predict[r]); // scikit-learn's own predict and predict_proba
        expectAllClose(p, ref.expected.predict_proba[r]!, TOL.frameworkShallow, `row ${r}`);
      });
    }
  });
});

describe("refusals name what they refused", () => {
  it("an unsupported operator: node, operator, domain and opset", () => {
    const e = refusal({
      nodes: [{ op: "Conv", name: "conv1", inputs: ["x", "W"], outputs: ["y"] }],
      outputs: ["y"],
      initializers: { W },
      opset: 11,
    });
    expect(e).toBeInstanceOf(UnsupportedOpError);
    expect(e).toMatchObject({ node: "conv1", opType: "Conv", domain: "ai.onnx", opset: 11, code: "E_UNSUPPORTED" });
    expect(e.message).toMatch(/^node "conv1" \(ai\.onnx::Conv, opset 11\): operator not supported/);
  });

  it.each([
    ["MatMul", Infinity, "output 1, input 2"],
    ["Gemm", NaN, "output 1, input 2"],
  ])("%s with a non-finite weight (%s): refused naming the node and the weight", (op, bad, at) => {
    const data = [1, 2, 3, 4, 5, 6];
    data[op === "MatMul" ? 2 * 2 + 1 : 1 * 3 + 2] = bad; // B is [K, M] for MatMul, [M, K] with transB for Gemm
    const e = refusal({
      nodes: [{ op, name: "dense1", inputs: ["x", "W"], outputs: ["y"], attrs: op === "Gemm" ? { transB: 1 } : {} }],
      outputs: ["y"],
      initializers: { W: { dims: op === "Gemm" ? [2, 3] : [3, 2], data } },
    });
    expect(e).toBeInstanceOf(UnsupportedOpError);
    expect(e).toMatchObject({ node: "dense1", opType: op });
    expect(e.message).toContain(`weight [${at}] is ${bad}: dense weights must be finite`);
  });

  it("an ML operator outside its domain's supported opsets", () => {
    const e = refusal({
      mlOpset: 9,
      nodes: [{ op: "Normalizer", domain: "ai.onnx.ml", inputs: ["x"], outputs: ["y"], attrs: { norm: "L1" } }],
      outputs: ["y"],
    });
    expect(e).toMatchObject({ opType: "Normalizer", domain: "ai.onnx.ml", opset: 9 });
    expect(e.message).toMatch(/supported from opset 1 to 5/);
  });

  it.each([
    [
      "softmax across the batch",
      { nodes: [{ op: "Softmax", inputs: ["x"], outputs: ["y"], attrs: { axis: 0 } }], outputs: ["y"] },
      /softmax along axis 0/,
    ],
    [
      "both operands dynamic",
      { nodes: [{ op: "Add", inputs: ["x", "x"], outputs: ["y"] }], outputs: ["y"] },
      /both operands depend on the input/,
    ],
    [
      "a weight that depends on the input",
      {
        nodes: [
          { op: "Relu", inputs: ["x"], outputs: ["r"] },
          { op: "Gemm", inputs: ["r", "r"], outputs: ["y"] },
        ],
        outputs: ["y"],
      },
      /B \(input 1\) must be a constant/,
    ],
    [
      "mismatched inner dimensions",
      { ...linear, input: { name: "x", dims: ["N", 4] } },
      /inner dimensions 4 and 3 differ/,
    ],
    [
      "post_transform PROBIT",
      {
        mlOpset: 1,
        nodes: [
          {
            op: "LinearClassifier",
            domain: "ai.onnx.ml",
            inputs: ["x"],
            outputs: ["l", "s"],
            attrs: { coefficients: [1, 2, 3, 4, 5, 6], classlabels_ints: [0, 1], post_transform: "PROBIT" },
          },
        ],
        outputs: ["l", "s"],
      },
      /post_transform PROBIT is not supported/,
    ],
    [
      "reshape into the batch",
      {
        nodes: [{ op: "Reshape", inputs: ["x", "shape"], outputs: ["y"] }],
        outputs: ["y"],
        initializers: { shape: { dims: [1], data: [-1] } },
      },
      /merges the row into the batch/,
    ],
    [
      "a cast of probabilities to int8 (int64 and int32 truncate; narrower types wrap around)",
      { nodes: [{ op: "Cast", inputs: ["x"], outputs: ["y"], attrs: { to: 3 } }], outputs: ["y"] },
      /only class indices may become integers/,
    ],
  ])("%s", (_, g, message) => {
    const e = refusal(g as GraphSpec);
    expect(e).toBeInstanceOf(UnsupportedOpError);
    expect(e.message).toMatch(message);
  });

  it.each([
    [
      "a string input",
      { ...linear, input: { name: "x", dims: ["N", 3], elemType: 8 } },
      "inputs.x",
      /tensor\(string\) is not a float or integer tensor .*OrdinalEncoder/,
    ],
    [
      "a shape that cannot be made static",
      { ...linear, input: { name: "x", dims: ["N", "F"] } },
      "inputs.x",
      /cannot be made static/,
    ],
    [
      "an input whose dims are unknown: --input-shape is named",
      { ...linear, input: { name: "x", dims: ["N", "F"] } },
      "inputs.x",
      /--input-shape/,
    ],
  ])("%s", (_, g, path, message) => {
    const e = refusal(g as GraphSpec);
    expect(e).toBeInstanceOf(ModelSpecError);
    expect((e as ModelSpecError).path).toBe(path);
    expect(e.message).toMatch(message);
  });

  it("a second input bound to a constant at pack time is a weight like any other", () => {
    const image = packOnnx(onnxModel({ ...linear, initializers: {}, extraInputs: [{ name: "W", dims: [3, 2] }] }), {
      constants: { W },
    });
    expect(Array.from(Model.load(image).predict([1, 1, 1]))).toEqual([9, 12]);
  });

  it("a truncated or garbage file is an OnnxDecodeError with a byte offset", () => {
    const good = onnxModel(linear);
    const cut = refusal(good.subarray(0, good.length - 7));
    expect(cut).toBeInstanceOf(OnnxDecodeError);
    expect((cut as OnnxDecodeError).byteOffset).toBeGreaterThan(0);
    expect(cut.message).toMatch(/^ONNX byte \d+: not a readable ONNX model/);
    expect(refusal(Uint8Array.from([0x0f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]))).toBeInstanceOf(
      OnnxDecodeError,
    );
  });
});
