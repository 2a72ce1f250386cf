/**
 * MaxPool, AveragePool (1-D and 2-D; pads, auto_pad, ceil_mode, count_include_pad,
 * dilations), GlobalAveragePool and GlobalMaxPool: one POOL step on a channels-last row.
 */
import { Opcode, PoolMode } from "../../format/abi.js";
import { poolAux } from "../../plan/conv.js";
import { type OnnxContext, prod, type Sym } from "../context.js";
import type { OnnxOpRegistry } from "../registry.js";
import { takePad, windowAttrs } from "./conv.js";

/** Pads a window may take: each narrower than the kernel (what POOL accepts). */
function foldable(ctx: OnnxContext, pads: number[]): boolean {
  const k = ctx.intsAttr("kernel_shape") ?? [];
  return pads.every((p, i) => p < (k[i % k.length] ?? 0));
}

export function register(reg: OnnxOpRegistry): void {
  reg.add({ domain: "", opType: "MaxPool", sinceOpset: 1, lower: (ctx, n) => [pool(ctx, n.outputs.length, false)] });
  reg.add({ domain: "", opType: "AveragePool", sinceOpset: 1, lower: (ctx) => [pool(ctx, 1, true)] });
  reg.add({ domain: "", opType: "GlobalAveragePool", sinceOpset: 1, lower: (ctx) => [globalPool(ctx, PoolMode.Avg)] });
  reg.add({ domain: "", opType: "GlobalMaxPool", sinceOpset: 1, lower: (ctx) => [globalPool(ctx, PoolMode.Max)] });
  reg.add({ domain: "", opType: "ReduceMean", sinceOpset: 1, lower: (ctx) => [reduceAsPool(ctx, PoolMode.Avg)] });
  reg.add({ domain: "", opType: "ReduceMax", sinceOpset: 1, lower: (ctx) => [reduceAsPool(ctx, PoolMode.Max)] });
}

function pool(ctx: OnnxContext, nOutputs: number, avg: boolean): Sym {
  if (nOutputs > 1 && ctx.node.outputs[1]) ctx.refuse("the Indices output of MaxPool is not supported");
  if (!avg && ctx.attr("storage_order", 0) !== 0) ctx.refuse("storage_order 1 is not supported");
  // A zero Pad before an AveragePool without pads of its own: its zeros count, as pads counted do.
  const taken = takePad(ctx);
  const ownPads = (ctx.intsAttr("pads") ?? []).some((p) => p !== 0);
  const fold = avg && taken.pads !== undefined && !ownPads && foldable(ctx, taken.pads);
  const x = ctx.channelsLast(fold ? taken.x : ctx.rowAny(0));
  const [C, ...spatial] = x.shape as [number, ...number[]];
  const win = windowAttrs(ctx, spatial, undefined, fold ? taken.pads : undefined);
  if (avg && (win.DH !== 1 || win.DW !== 1)) ctx.refuse("a dilated AveragePool is not supported");
  const countPad = fold || ctx.attr("count_include_pad", 0) !== 0;
  const mode = !avg ? PoolMode.Max : countPad ? PoolMode.AvgPad : PoolMode.Avg;
  const g = { C, ...win.geometry, PB: win.ah.padEnd, PR: win.aw.padEnd };
  const spanH = (g.KH - 1) * g.DH + 1,
    spanW = (g.KW - 1) * g.DW + 1;
  if (g.PT >= spanH || g.PB >= spanH || g.PL >= spanW || g.PR >= spanW)
    ctx.refuse(`pads [${g.PT}, ${g.PL}, ${g.PB}, ${g.PR}] reach past the ${spanH}×${spanW} window`);
  const v = ctx.graph.op(x.v, { opcode: Opcode.Pool, act: mode, aux: poolAux(g), shape: [g.OH, g.OW, C] });
  return { kind: "row", v, shape: [C, ...win.outSpatial], hwc: true };
}

function globalPool(ctx: OnnxContext, mode: PoolMode): Sym {
  const x = ctx.channelsLast(ctx.rowAny(0));
  const [C, ...spatial] = x.shape as [number, ...number[]];
  const S = spatial.reduce((a, b) => a * b, 1);
  // The spatial axes as one: a window over all of them.
  const g = { C, H: 1, W: S, OH: 1, OW: 1, KH: 1, KW: S, SH: 1, SW: 1, PT: 0, PL: 0, DH: 1, DW: 1, PB: 0, PR: 0 };
  const v = ctx.graph.op(x.v, { opcode: Opcode.Pool, act: mode, aux: poolAux(g), shape: [C] });
  // [C, 1, 1]: the same elements in either layout.
  return { kind: "row", v, shape: [C, ...spatial.map(() => 1)] };
}

/**
 * ReduceMean / ReduceMax over every axis of the row but one (tf2onnx's GlobalAveragePooling2D on
 * NHWC: axes [1, 2]), or over all of them: a global POOL with the kept axis as its channels.
 */
function reduceAsPool(ctx: OnnxContext, mode: PoolMode): Sym {
  const x = ctx.rowAny(0);
  const r = x.shape.length;
  const given =
    ctx.opset >= 18 && ctx.sym(1, true)
      ? Array.from(ctx.numeric(ctx.constant(1, "axes"), "axes"))
      : (ctx.intsAttr("axes") ?? (ctx.opset >= 18 && ctx.attr("noop_with_empty_axes", 0) ? [] : undefined));
  if (given?.length === 0) ctx.refuse("noop_with_empty_axes with no axes is not supported");
  const axes = (given ?? Array.from({ length: r + 1 }, (_, k) => k)).map((a) => ctx.axis(a, r + 1));
  if (axes.includes(0))
    ctx.refuse(
      given
        ? "reducing over the batch axis is not supported"
        : "no axes: reducing over every axis, the batch included, is not supported",
    );
  const reduced = new Set(axes.map((a) => a - 1));
  const kept = x.shape.map((_, k) => k).filter((k) => !reduced.has(k));
  if (kept.length > 1) ctx.refuse(`reducing over axes [${given}] of [N, ${x.shape}] leaves more than one axis`);
  const keepdims = ctx.attr("keepdims", 1) !== 0;
  const out = keepdims ? x.shape.map((d, k) => (reduced.has(k) ? 1 : d)) : kept.map((k) => x.shape[k]!);
  // The physical dims, and the kept axis moved last (a view when it is already there).
  const L = x.hwc ? [...x.shape.keys()].slice(1).concat(0) : [...x.shape.keys()];
  const dims = L.map((k) => x.shape[k]!);
  const C = kept.length === 1 ? x.shape[kept[0]!]! : 1;
  const at = kept.length === 1 ? L.indexOf(kept[0]!) : dims.length - 1;
  const order = [...dims.keys()].filter((k) => k !== at).concat(kept.length === 1 ? [at] : []);
  const v0 = kept.length === 1 ? ctx.graph.transpose(x.v, dims, order) : x.v;
  const S = prod(x.shape) / C;
  const g = { C, H: 1, W: S, OH: 1, OW: 1, KH: 1, KW: S, SH: 1, SW: 1, PT: 0, PL: 0, DH: 1, DW: 1, PB: 0, PR: 0 };
  const v = ctx.graph.op(v0, { opcode: Opcode.Pool, act: mode, aux: poolAux(g), shape: [C] });
  return { kind: "row", v: ctx.graph.reshape(v, out.length ? out : [1]), shape: out };
}
