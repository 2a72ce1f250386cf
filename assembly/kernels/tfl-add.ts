// ADD_I8: TensorFlow Lite's int8 ADD of two activations of one shape, as XNNPACK runs it
// (xnn_init_qs8_add_minmax_scalar_params and the qs8 vadd kernels): the row holds a then b
// (the planner's concat: nIn = 2·nOut), and y = clamp((bias + a·ma + b·mb) >> shift + outZp),
// an arithmetic shift; bias = 2^(shift−1) − ma·aZp − mb·bZp (folded at pack time).
// aux: i32 bias, ma, mb, shift, outZp, lo, hi, 0. Integer only: the same bits in both builds.
import { S_AUX } from "../abi";

export function addI8(x: usize, aux: usize, y: usize, n: i32): void {
  const bias = load<i32>(aux), ma = load<i32>(aux + 4), mb = load<i32>(aux + 8), shift = load<i32>(aux + 12);
  const zp = load<i32>(aux + 16), lo = load<i32>(aux + 20), hi = load<i32>(aux + 24);
  const b = x + (<usize>n << 2);
  for (let i = 0; i < n; i++) {
    const p = <usize>i << 2;
    const acc = bias + <i32>load<f32>(x + p) * ma + <i32>load<f32>(b + p) * mb;
    store<f32>(y + p, <f32>min(hi, max(lo, (acc >> shift) + zp)));
  }
}

export function stepAddI8(s: usize, image: usize, src: usize, srcStep: usize, dst: usize, dstStep: usize, nIn: i32, nOut: i32, w: usize, b: usize, act: u32, alpha: f32, beta: f32, nRows: i32): void {
  const aux = image + <usize>load<u32>(s + S_AUX);
  for (let r = 0; r < nRows; r++) addI8(src + <usize>r * srcStep, aux, dst + <usize>r * dstStep, nOut);
}
