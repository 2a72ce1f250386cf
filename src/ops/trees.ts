/**
 * TREES (ABI 4): a tree ensemble, ai.onnx.ml TreeEnsembleRegressor / TreeEnsembleClassifier.
 * The layout (assembly/kernels/trees.ts walks it):
 *
 * - aux: u32 nTrees, nNodes, nLeaves; u32 roots[nTrees]; nNodes decision nodes of 16 bytes:
 *   f32 threshold, u32 feature | LT << 29 | EQ << 30 | NAN << 31, u32 true ref, u32 false ref.
 *   A ref below nNodes is a decision node; from nNodes on it is leaf (ref − nNodes).
 * - w: f32 leaf vectors, nLeaves × nOut. b: f32 base values, nOut.
 * - flags: the aggregate (SUM, AVERAGE, MIN, MAX) in bits 0–1; bit 2 (TREES_NAN_ROUTED): the
 *   model routes missing values itself (XGBoost's default directions, ONNX missing-value
 *   tracks on every feature read), so the image takes NaN rows without allowNaN.
 *   act: an activation over the nOut outputs.
 *
 * Explicit child refs allow DAGs (a child shared by two parents). Every ref to a node must be
 * past its parent's index: that forbids cycles, and validate checks it together with the
 * features, the leaves and each tree's depth, so a walk never leaves the image nor loops.
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

/** Bytes of the aux header (nTrees, nNodes, nLeaves). */
export const TREES_HEADER_BYTES = 12;
/** Bytes of one decision node. */
export const TREE_NODE_BYTES = 16;
/** The node word: the feature index in the low 29 bits, then the three comparison bits. */
export const TREE_FEATURE_MASK = 0x1fffffff;
/** True child when x < threshold. */
export const TREE_NODE_LT = 1 << 29;
/** True child when x == threshold. */
export const TREE_NODE_EQ = 1 << 30;
/** True child when x is NaN. */
export const TREE_NODE_NAN = 2 ** 31;
/** The deepest tree the reader accepts (root to leaf, in decision nodes): bounds a row's walks. */
export const TREES_MAX_DEPTH = 1024;

/** aux bytes of an ensemble. */
export const treesAuxBytes = (nTrees: number, nNodes: number) =>
  TREES_HEADER_BYTES + 4 * nTrees + TREE_NODE_BYTES * nNodes;

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
      nLeaves = view.getUint32(aux + 8, true);
    if (nTrees < 1) fail("nTrees", aux, "an ensemble needs at least one tree");
    if (nLeaves < 1) fail("nLeaves", aux + 8, "an ensemble needs at least one leaf");
    v.param("aux", treesAuxBytes(nTrees, nNodes));
    v.param("w", 4 * nLeaves * s.nOut);
    v.param("b", 4 * s.nOut);
    const refs = nNodes + nLeaves;
    const rootsAt = aux + TREES_HEADER_BYTES,
      nodesAt = rootsAt + 4 * nTrees;
    // Depth of the deepest walk from each node, children first (they have higher indices).
    const depth = new Uint16Array(nNodes);
    for (let i = nNodes - 1; i >= 0; i--) {
      const at = nodesAt + TREE_NODE_BYTES * i;
      const word = view.getUint32(at + 4, true);
      const feature = word & TREE_FEATURE_MASK;
      if (feature >= s.nIn) fail(`nodes[${i}].feature`, at + 4, `feature ${feature} is not below nIn ${s.nIn}`);
      let d = 0;
      for (const [name, off] of [
        ["trueRef", 8],
        ["falseRef", 12],
      ] as const) {
        const ref = view.getUint32(at + off, true);
        if (ref < nNodes) {
          if (ref <= i) fail(`nodes[${i}].${name}`, at + off, `node ${ref} is not past its parent ${i} (a cycle?)`);
          d = Math.max(d, depth[ref]!);
        } else if (ref >= refs) {
          fail(`nodes[${i}].${name}`, at + off, `ref ${ref} is neither a node (< ${nNodes}) nor a leaf (< ${refs})`);
        }
      }
      if (d + 1 > TREES_MAX_DEPTH)
        fail(`nodes[${i}]`, at, `a walk from here takes more than ${TREES_MAX_DEPTH} decisions`);
      depth[i] = d + 1;
    }
    for (let t = 0; t < nTrees; t++) {
      const ref = view.getUint32(rootsAt + 4 * t, true);
      if (ref >= refs)
        fail(`roots[${t}]`, rootsAt + 4 * t, `ref ${ref} is neither a node (< ${nNodes}) nor a leaf (< ${refs})`);
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
