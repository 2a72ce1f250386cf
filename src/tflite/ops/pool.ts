/**
 * AVERAGE_POOL_2D and MAX_POOL_2D, int8: POOL_I8 on NHWC rows (input and output quantized alike, as
 * TFLite requires); float: POOL (./conv-float.ts).
 */
import { Opcode } from "../../format/abi.js";
import { poolI8Aux } from "../aux.js";
import { Builtin } from "../builtins.js";
import type { TfliteContext } from "../context.js";
import { int8ActivationRange } from "../quant.js";
import { TFLITE_OPS } from "../registry.js";
import { TensorType } from "../schema.js";
import { floatPool } from "./conv-float.js";
import { axis } from "./window.js";

// Pool2DOptions: 0 padding, 1 stride_w, 2 stride_h, 3 filter_width, 4 filter_height, 5 activation.
function lower(ctx: TfliteContext, isMax: boolean) {
  const { v: x, t: xt } = ctx.row(0);
  const yt = ctx.output();
  if (xt.type === TensorType.FLOAT32) return floatPool(ctx, isMax, x);
  ctx.type(xt, "input", TensorType.INT8);
  ctx.type(yt, "output", TensorType.INT8);
  const o = ctx.op.options;
  const fused = ctx.fused(5);
  if (fused === "tanh") ctx.refuse("a fused tanh on an int8 output is not supported");
  if (x.shape.length !== 3) ctx.refuse(`input of shape [${xt.shape}]: need [1, H, W, C]`);
  const [inH, inW, c] = x.shape as [number, number, number];
  const kW = o.int32(3),
    kH = o.int32(4);
  if (!(kW >= 1 && kH >= 1)) ctx.refuse(`filter ${kH}×${kW}: need ≥ 1`);
  const h = axis(ctx, o.int8(0), inH, kH, o.int32(2), 1),
    w = axis(ctx, o.int8(0), inW, kW, o.int32(1), 1);
  const shape = ctx.rowShape(yt, "output");
  if (shape.join() !== [h.out, w.out, c].join())
    ctx.refuse(`output shape [${yt.shape}] is not the [1, ${h.out}, ${w.out}, ${c}] TFLite computes`);
  const xq = ctx.quant(xt, "input"),
    yq = ctx.quant(yt, "output");
  if (xq.scale !== yq.scale || xq.zeroPoint !== yq.zeroPoint)
    ctx.refuse("input and output quantized differently (TFLite requires the same scale and zero point)");
  const { lo, hi } = int8ActivationRange(fused, yq.scale, yq.zeroPoint);
  const aux = poolI8Aux([
    inH,
    inW,
    c,
    h.out,
    w.out,
    kH,
    kW,
    o.int32(2),
    o.int32(1),
    h.pad,
    w.pad,
    isMax ? 1 : 0,
    lo,
    hi,
  ]);
  return [ctx.graph.op(x, { opcode: Opcode.PoolI8, aux, shape })];
}

TFLITE_OPS.set(Builtin.AVERAGE_POOL_2D, (ctx) => lower(ctx, false));
TFLITE_OPS.set(Builtin.MAX_POOL_2D, (ctx) => lower(ctx, true));
