// Real fixtures mutated structurally (a node's inputs and outputs, attribute types and values,
// initializer types and dims, graph inputs and outputs, opsets): every mutant is refused with
// an EdgeInferError or packs into a model that loads and gives the same bits in both builds.
import { readFileSync } from "node:fs";
import protobuf from "protobufjs/light.js";
import { describe, expect, it } from "vitest";
import { EdgeInferError, Runtime, UnsupportedOpError } from "../../src/index.js";
import { packOnnx } from "../../src/onnx/import.js";
import { ONNX_SCHEMA } from "../../src/onnx/schema.js";
import { bits } from "../assembly/same-bits.js";
import { onnxModel } from "../helpers/onnx-builder.js";

const ModelProto = protobuf.Root.fromJSON(ONNX_SCHEMA as unknown as protobuf.INamespace).lookupType("onnx.ModelProto");
// biome-ignore lint/suspicious/noExplicitAny: a decoded protobuf, mutated field by field
type Proto = any;

const FIXTURES = [
  "onnx/skl_scaler_mlp_binary_bc_tanh", // Scaler, MatMul, Add, Tanh, Sigmoid, Sub, Concat, ArgMax, ArrayFeatureExtractor, Reshape
  "onnx/torch_bn_tanh_sigmoid_bc_op17", // BatchNormalization, Gemm, Tanh, Sigmoid
  "onnx-quant/digits_qlinear", // QuantizeLinear, QLinearMatMul, DequantizeLinear
];

/** Named copies of the model, each with one thing changed. */
function* mutants(m: Proto): Generator<[string, Proto]> {
  const edit = (what: string, f: (c: Proto) => void): [string, Proto] => {
    const c = structuredClone(m);
    f(c);
    return [what, c];
  };
  const g = m.graph;
  const inputName = g.input[0].name;
  yield edit("no nodes", (c) => (c.graph.node = []));
  yield edit("no graph outputs", (c) => (c.graph.output = []));
  yield edit("graph output is the input", (c) => (c.graph.output[0].name = inputName));
  yield edit("graph output is an initializer", (c) => (c.graph.output[0].name = g.initializer[0].name));
  yield edit("graph output twice", (c) => c.graph.output.push(structuredClone(c.graph.output[0])));
  yield edit("input twice", (c) => c.graph.input.push(structuredClone(c.graph.input[0])));
  yield edit("input without shape", (c) => delete c.graph.input[0].type.tensorType.shape);
  for (const v of [0, 1, 100]) yield edit(`opset ${v}`, (c) => c.opsetImport.forEach((o: Proto) => (o.version = v)));
  for (let k = 0; k < g.initializer.length; k++) {
    for (const dataType of [0, 2, 7, 11, 16])
      yield edit(`initializer ${k} dataType ${dataType}`, (c) => (c.graph.initializer[k].dataType = dataType));
    yield edit(`initializer ${k} one dim more`, (c) => c.graph.initializer[k].dims.push(2));
    yield edit(`initializer ${k} dims []`, (c) => (c.graph.initializer[k].dims = []));
    yield edit(`initializer ${k} twice`, (c) => c.graph.initializer.push(structuredClone(c.graph.initializer[k])));
  }
  for (let n = 0; n < g.node.length; n++) {
    yield edit(`node ${n} without inputs`, (c) => (c.graph.node[n].input = []));
    yield edit(`node ${n} without outputs`, (c) => (c.graph.node[n].output = []));
    yield edit(`node ${n} reads its own output`, (c) => (c.graph.node[n].input[0] = c.graph.node[n].output[0]));
    yield edit(`node ${n} writes the input`, (c) => (c.graph.node[n].output[0] = inputName));
    yield edit(`node ${n} in domain com.foo`, (c) => (c.graph.node[n].domain = "com.foo"));
    for (let a = 0; a < g.node[n].attribute.length; a++) {
      for (const type of [1, 2, 3, 6, 7, 8, 99])
        yield edit(`node ${n} attribute ${a} type ${type}`, (c) => (c.graph.node[n].attribute[a].type = type));
      yield edit(`node ${n} attribute ${a} lists emptied`, (c) => {
        Object.assign(c.graph.node[n].attribute[a], { ints: [], floats: [], strings: [] });
      });
    }
  }
}

describe("structural mutations of real fixtures", () => {
  const builds = [new Runtime({ simd: "require" }), new Runtime({ simd: "off" })];
  const answers = (image: Uint8Array) =>
    builds.map((rt) => {
      const m = rt.load(image, { allowNaN: true });
      const n = m.info.inputLength;
      const rows = Float32Array.from({ length: 5 * n }, (_, i) => Math.sin(i * 1.7) * 3);
      const y = [bits(m.predict(rows.subarray(0, n))), bits(m.predictBatch(rows, 5))];
      m.dispose();
      return y;
    });

  it.each(FIXTURES)("%s: typed refusals, or the same bits in both builds", (name) => {
    const file = readFileSync(new URL(`../fixtures/${name}.onnx`, import.meta.url));
    const model = ModelProto.toObject(ModelProto.decode(file), { longs: Number, bytes: Uint8Array, arrays: true });
    let refused = 0,
      packed = 0;
    for (const [what, mutant] of mutants(model)) {
      const bytes = ModelProto.encode(ModelProto.fromObject(mutant)).finish();
      let image: Uint8Array;
      try {
        image = packOnnx(bytes);
      } catch (e) {
        expect(e, what).toBeInstanceOf(EdgeInferError);
        refused++;
        continue;
      }
      const [simd, scalar] = answers(image);
      expect(scalar, what).toEqual(simd);
      packed++;
    }
    expect(refused).toBeGreaterThan(10);
    expect(packed).toBeGreaterThan(0);
  });
});

describe("Concat", () => {
  it("without inputs is refused naming the node", () => {
    const bytes = onnxModel({
      nodes: [
        { op: "Relu", inputs: ["x"], outputs: ["r"] },
        { op: "Concat", inputs: [], outputs: ["y"], attrs: { axis: 1 }, name: "cat" },
      ],
      outputs: ["y"],
    });
    expect(() => packOnnx(bytes)).toThrow(UnsupportedOpError);
    expect(() => packOnnx(bytes)).toThrow(/"cat".*Concat.*at least one input/);
  });
});
