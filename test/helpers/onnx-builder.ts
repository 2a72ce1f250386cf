// Writes small ONNX models for tests with protobufjs and the official schema (the same one the
// importer reads), so refusal tests can make exactly the graph they need.
import protobuf from "protobufjs/light.js";
import { ONNX_SCHEMA } from "../../src/onnx/schema.js";

const root = protobuf.Root.fromJSON(ONNX_SCHEMA as unknown as protobuf.INamespace);
const ModelProto = root.lookupType("onnx.ModelProto");

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  domain?: string;
  attrs?: Record<string, AttrSpec>;
}

export interface GraphSpec {
  nodes: NodeSpec[];
  input?: { name: string; dims: Array<number | string>; elemType?: number };
  /** More graph inputs after `input` (fed at run time, not initializers). */
  extraInputs?: Array<{ name: string; dims: Array<number | string>; elemType?: number }>;
  outputs: string[];
  /** dataType: ONNX TensorProto.DataType (default FLOAT); integer types are stored in int32_data. */
  initializers?: Record<string, { dims: number[]; data: number[]; dataType?: number }>;
  /** Float initializers written after `initializers`, names allowed to repeat (as a hostile file may). */
  moreInitializers?: Array<{ name: string; dims: number[]; data: number[] }>;
  opset?: number;
  mlOpset?: number;
}

/** An attribute: a number, string, list, or a 1-D tensor ({ tensor: values, dataType }: FLOAT by default). */
export type AttrSpec = number | string | number[] | string[] | { tensor: number[]; dataType?: number };

function attr(name: string, v: AttrSpec) {
  if (!Array.isArray(v) && typeof v === "object") {
    const dataType = v.dataType ?? 1;
    const data =
      dataType === 1 ? { floatData: v.tensor } : dataType === 11 ? { doubleData: v.tensor } : { int32Data: v.tensor };
    return { name, type: 4, t: { name, dims: [v.tensor.length], dataType, ...data } };
  }
  if (typeof v === "string") return { name, type: 3, s: new TextEncoder().encode(v) };
  if (typeof v === "number") return Number.isInteger(v) ? { name, type: 2, i: v } : { name, type: 1, f: v };
  if (v.length > 0 && typeof v[0] === "string")
    return { name, type: 8, strings: (v as string[]).map((x) => new TextEncoder().encode(x)) };
  return (v as number[]).every(Number.isInteger) ? { name, type: 7, ints: v } : { name, type: 6, floats: v };
}

export function onnxModel(g: GraphSpec): Uint8Array {
  const input = g.input ?? { name: "x", dims: ["N", 3] };
  const msg = ModelProto.fromObject({
    irVersion: 8,
    producerName: "edgeinfer-test",
    opsetImport: [
      { domain: "", version: g.opset ?? 13 },
      ...(g.mlOpset ? [{ domain: "ai.onnx.ml", version: g.mlOpset }] : []),
    ],
    graph: {
      name: "g",
      node: g.nodes.map((n, i) => ({
        name: n.name ?? `${n.op}_${i}`,
        opType: n.op,
        domain: n.domain ?? "",
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attr(k, v)),
      })),
      initializer: Object.entries(g.initializers ?? {})
        .map(([name, t]) => ({
          name,
          dims: t.dims,
          dataType: t.dataType ?? 1,
          ...((t.dataType ?? 1) === 1 ? { floatData: t.data } : { int32Data: t.data }),
        }))
        .concat(
          (g.moreInitializers ?? []).map((t) => ({ name: t.name, dims: t.dims, dataType: 1, floatData: t.data })),
        ),
      input: [input, ...(g.extraInputs ?? [])].map((i) => ({
        name: i.name,
        type: {
          tensorType: {
            elemType: i.elemType ?? 1,
            shape: { dim: i.dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
          },
        },
      })),
      output: g.outputs.map((name) => ({ name, type: { tensorType: { elemType: 1 } } })),
    },
  });
  return ModelProto.encode(msg).finish();
}
