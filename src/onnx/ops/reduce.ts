/** Operators over the whole row: Softmax, LogSoftmax, ArgMax. */

import { Act } from "../../format/abi.js";
import type { OnnxContext, Sym } from "../context.js";
import type { OnnxNode } from "../decode.js";
import type { OnnxOpRegistry } from "../registry.js";

export function register(reg: OnnxOpRegistry): void {
  reg.add({ domain: "", opType: "Softmax", sinceOpset: 1, lower: (ctx, n) => [softmax(ctx, n, Act.Softmax)] });
  reg.add({ domain: "", opType: "LogSoftmax", sinceOpset: 1, lower: (ctx, n) => [softmax(ctx, n, Act.LogSoftmax)] });
  reg.add({ domain: "", opType: "ArgMax", sinceOpset: 1, lower: (ctx) => [argmax(ctx)] });
}

function softmax(ctx: OnnxContext, _n: OnnxNode, act: Act): Sym {
  const x = ctx.row(0);
  const rank = x.shape.length + 1;
  const axis = ctx.axis(ctx.attr("axis", ctx.opset < 13 ? 1 : -1), rank);
  // Before opset 13 the input is flattened to 2-D at axis; from 13 it is one axis. Either
  // way it is edgeinfer's row softmax when it covers the whole row.
  const coversRow = ctx.opset < 13 ? axis === 1 : x.shape.every((d, k) => k + 1 === axis || d === 1);
  if (axis === 0 || !coversRow) ctx.refuse(`softmax along axis ${axis} of [N, ${x.shape}] is not over the whole row`);
  return { kind: "row", v: ctx.graph.act(x.v, act, 0, 0), shape: x.shape };
}

function argmax(ctx: OnnxContext): Sym {
  const x = ctx.row(0);
  const axis = ctx.axis(ctx.attr("axis", 0), x.shape.length + 1);
  if (ctx.attr("select_last_index", 0) !== 0) ctx.refuse("select_last_index = 1 is not supported");
  if (axis === 0 || x.shape.some((d, k) => k + 1 !== axis && d !== 1))
    ctx.refuse(`argmax along axis ${axis} of [N, ${x.shape}] is not over the whole row`);
  const keep = ctx.attr("keepdims", 1) !== 0;
  const shape = keep ? x.shape.map((d, k) => (k + 1 === axis ? 1 : d)) : x.shape.filter((_, k) => k + 1 !== axis);
  return { kind: "row", v: ctx.graph.argmax(x.v), shape, index: true };
}
