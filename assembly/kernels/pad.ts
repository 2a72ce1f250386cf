// PAD: the row as a tensor of up to four dims, padded with the constant alpha (ONNX Pad,
// mode constant). aux (i32 × 8): the input dims d0..d3 (leading ones padded), then the pads
// before each dim; the output dims are the input's plus both pads (the rest is in nOut, checked
// at load). A copy: the same bits in both builds.

import { S_AUX } from "../abi";

export function padF32(x: usize, y: usize, geo: usize, nOut: i32, value: f32): void {
  const d0 = load<i32>(geo), d1 = load<i32>(geo, 4), d2 = load<i32>(geo, 8), d3 = load<i32>(geo, 12);
  const p0 = load<i32>(geo, 16), p1 = load<i32>(geo, 20), p2 = load<i32>(geo, 24), p3 = load<i32>(geo, 28);
  const o1 = load<i32>(geo, 36), o2 = load<i32>(geo, 40), o3 = load<i32>(geo, 44);
  for (let i = 0; i < nOut; i++) store<f32>(y + (<usize>i << 2), value);
  let p = x;
  for (let i = 0; i < d0; i++) {
    for (let j = 0; j < d1; j++) {
      for (let k = 0; k < d2; k++) {
        const at = (((i + p0) * o1 + j + p1) * o2 + k + p2) * o3 + p3;
        memory.copy(y + (<usize>at << 2), p, <usize>d3 << 2);
        p += <usize>d3 << 2;
      }
    }
  }
}

export function stepPad(s: usize, image: usize, src: usize, srcStep: usize, dst: usize, dstStep: usize, nIn: i32, nOut: i32, w: usize, b: usize, act: u32, alpha: f32, beta: f32, nRows: i32): void {
  const geo = image + <usize>load<u32>(s + S_AUX);
  for (let r = 0; r < nRows; r++) padF32(src + <usize>r * srcStep, dst + <usize>r * dstStep, geo, nOut, alpha);
}
