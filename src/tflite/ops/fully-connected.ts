/**
 * FULLY_CONNECTED: float onto DENSE (TFLite's weights are [nOut][nIn], edgeinfer's layout), int8
 * onto FC_I8 with TFLite's integer arithmetic. Hybrid layers (float input, int8 weights, which
 * TFLite runs by quantizing the row on the fly) are refused: their answer is not the float one.
 */
import { Opcode, STEP_FLAG_TFL_FIXED_POINT } from "../../format/abi.js";
import { fcI8Aux } from "../aux.js";
import { Builtin } from "../builtins.js";
import type { TfliteContext } from "../context.js";
import { int8ActivationRange, requantization } from "../quant.js";
import { TFLITE_OPS } from "../registry.js";
import { TensorType } from "../schema.js";
import { f32Of, i8Of, i32Of } from "../tensors.js";

// FullyConnectedOptions: 0 fused_activation_function, 1 weights_format, 2 keep_num_dims.
function lower(ctx: TfliteContext) {
  const { v: x, t: xt } = ctx.row(0);
  const wt = ctx.constant(1)!;
  const bt = ctx.constant(2, true);
  const yt = ctx.output();
  if (ctx.op.options.int8(1) !== 0) ctx.refuse("shuffled weights (weights_format) are not supported");
  if (wt.shape.length !== 2) ctx.refuse(`weights of shape [${wt.shape}]: need [nOut, nIn]`);
  const [nOut, nIn] = wt.shape as [number, number];
  if (x.width !== nIn)
    ctx.refuse(`a row of ${x.width} values into ${nIn} inputs: only one row per batch item is supported`);
  const fused = ctx.fused(0);
  const shape = ctx.rowShape(yt, "output");
  if (shape.reduce((a, b) => a * b, 1) !== nOut) ctx.refuse(`output shape [${yt.shape}] is not ${nOut} values`);
  if (xt.type === TensorType.FLOAT32) {
    ctx.type(wt, "weights", TensorType.FLOAT32);
    ctx.type(yt, "output", TensorType.FLOAT32);
    const w = Float64Array.from(f32Of(ctx, wt));
    const b = bt ? Float64Array.from(f32Of(ctx, ctx.type(bt, "bias", TensorType.FLOAT32))) : new Float64Array(nOut);
    if (b.length !== nOut) ctx.refuse(`bias of ${b.length} values for ${nOut} outputs`);
    return [ctx.graph.dense(x, w, b, nIn, nOut, { shape, ...ctx.floatAct(fused) })];
  }
  ctx.type(xt, "input", TensorType.INT8);
  ctx.type(wt, "weights", TensorType.INT8);
  ctx.type(yt, "output", TensorType.INT8);
  if (fused === "tanh") ctx.refuse("a fused tanh on an int8 output is not supported");
  const xq = ctx.quant(xt, "input"),
    yq = ctx.quant(yt, "output");
  const ws = wt.quant?.scale ?? [];
  if (!(ws.length === 1 || ws.length === nOut) || (ws.length > 1 && wt.quant!.quantizedDimension !== 0))
    ctx.refuse(`weights with ${ws.length} scales: need one, or one per output channel (dimension 0)`);
  if (wt.quant!.zeroPoint.some((z) => z !== 0)) ctx.refuse("int8 weights need zero points of 0 (symmetric)");
  const w = i8Of(ctx, wt);
  const bias = bt ? i32Of(ctx, ctx.type(bt, "bias", TensorType.INT32)) : new Int32Array(nOut);
  if (bias.length !== nOut) ctx.refuse(`bias of ${bias.length} values for ${nOut} outputs`);
  const { mult, shift, fixed } = requantization(ctx, xq.scale, ws, yq.scale, nOut);
  const range = int8ActivationRange(fused, yq.scale, yq.zeroPoint);
  const aux = fcI8Aux({ w, bias, mult, shift, nIn, nOut, inputZp: xq.zeroPoint, outZp: yq.zeroPoint, ...range });
  return [
    ctx.graph.op(x, {
      opcode: Opcode.FcI8,
      flags: fixed ? STEP_FLAG_TFL_FIXED_POINT : 0,
      aux,
      scratchBytes: 2 * Math.ceil(nIn / 8) * 8,
      shape,
      where: `operator ${ctx.op.index} (FULLY_CONNECTED)`,
    }),
  ];
}

TFLITE_OPS.set(Builtin.FULLY_CONNECTED, lower);
