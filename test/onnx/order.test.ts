// Nodes in dependency order whatever order the file stores them; long chains without deep
// recursion; graphs that are not a DAG of single-assignment tensors refused by name.
import { describe, expect, it } from "vitest";
import { EdgeInferError, Model, ModelSpecError, UnsupportedOpError } from "../../src/index.js";
import { MAX_ONNX_NODES } from "../../src/onnx/order.js";
import { packOnnx } from "../../src/pack.js";
import { type GraphSpec, type NodeSpec, onnxModel } from "../helpers/onnx-builder.js";

const mlp: GraphSpec = {
  nodes: [
    { op: "MatMul", inputs: ["x", "W1"], outputs: ["h"] },
    { op: "Relu", inputs: ["h"], outputs: ["r"] },
    { op: "Scaler", domain: "ai.onnx.ml", inputs: ["x"], outputs: ["xs"], attrs: { scale: [2], offset: [1] } },
    { op: "MatMul", inputs: ["xs", "W2"], outputs: ["z"] },
    { op: "Concat", inputs: ["r", "z"], outputs: ["c"], attrs: { axis: 1 } },
    { op: "Softmax", inputs: ["c"], outputs: ["y"], attrs: { axis: 1 } },
  ],
  outputs: ["y"],
  mlOpset: 1,
  initializers: {
    W1: { dims: [3, 2], data: [1, -2, 3, 0.5, -1, 2] },
    W2: { dims: [3, 2], data: [0.25, 1, -3, 2, 1, -0.5] },
  },
};

/** A chain x → op → op → … of `n` nodes, the last output "y". */
function chain(n: number, node: (i: number, input: string, output: string) => NodeSpec[], per = 1): GraphSpec {
  const nodes: NodeSpec[] = [];
  for (let i = 0; i < n / per; i++)
    nodes.push(...node(i, i === 0 ? "x" : `t${i - 1}`, i === n / per - 1 ? "y" : `t${i}`));
  return { nodes, outputs: ["y"] };
}

/** pack, or a typed refusal; anything else (a RangeError from recursion) fails the test. */
function packOrTypedRefusal(g: GraphSpec): Uint8Array | EdgeInferError {
  try {
    return packOnnx(onnxModel(g));
  } catch (e) {
    if (e instanceof EdgeInferError) return e;
    throw e;
  }
}

describe("node order", () => {
  it("a keras2onnx MLP stored last to first packs to the same image as the sorted file", () => {
    const keras: GraphSpec = {
      nodes: [
        { op: "MatMul", inputs: ["x", "W1"], outputs: ["h"] },
        { op: "Add", inputs: ["h", "b1"], outputs: ["hb"] },
        { op: "Relu", inputs: ["hb"], outputs: ["r"] },
        { op: "MatMul", inputs: ["r", "W2"], outputs: ["z"] },
        { op: "Softmax", inputs: ["z"], outputs: ["s"], attrs: { axis: 1 } },
        { op: "Identity", inputs: ["s"], outputs: ["y"] },
      ],
      outputs: ["y"],
      initializers: {
        W1: mlp.initializers!.W1!,
        b1: { dims: [2], data: [0.1, -0.1] },
        W2: { dims: [2, 2], data: [1, -1, 0.5, 2] },
      },
    };
    const sorted = packOnnx(onnxModel(keras));
    const reversed = packOnnx(onnxModel({ ...keras, nodes: [...keras.nodes].reverse() }));
    expect(Buffer.from(reversed).equals(Buffer.from(sorted))).toBe(true);
  });

  it("a graph with branches stored in any order computes the same bits as the sorted file", () => {
    const rows = [
      [1, 2, 3],
      [-0.5, 4, 0.25],
    ];
    const run = (g: GraphSpec) => rows.map((r) => Array.from(Model.load(packOnnx(onnxModel(g))).predict(r)));
    const want = run(mlp);
    expect(run({ ...mlp, nodes: [...mlp.nodes].reverse() })).toEqual(want);
    expect(run({ ...mlp, nodes: [3, 5, 0, 2, 4, 1].map((i) => mlp.nodes[i]!) })).toEqual(want);
  });

  it("a cycle is refused naming a node on it", () => {
    const g: GraphSpec = {
      nodes: [
        { op: "Relu", name: "a", inputs: ["x"], outputs: ["p"] },
        { op: "Add", name: "b", inputs: ["p", "q"], outputs: ["s"] },
        { op: "Relu", name: "c", inputs: ["s"], outputs: ["q"] },
      ],
      outputs: ["s"],
    };
    const e = (() => {
      try {
        packOnnx(onnxModel(g));
      } catch (e) {
        return e;
      }
    })();
    expect(e).toBeInstanceOf(UnsupportedOpError);
    expect((e as UnsupportedOpError).node).toBe("b");
    expect((e as Error).message).toMatch(/cycle/);
  });

  it("two nodes writing one tensor are refused naming both", () => {
    const g: GraphSpec = {
      nodes: [
        { op: "Relu", name: "first", inputs: ["x"], outputs: ["y"] },
        { op: "Sigmoid", name: "second", inputs: ["x"], outputs: ["y"] },
      ],
      outputs: ["y"],
    };
    expect(() => packOnnx(onnxModel(g))).toThrow(/node "second".*output "y" is also produced by node "first"/);
  });
});

describe("long chains", () => {
  it("5,000 nodes of MatMul + Relu pack, and compute the chain", () => {
    const g = chain(
      5000,
      (i, a, b) => [
        { op: "MatMul", inputs: [a, "W"], outputs: [`m${i}`] },
        { op: "Relu", inputs: [`m${i}`], outputs: [b] },
      ],
      2,
    );
    g.initializers = { W: { dims: [3, 3], data: [1, 0, 0, 0, 1, 0, 0, 0, 1] } };
    const image = packOrTypedRefusal(g);
    expect(image).toBeInstanceOf(Uint8Array);
    expect(Array.from(Model.load(image as Uint8Array).predict([1, -2, 3]))).toEqual([1, 0, 3]);
  });

  it("5,000 Adds fold into one step", () => {
    const g = chain(5000, (_, a, b) => [{ op: "Add", inputs: [a, "one"], outputs: [b] }]);
    g.initializers = { one: { dims: [1], data: [1] } };
    const image = packOrTypedRefusal(g);
    expect(image).toBeInstanceOf(Uint8Array);
    expect(Array.from(Model.load(image as Uint8Array).predict([0, 1, 2]))).toEqual([5000, 5001, 5002]);
  });

  it("5,000 Softmaxes pack or are refused with a typed error", () => {
    const g = chain(5000, (_, a, b) => [{ op: "Softmax", inputs: [a], outputs: [b], attrs: { axis: 1 } }]);
    const r = packOrTypedRefusal(g);
    expect(r instanceof Uint8Array || r instanceof EdgeInferError).toBe(true);
  });

  it(`a graph of more than ${MAX_ONNX_NODES} nodes is refused before any work`, () => {
    const g = chain(MAX_ONNX_NODES + 1, (_, a, b) => [{ op: "Relu", inputs: [a], outputs: [b] }]);
    expect(() => packOnnx(onnxModel(g))).toThrow(ModelSpecError);
    expect(() => packOnnx(onnxModel(g))).toThrow(/graph\.node: 100001 nodes/);
  });
});

describe("duplicate names", () => {
  it("two initializers of one name are refused naming it", () => {
    const g: GraphSpec = {
      nodes: [{ op: "MatMul", inputs: ["x", "W"], outputs: ["y"] }],
      outputs: ["y"],
      initializers: { W: { dims: [3, 1], data: [1, 2, 3] } },
      moreInitializers: [{ name: "W", dims: [3, 1], data: [4, 5, 6] }],
    };
    expect(() => packOnnx(onnxModel(g))).toThrow(/graph\.initializer\.W: two initializers have this name/);
  });

  it("two graph outputs of one name are refused naming it", () => {
    const g: GraphSpec = { nodes: [{ op: "Relu", inputs: ["x"], outputs: ["y"] }], outputs: ["y", "y"] };
    expect(() => packOnnx(onnxModel(g))).toThrow(/graph\.output\.y: two graph outputs have this name/);
  });
});
