/**
 * ONNX graph → edgeinfer plan. Walks the nodes in order, keeping each tensor either as a
 * constant (folded at pack time) or as a row value (one row per batch element: dim 0 is the
 * batch, the rest is the row). Every supported operator lowers to a few edgeinfer operations
 * (src/onnx/lower.ts), which the passes there fuse (dense + activation), fold (scalers and batch
 * norm into the neighbouring dense layer) and simplify before the planner writes the image.
 * Nothing of ONNX survives into the image.
 *
 * Refusals name the node, operator, domain and opset (UnsupportedOpError), or the byte offset
 * (OnnxDecodeError): an unsupported operator, an operand that would need to be dynamic, a
 * shape that cannot be made static, a non-float input.
 */

import { ModelSpecError, UnsupportedOpError } from "../errors.js";
import { Act, Norm, QuantMode } from "../format/abi.js";
import type { Label } from "../format/types.js";
import { Graph, type IrValue } from "../graph/ir.js";
import { graphToImage } from "../graph/to-plan.js";
import type { PackOptions } from "../json/import.js";
import { quantizeRows, roundHalfEven } from "../plan/quantize.js";
import {
  type AttrValue,
  DATA_TYPE_NAMES,
  DataType,
  decodeOnnx,
  type OnnxModel,
  type OnnxNode,
  type Tensor,
} from "./decode.js";

export interface OnnxPackOptions extends PackOptions {
  /**
   * Values for graph inputs other than the row (weights fed as inputs, as the ONNX backend
   * tests do): they become constants at pack time. dataType (ONNX TensorProto.DataType)
   * defaults to FLOAT; integer zero points need theirs (it decides uint8 or int8).
   */
  constants?: Record<string, { dims: number[]; data: ArrayLike<number>; dataType?: number }>;
  /** Which graph input is the row, when there are several (default: the only non-constant one). */
  input?: string;
  /**
   * false: the row input has no batch dimension: the whole tensor, as declared, is one row
   * (per-tensor quantization and element-wise operators only). Default true: dim 0 is the batch.
   */
  batch?: boolean;
}

/** A tensor during import: a constant, or a row value (dim 0 = batch, `shape` = the rest). */
type RowSym = {
  kind: "row";
  v: IrValue;
  shape: number[];
  labels?: Label[];
  index?: boolean;
  /** Integer values held exactly in f32 (a uint8/int8/int32 tensor): its ONNX data type. */
  int?: number;
};
/** A constant that a DequantizeLinear produced: its integer values and parameters are kept for int8 layers. */
interface QuantConst {
  q: Float64Array;
  scale: Float64Array;
  zp: Float64Array;
  axis: number;
  type: number;
  node: string;
}
/** QuantizeLinear of a row, not yet computed: per-element scale and zero point. */
type QRowSym = { kind: "qrow"; x: RowSym; scale: Float64Array; zp: Float64Array; type: number; node: string };
type Sym =
  | { kind: "const"; t: Tensor; quant?: QuantConst }
  | RowSym
  /** An output of DynamicQuantizeLinear (0 values, 1 scale, 2 zero point), waiting for its MatMulInteger. */
  | { kind: "dynq"; x: RowSym; part: 0 | 1 | 2; node: string }
  /** MatMulInteger of dynamically quantized values by int8 weights (then its Cast to float). */
  | { kind: "qmm"; dq: string; x: RowSym; w: Float64Array; nIn: number; nOut: number; float: boolean; node: string }
  /** Mul of the dynamic row scale by the weight scale. */
  | { kind: "qscale"; dq: string; x: RowSym; wScale: Float64Array; node: string }
  | QRowSym
  /** DequantizeLinear of a qrow with the same parameters: the row as the graph's int8 layers see it. */
  | { kind: "dqrow"; q: QRowSym; node: string };

/** Operators that do not depend on a batch axis (allowed when the whole tensor is one row). */
const ELEMENTWISE = new Set([
  "QuantizeLinear",
  "DequantizeLinear",
  "DynamicQuantizeLinear",
  "Identity",
  "Relu",
  "Sigmoid",
  "Tanh",
  "LeakyRelu",
  "HardSigmoid",
  "Add",
  "Sub",
  "Mul",
  "Div",
  "Cast",
  "Constant",
  "Dropout",
]);

const QTYPES: Record<number, { lo: number; hi: number; name: string }> = {
  [DataType.UINT8]: { lo: 0, hi: 255, name: "uint8" },
  [DataType.INT8]: { lo: -128, hi: 127, name: "int8" },
};
/** Integer row inputs the runtime holds exactly in f32. */
const INT_ROWS = new Set<number>([DataType.UINT8, DataType.INT8, DataType.UINT16, DataType.INT16, DataType.INT32]);

const ML = "ai.onnx.ml";
const FLOATS = new Set<number>([DataType.FLOAT, DataType.DOUBLE, DataType.FLOAT16]);
const INTS = new Set<number>([
  DataType.INT64,
  DataType.INT32,
  DataType.INT16,
  DataType.INT8,
  DataType.UINT8,
  DataType.UINT16,
  DataType.UINT32,
  DataType.UINT64,
]);

const prod = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

/** Operators edgeinfer imports: domain → type → lowest opset whose semantics it implements. */
export const SUPPORTED_OPS: Record<string, Record<string, number>> = {
  "": {
    Gemm: 7,
    MatMul: 1,
    Add: 7,
    Sub: 7,
    Mul: 7,
    Div: 7,
    Relu: 6,
    LeakyRelu: 6,
    Sigmoid: 6,
    HardSigmoid: 6,
    Tanh: 6,
    Softmax: 1,
    LogSoftmax: 1,
    Flatten: 1,
    Reshape: 5,
    Squeeze: 1,
    Unsqueeze: 1,
    Identity: 1,
    Dropout: 1,
    BatchNormalization: 7,
    Cast: 6,
    ArgMax: 1,
    Constant: 1,
    Concat: 4,
    QuantizeLinear: 10,
    DequantizeLinear: 10,
    DynamicQuantizeLinear: 11,
    MatMulInteger: 10,
    QLinearMatMul: 10,
  },
  [ML]: { LinearClassifier: 1, LinearRegressor: 1, Scaler: 1, Normalizer: 1, ArrayFeatureExtractor: 1, ZipMap: 1 },
};
/** Highest opset per domain whose operators are known to keep these semantics. */
export const MAX_OPSET: Record<string, number> = { "": 21, [ML]: 5 };

export interface NodeSupport {
  node: string;
  opType: string;
  domain: string;
  opset: number;
  supported: boolean;
  reason?: string;
}

/** Every node of a model and whether edgeinfer supports its operator at the model's opset. */
export function listOnnxNodes(bytes: Uint8Array): { model: OnnxModel; nodes: NodeSupport[] } {
  const model = decodeOnnx(bytes);
  const nodes = model.nodes.map((n) => {
    const opset = model.opsets.get(n.domain === "ai.onnx" ? "" : n.domain) ?? 0;
    const reason = unsupportedReason(n.opType, n.domain, opset);
    return { node: n.name, opType: n.opType, domain: n.domain || "ai.onnx", opset, supported: !reason, reason };
  });
  return { model, nodes };
}

function unsupportedReason(opType: string, domain: string, opset: number): string | undefined {
  const d = domain === "ai.onnx" ? "" : domain;
  const min = SUPPORTED_OPS[d]?.[opType];
  if (min === undefined)
    return `operator not supported (supported: ${Object.keys(SUPPORTED_OPS[d] ?? SUPPORTED_OPS[""]!).join(", ")})`;
  if (opset < min || opset > (MAX_OPSET[d] ?? 0)) return `supported from opset ${min} to ${MAX_OPSET[d]}`;
  return undefined;
}

/** Packs an ONNX model's bytes into an edgeinfer image. */
export function packOnnx(bytes: Uint8Array, options: OnnxPackOptions = {}): Uint8Array {
  return new OnnxImporter(decodeOnnx(bytes), options).run();
}

class OnnxImporter {
  private readonly syms = new Map<string, Sym>();
  private readonly low: Graph;
  private readonly inputName: string;
  private node!: OnnxNode;
  private opset = 0;
  private readonly batched: boolean;
  private readonly materialized = new Map<string, RowSym>();

  constructor(
    private readonly model: OnnxModel,
    private readonly options: OnnxPackOptions,
  ) {
    for (const [name, t] of model.initializers) this.syms.set(name, { kind: "const", t });
    for (const [name, c] of Object.entries(options.constants ?? {})) {
      this.syms.set(name, {
        kind: "const",
        t: { name, dims: c.dims, dataType: c.dataType ?? DataType.FLOAT, data: Float64Array.from(c.data) },
      });
    }
    this.batched = options.batch !== false;
    const rows = model.inputs.filter((i) => !this.syms.has(i.name));
    const chosen = options.input ? rows.find((i) => i.name === options.input) : rows.length === 1 ? rows[0] : undefined;
    if (!chosen) {
      throw new ModelSpecError(
        "inputs",
        rows.length === 0
          ? "the graph has no input left once constants are bound"
          : `the graph has ${rows.length} inputs (${rows.map((r) => r.name).join(", ")}); edgeinfer runs one row input, bind the others with \`constants\``,
      );
    }
    if (!FLOATS.has(chosen.elemType) && !INT_ROWS.has(chosen.elemType)) {
      throw new ModelSpecError(
        `inputs.${chosen.name}`,
        `input type ${chosen.typeText} is not a float tensor (or an integer tensor of up to 32 bits)`,
      );
    }
    const rowDims = this.batched ? chosen.dims.slice(1) : chosen.dims;
    if ((this.batched && chosen.dims.length < 2) || rowDims.some((d) => typeof d !== "number" || d < 1)) {
      throw new ModelSpecError(
        `inputs.${chosen.name}`,
        `shape [${chosen.dims.map((d) => d ?? "?").join(", ")}] cannot be made static: every dimension after the batch must be a fixed number`,
      );
    }
    const shape = rowDims as number[];
    this.low = new Graph(shape);
    this.syms.set(chosen.name, {
      kind: "row",
      v: this.low.input,
      shape,
      ...(INT_ROWS.has(chosen.elemType) ? { int: chosen.elemType } : {}),
    });
    this.inputName = chosen.name;
  }

  run(): Uint8Array {
    for (const n of this.model.nodes) {
      this.node = n;
      const domain = n.domain === "ai.onnx" ? "" : n.domain;
      this.opset = this.model.opsets.get(domain) ?? 0;
      const reason = unsupportedReason(n.opType, domain, this.opset);
      if (reason) this.refuse(reason);
      this.prepareInputs(n);
      const outs = this.lower(n);
      outs.forEach((s, i) => {
        if (s && n.outputs[i]) this.syms.set(n.outputs[i]!, s);
      });
    }
    const outputs = this.model.outputs.map((o) => {
      let s = this.syms.get(o.name);
      if (!s) throw new ModelSpecError(`outputs.${o.name}`, "no node produces this output");
      if (s.kind === "const")
        throw new ModelSpecError(`outputs.${o.name}`, "a constant output (it does not depend on the input)");
      if (s.kind !== "row") s = this.materialize(o.name, s, `graph output ${JSON.stringify(o.name)}`);
      return { name: o.name, v: s.v, labels: s.labels };
    });
    return graphToImage(
      this.low,
      { producer: this.model.producer || "onnx", kind: "onnx", inputName: this.inputName },
      outputs,
      this.options,
    );
  }

  // ---- helpers ----

  /** Dense weights must be finite: the SIMD kernels skip zero inputs, exact only then. */
  private finiteWeights(w: ArrayLike<number>, width: number, inputMajor = false): void {
    for (let j = 0; j < w.length; j++) {
      if (Number.isFinite(w[j]!)) continue;
      const [o, i] = inputMajor ? [j % width, Math.floor(j / width)] : [Math.floor(j / width), j % width];
      this.refuse(`weight [output ${o}, input ${i}] is ${w[j]}: dense weights must be finite`);
    }
  }

  private refuse(detail: string): never {
    const n = this.node;
    throw new UnsupportedOpError(n.name, n.opType, n.domain || "ai.onnx", this.opset, detail);
  }

  private sym(i: number, optional = false): Sym | undefined {
    const name = this.node.inputs[i];
    if (name === undefined || name === "") {
      if (optional) return undefined;
      this.refuse(`input ${i} is missing`);
    }
    const s = this.syms.get(name);
    if (!s)
      this.refuse(`input ${JSON.stringify(name)} is not produced by any earlier node, initializer or graph input`);
    return s;
  }

  /** A constant or a row (quantized intermediates were computed by prepareInputs). */
  private plain(i: number): RowSym | Extract<Sym, { kind: "const" }> {
    const s = this.sym(i)!;
    if (s.kind !== "const" && s.kind !== "row") this.refuse(`internal: input ${i} is a quantized intermediate`);
    return s;
  }

  /** A float row operand (an integer row only where the operator allows it). */
  private row(i: number, allowInt = false): RowSym {
    const s = this.sym(i)!;
    if (s.kind !== "row") this.refuse(`input ${i} must depend on the model input (a constant here is not supported)`);
    if (s.int !== undefined && !allowInt)
      this.refuse(
        `input ${i} is an integer tensor (${DATA_TYPE_NAMES[s.int] ?? s.int}); this operator is supported on float rows only`,
      );
    return s;
  }

  // ---- quantized tensors: recognised in the patterns onnxruntime's quantizers emit ----

  /**
   * Before a node runs: quantized intermediates it does not take part in are computed as the
   * graph defines them (QuantizeLinear values, a dequantized row), or refused when they belong
   * to a pattern the node breaks (DynamicQuantizeLinear → MatMulInteger → Cast → Mul).
   */
  private prepareInputs(n: OnnxNode): void {
    n.inputs.forEach((name, i) => {
      const s = name ? this.syms.get(name) : undefined;
      if (!s || s.kind === "const" || s.kind === "row") return;
      const op = n.opType;
      const takes =
        (s.kind === "dynq" && ((s.part !== 1 && op === "MatMulInteger") || (s.part === 1 && op === "Mul"))) ||
        (s.kind === "qmm" && (s.float ? op === "Mul" : op === "Cast")) ||
        (s.kind === "qscale" && op === "Mul") ||
        (s.kind === "qrow" && (op === "DequantizeLinear" || op === "QLinearMatMul")) ||
        (s.kind === "dqrow" && (op === "MatMul" || op === "Gemm") && i === 0);
      if (!takes) this.syms.set(name, this.materialize(name, s, `input ${i} of this node`));
    });
  }

  /** The tensor as a row value, computed by QUANTIZE / AFFINE steps; refused inside an unfinished pattern. */
  private materialize(name: string, s: Sym, where: string): RowSym {
    if (s.kind === "row" || s.kind === "const") return s as RowSym;
    const done = this.materialized.get(name);
    if (done) return done;
    const L = this.low;
    let r: RowSym;
    switch (s.kind) {
      case "dynq": {
        // DynamicQuantizeLinear as a graph output: its values, scale or zero point, computed per row.
        if (where.startsWith("graph output")) {
          const mode = [QuantMode.DynamicValues, QuantMode.DynamicScale, QuantMode.DynamicZeroPoint][s.part]!;
          r = {
            kind: "row",
            v: L.quantize(s.x.v, mode),
            shape: s.part === 0 ? s.x.shape : [],
            ...(s.part === 1 ? {} : { int: DataType.UINT8 }),
          };
          break;
        }
        return this.refuse(
          `the quantized pattern starting at DynamicQuantizeLinear node ${JSON.stringify(s.node)} stops here: its ${["values", "scale", "zero point"][s.part]} (${JSON.stringify(name)}) reach ${where}; expected ${s.part === 1 ? "Mul by the weight scale" : "MatMulInteger with constant int8 weights"}`,
        );
      }
      case "qmm":
        return this.refuse(
          `the quantized pattern at MatMulInteger node ${JSON.stringify(s.node)} stops here: its ${s.float ? "float product" : "int32 product"} (${JSON.stringify(name)}) reaches ${where}; expected ${s.float ? "Mul by the product of the row and weight scales" : "Cast to float"}`,
        );
      case "qscale":
        return this.refuse(
          `the quantized pattern at Mul node ${JSON.stringify(s.node)} stops here: the combined scale (${JSON.stringify(name)}) reaches ${where}; expected Mul with the Cast of a MatMulInteger`,
        );
      case "qrow": {
        const q = QTYPES[s.type]!;
        r = {
          kind: "row",
          v: L.quantize(s.x.v, QuantMode.Divide, s.scale, s.zp, q.lo, q.hi),
          shape: s.x.shape,
          int: s.type,
        };
        break;
      }
      case "dqrow": {
        const q = this.materialize(`${name}\u0000q`, s.q, where);
        r = { kind: "row", v: this.dequantizeRow(q.v, s.q.scale, s.q.zp), shape: q.shape };
        break;
      }
    }
    this.materialized.set(name, r);
    return r;
  }

  /** (q − zp) · scale, per element: one exact integer shift, then the scale. */
  private dequantizeRow(v: IrValue, scale: Float64Array, zp: Float64Array): IrValue {
    const shifted = this.low.affine(
      v,
      new Float64Array(zp.length).fill(1),
      zp.map((z) => -z),
    );
    return this.low.affine(shifted, scale, new Float64Array(scale.length));
  }

  /** A quantization parameter (scale or zero point) broadcast over a row of `shape`: per tensor, or per `axis`. */
  private qparam(
    t: Tensor | undefined,
    shape: number[],
    axisAttr: number,
    what: string,
    fallback: number,
  ): Float64Array {
    const width = prod(shape);
    if (!t) return new Float64Array(width).fill(fallback);
    const d = this.numeric(t, what);
    if (d.length === 1) return new Float64Array(width).fill(d[0]!);
    if (t.dims.length !== 1) this.refuse(`${what} of shape [${t.dims}] must be a scalar or 1-D`);
    const rank = shape.length + (this.batched ? 1 : 0);
    const ax = this.axis(axisAttr, rank) - (this.batched ? 1 : 0);
    if (ax < 0) this.refuse(`${what} along the batch axis is not supported`);
    if (shape[ax] !== d.length) this.refuse(`${what} has ${d.length} values for axis ${axisAttr} of size ${shape[ax]}`);
    const inner = prod(shape.slice(ax + 1));
    return Float64Array.from({ length: width }, (_, i) => d[Math.floor(i / inner) % d.length]!);
  }

  private qtype(zp: Tensor | undefined): number {
    const type = zp ? zp.dataType : DataType.UINT8;
    if (!QTYPES[type])
      this.refuse(`quantized type ${DATA_TYPE_NAMES[type] ?? type} is not supported (uint8 and int8 are)`);
    return type;
  }

  private quantizeLinear(): Sym {
    const scaleT = this.constant(1, "y_scale"),
      zpT = this.sym(2, true);
    if (zpT && zpT.kind !== "const") this.refuse("y_zero_point must be a constant");
    const zp = zpT?.t;
    const type = this.qtype(zp);
    if (this.opset >= 19 && this.attr("saturate", 1) !== 1) this.refuse("saturate = 0 applies to float8 types only");
    const axis = this.attr("axis", 1);
    const x = this.sym(0)!;
    if (x.kind === "const") {
      const shape = x.t.dims.length === 0 ? [1] : x.t.dims;
      const sc = this.constQparam(scaleT, shape, axis),
        z = zp ? this.constQparam(zp, shape, axis) : new Float64Array(prod(shape));
      const q = QTYPES[type]!,
        f = Math.fround;
      const data = this.numeric(x.t, "x").map((v, i) =>
        Math.max(q.lo, Math.min(q.hi, roundHalfEven(f(v / sc[i]!)) + z[i]!)),
      );
      return { kind: "const", t: { ...x.t, dataType: type, data } };
    }
    const r = this.row(0);
    const scale = this.qparam(scaleT, r.shape, axis, "y_scale", 1).map(Math.fround);
    if (scale.some((v) => !(v > 0) || !Number.isFinite(v))) this.refuse("y_scale must be finite and > 0");
    return {
      kind: "qrow",
      x: r,
      scale,
      zp: this.qparam(zp, r.shape, axis, "y_zero_point", 0),
      type,
      node: this.node.name,
    };
  }

  /** A parameter over a constant's full shape (no batch axis), per tensor or per axis. */
  private constQparam(t: Tensor, dims: number[], axisAttr: number): Float64Array {
    const d = this.numeric(t, "quantization parameter"),
      n = prod(dims);
    if (d.length === 1) return new Float64Array(n).fill(d[0]!);
    const ax = axisAttr < 0 ? axisAttr + dims.length : axisAttr;
    if (ax < 0 || ax >= dims.length || dims[ax] !== d.length)
      this.refuse(`${d.length} parameters for axis ${axisAttr} of [${dims}]`);
    const inner = prod(dims.slice(ax + 1));
    return Float64Array.from({ length: n }, (_, i) => d[Math.floor(i / inner) % d.length]!);
  }

  private dequantizeLinear(): Sym {
    const scaleT = this.constant(1, "x_scale"),
      zpS = this.sym(2, true);
    if (zpS && zpS.kind !== "const") this.refuse("x_zero_point must be a constant");
    const zp = zpS?.t;
    const axis = this.attr("axis", 1);
    const x = this.sym(0)!;
    if (x.kind === "const") {
      // Constant weights or biases: dequantized now; the integers are kept for an int8 layer.
      if (x.t.dataType !== DataType.UINT8 && x.t.dataType !== DataType.INT8 && x.t.dataType !== DataType.INT32)
        this.refuse(`x of type ${DATA_TYPE_NAMES[x.t.dataType] ?? x.t.dataType} is not uint8, int8 or int32`);
      const dims = x.t.dims.length === 0 ? [1] : x.t.dims;
      const sc = this.constQparam(scaleT, dims, axis).map(Math.fround),
        z = zp ? this.constQparam(zp, dims, axis) : new Float64Array(prod(dims));
      const q = this.numeric(x.t, "x");
      const data = q.map((v, i) => Math.fround((v - z[i]!) * sc[i]!));
      const ax = axis < 0 ? axis + dims.length : axis;
      return {
        kind: "const",
        t: { ...x.t, dataType: DataType.FLOAT, data },
        quant: {
          q,
          scale: sc,
          zp: z,
          axis: this.numeric(scaleT, "x_scale").length === 1 ? -1 : ax,
          type: x.t.dataType,
          node: this.node.name,
        },
      };
    }
    if (x.kind === "qrow") {
      const r = x.x;
      const sc = this.qparam(scaleT, r.shape, axis, "x_scale", 1).map(Math.fround),
        z = this.qparam(zp, r.shape, axis, "x_zero_point", 0);
      const same = sc.every((v, i) => v === x.scale[i]) && z.every((v, i) => v === x.zp[i]);
      if (same) return { kind: "dqrow", q: x, node: this.node.name };
      const q = this.materialize(this.node.inputs[0]!, x, "a DequantizeLinear with other parameters");
      return { kind: "row", v: this.dequantizeRow(q.v, sc, z), shape: r.shape };
    }
    const r = this.row(0, true);
    if (r.int === undefined) this.refuse("x is a float row; DequantizeLinear takes integer values");
    const sc = this.qparam(scaleT, r.shape, axis, "x_scale", 1).map(Math.fround),
      z = this.qparam(zp, r.shape, axis, "x_zero_point", 0);
    return { kind: "row", v: this.dequantizeRow(r.v, sc, z), shape: r.shape };
  }

  private dynamicQuantizeLinear(): Array<Sym | undefined> {
    const x = this.row(0);
    const node = this.node.name;
    return [0, 1, 2].map((part) => ({ kind: "dynq", x, part: part as 0 | 1 | 2, node }));
  }

  /** B − zero point of a constant [K, N] integer matrix, as out × in (N × K), with its zero point per column. */
  private intWeights(b: Tensor, zpT: Tensor | undefined, what: string): { w: Float64Array; k: number; m: number } {
    if (b.dims.length !== 2) this.refuse(`${what} must be a constant 2-D matrix, got [${b.dims}]`);
    if (!QTYPES[b.dataType])
      this.refuse(`${what} of type ${DATA_TYPE_NAMES[b.dataType] ?? b.dataType} is not uint8 or int8`);
    const [k, m] = b.dims as [number, number];
    const bd = this.numeric(b, what);
    const z = zpT ? this.numeric(zpT, `${what} zero point`) : Float64Array.of(0);
    if (z.length !== 1 && z.length !== m) this.refuse(`${what} zero point has ${z.length} values for ${m} columns`);
    const w = new Float64Array(m * k);
    for (let o = 0; o < m; o++) for (let i = 0; i < k; i++) w[o * k + i] = bd[i * m + o]! - z[z.length === 1 ? 0 : o]!;
    return { w, k, m };
  }

  private matMulInteger(): Sym {
    const a = this.sym(0)!,
      azp = this.sym(2, true),
      bS = this.sym(1)!,
      bzpS = this.sym(3, true);
    if (bS.kind !== "const") this.refuse("B must be a constant (an initializer)");
    if (bzpS && bzpS.kind !== "const") this.refuse("b_zero_point must be a constant");
    const { w, k, m } = this.intWeights(bS.t, bzpS?.kind === "const" ? bzpS.t : undefined, "B");
    if (a.kind === "dynq") {
      if (a.part !== 0) this.refuse("A must be the values output of DynamicQuantizeLinear");
      if (azp?.kind !== "dynq" || azp.part !== 2 || azp.node !== a.node) {
        this.refuse(
          `the quantized pattern starting at DynamicQuantizeLinear node ${JSON.stringify(a.node)} stops here: a_zero_point must be that node's zero point output`,
        );
      }
      if (a.x.shape.length !== 1 || a.x.shape[0] !== k)
        this.refuse(`A [N, ${a.x.shape}] and B [${bS.t.dims}] do not multiply`);
      return { kind: "qmm", dq: a.node, x: a.x, w, nIn: k, nOut: m, float: false, node: this.node.name };
    }
    // Integer rows (a uint8 or int8 tensor given as input): the exact integer product, in f32.
    const r = this.row(0, true);
    if (r.int !== DataType.UINT8 && r.int !== DataType.INT8)
      this.refuse("A must be uint8 or int8 values (a graph input of that type, or DynamicQuantizeLinear's output)");
    if (azp && azp.kind !== "const") this.refuse("a_zero_point must be a constant");
    const za = azp?.kind === "const" ? this.numeric(azp.t, "a_zero_point") : Float64Array.of(0);
    if (za.length !== 1) this.refuse("a per-row a_zero_point is not supported");
    return { ...this.exactIntDense(r, za[0]!, w, k, m), int: DataType.INT32 };
  }

  /** Σ (a − za)·w over integers, computed in f32: exact while every partial sum stays below 2^24 (checked). */
  private exactIntDense(r: RowSym, za: number, w: Float64Array, k: number, m: number): RowSym {
    if (r.shape.length !== 1 || r.shape[0] !== k) this.refuse(`A [N, ${r.shape}] does not have ${k} columns`);
    const range = QTYPES[r.int!]!;
    const aMax = Math.max(Math.abs(range.lo), Math.abs(range.hi)) + Math.abs(za); // with or without the shift folded in
    let wMax = 0;
    for (const v of w) wMax = Math.max(wMax, Math.abs(v));
    if (k * aMax * wMax >= 2 ** 24)
      this.refuse(`integer sums could reach ${k * aMax * wMax}, past 2^24: f32 would not hold them exactly`);
    const shifted = this.low.affine(r.v, new Float64Array(k).fill(1), new Float64Array(k).fill(-za));
    return { kind: "row", v: this.low.dense(shifted, w, new Float64Array(m), k, m), shape: [m] };
  }

  /** Mul inside the dynamic pattern: the scales, or the float product by the scales (the int8 dense step). */
  private quantMul(x: Sym, y: Sym): Sym | undefined {
    const sym = [x, y];
    const dq = sym.find((s) => s.kind === "dynq"),
      c = sym.find((s) => s.kind === "const");
    if (dq && dq.kind === "dynq") {
      if (c?.kind !== "const")
        this.refuse(
          `the quantized pattern starting at DynamicQuantizeLinear node ${JSON.stringify(dq.node)} stops here: its scale must be multiplied by the constant weight scale`,
        );
      return {
        kind: "qscale",
        dq: dq.node,
        x: dq.x,
        wScale: Float64Array.from(this.numeric(c.t, "weight scale"), Math.fround),
        node: this.node.name,
      };
    }
    const qm = sym.find((s) => s.kind === "qmm"),
      qs = sym.find((s) => s.kind === "qscale");
    if (!qm && !qs) return undefined;
    if (qm?.kind !== "qmm" || !qs || qs.kind !== "qscale" || qs.dq !== qm.dq) {
      const at = (qm ?? qs) as { node: string };
      this.refuse(
        `the quantized pattern at node ${JSON.stringify(at.node)} stops here: expected Mul of the Cast MatMulInteger product by the scales of the same DynamicQuantizeLinear`,
      );
    }
    const { nIn, nOut } = qm;
    if (qs.wScale.length !== 1 && qs.wScale.length !== nOut)
      this.refuse(`${qs.wScale.length} weight scales for ${nOut} columns`);
    const scales = Float32Array.from({ length: nOut }, (_, o) => qs.wScale[qs.wScale.length === 1 ? 0 : o]!);
    let wq: Int8Array;
    if (qm.w.every((v) => v >= -128 && v <= 127)) {
      wq = Int8Array.from(qm.w); // the graph's integers, exactly
    } else {
      // uint8 weights with a zero point: B − zp does not fit int8. Requantized symmetric per channel
      // from the dequantized weights (a second rounding, recorded in docs/quantization.md).
      const q = quantizeRows(
        qm.w.map((v, i) => v * scales[Math.floor(i / nIn)]!),
        nOut,
        nIn,
      );
      wq = q.values;
      scales.set(q.scales);
    }
    return { kind: "row", v: this.low.denseQ8(qm.x.v, wq, scales, new Float64Array(nOut)), shape: [nOut] };
  }

  /** MatMul / Gemm of a QDQ row by dequantized int8 weights: one int8 dense step with the row's static scale. */
  private qdqDense(
    a: Extract<Sym, { kind: "dqrow" }>,
    b: Extract<Sym, { kind: "const" }>,
    transB: boolean,
    alpha: number,
    bias: Float64Array | undefined,
  ): RowSym | undefined {
    const quant = b.quant;
    if (!quant || b.t.dims.length !== 2) return undefined;
    const q = a.q;
    const s0 = q.scale[0]!,
      z0 = q.zp[0]!;
    if (!q.scale.every((v) => v === s0) || !q.zp.every((v) => v === z0))
      this.refuse(
        `the row quantized by node ${JSON.stringify(q.node)} has per-channel parameters; an int8 layer needs one scale and zero point per row`,
      );
    const [r0, c0] = b.t.dims as [number, number];
    const [k, m] = transB ? [c0, r0] : [r0, c0];
    if (a.q.x.shape.length !== 1 || a.q.x.shape[0] !== k)
      this.refuse(`[N, ${a.q.x.shape}] · [${b.t.dims}]: inner dimensions differ`);
    const outAxis = transB ? 0 : 1;
    if (quant.axis !== -1 && quant.axis !== outAxis)
      this.refuse(
        `weights quantized along axis ${quant.axis}; int8 layers need one scale per output column (axis ${outAxis})`,
      );
    const wInt = new Float64Array(m * k),
      scales = new Float32Array(m);
    for (let o = 0; o < m; o++) {
      for (let i = 0; i < k; i++) {
        const at = transB ? o * k + i : i * m + o;
        wInt[o * k + i] = quant.q[at]! - quant.zp[at]!;
      }
      scales[o] = Math.fround(quant.scale[transB ? o * k : o]! * alpha);
    }
    let wq: Int8Array;
    if (wInt.every((v) => v >= -128 && v <= 127)) wq = Int8Array.from(wInt);
    else {
      const rq = quantizeRows(
        wInt.map((v, i) => v * scales[Math.floor(i / k)]!),
        m,
        k,
      );
      wq = rq.values;
      scales.set(rq.scales);
    }
    // The row's int8 or uint8 values as u8 with the zero point moved by 128 (the same integers).
    const zeroPoint = q.type === DataType.INT8 ? z0 + 128 : z0;
    const v = this.low.denseQ8(q.x.v, wq, scales, bias ?? new Float64Array(m), { scale: s0, zeroPoint });
    return { kind: "row", v, shape: [m] };
  }

  private qlinearMatMul(): Sym {
    const c = (i: number, what: string) => this.constant(i, what);
    const [sa, za, sb, zb, sy, zy] = [
      c(1, "a_scale"),
      c(2, "a_zero_point"),
      c(4, "b_scale"),
      c(5, "b_zero_point"),
      c(6, "y_scale"),
      c(7, "y_zero_point"),
    ];
    const b = c(3, "b");
    const one = (t: Tensor, what: string) => {
      const d = this.numeric(t, what);
      if (d.length !== 1) this.refuse(`${what} must be a scalar (per-tensor)`);
      return d[0]!;
    };
    const yType = this.qtype(zy);
    const { w, k, m } = this.intWeights(b, zb, "b");
    const bScale = this.numeric(sb, "b_scale");
    if (bScale.length !== 1 && bScale.length !== m) this.refuse(`b_scale has ${bScale.length} values for ${m} columns`);
    const f = Math.fround;
    const a = this.sym(0)!;
    const ys = f(one(sy, "y_scale")),
      yz = one(zy, "y_zero_point");
    if (a.kind === "qrow") {
      // QuantizeLinear → QLinearMatMul: the int8 layer with the row's static scale; its float
      // result is requantized to y's scale, which the next DequantizeLinear (or layer) reads.
      if (a.x.shape.length !== 1 || a.x.shape[0] !== k) this.refuse(`a [N, ${a.x.shape}] does not have ${k} columns`);
      const s0 = f(one(sa, "a_scale")),
        z0 = one(za, "a_zero_point");
      if (!a.scale.every((v) => v === s0) || !a.zp.every((v) => v === z0))
        this.refuse(`a's scale and zero point differ from those of QuantizeLinear node ${JSON.stringify(a.node)}`);
      const dq = { kind: "dqrow" as const, q: a, node: this.node.name };
      const scales = new Float64Array(m).map((_, o) => bScale[bScale.length === 1 ? 0 : o]!);
      const wConst: Extract<Sym, { kind: "const" }> = {
        kind: "const",
        t: { name: "", dims: [k, m], dataType: DataType.FLOAT, data: new Float64Array(k * m) },
        quant: {
          q: Float64Array.from({ length: k * m }, (_, at) => w[(at % m) * k + Math.floor(at / m)]!),
          scale: Float64Array.from({ length: k * m }, (_, at) => scales[at % m]!),
          zp: new Float64Array(k * m),
          axis: 1,
          type: DataType.INT8,
          node: this.node.name,
        },
      };
      const y = this.qdqDense(dq, wConst, false, 1, undefined)!;
      return {
        kind: "qrow",
        x: y,
        scale: new Float64Array(m).fill(ys),
        zp: new Float64Array(m).fill(yz),
        type: yType,
        node: this.node.name,
      };
    }
    // Integer rows: the exact integer product, then requantized as the reference does:
    // y = saturate(round(acc · (a_scale · b_scale / y_scale)) + y_zero_point).
    const r = this.row(0, true);
    if (r.int !== DataType.UINT8 && r.int !== DataType.INT8)
      this.refuse("a must be uint8 or int8 values (a graph input of that type, or QuantizeLinear's output)");
    const acc = this.exactIntDense(r, one(za, "a_zero_point"), w, k, m);
    const sA = f(one(sa, "a_scale"));
    const mult = Float64Array.from({ length: m }, (_, o) => f(f(sA * f(bScale[bScale.length === 1 ? 0 : o]!)) / ys));
    const q = QTYPES[yType]!;
    return {
      kind: "row",
      v: this.low.quantize(acc.v, QuantMode.Multiply, mult, new Float64Array(m).fill(yz), q.lo, q.hi),
      shape: [m],
      int: yType,
    };
  }

  private constant(i: number, what: string): Tensor {
    const s = this.sym(i)!;
    if (s.kind !== "const")
      this.refuse(`${what} (input ${i}) must be a constant (an initializer); here it depends on the input`);
    return s.t;
  }

  private attr(name: string, fallback: number): number;
  private attr(name: string, fallback: string): string;
  private attr(name: string, fallback: number | string): AttrValue {
    const v = this.node.attrs.get(name);
    if (v === undefined) return fallback;
    if (typeof v !== typeof fallback)
      this.refuse(`attribute ${name} should be a ${typeof fallback}, got ${JSON.stringify(v)}`);
    return v;
  }

  private intsAttr(name: string): number[] | undefined {
    const v = this.node.attrs.get(name);
    if (v !== undefined && !(Array.isArray(v) && v.every((x) => typeof x === "number")))
      this.refuse(`attribute ${name} must be a list of ints`);
    return v as number[] | undefined;
  }

  private floats(name: string): number[] {
    const v = this.node.attrs.get(name);
    return Array.isArray(v) ? (v as number[]) : [];
  }

  /** Normalizes an axis against the full rank (batch included). */
  private axis(a: number, rank: number): number {
    const ax = a < 0 ? a + rank : a;
    if (ax < 0 || ax >= rank) this.refuse(`axis ${a} is out of range for rank ${rank}`);
    return ax;
  }

  /** A constant broadcast over a row of the given shape (ONNX multidirectional broadcasting). */
  private broadcastConst(t: Tensor, shape: number[]): Float64Array {
    const full = [1, ...shape]; // the batch dimension stays 1 in a constant
    const rank = Math.max(full.length, t.dims.length);
    const cd = [...new Array(rank - t.dims.length).fill(1), ...t.dims];
    const rd = [...new Array(rank - full.length).fill(1), ...full];
    if (rd.length > full.length && rd.slice(0, rd.length - full.length).some((d) => d !== 1))
      this.refuse("a constant operand has more dimensions than the row");
    for (let k = 0; k < rank; k++) {
      if (cd[k] !== 1 && cd[k] !== rd[k]) {
        this.refuse(
          k === rank - full.length
            ? `a constant operand of shape [${t.dims}] varies along the batch dimension`
            : `shapes [${t.dims}] and [N, ${shape}] do not broadcast`,
        );
      }
    }
    const data = t.data as Float64Array;
    const out = new Float64Array(prod(shape));
    const strides = cd.map((_, k) => (cd[k] === 1 ? 0 : prod(cd.slice(k + 1))));
    const rowDims = rd.slice(rank - shape.length);
    const lead = rank - shape.length;
    for (let i = 0; i < out.length; i++) {
      let rem = i,
        off = 0;
      for (let k = shape.length - 1; k >= 0; k--) {
        const d = rowDims[k]!,
          idx = rem % d;
        rem = Math.floor(rem / d);
        off += idx * strides[lead + k]!;
      }
      out[i] = data[off]!;
    }
    return out;
  }

  private numeric(t: Tensor, what: string): Float64Array {
    if (t.dataType === DataType.STRING) this.refuse(`${what} is a string tensor`);
    return t.data as Float64Array;
  }

  // ---- operators ----

  private lower(n: OnnxNode): Array<Sym | undefined> {
    const L = this.low;
    if (n.domain === ML) return this.lowerMl(n);
    if (!this.batched && !ELEMENTWISE.has(n.opType))
      this.refuse(
        "without a batch dimension (the whole tensor as one row) only element-wise and quantization operators are supported",
      );
    switch (n.opType) {
      case "QuantizeLinear":
        return [this.quantizeLinear()];
      case "DequantizeLinear":
        return [this.dequantizeLinear()];
      case "DynamicQuantizeLinear":
        return this.dynamicQuantizeLinear();
      case "MatMulInteger":
        return [this.matMulInteger()];
      case "QLinearMatMul":
        return [this.qlinearMatMul()];
      case "Identity":
        return [this.sym(0)];
      case "Dropout": {
        if (n.outputs[1]) this.refuse("the mask output of Dropout is not supported (inference only)");
        // Opset 12 moved training_mode to input 2: dropping at random is training, not inference.
        const training = this.opset >= 12 ? this.sym(2, true) : undefined;
        const ratio = this.opset >= 12 ? this.sym(1, true) : undefined;
        const zeroRatio = ratio?.kind === "const" && (ratio.t.data as Float64Array)[0] === 0; // training with ratio 0 drops nothing
        if (training && !zeroRatio && (training.kind !== "const" || (training.t.data as Float64Array)[0] !== 0))
          this.refuse("training_mode must be a constant false (inference only)");
        if (this.opset < 7 && this.attr("is_test", 0) === 0)
          this.refuse("is_test = 0 is training mode (inference only)");
        return [this.sym(0)];
      }
      case "Constant":
        return [{ kind: "const", t: this.constantAttr() }];
      case "Cast":
        return [this.cast()];
      case "Relu":
      case "Sigmoid":
      case "Tanh":
      case "LeakyRelu":
      case "HardSigmoid": {
        const x = this.row(0);
        const act = {
          Relu: Act.Relu,
          Sigmoid: Act.Sigmoid,
          Tanh: Act.Tanh,
          LeakyRelu: Act.LeakyRelu,
          HardSigmoid: Act.HardSigmoid,
        }[n.opType]!;
        const alpha =
          n.opType === "LeakyRelu"
            ? this.attr("alpha", 0.01)
            : n.opType === "HardSigmoid"
              ? this.attr("alpha", 0.2)
              : 0;
        const beta = n.opType === "HardSigmoid" ? this.attr("beta", 0.5) : 0;
        return [{ kind: "row", v: L.act(x.v, act, alpha, beta), shape: x.shape }];
      }
      case "Softmax":
      case "LogSoftmax": {
        const x = this.row(0);
        const rank = x.shape.length + 1;
        const axis = this.axis(this.attr("axis", this.opset < 13 ? 1 : -1), rank);
        // Before opset 13 the input is flattened to 2-D at axis; from 13 it is one axis. Either
        // way it is edgeinfer's row softmax when it covers the whole row.
        const coversRow = this.opset < 13 ? axis === 1 : x.shape.every((d, k) => k + 1 === axis || d === 1);
        if (axis === 0 || !coversRow)
          this.refuse(`softmax along axis ${axis} of [N, ${x.shape}] is not over the whole row`);
        return [
          { kind: "row", v: L.act(x.v, n.opType === "Softmax" ? Act.Softmax : Act.LogSoftmax, 0, 0), shape: x.shape },
        ];
      }
      case "Gemm":
        return [this.gemm()];
      case "MatMul":
        return [this.matmul()];
      case "Add":
      case "Sub":
      case "Mul":
      case "Div":
        return [this.arith()];
      case "BatchNormalization":
        return [this.batchNorm()];
      case "Flatten": {
        const x = this.row(0);
        const axis = this.axis(this.attr("axis", 1), x.shape.length + 1);
        if (axis === 0) this.refuse("Flatten at axis 0 mixes the batch into the row");
        // [N, a, b, c] at axis 2 → [N·a, b·c]: a new batch, unless a is 1.
        if (prod(x.shape.slice(0, axis - 1)) !== 1)
          this.refuse(`Flatten at axis ${axis} of [N, ${x.shape}] changes the batch`);
        return [{ ...x, shape: [prod(x.shape)] }];
      }
      case "Reshape":
        return [this.reshape()];
      case "Squeeze":
      case "Unsqueeze":
        return [this.squeeze(n.opType === "Squeeze")];
      case "ArgMax": {
        const x = this.row(0);
        const axis = this.axis(this.attr("axis", 0), x.shape.length + 1);
        if (this.attr("select_last_index", 0) !== 0) this.refuse("select_last_index = 1 is not supported");
        if (axis === 0 || x.shape.some((d, k) => k + 1 !== axis && d !== 1))
          this.refuse(`argmax along axis ${axis} of [N, ${x.shape}] is not over the whole row`);
        const keep = this.attr("keepdims", 1) !== 0;
        const shape = keep ? x.shape.map((d, k) => (k + 1 === axis ? 1 : d)) : x.shape.filter((_, k) => k + 1 !== axis);
        return [{ kind: "row", v: L.argmax(x.v), shape, index: true }];
      }
      case "Concat": {
        const axis = this.attr("axis", 1);
        const parts = n.inputs.map((_, i) => this.row(i));
        const rank = parts[0]!.shape.length + 1;
        const ax = this.axis(axis, rank);
        if (
          ax !== rank - 1 ||
          parts.some((p) => p.shape.length !== rank - 1 || p.shape.slice(0, -1).some((d) => d !== 1))
        ) {
          this.refuse(`concatenation along axis ${axis} is supported for [N, k] rows only`);
        }
        const width = parts.reduce((w, p) => w + p.shape[p.shape.length - 1]!, 0);
        return [{ kind: "row", v: L.concat(parts.map((p) => p.v)), shape: [...parts[0]!.shape.slice(0, -1), width] }];
      }
      default:
        return this.refuse("operator not supported");
    }
  }

  private constantAttr(): Tensor {
    const a = this.node.attrs;
    const v = a.get("value");
    if (v && typeof v === "object" && "dims" in (v as object)) return v as Tensor;
    if (a.has("value_float"))
      return { name: "", dims: [], dataType: DataType.FLOAT, data: Float64Array.of(a.get("value_float") as number) };
    if (a.has("value_floats")) {
      const f = a.get("value_floats") as number[];
      return { name: "", dims: [f.length], dataType: DataType.FLOAT, data: Float64Array.from(f) };
    }
    if (a.has("value_int"))
      return { name: "", dims: [], dataType: DataType.INT64, data: Float64Array.of(a.get("value_int") as number) };
    if (a.has("value_ints")) {
      const f = a.get("value_ints") as number[];
      return { name: "", dims: [f.length], dataType: DataType.INT64, data: Float64Array.from(f) };
    }
    return this.refuse("Constant needs a value, value_float(s) or value_int(s) attribute");
  }

  private cast(): Sym {
    const to = this.attr("to", DataType.FLOAT as number);
    const s = this.sym(0)!;
    if (s.kind === "qmm") {
      if (to !== DataType.FLOAT)
        this.refuse(
          `the quantized pattern at MatMulInteger node ${JSON.stringify(s.node)} stops here: expected a Cast to float, got ${DATA_TYPE_NAMES[to] ?? to}`,
        );
      return { ...s, float: true };
    }
    if (s.kind === "row" && s.int !== undefined) {
      if (FLOATS.has(to)) return { ...s, int: undefined };
      if (QTYPES[to] || INTS.has(to))
        this.refuse(
          `casting ${DATA_TYPE_NAMES[s.int] ?? s.int} values to ${DATA_TYPE_NAMES[to] ?? to} (wrap-around) is not supported`,
        );
    }
    if (s.kind !== "const" && s.kind !== "row") return this.refuse("internal: a quantized intermediate reached Cast");
    if (s.kind === "const") {
      if (to === DataType.STRING || s.t.dataType === DataType.STRING)
        this.refuse("casts to or from strings are not supported");
      if (to === DataType.FLOAT16)
        this.refuse("a cast to float16 rounds every value; edgeinfer computes in float32 and does not emulate it");
      const data = INTS.has(to)
        ? (s.t.data as Float64Array).map(Math.trunc)
        : to === DataType.FLOAT
          ? (s.t.data as Float64Array).map(Math.fround)
          : s.t.data;
      return { kind: "const", t: { ...s.t, dataType: to, data: data as Float64Array } };
    }
    if (to === DataType.FLOAT16)
      this.refuse("a cast to float16 rounds every value; edgeinfer computes in float32 and does not emulate it");
    if (FLOATS.has(to)) return s; // rows are f32 already (double rows are computed in f32); a class index stays exact
    if (INTS.has(to) && s.index) return s; // class indices (ArgMax) are exact in f32
    return this.refuse(
      `cast of a computed float row to ${DATA_TYPE_NAMES[to] ?? to} is not supported (only class indices may become integers)`,
    );
  }

  /** Y = alpha·A·B' + beta·C with B' = B or Bᵀ. */
  private gemm(): Sym {
    const a0 = this.sym(0)!;
    if (a0.kind === "dqrow") {
      const b = this.sym(1)!,
        c = this.sym(2, true);
      if (this.attr("transA", 0) !== 0)
        this.refuse("transA = 1 is not supported (the row input must not be transposed)");
      if (b.kind === "const" && b.quant && (!c || c.kind === "const")) {
        const transB = this.attr("transB", 0) !== 0,
          alpha = this.attr("alpha", 1),
          beta = this.attr("beta", 1);
        const m = b.t.dims[transB ? 0 : 1]!;
        const bias = c?.kind === "const" ? this.broadcastConst(c.t, [m]).map((v) => beta * v) : undefined;
        const r = this.qdqDense(a0, b, transB, alpha, bias);
        if (r) return r;
      }
      this.syms.set(
        this.node.inputs[0]!,
        this.materialize(this.node.inputs[0]!, a0, "a Gemm whose B is not a dequantized int8 constant"),
      );
    }
    const a = this.row(0);
    if (this.attr("transA", 0) !== 0) this.refuse("transA = 1 is not supported (the row input must not be transposed)");
    if (a.shape.length !== 1) this.refuse(`Gemm input must be [N, K], got [N, ${a.shape}]`);
    const b = this.constant(1, "B");
    if (b.dims.length !== 2) this.refuse(`B must be 2-D, got [${b.dims}]`);
    const transB = this.attr("transB", 0) !== 0;
    const [k, m] = transB ? [b.dims[1]!, b.dims[0]!] : [b.dims[0]!, b.dims[1]!];
    if (k !== a.shape[0]) this.refuse(`A has ${a.shape[0]} columns but B has ${k} rows`);
    const alpha = this.attr("alpha", 1),
      beta = this.attr("beta", 1);
    const bd = this.numeric(b, "B");
    const w = new Float64Array(m * k);
    for (let o = 0; o < m; o++) for (let i = 0; i < k; i++) w[o * k + i] = alpha * bd[transB ? o * k + i : i * m + o]!;
    this.finiteWeights(w, k);
    const c = this.sym(2, true);
    let bias = new Float64Array(m);
    if (c) {
      if (c.kind !== "const") this.refuse("C must be a constant");
      bias = this.broadcastConst(c.t, [m]).map((v) => beta * v);
    }
    return { kind: "row", v: this.low.dense(a.v, w, bias, k, m), shape: [m] };
  }

  /** Row × constant matrix: [N, …, R, K] · [K, M]; a leading row shape makes a block-diagonal dense. */
  private matmul(): Sym {
    const a0 = this.sym(0)!;
    if (a0.kind === "dqrow") {
      const b = this.sym(1)!;
      const r = b.kind === "const" ? this.qdqDense(a0, b, false, 1, undefined) : undefined;
      if (r) return r;
      this.syms.set(
        this.node.inputs[0]!,
        this.materialize(this.node.inputs[0]!, a0, "a MatMul whose B is not a dequantized int8 constant"),
      );
    }
    const a = this.row(0);
    const b = this.constant(1, "B");
    if (b.dims.length !== 2) this.refuse(`the constant operand must be 2-D, got [${b.dims}]`);
    const [k, m] = b.dims as [number, number];
    const kIn = a.shape[a.shape.length - 1];
    if (kIn !== k) this.refuse(`[N, ${a.shape}] · [${b.dims}]: inner dimensions ${kIn} and ${k} differ`);
    const blocks = prod(a.shape.slice(0, -1));
    const bd = this.numeric(b, "B");
    this.finiteWeights(bd, m, true);
    const nIn = blocks * k,
      nOut = blocks * m;
    if (nIn * nOut > 1 << 26) this.refuse(`a block-diagonal dense of ${nOut}×${nIn} is too large`);
    const w = new Float64Array(nOut * nIn);
    for (let r = 0; r < blocks; r++) {
      for (let o = 0; o < m; o++) for (let i = 0; i < k; i++) w[(r * m + o) * nIn + r * k + i] = bd[i * m + o]!;
    }
    return {
      kind: "row",
      v: this.low.dense(a.v, w, new Float64Array(nOut), nIn, nOut, { shape: [...a.shape.slice(0, -1), m] }),
      shape: [...a.shape.slice(0, -1), m],
    };
  }

  /** Add / Sub / Mul / Div with one constant operand, as an element-wise affine step. */
  private arith(): Sym {
    const op = this.node.opType;
    if (op === "Mul") {
      const q = this.quantMul(this.sym(0)!, this.sym(1)!);
      if (q) return q;
    }
    const x = this.plain(0),
      y = this.plain(1);
    if ((x.kind === "row" && x.int !== undefined) || (y.kind === "row" && y.int !== undefined))
      this.refuse("arithmetic on integer tensors (wrap-around, integer division) is not supported; dequantize first");
    if (x.kind === "const" && y.kind === "const") return { kind: "const", t: this.foldConst(x.t, y.t) };
    if (x.kind === "row" && y.kind === "row")
      this.refuse("both operands depend on the input; edgeinfer supports one constant operand");
    const r = (x.kind === "row" ? x : y) as Extract<Sym, { kind: "row" }>;
    const c = (x.kind === "const" ? x : y) as Extract<Sym, { kind: "const" }>;
    const rowFirst = x.kind === "row";
    if (prod(c.t.dims) > prod(r.shape) || c.t.dims.length > r.shape.length + 1)
      this.refuse(`constant of shape [${c.t.dims}] is larger than the row [N, ${r.shape}]`);
    const cv = this.broadcastConst(c.t, r.shape);
    const n = cv.length;
    let s: Float64Array, t: Float64Array;
    if (op === "Add") {
      s = new Float64Array(n).fill(1);
      t = cv;
    } else if (op === "Sub") {
      s = new Float64Array(n).fill(rowFirst ? 1 : -1);
      t = rowFirst ? cv.map((v) => -v) : cv;
    } else if (op === "Mul") {
      s = cv;
      t = new Float64Array(n);
    } else {
      if (!rowFirst) this.refuse("dividing a constant by the row is not supported");
      s = cv.map((v) => 1 / v);
      t = new Float64Array(n);
    }
    return { kind: "row", v: this.low.affine(r.v, s, t), shape: r.shape, labels: r.labels, index: r.index };
  }

  private foldConst(a: Tensor, b: Tensor): Tensor {
    const op = this.node.opType;
    const f = {
      Add: (p: number, q: number) => p + q,
      Sub: (p: number, q: number) => p - q,
      Mul: (p: number, q: number) => p * q,
      Div: (p: number, q: number) => p / q,
    }[op]!;
    if (prod(a.dims) === prod(b.dims))
      return { ...a, data: (a.data as Float64Array).map((v, i) => f(v, (b.data as Float64Array)[i]!)) };
    if (prod(b.dims) === 1)
      return { ...a, data: (a.data as Float64Array).map((v) => f(v, (b.data as Float64Array)[0]!)) };
    if (prod(a.dims) === 1)
      return { ...b, data: (b.data as Float64Array).map((v) => f((a.data as Float64Array)[0]!, v)) };
    return this.refuse("broadcasting between two constants of different shapes is not supported");
  }

  private batchNorm(): Sym {
    const x = this.row(0);
    if (this.attr("training_mode", 0) !== 0) this.refuse("training_mode = 1 is not supported (inference only)");
    if (this.node.outputs.length > 1 && this.node.outputs.slice(1).some(Boolean))
      this.refuse("running statistics outputs are for training only");
    const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) =>
      this.numeric(this.constant(i, ["scale", "B", "mean", "var"][i - 1]!), "parameters"),
    );
    const eps = this.attr("epsilon", 1e-5);
    const c = x.shape[0]!;
    if (scale!.length !== c)
      this.refuse(`${scale!.length} channels in the parameters, ${c} in the input [N, ${x.shape}]`);
    const inner = prod(x.shape.slice(1));
    const s = new Float64Array(c * inner),
      t = new Float64Array(c * inner);
    for (let ch = 0; ch < c; ch++) {
      const k = scale![ch]! / Math.sqrt(variance![ch]! + eps);
      for (let j = 0; j < inner; j++) {
        s[ch * inner + j] = k;
        t[ch * inner + j] = bias![ch]! - mean![ch]! * k;
      }
    }
    return { kind: "row", v: this.low.affine(x.v, s, t), shape: x.shape };
  }

  private reshape(): Sym {
    const x = this.plain(0);
    const target = Array.from(this.numeric(this.constant(1, "shape"), "shape"));
    if (x.kind === "const") return { kind: "const", t: { ...x.t, dims: this.resolveShape(target, x.t.dims) } };
    const width = prod(x.shape);
    const allowZero = this.attr("allowzero", 0) !== 0;
    // Dim 0 of the result must still be the batch: 0 (copy), −1 with a fixed rest, or the rest
    // multiplying to the row width.
    let rest: number[];
    if (target.length === 1 && (target[0] === -1 || target[0] === 0)) {
      if (width !== 1) this.refuse(`reshape of [N, ${x.shape}] to [${target}] merges the row into the batch`);
      rest = [];
    } else {
      const first = target[0]!;
      if (first === 0 && allowZero) this.refuse("allowzero with a 0 batch dimension is not supported");
      rest = target
        .slice(1)
        .map((d, k) =>
          d === 0 && !allowZero ? (x.shape[k] ?? this.refuse("shape 0 copies a dimension the input lacks")) : d,
        );
      const unknown = rest.filter((d) => d === -1).length;
      if (unknown > 1 || (unknown === 1 && first === -1))
        this.refuse(`shape [${target}] leaves the row size ambiguous`);
      if (unknown === 1) {
        const known = prod(rest.filter((d) => d !== -1));
        if (width % known !== 0) this.refuse(`cannot reshape a row of ${width} to [${target}]`);
        rest = rest.map((d) => (d === -1 ? width / known : d));
      }
      if (prod(rest) !== width)
        this.refuse(`reshape of [N, ${x.shape}] to [${target}] changes the row size (${width} → ${prod(rest)})`);
      if (first !== 0 && first !== -1 && first !== 1) this.refuse(`shape [${target}] fixes the batch to ${first}`);
    }
    return { ...x, shape: rest };
  }

  /** A constant's new dims: 0 copies the old dimension, −1 takes what is left. */
  private resolveShape(target: number[], from: number[]): number[] {
    const total = prod(from);
    const out = target.map((d, k) => (d === 0 ? from[k]! : d));
    const known = prod(out.filter((d) => d !== -1));
    return out.map((d) => (d === -1 ? total / known : d));
  }

  private squeeze(isSqueeze: boolean): Sym {
    const x = this.plain(0);
    const axesInput = this.opset >= 13 ? this.sym(1, true) : undefined;
    let axes: number[] | undefined =
      this.opset >= 13
        ? axesInput
          ? Array.from(this.numeric(this.constant(1, "axes"), "axes"))
          : undefined
        : this.intsAttr("axes");
    if (x.kind === "const") {
      const dims = [...x.t.dims];
      if (isSqueeze)
        return {
          kind: "const",
          t: {
            ...x.t,
            dims: axes
              ? dims.filter((_, k) => !axes!.map((a) => (a < 0 ? a + dims.length : a)).includes(k))
              : dims.filter((d) => d !== 1),
          },
        };
      const rank = dims.length + (axes?.length ?? 0);
      for (const a of (axes ?? []).map((a) => (a < 0 ? a + rank : a)).sort((p, q) => p - q)) dims.splice(a, 0, 1);
      return { kind: "const", t: { ...x.t, dims } };
    }
    const full = [-1, ...x.shape];
    if (isSqueeze) {
      if (!axes) axes = full.map((d, k) => (k > 0 && d === 1 ? k : -1)).filter((k) => k > 0);
      const ax = axes.map((a) => this.axis(a, full.length));
      if (ax.includes(0)) this.refuse("squeezing the batch dimension is not supported");
      for (const a of ax) if (full[a] !== 1) this.refuse(`axis ${a} has size ${full[a]}, not 1`);
      return { ...x, shape: full.filter((_, k) => k > 0 && !ax.includes(k)) };
    }
    if (!axes) this.refuse("Unsqueeze needs axes");
    const rank = full.length + axes.length;
    const ax = axes.map((a) => (a < 0 ? a + rank : a)).sort((p, q) => p - q);
    if (ax.includes(0)) this.refuse("unsqueezing before the batch dimension is not supported");
    const out = [...full];
    for (const a of ax) out.splice(a, 0, 1);
    return { ...x, shape: out.slice(1) };
  }

  // ---- ai.onnx.ml ----

  private lowerMl(n: OnnxNode): Array<Sym | undefined> {
    const L = this.low;
    switch (n.opType) {
      case "Scaler": {
        const x = this.row(0);
        const f = prod(x.shape);
        const offset = this.floats("offset"),
          scale = this.floats("scale");
        const pick = (a: number[], i: number, d: number) => (a.length === 0 ? d : a.length === 1 ? a[0]! : a[i]!);
        for (const [name, a] of [
          ["offset", offset],
          ["scale", scale],
        ] as const) {
          if (a.length > 1 && a.length !== f) this.refuse(`${name} has ${a.length} values for ${f} features`);
        }
        const s = Float64Array.from({ length: f }, (_, i) => pick(scale, i, 1));
        const t = Float64Array.from({ length: f }, (_, i) => -pick(offset, i, 0) * s[i]!);
        return [{ kind: "row", v: L.affine(x.v, s, t), shape: x.shape }];
      }
      case "Normalizer": {
        const x = this.row(0);
        const norm = this.attr("norm", "MAX");
        const kind = ({ MAX: Norm.Max, L1: Norm.L1, L2: Norm.L2 } as Record<string, Norm>)[String(norm)];
        if (kind === undefined) this.refuse(`norm ${JSON.stringify(norm)} is not MAX, L1 or L2`);
        return [{ kind: "row", v: L.normalize(x.v, kind), shape: x.shape, labels: x.labels }];
      }
      case "LinearRegressor": {
        const x = this.row(0);
        const f = prod(x.shape);
        const targets = this.attr("targets", 1);
        const post = this.attr("post_transform", "NONE");
        if (post !== "NONE") this.refuse(`post_transform ${post} is not supported`);
        const coef = this.floats("coefficients"),
          icpt = this.floats("intercepts");
        if (coef.length !== targets * f)
          this.refuse(`${coef.length} coefficients for ${targets} targets × ${f} features`);
        const b = Float64Array.from({ length: targets }, (_, i) => icpt[i] ?? 0);
        return [{ kind: "row", v: L.dense(x.v, Float64Array.from(coef), b, f, targets), shape: [targets] }];
      }
      case "LinearClassifier":
        return this.linearClassifier();
      case "ZipMap": {
        const x = this.row(0);
        const labels: Label[] =
          (n.attrs.get("classlabels_int64s") as number[] | undefined) ??
          (n.attrs.get("classlabels_strings") as string[] | undefined) ??
          [];
        if (labels.length !== prod(x.shape)) this.refuse(`${labels.length} class labels for ${prod(x.shape)} columns`);
        return [{ ...x, labels }];
      }
      case "ArrayFeatureExtractor": {
        const data = this.sym(0)!,
          idx = this.sym(1)!;
        if (data.kind === "const" && idx.kind === "row") {
          if (!idx.index) this.refuse("indices must be class indices (from ArgMax)");
          const t = data.t;
          const labels: Label[] =
            t.dataType === DataType.STRING ? (t.data as string[]) : Array.from(t.data as Float64Array);
          return [{ ...idx, labels }];
        }
        return this.refuse("only the label lookup form (constant classes indexed by an ArgMax) is supported");
      }
      default:
        return this.refuse("operator not supported");
    }
  }

  /** ai.onnx.ml LinearClassifier, as onnxruntime computes it: outputs the label and the scores. */
  private linearClassifier(): Array<Sym | undefined> {
    const x = this.row(0);
    const f = prod(x.shape);
    const coef = this.floats("coefficients"),
      icpt = this.floats("intercepts");
    const labels: Label[] =
      (this.node.attrs.get("classlabels_ints") as number[] | undefined) ??
      (this.node.attrs.get("classlabels_strings") as string[] | undefined) ??
      [];
    const post = String(this.attr("post_transform", "NONE"));
    const rows = coef.length / f;
    if (!Number.isInteger(rows) || rows < 1)
      this.refuse(`${coef.length} coefficients are not a whole number of rows of ${f} features`);
    if (labels.length === 0) this.refuse("no class labels");
    if (icpt.length !== 0 && icpt.length !== rows)
      this.refuse(`${icpt.length} intercepts for ${rows} rows of coefficients`);
    let w = Float64Array.from(coef),
      b = Float64Array.from({ length: rows }, (_, i) => icpt[i] ?? 0),
      nOut = rows;
    if (rows === 1 && labels.length === 2) {
      // Binary with one score s: onnxruntime writes [−s, s] (NONE) or [σ(−s), σ(s)] (LOGISTIC),
      // and the label is the second class when s > 0.
      w = Float64Array.from([...coef.map((v) => -v), ...coef]);
      b = Float64Array.of(-b[0]!, b[0]!);
      nOut = 2;
    } else if (rows !== labels.length) {
      this.refuse(`${rows} rows of coefficients for ${labels.length} classes`);
    }
    const act = ({ NONE: Act.None, LOGISTIC: Act.Sigmoid, SOFTMAX: Act.Softmax } as Record<string, Act>)[post];
    if (act === undefined) this.refuse(`post_transform ${post} is not supported (NONE, LOGISTIC, SOFTMAX are)`);
    const scores = this.low.act(this.low.dense(x.v, w, b, f, nOut), act, 0, 0);
    const label = this.low.argmax(scores);
    return [
      { kind: "row", v: label, shape: [], labels, index: true },
      { kind: "row", v: scores, shape: [nOut], labels },
    ];
  }
}
