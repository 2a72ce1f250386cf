/**
 * Weight quantization for DENSE_Q8: symmetric int8 per output channel.
 * scale[o] = max_i |W[o][i]| / 127, q = round-half-even(W / scale) in [−127, 127].
 * (−128 is left unused so that the range is symmetric, as onnxruntime's quantizer does.)
 */

/** Round half to even, as ONNX QuantizeLinear and f32.nearest do (Math.round rounds half up). */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function quantizeRows(w: ArrayLike<number>, nOut: number, nIn: number): { values: Int8Array; scales: Float32Array } {
  const values = new Int8Array(nOut * nIn);
  const scales = new Float32Array(nOut);
  for (let o = 0; o < nOut; o++) {
    let maxAbs = 0;
    for (let i = 0; i < nIn; i++) maxAbs = Math.max(maxAbs, Math.abs(w[o * nIn + i]!));
    const scale = Math.fround(maxAbs / 127);
    scales[o] = scale;
    if (scale === 0) continue;
    for (let i = 0; i < nIn; i++) values[o * nIn + i] = Math.max(-127, Math.min(127, roundHalfEven(w[o * nIn + i]! / scale)));
  }
  return { values, scales };
}
