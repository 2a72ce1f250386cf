/**
 * ai.onnx.ml operators as skl2onnx emits them: Scaler (an affine step), Normalizer,
 * LinearRegressor and LinearClassifier (dense layers), ZipMap and ArrayFeatureExtractor
 * (labels attached to the outputs, no step).
 */

import { Act, Norm } from "../../format/abi.js";
import type { Label } from "../../format/types.js";
import { type OnnxContext, prod, type Sym } from "../context.js";
import { DataType, type OnnxNode } from "../decode.js";
import { ML, type OnnxOpRegistry } from "../registry.js";
import { gatherRow } from "./pipeline.js";

export function register(reg: OnnxOpRegistry): void {
  // Row-wise on whatever the row is: allowed without a batch dimension too.
  const ml = { domain: ML, sinceOpset: 1, batchFree: true } as const;
  reg.add({ ...ml, opType: "LinearClassifier", lower: (ctx) => linearClassifier(ctx) });
  reg.add({ ...ml, opType: "LinearRegressor", lower: (ctx) => [linearRegressor(ctx)] });
  reg.add({ ...ml, opType: "Scaler", lower: (ctx) => [scaler(ctx)] });
  reg.add({ ...ml, opType: "Normalizer", lower: (ctx) => [normalizer(ctx)] });
  reg.add({ ...ml, opType: "ArrayFeatureExtractor", lower: (ctx) => [arrayFeatureExtractor(ctx)] });
  reg.add({ ...ml, opType: "ZipMap", lower: (ctx, n) => [zipMap(ctx, n)] });
}

function scaler(ctx: OnnxContext): Sym {
  const x = ctx.row(0);
  const f = prod(x.shape);
  const offset = ctx.floats("offset"),
    scale = ctx.floats("scale");
  const pick = (a: number[], i: number, d: number) => (a.length === 0 ? d : a.length === 1 ? a[0]! : a[i]!);
  for (const [name, a] of [
    ["offset", offset],
    ["scale", scale],
  ] as const) {
    if (a.length > 1 && a.length !== f) ctx.refuse(`${name} has ${a.length} values for ${f} features`);
  }
  const s = Float64Array.from({ length: f }, (_, i) => pick(scale, i, 1));
  const t = Float64Array.from({ length: f }, (_, i) => -pick(offset, i, 0) * s[i]!);
  return { kind: "row", v: ctx.graph.affine(x.v, s, t), shape: x.shape };
}

function normalizer(ctx: OnnxContext): Sym {
  const x = ctx.row(0);
  const norm = ctx.attr("norm", "MAX");
  const kind = ({ MAX: Norm.Max, L1: Norm.L1, L2: Norm.L2 } as Record<string, Norm>)[String(norm)];
  if (kind === undefined) ctx.refuse(`norm ${JSON.stringify(norm)} is not MAX, L1 or L2`);
  return { kind: "row", v: ctx.graph.normalize(x.v, kind), shape: x.shape, labels: x.labels };
}

function linearRegressor(ctx: OnnxContext): Sym {
  const x = ctx.row(0);
  const f = prod(x.shape);
  const targets = ctx.attr("targets", 1);
  const post = ctx.attr("post_transform", "NONE");
  if (post !== "NONE") ctx.refuse(`post_transform ${post} is not supported`);
  const coef = ctx.floats("coefficients"),
    icpt = ctx.floats("intercepts");
  if (coef.length !== targets * f) ctx.refuse(`${coef.length} coefficients for ${targets} targets × ${f} features`);
  const b = Float64Array.from({ length: targets }, (_, i) => icpt[i] ?? 0);
  return { kind: "row", v: ctx.graph.dense(x.v, Float64Array.from(coef), b, f, targets), shape: [targets] };
}

function zipMap(ctx: OnnxContext, n: OnnxNode): Sym {
  const x = ctx.row(0);
  const labels: Label[] =
    (n.attrs.get("classlabels_int64s") as number[] | undefined) ??
    (n.attrs.get("classlabels_strings") as string[] | undefined) ??
    [];
  if (labels.length !== prod(x.shape)) ctx.refuse(`${labels.length} class labels for ${prod(x.shape)} columns`);
  return { ...x, labels };
}

function arrayFeatureExtractor(ctx: OnnxContext): Sym {
  const data = ctx.sym(0)!,
    idx = ctx.sym(1)!;
  if (data.kind === "const" && idx.kind === "row") {
    if (!idx.index) ctx.refuse("indices must be class indices (from ArgMax)");
    const t = data.t;
    const labels: Label[] = t.dataType === DataType.STRING ? (t.data as string[]) : Array.from(t.data as Float64Array);
    return { ...idx, labels };
  }
  if (data.kind === "row" && idx.kind === "const") {
    // Columns picked by constant indices along the last axis (skl2onnx's ColumnTransformer).
    const t = idx.t;
    if (data.shape.length === 0) ctx.refuse("the input has no feature dimension");
    return gatherRow(ctx, data, data.shape.length - 1, Array.from(ctx.numeric(t, "indices")), [prod(t.dims)]);
  }
  return ctx.refuse(
    "only constant classes indexed by an ArgMax, or a row's columns picked by constant indices, are supported",
  );
}

/** ai.onnx.ml LinearClassifier, as onnxruntime computes it: outputs the label and the scores. */
function linearClassifier(ctx: OnnxContext): Array<Sym | undefined> {
  const x = ctx.row(0);
  const f = prod(x.shape);
  const coef = ctx.floats("coefficients"),
    icpt = ctx.floats("intercepts");
  const labels: Label[] =
    (ctx.node.attrs.get("classlabels_ints") as number[] | undefined) ??
    (ctx.node.attrs.get("classlabels_strings") as string[] | undefined) ??
    [];
  const post = String(ctx.attr("post_transform", "NONE"));
  const rows = coef.length / f;
  if (!Number.isInteger(rows) || rows < 1)
    ctx.refuse(`${coef.length} coefficients are not a whole number of rows of ${f} features`);
  if (labels.length === 0) ctx.refuse("no class labels");
  if (icpt.length !== 0 && icpt.length !== rows)
    ctx.refuse(`${icpt.length} intercepts for ${rows} rows of coefficients`);
  let w = Float64Array.from(coef),
    b = Float64Array.from({ length: rows }, (_, i) => icpt[i] ?? 0),
    nOut = rows;
  if (rows === 1 && labels.length === 2) {
    // Binary with one score s: onnxruntime writes [−s, s] (NONE) or [σ(−s), σ(s)] (LOGISTIC),
    // and the label is the second class when s > 0.
    w = Float64Array.from([...coef.map((v) => -v), ...coef]);
    b = Float64Array.of(-b[0]!, b[0]!);
    nOut = 2;
  } else if (rows !== labels.length) {
    ctx.refuse(`${rows} rows of coefficients for ${labels.length} classes`);
  }
  const act = ({ NONE: Act.None, LOGISTIC: Act.Sigmoid, SOFTMAX: Act.Softmax } as Record<string, Act>)[post];
  if (act === undefined) ctx.refuse(`post_transform ${post} is not supported (NONE, LOGISTIC, SOFTMAX are)`);
  const scores = ctx.graph.act(ctx.graph.dense(x.v, w, b, f, nOut), act, 0, 0);
  const label = ctx.graph.argmax(scores);
  return [
    { kind: "row", v: label, shape: [], labels, index: true },
    { kind: "row", v: scores, shape: [nOut], labels },
  ];
}
