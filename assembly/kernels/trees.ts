// TREES: a tree ensemble (ai.onnx.ml TreeEnsembleRegressor / TreeEnsembleClassifier). Each tree
// is walked from its root to a leaf; the leaf's vector of nOut weights is aggregated over the
// trees (sum, average, min or max), the base values are added, then the fused activation.
//
// aux (u32 words unless said): nTrees, nNodes, nLeaves, mode, roots[nTrees], depths[nTrees], then
// nNodes decision nodes of 10 bytes in pre-order: f32 threshold, u32 word = ref | PAIR << 27 |
// SWAP << 28 | LT << 29 | EQ << 30 | NAN << 31, u16 feature. A ref below nNodes is a decision
// node, from nNodes on it is leaf (ref − nNodes), whose weights are w[(ref − nNodes) · nOut ..].
// The condition c = (LT and x < t) or (EQ and x == t) or (NAN and x is NaN) (every ONNX mode is
// one of these at pack time); c goes to the node right after (index + 1), not c to ref; SWAP the
// other way round; PAIR: c to leaf ref, not c to leaf ref + 1. The reader checked that every ref
// to a node is past its parent (no cycles) and that no walk from a root takes more than its
// depth: depth steps from the root always end on a leaf (a leaf ref stays put). A mode other
// than 0 (LT | EQ << 1 | NAN << 2) is every node's, checked at load: jumps have a NaN threshold.
//
// Scalar in both builds (a walk is scalar by nature; the leaf vectors are short): the SIMD and
// scalar builds run this same code and give the same bits.
import { stepFusedAct } from "./activations";
import { S_AUX, S_FLAGS } from "../abi";

export const TREES_SUM: u32 = 0;
export const TREES_AVERAGE: u32 = 1;
export const TREES_MIN: u32 = 2;
export const TREES_MAX: u32 = 3;

const NODE_BYTES: usize = 10;
const MODE_LT: u32 = 1; // the header's ensemble mode: LT | EQ << 1 | NAN << 2, or 0 (per node)
const MODE_LE: u32 = 3;
const REF_MASK: u32 = 0x07ffffff;

/**
 * One step of a walk: a node ref moves to its child, a leaf ref (≥ nNodes) stays (absorbing).
 * The record's loads do not depend on the comparison: only the next index does.
 */
// @ts-ignore: decorator
@inline function step(x: usize, nodes: usize, nNodes: u32, ref: u32, mode: u32): u32 {
  const inside = ref < nNodes;
  const i = select<u32>(ref, 0, inside);
  const p = nodes + <usize>i * NODE_BYTES;
  const t = load<f32>(p);
  const w = load<u32>(p, 4);
  const v = load<f32>(x + (<usize>load<u16>(p, 8) << 2));
  // One mode for the whole ensemble (mode is a constant here): one comparison. A jump's NaN
  // threshold makes it false, as its missing mode bits do in the per-node form.
  const c: u32 =
    mode == MODE_LE ? <u32>(v <= t)
    : mode == MODE_LT ? <u32>(v < t)
    : ((<u32>(v < t)) & (w >> 29)) | ((<u32>(v == t)) & (w >> 30)) | ((<u32>(v != v)) & (w >> 31));
  const adjacent = (c ^ (w >> 28)) & 1; // to index + 1 (or, PAIR, to the true leaf at ref)
  const r = w & REF_MASK, pair = (w >> 27) & 1;
  const next = select<u32>(select<u32>(r, i + 1, pair), r + pair, adjacent);
  return select<u32>(next, ref, inside);
}

/** Adds (or min/max) one leaf vector into y, in tree order: the same order in every build. */
// @ts-ignore: decorator
@inline function gather(y: usize, leaf: usize, rowBytes: usize, agg: u32): void {
  for (let o: usize = 0; o < rowBytes; o += 4) {
    const a = load<f32>(y + o), v = load<f32>(leaf + o);
    store<f32>(y + o, agg == TREES_MIN ? min(a, v) : agg == TREES_MAX ? max(a, v) : a + v);
  }
}

/**
 * One row: y[nOut] from x, the ensemble in aux, leaf vectors in leaves, base values in base.
 * Four trees at a time, each a fixed number of branch-free steps (the group's largest depth,
 * checked at load): four independent chains of loads in flight instead of one, and no
 * mispredicted branches.
 */
export function treesRow(x: usize, aux: usize, leaves: usize, base: usize, y: usize, nOut: i32, agg: u32): void {
  const mode = load<u32>(aux, 12);
  if (mode == MODE_LE) rowIn(x, aux, leaves, base, y, nOut, agg, MODE_LE);
  else if (mode == MODE_LT) rowIn(x, aux, leaves, base, y, nOut, agg, MODE_LT);
  else rowIn(x, aux, leaves, base, y, nOut, agg, 0);
}

/** treesRow for one mode (a constant at each call: three specialized copies). */
// @ts-ignore: decorator
@inline function rowIn(x: usize, aux: usize, leaves: usize, base: usize, y: usize, nOut: i32, agg: u32, mode: u32): void {
  const nTrees = load<u32>(aux), nNodes = load<u32>(aux, 4);
  const roots = aux + 16;
  const depths = roots + (<usize>nTrees << 2);
  const nodes = depths + (<usize>nTrees << 2);
  const start: f32 = agg == TREES_MIN ? Infinity : agg == TREES_MAX ? -Infinity : 0;
  for (let k = 0; k < nOut; k++) store<f32>(y + (<usize>k << 2), start);
  const rowBytes = <usize>nOut << 2;
  let t: u32 = 0;
  for (; t + 4 <= nTrees; t += 4) {
    const at = <usize>t << 2;
    let r0 = load<u32>(roots + at), r1 = load<u32>(roots + at, 4), r2 = load<u32>(roots + at, 8), r3 = load<u32>(roots + at, 12);
    const d = max(max(load<u32>(depths + at), load<u32>(depths + at, 4)), max(load<u32>(depths + at, 8), load<u32>(depths + at, 12)));
    for (let s: u32 = 0; s < d; s++) {
      r0 = step(x, nodes, nNodes, r0, mode);
      r1 = step(x, nodes, nNodes, r1, mode);
      r2 = step(x, nodes, nNodes, r2, mode);
      r3 = step(x, nodes, nNodes, r3, mode);
    }
    gather(y, leaves + <usize>(r0 - nNodes) * rowBytes, rowBytes, agg);
    gather(y, leaves + <usize>(r1 - nNodes) * rowBytes, rowBytes, agg);
    gather(y, leaves + <usize>(r2 - nNodes) * rowBytes, rowBytes, agg);
    gather(y, leaves + <usize>(r3 - nNodes) * rowBytes, rowBytes, agg);
  }
  for (; t < nTrees; t++) {
    let r = load<u32>(roots + (<usize>t << 2));
    const d = load<u32>(depths + (<usize>t << 2));
    for (let s: u32 = 0; s < d; s++) r = step(x, nodes, nNodes, r, mode);
    gather(y, leaves + <usize>(r - nNodes) * rowBytes, rowBytes, agg);
  }
  const n = <f32>nTrees;
  for (let o: usize = 0; o < rowBytes; o += 4) {
    const a = load<f32>(y + o);
    store<f32>(y + o, (agg == TREES_AVERAGE ? a / n : a) + load<f32>(base + o));
  }
}

// ---- Step entry (assembly/run.ts): TREES reads aux and flags (the aggregate) itself; w holds
// the leaf vectors, b the base values, act the activation applied to the nOut outputs.

/** TREES row by row, then the fused activation. */
export function stepTrees(s: usize, image: usize, src: usize, srcStep: usize, dst: usize, dstStep: usize, nIn: i32, nOut: i32, w: usize, b: usize, act: u32, alpha: f32, beta: f32, nRows: i32): void {
  const aux = image + <usize>load<u32>(s + S_AUX);
  const agg = <u32>load<u16>(s + S_FLAGS) & 3;
  for (let r = 0; r < nRows; r++) treesRow(src + <usize>r * srcStep, aux, w, b, dst + <usize>r * dstStep, nOut, agg);
  stepFusedAct(act, dst, dstStep, nOut, nRows, alpha, beta);
}
