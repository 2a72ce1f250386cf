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
import { Act, Norm } from "../format/abi.js";
import type { Label } from "../format/types.js";
import { ModelSpecError, UnsupportedOpError } from "../errors.js";
import { DataType, DATA_TYPE_NAMES, decodeOnnx, type AttrValue, type OnnxModel, type OnnxNode, type Tensor } from "./decode.js";
import { Lowering, type IrValue } from "./lower.js";
import type { PackOptions } from "../json/import.js";

export interface OnnxPackOptions extends PackOptions {
  /**
   * Values for graph inputs other than the row (weights fed as inputs, as the ONNX backend
   * tests do): they become constants at pack time.
   */
  constants?: Record<string, { dims: number[]; data: ArrayLike<number> }>;
  /** Which graph input is the row, when there are several (default: the only non-constant one). */
  input?: string;
}

/** A tensor during import: a constant, or a row value (dim 0 = batch, `shape` = the rest). */
type Sym =
  | { kind: "const"; t: Tensor }
  | { kind: "row"; v: IrValue; shape: number[]; labels?: Label[]; index?: boolean };

const ML = "ai.onnx.ml";
const FLOATS = new Set<number>([DataType.FLOAT, DataType.DOUBLE, DataType.FLOAT16]);
const INTS = new Set<number>([DataType.INT64, DataType.INT32, DataType.INT16, DataType.INT8, DataType.UINT8, DataType.UINT16, DataType.UINT32, DataType.UINT64]);

const prod = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

/** Operators edgeinfer imports: domain → type → lowest opset whose semantics it implements. */
export const SUPPORTED_OPS: Record<string, Record<string, number>> = {
  "": {
    Gemm: 7, MatMul: 1, Add: 7, Sub: 7, Mul: 7, Div: 7, Relu: 6, LeakyRelu: 6, Sigmoid: 6, HardSigmoid: 6, Tanh: 6,
    Softmax: 1, LogSoftmax: 1, Flatten: 1, Reshape: 5, Squeeze: 1, Unsqueeze: 1, Identity: 1, Dropout: 1,
    BatchNormalization: 7, Cast: 6, ArgMax: 1, Constant: 1, Concat: 4,
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
  if (min === undefined) return `operator not supported (supported: ${Object.keys(SUPPORTED_OPS[d] ?? SUPPORTED_OPS[""]!).join(", ")})`;
  if (opset < min || opset > (MAX_OPSET[d] ?? 0)) return `supported from opset ${min} to ${MAX_OPSET[d]}`;
  return undefined;
}

/** Packs an ONNX model's bytes into an edgeinfer image. */
export function packOnnx(bytes: Uint8Array, options: OnnxPackOptions = {}): Uint8Array {
  return new OnnxImporter(decodeOnnx(bytes), options).run();
}

class OnnxImporter {
  private readonly syms = new Map<string, Sym>();
  private readonly low: Lowering;
  private readonly inputName: string;
  private node!: OnnxNode;
  private opset = 0;

  constructor(private readonly model: OnnxModel, private readonly options: OnnxPackOptions) {
    for (const [name, t] of model.initializers) this.syms.set(name, { kind: "const", t });
    for (const [name, c] of Object.entries(options.constants ?? {})) {
      this.syms.set(name, { kind: "const", t: { name, dims: c.dims, dataType: DataType.FLOAT, data: Float64Array.from(c.data) } });
    }
    const rows = model.inputs.filter((i) => !this.syms.has(i.name));
    const chosen = options.input ? rows.find((i) => i.name === options.input) : rows.length === 1 ? rows[0] : undefined;
    if (!chosen) {
      throw new ModelSpecError("inputs", rows.length === 0 ? "the graph has no input left once constants are bound"
        : `the graph has ${rows.length} inputs (${rows.map((r) => r.name).join(", ")}); edgeinfer runs one row input, bind the others with \`constants\``);
    }
    if (!FLOATS.has(chosen.elemType)) {
      throw new ModelSpecError(`inputs.${chosen.name}`, `input type ${chosen.typeText} is not a float tensor`);
    }
    const rowDims = chosen.dims.slice(1);
    if (chosen.dims.length < 2 || rowDims.some((d) => typeof d !== "number" || d < 1)) {
      throw new ModelSpecError(`inputs.${chosen.name}`, `shape [${chosen.dims.map((d) => d ?? "?").join(", ")}] cannot be made static: every dimension after the batch must be a fixed number`);
    }
    const shape = rowDims as number[];
    this.low = new Lowering(prod(shape));
    this.syms.set(chosen.name, { kind: "row", v: this.low.input, shape });
    this.inputName = chosen.name;
  }

  run(): Uint8Array {
    for (const n of this.model.nodes) {
      this.node = n;
      const domain = n.domain === "ai.onnx" ? "" : n.domain;
      this.opset = this.model.opsets.get(domain) ?? 0;
      const reason = unsupportedReason(n.opType, domain, this.opset);
      if (reason) this.refuse(reason);
      const outs = this.lower(n);
      outs.forEach((s, i) => { if (s && n.outputs[i]) this.syms.set(n.outputs[i]!, s); });
    }
    const outputs = this.model.outputs.map((o) => {
      const s = this.syms.get(o.name);
      if (!s) throw new ModelSpecError(`outputs.${o.name}`, "no node produces this output");
      if (s.kind !== "row") throw new ModelSpecError(`outputs.${o.name}`, "a constant output (it does not depend on the input)");
      return { name: o.name, v: s.v, labels: s.labels };
    });
    return this.low.build({
      producer: this.model.producer || "onnx", kind: "onnx", inputName: this.inputName,
    }, outputs, this.options);
  }

  // ---- helpers ----

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
    if (!s) this.refuse(`input ${JSON.stringify(name)} is not produced by any earlier node, initializer or graph input`);
    return s;
  }

  private row(i: number): Extract<Sym, { kind: "row" }> {
    const s = this.sym(i)!;
    if (s.kind !== "row") this.refuse(`input ${i} must depend on the model input (a constant here is not supported)`);
    return s;
  }

  private constant(i: number, what: string): Tensor {
    const s = this.sym(i)!;
    if (s.kind !== "const") this.refuse(`${what} (input ${i}) must be a constant (an initializer); here it depends on the input`);
    return s.t;
  }

  private attr(name: string, fallback: number): number;
  private attr(name: string, fallback: string): string;
  private attr(name: string, fallback: number | string): AttrValue {
    const v = this.node.attrs.get(name);
    if (v === undefined) return fallback;
    if (typeof v !== typeof fallback) this.refuse(`attribute ${name} should be a ${typeof fallback}, got ${JSON.stringify(v)}`);
    return v;
  }

  private intsAttr(name: string): number[] | undefined {
    const v = this.node.attrs.get(name);
    if (v !== undefined && !(Array.isArray(v) && v.every((x) => typeof x === "number"))) this.refuse(`attribute ${name} must be a list of ints`);
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
    if (rd.length > full.length && rd.slice(0, rd.length - full.length).some((d) => d !== 1)) this.refuse("a constant operand has more dimensions than the row");
    for (let k = 0; k < rank; k++) {
      if (cd[k] !== 1 && cd[k] !== rd[k]) {
        this.refuse(k === rank - full.length ? `a constant operand of shape [${t.dims}] varies along the batch dimension` : `shapes [${t.dims}] and [N, ${shape}] do not broadcast`);
      }
    }
    const data = t.data as Float64Array;
    const out = new Float64Array(prod(shape));
    const strides = cd.map((_, k) => (cd[k] === 1 ? 0 : prod(cd.slice(k + 1))));
    const rowDims = rd.slice(rank - shape.length);
    const lead = rank - shape.length;
    for (let i = 0; i < out.length; i++) {
      let rem = i, off = 0;
      for (let k = shape.length - 1; k >= 0; k--) {
        const d = rowDims[k]!, idx = rem % d;
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
    switch (n.opType) {
      case "Identity": return [this.sym(0)];
      case "Dropout": {
        if (n.outputs[1]) this.refuse("the mask output of Dropout is not supported (inference only)");
        // Opset 12 moved training_mode to input 2: dropping at random is training, not inference.
        const training = this.opset >= 12 ? this.sym(2, true) : undefined;
        const ratio = this.opset >= 12 ? this.sym(1, true) : undefined;
        const zeroRatio = ratio?.kind === "const" && (ratio.t.data as Float64Array)[0] === 0; // training with ratio 0 drops nothing
        if (training && !zeroRatio && (training.kind !== "const" || (training.t.data as Float64Array)[0] !== 0)) this.refuse("training_mode must be a constant false (inference only)");
        if (this.opset < 7 && this.attr("is_test", 0) === 0) this.refuse("is_test = 0 is training mode (inference only)");
        return [this.sym(0)];
      }
      case "Constant": return [{ kind: "const", t: this.constantAttr() }];
      case "Cast": return [this.cast()];
      case "Relu": case "Sigmoid": case "Tanh": case "LeakyRelu": case "HardSigmoid": {
        const x = this.row(0);
        const act = { Relu: Act.Relu, Sigmoid: Act.Sigmoid, Tanh: Act.Tanh, LeakyRelu: Act.LeakyRelu, HardSigmoid: Act.HardSigmoid }[n.opType]!;
        const alpha = n.opType === "LeakyRelu" ? this.attr("alpha", 0.01) : n.opType === "HardSigmoid" ? this.attr("alpha", 0.2) : 0;
        const beta = n.opType === "HardSigmoid" ? this.attr("beta", 0.5) : 0;
        return [{ kind: "row", v: L.act(x.v, act, alpha, beta), shape: x.shape }];
      }
      case "Softmax": case "LogSoftmax": {
        const x = this.row(0);
        const rank = x.shape.length + 1;
        const axis = this.axis(this.attr("axis", this.opset < 13 ? 1 : -1), rank);
        // Before opset 13 the input is flattened to 2-D at axis; from 13 it is one axis. Either
        // way it is edgeinfer's row softmax when it covers the whole row.
        const coversRow = this.opset < 13 ? axis === 1 : x.shape.every((d, k) => k + 1 === axis || d === 1);
        if (axis === 0 || !coversRow) this.refuse(`softmax along axis ${axis} of [N, ${x.shape}] is not over the whole row`);
        return [{ kind: "row", v: L.act(x.v, n.opType === "Softmax" ? Act.Softmax : Act.LogSoftmax, 0, 0), shape: x.shape }];
      }
      case "Gemm": return [this.gemm()];
      case "MatMul": return [this.matmul()];
      case "Add": case "Sub": case "Mul": case "Div": return [this.arith()];
      case "BatchNormalization": return [this.batchNorm()];
      case "Flatten": {
        const x = this.row(0);
        const axis = this.axis(this.attr("axis", 1), x.shape.length + 1);
        if (axis === 0) this.refuse("Flatten at axis 0 mixes the batch into the row");
        // [N, a, b, c] at axis 2 → [N·a, b·c]: a new batch, unless a is 1.
        if (prod(x.shape.slice(0, axis - 1)) !== 1) this.refuse(`Flatten at axis ${axis} of [N, ${x.shape}] changes the batch`);
        return [{ ...x, shape: [prod(x.shape)] }];
      }
      case "Reshape": return [this.reshape()];
      case "Squeeze": case "Unsqueeze": return [this.squeeze(n.opType === "Squeeze")];
      case "ArgMax": {
        const x = this.row(0);
        const axis = this.axis(this.attr("axis", 0), x.shape.length + 1);
        if (this.attr("select_last_index", 0) !== 0) this.refuse("select_last_index = 1 is not supported");
        if (axis === 0 || x.shape.some((d, k) => k + 1 !== axis && d !== 1)) this.refuse(`argmax along axis ${axis} of [N, ${x.shape}] is not over the whole row`);
        const keep = this.attr("keepdims", 1) !== 0;
        const shape = keep ? x.shape.map((d, k) => (k + 1 === axis ? 1 : d)) : x.shape.filter((_, k) => k + 1 !== axis);
        return [{ kind: "row", v: L.argmax(x.v), shape, index: true }];
      }
      case "Concat": {
        const axis = this.attr("axis", 1);
        const parts = n.inputs.map((_, i) => this.row(i));
        const rank = parts[0]!.shape.length + 1;
        const ax = this.axis(axis, rank);
        if (ax !== rank - 1 || parts.some((p) => p.shape.length !== rank - 1 || p.shape.slice(0, -1).some((d) => d !== 1))) {
          this.refuse(`concatenation along axis ${axis} is supported for [N, k] rows only`);
        }
        const width = parts.reduce((w, p) => w + p.shape[p.shape.length - 1]!, 0);
        return [{ kind: "row", v: L.concat(parts.map((p) => p.v)), shape: [...parts[0]!.shape.slice(0, -1), width] }];
      }
      default: return this.refuse("operator not supported");
    }
  }

  private constantAttr(): Tensor {
    const a = this.node.attrs;
    const v = a.get("value");
    if (v && typeof v === "object" && "dims" in (v as object)) return v as Tensor;
    if (a.has("value_float")) return { name: "", dims: [], dataType: DataType.FLOAT, data: Float64Array.of(a.get("value_float") as number) };
    if (a.has("value_floats")) { const f = a.get("value_floats") as number[]; return { name: "", dims: [f.length], dataType: DataType.FLOAT, data: Float64Array.from(f) }; }
    if (a.has("value_int")) return { name: "", dims: [], dataType: DataType.INT64, data: Float64Array.of(a.get("value_int") as number) };
    if (a.has("value_ints")) { const f = a.get("value_ints") as number[]; return { name: "", dims: [f.length], dataType: DataType.INT64, data: Float64Array.from(f) }; }
    return this.refuse("Constant needs a value, value_float(s) or value_int(s) attribute");
  }

  private cast(): Sym {
    const to = this.attr("to", DataType.FLOAT as number);
    const s = this.sym(0)!;
    if (s.kind === "const") {
      if (to === DataType.STRING || s.t.dataType === DataType.STRING) this.refuse("casts to or from strings are not supported");
      if (to === DataType.FLOAT16) this.refuse("a cast to float16 rounds every value; edgeinfer computes in float32 and does not emulate it");
      const data = INTS.has(to) ? (s.t.data as Float64Array).map(Math.trunc) : to === DataType.FLOAT ? (s.t.data as Float64Array).map(Math.fround) : s.t.data;
      return { kind: "const", t: { ...s.t, dataType: to, data: data as Float64Array } };
    }
    if (to === DataType.FLOAT16) this.refuse("a cast to float16 rounds every value; edgeinfer computes in float32 and does not emulate it");
    if (FLOATS.has(to)) return s; // rows are f32 already (double rows are computed in f32); a class index stays exact
    if (INTS.has(to) && s.index) return s; // class indices (ArgMax) are exact in f32
    return this.refuse(`cast of a computed float row to ${DATA_TYPE_NAMES[to] ?? to} is not supported (only class indices may become integers)`);
  }

  /** Y = alpha·A·B' + beta·C with B' = B or Bᵀ. */
  private gemm(): Sym {
    const a = this.row(0);
    if (this.attr("transA", 0) !== 0) this.refuse("transA = 1 is not supported (the row input must not be transposed)");
    if (a.shape.length !== 1) this.refuse(`Gemm input must be [N, K], got [N, ${a.shape}]`);
    const b = this.constant(1, "B");
    if (b.dims.length !== 2) this.refuse(`B must be 2-D, got [${b.dims}]`);
    const transB = this.attr("transB", 0) !== 0;
    const [k, m] = transB ? [b.dims[1]!, b.dims[0]!] : [b.dims[0]!, b.dims[1]!];
    if (k !== a.shape[0]) this.refuse(`A has ${a.shape[0]} columns but B has ${k} rows`);
    const alpha = this.attr("alpha", 1), beta = this.attr("beta", 1);
    const bd = this.numeric(b, "B");
    const w = new Float64Array(m * k);
    for (let o = 0; o < m; o++) for (let i = 0; i < k; i++) w[o * k + i] = alpha * bd[transB ? o * k + i : i * m + o]!;
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
    const a = this.row(0);
    const b = this.constant(1, "B");
    if (b.dims.length !== 2) this.refuse(`the constant operand must be 2-D, got [${b.dims}]`);
    const [k, m] = b.dims as [number, number];
    const kIn = a.shape[a.shape.length - 1];
    if (kIn !== k) this.refuse(`[N, ${a.shape}] · [${b.dims}]: inner dimensions ${kIn} and ${k} differ`);
    const blocks = prod(a.shape.slice(0, -1));
    const bd = this.numeric(b, "B");
    const nIn = blocks * k, nOut = blocks * m;
    if (nIn * nOut > 1 << 26) this.refuse(`a block-diagonal dense of ${nOut}×${nIn} is too large`);
    const w = new Float64Array(nOut * nIn);
    for (let r = 0; r < blocks; r++) {
      for (let o = 0; o < m; o++) for (let i = 0; i < k; i++) w[(r * m + o) * nIn + r * k + i] = bd[i * m + o]!;
    }
    return { kind: "row", v: this.low.dense(a.v, w, new Float64Array(nOut), nIn, nOut), shape: [...a.shape.slice(0, -1), m] };
  }

  /** Add / Sub / Mul / Div with one constant operand, as an element-wise affine step. */
  private arith(): Sym {
    const x = this.sym(0)!, y = this.sym(1)!;
    const op = this.node.opType;
    if (x.kind === "const" && y.kind === "const") return { kind: "const", t: this.foldConst(x.t, y.t) };
    if (x.kind === "row" && y.kind === "row") this.refuse("both operands depend on the input; edgeinfer supports one constant operand");
    const r = (x.kind === "row" ? x : y) as Extract<Sym, { kind: "row" }>;
    const c = (x.kind === "const" ? x : y) as Extract<Sym, { kind: "const" }>;
    const rowFirst = x.kind === "row";
    if (prod(c.t.dims) > prod(r.shape) || c.t.dims.length > r.shape.length + 1) this.refuse(`constant of shape [${c.t.dims}] is larger than the row [N, ${r.shape}]`);
    const cv = this.broadcastConst(c.t, r.shape);
    const n = cv.length;
    let s: Float64Array, t: Float64Array;
    if (op === "Add") { s = new Float64Array(n).fill(1); t = cv; }
    else if (op === "Sub") { s = new Float64Array(n).fill(rowFirst ? 1 : -1); t = rowFirst ? cv.map((v) => -v) : cv; }
    else if (op === "Mul") { s = cv; t = new Float64Array(n); }
    else {
      if (!rowFirst) this.refuse("dividing a constant by the row is not supported");
      s = cv.map((v) => 1 / v); t = new Float64Array(n);
    }
    return { kind: "row", v: this.low.affine(r.v, s, t), shape: r.shape, labels: r.labels, index: r.index };
  }

  private foldConst(a: Tensor, b: Tensor): Tensor {
    const op = this.node.opType;
    const f = { Add: (p: number, q: number) => p + q, Sub: (p: number, q: number) => p - q, Mul: (p: number, q: number) => p * q, Div: (p: number, q: number) => p / q }[op]!;
    if (prod(a.dims) === prod(b.dims)) return { ...a, data: (a.data as Float64Array).map((v, i) => f(v, (b.data as Float64Array)[i]!)) };
    if (prod(b.dims) === 1) return { ...a, data: (a.data as Float64Array).map((v) => f(v, (b.data as Float64Array)[0]!)) };
    if (prod(a.dims) === 1) return { ...b, data: (b.data as Float64Array).map((v) => f((a.data as Float64Array)[0]!, v)) };
    return this.refuse("broadcasting between two constants of different shapes is not supported");
  }

  private batchNorm(): Sym {
    const x = this.row(0);
    if (this.attr("training_mode", 0) !== 0) this.refuse("training_mode = 1 is not supported (inference only)");
    if (this.node.outputs.length > 1 && this.node.outputs.slice(1).some(Boolean)) this.refuse("running statistics outputs are for training only");
    const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => this.numeric(this.constant(i, ["scale", "B", "mean", "var"][i - 1]!), "parameters"));
    const eps = this.attr("epsilon", 1e-5);
    const c = x.shape[0]!;
    if (scale!.length !== c) this.refuse(`${scale!.length} channels in the parameters, ${c} in the input [N, ${x.shape}]`);
    const inner = prod(x.shape.slice(1));
    const s = new Float64Array(c * inner), t = new Float64Array(c * inner);
    for (let ch = 0; ch < c; ch++) {
      const k = scale![ch]! / Math.sqrt(variance![ch]! + eps);
      for (let j = 0; j < inner; j++) { s[ch * inner + j] = k; t[ch * inner + j] = bias![ch]! - mean![ch]! * k; }
    }
    return { kind: "row", v: this.low.affine(x.v, s, t), shape: x.shape };
  }

  private reshape(): Sym {
    const x = this.sym(0)!;
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
      rest = target.slice(1).map((d, k) => (d === 0 && !allowZero ? (x.shape[k] ?? this.refuse("shape 0 copies a dimension the input lacks")) : d));
      const unknown = rest.filter((d) => d === -1).length;
      if (unknown > 1 || (unknown === 1 && first === -1)) this.refuse(`shape [${target}] leaves the row size ambiguous`);
      if (unknown === 1) {
        const known = prod(rest.filter((d) => d !== -1));
        if (width % known !== 0) this.refuse(`cannot reshape a row of ${width} to [${target}]`);
        rest = rest.map((d) => (d === -1 ? width / known : d));
      }
      if (prod(rest) !== width) this.refuse(`reshape of [N, ${x.shape}] to [${target}] changes the row size (${width} → ${prod(rest)})`);
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
    const x = this.sym(0)!;
    const axesInput = this.opset >= 13 ? this.sym(1, true) : undefined;
    let axes: number[] | undefined = this.opset >= 13
      ? (axesInput ? Array.from(this.numeric(this.constant(1, "axes"), "axes")) : undefined)
      : this.intsAttr("axes");
    if (x.kind === "const") {
      const dims = [...x.t.dims];
      if (isSqueeze) return { kind: "const", t: { ...x.t, dims: axes ? dims.filter((_, k) => !axes!.map((a) => (a < 0 ? a + dims.length : a)).includes(k)) : dims.filter((d) => d !== 1) } };
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
        const offset = this.floats("offset"), scale = this.floats("scale");
        const pick = (a: number[], i: number, d: number) => (a.length === 0 ? d : a.length === 1 ? a[0]! : a[i]!);
        for (const [name, a] of [["offset", offset], ["scale", scale]] as const) {
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
        const coef = this.floats("coefficients"), icpt = this.floats("intercepts");
        if (coef.length !== targets * f) this.refuse(`${coef.length} coefficients for ${targets} targets × ${f} features`);
        const b = Float64Array.from({ length: targets }, (_, i) => icpt[i] ?? 0);
        return [{ kind: "row", v: L.dense(x.v, Float64Array.from(coef), b, f, targets), shape: [targets] }];
      }
      case "LinearClassifier": return this.linearClassifier();
      case "ZipMap": {
        const x = this.row(0);
        const labels: Label[] = (n.attrs.get("classlabels_int64s") as number[] | undefined) ?? (n.attrs.get("classlabels_strings") as string[] | undefined) ?? [];
        if (labels.length !== prod(x.shape)) this.refuse(`${labels.length} class labels for ${prod(x.shape)} columns`);
        return [{ ...x, labels }];
      }
      case "ArrayFeatureExtractor": {
        const data = this.sym(0)!, idx = this.sym(1)!;
        if (data.kind === "const" && idx.kind === "row") {
          if (!idx.index) this.refuse("indices must be class indices (from ArgMax)");
          const t = data.t;
          const labels: Label[] = t.dataType === DataType.STRING ? (t.data as string[]) : Array.from(t.data as Float64Array);
          return [{ ...idx, labels }];
        }
        return this.refuse("only the label lookup form (constant classes indexed by an ArgMax) is supported");
      }
      default: return this.refuse("operator not supported");
    }
  }

  /** ai.onnx.ml LinearClassifier, as onnxruntime computes it: outputs the label and the scores. */
  private linearClassifier(): Array<Sym | undefined> {
    const x = this.row(0);
    const f = prod(x.shape);
    const coef = this.floats("coefficients"), icpt = this.floats("intercepts");
    const labels: Label[] = (this.node.attrs.get("classlabels_ints") as number[] | undefined) ?? (this.node.attrs.get("classlabels_strings") as string[] | undefined) ?? [];
    const post = String(this.attr("post_transform", "NONE"));
    const rows = coef.length / f;
    if (!Number.isInteger(rows) || rows < 1) this.refuse(`${coef.length} coefficients are not a whole number of rows of ${f} features`);
    if (labels.length === 0) this.refuse("no class labels");
    if (icpt.length !== 0 && icpt.length !== rows) this.refuse(`${icpt.length} intercepts for ${rows} rows of coefficients`);
    let w = Float64Array.from(coef), b = Float64Array.from({ length: rows }, (_, i) => icpt[i] ?? 0), nOut = rows;
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
