/**
 * ADD of two int8 activations of one shape: the planner's concat puts b after a in one row, then
 * ADD_I8 with XNNPACK's multipliers (xnn_init_qs8_add_minmax_scalar_params: the scales a/out and
 * b/out in f32, 20 bits for the larger, rounded half to even). Float: BINARY (./conv-float.ts).
 * Broadcasting and constants are refused.
 */
import { Opcode } from "../../format/abi.js";
import { Builtin } from "../builtins.js";
import type { TfliteContext } from "../context.js";
import { int8ActivationRange } from "../quant.js";
import { TFLITE_OPS } from "../registry.js";
import { TensorType } from "../schema.js";
import { floatAdd } from "./conv-float.js";

const roundHalfEven = (v: number) => {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

// AddOptions: 0 fused_activation_function.
TFLITE_OPS.set(Builtin.ADD, (ctx: TfliteContext) => {
  const { v: a, t: at } = ctx.row(0);
  const { v: b, t: bt } = ctx.row(1);
  const yt = ctx.output();
  if (at.type === TensorType.FLOAT32) {
    ctx.type(bt, "input 1", TensorType.FLOAT32);
    if (a.shape.join() !== b.shape.join())
      ctx.refuse(`shapes [${at.shape}] and [${bt.shape}]: only equal shapes are supported (no broadcasting)`);
    return floatAdd(ctx, a, b);
  }
  for (const [t, what] of [
    [at, "input 0"],
    [bt, "input 1"],
    [yt, "output"],
  ] as const)
    ctx.type(t, what, TensorType.INT8);
  if (a.shape.join() !== b.shape.join())
    ctx.refuse(`shapes [${at.shape}] and [${bt.shape}]: only equal shapes are supported (no broadcasting)`);
  const fused = ctx.fused(0);
  if (fused === "tanh") ctx.refuse("a fused tanh on an int8 output is not supported");
  const aq = ctx.quant(at, "input 0"),
    bq = ctx.quant(bt, "input 1"),
    yq = ctx.quant(yt, "output");
  const sa = Math.fround(aq.scale / yq.scale),
    sb = Math.fround(bq.scale / yq.scale);
  const big = Math.max(sa, sb);
  if (!(big >= 2 ** -10 && big < 2 ** 8)) ctx.refuse(`scale ratio ${big} outside XNNPACK's [2^-10, 2^8)`);
  const shift = 20 - Math.floor(Math.log2(big)); // the f32 exponent of the larger ratio: exact for an f32 in range
  const ma = roundHalfEven(sa * 2 ** shift),
    mb = roundHalfEven(sb * 2 ** shift);
  const bias = (2 ** (shift - 1) - ma * aq.zeroPoint - mb * bq.zeroPoint) | 0;
  const { lo, hi } = int8ActivationRange(fused, yq.scale, yq.zeroPoint);
  const aux = new Uint8Array(Int32Array.of(bias, ma, mb, shift, yq.zeroPoint, lo, hi, 0).buffer);
  const ab = ctx.graph.concat([a, b]);
  return [ctx.graph.op(ab, { opcode: Opcode.AddI8, aux, shape: a.shape })];
});
