// Element-wise affine: y[i] = x[i] · s[i] + t[i]. Scalers (StandardScaler, ONNX Scaler as
// (x − offset) · scale) and batch norm that could not be folded into a neighbouring dense layer.
// Layout: s f32[n], t f32[n]; x and y may be the same row (in place) or disjoint.

import { stepFusedAct } from "./activations";

export function affineF32Ref(x: usize, s: usize, t: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const p = <usize>i << 2;
    store<f32>(y + p, load<f32>(x + p) * load<f32>(s + p) + load<f32>(t + p));
  }
}

export function affineF32(x: usize, s: usize, t: usize, y: usize, n: i32): void {
  if (ASC_FEATURE_SIMD) {
    const n4 = n & ~3;
    for (let i = 0; i < n4; i += 4) {
      const p = <usize>i << 2;
      v128.store(y + p, f32x4.add(f32x4.mul(v128.load(x + p), v128.load(s + p)), v128.load(t + p)));
    }
    const p = <usize>n4 << 2;
    affineF32Ref(x + p, s + p, t + p, y + p, n - n4);
  } else {
    affineF32Ref(x, s, t, y, n);
  }
}

// ---- Step entries (assembly/run.ts). The interpreter decodes the fields every record has once
// (src and dst with their strides in bytes, nIn, nOut, w and b as image addresses, act, alpha,
// beta: decoding them in every entry made the release wasm 388 bytes bigger); an entry decodes
// the fields only its opcode has from the record at s.

/** AFFINE row by row, then its fused activation. */
export function stepAffine(s: usize, src: usize, srcStep: usize, dst: usize, dstStep: usize, nIn: i32, nOut: i32, w: usize, b: usize, act: u32, alpha: f32, beta: f32, nRows: i32): void {
  for (let r = 0; r < nRows; r++) affineF32(src + <usize>r * srcStep, w, b, dst + <usize>r * dstStep, nIn);
  stepFusedAct(act, dst, dstStep, nOut, nRows, alpha, beta);
}
