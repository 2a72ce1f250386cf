// Tiny ONNX files that declare huge work (issue 19 item 5): each must be refused with a typed
// error before pack allocates anything of the declared size. Shared by test/onnx/limits.test.ts
// (error fields, in process) and its child-process run under a memory limit.
import protobuf from "protobufjs/light.js";
import { ONNX_SCHEMA } from "../../src/onnx/schema.js";
import { onnxModel } from "../helpers/onnx-builder.js";

const ModelProto = protobuf.Root.fromJSON(ONNX_SCHEMA as unknown as protobuf.INamespace).lookupType("onnx.ModelProto");

/** One initializer given as raw_data (the builder writes float_data), fed to a Relu-free Add. */
function rawInitializerModel(dims: number[], rawBytes: number): Uint8Array {
  return ModelProto.encode(
    ModelProto.fromObject({
      irVersion: 8,
      opsetImport: [{ domain: "", version: 13 }],
      graph: {
        name: "g",
        node: [{ name: "add", opType: "Add", input: ["x", "c"], output: ["y"] }],
        initializer: [{ name: "c", dims, dataType: 1, rawData: new Uint8Array(rawBytes) }],
        input: [
          { name: "x", type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: "N" }, { dimValue: 4 }] } } } },
        ],
        output: [{ name: "y", type: { tensorType: { elemType: 1 } } }],
      },
    }),
  ).finish();
}

/** `n` MatMuls in a chain, each [N, rows, 1] · [1, 1]: a block-diagonal dense of rows × rows. */
function blockDiagonalChain(rows: number, n: number): Uint8Array {
  const nodes = Array.from({ length: n }, (_, i) => ({
    op: "MatMul",
    inputs: [i === 0 ? "x" : `h${i - 1}`, "B"],
    outputs: [`h${i}`],
  }));
  return onnxModel({
    nodes,
    input: { name: "x", dims: ["N", rows, 1] },
    outputs: [`h${n - 1}`],
    initializers: { B: { dims: [1, 1], data: [2] } },
  });
}

/** name → the file's bytes. */
export const HOSTILE: Record<string, () => Uint8Array> = {
  // The 117-byte file: Add of a scalar to an input declared [N, 2^27].
  wideInput: () =>
    onnxModel({
      nodes: [{ op: "Add", inputs: ["x", "c"], outputs: ["y"] }],
      input: { name: "x", dims: ["N", 2 ** 27] },
      outputs: ["y"],
      initializers: { c: { dims: [1], data: [1] } },
    }),
  // A row past 2^28 floats: 4 rows of it wrap a u32 byte count to 0.
  rowPast2to28: () =>
    onnxModel({
      nodes: [{ op: "Relu", inputs: ["x"], outputs: ["y"] }],
      input: { name: "x", dims: ["N", 2 ** 28 + 16] },
      outputs: ["y"],
    }),
  // Dims whose product is past 2^53: refused as a size, not wrapped or rounded into a small one.
  unsafeDims: () =>
    onnxModel({
      nodes: [{ op: "Relu", inputs: ["x"], outputs: ["y"] }],
      input: { name: "x", dims: ["N", 2 ** 30, 2 ** 30, 2 ** 30] },
      outputs: ["y"],
    }),
  // A row that grows past 2^24 floats inside the graph: the input concatenated with itself.
  wideConcat: () =>
    onnxModel({
      nodes: [{ op: "Concat", inputs: ["x", "x", "x"], outputs: ["y"], attrs: { axis: 1 } }],
      input: { name: "x", dims: ["N", 2 ** 23] },
      outputs: ["y"],
    }),
  // One MatMul of [N, 8192, 1]: a 8192 × 8192 block-diagonal dense (2^26 weights, 512 MiB as float64).
  blockDiagonalOne: () => blockDiagonalChain(8192, 1),
  // Four MatMuls of [N, 2048, 1]: each 2^22 weights, within the bound alone, past it together.
  blockDiagonalFour: () => blockDiagonalChain(2048, 4),
  // An initializer whose dims say 2^30 floats while raw_data holds 4 bytes.
  hugeInitializerShortRaw: () => rawInitializerModel([2 ** 30], 4),
  // The same with no data at all.
  hugeInitializerNoData: () =>
    onnxModel({
      nodes: [{ op: "Add", inputs: ["x", "c"], outputs: ["y"] }],
      input: { name: "x", dims: ["N", 4] },
      outputs: ["y"],
      initializers: { c: { dims: [2 ** 15, 2 ** 15], data: [] } },
    }),
  // Negative dims whose product is a small positive count.
  negativeDims: () => rawInitializerModel([-2, -2], 16),
};
