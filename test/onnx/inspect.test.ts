// listOnnxNodes (edgeinfer inspect): each node's verdict is pack()'s own lowering of it, so a
// node listed as supported is never one that pack then refuses.
import { describe, expect, it } from "vitest";
import { Model, UnsupportedOpError } from "../../src/index.js";
import { listOnnxNodes, packOnnx } from "../../src/pack.js";
import { type GraphSpec, onnxModel } from "../helpers/onnx-builder.js";

function packRefusal(g: GraphSpec): UnsupportedOpError {
  try {
    packOnnx(onnxModel(g));
  } catch (e) {
    if (e instanceof UnsupportedOpError) return e;
    throw e;
  }
  throw new Error("accepted");
}

const DOUBLE = 11;

describe("listOnnxNodes", () => {
  it("skl2onnx's LinearRegression on doubles (MatMul by a 1-D coefficient vector, Add): every node ok, and it packs", () => {
    const coef = [0.5, -2, 3],
      intercept = 0.25;
    const g: GraphSpec = {
      input: { name: "x", dims: ["N", 3], elemType: DOUBLE },
      nodes: [
        { op: "MatMul", inputs: ["x", "coef"], outputs: ["m"] },
        { op: "Add", inputs: ["m", "intercept"], outputs: ["y"] },
      ],
      outputs: ["y"],
      initializers: { coef: { dims: [3], data: coef }, intercept: { dims: [1], data: [intercept] } },
    };
    const { nodes, error } = listOnnxNodes(onnxModel(g));
    expect(nodes.map((n) => [n.opType, n.supported])).toEqual([
      ["MatMul", true],
      ["Add", true],
    ]);
    expect(error).toBeUndefined();
    const x = [1, 2, 4];
    const y = Model.load(packOnnx(onnxModel(g))).predict(x);
    expect(y[0]).toBeCloseTo(1 * 0.5 + 2 * -2 + 4 * 3 + intercept, 5);
  });

  it("a KNN's Sub of the row and the training points: refused with pack's detail, and its reader as fed by it", () => {
    const g: GraphSpec = {
      nodes: [
        { op: "Sub", name: "diff", inputs: ["x", "train"], outputs: ["d"] },
        { op: "Mul", name: "sq", inputs: ["d", "d"], outputs: ["y"] },
      ],
      outputs: ["y"],
      initializers: { train: { dims: [4, 3], data: Array.from({ length: 12 }, (_, i) => i) } },
    };
    const { nodes } = listOnnxNodes(onnxModel(g));
    const e = packRefusal(g);
    expect(e.node).toBe("diff");
    expect(nodes[0]).toMatchObject({ node: "diff", opType: "Sub", supported: false, reason: e.detail });
    expect(nodes[1]).toMatchObject({
      node: "sq",
      supported: false,
      reason: 'input "d" comes from refused node "diff"',
    });
  });

  it("an Identity of a tensor nothing produces: refused with pack's detail", () => {
    const g: GraphSpec = {
      nodes: [
        { op: "Relu", name: "relu", inputs: ["x"], outputs: ["r"] },
        { op: "Identity", name: "out", inputs: ["r_missing"], outputs: ["y"] },
      ],
      outputs: ["y"],
    };
    const { nodes } = listOnnxNodes(onnxModel(g));
    const e = packRefusal(g);
    expect(e.node).toBe("out");
    expect(nodes.find((n) => n.node === "out")).toMatchObject({ supported: false, reason: e.detail });
    expect(nodes.find((n) => n.node === "relu")?.supported).toBe(true);
  });

  it("keras2onnx's nodes stored last to first (Identity first): every node ok, as pack accepts them", () => {
    const g: GraphSpec = {
      nodes: [
        { op: "Identity", name: "out", inputs: ["s"], outputs: ["y"] },
        { op: "Softmax", name: "softmax", inputs: ["a"], outputs: ["s"] },
        { op: "Add", name: "bias", inputs: ["m", "b"], outputs: ["a"] },
        { op: "MatMul", name: "dense", inputs: ["x", "W"], outputs: ["m"] },
      ],
      outputs: ["y"],
      initializers: { W: { dims: [3, 2], data: [1, 2, 3, 4, 5, 6] }, b: { dims: [2], data: [0.5, -0.5] } },
    };
    const { nodes, error } = listOnnxNodes(onnxModel(g));
    expect(nodes.map((n) => n.node)).toEqual(["dense", "bias", "softmax", "out"]);
    expect(nodes.every((n) => n.supported)).toBe(true);
    expect(error).toBeUndefined();
    expect(() => packOnnx(onnxModel(g))).not.toThrow();
  });

  it("a refusal of the graph as a whole (a constant output) is the list's error, not a node's", () => {
    const g: GraphSpec = {
      nodes: [
        { op: "Relu", inputs: ["x"], outputs: ["r"] },
        { op: "Identity", inputs: ["W"], outputs: ["y"] },
      ],
      outputs: ["r", "y"],
      initializers: { W: { dims: [2], data: [1, 2] } },
    };
    const { nodes, error } = listOnnxNodes(onnxModel(g));
    expect(nodes.every((n) => n.supported)).toBe(true);
    expect(error).toMatch(/^outputs\.y: a constant output/);
    expect(() => packOnnx(onnxModel(g))).toThrow(/outputs\.y: a constant output/);
  });
});
