// The SIMD kernels' summation order, written with scalar f32 (issue 19: one model, one answer
// in every build). Floating-point addition is not associative, so a scalar loop that adds the
// products in plain i order differs from an f32x4 accumulator by up to a few ulp per sum. The
// scalar build therefore keeps four partial sums, one per lane, and combines them as the SIMD
// horizontal add does. wasm has no implicit fused multiply-add, so a product and a sum round
// the same way in both builds.

/**
 * Σ a[i]·b[i] over 0 ≤ i < n4 (a multiple of 4) as an f32x4 accumulator forms it: lane k sums
 * the products with i ≡ k (mod 4) in increasing i, from +0; the lanes are then added as
 * (l0 + l1) + (l2 + l3), denseF32's hsum.
 */
// @ts-ignore: decorator
@inline export function dotLanes(a: usize, b: usize, n4: i32): f32 {
  let l0: f32 = 0, l1: f32 = 0, l2: f32 = 0, l3: f32 = 0;
  const end = <usize>n4 << 2;
  for (let p: usize = 0; p < end; p += 16) {
    l0 += load<f32>(a + p) * load<f32>(b + p);
    l1 += load<f32>(a + p, 4) * load<f32>(b + p, 4);
    l2 += load<f32>(a + p, 8) * load<f32>(b + p, 8);
    l3 += load<f32>(a + p, 12) * load<f32>(b + p, 12);
  }
  return (l0 + l1) + (l2 + l3);
}

/** Σ a[i]·b[i] over from ≤ i < to in increasing i, from +0: the SIMD kernels' scalar tail. */
// @ts-ignore: decorator
@inline export function dotSeq(a: usize, b: usize, from: i32, to: i32): f32 {
  let acc: f32 = 0;
  for (let i = from; i < to; i++) acc += load<f32>(a + (<usize>i << 2)) * load<f32>(b + (<usize>i << 2));
  return acc;
}
