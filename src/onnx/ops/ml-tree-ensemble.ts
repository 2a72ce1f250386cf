/**
 * ai.onnx.ml TreeEnsemble (opset 5): nodes in flat arrays with explicit leaf flags, one target
 * and one weight per leaf, tree_roots, modes as a uint8 tensor (0 LEQ, 1 LT, 2 GTE, 3 GT, 4 EQ,
 * 5 NEQ, 6 MEMBER) and the MEMBER sets in membership_values (NaN-separated, in node order).
 * One TREES step, as the opset-3 operators (ml-trees.ts), plus two rewrites at pack time:
 *
 * - MEMBER: a set {a, b, c} becomes a chain of EQ nodes, x == a → true, else x == b → true,
 *   else x == c → true, else false: the chain shares the true child, a DAG TREES walks as is.
 * - A tree with vector leaves has to be written as one copy per target (each leaf one weight).
 *   Copies that have the same shape (features, thresholds, modes, children) and weigh disjoint
 *   targets are merged back into one tree with vector leaves: the walk is done once.
 */

import { Act, Opcode } from "../../format/abi.js";
import { leafRef, packTrees, TREES_NAN_ROUTED, TreeAggregate, type TreeNode, type TreeRef } from "../../plan/trees.js";
import { type OnnxContext, prod, type Sym } from "../context.js";
import { DataType, type Tensor } from "../decode.js";
import { ML, type OnnxOpRegistry } from "../registry.js";
import { decision, MODES, nanRouted } from "./ml-trees.js";

export function register(reg: OnnxOpRegistry): void {
  reg.add({ domain: ML, sinceOpset: 5, batchFree: true, opType: "TreeEnsemble", lower: (ctx) => [treeEnsemble(ctx)] });
}

const MEMBER = 6;
const AGGREGATES = [TreeAggregate.Average, TreeAggregate.Sum, TreeAggregate.Min, TreeAggregate.Max];
const POSTS = [Act.None, Act.Softmax, Act.Sigmoid, Act.SoftmaxZero, Act.Probit];
const POST_NAMES = ["NONE", "SOFTMAX", "LOGISTIC", "SOFTMAX_ZERO", "PROBIT"];

function tensor(ctx: OnnxContext, name: string, optional = false): { data: Float64Array; type: number } | undefined {
  const t = ctx.node.attrs.get(name) as Tensor | undefined;
  if (t === undefined) {
    if (!optional) ctx.refuse(`attribute ${name} is missing`);
    return undefined;
  }
  if (typeof t !== "object" || !(t.data instanceof Float64Array)) ctx.refuse(`${name} must be a numeric tensor`);
  return { data: t.data, type: t.dataType };
}

function treeEnsemble(ctx: OnnxContext): Sym {
  const x = ctx.row(0);
  const nFeatures = prod(x.shape);
  const ints = (name: string) => ctx.intsAttr(name) ?? [];
  const featureIds = ints("nodes_featureids"),
    trueIds = ints("nodes_truenodeids"),
    trueLeaf = ints("nodes_trueleafs"),
    falseIds = ints("nodes_falsenodeids"),
    falseLeaf = ints("nodes_falseleafs"),
    missing = ints("nodes_missing_value_tracks_true"),
    targetIds = ints("leaf_targetids"),
    roots = ints("tree_roots");
  const splits = tensor(ctx, "nodes_splits")!,
    modes = tensor(ctx, "nodes_modes")!.data,
    weights = tensor(ctx, "leaf_weights")!.data,
    members = tensor(ctx, "membership_values", true)?.data ?? new Float64Array(0);
  if (splits.type !== DataType.FLOAT && splits.type !== DataType.DOUBLE)
    ctx.refuse("nodes_splits must be a float or double tensor (float16 is not supported)");
  const exact = splits.type === DataType.FLOAT;
  const n = featureIds.length;
  if (n === 0) ctx.refuse("no nodes (nodes_featureids is empty)");
  for (const [name, a] of [
    ["nodes_splits", splits.data],
    ["nodes_modes", modes],
    ["nodes_truenodeids", trueIds],
    ["nodes_trueleafs", trueLeaf],
    ["nodes_falsenodeids", falseIds],
    ["nodes_falseleafs", falseLeaf],
  ] as const)
    if (a.length !== n) ctx.refuse(`${name} has ${a.length} values for ${n} nodes`);
  if (missing.length !== 0 && missing.length !== n)
    ctx.refuse(`nodes_missing_value_tracks_true has ${missing.length} values for ${n} nodes`);
  const nLeaves = weights.length;
  if (targetIds.length !== nLeaves)
    ctx.refuse(`leaf_targetids has ${targetIds.length} values for ${nLeaves} leaf_weights`);
  const nTargets = ctx.attr("n_targets", 0);
  if (!(Number.isInteger(nTargets) && nTargets >= 1)) ctx.refuse(`n_targets ${nTargets} is not a positive integer`);
  const aggCode = ctx.attr("aggregate_function", 1),
    postCode = ctx.attr("post_transform", 0);
  const agg = AGGREGATES[aggCode],
    act = POSTS[postCode];
  if (agg === undefined) ctx.refuse(`aggregate_function ${aggCode} is not 0–3 (AVERAGE, SUM, MIN, MAX)`);
  if (act === undefined) ctx.refuse(`post_transform ${postCode} is not 0–4 (${POST_NAMES.join(", ")})`);
  if (roots.length === 0) ctx.refuse("no trees (tree_roots is empty)");
  ctx.reserve(4 * n + nTargets * nLeaves, "nodes");

  // The MEMBER sets, in node order.
  const sets = new Map<number, number[]>();
  let at = 0;
  for (let i = 0; i < n; i++) {
    if (modes[i] !== MEMBER) continue;
    if (at >= members.length)
      ctx.refuse(`nodes_modes[${i}] is MEMBER (node ${i}), but membership_values has no set left for it`);
    const set: number[] = [];
    while (at < members.length && !Number.isNaN(members[at]!)) set.push(members[at++]!);
    at++; // the NaN after the set
    sets.set(i, set);
  }

  // ONNX node i → IR node i (a MEMBER chain's first node); chain nodes after them.
  const nodes: TreeNode[] = new Array(n);
  const origin: number[] = Array.from({ length: n }, (_, i) => i);
  const ref = (i: number, field: string, id: number, leaf: number): TreeRef => {
    if (leaf === 1) {
      if (!(id >= 0 && id < nLeaves)) ctx.refuse(`${field}[${i}] = ${id} is not a leaf (there are ${nLeaves})`);
      return leafRef(id);
    }
    if (!(id >= 0 && id < n)) ctx.refuse(`${field}[${i}] = ${id} is not a node (there are ${n})`);
    return id;
  };
  for (let i = 0; i < n; i++) {
    const feature = featureIds[i]!;
    if (!(feature >= 0 && feature < nFeatures))
      ctx.refuse(`nodes_featureids[${i}] = ${feature} (node ${i}): the input has ${nFeatures} features`);
    const yes = ref(i, "nodes_truenodeids", trueIds[i]!, trueLeaf[i]!),
      no = ref(i, "nodes_falsenodeids", falseIds[i]!, falseLeaf[i]!);
    const mode = modes[i]!,
      nanTrue = missing[i] === 1;
    if (mode === MEMBER) {
      // A chain of EQ nodes that share the true child; NaN goes where the track says, on the first.
      const set = sets.get(i)!;
      const links = set.length === 0 ? [NaN] : set;
      let next: TreeRef = no;
      for (let k = links.length - 1; k >= 0; k--) {
        const node = decision("BRANCH_EQ", links[k]!, exact, k === 0 && nanTrue, feature, yes, next);
        if (k === 0) nodes[i] = node;
        else {
          next = nodes.push(node) - 1;
          origin.push(i);
        }
      }
    } else {
      const name = MODES[mode];
      if (name === undefined || name === "LEAF")
        ctx.refuse(`nodes_modes[${i}] = ${mode} (node ${i}) is not a mode (0–6: LEQ, LT, GTE, GT, EQ, NEQ, MEMBER)`);
      nodes[i] = decision(name, splits.data[i]!, exact, nanTrue, feature, yes, no);
    }
  }
  const rootRefs = roots.map((r, t) => {
    if (!(r >= 0 && r < n)) ctx.refuse(`tree_roots[${t}] = ${r} is not a node (there are ${n})`);
    return r;
  });

  // One-hot leaf vectors, then the per-target copies merged.
  const leaves = Array.from({ length: nLeaves }, (_, l) => {
    const k = targetIds[l]!;
    if (!(k >= 0 && k < nTargets)) ctx.refuse(`leaf_targetids[${l}] = ${k} is not below n_targets ${nTargets}`);
    const v = new Float64Array(nTargets);
    v[k] = weights[l]!;
    return v;
  });
  const refuse = (node: number, detail: string): never => ctx.refuse(`node ${origin[node]} ${detail}`);
  const merged = mergeCopies(nodes, leaves, rootRefs, nTargets, refuse);
  if (agg === TreeAggregate.Min || agg === TreeAggregate.Max)
    merged.covered.forEach((has, t) => {
      if (has.includes(0))
        ctx.refuse(
          `aggregate_function MIN/MAX with tree ${t} (after merging its per-target copies) not weighing every target`,
        );
    });
  // AVERAGE divides by the trees as written: after merging, a SUM of weights divided by that count.
  const scale = agg === TreeAggregate.Average ? 1 / roots.length : 1;
  const kept = reachableLeaves(nodes, merged.roots, merged.leaves);
  const packed = packTrees(
    { nodes, leaves: kept.leaves.map((v) => v.map((w) => w * scale)), roots: kept.roots, nOut: nTargets },
    refuse,
  );
  const decisions = Array.from({ length: n }, (_, i) => i);
  const v = ctx.graph.op(x.v, {
    opcode: Opcode.Trees,
    act,
    flags:
      (agg === TreeAggregate.Average ? TreeAggregate.Sum : agg) |
      (nanRouted(decisions, missing) ? TREES_NAN_ROUTED : 0),
    aux: packed.aux,
    w: packed.w,
    b: new Float64Array(nTargets),
    shape: [nTargets],
  });
  return { kind: "row", v, shape: [nTargets] };
}

/**
 * Trees of the same shape that weigh disjoint targets become one tree whose leaves sum theirs.
 * The shape is the pre-order walk from the root: each node's feature, threshold and bits, each
 * revisit of a shared node by its first position, each leaf by its position.
 */
function mergeCopies(
  nodes: TreeNode[],
  leaves: Float64Array[],
  roots: TreeRef[],
  nTargets: number,
  refuse: (node: number, detail: string) => never,
) {
  const groups = new Map<string, number[]>(); // shape → indices into out
  const out: Array<{ root: TreeRef; leafList: number[]; targets: Uint8Array; merged: boolean }> = [];
  const state = new Uint8Array(nodes.length);
  for (const root of roots) {
    const { shape, leafList } = walk(nodes, root, refuse, state);
    const targets = new Uint8Array(nTargets);
    for (const l of leafList) for (let k = 0; k < nTargets; k++) if (leaves[l]![k] !== 0) targets[k] = 1;
    const ids = groups.get(shape) ?? [];
    const into = ids.find((j) => !out[j]!.targets.some((has, k) => has && targets[k]));
    if (into === undefined) {
      groups.set(shape, [...ids, out.length]);
      out.push({ root, leafList, targets, merged: false });
      continue;
    }
    const g = out[into]!;
    g.merged = true;
    // Sum into fresh vectors (a leaf may be shared by two trees of the file).
    g.leafList = g.leafList.map((l, p) => {
      const v = Float64Array.from(leaves[l]!, (w, k) => w + leaves[leafList[p]!]![k]!);
      return leaves.push(v) - 1;
    });
    targets.forEach((has, k) => {
      if (has) g.targets[k] = 1;
    });
  }
  // Re-point each kept tree's leaves to its merged vectors: a copy of its nodes where needed.
  const merged: TreeRef[] = [];
  for (const g of out) merged.push(g.merged ? relink(nodes, g.root, g.leafList) : g.root);
  // Which targets each kept tree's every leaf weighs (MIN/MAX need all).
  const covered = out.map((g) => g.targets);
  return { roots: merged, leaves, covered };
}

/** The pre-order shape of the walk from a root and its leaves in first-visit order. */
function walk(nodes: TreeNode[], root: TreeRef, refuse: (node: number, detail: string) => never, state: Uint8Array) {
  const parts: string[] = [];
  const leafList: number[] = [];
  const seen = new Map<number, number>();
  const seenLeaf = new Map<number, number>();
  const f32 = new Float32Array(1),
    u32 = new Uint32Array(f32.buffer);
  // An explicit stack of refs; a node on the current path twice is a cycle.
  const stack: Array<TreeRef | "end"> = [root];
  const onPath = state;
  const path: number[] = [];
  while (stack.length > 0) {
    const r = stack.pop()!;
    if (r === "end") {
      onPath[path.pop()!] = 0;
      continue;
    }
    if (r < 0) {
      const l = -r - 1;
      const s = seenLeaf.get(l);
      if (s !== undefined) parts.push(`l${s}`);
      else {
        seenLeaf.set(l, leafList.length);
        parts.push("L");
        leafList.push(l);
      }
      continue;
    }
    if (r >= nodes.length || nodes[r] === undefined) refuse(path[path.length - 1] ?? r, `child ${r} does not exist`);
    if (onPath[r]) refuse(r, "is its own descendant (the tree has a cycle)");
    const s = seen.get(r);
    if (s !== undefined) {
      parts.push(`r${s}`);
      continue;
    }
    seen.set(r, seen.size);
    const node = nodes[r]!;
    f32[0] = node.threshold;
    parts.push(`n${node.feature},${u32[0]},${+node.lt}${+node.eq}${+node.nan}`);
    onPath[r] = 1;
    path.push(r);
    stack.push("end", node.no, node.yes);
  }
  return { shape: parts.join(" "), leafList };
}

/**
 * The tree from `root` with its leaves (in first-visit order) replaced by `leafList`: nodes
 * are copied, so a node shared with another kept tree keeps its own leaves there.
 */
function relink(nodes: TreeNode[], root: TreeRef, leafList: number[]): TreeRef {
  const copy = new Map<number, number>();
  const leafAt = new Map<number, number>();
  let nextLeaf = 0;
  const mapLeaf = (r: TreeRef): TreeRef => {
    const l = -r - 1;
    let p = leafAt.get(l);
    if (p === undefined) leafAt.set(l, (p = nextLeaf++));
    return leafRef(leafList[p]!);
  };
  if (root < 0) return mapLeaf(root);
  // Pre-order, as walk() numbered the leaves: yes before no.
  const stack: TreeRef[] = [root];
  const order: number[] = [];
  while (stack.length > 0) {
    const r = stack.pop()!;
    if (r < 0) {
      mapLeaf(r);
      continue;
    }
    if (copy.has(r)) continue;
    copy.set(r, nodes.push({ ...nodes[r]! }) - 1);
    order.push(r);
    stack.push(nodes[r]!.no, nodes[r]!.yes);
  }
  for (const r of order) {
    const c = nodes[copy.get(r)!]!;
    c.yes = c.yes < 0 ? mapLeaf(c.yes) : copy.get(c.yes)!;
    c.no = c.no < 0 ? mapLeaf(c.no) : copy.get(c.no)!;
  }
  return copy.get(root)!;
}

/** Only the leaves the roots reach (the one-hot vectors of merged copies are not), renumbered. */
function reachableLeaves(nodes: TreeNode[], roots: TreeRef[], leaves: Float64Array[]) {
  const slot = new Map<number, number>();
  const kept: Float64Array[] = [];
  const to = (r: TreeRef): TreeRef => {
    const l = -r - 1;
    let k = slot.get(l);
    if (k === undefined) {
      k = kept.push(leaves[l]!) - 1;
      slot.set(l, k);
    }
    return leafRef(k);
  };
  const done = new Set<number>();
  const stack = roots.filter((r) => r >= 0);
  while (stack.length > 0) {
    const r = stack.pop()!;
    if (done.has(r)) continue;
    done.add(r);
    const node = nodes[r]!;
    if (node.yes < 0) node.yes = to(node.yes);
    else stack.push(node.yes);
    if (node.no < 0) node.no = to(node.no);
    else stack.push(node.no);
  }
  return { roots: roots.map((r) => (r < 0 ? to(r) : r)), leaves: kept };
}
