/**
 * TREES (ABI 4): a tree ensemble, ai.onnx.ml TreeEnsembleRegressor / TreeEnsembleClassifier.
 * The layout (assembly/kernels/trees.ts walks it):
 *
 * - aux: u32 nTrees, nNodes, nLeaves, mode; u32 roots[nTrees]; u32 depths[nTrees] (the most decisions
 *   a walk from that root takes: the kernel steps exactly that often); nNodes decision nodes of
 *   10 bytes: f32 threshold, u32 word = ref | PAIR << 27 | SWAP << 28 | LT << 29 | EQ << 30 |
 *   NAN << 31, u16 feature. A ref below nNodes is a decision node; from nNodes on it is leaf
 *   (ref − nNodes). The condition c = (LT and x < t) or (EQ and x == t) or (NAN and x is NaN);
 *   PAIR: the true child is ref, the false one ref + 1 (both leaves); else the node right after
 *   (index + 1) is the true child and ref the false one, the other way round with SWAP. No mode
 *   bit: always to ref (a jump, which the packer puts where a child cannot follow its parent).
 *   mode: 0, or the mode bits of every node (LT | EQ << 1 | NAN << 2) when they are all the
 *   same, jumps aside (those then have a NaN threshold): the kernel then makes one comparison.
 * - w: f32 leaf vectors, nLeaves × nOut. b: f32 base values, nOut.
 * - flags: the aggregate (SUM, AVERAGE, MIN, MAX); act: an activation over the nOut outputs.
 *
 * Pre-order with one child adjacent saves a ref per node and a dependent load per step. The
 * refs allow DAGs (a child shared by two parents). Every ref to a node must be past its parent's index: that forbids cycles, and validate checks it together with the
 * features, the leaves and each tree's depth (at least the deepest walk from its root, at most
 * TREES_MAX_DEPTH), so a walk never leaves the image, never loops and ends on a leaf.
 */
import { FormatError } from "../errors.js";
import { Opcode } from "../format/abi.js";
import { ACTIVATIONS, actMinAbi, fusedActText, type OpSpec } from "./spec.js";

export enum TreeAggregate {
  Sum = 0,
  Average = 1,
  Min = 2,
  Max = 3,
}
export const TREE_AGGREGATE_NAMES = ["sum", "average", "min", "max"] as const;

/** Bytes of the aux header (nTrees, nNodes, nLeaves, mode). */
export const TREES_HEADER_BYTES = 16;
/** Bytes of one decision node: f32 threshold, u32 word, u16 feature. */
export const TREE_NODE_BYTES = 10;
/** The largest feature index a node holds. */
export const TREE_FEATURE_MAX = 0xffff;
/** The node word: the ref in the low 27 bits, then PAIR, SWAP and the three comparison bits. */
export const TREE_REF_MASK = 0x07ffffff;
/** Both children are leaves, at ref (true) and ref + 1 (false). */
export const TREE_NODE_PAIR = 1 << 27;
/** The child right after the node is its false child (the ref its true child). */
export const TREE_NODE_SWAP = 1 << 28;
/** True child when x < threshold. */
export const TREE_NODE_LT = 1 << 29;
/** True child when x == threshold. */
export const TREE_NODE_EQ = 1 << 30;
/** True child when x is NaN. */
export const TREE_NODE_NAN = 2 ** 31;
/** A node word's mode bits as the header's mode: LT | EQ << 1 | NAN << 2. */
export const treeNodeMode = (word: number) => word >>> 29;

/**
 * The refs the kernel can step to from node i with this word: a leaf pair's two leaves; a node
 * without mode bits (c is never true: the reader checked a NaN threshold under an ensemble
 * mode) only one child; else the adjacent node and ref.
 */
export function treeNodeChildren(i: number, word: number): number[] {
  const ref = word & TREE_REF_MASK;
  if (word & TREE_NODE_PAIR) return [ref, ref + 1];
  if (treeNodeMode(word) === 0) return word & TREE_NODE_SWAP ? [i + 1] : [ref];
  return [i + 1, ref];
}

/** The deepest tree the reader accepts (root to leaf, in decision nodes): bounds a row's walks. */
export const TREES_MAX_DEPTH = 1024;

/** aux bytes of an ensemble. */
export const treesAuxBytes = (nTrees: number, nNodes: number) =>
  TREES_HEADER_BYTES + 8 * nTrees + TREE_NODE_BYTES * nNodes;

export const trees: OpSpec = {
  opcode: Opcode.Trees,
  name: "TREES",
  actByte: "activation",
  acts: ACTIVATIONS,
  flagBits: 3,
  dense: false,
  minAbi: (s) => Math.max(4, actMinAbi(s.act)),
  inPlace: () => false,
  validate(s, v) {
    v.act(ACTIVATIONS);
    v.unused("scratch");
    v.param("aux", TREES_HEADER_BYTES);
    const view = v.view,
      aux = s.aux;
    const fail = (field: string, at: number, detail: string): never => {
      throw new FormatError(`steps[${v.k}].aux.${field}`, at, detail);
    };
    const nTrees = view.getUint32(aux, true),
      nNodes = view.getUint32(aux + 4, true),
      nLeaves = view.getUint32(aux + 8, true),
      mode = view.getUint32(aux + 12, true);
    if (mode > 7) fail("mode", aux + 12, `mode ${mode} is not LT | EQ << 1 | NAN << 2`);
    if (nTrees < 1) fail("nTrees", aux, "an ensemble needs at least one tree");
    if (nLeaves < 1) fail("nLeaves", aux + 8, "an ensemble needs at least one leaf");
    v.param("aux", treesAuxBytes(nTrees, nNodes));
    v.param("w", 4 * nLeaves * s.nOut);
    v.param("b", 4 * s.nOut);
    const refs = nNodes + nLeaves;
    const rootsAt = aux + TREES_HEADER_BYTES,
      depthsAt = rootsAt + 4 * nTrees,
      nodesAt = depthsAt + 4 * nTrees;
    // Depth of the deepest walk from each node, children first (they have higher indices).
    const depth = new Uint16Array(nNodes);
    for (let i = nNodes - 1; i >= 0; i--) {
      const at = nodesAt + TREE_NODE_BYTES * i;
      const word = view.getUint32(at + 4, true),
        feature = view.getUint16(at + 8, true);
      if (feature >= s.nIn) fail(`nodes[${i}].feature`, at + 8, `feature ${feature} is not below nIn ${s.nIn}`);
      const ref = word & TREE_REF_MASK,
        own = treeNodeMode(word);
      // Under an ensemble mode the kernel reads no node's bits: they must say the same.
      if (mode !== 0 && own !== mode && !(own === 0 && Number.isNaN(view.getFloat32(at, true))))
        fail(
          `nodes[${i}].mode`,
          at + 4,
          `mode bits ${own} are not the ensemble's ${mode} (nor a jump's 0 with a NaN threshold)`,
        );
      let d = 0;
      for (const c of treeNodeChildren(i, word)) {
        if (c < nNodes) {
          if (c <= i) fail(`nodes[${i}].ref`, at + 4, `node ${c} is not past its parent ${i} (a cycle?)`);
          d = Math.max(d, depth[c]!);
        } else if (c >= refs) {
          fail(`nodes[${i}].ref`, at + 4, `ref ${c} is neither a node (< ${nNodes}) nor a leaf (< ${refs})`);
        }
      }
      if (word & TREE_NODE_PAIR && ref < nNodes)
        fail(`nodes[${i}].ref`, at + 4, `a leaf pair at ref ${ref}, which is a node (< ${nNodes})`);
      if (d + 1 > TREES_MAX_DEPTH)
        fail(`nodes[${i}]`, at, `a walk from here takes more than ${TREES_MAX_DEPTH} decisions`);
      depth[i] = d + 1;
    }
    for (let t = 0; t < nTrees; t++) {
      const ref = view.getUint32(rootsAt + 4 * t, true);
      if (ref >= refs)
        fail(`roots[${t}]`, rootsAt + 4 * t, `ref ${ref} is neither a node (< ${nNodes}) nor a leaf (< ${refs})`);
      // The kernel takes exactly this many steps: fewer than the deepest walk would end on a node.
      const stored = view.getUint32(depthsAt + 4 * t, true),
        need = ref < nNodes ? depth[ref]! : 0;
      if (stored < need || stored > TREES_MAX_DEPTH)
        fail(
          `depths[${t}]`,
          depthsAt + 4 * t,
          `depth ${stored} is not between the deepest walk from root ${ref} (${need}) and ${TREES_MAX_DEPTH}`,
        );
    }
  },
  describe: (s) => [TREE_AGGREGATE_NAMES[s.flags & 3], fusedActText(s)].filter(Boolean).join(", "),
  // Per decision node its threshold and feature; the leaf vectors; the base values.
  parameterCount: (s, view) => 2 * view.getUint32(s.aux + 4, true) + view.getUint32(s.aux + 8, true) * s.nOut + s.nOut,
};
