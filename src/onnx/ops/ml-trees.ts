/**
 * ai.onnx.ml TreeEnsembleRegressor and TreeEnsembleClassifier (opsets 1 and 3: the plain and
 * the `*_as_tensor` attributes) as skl2onnx and onnxmltools write them: one TREES step (through
 * the generic Graph.op), then the classifier's label (ARGMAX: scikit-learn's first maximum, not
 * onnxruntime's binary threshold). Every BRANCH_* mode becomes TREES's (LT, EQ, NaN) bits, with
 * the children swapped for GT, GTE and NEQ; a double threshold is rounded to the f32 that
 * decides a float32 input as the double does. DAG-shaped trees pack as they are.
 */

import { Act, Opcode } from "../../format/abi.js";
import type { Label } from "../../format/types.js";
import { leafRef, packTrees, TREES_NAN_ROUTED, TreeAggregate, type TreeNode, type TreeRef } from "../../plan/trees.js";
import { type OnnxContext, prod, type Sym } from "../context.js";
import { DataType, type Tensor } from "../decode.js";
import { ML, type OnnxOpRegistry } from "../registry.js";

export function register(reg: OnnxOpRegistry): void {
  const ml = { domain: ML, sinceOpset: 1, batchFree: true } as const;
  reg.add({ ...ml, opType: "TreeEnsembleRegressor", lower: (ctx) => [regressor(ctx)] });
  reg.add({ ...ml, opType: "TreeEnsembleClassifier", lower: (ctx) => classifier(ctx) });
}

export const MODES = ["BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT", "BRANCH_EQ", "BRANCH_NEQ", "LEAF"] as const;
export type Mode = (typeof MODES)[number];

/** A float attribute or its `_as_tensor` form; `exact`: every value is an f32 (not a double tensor). */
function numbers(ctx: OnnxContext, name: string): { values: ArrayLike<number>; exact: boolean; given: boolean } {
  const plain = ctx.node.attrs.get(name),
    tensor = ctx.node.attrs.get(`${name}_as_tensor`) as Tensor | undefined;
  if (plain !== undefined && tensor !== undefined) ctx.refuse(`both ${name} and ${name}_as_tensor are given`);
  if (tensor !== undefined) {
    if (typeof tensor !== "object" || !(tensor.data instanceof Float64Array))
      ctx.refuse(`${name}_as_tensor must be a float or double tensor`);
    if (tensor.dataType !== DataType.FLOAT && tensor.dataType !== DataType.DOUBLE)
      ctx.refuse(`${name}_as_tensor must be a float or double tensor`);
    return { values: tensor.data, exact: tensor.dataType === DataType.FLOAT, given: true };
  }
  return { values: ctx.floats(name), exact: true, given: plain !== undefined };
}

const ints = (ctx: OnnxContext, name: string): number[] => ctx.intsAttr(name) ?? [];

/** The largest f32 ≤ t (t a double). */
function f32Down(t: number): number {
  const f = Math.fround(t);
  if (f <= t) return f;
  if (f === Infinity) return 3.4028234663852886e38;
  const b = new Float32Array([f]),
    u = new Uint32Array(b.buffer);
  if (f > 0) u[0]! -= 1;
  else if (Object.is(f, 0)) u[0] = 0x80000001;
  else u[0]! += 1;
  return b[0]!;
}

interface Weights {
  tree: number[];
  node: number[];
  id: number[];
  weight: ArrayLike<number>;
}

/**
 * The trees of a node as TREES wants them: its decision nodes, one weight vector of `nTargets`
 * per leaf, the roots in tree order; `aggregate` and the base values as given.
 */
function ensemble(
  ctx: OnnxContext,
  nFeatures: number,
  w: Weights,
  prefix: string,
  nTargets: number,
  agg: TreeAggregate,
) {
  // nodes_hitrates are a profiling hint: they change no prediction, so they are not read.
  const treeIds = ints(ctx, "nodes_treeids"),
    nodeIds = ints(ctx, "nodes_nodeids"),
    featureIds = ints(ctx, "nodes_featureids"),
    trueIds = ints(ctx, "nodes_truenodeids"),
    falseIds = ints(ctx, "nodes_falsenodeids"),
    missing = ints(ctx, "nodes_missing_value_tracks_true");
  const modes = (ctx.node.attrs.get("nodes_modes") as string[] | undefined) ?? [];
  const thresholds = numbers(ctx, "nodes_values");
  const n = treeIds.length;
  if (n === 0) ctx.refuse("no nodes (nodes_treeids is empty)");
  const lists: Array<[string, ArrayLike<unknown>]> = [
    ["nodes_nodeids", nodeIds],
    ["nodes_featureids", featureIds],
    ["nodes_modes", modes],
    ["nodes_truenodeids", trueIds],
    ["nodes_falsenodeids", falseIds],
    ["nodes_values", thresholds.values],
  ];
  for (const [name, a] of lists) if (a.length !== n) ctx.refuse(`${name} has ${a.length} values for ${n} nodes`);
  if (missing.length !== 0 && missing.length !== n)
    ctx.refuse(`nodes_missing_value_tracks_true has ${missing.length} values for ${n} nodes`);
  ctx.reserve(4 * n + nTargets * n, "nodes");

  // (tree, node id) → position in the attribute lists.
  const key = (t: number, id: number) => `${t}:${id}`;
  const at = new Map<string, number>();
  const trees: number[] = [];
  const seenTree = new Set<number>();
  for (let i = 0; i < n; i++) {
    const k = key(treeIds[i]!, nodeIds[i]!);
    if (at.has(k)) ctx.refuse(`tree ${treeIds[i]} has node ${nodeIds[i]} twice`);
    at.set(k, i);
    if (!seenTree.has(treeIds[i]!)) {
      seenTree.add(treeIds[i]!);
      trees.push(treeIds[i]!);
    }
    if (!MODES.includes(modes[i] as Mode))
      ctx.refuse(
        `nodes_modes[${i}] = ${JSON.stringify(modes[i])} (tree ${treeIds[i]} node ${nodeIds[i]}) is not supported (${MODES.join(", ")} are)`,
      );
  }
  // Decision nodes and leaves get their own numbers.
  const slot = new Int32Array(n);
  const positions: number[] = [];
  let nLeaves = 0;
  for (let i = 0; i < n; i++) slot[i] = modes[i] === "LEAF" ? leafRef(nLeaves++) : positions.push(i) - 1;
  const leaves = Array.from({ length: nLeaves }, () => new Float64Array(nTargets));
  const weighed = Array.from({ length: nLeaves }, () => new Uint8Array(nTargets));
  const where = (i: number) => `tree ${treeIds[i]} node ${nodeIds[i]}`;
  const child = (i: number, field: string, id: number): TreeRef => {
    const j = at.get(key(treeIds[i]!, id));
    if (j === undefined) ctx.refuse(`${field}[${i}] = ${id}: ${where(i)} points to a node its tree does not have`);
    return slot[j]!;
  };
  const nodes: TreeNode[] = positions.map((i) => {
    const feature = featureIds[i]!;
    if (!(feature >= 0 && feature < nFeatures))
      ctx.refuse(`nodes_featureids[${i}] = ${feature} (${where(i)}): the input has ${nFeatures} features`);
    const yes = child(i, "nodes_truenodeids", trueIds[i]!),
      no = child(i, "nodes_falsenodeids", falseIds[i]!);
    return decision(modes[i] as Mode, thresholds.values[i]!, thresholds.exact, missing[i] === 1, feature, yes, no);
  });
  // A tree's root is its first node in the lists, as onnxruntime takes it.
  const roots = trees.map((t) => slot[treeIds.indexOf(t)]!);

  const m = w.tree.length;
  for (const [name, a] of [
    [`${prefix}_nodeids`, w.node],
    [`${prefix}_ids`, w.id],
    [`${prefix}_weights`, w.weight],
  ] as const)
    if (a.length !== m) ctx.refuse(`${name} has ${a.length} values for ${m} ${prefix}_treeids`);
  for (let e = 0; e < m; e++) {
    const i = at.get(key(w.tree[e]!, w.node[e]!));
    if (i === undefined) ctx.refuse(`${prefix}_nodeids[${e}]: tree ${w.tree[e]} has no node ${w.node[e]}`);
    if (modes[i] !== "LEAF") ctx.refuse(`${prefix}_nodeids[${e}]: ${where(i)} is a ${modes[i]} node, not a LEAF`);
    const id = w.id[e]!;
    if (!(id >= 0 && id < nTargets)) ctx.refuse(`${prefix}_ids[${e}] = ${id} is not below ${nTargets}`);
    const leaf = -slot[i]! - 1;
    leaves[leaf]![id]! += w.weight[e]!;
    weighed[leaf]![id] = 1;
  }
  if (agg === TreeAggregate.Min || agg === TreeAggregate.Max)
    weighed.forEach((has, leaf) => {
      if (has.includes(0))
        ctx.refuse(`aggregate_function MIN/MAX with a leaf (the ${leaf + 1}th) that does not weigh every target`);
    });
  const packed = packTrees({ nodes, leaves, roots, nOut: nTargets }, (node, detail) =>
    ctx.refuse(`${where(positions[node]!)} ${detail}`),
  );
  return { ...packed, nTrees: trees.length, nanFlag: nanRouted(positions, missing) ? TREES_NAN_ROUTED : 0 };
}

/**
 * Does the model route missing values itself? Yes when nodes_missing_value_tracks_true is
 * given and at least one decision node's track is true: the exporter wrote the routes it
 * learned (XGBoost's and LightGBM's default directions, scikit-learn's missing_go_to_left),
 * and a track of 0 is then a learned route too (the false child: NaN < t is false), as
 * XGBoost's "default right" is. Per feature it cannot be told apart: a feature whose every
 * split defaults right has only zero tracks. All-zero or absent tracks (skl2onnx for a
 * scikit-learn model fitted before missing-value support) route nothing: that image still
 * refuses NaN rows, naming row and feature, unless loaded with allowNaN.
 */
export function nanRouted(decisions: number[], missing: number[]): boolean {
  return missing.length > 0 && decisions.some((i) => missing[i] === 1);
}

/** One ONNX decision node in TREES form (see src/ops/trees.ts). */
export function decision(
  mode: Mode,
  t: number,
  exact: boolean,
  missingTrue: boolean,
  feature: number,
  trueRef: TreeRef,
  falseRef: TreeRef,
): TreeNode {
  const equality = mode === "BRANCH_EQ" || mode === "BRANCH_NEQ";
  const inexact = !exact && Math.fround(t) !== t;
  // NaN thresholds compare false (NEQ true); a double no f32 equals is never equal.
  const never = Number.isNaN(t) || (inexact && equality);
  let lt = false,
    eq = false,
    swap: boolean,
    threshold = t;
  if (never) swap = mode === "BRANCH_NEQ";
  else if (inexact) {
    // x ≤ t ⟺ x ≤ down(t) and x < t ⟺ x ≤ down(t) for an f32 x when t is no f32; likewise > and ≥.
    threshold = f32Down(t);
    lt = eq = true;
    swap = mode === "BRANCH_GT" || mode === "BRANCH_GTE";
  } else {
    lt = mode === "BRANCH_LEQ" || mode === "BRANCH_LT" || mode === "BRANCH_GT" || mode === "BRANCH_GTE";
    eq = mode === "BRANCH_LEQ" || mode === "BRANCH_GT" || equality;
    swap = mode === "BRANCH_GT" || mode === "BRANCH_GTE" || mode === "BRANCH_NEQ";
  }
  // Where ONNX sends NaN: the true child when missing values track true, or for NEQ (NaN ≠ t).
  const nanTrue = missingTrue || mode === "BRANCH_NEQ";
  return {
    feature,
    threshold: never ? 0 : threshold,
    lt,
    eq,
    nan: swap ? !nanTrue : nanTrue,
    yes: swap ? falseRef : trueRef,
    no: swap ? trueRef : falseRef,
  };
}

function baseValues(ctx: OnnxContext, nTargets: number): Float64Array {
  const base = numbers(ctx, "base_values").values;
  if (base.length !== 0 && base.length !== nTargets)
    ctx.refuse(`base_values has ${base.length} values for ${nTargets} targets`);
  return Float64Array.from({ length: nTargets }, (_, k) => base[k] ?? 0);
}

const AGGREGATES: Record<string, TreeAggregate> = {
  SUM: TreeAggregate.Sum,
  AVERAGE: TreeAggregate.Average,
  MIN: TreeAggregate.Min,
  MAX: TreeAggregate.Max,
};

function postTransform(ctx: OnnxContext): Act {
  const post = ctx.attr("post_transform", "NONE");
  const act = (
    {
      NONE: Act.None,
      LOGISTIC: Act.Sigmoid,
      SOFTMAX: Act.Softmax,
      SOFTMAX_ZERO: Act.SoftmaxZero,
      PROBIT: Act.Probit,
    } as Record<string, Act>
  )[post];
  if (act === undefined) ctx.refuse(`post_transform ${post} is not NONE, LOGISTIC, SOFTMAX, SOFTMAX_ZERO or PROBIT`);
  return act;
}

function regressor(ctx: OnnxContext): Sym {
  const x = ctx.row(0);
  const aggName = ctx.attr("aggregate_function", "SUM");
  const agg = AGGREGATES[aggName];
  if (agg === undefined) ctx.refuse(`aggregate_function ${aggName} is not SUM, AVERAGE, MIN or MAX`);
  const w: Weights = {
    tree: ints(ctx, "target_treeids"),
    node: ints(ctx, "target_nodeids"),
    id: ints(ctx, "target_ids"),
    weight: numbers(ctx, "target_weights").values,
  };
  const nTargets = ctx.attr(
    "n_targets",
    w.id.reduce((a, b) => Math.max(a, b + 1), 1),
  );
  if (!(Number.isInteger(nTargets) && nTargets >= 1)) ctx.refuse(`n_targets ${nTargets} is not a positive integer`);
  const act = postTransform(ctx);
  const e = ensemble(ctx, prod(x.shape), w, "target", nTargets, agg);
  const v = ctx.graph.op(x.v, {
    opcode: Opcode.Trees,
    act,
    flags: agg | e.nanFlag,
    aux: e.aux,
    w: e.w,
    b: baseValues(ctx, nTargets),
    shape: [nTargets],
  });
  return { kind: "row", v, shape: [nTargets] };
}

/** Outputs the label (scikit-learn's argmax) and the scores, as onnxruntime names them (Y, Z). */
function classifier(ctx: OnnxContext): Array<Sym | undefined> {
  const x = ctx.row(0);
  const labels: Label[] =
    (ctx.node.attrs.get("classlabels_int64s") as number[] | undefined) ??
    (ctx.node.attrs.get("classlabels_strings") as string[] | undefined) ??
    [];
  if (labels.length === 0) ctx.refuse("no class labels (classlabels_int64s or classlabels_strings)");
  const w: Weights = {
    tree: ints(ctx, "class_treeids"),
    node: ints(ctx, "class_nodeids"),
    id: ints(ctx, "class_ids"),
    weight: numbers(ctx, "class_weights").values,
  };
  const nClasses = labels.length;
  // Binary with weights for one class only (skl2onnx's GradientBoostingClassifier, and its
  // DecisionTree and RandomForest): that is the second class's score s, and the scores are
  // [−s, s], [1 − s, s] when every weight is ≥ 0, or with LOGISTIC [1 − σ(s), σ(s)].
  const binary = nClasses === 2 && new Set(w.id).size === 1;
  let act = postTransform(ctx);
  if (binary && (act === Act.Softmax || act === Act.SoftmaxZero || act === Act.Probit))
    ctx.refuse(`post_transform ${ctx.attr("post_transform", "NONE")} on a binary classifier with one score`);
  const nTargets = binary ? 1 : nClasses;
  const e = ensemble(ctx, prod(x.shape), binary ? { ...w, id: w.id.map(() => 0) } : w, "class", nTargets, 0);
  let leaves = e.w,
    base = baseValues(ctx, nTargets);
  if (binary) {
    leaves = Float64Array.from({ length: 2 * e.w.length }, (_, i) => (i % 2 ? e.w[i >> 1]! : -e.w[i >> 1]!));
    // Weights that are all ≥ 0 without a transform are the second class's probability
    // (skl2onnx's DecisionTree and RandomForest keep class 1's weight only): [1 − s, s], as
    // onnxruntime computes it. Mixed signs are a score: [−s, s].
    const probability = act === Act.None && Array.from(w.weight).every((v) => v >= 0);
    base = Float64Array.of(probability ? 1 - base[0]! : -base[0]!, base[0]!);
    if (act === Act.Sigmoid) act = Act.LogisticPair;
  }
  // onnxruntime labels by the scores before the post transform: SOFTMAX_ZERO is not monotone
  // (a zero score stays 0 while a negative one gets a share), so the label reads the raw
  // scores and the transform is a step of its own after them.
  const labelFirst = act === Act.SoftmaxZero || act === Act.Probit;
  const scores = ctx.graph.op(x.v, {
    opcode: Opcode.Trees,
    act: labelFirst ? Act.None : act,
    flags: e.nanFlag,
    aux: e.aux,
    w: leaves,
    b: base,
    shape: [nClasses],
  });
  return [
    { kind: "row", v: ctx.graph.argmax(scores), shape: [], labels, index: true },
    { kind: "row", v: labelFirst ? ctx.graph.act(scores, act, 0, 0) : scores, shape: [nClasses], labels },
  ];
}
