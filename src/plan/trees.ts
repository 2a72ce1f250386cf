/**
 * Packs a tree ensemble into the TREES step's tensors (the layout is in src/ops/trees.ts): the
 * decision nodes in pre-order with one child right after its parent and every child after all
 * its parents (a DAG's shared child is stored once), unreachable nodes dropped, the two leaves
 * of a bottom node side by side, identical leaf vectors (and pairs) stored once. Importers (ONNX, later XGBoost's JSON) describe the trees
 * with their own node numbers; this file owns the bytes.
 */
import {
  TREE_FEATURE_MAX,
  TREE_NODE_BYTES,
  TREE_NODE_EQ,
  TREE_NODE_LT,
  TREE_NODE_NAN,
  TREE_NODE_PAIR,
  TREE_NODE_SWAP,
  TREE_REF_MASK,
  TREES_HEADER_BYTES,
  TREES_MAX_DEPTH,
  treeNodeChildren,
  treeNodeMode,
  treesAuxBytes,
} from "../ops/trees.js";

export { TreeAggregate } from "../ops/trees.js";

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
  const leaves = new LeafTable(e.nOut);
  const slots = layout(e, leaves);
  const nNodes = slots.length,
    nTrees = e.roots.length;
  const slotOf = new Int32Array(e.nodes.length).fill(-1);
  slots.forEach((s, i) => {
    if (!s.jump) slotOf[s.node] = i;
  });
  const ref = (r: TreeRef) => (r >= 0 ? slotOf[r]! : nNodes + leaves.single(e.leaves[-r - 1]!));
  const aux = new Uint8Array(treesAuxBytes(nTrees, nNodes));
  const view = new DataView(aux.buffer);
  const nodesAt = TREES_HEADER_BYTES + 8 * nTrees;
  // Words first (every leaf ref known once the table is final: pairs were added by layout).
  const words = slots.map((s) => {
    const node = e.nodes[s.node]!;
    if (s.jump) return ref(s.target!); // no mode bit: never true, always to the ref
    const mode = (node.lt ? TREE_NODE_LT : 0) + (node.eq ? TREE_NODE_EQ : 0) + (node.nan ? TREE_NODE_NAN : 0);
    if (s.pair !== undefined) return nNodes + s.pair + TREE_NODE_PAIR + mode;
    return ref(s.swap ? node.yes : node.no) + (s.swap ? TREE_NODE_SWAP : 0) + mode;
  });
  view.setUint32(0, nTrees, true);
  view.setUint32(4, nNodes, true);
  // One mode for every decision (scikit-learn's LEQ, XGBoost's LT): the kernel's one-comparison walk.
  const modes = new Set(slots.flatMap((s, i) => (s.jump ? [] : [treeNodeMode(words[i]!)])));
  view.setUint32(12, modes.size === 1 ? [...modes][0]! : 0, true);
  slots.forEach((s, i) => {
    const at = nodesAt + TREE_NODE_BYTES * i;
    view.setFloat32(at, s.jump ? NaN : e.nodes[s.node]!.threshold, true);
    view.setUint32(at + 4, words[i]!, true);
    view.setUint16(at + 8, s.jump ? 0 : e.nodes[s.node]!.feature, true);
  });
  // The deepest walk from each slot, children first (all past their parent), as the reader bounds it.
  const depth = new Int32Array(nNodes);
  for (let i = nNodes - 1; i >= 0; i--) {
    let d = 0;
    for (const c of treeNodeChildren(i, words[i]!)) if (c < nNodes) d = Math.max(d, depth[c]!);
    if (d + 1 > TREES_MAX_DEPTH) refuse(slots[i]!.node, `a walk from it takes more than ${TREES_MAX_DEPTH} decisions`);
    depth[i] = d + 1;
  }
  e.roots.forEach((r, t) => {
    const at = ref(r);
    view.setUint32(TREES_HEADER_BYTES + 4 * t, at, true);
    view.setUint32(TREES_HEADER_BYTES + 4 * (nTrees + t), at < nNodes ? depth[at]! : 0, true);
  });
  // Refs hold 27 bits: more nodes and leaves than that cannot be addressed.
  if (nNodes + leaves.count > TREE_REF_MASK)
    refuse(
      e.roots.find((r) => r >= 0) ?? 0,
      `${nNodes + leaves.count} nodes and leaves are more than ${TREE_REF_MASK}`,
    );
  view.setUint32(8, leaves.count, true);
  return { aux, w: leaves.values() };
}

/** One stored decision node: an IR node, or a jump (to target) standing in for an adjacent child. */
interface Slot {
  node: number;
  swap?: boolean;
  /** Both children leaves: their vectors at pair, pair + 1 of the leaf table. */
  pair?: number;
  jump?: boolean;
  target?: TreeRef;
}

/**
 * Pre-order, the adjacent child right after its parent: the true child, or the false one (swap)
 * when only it can be. A node is placed only once all its parents are (a DAG's shared child
 * after every parent), so every ref points forward; a parent whose children cannot follow it
 * gets a jump node after it.
 */
function layout(e: TreeEnsemble, leaves: LeafTable): Slot[] {
  const parents = new Int32Array(e.nodes.length);
  const reached = new Uint8Array(e.nodes.length);
  const seen: number[] = [];
  for (const r of e.roots) if (r >= 0 && !reached[r]) walkFrom(r);
  function walkFrom(root: number): void {
    const stack = [root];
    reached[root] = 1;
    while (stack.length > 0) {
      const n = stack.pop()!;
      seen.push(n);
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
  const slots: Slot[] = [];
  const placed = new Uint8Array(e.nodes.length);
  const stack: Array<Slot> = [];
  for (let t = e.roots.length - 1; t >= 0; t--) {
    const r = e.roots[t]!;
    if (r >= 0 && parents[r] === 0) stack.push({ node: r });
  }
  while (stack.length > 0) {
    const s = stack.pop()!;
    if (!s.jump) {
      if (placed[s.node]) continue;
      placed[s.node] = 1;
    }
    slots.push(s);
    if (s.jump) continue;
    const node = e.nodes[s.node]!;
    const ready = (c: TreeRef) => c >= 0 && --parents[c]! === 0;
    const yesReady = ready(node.yes),
      noReady = ready(node.no);
    if (node.yes < 0 && node.no < 0) {
      s.pair = leaves.pair(e.leaves[-node.yes - 1]!, e.leaves[-node.no - 1]!);
      continue;
    }
    s.swap = !yesReady && noReady;
    const adjacent = s.swap ? node.no : node.yes,
      other = s.swap ? node.yes : node.no;
    if (other >= 0 && (s.swap ? yesReady : noReady)) stack.push({ node: other });
    stack.push(yesReady || noReady ? { node: adjacent } : { node: s.node, jump: true, target: adjacent });
  }
  return slots;
}

/** The leaf vectors as stored (f32), identical ones once: pairs first (adjacent), then singles. */
class LeafTable {
  private readonly keys = new Map<string, number>();
  private readonly pairs = new Map<string, number>();
  private readonly kept: Float64Array[] = [];
  constructor(private readonly nOut: number) {}
  get count(): number {
    return this.kept.length;
  }
  private key(v: Float64Array): string {
    if (v.length !== this.nOut) throw new Error(`internal: a leaf has ${v.length} weights for ${this.nOut} outputs`);
    return Array.from(v, (x) => Math.fround(x)).join(",");
  }
  private push(v: Float64Array, k: string): number {
    if (!this.keys.has(k)) this.keys.set(k, this.kept.length);
    this.kept.push(v);
    return this.kept.length - 1;
  }
  pair(a: Float64Array, b: Float64Array): number {
    const ka = this.key(a),
      kb = this.key(b),
      k = `${ka};${kb}`;
    let at = this.pairs.get(k);
    if (at === undefined) {
      at = this.push(a, ka);
      this.push(b, kb);
      this.pairs.set(k, at);
    }
    return at;
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
