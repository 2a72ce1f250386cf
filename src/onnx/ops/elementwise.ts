/**
 * Element-wise operators: Add/Sub/Mul/Div with one constant operand (an affine step), the
 * activations (Clip too: its bounds are the activation's alpha and beta), BatchNormalization
 * (an affine step), Cast, Identity and Dropout (no step).
 */

import { Act } from "../../format/abi.js";
import { type ConstSym, FLOATS, INTS, type OnnxContext, prod, QTYPES, type RowSym, type Sym } from "../context.js";
import { DATA_TYPE_NAMES, DataType, type OnnxNode, type Tensor } from "../decode.js";
import type { OnnxOpRegistry } from "../registry.js";
import { mulTakesQuantized, quantMul } from "./quant.js";

const ACTS: Record<string, { act: Act; sinceOpset: number; alpha?: number; beta?: number }> = {
  Relu: { act: Act.Relu, sinceOpset: 6 },
  LeakyRelu: { act: Act.LeakyRelu, sinceOpset: 6, alpha: 0.01 },
  Sigmoid: { act: Act.Sigmoid, sinceOpset: 6 },
  HardSigmoid: { act: Act.HardSigmoid, sinceOpset: 6, alpha: 0.2, beta: 0.5 },
  Tanh: { act: Act.Tanh, sinceOpset: 6 },
  Softplus: { act: Act.Softplus, sinceOpset: 1 },
  Abs: { act: Act.Abs, sinceOpset: 6 },
};

/** Clip's default bounds (opset 6–10 attributes; absent inputs from opset 11): ±FLT_MAX, as onnxruntime uses. */
const FLT_MAX = 3.4028234663852886e38;

export function register(reg: OnnxOpRegistry): void {
  const e = { domain: "", batchFree: true } as const;
  for (const opType of ["Add", "Sub", "Mul", "Div"]) {
    reg.add({
      ...e,
      opType,
      sinceOpset: 7,
      ...(opType === "Mul" ? { takesQuantized: mulTakesQuantized } : {}),
      lower: (ctx) => [arith(ctx)],
    });
  }
  for (const [opType, a] of Object.entries(ACTS)) {
    reg.add({ ...e, opType, sinceOpset: a.sinceOpset, lower: (ctx) => [activation(ctx, a)] });
  }
  reg.add({ ...e, opType: "Clip", sinceOpset: 6, lower: (ctx) => [clip(ctx)] });
  reg.add({ domain: "", opType: "BatchNormalization", sinceOpset: 7, lower: (ctx) => [batchNorm(ctx)] });
  reg.add({
    ...e,
    opType: "Cast",
    sinceOpset: 6,
    takesQuantized: (s) => s.kind === "qmm" && !s.float,
    lower: (ctx) => [cast(ctx)],
  });
  reg.add({ ...e, opType: "Identity", sinceOpset: 1, lower: (ctx) => [ctx.sym(0)] });
  reg.add({ ...e, opType: "Dropout", sinceOpset: 1, lower: (ctx, n) => [dropout(ctx, n)] });
}

function activation(ctx: OnnxContext, a: (typeof ACTS)[string]): Sym {
  const x = ctx.row(0);
  const alpha = a.alpha === undefined ? 0 : ctx.attr("alpha", a.alpha);
  const beta = a.beta === undefined ? 0 : ctx.attr("beta", a.beta);
  return { kind: "row", v: ctx.graph.act(x.v, a.act, alpha, beta), shape: x.shape };
}

/** Clip as an activation, alpha = min and beta = max: attributes up to opset 10, constant inputs from 11. */
function clip(ctx: OnnxContext): Sym {
  const x = ctx.row(0);
  const bound = (i: number, name: "min" | "max", fallback: number): number => {
    if (ctx.opset < 11) return ctx.attr(name, fallback);
    if (!ctx.sym(i, true)) return fallback; // absent or ""
    const t = ctx.constant(i, name);
    const d = ctx.numeric(t, name);
    if (d.length !== 1) ctx.refuse(`${name} (input ${i}) must be a scalar; it has shape [${t.dims}]`);
    return d[0]!;
  };
  const lo = bound(1, "min", -FLT_MAX),
    hi = bound(2, "max", FLT_MAX);
  if (Number.isNaN(lo) || Number.isNaN(hi)) ctx.refuse(`a NaN bound (min ${lo}, max ${hi}) is not supported`);
  // The kernel compares in f32: the bounds as f32 (a double model's rows are computed in f32 too).
  return { kind: "row", v: ctx.graph.act(x.v, Act.Clip, Math.fround(lo), Math.fround(hi)), shape: x.shape };
}

function dropout(ctx: OnnxContext, n: OnnxNode): Sym | undefined {
  if (n.outputs[1]) ctx.refuse("the mask output of Dropout is not supported (inference only)");
  // Opset 12 moved training_mode to input 2: dropping at random is training, not inference.
  const training = ctx.opset >= 12 ? ctx.sym(2, true) : undefined;
  const ratio = ctx.opset >= 12 ? ctx.sym(1, true) : undefined;
  const zeroRatio = ratio?.kind === "const" && (ratio.t.data as Float64Array)[0] === 0; // training with ratio 0 drops nothing
  if (training && !zeroRatio && (training.kind !== "const" || (training.t.data as Float64Array)[0] !== 0))
    ctx.refuse("training_mode must be a constant false (inference only)");
  if (ctx.opset < 7 && ctx.attr("is_test", 0) === 0) ctx.refuse("is_test = 0 is training mode (inference only)");
  return ctx.sym(0);
}

/** Add / Sub / Mul / Div with one constant operand, as an element-wise affine step. */
function arith(ctx: OnnxContext): Sym {
  const op = ctx.node.opType;
  if (op === "Mul") {
    const q = quantMul(ctx, ctx.sym(0)!, ctx.sym(1)!);
    if (q) return q;
  }
  const x = ctx.plain(0),
    y = ctx.plain(1);
  if ((x.kind === "row" && x.int !== undefined) || (y.kind === "row" && y.int !== undefined))
    ctx.refuse("arithmetic on integer tensors (wrap-around, integer division) is not supported; dequantize first");
  if (x.kind === "const" && y.kind === "const") return { kind: "const", t: foldConst(ctx, x.t, y.t) };
  if (x.kind === "row" && y.kind === "row")
    ctx.refuse("both operands depend on the input; edgeinfer supports one constant operand");
  const r = (x.kind === "row" ? x : y) as RowSym;
  const c = (x.kind === "const" ? x : y) as ConstSym;
  const rowFirst = x.kind === "row";
  if (prod(c.t.dims) > prod(r.shape) || c.t.dims.length > r.shape.length + 1)
    ctx.refuse(`constant of shape [${c.t.dims}] is larger than the row [N, ${r.shape}]`);
  ctx.reserve(2 * prod(r.shape), "an element-wise scale and shift");
  const cv = ctx.broadcastConst(c.t, r.shape);
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
    if (!rowFirst) ctx.refuse("dividing a constant by the row is not supported");
    s = cv.map((v) => 1 / v);
    t = new Float64Array(n);
  }
  return { kind: "row", v: ctx.graph.affine(r.v, s, t), shape: r.shape, labels: r.labels, index: r.index };
}

function foldConst(ctx: OnnxContext, a: Tensor, b: Tensor): Tensor {
  const op = ctx.node.opType;
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
  return ctx.refuse("broadcasting between two constants of different shapes is not supported");
}

function batchNorm(ctx: OnnxContext): Sym {
  const x = ctx.row(0);
  if (ctx.attr("training_mode", 0) !== 0) ctx.refuse("training_mode = 1 is not supported (inference only)");
  if (ctx.node.outputs.length > 1 && ctx.node.outputs.slice(1).some(Boolean))
    ctx.refuse("running statistics outputs are for training only");
  const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) =>
    ctx.numeric(ctx.constant(i, ["scale", "B", "mean", "var"][i - 1]!), "parameters"),
  );
  const eps = ctx.attr("epsilon", 1e-5);
  const c = x.shape[0]!;
  if (scale!.length !== c) ctx.refuse(`${scale!.length} channels in the parameters, ${c} in the input [N, ${x.shape}]`);
  const inner = prod(x.shape.slice(1));
  ctx.reserve(2 * c * inner, "a per-channel scale and shift");
  const s = new Float64Array(c * inner),
    t = new Float64Array(c * inner);
  for (let ch = 0; ch < c; ch++) {
    const k = scale![ch]! / Math.sqrt(variance![ch]! + eps);
    for (let j = 0; j < inner; j++) {
      s[ch * inner + j] = k;
      t[ch * inner + j] = bias![ch]! - mean![ch]! * k;
    }
  }
  return { kind: "row", v: ctx.graph.affine(x.v, s, t), shape: x.shape };
}

function cast(ctx: OnnxContext): Sym {
  const to = ctx.attr("to", DataType.FLOAT as number);
  const s = ctx.sym(0)!;
  if (s.kind === "qmm") {
    if (to !== DataType.FLOAT)
      ctx.refuse(
        `the quantized pattern at MatMulInteger node ${JSON.stringify(s.node)} stops here: expected a Cast to float, got ${DATA_TYPE_NAMES[to] ?? to}`,
      );
    return { ...s, float: true };
  }
  if (s.kind === "row" && s.int !== undefined) {
    if (FLOATS.has(to)) return { ...s, int: undefined };
    // To int64 (skl2onnx casts every integer column so): every value of ≤ 32 bits fits.
    if (to === DataType.INT64 || to === s.int) return { ...s, int: to };
    if (QTYPES[to] || INTS.has(to))
      ctx.refuse(
        `casting ${DATA_TYPE_NAMES[s.int] ?? s.int} values to ${DATA_TYPE_NAMES[to] ?? to} (wrap-around) is not supported`,
      );
  }
  if (s.kind !== "const" && s.kind !== "row") return ctx.refuse("internal: a quantized intermediate reached Cast");
  if (s.kind === "const") {
    if (to === DataType.STRING || s.t.dataType === DataType.STRING)
      ctx.refuse("casts to or from strings are not supported");
    if (to === DataType.FLOAT16)
      ctx.refuse("a cast to float16 rounds every value; edgeinfer computes in float32 and does not emulate it");
    const data = INTS.has(to)
      ? (s.t.data as Float64Array).map(Math.trunc)
      : to === DataType.FLOAT
        ? (s.t.data as Float64Array).map(Math.fround)
        : s.t.data;
    return { kind: "const", t: { ...s.t, dataType: to, data: data as Float64Array } };
  }
  if (to === DataType.FLOAT16)
    ctx.refuse("a cast to float16 rounds every value; edgeinfer computes in float32 and does not emulate it");
  if (FLOATS.has(to)) return s; // rows are f32 already (double rows are computed in f32); a class index stays exact
  if (INTS.has(to) && s.index) return s; // class indices (ArgMax) are exact in f32
  if (to === DataType.INT64 || to === DataType.INT32) {
    // Toward zero, as Cast defines it (a value past the integer range is undefined there).
    return { kind: "row", v: ctx.graph.act(s.v, Act.Trunc, 0, 0), shape: s.shape, int: to };
  }
  return ctx.refuse(
    `cast of a computed float row to ${DATA_TYPE_NAMES[to] ?? to} is not supported (only class indices may become integers)`,
  );
}
