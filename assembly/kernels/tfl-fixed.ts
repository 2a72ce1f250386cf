// TensorFlow Lite's requantization of an i32 accumulator to int8, in its two forms:
// - fp32 (XNNPACK, which TFLite and LiteRT.js run int8 models on): acc as f32, times the f32
//   scale input·weight/output (computed in f32 at pack time), clamped to [lo − zp, hi − zp],
//   rounded to nearest even (XNNPACK's magic-bias trick is f32.nearest), plus zp;
// - fixed point (TFLite's reference kernels, tensorflow/lite/kernels/internal/common.h without
//   TFLITE_SINGLE_ROUNDING): a Q31 mantissa m and a power-of-two shift, gemmlowp rounding.
// The int8 kernels (FC_I8, …) call it per output; both builds run the same scalar operations.

/** gemmlowp SaturatingRoundingDoublingHighMul: round(a·b / 2^31), INT32_MIN² saturating. */
// @ts-ignore: decorator
@inline export function srdhm(a: i32, b: i32): i32 {
  if (a == b && a == i32.MIN_VALUE) return i32.MAX_VALUE;
  const ab = <i64>a * <i64>b;
  const nudge: i64 = ab >= 0 ? 1 << 30 : 1 - (1 << 30);
  return <i32>((ab + nudge) / (<i64>1 << 31)); // i64.div_s truncates toward zero, as C++ does
}

/** gemmlowp RoundingDivideByPOT: x / 2^e rounded to nearest, ties away from zero. */
// @ts-ignore: decorator
@inline export function rdbpot(x: i32, e: i32): i32 {
  const mask = (1 << e) - 1;
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> e) + (remainder > threshold ? 1 : 0);
}

/** MultiplyByQuantizedMultiplier(x, m, shift): shift > 0 shifts left first, < 0 divides after. */
// @ts-ignore: decorator
@inline export function mulQ(x: i32, m: i32, shift: i32): i32 {
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  return rdbpot(srdhm(x << left, m), right);
}

/**
 * One output: p points at the channel's scale (f32, or i32 m when fixed) and, nOut words later,
 * its shift. Returns the clamped int8 value.
 */
// @ts-ignore: decorator
@inline export function requantize(acc: i32, p: usize, nOut: i32, zp: i32, lo: i32, hi: i32, fixed: bool): i32 {
  if (fixed) return min(hi, max(lo, mulQ(acc, load<i32>(p), load<i32>(p + (<usize>nOut << 2))) + zp));
  const v = min(<f32>(hi - zp), max(<f32>(lo - zp), <f32>acc * load<f32>(p)));
  return <i32>nearest<f32>(v) + zp;
}
