/**
 * Packs a tree ensemble into the TREES step's tensors (the layout is in src/ops/trees.ts): the
 * decision nodes in an order where every child comes after its parents (reverse post-order of
 * a walk from the roots, so a DAG's shared child is stored once), unreachable nodes dropped,
 * identical leaf vectors stored once. Importers (ONNX, later XGBoost's JSON) describe the trees
 * with their own node numbers; this file owns the bytes.
 */
import {
  TREE_FEATURE_MASK,
  TREE_NODE_BYTES,
  TREE_NODE_EQ,
  TREE_NODE_LT,
  TREE_NODE_NAN,
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
  const order = topologicalOrder(e, refuse);
  // The deepest walk from each node (children first), as the reader bounds it.
  const depth = new Int32Array(e.nodes.length);
  for (let i = order.length - 1; i >= 0; i--) {
    const node = e.nodes[order[i]!]!;
    const d = 1 + Math.max(node.yes >= 0 ? depth[node.yes]! : 0, node.no >= 0 ? depth[node.no]! : 0);
    if (d > TREES_MAX_DEPTH) refuse(order[i]!, `a walk from it takes more than ${TREES_MAX_DEPTH} decisions`);
    depth[order[i]!] = d;
  }
  const slot = new Int32Array(e.nodes.length).fill(-1);
  order.forEach((n, i) => {
    slot[n] = i;
  });
  // Identical leaf vectors (as f32, which is what is stored) once.
  const leafSlot = new Map<string, number>();
  const leafOf = new Int32Array(e.leaves.length);
  const kept: Float64Array[] = [];
  e.leaves.forEach((v, i) => {
    if (v.length !== e.nOut) throw new Error(`internal: leaf ${i} has ${v.length} weights for ${e.nOut} outputs`);
    const key = Array.from(v, (x) => Math.fround(x)).join(",");
    let k = leafSlot.get(key);
    if (k === undefined) {
      k = kept.length;
      leafSlot.set(key, k);
      kept.push(v);
    }
    leafOf[i] = k;
  });
  const nNodes = order.length;
  const ref = (r: TreeRef) => (r >= 0 ? slot[r]! : nNodes + leafOf[-r - 1]!);
  const aux = new Uint8Array(treesAuxBytes(e.roots.length, nNodes));
  const view = new DataView(aux.buffer);
  view.setUint32(0, e.roots.length, true);
  view.setUint32(4, nNodes, true);
  view.setUint32(8, kept.length, true);
  e.roots.forEach((r, t) => {
    view.setUint32(TREES_HEADER_BYTES + 4 * t, ref(r), true);
  });
  const nodesAt = TREES_HEADER_BYTES + 4 * e.roots.length;
  order.forEach((n, i) => {
    const node = e.nodes[n]!;
    if (!(node.feature >= 0 && node.feature <= TREE_FEATURE_MASK)) refuse(n, `feature ${node.feature} is out of range`);
    const at = nodesAt + TREE_NODE_BYTES * i;
    view.setFloat32(at, node.threshold, true);
    const word =
      node.feature + (node.lt ? TREE_NODE_LT : 0) + (node.eq ? TREE_NODE_EQ : 0) + (node.nan ? TREE_NODE_NAN : 0);
    view.setUint32(at + 4, word, true);
    view.setUint32(at + 8, ref(node.yes), true);
    view.setUint32(at + 12, ref(node.no), true);
  });
  const w = new Float64Array(kept.length * e.nOut);
  kept.forEach((v, i) => {
    w.set(v, i * e.nOut);
  });
  return { aux, w };
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
