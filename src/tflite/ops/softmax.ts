/**
 * SOFTMAX over the row: float (beta 1) as the softmax activation; int8 as SOFTMAX_I8 with the
 * table TFLite's optimized kernel builds (PopulateSoftmaxLookupTable: t[255 − d] = expf(−s·beta·d)).
 */
import { Act, Opcode } from "../../format/abi.js";
import { softmaxI8Aux } from "../aux.js";
import { Builtin } from "../builtins.js";
import type { TfliteContext } from "../context.js";
import { TFLITE_OPS } from "../registry.js";
import { TensorType } from "../schema.js";

// SoftmaxOptions: 0 beta:float.
TFLITE_OPS.set(Builtin.SOFTMAX, (ctx: TfliteContext) => {
  const { v: x, t: xt } = ctx.row(0);
  ctx.type(xt, "input", TensorType.FLOAT32, TensorType.INT8);
  const beta = ctx.op.options.float32(0, 0);
  if (x.shape.slice(0, -1).some((d) => d !== 1))
    ctx.refuse(`a softmax over the last axis of [${xt.shape}]: only one vector per row is supported`);
  if (xt.type === TensorType.FLOAT32) {
    if (beta !== 1) ctx.refuse(`beta ${beta}: only 1 is supported for float`);
    return [ctx.graph.act(x, Act.Softmax, 0, 0)];
  }
  const yt = ctx.type(ctx.output(), "output", TensorType.INT8);
  const xq = ctx.quant(xt, "input"),
    yq = ctx.quant(yt, "output");
  const s = Math.fround(-xq.scale * beta);
  const table = new Float32Array(256);
  for (let d = 0; d <= 255; d++) table[255 - d] = Math.exp(Math.fround(s * d));
  return [
    ctx.graph.op(x, { opcode: Opcode.SoftmaxI8, aux: softmaxI8Aux(table, yq.scale, yq.zeroPoint), shape: x.shape }),
  ];
});
