/** SOFTMAX (float, beta 1, over the row): the fused softmax activation. int8 softmax is refused. */
import { Act } from "../../format/abi.js";
import { Builtin } from "../builtins.js";
import type { TfliteContext } from "../context.js";
import { TFLITE_OPS } from "../registry.js";
import { TensorType } from "../schema.js";

// SoftmaxOptions: 0 beta:float.
TFLITE_OPS.set(Builtin.SOFTMAX, (ctx: TfliteContext) => {
  const { v: x, t: xt } = ctx.row(0);
  ctx.type(xt, "input", TensorType.FLOAT32);
  const beta = ctx.op.options.float32(0, 0);
  if (beta !== 1) ctx.refuse(`beta ${beta}: only 1 is supported`);
  if (x.shape.slice(0, -1).some((d) => d !== 1))
    ctx.refuse(`a softmax over the last axis of [${xt.shape}]: only one vector per row is supported`);
  return [ctx.graph.act(x, Act.Softmax, 0, 0)];
});
