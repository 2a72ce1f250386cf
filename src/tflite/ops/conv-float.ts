/**
 * Float CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, MAX_POOL_2D and ADD onto the graph's
 * float ops (the ONNX path's kernels): a TFLite NHWC row is already channels-last, so no
 * transposes. Weights go to ONNX's [M][C/G][KH][KW]: CONV_2D's [M][KH][KW][C] permuted, and
 * DEPTHWISE_CONV_2D's [1][KH][KW][C·mult] as a convolution of C groups (output c·mult + k reads
 * input c, the order both formats share). SAME padding as TFLite splits it (the extra at the end).
 */
import { Opcode, PoolMode } from "../../format/abi.js";
import type { IrValue } from "../../graph/ir.js";
import { type ConvGeometry, poolAux } from "../../plan/conv.js";
import type { Fused, TfliteContext } from "../context.js";
import { TensorType } from "../schema.js";
import { f32Of } from "../tensors.js";
import { axis } from "./window.js";

/** Output size, leading and trailing pad of one axis, as TFLite computes them. */
function axisPads(ctx: TfliteContext, padding: number, size: number, k: number, stride: number, dil: number) {
  const a = axis(ctx, padding, size, k, stride, dil);
  if (a.out < 1) ctx.refuse(`a ${(k - 1) * dil + 1}-wide window does not fit ${size} values (VALID padding)`);
  const total = Math.max(0, (a.out - 1) * stride + (k - 1) * dil + 1 - size);
  return { out: a.out, pad: a.pad, padEnd: total - a.pad };
}

/** The fused activation after a float step (the passes fold it into a convolution or BINARY). */
function activate(ctx: TfliteContext, v: IrValue, fused: Fused): IrValue {
  const a = ctx.floatAct(fused);
  return fused === "none" ? v : ctx.graph.act(v, a.act, a.alpha, a.beta);
}

function checkOut(ctx: TfliteContext, dims: number[]): number[] {
  const yt = ctx.type(ctx.output(), "output", TensorType.FLOAT32);
  const shape = ctx.rowShape(yt, "output");
  if (shape.join() !== dims.join()) ctx.refuse(`output shape [${yt.shape}] is not the [1, ${dims}] TFLite computes`);
  return shape;
}

export function floatConv(ctx: TfliteContext, depthwise: boolean, x: IrValue): IrValue[] {
  const wt = ctx.type(ctx.constant(1)!, "weights", TensorType.FLOAT32);
  const bt = ctx.constant(2, true);
  const o = ctx.op.options;
  // Conv2DOptions: 0 padding, 1 stride_w, 2 stride_h, 3 activation, 4 dilation_w, 5 dilation_h;
  // DepthwiseConv2DOptions: 0 padding, 1 stride_w, 2 stride_h, 3 depth_multiplier, 4 activation, 5, 6 dilations.
  const fused = ctx.fused(depthwise ? 4 : 3);
  const dW = o.int32(depthwise ? 5 : 4, 1),
    dH = o.int32(depthwise ? 6 : 5, 1);
  if (x.shape.length !== 3) ctx.refuse(`input of shape [1, ${x.shape}]: need [1, H, W, C]`);
  const [H, W, C] = x.shape as [number, number, number];
  if (wt.shape.length !== 4) ctx.refuse(`weights of shape [${wt.shape}]: need 4 dims`);
  const [w0, KH, KW, w3] = wt.shape as [number, number, number, number];
  const M = depthwise ? w3 : w0;
  if (depthwise) {
    if (w0 !== 1) ctx.refuse(`depthwise weights of shape [${wt.shape}]: need [1, kH, kW, C·multiplier]`);
    if (M % C !== 0) ctx.refuse(`${M} output channels is not a multiple of ${C} input channels`);
  } else if (w3 !== C) ctx.refuse(`weights of shape [${wt.shape}] on ${C} input channels (groups are not supported)`);
  const h = axisPads(ctx, o.int8(0), H, KH, o.int32(2), dH),
    w = axisPads(ctx, o.int8(0), W, KW, o.int32(1), dW);
  checkOut(ctx, [h.out, w.out, M]);
  const src = f32Of(ctx, wt);
  const bad = src.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) ctx.refuse(`weight ${bad} (tensor ${JSON.stringify(wt.name)}) is ${src[bad]}, not a finite number`);
  const K = KH * KW;
  const ww = new Float64Array(src.length);
  if (depthwise) for (let k = 0; k < K; k++) for (let m = 0; m < M; m++) ww[m * K + k] = src[k * M + m]!;
  else
    for (let m = 0; m < M; m++)
      for (let k = 0; k < K; k++) for (let c = 0; c < C; c++) ww[(m * C + c) * K + k] = src[(m * K + k) * C + c]!;
  const b = bt ? Float64Array.from(f32Of(ctx, ctx.type(bt, "bias", TensorType.FLOAT32))) : new Float64Array(M);
  if (b.length !== M) ctx.refuse(`bias of ${b.length} values for ${M} channels`);
  const g: ConvGeometry = {
    C,
    H,
    W,
    M,
    OH: h.out,
    OW: w.out,
    KH,
    KW,
    SH: o.int32(2),
    SW: o.int32(1),
    PT: h.pad,
    PL: w.pad,
    DH: dH,
    DW: dW,
    G: depthwise ? C : 1,
  };
  const where = `operator ${ctx.op.index} (${depthwise ? "DEPTHWISE_CONV_2D" : "CONV_2D"})`;
  return [activate(ctx, ctx.graph.conv(x, g, ww, b, where), fused)];
}

// Pool2DOptions: 0 padding, 1 stride_w, 2 stride_h, 3 filter_width, 4 filter_height, 5 activation.
export function floatPool(ctx: TfliteContext, isMax: boolean, x: IrValue): IrValue[] {
  const o = ctx.op.options;
  const fused = ctx.fused(5);
  if (x.shape.length !== 3) ctx.refuse(`input of shape [1, ${x.shape}]: need [1, H, W, C]`);
  const [H, W, C] = x.shape as [number, number, number];
  const KW = o.int32(3),
    KH = o.int32(4);
  if (!(KW >= 1 && KH >= 1)) ctx.refuse(`filter ${KH}×${KW}: need ≥ 1`);
  const h = axisPads(ctx, o.int8(0), H, KH, o.int32(2), 1),
    w = axisPads(ctx, o.int8(0), W, KW, o.int32(1), 1);
  if (h.pad >= KH || h.padEnd >= KH || w.pad >= KW || w.padEnd >= KW)
    ctx.refuse(`pads [${h.pad}, ${w.pad}, ${h.padEnd}, ${w.padEnd}] reach past the ${KH}×${KW} window`);
  const shape = checkOut(ctx, [h.out, w.out, C]);
  const g = {
    C,
    H,
    W,
    OH: h.out,
    OW: w.out,
    KH,
    KW,
    SH: o.int32(2),
    SW: o.int32(1),
    PT: h.pad,
    PL: w.pad,
    DH: 1,
    DW: 1,
    PB: h.padEnd,
    PR: w.padEnd,
  };
  // TFLite's average divides by the taps inside the input (padding never counts).
  const mode = isMax ? PoolMode.Max : PoolMode.Avg;
  const v = ctx.graph.op(x, { opcode: Opcode.Pool, act: mode, aux: poolAux(g), shape });
  return [activate(ctx, v, fused)];
}

/** ADD of two float activations of one shape: BINARY, its fused activation folded in. */
export function floatAdd(ctx: TfliteContext, a: IrValue, b: IrValue): IrValue[] {
  const fused = ctx.fused(0);
  const shape = checkOut(ctx, [...a.shape]);
  const v = ctx.graph.op(a, { opcode: Opcode.Binary, src2: b, fuseAct: true, shape });
  return [activate(ctx, v, fused)];
}
