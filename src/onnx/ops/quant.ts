/**
 * Quantized ONNX: QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, MatMulInteger,
 * QLinearMatMul, recognised in the patterns onnxruntime's quantizers emit (dynamic: DQL →
 * MatMulInteger → Cast → Mul; static: QDQ around MatMul/Gemm, QLinearMatMul) and lowered to
 * int8 dense steps; anything else is computed as the graph defines it, or refused.
 */

import { QuantMode } from "../../format/abi.js";
import { quantizeRows, roundHalfEven } from "../../plan/quantize.js";
import { type ConstSym, type OnnxContext, prod, QTYPES, type RowSym, type Sym } from "../context.js";
import { DATA_TYPE_NAMES, DataType, type Tensor } from "../decode.js";
import type { OnnxOpRegistry } from "../registry.js";

export function register(reg: OnnxOpRegistry): void {
  const q = { domain: "", batchFree: true } as const;
  reg.add({
    ...q,
    opType: "QuantizeLinear",
    sinceOpset: 10,
    lower: (ctx) => [quantizeLinear(ctx)],
  });
  reg.add({
    ...q,
    opType: "DequantizeLinear",
    sinceOpset: 10,
    takesQuantized: (s) => s.kind === "qrow",
    lower: (ctx) => [dequantizeLinear(ctx)],
  });
  reg.add({
    ...q,
    opType: "DynamicQuantizeLinear",
    sinceOpset: 11,
    lower: (ctx) => dynamicQuantizeLinear(ctx),
  });
  reg.add({
    domain: "",
    opType: "MatMulInteger",
    sinceOpset: 10,
    takesQuantized: (s) => s.kind === "dynq" && s.part !== 1,
    lower: (ctx) => [matMulInteger(ctx)],
  });
  reg.add({
    domain: "",
    opType: "QLinearMatMul",
    sinceOpset: 10,
    takesQuantized: (s) => s.kind === "qrow",
    lower: (ctx) => [qlinearMatMul(ctx)],
  });
}

/** Mul takes these as part of a dynamic pattern (see quantMul). */
export function mulTakesQuantized(s: Sym): boolean {
  return (s.kind === "dynq" && s.part === 1) || (s.kind === "qmm" && s.float) || s.kind === "qscale";
}

function quantizeLinear(ctx: OnnxContext): Sym {
  const scaleT = ctx.constant(1, "y_scale"),
    zpT = ctx.sym(2, true);
  if (zpT && zpT.kind !== "const") ctx.refuse("y_zero_point must be a constant");
  const zp = zpT?.t;
  const type = ctx.qtype(zp);
  if (ctx.opset >= 19 && ctx.attr("saturate", 1) !== 1) ctx.refuse("saturate = 0 applies to float8 types only");
  const axis = ctx.attr("axis", 1);
  const x = ctx.sym(0)!;
  if (x.kind === "const") {
    const shape = x.t.dims.length === 0 ? [1] : x.t.dims;
    const sc = ctx.constQparam(scaleT, shape, axis),
      z = zp ? ctx.constQparam(zp, shape, axis) : new Float64Array(prod(shape));
    const q = QTYPES[type]!,
      f = Math.fround;
    const data = ctx
      .numeric(x.t, "x")
      .map((v, i) => Math.max(q.lo, Math.min(q.hi, roundHalfEven(f(v / sc[i]!)) + z[i]!)));
    return { kind: "const", t: { ...x.t, dataType: type, data } };
  }
  const r = ctx.row(0);
  const scale = ctx.qparam(scaleT, r.shape, axis, "y_scale", 1).map(Math.fround);
  if (scale.some((v) => !(v > 0) || !Number.isFinite(v))) ctx.refuse("y_scale must be finite and > 0");
  return {
    kind: "qrow",
    x: r,
    scale,
    zp: ctx.qparam(zp, r.shape, axis, "y_zero_point", 0),
    type,
    node: ctx.node.name,
  };
}

function dequantizeLinear(ctx: OnnxContext): Sym {
  const scaleT = ctx.constant(1, "x_scale"),
    zpS = ctx.sym(2, true);
  if (zpS && zpS.kind !== "const") ctx.refuse("x_zero_point must be a constant");
  const zp = zpS?.t;
  const axis = ctx.attr("axis", 1);
  const x = ctx.sym(0)!;
  if (x.kind === "const") {
    // Constant weights or biases: dequantized now; the integers are kept for an int8 layer.
    if (x.t.dataType !== DataType.UINT8 && x.t.dataType !== DataType.INT8 && x.t.dataType !== DataType.INT32)
      ctx.refuse(`x of type ${DATA_TYPE_NAMES[x.t.dataType] ?? x.t.dataType} is not uint8, int8 or int32`);
    const dims = x.t.dims.length === 0 ? [1] : x.t.dims;
    const sc = ctx.constQparam(scaleT, dims, axis).map(Math.fround),
      z = zp ? ctx.constQparam(zp, dims, axis) : new Float64Array(prod(dims));
    const q = ctx.numeric(x.t, "x");
    const data = q.map((v, i) => Math.fround((v - z[i]!) * sc[i]!));
    const ax = axis < 0 ? axis + dims.length : axis;
    return {
      kind: "const",
      t: { ...x.t, dataType: DataType.FLOAT, data },
      quant: {
        q,
        scale: sc,
        zp: z,
        axis: ctx.numeric(scaleT, "x_scale").length === 1 ? -1 : ax,
        type: x.t.dataType,
        node: ctx.node.name,
      },
    };
  }
  if (x.kind === "qrow") {
    const r = x.x;
    const sc = ctx.qparam(scaleT, r.shape, axis, "x_scale", 1).map(Math.fround),
      z = ctx.qparam(zp, r.shape, axis, "x_zero_point", 0);
    const same = sc.every((v, i) => v === x.scale[i]) && z.every((v, i) => v === x.zp[i]);
    if (same) return { kind: "dqrow", q: x, node: ctx.node.name };
    const q = ctx.materialize(ctx.node.inputs[0]!, x, "a DequantizeLinear with other parameters");
    return { kind: "row", v: ctx.dequantizeRow(q.v, sc, z), shape: r.shape };
  }
  const r = ctx.row(0, true);
  if (r.int === undefined) ctx.refuse("x is a float row; DequantizeLinear takes integer values");
  const sc = ctx.qparam(scaleT, r.shape, axis, "x_scale", 1).map(Math.fround),
    z = ctx.qparam(zp, r.shape, axis, "x_zero_point", 0);
  return { kind: "row", v: ctx.dequantizeRow(r.v, sc, z), shape: r.shape };
}

function dynamicQuantizeLinear(ctx: OnnxContext): Array<Sym | undefined> {
  const x = ctx.row(0);
  const node = ctx.node.name;
  return [0, 1, 2].map((part) => ({ kind: "dynq", x, part: part as 0 | 1 | 2, node }));
}

/** B − zero point of a constant [K, N] integer matrix, as out × in (N × K), with its zero point per column. */
export function intWeights(
  ctx: OnnxContext,
  b: Tensor,
  zpT: Tensor | undefined,
  what: string,
): { w: Float64Array; k: number; m: number } {
  if (b.dims.length !== 2) ctx.refuse(`${what} must be a constant 2-D matrix, got [${b.dims}]`);
  if (!QTYPES[b.dataType])
    ctx.refuse(`${what} of type ${DATA_TYPE_NAMES[b.dataType] ?? b.dataType} is not uint8 or int8`);
  const [k, m] = b.dims as [number, number];
  const bd = ctx.numeric(b, what);
  const z = zpT ? ctx.numeric(zpT, `${what} zero point`) : Float64Array.of(0);
  if (z.length !== 1 && z.length !== m) ctx.refuse(`${what} zero point has ${z.length} values for ${m} columns`);
  ctx.reserve(m * k, `${what}, ${m}×${k} integer weights`, 1);
  const w = new Float64Array(m * k);
  for (let o = 0; o < m; o++) for (let i = 0; i < k; i++) w[o * k + i] = bd[i * m + o]! - z[z.length === 1 ? 0 : o]!;
  return { w, k, m };
}

function matMulInteger(ctx: OnnxContext): Sym {
  const a = ctx.sym(0)!,
    azp = ctx.sym(2, true),
    bS = ctx.sym(1)!,
    bzpS = ctx.sym(3, true);
  if (bS.kind !== "const") ctx.refuse("B must be a constant (an initializer)");
  if (bzpS && bzpS.kind !== "const") ctx.refuse("b_zero_point must be a constant");
  const { w, k, m } = intWeights(ctx, bS.t, bzpS?.kind === "const" ? bzpS.t : undefined, "B");
  if (a.kind === "dynq") {
    if (a.part !== 0) ctx.refuse("A must be the values output of DynamicQuantizeLinear");
    if (azp?.kind !== "dynq" || azp.part !== 2 || azp.node !== a.node) {
      ctx.refuse(
        `the quantized pattern starting at DynamicQuantizeLinear node ${JSON.stringify(a.node)} stops here: a_zero_point must be that node's zero point output`,
      );
    }
    if (a.x.shape.length !== 1 || a.x.shape[0] !== k)
      ctx.refuse(`A [N, ${a.x.shape}] and B [${bS.t.dims}] do not multiply`);
    return { kind: "qmm", dq: a.node, x: a.x, w, nIn: k, nOut: m, float: false, node: ctx.node.name };
  }
  // Integer rows (a uint8 or int8 tensor given as input): the exact integer product, in f32.
  const r = ctx.row(0, true);
  if (r.int !== DataType.UINT8 && r.int !== DataType.INT8)
    ctx.refuse("A must be uint8 or int8 values (a graph input of that type, or DynamicQuantizeLinear's output)");
  if (azp && azp.kind !== "const") ctx.refuse("a_zero_point must be a constant");
  const za = azp?.kind === "const" ? ctx.numeric(azp.t, "a_zero_point") : Float64Array.of(0);
  if (za.length !== 1) ctx.refuse("a per-row a_zero_point is not supported");
  return { ...exactIntDense(ctx, r, za[0]!, w, k, m), int: DataType.INT32 };
}

/** Σ (a − za)·w over integers, computed in f32: exact while every partial sum stays below 2^24 (checked). */
export function exactIntDense(ctx: OnnxContext, r: RowSym, za: number, w: Float64Array, k: number, m: number): RowSym {
  if (r.shape.length !== 1 || r.shape[0] !== k) ctx.refuse(`A [N, ${r.shape}] does not have ${k} columns`);
  const range = QTYPES[r.int!]!;
  const aMax = Math.max(Math.abs(range.lo), Math.abs(range.hi)) + Math.abs(za); // with or without the shift folded in
  let wMax = 0;
  for (const v of w) wMax = Math.max(wMax, Math.abs(v));
  if (k * aMax * wMax >= 2 ** 24)
    ctx.refuse(`integer sums could reach ${k * aMax * wMax}, past 2^24: f32 would not hold them exactly`);
  const shifted = ctx.graph.affine(r.v, new Float64Array(k).fill(1), new Float64Array(k).fill(-za));
  return { kind: "row", v: ctx.graph.dense(shifted, w, new Float64Array(m), k, m), shape: [m] };
}

/** Mul inside the dynamic pattern: the scales, or the float product by the scales (the int8 dense step). */
export function quantMul(ctx: OnnxContext, x: Sym, y: Sym): Sym | undefined {
  const sym = [x, y];
  const dq = sym.find((s) => s.kind === "dynq"),
    c = sym.find((s) => s.kind === "const");
  if (dq && dq.kind === "dynq") {
    if (c?.kind !== "const")
      ctx.refuse(
        `the quantized pattern starting at DynamicQuantizeLinear node ${JSON.stringify(dq.node)} stops here: its scale must be multiplied by the constant weight scale`,
      );
    return {
      kind: "qscale",
      dq: dq.node,
      x: dq.x,
      wScale: Float64Array.from(ctx.numeric(c.t, "weight scale"), Math.fround),
      node: ctx.node.name,
    };
  }
  const qm = sym.find((s) => s.kind === "qmm"),
    qs = sym.find((s) => s.kind === "qscale");
  if (!qm && !qs) return undefined;
  if (qm?.kind !== "qmm" || !qs || qs.kind !== "qscale" || qs.dq !== qm.dq) {
    const at = (qm ?? qs) as { node: string };
    ctx.refuse(
      `the quantized pattern at node ${JSON.stringify(at.node)} stops here: expected Mul of the Cast MatMulInteger product by the scales of the same DynamicQuantizeLinear`,
    );
  }
  const { nIn, nOut } = qm;
  if (qs.wScale.length !== 1 && qs.wScale.length !== nOut)
    ctx.refuse(`${qs.wScale.length} weight scales for ${nOut} columns`);
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
  return { kind: "row", v: ctx.graph.denseQ8(qm.x.v, wq, scales, new Float64Array(nOut)), shape: [nOut] };
}

/** MatMul / Gemm of a QDQ row by dequantized int8 weights: one int8 dense step with the row's static scale. */
export function qdqDense(
  ctx: OnnxContext,
  a: Extract<Sym, { kind: "dqrow" }>,
  b: ConstSym,
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
    ctx.refuse(
      `the row quantized by node ${JSON.stringify(q.node)} has per-channel parameters; an int8 layer needs one scale and zero point per row`,
    );
  const [r0, c0] = b.t.dims as [number, number];
  const [k, m] = transB ? [c0, r0] : [r0, c0];
  if (a.q.x.shape.length !== 1 || a.q.x.shape[0] !== k)
    ctx.refuse(`[N, ${a.q.x.shape}] · [${b.t.dims}]: inner dimensions differ`);
  const outAxis = transB ? 0 : 1;
  if (quant.axis !== -1 && quant.axis !== outAxis)
    ctx.refuse(
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
  const v = ctx.graph.denseQ8(q.x.v, wq, scales, bias ?? new Float64Array(m), { scale: s0, zeroPoint });
  return { kind: "row", v, shape: [m] };
}

function qlinearMatMul(ctx: OnnxContext): Sym {
  const c = (i: number, what: string) => ctx.constant(i, what);
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
    const d = ctx.numeric(t, what);
    if (d.length !== 1) ctx.refuse(`${what} must be a scalar (per-tensor)`);
    return d[0]!;
  };
  const yType = ctx.qtype(zy);
  const { w, k, m } = intWeights(ctx, b, zb, "b");
  const bScale = ctx.numeric(sb, "b_scale");
  if (bScale.length !== 1 && bScale.length !== m) ctx.refuse(`b_scale has ${bScale.length} values for ${m} columns`);
  const f = Math.fround;
  const a = ctx.sym(0)!;
  const ys = f(one(sy, "y_scale")),
    yz = one(zy, "y_zero_point");
  if (a.kind === "qrow") {
    // QuantizeLinear → QLinearMatMul: the int8 layer with the row's static scale; its float
    // result is requantized to y's scale, which the next DequantizeLinear (or layer) reads.
    if (a.x.shape.length !== 1 || a.x.shape[0] !== k) ctx.refuse(`a [N, ${a.x.shape}] does not have ${k} columns`);
    const s0 = f(one(sa, "a_scale")),
      z0 = one(za, "a_zero_point");
    if (!a.scale.every((v) => v === s0) || !a.zp.every((v) => v === z0))
      ctx.refuse(`a's scale and zero point differ from those of QuantizeLinear node ${JSON.stringify(a.node)}`);
    const dq = { kind: "dqrow" as const, q: a, node: ctx.node.name };
    const scales = new Float64Array(m).map((_, o) => bScale[bScale.length === 1 ? 0 : o]!);
    const wConst: ConstSym = {
      kind: "const",
      t: { name: "", dims: [k, m], dataType: DataType.FLOAT, data: new Float64Array(k * m) },
      quant: {
        q: Float64Array.from({ length: k * m }, (_, at) => w[(at % m) * k + Math.floor(at / m)]!),
        scale: Float64Array.from({ length: k * m }, (_, at) => scales[at % m]!),
        zp: new Float64Array(k * m),
        axis: 1,
        type: DataType.INT8,
        node: ctx.node.name,
      },
    };
    const y = qdqDense(ctx, dq, wConst, false, 1, undefined)!;
    return {
      kind: "qrow",
      x: y,
      scale: new Float64Array(m).fill(ys),
      zp: new Float64Array(m).fill(yz),
      type: yType,
      node: ctx.node.name,
    };
  }
  // Integer rows: the exact integer product, then requantized as the reference does:
  // y = saturate(round(acc · (a_scale · b_scale / y_scale)) + y_zero_point).
  const r = ctx.row(0, true);
  if (r.int !== DataType.UINT8 && r.int !== DataType.INT8)
    ctx.refuse("a must be uint8 or int8 values (a graph input of that type, or QuantizeLinear's output)");
  const acc = exactIntDense(ctx, r, one(za, "a_zero_point"), w, k, m);
  const sA = f(one(sa, "a_scale"));
  const mult = Float64Array.from({ length: m }, (_, o) => f(f(sA * f(bScale[bScale.length === 1 ? 0 : o]!)) / ys));
  const q = QTYPES[yType]!;
  return {
    kind: "row",
    v: ctx.graph.quantize(acc.v, QuantMode.Multiply, mult, new Float64Array(m).fill(yz), q.lo, q.hi),
    shape: [m],
    int: yType,
  };
}
