/**
 * QUANTIZE (float32 → int8) and DEQUANTIZE (int8 → float32) at a model's float interface, as
 * XNNPACK converts: QUANTIZE is clamp(nearest_even(x · fl(1/scale)) + zp) (the QUANTIZE step's
 * multiply mode), DEQUANTIZE is (x − zp) · scale (DEQUANT_I8). int8 → int8 requantization and
 * other types are refused.
 */
import { Opcode, QuantMode } from "../../format/abi.js";
import { Builtin } from "../builtins.js";
import type { TfliteContext } from "../context.js";
import { TFLITE_OPS } from "../registry.js";
import { TensorType } from "../schema.js";

TFLITE_OPS.set(Builtin.QUANTIZE, (ctx: TfliteContext) => {
  const { v: x, t: xt } = ctx.row(0);
  const yt = ctx.output();
  ctx.type(xt, "input", TensorType.FLOAT32);
  ctx.type(yt, "output", TensorType.INT8);
  const q = ctx.quant(yt, "output");
  const inv = Math.fround(1 / Math.fround(q.scale));
  return [
    ctx.graph.quantize(
      x,
      QuantMode.Multiply,
      new Float64Array(x.width).fill(inv),
      new Float64Array(x.width).fill(q.zeroPoint),
      -128,
      127,
    ),
  ];
});

TFLITE_OPS.set(Builtin.DEQUANTIZE, (ctx: TfliteContext) => {
  const { v: x, t: xt } = ctx.row(0);
  const yt = ctx.output();
  ctx.type(xt, "input", TensorType.INT8);
  ctx.type(yt, "output", TensorType.FLOAT32);
  const q = ctx.quant(xt, "input");
  return [ctx.graph.op(x, { opcode: Opcode.DequantI8, alpha: q.zeroPoint, beta: q.scale, shape: x.shape })];
});
