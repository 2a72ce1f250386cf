// Activations over one row of n floats, x → y (y may equal x: in place).
// Element-wise: relu, leaky relu (alpha), sigmoid, tanh, hard sigmoid (alpha, beta).
// Row-wise: softmax and log-softmax (max-subtracted, so large inputs do not overflow).
//
// NaN propagates everywhere (NaN in → NaN out); softmax with a NaN anywhere gives all NaN,
// as numpy and onnxruntime do. The scalar …Ref functions define the results; the 4-lane
// versions run the same f32 operations per element, so both builds agree bit for bit on the
// element-wise activations.
import { ACT_NONE, ACT_RELU, ACT_LEAKY_RELU, ACT_SIGMOID, ACT_TANH, ACT_SOFTMAX, ACT_LOG_SOFTMAX, ACT_HARD_SIGMOID } from "../abi";
import { expF32, expm1F32, logF32, expF32x4, expm1F32x4 } from "./math";

// ---- scalar element functions ----

// @ts-ignore: decorator
@inline function reluS(v: f32): f32 { return v < 0 ? <f32>0 : v; }
// @ts-ignore: decorator
@inline function leakyS(v: f32, alpha: f32): f32 { return v < 0 ? v * alpha : v; }
// @ts-ignore: decorator
@inline function sigmoidS(v: f32): f32 { return <f32>1.0 / (<f32>1.0 + expF32(-v)); }
// tanh(|v|) = −t / (t + 2) with t = expm1(−2|v|) ∈ (−1, 0]: no cancellation near 0, exactly ±1 for large |v|.
// @ts-ignore: decorator
@inline function tanhS(v: f32): f32 {
  const t = expm1F32(<f32>-2.0 * abs<f32>(v));
  return copysign<f32>(-t / (t + <f32>2.0), v);
}
// @ts-ignore: decorator
@inline function hardSigmoidS(v: f32, alpha: f32, beta: f32): f32 {
  const u = alpha * v + beta;
  const lo = u < 0 ? <f32>0 : u;
  return lo > 1 ? <f32>1 : lo;
}

/** Scalar reference for every activation kind. */
export function applyActRef(act: u32, x: usize, y: usize, n: i32, alpha: f32, beta: f32): void {
  if (act == ACT_SOFTMAX) { softmaxRef(x, y, n); return; }
  if (act == ACT_LOG_SOFTMAX) { logSoftmaxRef(x, y, n); return; }
  for (let i = 0; i < n; i++) {
    const p = <usize>i << 2;
    const v = load<f32>(x + p);
    let r = v;
    if (act == ACT_RELU) r = reluS(v);
    else if (act == ACT_LEAKY_RELU) r = leakyS(v, alpha);
    else if (act == ACT_SIGMOID) r = sigmoidS(v);
    else if (act == ACT_TANH) r = tanhS(v);
    else if (act == ACT_HARD_SIGMOID) r = hardSigmoidS(v, alpha, beta);
    store<f32>(y + p, r);
  }
}

export function softmaxRef(x: usize, y: usize, n: i32): void {
  let m = load<f32>(x);
  for (let i = 1; i < n; i++) m = max<f32>(m, load<f32>(x + (<usize>i << 2))); // IEEE max: NaN wins
  let s: f32 = 0;
  for (let i = 0; i < n; i++) {
    const e = expF32(load<f32>(x + (<usize>i << 2)) - m);
    store<f32>(y + (<usize>i << 2), e);
    s += e;
  }
  for (let i = 0; i < n; i++) store<f32>(y + (<usize>i << 2), load<f32>(y + (<usize>i << 2)) / s);
}

export function logSoftmaxRef(x: usize, y: usize, n: i32): void {
  let m = load<f32>(x);
  for (let i = 1; i < n; i++) m = max<f32>(m, load<f32>(x + (<usize>i << 2)));
  let s: f32 = 0;
  for (let i = 0; i < n; i++) s += expF32(load<f32>(x + (<usize>i << 2)) - m);
  const ls = logF32(s);
  for (let i = 0; i < n; i++) store<f32>(y + (<usize>i << 2), (load<f32>(x + (<usize>i << 2)) - m) - ls);
}

// ---- 4-lane versions ----

/** Four lanes at a time in the SIMD build; the reference otherwise. */
export function applyAct(act: u32, x: usize, y: usize, n: i32, alpha: f32, beta: f32): void {
  if (ASC_FEATURE_SIMD) {
    if (act == ACT_NONE) { if (x != y) memory.copy(y, x, <usize>n << 2); return; }
    if (act == ACT_SOFTMAX) { softmax(x, y, n); return; }
    if (act == ACT_LOG_SOFTMAX) { logSoftmaxRef(x, y, n); return; }
    const n4 = n & ~3;
    const zero = f32x4.splat(0);
    const one = f32x4.splat(1);
    const va = f32x4.splat(alpha);
    const vb = f32x4.splat(beta);
    for (let i = 0; i < n4; i += 4) {
      const p = <usize>i << 2;
      const v = v128.load(x + p);
      let r = v;
      if (act == ACT_RELU) {
        r = f32x4.pmax(v, zero); // v < 0 ? 0 : v, NaN kept
      } else if (act == ACT_LEAKY_RELU) {
        r = v128.bitselect(f32x4.mul(v, va), v, f32x4.lt(v, zero));
      } else if (act == ACT_SIGMOID) {
        r = f32x4.div(one, f32x4.add(one, expF32x4(f32x4.neg(v))));
      } else if (act == ACT_TANH) {
        const t = expm1F32x4(f32x4.mul(f32x4.splat(-2.0), f32x4.abs(v)));
        const a = f32x4.div(f32x4.neg(t), f32x4.add(t, f32x4.splat(2.0)));
        const sign = v128.and(v, i32x4.splat(0x80000000));
        r = v128.or(v128.andnot(a, i32x4.splat(0x80000000)), sign); // copysign
      } else if (act == ACT_HARD_SIGMOID) {
        r = f32x4.pmin(f32x4.pmax(f32x4.add(f32x4.mul(va, v), vb), zero), one);
      }
      v128.store(y + p, r);
    }
    if (n4 < n) applyActRef(act, x + (<usize>n4 << 2), y + (<usize>n4 << 2), n - n4, alpha, beta);
  } else {
    if (act == ACT_NONE) { if (x != y) memory.copy(y, x, <usize>n << 2); return; }
    applyActRef(act, x, y, n, alpha, beta);
  }
}

/** Softmax with a 4-lane max and exp; the normalising sum runs in lane order, then the tail. */
export function softmax(x: usize, y: usize, n: i32): void {
  if (ASC_FEATURE_SIMD) {
    const n4 = n & ~3;
    let m = load<f32>(x);
    if (n4 > 0) {
      let m4 = v128.load(x);
      for (let i = 4; i < n4; i += 4) m4 = f32x4.max(m4, v128.load(x + (<usize>i << 2)));
      m = max<f32>(max<f32>(f32x4.extract_lane(m4, 0), f32x4.extract_lane(m4, 1)),
                   max<f32>(f32x4.extract_lane(m4, 2), f32x4.extract_lane(m4, 3)));
    }
    for (let i = n4; i < n; i++) m = max<f32>(m, load<f32>(x + (<usize>i << 2)));
    const vm = f32x4.splat(m);
    let s4 = f32x4.splat(0);
    for (let i = 0; i < n4; i += 4) {
      const p = <usize>i << 2;
      const e = expF32x4(f32x4.sub(v128.load(x + p), vm));
      v128.store(y + p, e);
      s4 = f32x4.add(s4, e);
    }
    let s = (f32x4.extract_lane(s4, 0) + f32x4.extract_lane(s4, 1)) + (f32x4.extract_lane(s4, 2) + f32x4.extract_lane(s4, 3));
    for (let i = n4; i < n; i++) {
      const e = expF32(load<f32>(x + (<usize>i << 2)) - m);
      store<f32>(y + (<usize>i << 2), e);
      s += e;
    }
    const vs = f32x4.splat(s);
    for (let i = 0; i < n4; i += 4) {
      const p = <usize>i << 2;
      v128.store(y + p, f32x4.div(v128.load(y + p), vs));
    }
    for (let i = n4; i < n; i++) store<f32>(y + (<usize>i << 2), load<f32>(y + (<usize>i << 2)) / s);
  } else {
    softmaxRef(x, y, n);
  }
}
