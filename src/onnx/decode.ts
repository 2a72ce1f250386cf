/**
 * ONNX protobuf → plain objects, with the official schema (src/onnx/onnx-ml.proto, compiled to a
 * descriptor in schema.ts) and protobufjs, a maintained decoder. Tensors become typed arrays,
 * attributes plain values. Any decoding failure, however the bytes are broken, is an
 * OnnxDecodeError with the byte offset the decoder reached.
 */
import protobuf from "protobufjs/light.js";
import { ModelSpecError, OnnxDecodeError, SizeLimitError } from "../errors.js";
import { ONNX_SCHEMA } from "./schema.js";

/** ONNX TensorProto.DataType values edgeinfer reads. */
export enum DataType {
  FLOAT = 1,
  UINT8 = 2,
  INT8 = 3,
  UINT16 = 4,
  INT16 = 5,
  INT32 = 6,
  INT64 = 7,
  STRING = 8,
  BOOL = 9,
  FLOAT16 = 10,
  DOUBLE = 11,
  UINT32 = 12,
  UINT64 = 13,
}

export const DATA_TYPE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(DataType)
    .filter(([, v]) => typeof v === "number")
    .map(([k, v]) => [v, k.toLowerCase()]),
);

/** A constant tensor: numbers (every numeric type, as float64) or strings. */
export interface Tensor {
  name: string;
  dims: number[];
  dataType: number;
  data: Float64Array | string[];
}

export type AttrValue = number | string | number[] | string[] | Tensor | unknown;

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attrs: Map<string, AttrValue>;
}

export interface ValueInfo {
  name: string;
  /** Element type (DataType), or -1 for non-tensor types (sequences, maps). */
  elemType: number;
  /** Dimensions: a number, a symbolic name, or undefined when unknown. */
  dims: Array<number | string | undefined>;
  /** For outputs: a textual type when it is not a tensor, e.g. "seq(map(int64,tensor(float)))". */
  typeText: string;
}

export interface OnnxModel {
  irVersion: number;
  producer: string;
  /** Opset version per domain ("" = ai.onnx). */
  opsets: Map<string, number>;
  nodes: OnnxNode[];
  initializers: Map<string, Tensor>;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  graphName: string;
}

let modelType: protobuf.Type | undefined;

function types(): protobuf.Type {
  return (modelType ??= protobuf.Root.fromJSON(ONNX_SCHEMA as unknown as protobuf.INamespace).lookupType(
    "onnx.ModelProto",
  ));
}

/**
 * Decodes one message; a failure names the byte offset the reader had reached (nested
 * messages share the one reader, so its position is the offset in the file).
 */
function decodeMessage(T: protobuf.Type, bytes: Uint8Array, what: string): Obj {
  const reader = protobuf.Reader.create(bytes);
  try {
    return T.toObject(T.decode(reader), {
      longs: Number,
      enums: Number,
      bytes: Uint8Array,
      defaults: false,
      arrays: true,
    }) as Obj;
  } catch (e) {
    const message =
      e instanceof RangeError && /call stack/i.test(e.message) ? "nesting too deep" : (e as Error).message;
    throw new OnnxDecodeError(Math.min(reader.pos, bytes.length), `not a readable ${what} (${message})`);
  }
}

type Obj = Record<string, unknown>;
const num = (v: unknown): number =>
  typeof v === "number" ? v : typeof v === "string" ? Number(v) : v == null ? 0 : Number(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === "string" ? v : "");
const utf8 = new TextDecoder("utf-8", { fatal: false });

/** Bytes of each value as raw_data holds it, per data type. */
const RAW_BYTES: Record<number, number> = {
  1: 4,
  2: 1,
  3: 1,
  4: 2,
  5: 2,
  6: 4,
  7: 8,
  9: 1,
  10: 2,
  11: 8,
  12: 4,
  13: 8,
};

/** pack's budget as the decoder applies it (GraphLimits). */
export interface DecodeLimits {
  maxBytes?: number;
  /** The fewest bytes a value can take in the image: 1 when pack quantizes to int8, else 4. */
  denseWeightBytes?: number;
  /** The bytes of an external data file, by its location (OnnxPackOptions.externalData). */
  externalData?: (location: string) => Uint8Array | undefined;
}

/**
 * The bytes of a tensor kept in an external data file (data_location EXTERNAL): its location
 * must be a plain relative path inside the model's folder (no "..", not absolute), read through
 * limits.externalData; offset and length as ONNX's external_data entries give them.
 */
function externalBytes(t: Obj, name: string, limits: DecodeLimits): Uint8Array {
  const entries = new Map(arr(t.externalData).map((e) => [str((e as Obj).key), str((e as Obj).value)]));
  const location = entries.get("location") ?? "";
  const bad = (detail: string): never => {
    throw new OnnxDecodeError(
      0,
      `tensor ${JSON.stringify(name)}: external data ${JSON.stringify(location)}: ${detail}`,
    );
  };
  if (location === "") bad("no location");
  const parts = location.split(/[\\/]/);
  if (/^([\\/]|[A-Za-z]:)/.test(location) || parts.includes(".."))
    bad('only a file in the model\'s own folder is read (no absolute path, no "..")');
  const int = (key: string) => {
    const v = entries.get(key);
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v)) bad(`${key} ${JSON.stringify(v)} is not a byte count`);
    return Number(v);
  };
  const offset = int("offset") ?? 0,
    length = int("length");
  if (typeof limits.externalData !== "function")
    bad(
      "the values are in another file; pack the model from its file (the CLI reads it from the model's folder) or give PackOptions.externalData",
    );
  const file = limits.externalData!(location);
  if (!file) return bad("the file is missing (looked in the model's folder)");
  const end = length === undefined ? file.length : offset + length;
  if (offset > file.length || end > file.length)
    bad(`bytes [${offset}, ${end}) are past the end of the ${file.length}-byte file`);
  return file.subarray(offset, end);
}

/**
 * @param limits pack's budget: a tensor whose values alone (as few bytes each as the image
 * could store them) pass maxBytes is refused before its values are decoded.
 */
export function decodeTensor(t: Obj, limits: DecodeLimits = {}): Tensor {
  const dims = arr(t.dims).map(num);
  const dataType = num(t.dataType);
  const name = str(t.name);
  const bad = dims.findIndex((d) => !Number.isSafeInteger(d) || d < 0);
  if (bad >= 0)
    throw new OnnxDecodeError(0, `tensor ${JSON.stringify(name)}: dimension ${bad} is ${dims[bad]}, not a size`);
  // A plain product: huge dims stay huge (past 2^53 they are imprecise but still refused).
  const count = dims.reduce((a, b) => a * b, 1);
  if (dataType === DataType.STRING) {
    const data = arr(t.stringData).map((b) => utf8.decode(b as Uint8Array));
    return { name, dims, dataType, data };
  }
  const raw = num(t.dataLocation ?? 0) === 1 ? externalBytes(t, name, limits) : (t.rawData as Uint8Array | undefined);
  const checkBudget = () => {
    const { maxBytes, denseWeightBytes = 4 } = limits;
    const bytes = count * Math.min(denseWeightBytes, RAW_BYTES[dataType] ?? 4);
    if (maxBytes !== undefined && bytes > maxBytes)
      throw new SizeLimitError(`tensor ${JSON.stringify(name)}`, bytes, maxBytes, "bytes", "maxBytes");
  };
  let data: Float64Array;
  if (raw && raw.length > 0) {
    const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const w = RAW_BYTES[dataType];
    if (!w)
      throw new OnnxDecodeError(
        0,
        `tensor ${JSON.stringify(name)}: data type ${DATA_TYPE_NAMES[dataType] ?? dataType} is not supported`,
      );
    if (raw.length !== count * w)
      throw new OnnxDecodeError(
        0,
        `tensor ${JSON.stringify(name)}: raw_data has ${raw.length} bytes for ${count} values of ${w} bytes`,
      );
    checkBudget();
    data = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      const o = i * w;
      switch (dataType) {
        case 1:
          data[i] = v.getFloat32(o, true);
          break;
        case 2:
        case 9:
          data[i] = v.getUint8(o);
          break;
        case 3:
          data[i] = v.getInt8(o);
          break;
        case 4:
          data[i] = v.getUint16(o, true);
          break;
        case 5:
          data[i] = v.getInt16(o, true);
          break;
        case 6:
          data[i] = v.getInt32(o, true);
          break;
        case 7:
          data[i] = Number(v.getBigInt64(o, true));
          break;
        case 10:
          data[i] = halfToFloat(v.getUint16(o, true));
          break;
        case 11:
          data[i] = v.getFloat64(o, true);
          break;
        case 12:
          data[i] = v.getUint32(o, true);
          break;
        case 13:
          data[i] = Number(v.getBigUint64(o, true));
          break;
      }
    }
  } else {
    const source =
      dataType === DataType.FLOAT
        ? t.floatData
        : dataType === DataType.DOUBLE
          ? t.doubleData
          : dataType === DataType.INT64
            ? t.int64Data
            : dataType === DataType.UINT64 || dataType === DataType.UINT32
              ? t.uint64Data
              : t.int32Data;
    const values = arr(source);
    if (values.length !== count)
      throw new OnnxDecodeError(
        0,
        `tensor ${JSON.stringify(name)}: ${values.length} values for shape [${dims.join(",")}] of ${count}`,
      );
    checkBudget();
    data =
      dataType === DataType.FLOAT16 ? Float64Array.from(values.map(num), halfToFloat) : Float64Array.from(values, num);
  }
  return { name, dims, dataType, data };
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1,
    e = (h >> 10) & 0x1f,
    f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function decodeAttr(a: Obj, limits: DecodeLimits): AttrValue {
  switch (num(a.type)) {
    case 1:
      return num(a.f);
    case 2:
      return num(a.i);
    case 3:
      return utf8.decode((a.s as Uint8Array | undefined) ?? new Uint8Array(0));
    case 4:
      return decodeTensor((a.t as Obj | undefined) ?? {}, limits);
    case 6:
      return arr(a.floats).map(num);
    case 7:
      return arr(a.ints).map(num);
    case 8:
      return arr(a.strings).map((b) => utf8.decode(b as Uint8Array));
    default:
      return { unsupportedAttributeType: num(a.type) };
  }
}

function typeText(t: Obj | undefined): string {
  if (!t) return "unknown";
  if (t.tensorType) return `tensor(${DATA_TYPE_NAMES[num((t.tensorType as Obj).elemType)] ?? "?"})`;
  if (t.sequenceType) return `seq(${typeText((t.sequenceType as Obj).elemType as Obj)})`;
  if (t.mapType)
    return `map(${DATA_TYPE_NAMES[num((t.mapType as Obj).keyType)] ?? "?"},${typeText((t.mapType as Obj).valueType as Obj)})`;
  return "unknown";
}

function valueInfo(v: Obj): ValueInfo {
  const type = v.type as Obj | undefined;
  const tensor = type?.tensorType as Obj | undefined;
  const dims = arr((tensor?.shape as Obj | undefined)?.dim).map((d) => {
    const dd = d as Obj;
    return dd.dimValue !== undefined ? num(dd.dimValue) : typeof dd.dimParam === "string" ? dd.dimParam : undefined;
  });
  return { name: str(v.name), elemType: tensor ? num(tensor.elemType) : -1, dims, typeText: typeText(type) };
}

/** @param limits pack's budget, applied to every tensor as it is decoded (decodeTensor). */
export function decodeOnnx(bytes: Uint8Array, limits: DecodeLimits = {}): OnnxModel {
  if (!(ArrayBuffer.isView(bytes) && Object.prototype.toString.call(bytes) === "[object Uint8Array]"))
    throw new ModelSpecError(
      "",
      `expected an ONNX file's bytes (a Uint8Array), got ${Object.prototype.toString.call(bytes)}`,
    );
  const m = decodeMessage(types(), bytes, "ONNX model");
  const g = m.graph as Obj | undefined;
  if (!g) throw new OnnxDecodeError(0, "no graph (is this an ONNX model?)");
  const opsets = new Map<string, number>();
  for (const o of arr(m.opsetImport)) opsets.set(str((o as Obj).domain), num((o as Obj).version));
  const initializers = new Map<string, Tensor>();
  for (const t of arr(g.initializer)) {
    const tensor = decodeTensor(t as Obj, limits);
    // Protobuf keeps both; a map would keep the last one silently.
    if (initializers.has(tensor.name))
      throw new ModelSpecError(`graph.initializer.${tensor.name}`, "two initializers have this name");
    initializers.set(tensor.name, tensor);
  }
  const nodes: OnnxNode[] = arr(g.node).map((raw, i) => {
    const n = raw as Obj;
    const attrs = new Map<string, AttrValue>();
    for (const a of arr(n.attribute)) attrs.set(str((a as Obj).name), decodeAttr(a as Obj, limits));
    return {
      name: str(n.name) || `${str(n.opType)}_${i}`,
      opType: str(n.opType),
      domain: str(n.domain),
      inputs: arr(n.input).map(str),
      outputs: arr(n.output).map(str),
      attrs,
    };
  });
  const outputs = arr(g.output).map((v) => valueInfo(v as Obj));
  const outputNames = new Set<string>();
  for (const o of outputs) {
    if (outputNames.has(o.name)) throw new ModelSpecError(`graph.output.${o.name}`, "two graph outputs have this name");
    outputNames.add(o.name);
  }
  return {
    irVersion: num(m.irVersion),
    producer: [str(m.producerName), str(m.producerVersion)].filter(Boolean).join(" "),
    opsets,
    nodes,
    initializers,
    graphName: str(g.name),
    inputs: arr(g.input)
      .map((v) => valueInfo(v as Obj))
      .filter((v) => !initializers.has(v.name)),
    outputs,
  };
}

let tensorType: protobuf.Type | undefined;

/** A serialized TensorProto (the ONNX backend tests' input_*.pb / output_*.pb files). */
export function decodeTensorProto(bytes: Uint8Array): Tensor {
  const T = (tensorType ??= protobuf.Root.fromJSON(ONNX_SCHEMA as unknown as protobuf.INamespace).lookupType(
    "onnx.TensorProto",
  ));
  return decodeTensor(decodeMessage(T, bytes, "TensorProto"));
}
