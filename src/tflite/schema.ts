/**
 * The part of TensorFlow Lite's flatbuffer schema (tensorflow/compiler/mlir/lite/schema/schema.fbs,
 * file identifier "TFL3") that the importer reads, decoded with the `flatbuffers` runtime into
 * plain objects. Hand-written accessors instead of flatc output: the field numbers below are the
 * schema's (table fields in declaration order, a union taking two slots: type and value).
 * Every offset the runtime follows is checked against the buffer first, so a truncated or
 * hostile file gives a TfliteFormatError, not a RangeError or garbage.
 */

import { ByteBuffer } from "flatbuffers";
import { ModelSpecError } from "../errors.js";

/** A malformed .tflite file: what was being read and where. */
export class TfliteFormatError extends ModelSpecError {
  constructor(
    readonly what: string,
    readonly byteOffset: number,
    readonly reason: string,
  ) {
    super(what, `TFLite flatbuffer byte ${byteOffset}: ${reason}`);
    this.name = "TfliteFormatError";
  }
}

/** TensorType (schema enum, byte). */
export const TensorType = { FLOAT32: 0, FLOAT16: 1, INT32: 2, UINT8: 3, INT64: 4, INT16: 7, INT8: 9 } as const;
export const TENSOR_TYPE_NAMES: Record<number, string> = {
  0: "FLOAT32",
  1: "FLOAT16",
  2: "INT32",
  3: "UINT8",
  4: "INT64",
  5: "STRING",
  6: "BOOL",
  7: "INT16",
  8: "COMPLEX64",
  9: "INT8",
  10: "FLOAT64",
}; // prettier-ignore

export interface TfliteQuant {
  scale: number[];
  zeroPoint: number[];
  quantizedDimension: number;
}

export interface TfliteTensor {
  index: number;
  name: string;
  shape: number[];
  type: number;
  /** The constant's bytes (a view into the file), or undefined for an activation. */
  data?: Uint8Array;
  quant?: TfliteQuant;
}

export interface TfliteOperator {
  index: number;
  /** BuiltinOperator number (deprecated_builtin_code or builtin_code, whichever is larger). */
  builtin: number;
  customCode?: string;
  version: number;
  inputs: number[];
  outputs: number[];
  /** builtin_options: the union's type and a reader of its table's fields. */
  optionsType: number;
  options: OptionsReader;
}

export interface TfliteSubgraph {
  index: number;
  name: string;
  tensors: TfliteTensor[];
  inputs: number[];
  outputs: number[];
  operators: TfliteOperator[];
}

export interface TfliteModel {
  version: number;
  description: string;
  subgraphs: TfliteSubgraph[];
}

/** Reads the scalar fields of one options table by field number, with the schema's default. */
export interface OptionsReader {
  int8(field: number, dflt?: number): number;
  int32(field: number, dflt?: number): number;
  float32(field: number, dflt?: number): number;
  bool(field: number): boolean;
  int32s(field: number): number[] | undefined;
}

/** Does this look like a .tflite file ("TFL3" at byte 4)? */
export function isTflite(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && bytes[4] === 0x54 && bytes[5] === 0x46 && bytes[6] === 0x4c && bytes[7] === 0x33;
}

class Reader {
  readonly bb: ByteBuffer;
  constructor(readonly bytes: Uint8Array) {
    this.bb = new ByteBuffer(bytes);
  }
  check(what: string, at: number, n: number): void {
    if (!(at >= 0 && at + n <= this.bytes.length))
      throw new TfliteFormatError(what, at, `${n} bytes past the end of the ${this.bytes.length}-byte file`);
  }
  /** Table at an absolute position: checks its vtable. */
  table(what: string, pos: number): number {
    this.check(what, pos, 4);
    const vt = pos - this.bb.readInt32(pos);
    this.check(`${what} vtable`, vt, 4);
    this.check(`${what} vtable`, vt, this.bb.readUint16(vt));
    return pos;
  }
  /** Byte position of field n of the table at pos, or 0 when absent. */
  field(pos: number, n: number): number {
    const vt = pos - this.bb.readInt32(pos);
    const vtBytes = this.bb.readUint16(vt);
    const slot = 4 + 2 * n;
    if (slot + 2 > vtBytes) return 0;
    const o = this.bb.readUint16(vt + slot);
    return o === 0 ? 0 : pos + o;
  }
  indirect(what: string, at: number): number {
    this.check(what, at, 4);
    const p = at + this.bb.readUint32(at);
    this.check(what, p, 4);
    return p;
  }
  /** A vector field: [start, length] of its elements, elemBytes each, or undefined. */
  vector(what: string, pos: number, n: number, elemBytes: number): [number, number] | undefined {
    const f = this.field(pos, n);
    if (!f) return undefined;
    const v = this.indirect(what, f);
    const len = this.bb.readUint32(v);
    this.check(what, v + 4, len * elemBytes);
    return [v + 4, len];
  }
  tables(what: string, pos: number, n: number): number[] {
    const v = this.vector(what, pos, n, 4);
    if (!v) return [];
    return Array.from({ length: v[1] }, (_, i) => this.table(`${what}[${i}]`, this.indirect(what, v[0] + 4 * i)));
  }
  ints(what: string, pos: number, n: number): number[] | undefined {
    const v = this.vector(what, pos, n, 4);
    return v && Array.from({ length: v[1] }, (_, i) => this.bb.readInt32(v[0] + 4 * i));
  }
  string(what: string, pos: number, n: number): string {
    const v = this.vector(what, pos, n, 1);
    return v ? new TextDecoder().decode(this.bytes.subarray(v[0], v[0] + v[1])) : "";
  }
  scalar(pos: number, n: number, bytes: number, read: (at: number) => number, dflt: number): number {
    const f = pos && this.field(pos, n);
    if (!f) return dflt;
    this.check("scalar field", f, bytes);
    return read(f);
  }
  u32(pos: number, n: number, dflt = 0): number {
    return this.scalar(pos, n, 4, (at) => this.bb.readUint32(at), dflt);
  }
  i32(pos: number, n: number, dflt = 0): number {
    return this.scalar(pos, n, 4, (at) => this.bb.readInt32(at), dflt);
  }
  i8(pos: number, n: number, dflt = 0): number {
    return this.scalar(pos, n, 1, (at) => this.bb.readInt8(at), dflt);
  }
  u8(pos: number, n: number, dflt = 0): number {
    return this.scalar(pos, n, 1, (at) => this.bb.readUint8(at), dflt);
  }
  f32(pos: number, n: number, dflt = 0): number {
    return this.scalar(pos, n, 4, (at) => this.bb.readFloat32(at), dflt);
  }
}

/** Decodes a .tflite file (Model table fields: 0 version, 2 subgraphs, 3 description, 4 buffers). */
export function decodeTflite(bytes: Uint8Array): TfliteModel {
  if (!isTflite(bytes)) throw new TfliteFormatError("file identifier", 4, 'not "TFL3": not a TFLite model');
  const r = new Reader(bytes);
  const root = r.table("Model", r.indirect("Model", 0));
  // Buffer: 0 data:[ubyte], 1 offset:ulong, 2 size:ulong (data outside the flatbuffer, > 2 GB models).
  const buffers = r.tables("Model.buffers", root, 4).map((b, i) => {
    const v = r.vector(`buffers[${i}].data`, b, 0, 1);
    if (v) return bytes.subarray(v[0], v[0] + v[1]);
    const off = r.field(b, 1);
    if (off && bytes.length >= off + 8 && r.bb.readUint64(off) > 1n) {
      const at = Number(r.bb.readUint64(off));
      const size = Number(r.bb.readUint64(r.field(b, 2) || off));
      r.check(`buffers[${i}] (outside the flatbuffer)`, at, size);
      return bytes.subarray(at, at + size);
    }
    return undefined;
  });
  // OperatorCode: 0 deprecated_builtin_code:byte, 1 custom_code, 2 version, 3 builtin_code:int.
  const codes = r.tables("Model.operator_codes", root, 1).map((c) => ({
    builtin: Math.max(r.i8(c, 0), r.i32(c, 3)),
    custom: r.string("custom_code", c, 1) || undefined,
    version: r.i32(c, 2, 1),
  }));
  const subgraphs = r.tables("Model.subgraphs", root, 2).map((sg, si): TfliteSubgraph => {
    // Tensor: 0 shape, 1 type, 2 buffer, 3 name, 4 quantization, 6 sparsity.
    const tensors = r.tables(`subgraphs[${si}].tensors`, sg, 0).map((t, ti): TfliteTensor => {
      const what = `subgraphs[${si}].tensors[${ti}]`;
      const buffer = r.u32(t, 2);
      if (buffer >= Math.max(1, buffers.length))
        throw new TfliteFormatError(`${what}.buffer`, r.field(t, 2), `buffer ${buffer} of ${buffers.length}`);
      if (r.field(t, 6)) throw new TfliteFormatError(`${what}.sparsity`, r.field(t, 6), "sparse tensors are not read");
      const data = buffers[buffer];
      const tensor: TfliteTensor = {
        index: ti,
        name: r.string(`${what}.name`, t, 3),
        shape: r.ints(`${what}.shape`, t, 0) ?? [],
        type: r.i8(t, 1),
        data: data && data.length > 0 ? data : undefined,
      };
      const qf = r.field(t, 4);
      if (qf) {
        // QuantizationParameters: 0 min, 1 max, 2 scale:[float], 3 zero_point:[long], 4–5 details, 6 dim.
        const q = r.table(`${what}.quantization`, r.indirect(what, qf));
        const sv = r.vector(`${what}.quantization.scale`, q, 2, 4);
        const zv = r.vector(`${what}.quantization.zero_point`, q, 3, 8);
        if (r.u8(q, 4) !== 0)
          throw new TfliteFormatError(`${what}.quantization.details`, r.field(q, 4), "custom quantization");
        if (sv && sv[1] > 0)
          tensor.quant = {
            scale: Array.from({ length: sv[1] }, (_, i) => r.bb.readFloat32(sv[0] + 4 * i)),
            zeroPoint: Array.from({ length: zv?.[1] ?? 0 }, (_, i) => Number(r.bb.readInt64(zv![0] + 8 * i))),
            quantizedDimension: r.i32(q, 6),
          };
      }
      return tensor;
    });
    const nT = tensors.length;
    const idx = (what: string, list: number[] | undefined, optional: boolean): number[] =>
      (list ?? []).map((i, k) => {
        if ((optional && i === -1) || (i >= 0 && i < nT)) return i;
        throw new TfliteFormatError(`${what}[${k}]`, 0, `tensor ${i} of ${nT}`);
      });
    // Operator: 0 opcode_index, 1 inputs, 2 outputs, 3 builtin_options_type, 4 builtin_options.
    const operators = r.tables(`subgraphs[${si}].operators`, sg, 3).map((o, oi): TfliteOperator => {
      const what = `subgraphs[${si}].operators[${oi}]`;
      const ci = r.u32(o, 0);
      const code = codes[ci];
      if (!code) throw new TfliteFormatError(`${what}.opcode_index`, r.field(o, 0), `code ${ci} of ${codes.length}`);
      const of = r.field(o, 4);
      const opt = of ? r.table(`${what}.builtin_options`, r.indirect(what, of)) : 0;
      return {
        index: oi,
        builtin: code.builtin,
        customCode: code.custom,
        version: code.version,
        inputs: idx(`${what}.inputs`, r.ints(`${what}.inputs`, o, 1), true),
        outputs: idx(`${what}.outputs`, r.ints(`${what}.outputs`, o, 2), false),
        optionsType: r.u8(o, 3),
        options: {
          int8: (n, d = 0) => r.i8(opt, n, d),
          int32: (n, d = 0) => r.i32(opt, n, d),
          float32: (n, d = 0) => r.f32(opt, n, d),
          bool: (n) => r.u8(opt, n) !== 0,
          int32s: (n) => (opt ? r.ints(`${what}.builtin_options`, opt, n) : undefined),
        },
      };
    });
    return {
      index: si,
      name: r.string(`subgraphs[${si}].name`, sg, 4),
      tensors,
      inputs: idx(`subgraphs[${si}].inputs`, r.ints("inputs", sg, 1), false),
      outputs: idx(`subgraphs[${si}].outputs`, r.ints("outputs", sg, 2), false),
      operators,
    };
  });
  if (subgraphs.length === 0) throw new TfliteFormatError("Model.subgraphs", 0, "no subgraph");
  return { version: r.u32(root, 0), description: r.string("description", root, 3), subgraphs };
}
