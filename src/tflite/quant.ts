/**
 * TFLite's quantization parameters, computed at pack time as TFLite computes them when it
 * prepares a kernel (tensorflow/lite/kernels/kernel_util.cc, internal/quantization_util.cc), so
 * the int8 kernels multiply by the same Q31 mantissas and shifts.
 */

/** QuantizeMultiplier: a real multiplier as a Q31 mantissa m (0 or in [2^30, 2^31)) and a shift, x·r ≈ x·m·2^(shift−31). */
export function quantizeMultiplier(real: number): { multiplier: number; shift: number } {
  if (real === 0) return { multiplier: 0, shift: 0 };
  // std::frexp: real = q · 2^shift, q in [0.5, 1).
  let shift = Math.floor(Math.log2(Math.abs(real))) + 1;
  let q = real / 2 ** shift;
  // log2 may be off by one at powers of two: bring q into [0.5, 1) exactly (powers of two are exact).
  while (Math.abs(q) >= 1) {
    q /= 2;
    shift++;
  }
  while (Math.abs(q) < 0.5) {
    q *= 2;
    shift--;
  }
  let qFixed = roundHalfAway(q * 2 ** 31);
  if (qFixed === 2 ** 31) {
    qFixed /= 2;
    shift++;
  }
  if (shift < -31) return { multiplier: 0, shift: 0 };
  return { multiplier: qFixed, shift };
}

/**
 * Per output channel, how an int8 step requantizes its i32 sums: XNNPACK's f32 scale
 * fl(fl(input · weight) / output) (as xnn_create_*_qs8 compute it; the i32 words hold its bits,
 * shift 0), or with ctx.arithmetic "reference" TFLite's reference kernels' QuantizeMultiplier of
 * the same ratio in double (GetQuantizedConvolutionMultipler).
 */
export function requantization(
  ctx: { arithmetic: "xnnpack" | "reference" },
  inputScale: number,
  weightScales: readonly number[],
  outputScale: number,
  nOut: number,
): { mult: Int32Array; shift: Int32Array; fixed: boolean } {
  const fixed = ctx.arithmetic === "reference";
  const mult = new Int32Array(nOut),
    shift = new Int32Array(nOut);
  const scales = new Float32Array(mult.buffer);
  for (let o = 0; o < nOut; o++) {
    const ws = weightScales[weightScales.length === 1 ? 0 : o]!;
    if (fixed) {
      const q = quantizeMultiplier((inputScale * ws) / outputScale);
      mult[o] = q.multiplier;
      shift[o] = q.shift;
    } else scales[o] = Math.fround(Math.fround(inputScale * ws) / outputScale);
  }
  return { mult, shift, fixed };
}

/** std::round: half away from zero. */
export const roundHalfAway = (v: number): number => Math.sign(v) * Math.round(Math.abs(v));

/** The clamp of a fused activation on an int8 output (CalculateActivationRangeQuantized). */
export function int8ActivationRange(act: string, scale: number, zeroPoint: number) {
  const q = (f: number) => zeroPoint + roundHalfAway(Math.fround(f / scale));
  const lo = -128,
    hi = 127;
  switch (act) {
    case "relu":
      return { lo: Math.max(lo, q(0)), hi };
    case "relu6":
      return { lo: Math.max(lo, q(0)), hi: Math.min(hi, q(6)) };
    case "relu_n1_to_1":
      return { lo: Math.max(lo, q(-1)), hi: Math.min(hi, q(1)) };
    default:
      return { lo, hi };
  }
}
