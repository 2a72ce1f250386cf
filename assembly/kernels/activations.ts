// Activations over one row of n floats, x → y (y may equal x: in place).
// Element-wise: relu, leaky relu (alpha), sigmoid, tanh, hard sigmoid (alpha, beta), clip
// (alpha = lo, beta = hi), softplus, abs and probit (ONNX-ML's, as onnxruntime computes it).
// Row-wise: softmax and log-softmax (max-subtracted, so large inputs do not overflow),
// softmax-zero (ONNX-ML's SOFTMAX_ZERO) and logistic pair ([1 − p, p] from the logit in the
// second of two values).
//
// NaN propagates everywhere (NaN in → NaN out); softmax with a NaN anywhere gives all NaN,
// as numpy and onnxruntime do. The scalar …Ref functions define the results; the 4-lane
// versions run the same f32 operations per element, so both builds agree bit for bit on the
// element-wise activations.
import { ACT_NONE, ACT_RELU, ACT_LEAKY_RELU, ACT_SIGMOID, ACT_TANH, ACT_SOFTMAX, ACT_LOG_SOFTMAX, ACT_HARD_SIGMOID, ACT_LOGISTIC_PAIR, ACT_CLIP, ACT_SOFTPLUS, ACT_ABS, ACT_SOFTMAX_ZERO, ACT_PROBIT, ACT_BINARIZE, ACT_TRUNC } from "../abi";
import { expF32, expm1F32, logF32, log1pF32, expF32x4, expm1F32x4 } from "./math";
import { isAct } from "../config";

// ---- scalar element functions ----

// @ts-ignore: decorator
@inline function reluS(v: f32): f32 { return v < 0 ? <f32>0 : v; }
// @ts-ignore: decorator
@inline function leakyS(v: f32, alpha: f32): f32 { return v < 0 ? v * alpha : v; }
// Sigmoid is also the logistic pair's own function: exported so that the pair calls it directly
// rather than through the activation switch, whose sigmoid branch a model's module may leave out.
// @ts-ignore: decorator
@inline export function sigmoidS(v: f32): f32 { return <f32>1.0 / (<f32>1.0 + expF32(-v)); }
// @ts-ignore: decorator
@inline export function sigmoidV(v: v128): v128 { return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), expF32x4(f32x4.neg(v)))); }
// tanh(|v|) = −t / (t + 2) with t = expm1(−2|v|) ∈ (−1, 0]: no cancellation near 0, exactly ±1 for large |v|.
// @ts-ignore: decorator
@inline export function tanhS(v: f32): f32 {
  const t = expm1F32(<f32>-2.0 * abs<f32>(v));
  return copysign<f32>(-t / (t + <f32>2.0), v);
}
// @ts-ignore: decorator
@inline function hardSigmoidS(v: f32, alpha: f32, beta: f32): f32 {
  const u = alpha * v + beta;
  const lo = u < 0 ? <f32>0 : u;
  return lo > 1 ? <f32>1 : lo;
}
// min(max(v, lo), hi) as np.clip computes it: NaN fails both comparisons and stays NaN; lo > hi gives hi.
// @ts-ignore: decorator
@inline function clipS(v: f32, lo: f32, hi: f32): f32 {
  const c = v < lo ? lo : v;
  return hi < c ? hi : c;
}
// log(1 + e^v) = max(v, 0) + log1p(e^−|v|): e^−|v| ≤ 1 never overflows, and for large v the
// log1p term falls below half an ulp of v, so the result is v. relu keeps NaN.
// Not inlined (nor softplusV): one copy of exp and log1p, however many loops call it.
function softplusS(v: f32): f32 { return reluS(v) + log1pF32(expF32(-abs<f32>(v))); }
// Lane by lane through the scalar form: softplus is rare in deployed nets, and a 4-lane exp and
// log1p of its own would add a kilobyte to every release module. The same bits by construction.
function softplusV(v: v128): v128 {
  let y = f32x4.splat(softplusS(f32x4.extract_lane(v, 0)));
  y = f32x4.replace_lane(y, 1, softplusS(f32x4.extract_lane(v, 1)));
  y = f32x4.replace_lane(y, 2, softplusS(f32x4.extract_lane(v, 2)));
  return f32x4.replace_lane(y, 3, softplusS(f32x4.extract_lane(v, 3)));
}

// ONNX-ML PROBIT, operation for operation as onnxruntime's ComputeProbit / ErfInv (the ONNX
// reference runtime uses the same formula): √2 · erfinv(2v − 1) with Winitzki's erfinv,
// a = 0.147, in f32. It differs from the true probit by up to ~6e-3; that is what models
// with PROBIT are run with. Not inlined; the SIMD build runs it lane by lane (the same bits).
function probitS(v: f32): f32 {
  let x = <f32>2 * v - <f32>1;
  const sgn: f32 = x < 0 ? -1 : 1;
  x = (<f32>1 - x) * (<f32>1 + x);
  const l = logF32(x);
  const a = <f32>2 / (<f32>3.1415927 * <f32>0.147) + <f32>0.5 * l;
  const b = <f32>1 / <f32>0.147 * l;
  const c = -a + sqrt<f32>(a * a - b);
  return <f32>1.4142135 * (sgn * sqrt<f32>(c));
}
function probitV(v: v128): v128 {
  let y = f32x4.splat(probitS(f32x4.extract_lane(v, 0)));
  y = f32x4.replace_lane(y, 1, probitS(f32x4.extract_lane(v, 1)));
  y = f32x4.replace_lane(y, 2, probitS(f32x4.extract_lane(v, 2)));
  return f32x4.replace_lane(y, 3, probitS(f32x4.extract_lane(v, 3)));
}

/** One element through an element-wise activation (softmax kinds are row-wise: not here). */
// @ts-ignore: decorator
@inline export function actScalar(act: u32, v: f32, alpha: f32, beta: f32): f32 {
  if (isAct(act, ACT_RELU)) return reluS(v);
  if (isAct(act, ACT_LEAKY_RELU)) return leakyS(v, alpha);
  if (isAct(act, ACT_SIGMOID)) return sigmoidS(v);
  if (isAct(act, ACT_TANH)) return tanhS(v);
  if (isAct(act, ACT_HARD_SIGMOID)) return hardSigmoidS(v, alpha, beta);
  if (isAct(act, ACT_CLIP)) return clipS(v, alpha, beta);
  if (isAct(act, ACT_SOFTPLUS)) return softplusS(v);
  if (isAct(act, ACT_ABS)) return abs<f32>(v);
  if (isAct(act, ACT_PROBIT)) return probitS(v);
  if (isAct(act, ACT_BINARIZE)) return v > alpha ? <f32>1 : <f32>0; // NaN > alpha is false
  if (isAct(act, ACT_TRUNC)) return trunc<f32>(v);
  return v;
}

/** Two-class probabilities from the logit in x[1]: y = [1 − p, p], p = sigmoid(x[1]) (n = 2). */
export function logisticPair(x: usize, y: usize): void {
  const p = sigmoidS(load<f32>(x, 4));
  store<f32>(y, <f32>1 - p);
  store<f32>(y, p, 4);
}

/** Scalar reference for every activation kind. */
export function applyActRef(act: u32, x: usize, y: usize, n: i32, alpha: f32, beta: f32): void {
  if (isAct(act, ACT_SOFTMAX)) { softmaxRef(x, y, n); return; }
  if (isAct(act, ACT_LOG_SOFTMAX)) { logSoftmaxRef(x, y, n); return; }
  if (isAct(act, ACT_LOGISTIC_PAIR)) { logisticPair(x, y); return; }
  if (isAct(act, ACT_SOFTMAX_ZERO)) { softmaxZero(x, y, n); return; }
  for (let i = 0; i < n; i++) {
    const p = <usize>i << 2;
    store<f32>(y + p, actScalar(act, load<f32>(x + p), alpha, beta));
  }
}

/**
 * The scalar build's softmax, with the 4-lane softmax's bits: the max is exact in any order,
 * and the sum of the exps is formed as the f32x4 sum is, lane k adding the elements with
 * i ≡ k (mod 4) in increasing i (the tail's too: its padding lanes add exp(−Inf) = +0, which
 * changes no bit), then (s0 + s1) + (s2 + s3).
 */
export function softmaxRef(x: usize, y: usize, n: i32): void {
  let m = load<f32>(x);
  for (let i = 1; i < n; i++) m = max<f32>(m, load<f32>(x + (<usize>i << 2))); // IEEE max: NaN wins
  let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
  for (let i = 0; i < n; i++) {
    const e = expF32(load<f32>(x + (<usize>i << 2)) - m);
    store<f32>(y + (<usize>i << 2), e);
    const lane = i & 3;
    if (lane == 0) s0 += e;
    else if (lane == 1) s1 += e;
    else if (lane == 2) s2 += e;
    else s3 += e;
  }
  const s = (s0 + s1) + (s2 + s3);
  for (let i = 0; i < n; i++) store<f32>(y + (<usize>i << 2), load<f32>(y + (<usize>i << 2)) / s);
}

/**
 * ONNX-ML SOFTMAX_ZERO, operation for operation as onnxruntime's ComputeSoftmaxZero: the max
 * by `>` from −FLT_MAX (a NaN never wins it), the values with |v| > 1e-7 as exp(v − m) summed
 * in order, the others as v · exp(−m) outside the sum, then each divided by the sum. One
 * scalar loop in both builds (the same bits).
 */
export function softmaxZero(x: usize, y: usize, n: i32): void {
  let m: f32 = -3.4028234663852886e38;
  for (let i = 0; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (v > m) m = v;
  }
  const eNeg = expF32(-m);
  let s: f32 = 0;
  for (let i = 0; i < n; i++) {
    const p = <usize>i << 2;
    const v = load<f32>(x + p);
    let e: f32;
    if (v > <f32>0.0000001 || v < <f32>-0.0000001) {
      e = expF32(v - m);
      s += e;
    } else {
      e = v * eNeg;
    }
    store<f32>(y + p, e);
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

// @ts-ignore: decorator
@inline export function actVec(act: u32, v: v128, alpha: f32, beta: f32): v128 {
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  if (isAct(act, ACT_RELU)) return f32x4.pmax(v, zero); // v < 0 ? 0 : v, NaN kept
  if (isAct(act, ACT_LEAKY_RELU)) return v128.bitselect(f32x4.mul(v, f32x4.splat(alpha)), v, f32x4.lt(v, zero));
  if (isAct(act, ACT_SIGMOID)) return sigmoidV(v);
  if (isAct(act, ACT_TANH)) {
    const t = expm1F32x4(f32x4.mul(f32x4.splat(-2.0), f32x4.abs(v)));
    const a = f32x4.div(f32x4.neg(t), f32x4.add(t, f32x4.splat(2.0)));
    return v128.or(v128.andnot(a, i32x4.splat(0x80000000)), v128.and(v, i32x4.splat(0x80000000))); // copysign
  }
  if (isAct(act, ACT_HARD_SIGMOID)) return f32x4.pmin(f32x4.pmax(f32x4.add(f32x4.mul(f32x4.splat(alpha), v), f32x4.splat(beta)), zero), one);
  if (isAct(act, ACT_CLIP)) return f32x4.pmin(f32x4.pmax(v, f32x4.splat(alpha)), f32x4.splat(beta)); // clipS's comparisons
  if (isAct(act, ACT_SOFTPLUS)) return softplusV(v);
  if (isAct(act, ACT_ABS)) return f32x4.abs(v);
  if (isAct(act, ACT_PROBIT)) return probitV(v);
  if (isAct(act, ACT_BINARIZE)) return v128.and(f32x4.gt(v, f32x4.splat(alpha)), one);
  if (isAct(act, ACT_TRUNC)) return f32x4.trunc(v);
  return v;
}

/**
 * Reads the last n < 4 values of a row into the low lanes of a vector (the other lanes hold
 * `pad`), so short rows and row tails take the same 4-lane path as the rest.
 */
// @ts-ignore: decorator
@inline export function loadTail(p: usize, n: i32, pad: f32): v128 {
  let v = f32x4.splat(pad);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (n > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (n > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

// @ts-ignore: decorator
@inline export function storeTail(p: usize, n: i32, v: v128): void {
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

// @ts-ignore: decorator
@inline function actRows(act: u32, x: usize, y: usize, n: i32, alpha: f32, beta: f32): void {
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const p = <usize>i << 2;
    v128.store(y + p, actVec(act, v128.load(x + p), alpha, beta));
  }
  if (n4 < n) {
    const p = <usize>n4 << 2;
    storeTail(y + p, n - n4, actVec(act, loadTail(x + p, n - n4, 0), alpha, beta));
  }
}

/**
 * Four lanes at a time in the SIMD build (short tails too, as a partial vector); the reference
 * otherwise. The common activations get a loop of their own (act constant inside it).
 */
export function applyAct(act: u32, x: usize, y: usize, n: i32, alpha: f32, beta: f32): void {
  if (isAct(act, ACT_NONE)) {
    if (x != y) for (let i = 0; i < n; i++) store<f32>(y + (<usize>i << 2), load<f32>(x + (<usize>i << 2)));
    return;
  }
  if (ASC_FEATURE_SIMD) {
    if (isAct(act, ACT_SOFTMAX)) softmax(x, y, n);
    else if (isAct(act, ACT_LOG_SOFTMAX)) logSoftmaxRef(x, y, n);
    else if (isAct(act, ACT_LOGISTIC_PAIR)) logisticPair(x, y);
    else if (isAct(act, ACT_SOFTMAX_ZERO)) softmaxZero(x, y, n);
    else if (isAct(act, ACT_SIGMOID)) actRows(ACT_SIGMOID, x, y, n, alpha, beta);
    else if (isAct(act, ACT_RELU)) actRows(ACT_RELU, x, y, n, alpha, beta);
    else if (isAct(act, ACT_TANH)) actRows(ACT_TANH, x, y, n, alpha, beta);
    else actRows(act, x, y, n, alpha, beta);
  } else {
    applyActRef(act, x, y, n, alpha, beta);
  }
}

/**
 * Softmax, 4 lanes at a time; the row's tail is a partial vector padded with −Inf (exp gives 0
 * there, so the max and the sum are unchanged). The sum adds lanes in a fixed order.
 */
export function softmax(x: usize, y: usize, n: i32): void {
  if (ASC_FEATURE_SIMD) {
    const n4 = n & ~3, rem = n - n4, pt = <usize>n4 << 2;
    const tail = rem > 0 ? loadTail(x + pt, rem, -Infinity) : f32x4.splat(-Infinity);
    let m4 = tail;
    for (let i = 0; i < n4; i += 4) m4 = f32x4.max(m4, v128.load(x + (<usize>i << 2)));
    const vm = f32x4.splat(max<f32>(max<f32>(f32x4.extract_lane(m4, 0), f32x4.extract_lane(m4, 1)),
                                    max<f32>(f32x4.extract_lane(m4, 2), f32x4.extract_lane(m4, 3))));
    let s4 = f32x4.splat(0);
    for (let i = 0; i < n4; i += 4) {
      const p = <usize>i << 2;
      const e = expF32x4(f32x4.sub(v128.load(x + p), vm));
      v128.store(y + p, e);
      s4 = f32x4.add(s4, e);
    }
    const et = expF32x4(f32x4.sub(tail, vm));
    if (rem > 0) s4 = f32x4.add(s4, et);
    const vs = f32x4.splat((f32x4.extract_lane(s4, 0) + f32x4.extract_lane(s4, 1)) + (f32x4.extract_lane(s4, 2) + f32x4.extract_lane(s4, 3)));
    for (let i = 0; i < n4; i += 4) {
      const p = <usize>i << 2;
      v128.store(y + p, f32x4.div(v128.load(y + p), vs));
    }
    if (rem > 0) storeTail(y + pt, rem, f32x4.div(et, vs));
  } else {
    softmaxRef(x, y, n);
  }
}

// ---- Step entries (assembly/run.ts). The interpreter decodes the fields every record has once
// (src and dst with their strides in bytes, nIn, nOut, w and b as image addresses, act, alpha,
// beta: decoding them in every entry made the release wasm 388 bytes bigger); an entry decodes
// the fields only its opcode has from the record at s.

/**
 * The activation DENSE, DENSE_Q8 and AFFINE fuse over their nOut outputs: over the whole block
 * at once when the rows are contiguous and the activation is element-wise, else row by row.
 */
export function stepFusedAct(act: u32, dst: usize, dstStep: usize, nOut: i32, nRows: i32, alpha: f32, beta: f32): void {
  if (act == ACT_NONE) return;
  if (dstStep == (<usize>nOut << 2) && act != ACT_SOFTMAX && act != ACT_LOG_SOFTMAX && act != ACT_LOGISTIC_PAIR && act != ACT_SOFTMAX_ZERO) {
    applyAct(act, dst, dst, nOut * nRows, alpha, beta);
  } else {
    for (let r = 0; r < nRows; r++) {
      const y = dst + <usize>r * dstStep;
      applyAct(act, y, y, nOut, alpha, beta);
    }
  }
}

/** ACT: the activation is the step, row by row. */
export function stepAct(s: usize, src: usize, srcStep: usize, dst: usize, dstStep: usize, nIn: i32, nOut: i32, w: usize, b: usize, act: u32, alpha: f32, beta: f32, nRows: i32): void {
  for (let r = 0; r < nRows; r++) applyAct(act, src + <usize>r * srcStep, dst + <usize>r * dstStep, nIn, alpha, beta);
}
