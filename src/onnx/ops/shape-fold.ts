/**
 * The shape subgraphs of real exports, folded at pack time: Shape (of a row: the batch counts
 * as 1, so that x.view(x.size(0), -1) folds to a Reshape to [1, -1], which keeps the batch),
 * Gather, Slice and ConstantOfShape on constants; and Pad of a row (mode constant), one PAD
 * step in the row's layout. What depends on the row's values is refused by name.
 */
import { Opcode } from "../../format/abi.js";
import { padAux } from "../../plan/conv.js";
import { type OnnxContext, prod, type RowSym, type Sym } from "../context.js";
import { DataType, type Tensor } from "../decode.js";
import type { OnnxOpRegistry } from "../registry.js";
import { gatherOp } from "./pipeline.js";

export function register(reg: OnnxOpRegistry): void {
  const e = { domain: "", batchFree: true } as const;
  reg.add({ ...e, opType: "Shape", sinceOpset: 1, lower: (ctx) => [shape(ctx)] });
  reg.add({ ...e, opType: "Gather", sinceOpset: 1, lower: (ctx) => [gather(ctx)] });
  reg.add({ ...e, opType: "Slice", sinceOpset: 1, lower: (ctx) => [slice(ctx)] });
  reg.add({ ...e, opType: "ConstantOfShape", sinceOpset: 9, lower: (ctx) => [constantOfShape(ctx)] });
  reg.add({ domain: "", opType: "Pad", sinceOpset: 2, lower: (ctx) => [pad(ctx)] });
}

const int64 = (dims: number[], values: number[]): Sym => ({
  kind: "const",
  t: { name: "", dims, dataType: DataType.INT64, data: Float64Array.from(values) },
});

function shape(ctx: OnnxContext): Sym {
  const s = ctx.sym(0)!;
  let dims: number[];
  if (s.kind === "const") dims = s.t.dims;
  else if (s.kind === "row") dims = ctx.batched ? [1, ...s.shape] : s.shape;
  else return ctx.refuse("Shape of a quantized intermediate is not supported");
  const r = dims.length;
  const at = (a: number) => Math.min(r, Math.max(0, a < 0 ? a + r : a));
  const out = dims.slice(at(ctx.attr("start", 0)), at(ctx.attr("end", r)));
  return int64([out.length], out);
}

/** Strides of a row-major tensor. */
const strides = (dims: number[]) => dims.map((_, k) => prod(dims.slice(k + 1)));

function gather(ctx: OnnxContext): Sym {
  if (ctx.sym(0)!.kind !== "const") return gatherOp(ctx); // a row's elements: one GATHER step
  const data = ctx.constant(0, "data"),
    idx = ctx.constant(1, "indices");
  const r = data.dims.length;
  const axis = ctx.attr("axis", 0) < 0 ? ctx.attr("axis", 0) + r : ctx.attr("axis", 0);
  if (!(axis >= 0 && axis < r)) ctx.refuse(`axis ${ctx.attr("axis", 0)} is out of range for rank ${r}`);
  const n = data.dims[axis]!;
  const ix = Array.from(ctx.numeric(idx, "indices"), (i) => (i < 0 ? i + n : i));
  if (ix.some((i) => !(i >= 0 && i < n)))
    ctx.refuse(`an index of [${Array.from(idx.data as Float64Array)}] is outside 0..${n - 1}`);
  const outer = prod(data.dims.slice(0, axis)),
    inner = prod(data.dims.slice(axis + 1));
  const src = data.data;
  const out: Array<number | string> = [];
  for (let o = 0; o < outer; o++)
    for (const i of ix) for (let k = 0; k < inner; k++) out.push(src[(o * n + i) * inner + k]!);
  const dims = [...data.dims.slice(0, axis), ...idx.dims, ...data.dims.slice(axis + 1)];
  const t: Tensor = {
    ...data,
    dims,
    data: data.dataType === DataType.STRING ? (out as string[]) : Float64Array.from(out as number[]),
  };
  return { kind: "const", t };
}

function slice(ctx: OnnxContext): Sym {
  if (ctx.sym(0)!.kind !== "const")
    ctx.refuse("Slice of a row is not supported (only of constants, folded at pack time)");
  const data = ctx.constant(0, "data");
  const ints = (i: number, name: string) =>
    ctx.opset >= 10
      ? ctx.sym(i, true)
        ? Array.from(ctx.numeric(ctx.constant(i, name), name))
        : undefined
      : ctx.intsAttr(name);
  const starts = ints(1, "starts") ?? ctx.refuse("starts is missing"),
    ends = ints(2, "ends") ?? ctx.refuse("ends is missing");
  const r = data.dims.length;
  const axes = (ints(3, "axes") ?? starts.map((_, k) => k)).map((a) => (a < 0 ? a + r : a));
  const steps = ctx.opset >= 10 ? (ints(4, "steps") ?? starts.map(() => 1)) : starts.map(() => 1);
  const ranges = data.dims.map((d) => ({ from: 0, step: 1, n: d }));
  axes.forEach((a, k) => {
    const d = data.dims[a]!,
      st = steps[k]!;
    if (!(a >= 0 && a < r) || st === 0) ctx.refuse(`axis ${a} or step ${st} is not valid for rank ${r}`);
    const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v < 0 ? v + d : v));
    const from = st > 0 ? clamp(starts[k]!, 0, d) : clamp(starts[k]!, -1, d - 1);
    const to = st > 0 ? clamp(ends[k]!, 0, d) : clamp(ends[k]!, -1, d - 1);
    ranges[a] = { from, step: st, n: Math.max(0, Math.ceil((to - from) / st)) };
  });
  const dims = ranges.map((g) => g.n);
  const st = strides(data.dims);
  const out: Array<number | string> = [];
  const idx = new Array<number>(r).fill(0);
  for (let i = 0; i < prod(dims); i++) {
    let off = 0;
    for (let k = 0; k < r; k++) off += (ranges[k]!.from + idx[k]! * ranges[k]!.step) * st[k]!;
    out.push(data.data[off]!);
    for (let k = r - 1; k >= 0; k--) {
      if (++idx[k]! < dims[k]!) break;
      idx[k] = 0;
    }
  }
  const t: Tensor = {
    ...data,
    dims,
    data: data.dataType === DataType.STRING ? (out as string[]) : Float64Array.from(out as number[]),
  };
  return { kind: "const", t };
}

function constantOfShape(ctx: OnnxContext): Sym {
  const dims = Array.from(ctx.numeric(ctx.constant(0, "input"), "input"));
  if (dims.some((d) => !(Number.isSafeInteger(d) && d >= 0))) ctx.refuse(`shape [${dims}] is not a list of sizes`);
  ctx.reserve(prod(dims), "ConstantOfShape's tensor");
  const v = ctx.node.attrs.get("value") as Tensor | undefined;
  const value = v ? (v.data as Float64Array)[0]! : 0;
  return {
    kind: "const",
    t: { name: "", dims, dataType: v?.dataType ?? DataType.FLOAT, data: new Float64Array(prod(dims)).fill(value) },
  };
}

function pad(ctx: OnnxContext): Sym {
  if (ctx.attr("mode", "constant") !== "constant")
    ctx.refuse(`mode ${ctx.attr("mode", "constant")} is not supported (constant is)`);
  const x = ctx.rowAny(0);
  const r = x.shape.length;
  let pads: number[], value: number;
  if (ctx.opset < 11) {
    pads = ctx.intsAttr("pads") ?? ctx.refuse("pads is missing");
    value = ctx.attr("value", 0);
  } else {
    if (ctx.sym(3, true)) ctx.refuse("the axes input is not supported");
    pads = Array.from(ctx.numeric(ctx.constant(1, "pads"), "pads"));
    const c = ctx.sym(2, true) ? ctx.numeric(ctx.constant(2, "constant_value"), "constant_value") : undefined;
    value = c ? c[0]! : 0;
  }
  if (pads.length !== 2 * (r + 1)) ctx.refuse(`${pads.length} pads for a tensor of rank ${r + 1}`);
  if (pads.some((p) => !(Number.isInteger(p) && p >= 0)))
    ctx.refuse(`pads [${pads}] must be non-negative (cropping is not supported)`);
  if (pads[0] !== 0 || pads[r + 1] !== 0) ctx.refuse("padding the batch axis is not supported");
  const before = pads.slice(1, r + 1),
    after = pads.slice(r + 2);
  const out = x.shape.map((d, k) => d + before[k]! + after[k]!);
  // In the row's own layout: channels-last puts the channel axis last.
  const L = x.hwc ? [...x.shape.keys()].slice(1).concat(0) : [...x.shape.keys()];
  const phys = (a: number[]) => L.map((k) => a[k]!);
  if (r > 4) ctx.refuse(`Pad of a rank-${r + 1} tensor is not supported (up to 5 with the batch)`);
  ctx.graph.checkWidth(prod(out));
  const v = ctx.graph.op(x.v, {
    opcode: Opcode.Pad,
    alpha: Math.fround(value),
    aux: padAux(phys(x.shape), phys(before), phys(after)),
    shape: phys(out),
  });
  const res: RowSym = { kind: "row", v, shape: out, ...(x.hwc ? { hwc: true } : {}) };
  // Zeros around the spatial axes only (before[0] is the channels'): a window after it may take them as its pads.
  const spatialOnly = before[0] === 0 && after[0] === 0 && (r === 2 || r === 3);
  if (value === 0 && spatialOnly) res.padded = { x, pads: [...before.slice(1), ...after.slice(1)] };
  return res;
}
