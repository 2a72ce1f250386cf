// TRANSPOSE: the row as a tensor of up to four dims, its axes permuted (NCHW ↔ NHWC at the
// edges of a convolutional net, ONNX Transpose). aux (i32 × 8): the input dims d0..d3 (leading
// ones padded) and, per output axis, the input axis it takes. A copy: the same bits in both builds.

import { S_AUX } from "../abi";

export function transposeF32(x: usize, y: usize, geo: usize): void {
  const d0 = load<i32>(geo), d1 = load<i32>(geo, 4), d2 = load<i32>(geo, 8), d3 = load<i32>(geo, 12);
  // Input strides in floats, then the strides of the input axis each output axis walks.
  const st0 = d1 * d2 * d3, st1 = d2 * d3, st2 = d3;
  const a0 = load<i32>(geo, 16), a1 = load<i32>(geo, 20), a2 = load<i32>(geo, 24), a3 = load<i32>(geo, 28);
  const n0 = axisDim(a0, d0, d1, d2, d3), n1 = axisDim(a1, d0, d1, d2, d3), n2 = axisDim(a2, d0, d1, d2, d3), n3 = axisDim(a3, d0, d1, d2, d3);
  const s0 = axisDim(a0, st0, st1, st2, 1), s1 = axisDim(a1, st0, st1, st2, 1), s2 = axisDim(a2, st0, st1, st2, 1), s3 = axisDim(a3, st0, st1, st2, 1);
  let out = y;
  for (let i = 0; i < n0; i++) {
    for (let j = 0; j < n1; j++) {
      for (let k = 0; k < n2; k++) {
        let p = x + (<usize>(i * s0 + j * s1 + k * s2) << 2);
        for (let l = 0; l < n3; l++, out += 4, p += <usize>s3 << 2) store<f32>(out, load<f32>(p));
      }
    }
  }
}

// @ts-ignore: decorator
@inline function axisDim(a: i32, v0: i32, v1: i32, v2: i32, v3: i32): i32 {
  return a == 0 ? v0 : a == 1 ? v1 : a == 2 ? v2 : v3;
}

export function stepTranspose(s: usize, image: usize, src: usize, srcStep: usize, dst: usize, dstStep: usize, nIn: i32, nOut: i32, w: usize, b: usize, act: u32, alpha: f32, beta: f32, nRows: i32): void {
  const geo = image + <usize>load<u32>(s + S_AUX);
  for (let r = 0; r < nRows; r++) transposeF32(src + <usize>r * srcStep, dst + <usize>r * dstStep, geo);
}
