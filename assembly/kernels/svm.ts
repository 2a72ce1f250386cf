// SVM_KERNEL: the kernel values of one row against every support vector, y[j] = K(x, sv[j]),
// as ONNX-ML SVMClassifier / SVMRegressor (and libsvm) define them: linear x·sv, poly
// (gamma x·sv + coef0)^degree, rbf exp(−gamma |x − sv|²), sigmoid tanh(gamma x·sv + coef0).
// The dual coefficients that combine them are a DENSE step after this one. The sums run in four
// lanes (lane k takes the elements i ≡ k mod 4, in increasing i, then (s0 + s1) + (s2 + s3)) in
// both builds: the scalar reference gives the SIMD form's bits.
// Layout: w = f32[nOut][nIn] support vectors; act = kernel, alpha = gamma, beta = coef0, degree.
import { S_FLAGS } from "../abi";
import { expF32 } from "./math";
import { tanhS } from "./activations";

const K_LINEAR: u32 = 0;
const K_POLY: u32 = 1;
const K_RBF: u32 = 2;

// @ts-ignore: decorator
@inline function finish(kernel: u32, s: f32, gamma: f32, coef0: f32, degree: i32): f32 {
  if (kernel == K_LINEAR) return s;
  if (kernel == K_RBF) return expF32(-gamma * s);
  const t = gamma * s + coef0;
  if (kernel == K_POLY) {
    let p: f32 = 1;
    for (let d = 0; d < degree; d++) p *= t;
    return p;
  }
  return tanhS(t); // sigmoid kernel (not behind the activation switch: always compiled in here)
}

/** Scalar reference: four lane sums per support vector. */
export function svmKernelRef(x: usize, sv: usize, y: usize, nIn: i32, nOut: i32, kernel: u32, gamma: f32, coef0: f32, degree: i32): void {
  for (let j = 0; j < nOut; j++) {
    const v = sv + (<usize>(j * nIn) << 2);
    let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
    for (let i = 0; i < nIn; i++) {
      const a = load<f32>(x + (<usize>i << 2)), c = load<f32>(v + (<usize>i << 2));
      let t: f32;
      if (kernel == K_RBF) { const d = a - c; t = d * d; } else t = a * c;
      const lane = i & 3;
      if (lane == 0) s0 += t;
      else if (lane == 1) s1 += t;
      else if (lane == 2) s2 += t;
      else s3 += t;
    }
    store<f32>(y + (<usize>j << 2), finish(kernel, (s0 + s1) + (s2 + s3), gamma, coef0, degree));
  }
}

export function svmKernel(x: usize, sv: usize, y: usize, nIn: i32, nOut: i32, kernel: u32, gamma: f32, coef0: f32, degree: i32): void {
  if (ASC_FEATURE_SIMD) {
    const n4 = nIn & ~3;
    const rbf = kernel == K_RBF;
    for (let j = 0; j < nOut; j++) {
      const v = sv + (<usize>(j * nIn) << 2);
      let acc = f32x4.splat(0);
      for (let i = 0; i < n4; i += 4) {
        const a = v128.load(x + (<usize>i << 2)), c = v128.load(v + (<usize>i << 2));
        if (rbf) { const d = f32x4.sub(a, c); acc = f32x4.add(acc, f32x4.mul(d, d)); }
        else acc = f32x4.add(acc, f32x4.mul(a, c));
      }
      let s0 = f32x4.extract_lane(acc, 0), s1 = f32x4.extract_lane(acc, 1);
      let s2 = f32x4.extract_lane(acc, 2);
      const s3 = f32x4.extract_lane(acc, 3);
      // The tail (fewer than 4) goes to lanes 0, 1, 2, as the reference adds it.
      for (let i = n4; i < nIn; i++) {
        const a = load<f32>(x + (<usize>i << 2)), c = load<f32>(v + (<usize>i << 2));
        let t: f32;
        if (rbf) { const d = a - c; t = d * d; } else t = a * c;
        const lane = i & 3;
        if (lane == 0) s0 += t;
        else if (lane == 1) s1 += t;
        else s2 += t;
      }
      store<f32>(y + (<usize>j << 2), finish(kernel, (s0 + s1) + (s2 + s3), gamma, coef0, degree));
    }
  } else {
    svmKernelRef(x, sv, y, nIn, nOut, kernel, gamma, coef0, degree);
  }
}

// ---- Step entry (assembly/run.ts): flags hold the poly degree.

/** SVM_KERNEL row by row. */
export function stepSvmKernel(s: usize, src: usize, srcStep: usize, dst: usize, dstStep: usize, nIn: i32, nOut: i32, w: usize, b: usize, act: u32, alpha: f32, beta: f32, nRows: i32): void {
  const degree = <i32>load<u16>(s + S_FLAGS);
  for (let r = 0; r < nRows; r++) svmKernel(src + <usize>r * srcStep, w, dst + <usize>r * dstStep, nIn, nOut, act, alpha, beta, degree);
}
