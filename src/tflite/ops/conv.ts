/**
 * CONV_2D and DEPTHWISE_CONV_2D, int8 (per-channel weights): CONV_I8 on NHWC rows with TFLite's
 * geometry (SAME padding split as ComputePaddingHeightWidth does: the extra row or column at the
 * end). Float ones go onto the float CONV kernels (./conv-float.ts).
 */
import { Opcode, STEP_FLAG_TFL_FIXED_POINT } from "../../format/abi.js";
import { type ConvGeometry, convI8Aux } from "../aux.js";
import { Builtin } from "../builtins.js";
import type { TfliteContext } from "../context.js";
import { int8ActivationRange, requantization } from "../quant.js";
import { TFLITE_OPS } from "../registry.js";
import { TensorType } from "../schema.js";
import { i8Of, i32Of } from "../tensors.js";
import { floatConv } from "./conv-float.js";
import { axis } from "./window.js";

function lower(ctx: TfliteContext, depthwise: boolean) {
  const { v: x, t: xt } = ctx.row(0);
  const wt = ctx.constant(1)!;
  const bt = ctx.constant(2, true);
  const yt = ctx.output();
  if (xt.type === TensorType.FLOAT32) {
    if (wt.type === TensorType.INT8)
      ctx.refuse(
        "a hybrid convolution (float input, int8 weights) is not supported: TFLite quantizes the row on the fly",
      );
    return floatConv(ctx, depthwise, x);
  }
  ctx.type(xt, "input", TensorType.INT8);
  ctx.type(wt, "weights", TensorType.INT8);
  ctx.type(yt, "output", TensorType.INT8);
  const o = ctx.op.options;
  // Conv2DOptions: 0 padding, 1 stride_w, 2 stride_h, 3 activation, 4 dilation_w, 5 dilation_h;
  // DepthwiseConv2DOptions: 0 padding, 1 stride_w, 2 stride_h, 3 depth_multiplier, 4 activation, 5, 6 dilations.
  const fused = ctx.fused(depthwise ? 4 : 3);
  if (fused === "tanh") ctx.refuse("a fused tanh on an int8 output is not supported");
  const dW = o.int32(depthwise ? 5 : 4, 1),
    dH = o.int32(depthwise ? 6 : 5, 1);
  if (x.shape.length !== 3) ctx.refuse(`input of shape [${xt.shape}]: need [1, H, W, C]`);
  const [inH, inW, inC] = x.shape as [number, number, number];
  if (wt.shape.length !== 4) ctx.refuse(`weights of shape [${wt.shape}]: need 4 dims`);
  const [w0, kH, kW, w3] = wt.shape as [number, number, number, number];
  const outC = depthwise ? w3 : w0;
  let mult = 0;
  if (depthwise) {
    if (w0 !== 1) ctx.refuse(`depthwise weights of shape [${wt.shape}]: need [1, kH, kW, C·multiplier]`);
    if (outC % inC !== 0) ctx.refuse(`${outC} output channels is not a multiple of ${inC} input channels`);
    mult = outC / inC;
  } else if (w3 !== inC)
    ctx.refuse(`weights of shape [${wt.shape}] on ${inC} input channels (groups are not supported)`);
  const h = axis(ctx, o.int8(0), inH, kH, o.int32(2), dH),
    w = axis(ctx, o.int8(0), inW, kW, o.int32(1), dW);
  const shape = ctx.rowShape(yt, "output");
  if (shape.join() !== [h.out, w.out, outC].join())
    ctx.refuse(`output shape [${yt.shape}] is not the [1, ${h.out}, ${w.out}, ${outC}] TFLite computes`);
  const xq = ctx.quant(xt, "input"),
    yq = ctx.quant(yt, "output");
  const ws = wt.quant?.scale ?? [];
  const qDim = depthwise ? 3 : 0;
  if (!(ws.length === 1 || ws.length === outC) || (ws.length > 1 && wt.quant!.quantizedDimension !== qDim))
    ctx.refuse(`weights with ${ws.length} scales: need one, or one per output channel (dimension ${qDim})`);
  if (wt.quant!.zeroPoint.some((z) => z !== 0)) ctx.refuse("int8 weights need zero points of 0 (symmetric)");
  const bias = bt ? i32Of(ctx, ctx.type(bt, "bias", TensorType.INT32)) : new Int32Array(outC);
  if (bias.length !== outC) ctx.refuse(`bias of ${bias.length} values for ${outC} channels`);
  const { mult: m, shift, fixed } = requantization(ctx, xq.scale, ws, yq.scale, outC);
  const g: ConvGeometry = { inH, inW, inC, outH: h.out, outW: w.out, outC, kH, kW, sH: o.int32(2), sW: o.int32(1) };
  const aux = convI8Aux({
    ...g,
    dH,
    dW,
    padT: h.pad,
    padL: w.pad,
    mult,
    inZp: xq.zeroPoint,
    outZp: yq.zeroPoint,
    ...int8ActivationRange(fused, yq.scale, yq.zeroPoint),
    bias,
    scales: m,
    shift,
    w: i8Of(ctx, wt),
  });
  return [
    ctx.graph.op(x, {
      opcode: Opcode.ConvI8,
      flags: fixed ? STEP_FLAG_TFL_FIXED_POINT : 0,
      aux,
      // the i16 row, then (regular convolutions) one window's patch: src/ops/tfl-conv.ts convI8ScratchBytes
      scratchBytes: 2 * inH * inW * inC + (depthwise ? 0 : 2 * kH * kW * inC),
      shape,
      where: `operator ${ctx.op.index} (${depthwise ? "DEPTHWISE_CONV_2D" : "CONV_2D"})`,
    }),
  ];
}

TFLITE_OPS.set(Builtin.CONV_2D, (ctx) => lower(ctx, false));
TFLITE_OPS.set(Builtin.DEPTHWISE_CONV_2D, (ctx) => lower(ctx, true));
