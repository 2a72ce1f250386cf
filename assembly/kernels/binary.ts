// BINARY: y = act(a + c) or act(a · c) of two activations of the same width (residual blocks).
// a is the step's src; c is the row at arena offset aux, nIn floats apart (the planner never
// gives the model input or an output row as c). flags: BINARY_MUL for the product.

import { stepFusedAct } from "./activations";
import { BINARY_MUL, S_AUX, S_FLAGS } from "../abi";

export function binaryF32Ref(a: usize, c: usize, y: usize, n: i32, mul: bool): void {
  for (let i = 0; i < n; i++) {
    const p = <usize>i << 2;
    const u = load<f32>(a + p), v = load<f32>(c + p);
    store<f32>(y + p, mul ? u * v : u + v);
  }
}

export function binaryF32(a: usize, c: usize, y: usize, n: i32, mul: bool): void {
  if (ASC_FEATURE_SIMD) {
    const n4 = n & ~3;
    for (let i = 0; i < n4; i += 4) {
      const p = <usize>i << 2;
      const u = v128.load(a + p), v = v128.load(c + p);
      v128.store(y + p, mul ? f32x4.mul(u, v) : f32x4.add(u, v));
    }
    const p = <usize>n4 << 2;
    binaryF32Ref(a + p, c + p, y + p, n - n4, mul);
  } else {
    binaryF32Ref(a, c, y, n, mul);
  }
}

export function stepBinary(s: usize, arena: usize, src: usize, srcStep: usize, dst: usize, dstStep: usize, nIn: i32, nOut: i32, w: usize, b: usize, act: u32, alpha: f32, beta: f32, nRows: i32): void {
  const c = arena + <usize>load<u32>(s + S_AUX);
  const mul = (<u32>load<u16>(s + S_FLAGS) & BINARY_MUL) != 0;
  for (let r = 0; r < nRows; r++) binaryF32(src + <usize>r * srcStep, c + (<usize>(r * nIn) << 2), dst + <usize>r * dstStep, nIn, mul);
  stepFusedAct(act, dst, dstStep, nOut, nRows, alpha, beta);
}
