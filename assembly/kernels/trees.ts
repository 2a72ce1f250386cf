// TREES: a tree ensemble (ai.onnx.ml TreeEnsembleRegressor / TreeEnsembleClassifier). Each tree
// is walked from its root to a leaf; the leaf's vector of nOut weights is aggregated over the
// trees (sum, average, min or max), the base values are added, then the fused activation.
//
// aux (u32 words unless said): nTrees, nNodes, nLeaves, mode, roots[nTrees], depths[nTrees],
// then nNodes decision nodes of 16 bytes: f32 threshold, u16 feature, u16 mode (LT | EQ << 1 |
// NAN << 2), true ref, false ref. A ref below nNodes is a decision node, from nNodes on it is
// leaf (ref − nNodes), whose weights are w[(ref − nNodes) · nOut ..]. A node goes to its true
// ref when (LT and x < t) or (EQ and x == t) or (NAN and x is NaN): every ONNX mode is one of
// these at pack time. The header's mode, when not 0, is every node's (checked at load). The
// reader checked that every ref to a node is past its parent (no cycles) and that no walk from
// a root takes more than its depth: depth steps from the root always end on a leaf (a leaf ref
// stays put).
//
// Scalar in both builds (a walk is scalar by nature; the leaf vectors are short): the SIMD and
// scalar builds run this same code and give the same bits.
import { stepFusedAct } from "./activations";
import { S_AUX, S_FLAGS } from "../abi";

export const TREES_SUM: u32 = 0;
export const TREES_AVERAGE: u32 = 1;
export const TREES_MIN: u32 = 2;
export const TREES_MAX: u32 = 3;

const MODE_LE: u32 = 3; // the header's ensemble mode LT | EQ << 1 (NAN << 2 unset)

/**
 * One step of a walk: a node ref moves to its child, a leaf ref (≥ nNodes) stays (absorbing).
 * Both refs are loaded with the threshold, before the comparison: only a select waits on it.
 */
// @ts-ignore: decorator
@inline function step(x: usize, nodes: usize, nNodes: u32, ref: u32, mode: u32): u32 {
  const inside = ref < nNodes;
  const p = nodes + (<usize>select<u32>(ref, 0, inside) << 4);
  const t = load<f32>(p);
  const v = load<f32>(x + (<usize>load<u16>(p, 4) << 2));
  const yes = load<u32>(p, 8), no = load<u32>(p, 12);
  // One mode for the whole ensemble (mode is a constant here): one comparison.
  let c: bool;
  if (mode == MODE_LE) c = v <= t;
  else {
    const m = <u32>load<u16>(p, 6);
    c = <bool>((((<u32>(v < t)) & m) | ((<u32>(v == t)) & (m >> 1)) | ((<u32>(v != v)) & (m >> 2))) & 1);
  }
  return select<u32>(select<u32>(yes, no, c), ref, inside);
}

/** Adds (or min/max) one leaf vector into y, in tree order: the same order in every build. */
function gather(y: usize, leaf: usize, rowBytes: usize, agg: u32): void {
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
  // x ≤ t (scikit-learn's every node) gets its own copy; every other mode the general step.
  if (mode == MODE_LE) rowIn(x, aux, leaves, base, y, nOut, agg, MODE_LE);
  else rowIn(x, aux, leaves, base, y, nOut, agg, 0);
}

/** treesRow for one mode (a constant at each call: two specialized copies). */
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
  for (; t + 8 <= nTrees; t += 8) {
    const at = roots + (<usize>t << 2), dt = depths + (<usize>t << 2);
    let r0 = load<u32>(at), r1 = load<u32>(at, 4), r2 = load<u32>(at, 8), r3 = load<u32>(at, 12);
    let r4 = load<u32>(at, 16), r5 = load<u32>(at, 20), r6 = load<u32>(at, 24), r7 = load<u32>(at, 28);
    const d = max(
      max(max(load<u32>(dt), load<u32>(dt, 4)), max(load<u32>(dt, 8), load<u32>(dt, 12))),
      max(max(load<u32>(dt, 16), load<u32>(dt, 20)), max(load<u32>(dt, 24), load<u32>(dt, 28))),
    );
    for (let s: u32 = 0; s < d; s++) {
      r0 = step(x, nodes, nNodes, r0, mode);
      r1 = step(x, nodes, nNodes, r1, mode);
      r2 = step(x, nodes, nNodes, r2, mode);
      r3 = step(x, nodes, nNodes, r3, mode);
      r4 = step(x, nodes, nNodes, r4, mode);
      r5 = step(x, nodes, nNodes, r5, mode);
      r6 = step(x, nodes, nNodes, r6, mode);
      r7 = step(x, nodes, nNodes, r7, mode);
    }
    gather(y, leaves + <usize>(r0 - nNodes) * rowBytes, rowBytes, agg);
    gather(y, leaves + <usize>(r1 - nNodes) * rowBytes, rowBytes, agg);
    gather(y, leaves + <usize>(r2 - nNodes) * rowBytes, rowBytes, agg);
    gather(y, leaves + <usize>(r3 - nNodes) * rowBytes, rowBytes, agg);
    gather(y, leaves + <usize>(r4 - nNodes) * rowBytes, rowBytes, agg);
    gather(y, leaves + <usize>(r5 - nNodes) * rowBytes, rowBytes, agg);
    gather(y, leaves + <usize>(r6 - nNodes) * rowBytes, rowBytes, agg);
    gather(y, leaves + <usize>(r7 - nNodes) * rowBytes, rowBytes, agg);
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
