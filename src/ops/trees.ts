/**
 * TREES (ABI 4): a tree ensemble, ai.onnx.ml TreeEnsembleRegressor / TreeEnsembleClassifier.
 * The layout (assembly/kernels/trees.ts walks it):
 *
 * - aux: u32 nTrees, nNodes, nLeaves, mode; u32 roots[nTrees]; u32 depths[nTrees] (the most
 *   decisions a walk from that root takes: the kernel steps exactly that often); nNodes decision
 *   nodes of 16 bytes: f32 threshold, u16 feature, u16 mode (LT | EQ << 1 | NAN << 2), u32 true
 *   ref, u32 false ref. A ref below nNodes is a decision node; from nNodes on it is leaf
 *   (ref − nNodes). A node goes to its true ref when (LT and x < t) or (EQ and x == t) or (NAN
 *   and x is NaN). mode in the header: 0, or every node's mode when they are all the same
 *   (the kernel then ignores the nodes' own; for x ≤ t, scikit-learn's, it has a one-comparison
 *   walk).
 * - w: f32 leaf vectors, nLeaves × nOut. b: f32 base values, nOut.
 * - flags: the aggregate (SUM, AVERAGE, MIN, MAX) in bits 0–1; bit 2 (TREES_NAN_ROUTED): the
 *   model routes missing values itself (XGBoost's default directions, ONNX missing-value
 *   tracks on every feature read), so the image takes NaN rows without allowNaN.
 *   act: an activation over the nOut outputs.
 *
 * Both refs explicit (measured faster than one implicit adjacent child, bench/results/trees.md):
 * the step is two loads and a select. The refs allow DAGs (a child shared by two parents). Every
 * ref to a node must be past its parent's index: that forbids cycles, and validate checks it together with the
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
/** Step flag: every node's NaN route is the model's own (see TREES_NAN_ROUTED in the header). */
export const TREES_NAN_ROUTED = 4;
export const TREE_AGGREGATE_NAMES = ["sum", "average", "min", "max"] as const;

/** Bytes of the aux header (nTrees, nNodes, nLeaves, mode). */
export const TREES_HEADER_BYTES = 16;
/** Bytes of one decision node: f32 threshold, u16 feature, u16 mode, u32 true ref, u32 false ref. */
export const TREE_NODE_BYTES = 16;
/** The largest feature index a node holds. */
export const TREE_FEATURE_MAX = 0xffff;
/** Mode bits: true child when x < threshold. */
export const TREE_MODE_LT = 1;
/** True child when x == threshold. */
export const TREE_MODE_EQ = 2;
/** True child when x is NaN. */
export const TREE_MODE_NAN = 4;

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
  flagBits: 3 | TREES_NAN_ROUTED,
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
    /** The depth below one of node i's refs (0 for a leaf), refusing a ref back or out of range. */
    const child = (i: number, at: number, name: string, off: number): number => {
      const c = view.getUint32(at + off, true);
      if (c < nNodes) {
        if (c <= i) fail(`nodes[${i}].${name}`, at + off, `node ${c} is not past its parent ${i} (a cycle?)`);
        return depth[c]!;
      }
      if (c >= refs)
        fail(`nodes[${i}].${name}`, at + off, `ref ${c} is neither a node (< ${nNodes}) nor a leaf (< ${refs})`);
      return 0;
    };
    for (let i = nNodes - 1; i >= 0; i--) {
      const at = nodesAt + TREE_NODE_BYTES * i;
      const feature = view.getUint16(at + 4, true),
        own = view.getUint16(at + 6, true);
      if (feature >= s.nIn) fail(`nodes[${i}].feature`, at + 4, `feature ${feature} is not below nIn ${s.nIn}`);
      if (own > 7) fail(`nodes[${i}].mode`, at + 6, `mode ${own} is not LT | EQ << 1 | NAN << 2`);
      // Under an ensemble mode the kernel reads no node's mode: they must say the same.
      if (mode !== 0 && own !== mode) fail(`nodes[${i}].mode`, at + 6, `mode ${own} is not the ensemble's ${mode}`);
      // Both refs, without an array per node (a load checks millions of them).
      const d = Math.max(child(i, at, "trueRef", 8), child(i, at, "falseRef", 12));
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
  nanSafe: (s) => (s.flags & TREES_NAN_ROUTED) !== 0,
  describe: (s) =>
    [TREE_AGGREGATE_NAMES[s.flags & 3], s.flags & TREES_NAN_ROUTED ? "NaN routed" : "", fusedActText(s)]
      .filter(Boolean)
      .join(", "),
  // Per decision node its threshold and feature; the leaf vectors; the base values.
  parameterCount: (s, view) => 2 * view.getUint32(s.aux + 4, true) + view.getUint32(s.aux + 8, true) * s.nOut + s.nOut,
};
