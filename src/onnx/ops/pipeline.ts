/**
 * The column plumbing and encoders of skl2onnx's pipelines: ONNX Gather with constant indices
 * (a GATHER step), ai.onnx.ml FeatureVectorizer (inputs side by side), Binarizer (the binarize
 * activation), OneHotEncoder (a ONE_HOT step, numeric categories) and LabelEncoder of numbers
 * (a ONE_HOT over the keys and a dense layer of the values).
 */

import { Act, Opcode, STEP_FLAG_ONEHOT_NAN_UNKNOWN } from "../../format/abi.js";
import { type OnnxContext, prod, type RowSym, type Sym } from "../context.js";
import { DataType } from "../decode.js";
import { ML, type OnnxOpRegistry } from "../registry.js";

/** Integers f32 holds exactly: categories and indices past this are refused. */
const F32_EXACT = 2 ** 24;

export function register(reg: OnnxOpRegistry): void {
  reg.add({ domain: "", opType: "Gather", sinceOpset: 1, lower: (ctx) => [gatherOp(ctx)] });
  const ml = { domain: ML, sinceOpset: 1, batchFree: true } as const;
  reg.add({ ...ml, opType: "FeatureVectorizer", lower: (ctx) => [featureVectorizer(ctx)] });
  reg.add({ ...ml, opType: "Binarizer", lower: (ctx) => [binarizer(ctx)] });
  reg.add({ ...ml, opType: "OneHotEncoder", lower: (ctx) => [oneHotEncoder(ctx)] });
  reg.add({ ...ml, opType: "LabelEncoder", lower: (ctx) => [labelEncoder(ctx)] });
}

/**
 * Elements of a row of `shape` picked along row axis `ax` (0 = the first dim after the batch)
 * by the constant `indices` (negative ones count from the end): ONNX Gather's result.
 */
export function gatherRow(ctx: OnnxContext, x: RowSym, ax: number, indices: number[], idxDims: number[]): Sym {
  const dim = x.shape[ax]!;
  const idx = indices.map((i) => {
    const k = i < 0 ? i + dim : i;
    if (!Number.isInteger(k) || k < 0 || k >= dim) ctx.refuse(`index ${i} is out of range for a dimension of ${dim}`);
    return k;
  });
  const outer = prod(x.shape.slice(0, ax)),
    inner = prod(x.shape.slice(ax + 1));
  const shape = [...x.shape.slice(0, ax), ...idxDims, ...x.shape.slice(ax + 1)];
  ctx.reserve(prod(shape), "the gathered columns");
  const index = new Int32Array(prod(shape));
  let j = 0;
  for (let o = 0; o < outer; o++)
    for (const k of idx) for (let i = 0; i < inner; i++) index[j++] = (o * dim + k) * inner + i;
  return { kind: "row", v: ctx.graph.gather(x.v, index, shape), shape, ...(x.int === undefined ? {} : { int: x.int }) };
}

function gatherOp(ctx: OnnxContext): Sym {
  const x = ctx.row(0, true);
  const t = ctx.constant(1, "indices");
  const rank = x.shape.length + 1;
  const ax = ctx.axis(ctx.attr("axis", 0), rank);
  if (ax === 0) ctx.refuse("Gather along the batch axis (axis 0) picks rows, not features; only axis ≥ 1 is supported");
  return gatherRow(ctx, x, ax - 1, Array.from(ctx.numeric(t, "indices")), t.dims);
}

/** FeatureVectorizer: the inputs side by side, each with its `inputdimensions` columns. */
function featureVectorizer(ctx: OnnxContext): Sym {
  const dims = ctx.intsAttr("inputdimensions") ?? [];
  const parts = ctx.node.inputs.map((_, i) => ctx.row(i, true));
  if (dims.length !== parts.length) ctx.refuse(`${dims.length} inputdimensions for ${parts.length} inputs`);
  parts.forEach((p, i) => {
    if (prod(p.shape) !== dims[i])
      ctx.refuse(
        `input ${i} has ${prod(p.shape)} values per row, inputdimensions says ${dims[i]} (truncating or zero-padding is not supported)`,
      );
  });
  const width = dims.reduce((a, b) => a + b, 0);
  const v = parts.length === 1 ? parts[0]!.v : ctx.graph.concat(parts.map((p) => p.v));
  return { kind: "row", v: ctx.graph.reshape(v, [width]), shape: [width] };
}

/** Binarizer: x > threshold ? 1 : 0 (the threshold as the f32 the attribute holds). */
function binarizer(ctx: OnnxContext): Sym {
  const x = ctx.row(0, true);
  const t = ctx.attr("threshold", 0);
  if (Number.isNaN(t)) ctx.refuse("threshold is NaN");
  return { kind: "row", v: ctx.graph.act(x.v, Act.Binarize, Math.fround(t), 0), shape: x.shape };
}

/** OneHotEncoder with cats_int64s: every element becomes one indicator per category (the last dim). */
function oneHotEncoder(ctx: OnnxContext): Sym {
  if (ctx.node.attrs.has("cats_strings"))
    ctx.refuse(
      "string categories (cats_strings) are not supported: edgeinfer rows are numbers; encode the strings as integers before the model (e.g. OrdinalEncoder) and fit the OneHotEncoder on those",
    );
  const cats = ctx.intsAttr("cats_int64s");
  if (!cats || cats.length === 0) ctx.refuse("no categories (cats_int64s)");
  const bad = cats.find((c) => Math.abs(c) > F32_EXACT);
  if (bad !== undefined) ctx.refuse(`category ${bad} is beyond 2^24, which float32 rows cannot hold exactly`);
  const x = ctx.row(0, true);
  if (x.int === undefined)
    ctx.refuse(
      "the input is a float tensor; the ONNX-ML OneHotEncoder compares integers (skl2onnx casts to int64 first)",
    );
  const zeros = ctx.attr("zeros", 1);
  const k = cats.length;
  ctx.reserve(k, "cats_int64s");
  const shape = [...x.shape, k];
  const v = ctx.graph.op(x.v, {
    opcode: Opcode.OneHot,
    w: Float64Array.from(cats),
    flags: zeros === 0 ? STEP_FLAG_ONEHOT_NAN_UNKNOWN : 0,
    shape,
  });
  return { kind: "row", v, shape };
}

/**
 * LabelEncoder of numbers (opset 2+: keys_int64s / keys_floats → values_int64s /
 * values_floats, a default for the others): a ONE_HOT over the keys, then a dense layer of
 * (value − default) with the default as its bias. Exact: one indicator is 1, the others add
 * zeros, and pack checks that (value − default) + default rounds back to each value in f32.
 */
function labelEncoder(ctx: OnnxContext): Sym {
  const a = ctx.node.attrs;
  for (const k of ["keys_strings", "values_strings", "keys_tensor", "values_tensor"])
    if (a.has(k))
      ctx.refuse(
        `${k}: only numeric keys and values (keys_int64s / keys_floats → values_int64s / values_floats) are supported; encode strings before the model`,
      );
  if (ctx.opset < 2) ctx.refuse("opset-1 LabelEncoder maps strings and integers; numbers need opset 2");
  const keys = (a.get("keys_int64s") ?? a.get("keys_floats")) as number[] | undefined;
  const values = (a.get("values_int64s") ?? a.get("values_floats")) as number[] | undefined;
  if (!keys || !values || keys.length === 0) ctx.refuse("no keys or values");
  if (keys.length !== values.length) ctx.refuse(`${keys.length} keys for ${values.length} values`);
  const intValues = a.has("values_int64s");
  const fallback = intValues ? ctx.attr("default_int64", -1) : ctx.attr("default_float", -0);
  const f32 = Math.fround;
  keys.forEach((k, i) => {
    if (f32(k) !== k || (a.has("keys_int64s") && Math.abs(k) > F32_EXACT))
      ctx.refuse(`key ${k} is not exactly a float32 value (rows are float32)`);
    const v = values[i]!;
    if (f32(f32(f32(v) - f32(fallback)) + f32(fallback)) !== f32(v) || Object.is(f32(v), -0))
      ctx.refuse(`value ${v} for key ${k} would not come back exactly next to the default ${fallback}`);
  });
  if (new Set(keys).size !== keys.length) ctx.refuse("a key appears twice");
  const x = ctx.row(0, true);
  const n = prod(x.shape),
    k = keys.length;
  ctx.reserve(k + n * n * k, "the keys and their values");
  const hot = ctx.graph.op(x.v, { opcode: Opcode.OneHot, w: Float64Array.from(keys), shape: [n * k] });
  // Element i's value: its k indicators · (values − default), plus the default.
  const w = new Float64Array(n * n * k);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < k; j++) w[i * n * k + i * k + j] = f32(f32(values[j]!) - f32(fallback));
  const y = ctx.graph.dense(hot, w, new Float64Array(n).fill(fallback), n * k, n, { shape: x.shape });
  return { kind: "row", v: y, shape: x.shape, ...(intValues ? { int: DataType.INT64 } : {}) };
}
