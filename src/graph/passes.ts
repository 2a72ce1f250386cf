/**
 * The passes over the graph (src/graph/ir.ts), run until nothing changes:
 *   - drop no-ops: identity affines, activations of none, reshapes (views of their source);
 *   - fold an affine (scaler, batch norm, Add/Mul by constants) into the dense layer next to
 *     it, before or after, when nothing else reads the intermediate;
 *   - compose consecutive affines;
 *   - fuse an activation into the dense, affine or int8 dense step that feeds it;
 *   - turn skl2onnx's mirrored binary sigmoid pair + L1 normalizer into one logistic pair;
 *   - gathers: a gather of a gather reads the first one's source, a concat of gathers of one
 *     source is one gather, and a gather that picks its whole source in order is its source.
 * All in float64: parameters are rounded to f32 once, in to-plan.
 */

import { Act, Norm } from "../format/abi.js";
import { type Graph, type IrValue, liveNodes, resolve } from "./ir.js";

export interface PassOptions {
  /**
   * Fold affines into a following dense layer (default true). Quantizing, a scaler or batch
   * norm in front of a dense layer stays a separate f32 step, so the int8 layer sees
   * standardized inputs (folded in, features of very different scales would share one row
   * scale and the small ones would round to nothing).
   */
  foldIntoDense?: boolean;
}

/** Runs the passes; `outputs` are the graph's results (each counts as one more reader). */
export function optimize(g: Graph, outputs: readonly IrValue[], options: PassOptions = {}): void {
  const foldIntoDense = options.foldIntoDense ?? true;
  // Views first, so that the reader counts below see through them.
  for (const n of g.nodes) if (n.kind === "reshape") n.forward = n.srcs[0]!;
  for (let changed = true; changed; ) {
    changed = false;
    const live = liveNodes(g, outputs);
    const uses = new Map<number, number>();
    const use = (v: IrValue) => uses.set(resolve(v).id, (uses.get(resolve(v).id) ?? 0) + 1);
    for (const n of live) for (const s of n.srcs) use(s);
    for (const o of outputs) use(o);
    const only = (v: IrValue) => (uses.get(v.id) ?? 0) === 1; // one consumer, not an output
    for (const n of live) {
      if (n.forward) continue;
      n.srcs = n.srcs.map(resolve);
      if (step(n, only, foldIntoDense)) changed = true;
    }
  }
}

/** One rewrite of node `n`, if one applies. */
function step(n: IrValue, only: (v: IrValue) => boolean, foldIntoDense: boolean): boolean {
  const src = n.srcs[0];
  if ((n.kind === "act" && n.act === Act.None) || (n.kind === "affine" && n.act === Act.None && isIdentity(n))) {
    n.forward = src!;
    return true;
  }
  if (n.kind === "normalize" && n.norm === Norm.L1 && src && isBinarySigmoidPair(src)) {
    // skl2onnx's binary LinearClassifier: [σ(−s), σ(s)] from mirrored rows, then an L1
    // Normalizer. That is [1 − σ(s), σ(s)], scikit-learn's predict_proba: one logistic
    // pair (one exp, not two, and no normalize step). Other readers of the scores (the
    // label's argmax) see the same values to an ulp, in the same order.
    src.act = Act.LogisticPair;
    n.forward = src;
    return true;
  }
  if (n.kind === "gather" || n.kind === "concat") {
    if (gatherStep(n)) return true;
  }
  if (!src || src.kind === "input" || !only(src) || src.act !== Act.None) return false;
  if (n.kind === "affine" && src.kind === "dense_q8" && src.b!.every((v) => v === 0) && n.w!.every((v) => v === 1)) {
    // Add of the bias after the int8 product: y = acc·scale + b is what the kernel computes.
    src.b = n.b;
    n.forward = src;
    return true;
  }
  if (n.kind === "act" && (src.kind === "dense" || src.kind === "affine" || src.kind === "dense_q8")) {
    src.act = n.act;
    src.alpha = n.alpha;
    src.beta = n.beta;
    n.forward = src;
    return true;
  }
  if (n.kind === "dense" && src.kind === "affine" && foldIntoDense) {
    foldAffineIntoDense(n, src);
    n.srcs = [src.srcs[0]!];
    return true;
  }
  if (n.kind === "affine" && src.kind === "dense") {
    foldDenseIntoAffine(n, src);
    return true;
  }
  if (n.kind === "affine" && src.kind === "affine") {
    for (let i = 0; i < n.width; i++) {
      n.b![i] = n.w![i]! * src.b![i]! + n.b![i]!;
      n.w![i] = n.w![i]! * src.w![i]!;
    }
    n.scaler = undefined;
    n.srcs = [src.srcs[0]!];
    return true;
  }
  return false;
}

/** The gather rewrites (see the header); a value's readers are unchanged, so any reader count goes. */
function gatherStep(n: IrValue): boolean {
  if (n.kind === "concat") {
    // Parts that are all gathers of one source (or that source itself): one gather.
    const base = (p: IrValue) => (p.kind === "gather" ? p.srcs[0]! : p);
    const from = base(n.srcs[0]!);
    if (n.srcs.length < 2 || !n.srcs.every((p) => base(p) === from)) return false;
    const index: number[] = [];
    for (const p of n.srcs)
      index.push(...(p.kind === "gather" ? p.index! : Array.from({ length: p.width }, (_, i) => i)));
    n.kind = "gather";
    n.index = Int32Array.from(index);
    n.srcs = [from];
    return true;
  }
  const src = n.srcs[0]!;
  if (src.kind === "gather") {
    n.index = n.index!.map((i) => src.index![i]!);
    n.srcs = [src.srcs[0]!];
    return true;
  }
  if (n.index!.length === src.width && n.index!.every((v, i) => v === i)) {
    n.forward = src;
    return true;
  }
  return false;
}

/** A dense node of two sigmoid outputs whose rows and biases mirror each other: [σ(−s), σ(s)]. */
function isBinarySigmoidPair(d: IrValue): boolean {
  if (d.kind !== "dense" || d.width !== 2 || d.act !== Act.Sigmoid) return false;
  const nIn = d.w!.length / 2;
  for (let i = 0; i < nIn; i++) if (d.w![i] !== -d.w![nIn + i]!) return false;
  return d.b![0] === -d.b![1]!;
}

function isIdentity(n: IrValue): boolean {
  return n.w!.every((v) => v === 1) && n.b!.every((v) => v === 0);
}

/**
 * dense(affine(x)) = W(s⊙x + t) + b = (W·diag s) x + (W t + b). A scaler's affine
 * (x − mean) / scale folds as W' = W / scale, b' = b − W'·mean.
 */
function foldAffineIntoDense(d: IrValue, a: IrValue): void {
  const nIn = a.width,
    nOut = d.width,
    w = d.w!,
    b = d.b!;
  if (a.scaler) {
    const { mean, scale } = a.scaler;
    for (let o = 0; o < nOut; o++) {
      let shift = 0;
      for (let i = 0; i < nIn; i++) {
        const wi = w[o * nIn + i]! / scale[i]!;
        w[o * nIn + i] = wi;
        shift += wi * mean[i]!;
      }
      b[o] = b[o]! - shift;
    }
    return;
  }
  for (let o = 0; o < nOut; o++) {
    let shift = 0;
    for (let i = 0; i < nIn; i++) {
      shift += w[o * nIn + i]! * a.b![i]!;
      w[o * nIn + i] = w[o * nIn + i]! * a.w![i]!;
    }
    b[o] = b[o]! + shift;
  }
}

/** affine(dense(x)) = s⊙(W x + b) + t: the affine node becomes the dense layer. */
function foldDenseIntoAffine(a: IrValue, d: IrValue): void {
  const nIn = d.srcs[0]!.width,
    nOut = d.width;
  const w = new Float64Array(nOut * nIn),
    b = new Float64Array(nOut);
  for (let o = 0; o < nOut; o++) {
    for (let i = 0; i < nIn; i++) w[o * nIn + i] = a.w![o]! * d.w![o * nIn + i]!;
    b[o] = a.w![o]! * d.b![o]! + a.b![o]!;
  }
  a.kind = "dense";
  a.w = w;
  a.b = b;
  a.scaler = undefined;
  a.where = d.where;
  a.srcs = [d.srcs[0]!];
}
