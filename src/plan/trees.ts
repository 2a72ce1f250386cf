/**
 * Packs a tree ensemble into the TREES step's tensors (the layout is in src/ops/trees.ts): the
 * decision nodes in pre-order with the true child right after its parent and every child after
 * all its parents (a DAG's shared child is stored once), unreachable nodes dropped, identical
 * leaf vectors stored once. Importers (ONNX, later XGBoost's JSON) describe the trees
 * with their own node numbers; this file owns the bytes.
 */
import {
  TREE_FEATURE_MAX,
  TREE_MODE_EQ,
  TREE_MODE_LT,
  TREE_MODE_NAN,
  TREE_NODE_BYTES,
  TREES_HEADER_BYTES,
  TREES_MAX_DEPTH,
  treesAuxBytes,
} from "../ops/trees.js";

export { TREES_NAN_ROUTED, TreeAggregate } from "../ops/trees.js";

/** A child or root: a node index (≥ 0) or a leaf, −(leaf index) − 1. */
export type TreeRef = number;
export const leafRef = (leaf: number): TreeRef => -leaf - 1;

/** One decision node, already in TREES form: true when (lt and x < t) or (eq and x == t) or (nan and x is NaN). */
export interface TreeNode {
  feature: number;
  /** An f32 value (or NaN: never equal, never below). */
  threshold: number;
  lt: boolean;
  eq: boolean;
  nan: boolean;
  yes: TreeRef;
  no: TreeRef;
}

export interface TreeEnsemble {
  nodes: TreeNode[];
  /** One vector of nOut weights per leaf. */
  leaves: Float64Array[];
  /** One per tree, in the order their leaves are aggregated. */
  roots: TreeRef[];
  nOut: number;
}

/** Why an ensemble cannot be packed: the importer names the node (in its own numbering). */
export type TreeRefusal = (node: number, detail: string) => never;

export function packTrees(e: TreeEnsemble, refuse: TreeRefusal): { aux: Uint8Array; w: Float64Array } {
  for (const n of topologicalOrder(e, refuse)) {
    const f = e.nodes[n]!.feature;
    if (!(Number.isInteger(f) && f >= 0 && f <= TREE_FEATURE_MAX)) refuse(n, `feature ${f} is out of range`);
  }
  const order = preOrder(e);
  const leaves = new LeafTable(e.nOut);
  const nNodes = order.length,
    nTrees = e.roots.length;
  const slotOf = new Int32Array(e.nodes.length).fill(-1);
  order.forEach((n, i) => {
    slotOf[n] = i;
  });
  const ref = (r: TreeRef) => (r >= 0 ? slotOf[r]! : nNodes + leaves.single(e.leaves[-r - 1]!));
  const aux = new Uint8Array(treesAuxBytes(nTrees, nNodes));
  const view = new DataView(aux.buffer);
  const nodesAt = TREES_HEADER_BYTES + 8 * nTrees;
  const modes = new Set<number>();
  order.forEach((n, i) => {
    const node = e.nodes[n]!;
    const at = nodesAt + TREE_NODE_BYTES * i;
    const mode = (node.lt ? TREE_MODE_LT : 0) | (node.eq ? TREE_MODE_EQ : 0) | (node.nan ? TREE_MODE_NAN : 0);
    modes.add(mode);
    view.setFloat32(at, node.threshold, true);
    view.setUint16(at + 4, node.feature, true);
    view.setUint16(at + 6, mode, true);
    view.setUint32(at + 8, ref(node.yes), true);
    view.setUint32(at + 12, ref(node.no), true);
  });
  view.setUint32(0, nTrees, true);
  view.setUint32(4, nNodes, true);
  // One mode for every decision (scikit-learn's LEQ, XGBoost's LT): the kernel's one-comparison walk.
  view.setUint32(12, modes.size === 1 ? [...modes][0]! : 0, true);
  // The deepest walk from each node, children first (all past their parent), as the reader bounds it.
  const depth = new Int32Array(nNodes);
  for (let i = nNodes - 1; i >= 0; i--) {
    const node = e.nodes[order[i]!]!;
    const d = 1 + Math.max(node.yes >= 0 ? depth[slotOf[node.yes]!]! : 0, node.no >= 0 ? depth[slotOf[node.no]!]! : 0);
    if (d > TREES_MAX_DEPTH) refuse(order[i]!, `a walk from it takes more than ${TREES_MAX_DEPTH} decisions`);
    depth[i] = d;
  }
  e.roots.forEach((r, t) => {
    const at = ref(r);
    view.setUint32(TREES_HEADER_BYTES + 4 * t, at, true);
    view.setUint32(TREES_HEADER_BYTES + 4 * (nTrees + t), at < nNodes ? depth[at]! : 0, true);
  });
  view.setUint32(8, leaves.count, true);
  return { aux, w: leaves.values() };
}

/**
 * Pre-order from each root, the true child right after its parent (a walk's next node is
 * often in the same cache line), but a node only once all its parents are placed: a DAG's
 * shared child after every parent, so every ref points forward.
 */
function preOrder(e: TreeEnsemble): number[] {
  const parents = new Int32Array(e.nodes.length);
  const reached = new Uint8Array(e.nodes.length);
  for (const root of e.roots) {
    if (root < 0 || reached[root]) continue;
    const stack = [root];
    reached[root] = 1;
    while (stack.length > 0) {
      const n = stack.pop()!;
      for (const c of [e.nodes[n]!.yes, e.nodes[n]!.no]) {
        if (c < 0) continue;
        parents[c]!++;
        if (!reached[c]) {
          reached[c] = 1;
          stack.push(c);
        }
      }
    }
  }
  const order: number[] = [];
  const placed = new Uint8Array(e.nodes.length);
  const stack: number[] = [];
  for (let t = e.roots.length - 1; t >= 0; t--) {
    const r = e.roots[t]!;
    if (r >= 0 && parents[r] === 0) stack.push(r);
  }
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (placed[n]) continue;
    placed[n] = 1;
    order.push(n);
    const { yes, no } = e.nodes[n]!;
    if (no >= 0 && --parents[no]! === 0) stack.push(no);
    if (yes >= 0 && --parents[yes]! === 0) stack.push(yes);
  }
  return order;
}

/** The leaf vectors as stored (f32), identical ones once. */
class LeafTable {
  private readonly keys = new Map<number | string, number>();
  private readonly kept: Float64Array[] = [];
  constructor(private readonly nOut: number) {}
  get count(): number {
    return this.kept.length;
  }
  private readonly f32 = new Float32Array(1);
  private readonly u32 = new Uint32Array(this.f32.buffer);
  /** The stored bits: one number for a single output, else a string of them. */
  private key(v: Float64Array): number | string {
    if (v.length !== this.nOut) throw new Error(`internal: a leaf has ${v.length} weights for ${this.nOut} outputs`);
    const bits = (x: number) => {
      this.f32[0] = x;
      return this.u32[0]!;
    };
    return v.length === 1 ? bits(v[0]!) : Array.from(v, bits).join(",");
  }
  private push(v: Float64Array, k: number | string): number {
    this.keys.set(k, this.kept.length);
    this.kept.push(v);
    return this.kept.length - 1;
  }
  single(v: Float64Array): number {
    const k = this.key(v);
    return this.keys.get(k) ?? this.push(v, k);
  }
  values(): Float64Array {
    const w = new Float64Array(this.kept.length * this.nOut);
    this.kept.forEach((v, i) => {
      w.set(v, i * this.nOut);
    });
    return w;
  }
}

/**
 * The nodes reachable from the roots, every parent before its children: reverse post-order of
 * an iterative depth-first walk. A cycle is refused.
 */
function topologicalOrder(e: TreeEnsemble, refuse: TreeRefusal): number[] {
  const n = e.nodes.length;
  const state = new Uint8Array(n); // 0 unseen, 1 on the walk's path, 2 done
  const post: number[] = [];
  for (const root of e.roots) {
    if (root < 0 || state[root] === 2) continue;
    const stack: Array<{ node: number; next: number }> = [{ node: root, next: 0 }];
    state[root] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.next < 2) {
        const node = e.nodes[top.node]!;
        const child = top.next++ === 0 ? node.yes : node.no;
        if (child < 0) continue;
        if (child >= n) refuse(top.node, `child ${child} does not exist`);
        if (state[child] === 1) refuse(child, "is its own descendant (the tree has a cycle)");
        if (state[child] === 0) {
          state[child] = 1;
          stack.push({ node: child, next: 0 });
        }
        continue;
      }
      state[top.node] = 2;
      post.push(top.node);
      stack.pop();
    }
  }
  return post.reverse();
}
