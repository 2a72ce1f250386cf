/**
 * What every ONNX operator's lowering shares: the tensors met so far (constants folded at pack
 * time, row values, quantized intermediates), the graph being built, the node being lowered,
 * and the helpers that read its inputs and attributes and refuse with a typed error naming
 * the node, operator, domain and opset (UnsupportedOpError).
 */

import { ModelSpecError, SizeLimitError, UnsupportedOpError } from "../errors.js";
import { QuantMode } from "../format/abi.js";
import type { Label } from "../format/types.js";
import { Graph, graphLimits, type IrValue } from "../graph/ir.js";
import type { OnnxPackOptions } from "../pack.js";
import { type AttrValue, DATA_TYPE_NAMES, DataType, type OnnxModel, type OnnxNode, type Tensor } from "./decode.js";
import type { OnnxOp } from "./registry.js";

/** A tensor during import: a constant, or a row value (dim 0 = batch, `shape` = the rest). */
export type RowSym = {
  kind: "row";
  v: IrValue;
  shape: number[];
  labels?: Label[];
  index?: boolean;
  /** Integer values held exactly in f32 (a uint8/int8/int32 tensor): its ONNX data type. */
  int?: number;
};
/** A constant that a DequantizeLinear produced: its integer values and parameters are kept for int8 layers. */
export interface QuantConst {
  q: Float64Array;
  scale: Float64Array;
  zp: Float64Array;
  axis: number;
  type: number;
  node: string;
}
export type ConstSym = { kind: "const"; t: Tensor; quant?: QuantConst };
/** QuantizeLinear of a row, not yet computed: per-element scale and zero point. */
export type QRowSym = { kind: "qrow"; x: RowSym; scale: Float64Array; zp: Float64Array; type: number; node: string };
export type Sym =
  | ConstSym
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

export const QTYPES: Record<number, { lo: number; hi: number; name: string }> = {
  [DataType.UINT8]: { lo: 0, hi: 255, name: "uint8" },
  [DataType.INT8]: { lo: -128, hi: 127, name: "int8" },
};
/** Integer row inputs the runtime holds exactly in f32. */
export const INT_ROWS = new Set<number>([
  DataType.UINT8,
  DataType.INT8,
  DataType.UINT16,
  DataType.INT16,
  DataType.INT32,
]);
export const FLOATS = new Set<number>([DataType.FLOAT, DataType.DOUBLE, DataType.FLOAT16]);
export const INTS = new Set<number>([
  DataType.INT64,
  DataType.INT32,
  DataType.INT16,
  DataType.INT8,
  DataType.UINT8,
  DataType.UINT16,
  DataType.UINT32,
  DataType.UINT64,
]);

export const prod = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

export class OnnxContext {
  readonly syms = new Map<string, Sym>();
  readonly graph: Graph;
  readonly inputName: string;
  /** The features of the row when the graph has several inputs (their names). */
  readonly featureNames?: string[];
  /** The node being lowered, its domain's opset. */
  node!: OnnxNode;
  opset = 0;
  readonly batched: boolean;
  private readonly materialized = new Map<string, RowSym>();
  /** Weights the block-diagonal MatMuls expanded so far (src/onnx/ops/dense.ts). */
  expandedWeights = 0;

  constructor(
    readonly model: OnnxModel,
    readonly options: OnnxPackOptions,
  ) {
    for (const [name, t] of model.initializers) this.syms.set(name, { kind: "const", t });
    const constants = options.constants ?? {};
    if (typeof constants !== "object") throw new ModelSpecError("constants", "expected an object of tensors");
    for (const [name, c] of Object.entries(constants)) {
      if (!c || !Array.isArray(c.dims) || typeof c.data?.length !== "number")
        throw new ModelSpecError(`constants.${name}`, "expected { dims: number[], data: number[] }");
      const n = c.dims.reduce((a, b) => a * b, 1);
      if (!c.dims.every((d) => Number.isSafeInteger(d) && d >= 0) || n !== c.data.length)
        throw new ModelSpecError(`constants.${name}`, `${c.data.length} values for dims [${c.dims}]`);
      this.syms.set(name, {
        kind: "const",
        t: { name, dims: c.dims, dataType: c.dataType ?? DataType.FLOAT, data: Float64Array.from(c.data) },
      });
    }
    this.batched = options.batch !== false;
    if (options.input !== undefined && typeof options.input !== "string")
      throw new ModelSpecError("input", `expected the name of a graph input, got ${String(options.input)}`);
    const rows = model.inputs.filter((i) => !this.syms.has(i.name));
    if (rows.length === 0) throw new ModelSpecError("inputs", "the graph has no input left once constants are bound");
    let chosen = rows;
    if (options.input) {
      const one = rows.find((i) => i.name === options.input);
      if (!one)
        throw new ModelSpecError(
          "input",
          `${JSON.stringify(options.input)} is not a graph input (${rows.map((r) => r.name).join(", ")})`,
        );
      chosen = [one];
    } else if (rows.length > 1 && !this.batched) {
      throw new ModelSpecError(
        "inputs",
        `the graph has ${rows.length} inputs (${rows.map((r) => r.name).join(", ")}); without a batch dimension edgeinfer runs one: choose it with \`input\`, bind the others with \`constants\``,
      );
    }
    const shapes = chosen.map((c) => this.rowShape(c, chosen.length));
    // Several inputs (skl2onnx's one per DataFrame column): one row, the inputs side by side in
    // the graph's order, each input's elements in row-major order; its names are the features.
    const widths = shapes.map(prod);
    const total = widths.reduce((a, b) => a + b, 0);
    this.graph = new Graph(
      chosen.length === 1 ? shapes[0]! : [total],
      graphLimits(options),
      `inputs.${chosen[0]!.name}`,
    );
    let offset = 0;
    chosen.forEach((c, k) => {
      const w = widths[k]!;
      const v =
        chosen.length === 1
          ? this.graph.input
          : this.graph.gather(
              this.graph.input,
              Int32Array.from({ length: w }, (_, i) => offset + i),
              shapes[k]!,
            );
      offset += w;
      this.syms.set(c.name, {
        kind: "row",
        v,
        shape: shapes[k]!,
        ...(INT_ROWS.has(c.elemType) || c.elemType === DataType.INT64 ? { int: c.elemType } : {}),
      });
    });
    this.inputName = chosen.length === 1 ? chosen[0]!.name : "";
    if (chosen.length > 1)
      this.featureNames = chosen.flatMap((c, k) =>
        widths[k] === 1 ? [c.name] : Array.from({ length: widths[k]! }, (_, i) => `${c.name}[${i}]`),
      );
  }

  /**
   * The row dims of a graph input (after the batch): fixed numbers, or `inputShape`'s for the
   * unknown ones. Floats and integers (int64 too: held in f32, exact to 2^24) only.
   */
  private rowShape(c: OnnxModel["inputs"][number], nInputs: number): number[] {
    if (!FLOATS.has(c.elemType) && !INT_ROWS.has(c.elemType) && c.elemType !== DataType.INT64) {
      throw new ModelSpecError(
        `inputs.${c.name}`,
        `input type ${c.typeText} is not a float or integer tensor${c.elemType === DataType.STRING ? " (string columns: encode them as numbers before the model, e.g. OrdinalEncoder, and export that)" : ""}`,
      );
    }
    let rowDims: Array<number | string | undefined> = this.batched ? c.dims.slice(1) : c.dims;
    const given = this.options.inputShape;
    const fixed = (d: number | string | undefined) => typeof d === "number" && d >= 1;
    if (given !== undefined && !rowDims.every(fixed)) {
      const dims = Array.isArray(given) ? (nInputs === 1 ? given : undefined) : given[c.name];
      if (dims !== undefined) {
        if (!Array.isArray(dims) || !dims.every((d) => Number.isSafeInteger(d) && d >= 1))
          throw new ModelSpecError(
            "inputShape",
            `expected positive integer dims after the batch, got ${JSON.stringify(dims)}`,
          );
        if (dims.length !== rowDims.length || rowDims.some((d, k) => fixed(d) && d !== dims[k]))
          throw new ModelSpecError(
            "inputShape",
            `[${dims}] does not fit input ${JSON.stringify(c.name)} of shape [${c.dims.map((d) => d ?? "?").join(", ")}]`,
          );
        rowDims = dims;
      }
    }
    if ((this.batched && c.dims.length < 2) || !rowDims.every(fixed)) {
      throw new ModelSpecError(
        `inputs.${c.name}`,
        `shape [${c.dims.map((d) => d ?? "?").join(", ")}] cannot be made static: every dimension after the batch must be a fixed number; give the unknown ones with --input-shape (PackOptions.inputShape)`,
      );
    }
    return rowDims as number[];
  }

  /**
   * Before a node runs: quantized intermediates it does not take part in (op.takesQuantized)
   * are computed as the graph defines them (QuantizeLinear values, a dequantized row), or
   * refused when they belong to a pattern the node breaks (DynamicQuantizeLinear →
   * MatMulInteger → Cast → Mul).
   */
  prepareInputs(n: OnnxNode, op: OnnxOp): void {
    n.inputs.forEach((name, i) => {
      const s = name ? this.syms.get(name) : undefined;
      if (!s || s.kind === "const" || s.kind === "row") return;
      if (!op.takesQuantized?.(s, i)) this.syms.set(name, this.materialize(name, s, `input ${i} of this node`));
    });
  }

  /** Dense weights must be finite: the SIMD kernels skip zero inputs, exact only then. */
  finiteWeights(w: ArrayLike<number>, width: number, inputMajor = false): void {
    for (let j = 0; j < w.length; j++) {
      if (Number.isFinite(w[j]!)) continue;
      const [o, i] = inputMajor ? [j % width, Math.floor(j / width)] : [Math.floor(j / width), j % width];
      this.refuse(`weight [output ${o}, input ${i}] is ${w[j]}: dense weights must be finite`);
    }
  }

  /**
   * Before allocating `nValues` parameters (f32 in the image): the row width they follow and
   * the parameters so far must stay within the format's limits and the budget. Refused with a
   * SizeLimitError naming the node's tensor, whatever the node would go on to do.
   */
  reserve(nValues: number, what: string, bytesEach = 4): void {
    try {
      this.graph.checkParameters(nValues * bytesEach);
    } catch (e) {
      if (!(e instanceof SizeLimitError)) throw e;
      throw new SizeLimitError(`${e.what}: ${what}`, e.size, e.limit, e.unit, e.limitName);
    }
  }

  refuse(detail: string): never {
    const n = this.node;
    throw new UnsupportedOpError(n.name, n.opType, n.domain || "ai.onnx", this.opset, detail);
  }

  sym(i: number, optional = false): Sym | undefined {
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
  plain(i: number): RowSym | Extract<Sym, { kind: "const" }> {
    const s = this.sym(i)!;
    if (s.kind !== "const" && s.kind !== "row") this.refuse(`internal: input ${i} is a quantized intermediate`);
    return s;
  }

  /** A float row operand (an integer row only where the operator allows it). */
  row(i: number, allowInt = false): RowSym {
    const s = this.sym(i)!;
    if (s.kind !== "row") this.refuse(`input ${i} must depend on the model input (a constant here is not supported)`);
    if (s.int !== undefined && !allowInt)
      this.refuse(
        `input ${i} is an integer tensor (${DATA_TYPE_NAMES[s.int] ?? s.int}); this operator is supported on float rows only`,
      );
    return s;
  }

  /** The tensor as a row value, computed by QUANTIZE / AFFINE steps; refused inside an unfinished pattern. */
  materialize(name: string, s: Sym, where: string): RowSym {
    if (s.kind === "row" || s.kind === "const") return s as RowSym;
    const done = this.materialized.get(name);
    if (done) return done;
    const L = this.graph;
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
  dequantizeRow(v: IrValue, scale: Float64Array, zp: Float64Array): IrValue {
    const shifted = this.graph.affine(
      v,
      new Float64Array(zp.length).fill(1),
      zp.map((z) => -z),
    );
    return this.graph.affine(shifted, scale, new Float64Array(scale.length));
  }

  /** A quantization parameter (scale or zero point) broadcast over a row of `shape`: per tensor, or per `axis`. */
  qparam(t: Tensor | undefined, shape: number[], axisAttr: number, what: string, fallback: number): Float64Array {
    const width = prod(shape);
    this.reserve(width, what);
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

  qtype(zp: Tensor | undefined): number {
    const type = zp ? zp.dataType : DataType.UINT8;
    if (!QTYPES[type])
      this.refuse(`quantized type ${DATA_TYPE_NAMES[type] ?? type} is not supported (uint8 and int8 are)`);
    return type;
  }

  /** A parameter over a constant's full shape (no batch axis), per tensor or per axis. */
  constQparam(t: Tensor, dims: number[], axisAttr: number): Float64Array {
    const d = this.numeric(t, "quantization parameter"),
      n = prod(dims);
    if (d.length === 1) return new Float64Array(n).fill(d[0]!);
    const ax = axisAttr < 0 ? axisAttr + dims.length : axisAttr;
    if (ax < 0 || ax >= dims.length || dims[ax] !== d.length)
      this.refuse(`${d.length} parameters for axis ${axisAttr} of [${dims}]`);
    const inner = prod(dims.slice(ax + 1));
    return Float64Array.from({ length: n }, (_, i) => d[Math.floor(i / inner) % d.length]!);
  }

  constant(i: number, what: string): Tensor {
    const s = this.sym(i)!;
    if (s.kind !== "const")
      this.refuse(`${what} (input ${i}) must be a constant (an initializer); here it depends on the input`);
    return s.t;
  }

  attr(name: string, fallback: number): number;
  attr(name: string, fallback: string): string;
  attr(name: string, fallback: number | string): AttrValue {
    const v = this.node.attrs.get(name);
    if (v === undefined) return fallback;
    if (typeof v !== typeof fallback)
      this.refuse(`attribute ${name} should be a ${typeof fallback}, got ${JSON.stringify(v)}`);
    return v;
  }

  intsAttr(name: string): number[] | undefined {
    const v = this.node.attrs.get(name);
    if (v !== undefined && !(Array.isArray(v) && v.every((x) => typeof x === "number")))
      this.refuse(`attribute ${name} must be a list of ints`);
    return v as number[] | undefined;
  }

  floats(name: string): number[] {
    const v = this.node.attrs.get(name);
    return Array.isArray(v) ? (v as number[]) : [];
  }

  /** Normalizes an axis against the full rank (batch included). */
  axis(a: number, rank: number): number {
    const ax = a < 0 ? a + rank : a;
    if (ax < 0 || ax >= rank) this.refuse(`axis ${a} is out of range for rank ${rank}`);
    return ax;
  }

  /** A constant broadcast over a row of the given shape (ONNX multidirectional broadcasting). */
  broadcastConst(t: Tensor, shape: number[]): Float64Array {
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
    this.reserve(prod(shape), "a constant broadcast over the row");
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

  numeric(t: Tensor, what: string): Float64Array {
    if (t.dataType === DataType.STRING) this.refuse(`${what} is a string tensor`);
    return t.data as Float64Array;
  }
}
