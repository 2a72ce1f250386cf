// Row reductions over short vectors (class scores): argmax and normalization.
// Scalar only: they run once per row over a handful of values, after the dense work.
import { NORM_L1, NORM_L2 } from "../abi";

/** Index of the first largest value; a NaN counts as largest (numpy's argmax). Written as f32. */
export function argmaxF32(x: usize, y: usize, n: i32): void {
  let best = load<f32>(x);
  let at = 0;
  for (let i = 1; i < n && best == best; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (v > best || v != v) { best = v; at = i; }
  }
  store<f32>(y, <f32>at);
}

/**
 * ONNX ai.onnx.ml Normalizer: MAX divides by the largest value, L1 by Σ|x|, L2 by sqrt(Σx²).
 * A zero norm leaves the row unchanged, as onnxruntime does.
 */
export function normalizeF32(mode: u32, x: usize, y: usize, n: i32): void {
  let d: f32 = 0;
  if (mode == NORM_L1) {
    for (let i = 0; i < n; i++) d += abs<f32>(load<f32>(x + (<usize>i << 2)));
  } else if (mode == NORM_L2) {
    for (let i = 0; i < n; i++) { const v = load<f32>(x + (<usize>i << 2)); d += v * v; }
    d = sqrt<f32>(d);
  } else {
    d = load<f32>(x);
    for (let i = 1; i < n; i++) d = max<f32>(d, load<f32>(x + (<usize>i << 2)));
  }
  if (d == 0) d = 1;
  for (let i = 0; i < n; i++) store<f32>(y + (<usize>i << 2), load<f32>(x + (<usize>i << 2)) / d);
}

/** Index of the first NaN in x[0..n), or −1. The input guard of run/runBatch. */
export function findNaNF32(x: usize, n: i32): i32 {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const n4 = n & ~3;
    for (; i < n4; i += 4) {
      const v = v128.load(x + (<usize>i << 2));
      if (v128.any_true(f32x4.ne(v, v))) break; // the scalar loop below finds the lane
    }
  }
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (v != v) return i;
  }
  return -1;
}

// ---- Step entries (assembly/run.ts). The interpreter decodes the fields every record has once
// (src and dst with their strides in bytes, nIn, nOut, w and b as image addresses, act, alpha,
// beta: decoding them in every entry made the release wasm 388 bytes bigger); an entry decodes
// the fields only its opcode has from the record at s.

/** ARGMAX row by row. */
export function stepArgmax(s: usize, src: usize, srcStep: usize, dst: usize, dstStep: usize, nIn: i32, nOut: i32, w: usize, b: usize, act: u32, alpha: f32, beta: f32, nRows: i32): void {
  for (let r = 0; r < nRows; r++) argmaxF32(src + <usize>r * srcStep, dst + <usize>r * dstStep, nIn);
}

/** NORMALIZE row by row (the norm in the act byte). */
export function stepNormalize(s: usize, src: usize, srcStep: usize, dst: usize, dstStep: usize, nIn: i32, nOut: i32, w: usize, b: usize, act: u32, alpha: f32, beta: f32, nRows: i32): void {
  const norm = act;
  for (let r = 0; r < nRows; r++) normalizeF32(norm, src + <usize>r * srcStep, dst + <usize>r * dstStep, nIn);
}

/** COPY row by row. */
export function stepCopy(s: usize, src: usize, srcStep: usize, dst: usize, dstStep: usize, nIn: i32, nOut: i32, w: usize, b: usize, act: u32, alpha: f32, beta: f32, nRows: i32): void {
  for (let r = 0; r < nRows; r++) memory.copy(dst + <usize>r * dstStep, src + <usize>r * srcStep, <usize>nIn << 2);
}
