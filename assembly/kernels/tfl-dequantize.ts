// DEQUANT_I8: TensorFlow Lite's DEQUANTIZE of an int8 tensor, y = (x − zp) · scale in f32 (the
// difference is exact; one rounding, as XNNPACK's qs8→f32 convert and TFLite's reference, whose
// double product of these operands rounds to the same f32). alpha = zp, beta = scale. In place.
export function dequantI8(x: usize, y: usize, n: i32, zp: f32, scale: f32): void {
  for (let i = 0; i < n; i++) {
    const p = <usize>i << 2;
    store<f32>(y + p, (load<f32>(x + p) - zp) * scale);
  }
}

export function stepDequantI8(s: usize, src: usize, srcStep: usize, dst: usize, dstStep: usize, nIn: i32, nOut: i32, w: usize, b: usize, act: u32, alpha: f32, beta: f32, nRows: i32): void {
  for (let r = 0; r < nRows; r++) dequantI8(src + <usize>r * srcStep, dst + <usize>r * dstStep, nIn, alpha, beta);
}
