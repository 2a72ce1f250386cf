// SVM_PROB: the class probabilities of a one-vs-one SVM from its nIn = k(k−1)/2 decision
// values, as libsvm and onnxruntime compute them: each pair's Platt probability
// r = 1 − logistic(d·A + B), clamped to [1e-7, 1 − 1e-7], then pairwise coupling
// (multiclass_probability: Wu, Lin and Weng's iteration, at most 100 rounds, stopping at
// 0.005 / k), all in f32 in onnxruntime's order. Scalar in both builds: the same bits.
// Layout: w = A[nIn], b = B[nIn]; scratch = (2k² + k) f32 (r, Q, Qp); nOut = k.
import { S_SCRATCH } from "../abi";
import { expF32 } from "./math";

// @ts-ignore: decorator
@inline function logistic(v: f32): f32 {
  const e = <f32>1 / (<f32>1 + expF32(-abs<f32>(v)));
  return v < 0 ? <f32>1 - e : e;
}

// @ts-ignore: decorator
@inline function at(p: usize, i: i32): usize { return p + (<usize>i << 2); }

/** One row: d[nIn] → p[k]; s is scratch for 2k² + k floats. */
export function svmProbRow(d: usize, a: usize, b: usize, p: usize, k: i32, s: usize): void {
  const r = s, q = s + (<usize>(k * k) << 2), qp = q + (<usize>(k * k) << 2);
  for (let i = 0; i < k * k; i++) { store<f32>(at(r, i), 0); store<f32>(at(q, i), 0); }
  let idx = 0;
  for (let i = 0; i < k - 1; i++)
    for (let j = i + 1; j < k; j++, idx++) {
      let v = <f32>1 - logistic(load<f32>(at(d, idx)) * load<f32>(at(a, idx)) + load<f32>(at(b, idx)));
      v = min<f32>(max<f32>(v, <f32>1e-7), <f32>1 - <f32>1e-7);
      store<f32>(at(r, i * k + j), v);
      store<f32>(at(r, j * k + i), <f32>1 - v);
    }
  const eps = <f32>0.005 / <f32>k;
  for (let i = 0; i < k; i++) {
    store<f32>(at(p, i), <f32>1 / <f32>k);
    for (let j = 0; j < i; j++) {
      const rji = load<f32>(at(r, j * k + i));
      store<f32>(at(q, i * k + i), load<f32>(at(q, i * k + i)) + rji * rji);
      store<f32>(at(q, i * k + j), load<f32>(at(q, j * k + i)));
    }
    for (let j = i + 1; j < k; j++) {
      const rji = load<f32>(at(r, j * k + i));
      store<f32>(at(q, i * k + i), load<f32>(at(q, i * k + i)) + rji * rji);
      store<f32>(at(q, i * k + j), -rji * load<f32>(at(r, i * k + j)));
    }
  }
  for (let loop = 0; loop < 100; loop++) {
    let pQp: f32 = 0;
    for (let i = 0; i < k; i++) {
      let v: f32 = 0;
      for (let j = 0; j < k; j++) v += load<f32>(at(q, i * k + j)) * load<f32>(at(p, j));
      store<f32>(at(qp, i), v);
      pQp += load<f32>(at(p, i)) * v;
    }
    let maxError: f32 = 0;
    for (let i = 0; i < k; i++) {
      const e = abs<f32>(load<f32>(at(qp, i)) - pQp);
      if (e > maxError) maxError = e;
    }
    if (maxError < eps) break;
    for (let i = 0; i < k; i++) {
      const qii = load<f32>(at(q, i * k + i)), qpi = load<f32>(at(qp, i));
      const diff = (-qpi + pQp) / qii;
      store<f32>(at(p, i), load<f32>(at(p, i)) + diff);
      pQp = (pQp + diff * (diff * qii + <f32>2 * qpi)) / (<f32>1 + diff) / (<f32>1 + diff);
      for (let j = 0; j < k; j++) {
        store<f32>(at(qp, j), (load<f32>(at(qp, j)) + diff * load<f32>(at(q, i * k + j))) / (<f32>1 + diff));
        store<f32>(at(p, j), load<f32>(at(p, j)) / (<f32>1 + diff));
      }
    }
  }
}

// ---- Step entry (assembly/run.ts): scratch from the record.

/** SVM_PROB row by row. */
export function stepSvmProb(s: usize, arena: usize, src: usize, srcStep: usize, dst: usize, dstStep: usize, nIn: i32, nOut: i32, w: usize, b: usize, act: u32, alpha: f32, beta: f32, nRows: i32): void {
  const scratch = arena + <usize>load<u32>(s + S_SCRATCH);
  for (let r = 0; r < nRows; r++) svmProbRow(src + <usize>r * srcStep, w, b, dst + <usize>r * dstStep, nOut, scratch);
}
