/**
 * Shape operators: Flatten, Reshape, Squeeze, Unsqueeze (views: the row's elements stay where
 * they are), Concat (rows side by side) and Constant. A constant's shape changes at pack time.
 */

import { type OnnxContext, prod, type RowSym, type Sym } from "../context.js";
import { DataType, type Tensor } from "../decode.js";
import type { OnnxOpRegistry } from "../registry.js";

export function register(reg: OnnxOpRegistry): void {
  reg.add({ domain: "", opType: "Flatten", sinceOpset: 1, lower: (ctx) => [flatten(ctx)] });
  reg.add({ domain: "", opType: "Reshape", sinceOpset: 5, lower: (ctx) => [reshape(ctx)] });
  reg.add({ domain: "", opType: "Squeeze", sinceOpset: 1, lower: (ctx) => [squeeze(ctx, true)] });
  reg.add({ domain: "", opType: "Unsqueeze", sinceOpset: 1, lower: (ctx) => [squeeze(ctx, false)] });
  reg.add({ domain: "", opType: "Concat", sinceOpset: 4, lower: (ctx) => [concat(ctx)] });
  reg.add({
    domain: "",
    opType: "Constant",
    sinceOpset: 1,
    batchFree: true,
    lower: (ctx) => [{ kind: "const", t: constantAttr(ctx) }],
  });
}

/** The row under a new shape: the same IR value seen through a reshape view. */
function view(ctx: OnnxContext, x: RowSym, shape: number[]): RowSym {
  return { ...x, v: ctx.graph.reshape(x.v, shape), shape };
}

function flatten(ctx: OnnxContext): Sym {
  const x = ctx.row(0);
  const axis = ctx.axis(ctx.attr("axis", 1), x.shape.length + 1);
  if (axis === 0) ctx.refuse("Flatten at axis 0 mixes the batch into the row");
  // [N, a, b, c] at axis 2 → [N·a, b·c]: a new batch, unless a is 1.
  if (prod(x.shape.slice(0, axis - 1)) !== 1)
    ctx.refuse(`Flatten at axis ${axis} of [N, ${x.shape}] changes the batch`);
  return view(ctx, x, [prod(x.shape)]);
}

function concat(ctx: OnnxContext): Sym {
  const axis = ctx.attr("axis", 1);
  if (ctx.node.inputs.length === 0) ctx.refuse("Concat needs at least one input");
  const parts = ctx.node.inputs.map((_, i) => ctx.row(i, true));
  const int = parts[0]!.int;
  if (parts.some((p) => p.int !== int))
    ctx.refuse("the inputs mix integer and float tensors (ONNX Concat takes one type)");
  const rank = parts[0]!.shape.length + 1;
  const ax = ctx.axis(axis, rank);
  if (ax !== rank - 1 || parts.some((p) => p.shape.length !== rank - 1 || p.shape.slice(0, -1).some((d) => d !== 1))) {
    ctx.refuse(`concatenation along axis ${axis} is supported for [N, k] rows only`);
  }
  const width = parts.reduce((w, p) => w + p.shape[p.shape.length - 1]!, 0);
  const v = ctx.graph.concat(parts.map((p) => p.v));
  return {
    kind: "row",
    v: ctx.graph.reshape(v, [...parts[0]!.shape.slice(0, -1), width]),
    shape: [...parts[0]!.shape.slice(0, -1), width],
    ...(int === undefined ? {} : { int }),
  };
}

function reshape(ctx: OnnxContext): Sym {
  const x = ctx.plain(0);
  const target = Array.from(ctx.numeric(ctx.constant(1, "shape"), "shape"));
  if (x.kind === "const") {
    const dims = resolveShape(target, x.t.dims);
    if (!dims.every((d) => Number.isSafeInteger(d) && d >= 0) || prod(dims) !== prod(x.t.dims))
      ctx.refuse(`reshape of a constant of shape [${x.t.dims}] to [${target}] changes its size`);
    return { kind: "const", t: { ...x.t, dims } };
  }
  const width = prod(x.shape);
  const allowZero = ctx.attr("allowzero", 0) !== 0;
  // Dim 0 of the result must still be the batch: 0 (copy), −1 with a fixed rest, or the rest
  // multiplying to the row width.
  let rest: number[];
  if (target.length === 1 && (target[0] === -1 || target[0] === 0)) {
    if (width !== 1) ctx.refuse(`reshape of [N, ${x.shape}] to [${target}] merges the row into the batch`);
    rest = [];
  } else {
    const first = target[0]!;
    if (first === 0 && allowZero) ctx.refuse("allowzero with a 0 batch dimension is not supported");
    rest = target
      .slice(1)
      .map((d, k) =>
        d === 0 && !allowZero ? (x.shape[k] ?? ctx.refuse("shape 0 copies a dimension the input lacks")) : d,
      );
    const unknown = rest.filter((d) => d === -1).length;
    if (unknown > 1 || (unknown === 1 && first === -1)) ctx.refuse(`shape [${target}] leaves the row size ambiguous`);
    if (unknown === 1) {
      const known = prod(rest.filter((d) => d !== -1));
      if (width % known !== 0) ctx.refuse(`cannot reshape a row of ${width} to [${target}]`);
      rest = rest.map((d) => (d === -1 ? width / known : d));
    }
    if (prod(rest) !== width)
      ctx.refuse(`reshape of [N, ${x.shape}] to [${target}] changes the row size (${width} → ${prod(rest)})`);
    if (first !== 0 && first !== -1 && first !== 1) ctx.refuse(`shape [${target}] fixes the batch to ${first}`);
  }
  return view(ctx, x, rest);
}

/** A constant's new dims: 0 copies the old dimension, −1 takes what is left. */
function resolveShape(target: number[], from: number[]): number[] {
  const total = prod(from);
  const out = target.map((d, k) => (d === 0 ? from[k]! : d));
  const known = prod(out.filter((d) => d !== -1));
  return out.map((d) => (d === -1 ? total / known : d));
}

function squeeze(ctx: OnnxContext, isSqueeze: boolean): Sym {
  const x = ctx.plain(0);
  const axesInput = ctx.opset >= 13 ? ctx.sym(1, true) : undefined;
  let axes: number[] | undefined =
    ctx.opset >= 13
      ? axesInput
        ? Array.from(ctx.numeric(ctx.constant(1, "axes"), "axes"))
        : undefined
      : ctx.intsAttr("axes");
  if (x.kind === "const") {
    const dims = [...x.t.dims];
    if (isSqueeze)
      return {
        kind: "const",
        t: {
          ...x.t,
          dims: axes
            ? dims.filter((_, k) => !axes!.map((a) => (a < 0 ? a + dims.length : a)).includes(k))
            : dims.filter((d) => d !== 1),
        },
      };
    const rank = dims.length + (axes?.length ?? 0);
    for (const a of (axes ?? []).map((a) => (a < 0 ? a + rank : a)).sort((p, q) => p - q)) dims.splice(a, 0, 1);
    return { kind: "const", t: { ...x.t, dims } };
  }
  const full = [-1, ...x.shape];
  if (isSqueeze) {
    if (!axes) axes = full.map((d, k) => (k > 0 && d === 1 ? k : -1)).filter((k) => k > 0);
    const ax = axes.map((a) => ctx.axis(a, full.length));
    if (ax.includes(0)) ctx.refuse("squeezing the batch dimension is not supported");
    for (const a of ax) if (full[a] !== 1) ctx.refuse(`axis ${a} has size ${full[a]}, not 1`);
    return view(
      ctx,
      x,
      full.filter((_, k) => k > 0 && !ax.includes(k)),
    );
  }
  if (!axes) ctx.refuse("Unsqueeze needs axes");
  const rank = full.length + axes.length;
  const ax = axes.map((a) => (a < 0 ? a + rank : a)).sort((p, q) => p - q);
  if (ax.includes(0)) ctx.refuse("unsqueezing before the batch dimension is not supported");
  const out = [...full];
  for (const a of ax) out.splice(a, 0, 1);
  return view(ctx, x, out.slice(1));
}

function constantAttr(ctx: OnnxContext): Tensor {
  const a = ctx.node.attrs;
  const v = a.get("value");
  if (v && typeof v === "object" && "dims" in (v as object)) return v as Tensor;
  if (a.has("value_float"))
    return { name: "", dims: [], dataType: DataType.FLOAT, data: Float64Array.of(a.get("value_float") as number) };
  if (a.has("value_floats")) {
    const f = a.get("value_floats") as number[];
    return { name: "", dims: [f.length], dataType: DataType.FLOAT, data: Float64Array.from(f) };
  }
  if (a.has("value_int"))
    return { name: "", dims: [], dataType: DataType.INT64, data: Float64Array.of(a.get("value_int") as number) };
  if (a.has("value_ints")) {
    const f = a.get("value_ints") as number[];
    return { name: "", dims: [f.length], dataType: DataType.INT64, data: Float64Array.from(f) };
  }
  return ctx.refuse("Constant needs a value, value_float(s) or value_int(s) attribute");
}
