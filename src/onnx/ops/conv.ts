/**
 * Conv (1-D and 2-D; groups, depthwise included; strides, pads, auto_pad, dilations) and
 * Transpose. A convolution runs channels-last: its input is made so (a transpose the passes
 * fold away between convolutions), its result is a channels-last row. A Transpose that only
 * renames the layout (NCHW ↔ NHWC, as tf2onnx writes around convolutions) is a view.
 */
import { permSource } from "../../graph/ir.js";
import type { ConvGeometry } from "../../plan/conv.js";
import { type OnnxContext, prod, type RowSym, type Sym } from "../context.js";
import type { Tensor } from "../decode.js";
import type { OnnxOpRegistry } from "../registry.js";

export function register(reg: OnnxOpRegistry): void {
  reg.add({ domain: "", opType: "Conv", sinceOpset: 1, lower: (ctx) => [conv(ctx)] });
  reg.add({ domain: "", opType: "Transpose", sinceOpset: 1, lower: (ctx) => [transpose(ctx)] });
}

/** One spatial axis: output size and the pad before it (the pad after is what remains). */
export interface Axis {
  out: number;
  padBegin: number;
  padEnd: number;
}

/** Output size and pads of one spatial axis, as ONNX defines them (auto_pad, pads, ceil_mode). */
export function spatialAxis(
  ctx: OnnxContext,
  size: number,
  kernel: number,
  stride: number,
  dilation: number,
  pads: [number, number],
  autoPad: string,
  ceil = false,
): Axis {
  const span = (kernel - 1) * dilation + 1;
  if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
    const out = Math.ceil(size / stride);
    const total = Math.max(0, (out - 1) * stride + span - size);
    const small = Math.floor(total / 2);
    const padBegin = autoPad === "SAME_UPPER" ? small : total - small;
    return { out, padBegin, padEnd: total - padBegin };
  }
  const [pb, pe] = autoPad === "VALID" ? [0, 0] : pads;
  if (autoPad !== "VALID" && autoPad !== "NOTSET") ctx.refuse(`auto_pad ${JSON.stringify(autoPad)} is not supported`);
  const room = size + pb + pe - span;
  if (room < 0) ctx.refuse(`the window (${span} wide, dilated) is larger than the padded input (${size + pb + pe})`);
  let out = (ceil ? Math.ceil(room / stride) : Math.floor(room / stride)) + 1;
  // ceil_mode: the last window must start inside the input or its leading pad.
  if (ceil && (out - 1) * stride >= size + pb) out--;
  return { out, padBegin: pb, padEnd: pe };
}

/** Kernel, strides, dilations and pads of a 1-D or 2-D window on [C, ...spatial]. */
export function windowAttrs(ctx: OnnxContext, spatial: number[], kernel: number[] | undefined, extraPads?: number[]) {
  const r = spatial.length;
  if (r < 1 || r > 2) ctx.refuse(`${r}-D ${ctx.node.opType} is not supported (1-D and 2-D are)`);
  const k = kernel ?? ctx.intsAttr("kernel_shape") ?? ctx.refuse("kernel_shape is missing");
  const strides = ctx.intsAttr("strides") ?? new Array(r).fill(1);
  const dilations = ctx.intsAttr("dilations") ?? new Array(r).fill(1);
  const own = ctx.intsAttr("pads") ?? new Array(2 * r).fill(0);
  const pads = extraPads ? own.map((p, i) => p + (extraPads[i] ?? 0)) : own;
  if (k.length !== r || strides.length !== r || dilations.length !== r || pads.length !== 2 * r)
    ctx.refuse(`kernel_shape, strides, dilations and pads do not match ${r} spatial axes`);
  if ([...k, ...strides, ...dilations].some((v) => !(Number.isInteger(v) && v >= 1)))
    ctx.refuse("kernel_shape, strides and dilations must be positive");
  if (pads.some((p) => !(Number.isInteger(p) && p >= 0))) ctx.refuse(`pads [${pads}] must be non-negative`);
  const autoPad = ctx.attr("auto_pad", "NOTSET");
  const ceil = ctx.attr("ceil_mode", 0) !== 0;
  const axes = spatial.map((size, i) =>
    spatialAxis(ctx, size, k[i]!, strides[i]!, dilations[i]!, [pads[i]!, pads[i + r]!], autoPad, ceil),
  );
  // 1-D runs as 2-D with H = 1.
  const one: Axis = { out: 1, padBegin: 0, padEnd: 0 };
  const [ah, aw] = r === 1 ? [one, axes[0]!] : [axes[0]!, axes[1]!];
  const two = (v: number[], fill: number) => (r === 1 ? [fill, v[0]!] : v);
  const [KH, KW] = two(k, 1) as [number, number];
  const [SH, SW] = two(strides, 1) as [number, number];
  const [DH, DW] = two(dilations, 1) as [number, number];
  const [H, W] = two(spatial, 1) as [number, number];
  // The fields every window geometry has (ConvGeometry, POOL's), channels aside.
  const geometry = { H, W, OH: ah.out, OW: aw.out, KH, KW, SH, SW, PT: ah.padBegin, PL: aw.padBegin, DH, DW };
  return { H, W, KH, KW, SH, SW, DH, DW, ah, aw, geometry, outSpatial: axes.map((a) => a.out) };
}

/** A zero Pad before a window without auto_pad: the unpadded row and the pads to add. */
export function takePad(ctx: OnnxContext): { x: RowSym; pads?: number[] } {
  const raw = ctx.rowAny(0);
  if (!raw.padded || ctx.attr("auto_pad", "NOTSET") !== "NOTSET") return { x: raw };
  return { x: raw.padded.x, pads: raw.padded.pads };
}

function conv(ctx: OnnxContext): Sym {
  const taken = takePad(ctx);
  const x = ctx.channelsLast(taken.x);
  const wt = ctx.constant(1, "W");
  const [C, ...spatial] = x.shape as [number, ...number[]];
  const G = ctx.attr("group", 1);
  if (wt.dims.length !== spatial.length + 2)
    ctx.refuse(`W of shape [${wt.dims}] does not fit an input [N, ${x.shape}]`);
  const [M, Cg] = wt.dims as [number, number];
  if (!(G >= 1 && C % G === 0 && M % G === 0 && Cg === C / G))
    ctx.refuse(`group ${G}: W [${wt.dims}] does not fit ${C} input channels`);
  const win = windowAttrs(ctx, spatial, wt.dims.slice(2), taken.pads);
  const g: ConvGeometry = { C, M, G, ...win.geometry };
  const w = ctx.numeric(wt, "W");
  ctx.finiteWeights(w, prod(wt.dims.slice(1)));
  const bt = ctx.sym(2, true) ? ctx.constant(2, "B") : undefined;
  const b = bt ? Float64Array.from(ctx.numeric(bt, "B")) : new Float64Array(M);
  if (b.length !== M) ctx.refuse(`B has ${b.length} values for ${M} output channels`);
  ctx.reserve(w.length + M, "convolution weights");
  const v = ctx.graph.conv(x.v, g, Float64Array.from(w), b, ctx.node.name || undefined);
  return { kind: "row", v, shape: [M, ...win.outSpatial], hwc: true };
}

function transpose(ctx: OnnxContext): Sym {
  const s = ctx.sym(0)!;
  if (s.kind === "const") return transposeConst(ctx, s.t);
  const x = ctx.rowAny(0);
  const r = x.shape.length;
  const full = ctx.intsAttr("perm") ?? [0, ...Array.from({ length: r }, (_, k) => r - k)];
  if (full.length !== r + 1 || [...full].sort((a, b) => a - b).join() !== full.map((_, k) => k).join())
    ctx.refuse(`perm [${full}] is not a permutation of the ${r + 1} axes`);
  if (full[0] !== 0) ctx.refuse("a Transpose that moves the batch axis is not supported");
  const p = full.slice(1).map((a) => a - 1);
  const out = p.map((a) => x.shape[a]!);
  if (x.hwc) {
    // Physical axes of a channels-last row: the spatial ones, then the channels.
    const L = [...x.shape.keys()].slice(1).concat(0);
    const v = ctx.graph.transpose(
      x.v,
      L.map((a) => x.shape[a]!),
      p.map((a) => L.indexOf(a)),
    );
    return { kind: "row", v, shape: out };
  }
  // NHWC → NCHW: the result, read channels-last, is the input as it lies: a view.
  if (r >= 2 && [...p.slice(1), p[0]!].every((a, k) => a === k))
    return { kind: "row", v: ctx.graph.reshape(x.v, [...out.slice(1), out[0]!]), shape: out, hwc: true };
  return { kind: "row", v: ctx.graph.transpose(x.v, x.shape, p), shape: out };
}

/** A constant's axes permuted at pack time (a weight written transposed). */
function transposeConst(ctx: OnnxContext, t: Tensor): Sym {
  const r = t.dims.length;
  const perm = ctx.intsAttr("perm") ?? Array.from({ length: r }, (_, k) => r - 1 - k);
  if (perm.length !== r || [...perm].sort((a, b) => a - b).join() !== perm.map((_, k) => k).join())
    ctx.refuse(`perm [${perm}] is not a permutation of the ${r} axes`);
  const from = permSource({ dims: t.dims, axes: perm });
  const data = Array.from(from, (i) => t.data[i]!);
  const dims = perm.map((a) => t.dims[a]!);
  return {
    kind: "const",
    t: { ...t, dims, data: typeof data[0] === "string" ? (data as string[]) : Float64Array.from(data as number[]) },
  };
}
