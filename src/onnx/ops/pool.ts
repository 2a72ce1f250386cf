/**
 * MaxPool, AveragePool (1-D and 2-D; pads, auto_pad, ceil_mode, count_include_pad,
 * dilations), GlobalAveragePool and GlobalMaxPool: one POOL step on a channels-last row.
 */
import { Opcode, PoolMode } from "../../format/abi.js";
import { poolAux } from "../../plan/conv.js";
import type { OnnxContext, Sym } from "../context.js";
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
  const g = {
    C,
    H: win.H,
    W: win.W,
    OH: win.ah.out,
    OW: win.aw.out,
    KH: win.KH,
    KW: win.KW,
    SH: win.SH,
    SW: win.SW,
    PT: win.ah.padBegin,
    PL: win.aw.padBegin,
    DH: win.DH,
    DW: win.DW,
    PB: win.ah.padEnd,
    PR: win.aw.padEnd,
  };
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
