/**
 * Weight quantization for DENSE_Q8: symmetric int8 per output channel.
 * scale[o] = max_i |W[o][i]| / 127, q = round-half-even(W / scale) in [−127, 127].
 * (−128 is left unused so that the range is symmetric, as onnxruntime's quantizer does.)
 *
 * With scales "bf16" (post-training quantization at pack time) the scale is rounded up to a
 * bfloat16 value (an f32 whose lower 16 bits are zero, stored in 2 bytes) and the weights are
 * quantized with exactly that stored scale: |W / scale| ≤ 127, so nothing clips, and the step
 * is at most 2^-7 (0.8 %) coarser than max|W|/127, 0.4 % on average.
 */

/** Round half to even, as ONNX QuantizeLinear and f32.nearest do (Math.round rounds half up). */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The smallest bfloat16 value ≥ x (x ≥ 0 and finite), as a number (an f32 with its lower 16 bits zero). */
export function bf16Ceil(x: number): number {
  f32[0] = x;
  if (f32[0]! < x || (u32[0]! & 0xffff) !== 0) u32[0] = (((u32[0]! >>> 16) + 1) << 16) >>> 0;
  return f32[0]!;
}

/** The upper 16 bits of an f32 that is a bfloat16 value (bf16Ceil's results). */
export function bf16Bits(x: number): number {
  f32[0] = x;
  return u32[0]! >>> 16;
}

export function quantizeRows(
  w: ArrayLike<number>,
  nOut: number,
  nIn: number,
  scaleType: "f32" | "bf16" = "f32",
): { values: Int8Array; scales: Float32Array } {
  const values = new Int8Array(nOut * nIn);
  const scales = new Float32Array(nOut);
  for (let o = 0; o < nOut; o++) {
    let maxAbs = 0;
    for (let i = 0; i < nIn; i++) maxAbs = Math.max(maxAbs, Math.abs(w[o * nIn + i]!));
    const scale = scaleType === "bf16" ? bf16Ceil(maxAbs / 127) : Math.fround(maxAbs / 127);
    scales[o] = scale;
    if (scale === 0) continue;
    for (let i = 0; i < nIn; i++)
      values[o * nIn + i] = Math.max(-127, Math.min(127, roundHalfEven(w[o * nIn + i]! / scale)));
  }
  return { values, scales };
}
