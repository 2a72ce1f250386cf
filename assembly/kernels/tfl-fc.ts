// FC_I8: TensorFlow Lite's int8 FULLY_CONNECTED. Rows hold int8 values as f32 (the arena's
// element type). Per output o:
//   acc = b'[o] + Σ x[i]·W[o][i]   (i32; b' = bias − input_zero_point·Σ W[o][·], folded at pack
//                                   time: the same wrapping i32 sum as Σ (x[i] − zp)·W[o][i])
//   y[o] = requantize(acc, o), clamped to [actMin, actMax]
// requantize (./tfl-fixed.ts): XNNPACK's fp32 form (what TFLite and LiteRT.js run, the default)
// or, with STEP_FLAG_TFL_FIXED_POINT, TFLite's reference kernels' Q31 multiplier and shift.
// aux layout (4-aligned): i32 outZp, actMin, actMax, 0; i32 b'[nOut]; the f32 scale (or i32 Q31
// multiplier) [nOut]; i32 shift [nOut] (0 for fp32); then the int8 weights W[nOut][nIn].
// Scratch: the row as i16, nIn rounded up to 8 (SIMD form).
import { S_AUX, S_FLAGS, S_SCRATCH, STEP_FLAG_TFL_FIXED_POINT } from "../abi";
import { requantize } from "./tfl-fixed";

/** Bytes of aux before the weights. */
// @ts-ignore: decorator
@inline function weightsAt(nOut: i32): usize { return 16 + <usize>nOut * 12; }

/** Scalar reference: one row, x and y f32 rows of int8 values. */
export function fcI8Ref(x: usize, aux: usize, y: usize, nIn: i32, nOut: i32, fixed: bool): void {
  const outZp = load<i32>(aux), lo = load<i32>(aux + 4), hi = load<i32>(aux + 8);
  const w = aux + weightsAt(nOut);
  for (let o = 0; o < nOut; o++) {
    let acc = load<i32>(aux + 16 + (<usize>o << 2));
    const row = w + <usize>o * <usize>nIn;
    for (let i = 0; i < nIn; i++) acc += <i32>load<f32>(x + (<usize>i << 2)) * <i32>load<i8>(row + <usize>i);
    store<f32>(y + (<usize>o << 2), <f32>requantize(acc, aux + 16 + (<usize>(nOut + o) << 2), nOut, outZp, lo, hi, fixed));
  }
}

/** SIMD form: the row to i16 once (scratch q), then 8 products per i32x4.dot_i16x8_s. Integer sums: same bits. */
export function fcI8(x: usize, aux: usize, y: usize, q: usize, nIn: i32, nOut: i32, fixed: bool): void {
  if (!ASC_FEATURE_SIMD) {
    fcI8Ref(x, aux, y, nIn, nOut, fixed);
    return;
  }
  const outZp = load<i32>(aux), lo = load<i32>(aux + 4), hi = load<i32>(aux + 8);
  const w = aux + weightsAt(nOut);
  const n8 = nIn & ~7;
  for (let i = 0; i < nIn; i++) store<i16>(q + (<usize>i << 1), <i16>(<i32>load<f32>(x + (<usize>i << 2))));
  for (let o = 0; o < nOut; o++) {
    const row = w + <usize>o * <usize>nIn;
    let accv = i32x4.splat(0);
    for (let i = 0; i < n8; i += 8) {
      const wv = i16x8.extend_low_i8x16_s(v128.load64_zero(row + <usize>i));
      accv = i32x4.add(accv, i32x4.dot_i16x8_s(v128.load(q + (<usize>i << 1)), wv));
    }
    let acc = load<i32>(aux + 16 + (<usize>o << 2)) + i32x4.extract_lane(accv, 0) + i32x4.extract_lane(accv, 1) +
      i32x4.extract_lane(accv, 2) + i32x4.extract_lane(accv, 3);
    for (let i = n8; i < nIn; i++) acc += <i32>load<i16>(q + (<usize>i << 1)) * <i32>load<i8>(row + <usize>i);
    store<f32>(y + (<usize>o << 2), <f32>requantize(acc, aux + 16 + (<usize>(nOut + o) << 2), nOut, outZp, lo, hi, fixed));
  }
}

// ---- Step entry (assembly/run.ts): aux (the parameters), scratch (the i16 row) and the flag.

/** FC_I8 row by row. */
export function stepFcI8(s: usize, image: usize, arena: usize, src: usize, srcStep: usize, dst: usize, dstStep: usize, nIn: i32, nOut: i32, w: usize, b: usize, act: u32, alpha: f32, beta: f32, nRows: i32): void {
  const aux = image + <usize>load<u32>(s + S_AUX);
  const q = arena + <usize>load<u32>(s + S_SCRATCH);
  const fixed = (<u32>load<u16>(s + S_FLAGS) & STEP_FLAG_TFL_FIXED_POINT) != 0;
  for (let r = 0; r < nRows; r++) fcI8(src + <usize>r * srcStep, aux, dst + <usize>r * dstStep, q, nIn, nOut, fixed);
}
