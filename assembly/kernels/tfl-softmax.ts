// SOFTMAX_I8: TensorFlow Lite's int8 SOFTMAX as its optimized kernel runs it (optimized_ops::
// Softmax with PopulateSoftmaxLookupTable): t[255 − d] = expf(−inputScale·beta·d), computed at
// pack time, so for a row x with maximum m: sum = Σ t[255 − m + x[j]] in f32, in order;
// inv = 1 / (sum · outScale); y[j] = clamp(round(t[255 − m + x[j]] · inv) + outZp), std::round
// (half away from zero). aux: f32 t[256], f32 outScale, i32 outZp. Scalar only: the same bits in
// both builds (a SIMD sum would change the order of the f32 additions).
import { S_AUX } from "../abi";

/** x[j] as an int8 (saturating: a row not from an int8 step cannot index past the table). */
// @ts-ignore: decorator
@inline function q8(x: usize, j: i32): i32 { return min(127, max(-128, <i32>load<f32>(x + (<usize>j << 2)))); }

export function softmaxI8(x: usize, aux: usize, y: usize, n: i32): void {
  const outScale = load<f32>(aux + 1024), outZp = load<i32>(aux + 1028);
  let m: i32 = -128;
  for (let j = 0; j < n; j++) m = max(m, q8(x, j));
  const base = 255 - m; // t[base + x[j]], base + x[j] in 0..255
  let sum: f32 = 0;
  for (let j = 0; j < n; j++) sum += load<f32>(aux + (<usize>(base + q8(x, j)) << 2));
  const inv: f32 = <f32>1 / (sum * outScale);
  for (let j = 0; j < n; j++) {
    const p = <f64>(load<f32>(aux + (<usize>(base + q8(x, j)) << 2)) * inv);
    const r = <i32>(p < 0 ? -Math.floor(-p + 0.5) : Math.floor(p + 0.5)) + outZp; // std::round, exact in f64
    store<f32>(y + (<usize>j << 2), <f32>min(127, max(-128, r)));
  }
}

export function stepSoftmaxI8(s: usize, image: usize, src: usize, srcStep: usize, dst: usize, dstStep: usize, nIn: i32, nOut: i32, w: usize, b: usize, act: u32, alpha: f32, beta: f32, nRows: i32): void {
  const aux = image + <usize>load<u32>(s + S_AUX);
  for (let r = 0; r < nRows; r++) softmaxI8(src + <usize>r * srcStep, aux, dst + <usize>r * dstStep, nIn);
}
