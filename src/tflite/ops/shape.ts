/** RESHAPE: the same row under the output tensor's shape (a view: no step). */
import { Builtin } from "../builtins.js";
import type { TfliteContext } from "../context.js";
import { TFLITE_OPS } from "../registry.js";

TFLITE_OPS.set(Builtin.RESHAPE, (ctx: TfliteContext) => {
  const { v: x, t: xt } = ctx.row(0);
  const yt = ctx.output();
  if (yt.type !== xt.type) ctx.refuse("the output's type differs from the input's");
  if (JSON.stringify(yt.quant) !== JSON.stringify(xt.quant))
    ctx.refuse("the output's quantization differs from the input's");
  const shape = ctx.rowShape(yt, "output");
  if (shape.reduce((a, b) => a * b, 1) !== x.width)
    ctx.refuse(`[${yt.shape}] does not hold the ${x.width} values of a row`);
  return [ctx.graph.reshape(x, shape)];
});
