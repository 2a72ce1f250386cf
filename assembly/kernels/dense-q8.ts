// Int8 dense with dynamic row quantization (onnxruntime's DynamicQuantizeLinear → MatMulInteger
// → Cast → Mul → Add pattern, as one kernel):
//   1. quantize the row to u8 as ONNX DynamicQuantizeLinear defines it:
//        scale = (max(0, max x) − min(0, min x)) / 255,  zp = sat_u8(round(−min(0, min x) / scale)),
//        q[i] = sat_u8(round(x[i] / scale) + zp), round = half to even (f32.nearest)
//   2. acc[o] = Σ_i q[i]·W[o][i] − zp·rowSum[o]   (i32, exact: |acc| < 2^31 for nIn < 66000)
//   3. y[o] = f32(acc[o]) · (scale · wScale[o]) + b[o]
//
// Layout contract: w i8[nOut][nIn] (symmetric per output channel), aux = wScale[nOut] (f32, or
// with STEP_FLAG_Q8_BF16_SCALES bf16: u16 each, padded to 4 bytes), then i32 rowSum[nOut]
// (absent with STEP_FLAG_Q8_NO_ROW_SUMS: int16 rows have zero point 0), then with a static
// input f32 xScale and i32 xZeroPoint; b f32[nOut], q = nIn bytes of scratch. x, y, q disjoint.
import { RUNS, nonzeroRuns, ANY_BIT } from "./runs";
import { stepFusedAct } from "./activations";
import { STEP_FLAG_Q8_STATIC_INPUT, STEP_FLAG_Q8_I16_INPUT, STEP_FLAG_Q8_BF16_SCALES, STEP_FLAG_Q8_NO_ROW_SUMS } from "../abi";
import { S_FLAGS, S_AUX, S_SCRATCH } from "../abi"; // step records (the step entries below)

/** Loop overhead of a run in the int16-row kernels, in 8-value blocks of work (bench/ measurements). */
const I16_RUN_COST = 1;

/** Output channel o's weight scale: an f32, or a bf16 widened to f32 (its bits are the f32's upper half). */
// @ts-ignore: decorator
@inline function channelScale(aux: usize, o: i32, bf16: bool): f32 {
  return bf16 ? f32.reinterpret_i32(<i32>load<u16>(aux + (<usize>o << 1)) << 16) : load<f32>(aux + (<usize>o << 2));
}

/** Bytes of the scales at the start of aux (bf16: 2 each, padded to 4). */
// @ts-ignore: decorator
@inline function scalesBytes(nOut: i32, bf16: bool): usize {
  return bf16 ? <usize>((nOut + 1) & ~1) << 1 : <usize>nOut << 2;
}


/** Scalar reference of quantizeRowU8. */
export function quantizeRowU8Ref(x: usize, q: usize, n: i32, zpOut: usize): f32 {
  let lo: f32 = 0, hi: f32 = 0; // the range always includes 0
  for (let i = 0; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    lo = min<f32>(lo, v);
    hi = max<f32>(hi, v);
  }
  return quantizeInRange(x, q, n, zpOut, lo, hi);
}

/**
 * Scale and zero point from the range, then the row quantized with them (the static
 * quantizer: round half to even, saturate). Returns the scale.
 */
function quantizeInRange(x: usize, q: usize, n: i32, zpOut: usize, lo: f32, hi: f32): f32 {
  const scale = (hi - lo) / <f32>255.0;
  if (!(scale > 0) || scale == Infinity) { // all zeros (or NaN/Inf): every product is 0 and y = b (NaN when x has NaN)
    memory.fill(q, 0, <usize>n);
    store<i32>(zpOut, 0);
    return scale == 0 ? <f32>0 : NaN;
  }
  // No NaN or infinity past this point (the range would have been NaN or infinite).
  const zpf = nearest<f32>(<f32>0 - lo / scale);
  const zp = <i32>(zpf < 0 ? <f32>0 : zpf > 255 ? <f32>255 : zpf);
  quantizeRowStatic(x, q, n, scale, zp);
  store<i32>(zpOut, zp);
  return scale;
}

/**
 * Quantizes one row into q; returns the scale and writes the zero point to zpOut.
 * SIMD: the range four lanes at a time, then sixteen values per step (divide, round to even,
 * add the zero point, clamp, narrow to u8): the same IEEE operations as the reference, so the
 * same bytes.
 */
export function quantizeRowU8(x: usize, q: usize, n: i32, zpOut: usize): f32 {
  if (ASC_FEATURE_SIMD) {
    let vlo = f32x4.splat(0), vhi = f32x4.splat(0);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(x + (<usize>i << 2));
      vlo = f32x4.min(vlo, v);
      vhi = f32x4.max(vhi, v);
    }
    let lo = min<f32>(min<f32>(f32x4.extract_lane(vlo, 0), f32x4.extract_lane(vlo, 1)), min<f32>(f32x4.extract_lane(vlo, 2), f32x4.extract_lane(vlo, 3)));
    let hi = max<f32>(max<f32>(f32x4.extract_lane(vhi, 0), f32x4.extract_lane(vhi, 1)), max<f32>(f32x4.extract_lane(vhi, 2), f32x4.extract_lane(vhi, 3)));
    for (; i < n; i++) {
      const v = load<f32>(x + (<usize>i << 2));
      lo = min<f32>(lo, v);
      hi = max<f32>(hi, v);
    }
    return quantizeInRange(x, q, n, zpOut, lo, hi);
  } else {
    return quantizeRowU8Ref(x, q, n, zpOut);
  }
}

/** Scalar reference: integer dot products on already quantized input (u8 rows, zero point zp). */
export function denseQ8DotRef(q: usize, w: usize, aux: usize, b: usize, y: usize, nIn: i32, nOut: i32, zp: i32, xScale: f32, bf16: bool): void {
  const rowSums = aux + scalesBytes(nOut, bf16);
  for (let o = 0; o < nOut; o++) {
    const row = w + <usize>o * <usize>nIn;
    let acc: i32 = 0;
    for (let i = 0; i < nIn; i++) acc += <i32>load<u8>(q + <usize>i) * <i32>load<i8>(row + <usize>i);
    acc -= zp * load<i32>(rowSums + (<usize>o << 2));
    const s = xScale * channelScale(aux, o, bf16);
    store<f32>(y + (<usize>o << 2), <f32>acc * s + load<f32>(b + (<usize>o << 2)));
  }
}

function finish(acc: i32, o: i32, aux: usize, rowSums: usize, b: usize, y: usize, zp: i32, xScale: f32, bf16: bool): void {
  acc -= zp * load<i32>(rowSums + (<usize>o << 2));
  const s = xScale * channelScale(aux, o, bf16);
  store<f32>(y + (<usize>o << 2), <f32>acc * s + load<f32>(b + (<usize>o << 2)));
}

// @ts-ignore: decorator
@inline function hsumI32(a: v128): i32 {
  return i32x4.extract_lane(a, 0) + i32x4.extract_lane(a, 1) + i32x4.extract_lane(a, 2) + i32x4.extract_lane(a, 3);
}

function dotTailI8(q: usize, row: usize, from: i32, nIn: i32): i32 {
  let acc: i32 = 0;
  for (let i = from; i < nIn; i++) acc += <i32>load<u8>(q + <usize>i) * <i32>load<i8>(row + <usize>i);
  return acc;
}

/**
 * SIMD: eight u8×i8 products widened to i16 and paired into i32 lanes by i32x4.dot_i16x8_s;
 * four output rows per pass share each widened load of the quantized row.
 */
export function denseQ8Dot(q: usize, w: usize, aux: usize, b: usize, y: usize, nIn: i32, nOut: i32, zp: i32, xScale: f32, bf16: bool): void {
  if (ASC_FEATURE_SIMD) {
    const rowSums = aux + scalesBytes(nOut, bf16);
    const nIn8 = nIn & ~7;
    const rowBytes = <usize>nIn;
    // Products fit i16 pairs: 255·127·2 = 64770 < 2^31 after the i32 pairwise add.
    // Four output rows per pass; the last pass repeats the last row in place of missing ones
    // (computed, not stored), so that one loop serves every nOut.
    const last = nOut - 1;
    for (let o = 0; o < nOut; o += 4) {
      const r0 = w + <usize>o * rowBytes;
      const r1 = w + <usize>min(o + 1, last) * rowBytes, r2 = w + <usize>min(o + 2, last) * rowBytes, r3 = w + <usize>min(o + 3, last) * rowBytes;
      let a0 = i32x4.splat(0), a1 = i32x4.splat(0), a2 = i32x4.splat(0), a3 = i32x4.splat(0);
      for (let i = 0; i < nIn8; i += 8) {
        const qv = v128.load8x8_u(q + <usize>i);
        a0 = i32x4.add(a0, i32x4.dot_i16x8_s(qv, v128.load8x8_s(r0 + <usize>i)));
        a1 = i32x4.add(a1, i32x4.dot_i16x8_s(qv, v128.load8x8_s(r1 + <usize>i)));
        a2 = i32x4.add(a2, i32x4.dot_i16x8_s(qv, v128.load8x8_s(r2 + <usize>i)));
        a3 = i32x4.add(a3, i32x4.dot_i16x8_s(qv, v128.load8x8_s(r3 + <usize>i)));
      }
      finish(hsumI32(a0) + dotTailI8(q, r0, nIn8, nIn), o, aux, rowSums, b, y, zp, xScale, bf16);
      if (o + 1 < nOut) finish(hsumI32(a1) + dotTailI8(q, r1, nIn8, nIn), o + 1, aux, rowSums, b, y, zp, xScale, bf16);
      if (o + 2 < nOut) finish(hsumI32(a2) + dotTailI8(q, r2, nIn8, nIn), o + 2, aux, rowSums, b, y, zp, xScale, bf16);
      if (o + 3 < nOut) finish(hsumI32(a3) + dotTailI8(q, r3, nIn8, nIn), o + 3, aux, rowSums, b, y, zp, xScale, bf16);
    }
  } else {
    denseQ8DotRef(q, w, aux, b, y, nIn, nOut, zp, xScale, bf16);
  }
}

/**
 * Scalar reference of quantizeRowStatic: q[i] = sat_u8(round(x[i] / scale) + zp) with a scale
 * and zero point fixed at pack time (calibrated, or from a QuantizeLinear). Returns the scale,
 * or NaN when the row holds a NaN (so that the outputs are NaN, as with dynamic quantization).
 */
export function quantizeRowStaticRef(x: usize, q: usize, n: i32, scale: f32, zp: i32): f32 {
  const zpv = <f32>zp;
  let nan = false;
  for (let i = 0; i < n; i++) {
    const xi = load<f32>(x + (<usize>i << 2));
    nan = nan || xi != xi;
    let v = nearest<f32>(xi / scale) + zpv;
    v = v < 0 ? <f32>0 : v > 255 ? <f32>255 : v;
    store<u8>(q + <usize>i, <u8><i32>v);
  }
  return nan ? NaN : scale;
}

export function quantizeRowStatic(x: usize, q: usize, n: i32, scale: f32, zp: i32): f32 {
  if (ASC_FEATURE_SIMD) {
    const vs = f32x4.splat(scale), vz = f32x4.splat(<f32>zp);
    const v0 = f32x4.splat(0), v255 = f32x4.splat(255);
    let m = f32x4.splat(0); // NaN-propagating max: NaN if the row has one
    let j = 0;
    for (; j + 8 <= n; j += 8) {
      const p = x + (<usize>j << 2);
      const x0 = v128.load(p), x1 = v128.load(p, 16);
      m = f32x4.max(m, f32x4.max(x0, x1));
      const a0 = f32x4.max(v0, f32x4.min(v255, f32x4.add(f32x4.nearest(f32x4.div(x0, vs)), vz)));
      const a1 = f32x4.max(v0, f32x4.min(v255, f32x4.add(f32x4.nearest(f32x4.div(x1, vs)), vz)));
      const h = i16x8.narrow_i32x4_s(i32x4.trunc_sat_f32x4_s(a0), i32x4.trunc_sat_f32x4_s(a1));
      v128.store64_lane(q + <usize>j, i8x16.narrow_i16x8_u(h, h), 0); // eight bytes
    }
    const rest = quantizeRowStaticRef(x + (<usize>j << 2), q + <usize>j, n - j, scale, zp);
    const mm = f32x4.extract_lane(m, 0) + f32x4.extract_lane(m, 1) + f32x4.extract_lane(m, 2) + f32x4.extract_lane(m, 3);
    return mm != mm ? NaN : rest;
  } else {
    return quantizeRowStaticRef(x, q, n, scale, zp);
  }
}

// ---- int8 weights × int16 activations (STEP_FLAG_Q8_I16_INPUT) ----
//   q[i] = clamp(round_half_even(x[i] / scale), −limit, limit) as i16, zero point 0, with
//   limit = min(32767, ⌊(2^31 − 1) / (127·nIn)⌋) so that the i32 sums cannot overflow; dynamic
//   scale = max|x| / limit, or a static scale. acc[o] = Σ q[i]·W[o][i] (exact), and
//   y[o] = act(f32(acc)·(scale·wScale[o]) + b[o]). Scratch: 2·nIn bytes (+ 4).

/** The i16 limit of a row of nIn values (see above). */
// @ts-ignore: decorator
@inline export function i16Limit(nIn: i32): i32 {
  return min<i32>(32767, <i32>(<u32>2147483647 / (<u32>127 * <u32>nIn)));
}

/** Scalar reference of quantizeRowI16. Returns the scale, NaN when the row holds a NaN. */
export function quantizeRowI16Ref(x: usize, q: usize, n: i32, scale: f32, limit: i32): f32 {
  const lim = <f32>limit;
  let nan = false;
  for (let i = 0; i < n; i++) {
    const xi = load<f32>(x + (<usize>i << 2));
    nan = nan || xi != xi;
    let v = nearest<f32>(xi / scale);
    v = v < -lim ? -lim : v > lim ? lim : v;
    store<i16>(q + (<usize>i << 1), <i16><i32>v);
  }
  return nan ? NaN : scale;
}

// 1.5·2^23: adding it to a float of magnitude ≤ 2^22 rounds it to an integer, half to even (as
// nearest does), and leaves that integer in the low mantissa bits.
const ROUNDING_MAGIC: f32 = 12582912;

/**
 * q = clamp(round(x / scale), ±limit) as i16, eight values per step, the reference's values: the
 * IEEE division, then single-instruction clamps (pmin/pmax) and rounding by ROUNDING_MAGIC
 * instead of nearest, min/max and trunc_sat, which V8 lowers to long NaN-safe sequences (this
 * was a sixth of an int8 784-256-128-10 prediction). |x / scale| is clamped to limit ≤ 32767
 * before it is rounded, and NaN lanes are zeroed, as the reference's conversion zeroes them.
 */
export function quantizeRowI16(x: usize, q: usize, n: i32, scale: f32, limit: i32): f32 {
  if (ASC_FEATURE_SIMD) {
    const vs = f32x4.splat(scale), hi = f32x4.splat(<f32>limit), lo = f32x4.splat(-<f32>limit);
    const magic = f32x4.splat(ROUNDING_MAGIC), magicBits = i32x4.splat(reinterpret<i32>(ROUNDING_MAGIC));
    let nan = i32x4.splat(0);
    let j = 0;
    for (; j + 8 <= n; j += 8) {
      const p = x + (<usize>j << 2);
      let v0 = f32x4.div(v128.load(p), vs), v1 = f32x4.div(v128.load(p, 16), vs);
      const ok0 = f32x4.eq(v0, v0), ok1 = f32x4.eq(v1, v1); // false for NaN: a NaN x, or 0/0
      nan = v128.or(nan, v128.not(v128.and(ok0, ok1)));
      v0 = v128.and(f32x4.pmax(lo, f32x4.pmin(hi, v0)), ok0);
      v1 = v128.and(f32x4.pmax(lo, f32x4.pmin(hi, v1)), ok1);
      const q0 = i32x4.sub(f32x4.add(v0, magic), magicBits), q1 = i32x4.sub(f32x4.add(v1, magic), magicBits);
      v128.store(q + (<usize>j << 1), i16x8.narrow_i32x4_s(q0, q1));
    }
    const rest = quantizeRowI16Ref(x + (<usize>j << 2), q + (<usize>j << 1), n - j, scale, limit);
    return v128.any_true(nan) ? NaN : rest;
  } else {
    return quantizeRowI16Ref(x, q, n, scale, limit);
  }
}

/** The dynamic scale of an i16 row: max|x| / limit (0 for a zero row; NaN or ∞ propagate). */
function rowScaleI16(x: usize, n: i32, limit: i32): f32 {
  let m: f32 = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    // pmax (one instruction) may drop a NaN, so NaNs are tracked apart.
    let v = f32x4.splat(0), u = f32x4.splat(0), nan = i32x4.splat(0);
    for (; i + 8 <= n; i += 8) {
      const a = v128.load(x + (<usize>i << 2)), c = v128.load(x + (<usize>i << 2), 16);
      nan = v128.or(nan, v128.or(f32x4.ne(a, a), f32x4.ne(c, c)));
      v = f32x4.pmax(v, f32x4.abs(a));
      u = f32x4.pmax(u, f32x4.abs(c));
    }
    v = f32x4.pmax(v, u);
    m = max<f32>(max<f32>(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max<f32>(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
    if (v128.any_true(nan)) m = NaN;
  }
  for (; i < n; i++) m = max<f32>(m, abs<f32>(load<f32>(x + (<usize>i << 2))));
  return m / <f32>limit;
}

/** Scalar reference: i16 × i8 dot products. */
export function denseQ8DotI16Ref(q: usize, w: usize, aux: usize, b: usize, y: usize, nIn: i32, nOut: i32, xScale: f32, bf16: bool): void {
  for (let o = 0; o < nOut; o++) {
    const row = w + <usize>o * <usize>nIn;
    let acc: i32 = 0;
    for (let i = 0; i < nIn; i++) acc += <i32>load<i16>(q + (<usize>i << 1)) * <i32>load<i8>(row + <usize>i);
    const s = xScale * channelScale(aux, o, bf16);
    store<f32>(y + (<usize>o << 2), <f32>acc * s + load<f32>(b + (<usize>o << 2)));
  }
}

/**
 * SIMD: eight i16 × i8 products per i32x4.dot_i16x8_s, four output rows share each load of the
 * row, over the runs of nonzero 8-value blocks of q (runs.ts; one run when there are few zeros).
 */
export function denseQ8DotI16(q: usize, w: usize, aux: usize, b: usize, y: usize, nIn: i32, nOut: i32, xScale: f32, bf16: bool): void {
  if (ASC_FEATURE_SIMD) {
    const nIn8 = nIn & ~7;
    const nRuns = nonzeroRuns(q, 0, 1, <usize>nIn8 << 1, ANY_BIT, I16_RUN_COST);
    const runsEnd = RUNS + (<usize>nRuns << 3);
    const rowBytes = <usize>nIn;
    const last = nOut - 1; // as denseQ8Dot: the last pass repeats the last row
    for (let o = 0; o < nOut; o += 4) {
      const r0 = w + <usize>o * rowBytes;
      const r1 = w + <usize>min(o + 1, last) * rowBytes, r2 = w + <usize>min(o + 2, last) * rowBytes, r3 = w + <usize>min(o + 3, last) * rowBytes;
      const d1 = r1 - r0, d2 = r2 - r0, d3 = r3 - r0;
      let a0 = i32x4.splat(0), a1 = i32x4.splat(0), a2 = i32x4.splat(0), a3 = i32x4.splat(0);
      for (let run = RUNS; run < runsEnd; run += 8) {
        // Moving pointers, two blocks per turn at constant offsets (as denseF32): 16 bytes of q
        // are eight values and eight weight bytes.
        const start = <usize>load<u32>(run);
        let pq = q + start, pw = r0 + (start >> 1);
        const pqEnd = q + <usize>load<u32>(run, 4);
        while (pq + 32 <= pqEnd) {
          let qv = v128.load(pq);
          a0 = i32x4.add(a0, i32x4.dot_i16x8_s(qv, v128.load8x8_s(pw)));
          a1 = i32x4.add(a1, i32x4.dot_i16x8_s(qv, v128.load8x8_s(pw + d1)));
          a2 = i32x4.add(a2, i32x4.dot_i16x8_s(qv, v128.load8x8_s(pw + d2)));
          a3 = i32x4.add(a3, i32x4.dot_i16x8_s(qv, v128.load8x8_s(pw + d3)));
          qv = v128.load(pq, 16);
          a0 = i32x4.add(a0, i32x4.dot_i16x8_s(qv, v128.load8x8_s(pw, 8)));
          a1 = i32x4.add(a1, i32x4.dot_i16x8_s(qv, v128.load8x8_s(pw + d1, 8)));
          a2 = i32x4.add(a2, i32x4.dot_i16x8_s(qv, v128.load8x8_s(pw + d2, 8)));
          a3 = i32x4.add(a3, i32x4.dot_i16x8_s(qv, v128.load8x8_s(pw + d3, 8)));
          pq += 32; pw += 16;
        }
        if (pq < pqEnd) {
          const qv = v128.load(pq);
          a0 = i32x4.add(a0, i32x4.dot_i16x8_s(qv, v128.load8x8_s(pw)));
          a1 = i32x4.add(a1, i32x4.dot_i16x8_s(qv, v128.load8x8_s(pw + d1)));
          a2 = i32x4.add(a2, i32x4.dot_i16x8_s(qv, v128.load8x8_s(pw + d2)));
          a3 = i32x4.add(a3, i32x4.dot_i16x8_s(qv, v128.load8x8_s(pw + d3)));
        }
      }
      finishI16(hsumI32(a0) + dotTailI16(q, r0, nIn8, nIn), o, aux, b, y, xScale, bf16);
      if (o + 1 < nOut) finishI16(hsumI32(a1) + dotTailI16(q, r1, nIn8, nIn), o + 1, aux, b, y, xScale, bf16);
      if (o + 2 < nOut) finishI16(hsumI32(a2) + dotTailI16(q, r2, nIn8, nIn), o + 2, aux, b, y, xScale, bf16);
      if (o + 3 < nOut) finishI16(hsumI32(a3) + dotTailI16(q, r3, nIn8, nIn), o + 3, aux, b, y, xScale, bf16);
    }
  } else {
    denseQ8DotI16Ref(q, w, aux, b, y, nIn, nOut, xScale, bf16);
  }
}

/** Bytes of one int16 row in the scratch (16-aligned, so the second row starts aligned). */
// @ts-ignore: decorator
@inline function i16RowBytes(nIn: i32): usize {
  return <usize>((nIn + 7) & ~7) << 1;
}

/** One row to int16 with its dynamic (or the static) scale; returns the scale to multiply by. */
function quantizeI16(x: usize, q: usize, nIn: i32, fixed: bool, staticScale: f32, limit: i32): f32 {
  const scale = fixed ? staticScale : rowScaleI16(x, nIn, limit);
  if (scale > 0 && scale != Infinity) return quantizeRowI16(x, q, nIn, scale, limit);
  memory.fill(q, 0, <usize>nIn << 1); // zero row: y = b; NaN or ∞: the NaN scale makes y NaN
  return scale;
}

/**
 * Two int16 rows (q0, q1) × four weight rows per pass: each weight load serves both rows. The
 * same integer sums and final f32 operations as denseQ8DotI16, so a row gives the same bits
 * alone or in a batch. y0 is row 0's output; row 1's is yStep bytes further; t: 32 bytes of scratch.
 */
export function denseQ8DotI16x2(q0: usize, q1: usize, t: usize, w: usize, aux: usize, b: usize, y0: usize, yStep: usize,
                                nIn: i32, nOut: i32, s0: f32, s1: f32, bf16: bool): void {
  if (ASC_FEATURE_SIMD) {
    const nIn8 = nIn & ~7;
    // Blocks zero in both rows are skipped (runs.ts).
    const nRuns = nonzeroRuns(q0, q1 - q0, 2, <usize>nIn8 << 1, ANY_BIT, I16_RUN_COST);
    const runsEnd = RUNS + (<usize>nRuns << 3);
    const rowBytes = <usize>nIn;
    const y1 = y0 + yStep;
    const last = nOut - 1;
    for (let o = 0; o < nOut; o += 4) {
      const r0 = w + <usize>o * rowBytes;
      const r1 = w + <usize>min(o + 1, last) * rowBytes, r2 = w + <usize>min(o + 2, last) * rowBytes, r3 = w + <usize>min(o + 3, last) * rowBytes;
      let a0 = i32x4.splat(0), a1 = i32x4.splat(0), a2 = i32x4.splat(0), a3 = i32x4.splat(0);
      let c0 = i32x4.splat(0), c1 = i32x4.splat(0), c2 = i32x4.splat(0), c3 = i32x4.splat(0);
      for (let run = RUNS; run < runsEnd; run += 8) {
        const end = <usize>load<u32>(run, 4);
        for (let p = <usize>load<u32>(run); p < end; p += 16) {
          const u = v128.load(q0 + p), v = v128.load(q1 + p), i = p >> 1;
          const w0 = v128.load8x8_s(r0 + i), w1 = v128.load8x8_s(r1 + i);
          a0 = i32x4.add(a0, i32x4.dot_i16x8_s(u, w0)); c0 = i32x4.add(c0, i32x4.dot_i16x8_s(v, w0));
          a1 = i32x4.add(a1, i32x4.dot_i16x8_s(u, w1)); c1 = i32x4.add(c1, i32x4.dot_i16x8_s(v, w1));
          const w2 = v128.load8x8_s(r2 + i), w3 = v128.load8x8_s(r3 + i);
          a2 = i32x4.add(a2, i32x4.dot_i16x8_s(u, w2)); c2 = i32x4.add(c2, i32x4.dot_i16x8_s(v, w2));
          a3 = i32x4.add(a3, i32x4.dot_i16x8_s(u, w3)); c3 = i32x4.add(c3, i32x4.dot_i16x8_s(v, w3));
        }
      }
      finishI16(hsumI32(a0) + dotTailI16(q0, r0, nIn8, nIn), o, aux, b, y0, s0, bf16);
      finishI16(hsumI32(c0) + dotTailI16(q1, r0, nIn8, nIn), o, aux, b, y1, s1, bf16);
      if (o + 1 < nOut) { finishI16(hsumI32(a1) + dotTailI16(q0, r1, nIn8, nIn), o + 1, aux, b, y0, s0, bf16); finishI16(hsumI32(c1) + dotTailI16(q1, r1, nIn8, nIn), o + 1, aux, b, y1, s1, bf16); }
      if (o + 2 < nOut) { finishI16(hsumI32(a2) + dotTailI16(q0, r2, nIn8, nIn), o + 2, aux, b, y0, s0, bf16); finishI16(hsumI32(c2) + dotTailI16(q1, r2, nIn8, nIn), o + 2, aux, b, y1, s1, bf16); }
      if (o + 3 < nOut) { finishI16(hsumI32(a3) + dotTailI16(q0, r3, nIn8, nIn), o + 3, aux, b, y0, s0, bf16); finishI16(hsumI32(c3) + dotTailI16(q1, r3, nIn8, nIn), o + 3, aux, b, y1, s1, bf16); }
    }
  } else {
    denseQ8DotI16Ref(q0, w, aux, b, y0, nIn, nOut, s0, bf16);
    denseQ8DotI16Ref(q1, w, aux, b, y0 + yStep, nIn, nOut, s1, bf16);
  }
}

function finishI16(acc: i32, o: i32, aux: usize, b: usize, y: usize, xScale: f32, bf16: bool): void {
  const s = xScale * channelScale(aux, o, bf16);
  store<f32>(y + (<usize>o << 2), <f32>acc * s + load<f32>(b + (<usize>o << 2)));
}

function dotTailI16(q: usize, row: usize, from: i32, nIn: i32): i32 {
  let acc: i32 = 0;
  for (let i = from; i < nIn; i++) acc += <i32>load<i16>(q + (<usize>i << 1)) * <i32>load<i8>(row + <usize>i);
  return acc;
}

/**
 * The DENSE_Q8 step over nRows rows (xStep, yStep in bytes). flags & STEP_FLAG_Q8_STATIC_INPUT:
 * the row's scale (f32) and zero point (i32) follow the scales and row sums in aux; otherwise
 * each row is quantized dynamically.
 */
export function denseQ8Rows(x: usize, xStep: usize, q: usize, w: usize, aux: usize, b: usize, y: usize, yStep: usize,
                            nIn: i32, nOut: i32, nRows: i32, flags: u32): void {
  const bf16 = (flags & STEP_FLAG_Q8_BF16_SCALES) != 0;
  const params = aux + scalesBytes(nOut, bf16) + (flags & STEP_FLAG_Q8_NO_ROW_SUMS ? 0 : <usize>nOut << 2);
  if (flags & STEP_FLAG_Q8_I16_INPUT) {
    const limit = i16Limit(nIn);
    const fixed = (flags & STEP_FLAG_Q8_STATIC_INPUT) != 0;
    const staticScale = fixed ? load<f32>(params) : <f32>0;
    // Two rows at a time (the scratch holds two int16 rows): each weight load serves both.
    const q1 = q + i16RowBytes(nIn);
    let r = 0;
    if (ASC_FEATURE_SIMD) {
      for (; r + 2 <= nRows; r += 2) {
        const x0 = x + <usize>r * xStep;
        const s0 = quantizeI16(x0, q, nIn, fixed, staticScale, limit), s1 = quantizeI16(x0 + xStep, q1, nIn, fixed, staticScale, limit);
        denseQ8DotI16x2(q, q1, q1 + i16RowBytes(nIn), w, aux, b, y + <usize>r * yStep, yStep, nIn, nOut, s0, s1, bf16);
      }
    }
    for (; r < nRows; r++) {
      const s = quantizeI16(x + <usize>r * xStep, q, nIn, fixed, staticScale, limit);
      denseQ8DotI16(q, w, aux, b, y + <usize>r * yStep, nIn, nOut, s, bf16);
    }
    return;
  }
  if (flags & STEP_FLAG_Q8_STATIC_INPUT) {
    const scale = load<f32>(params), zp = load<i32>(params, 4);
    for (let r = 0; r < nRows; r++) {
      const s = quantizeRowStatic(x + <usize>r * xStep, q, nIn, scale, zp);
      denseQ8Dot(q, w, aux, b, y + <usize>r * yStep, nIn, nOut, zp, s, bf16);
    }
  } else {
    for (let r = 0; r < nRows; r++) denseQ8(x + <usize>r * xStep, q, w, aux, b, y + <usize>r * yStep, nIn, nOut, bf16);
  }
}

/** One row end to end: quantize into the scratch q, then the integer dense. */
export function denseQ8(x: usize, q: usize, w: usize, aux: usize, b: usize, y: usize, nIn: i32, nOut: i32, bf16: bool): void {
  const zpSlot = q + ((<usize>nIn + 3) & ~3); // 4 bytes after the quantized row, inside the scratch
  const scale = quantizeRowU8(x, q, nIn, zpSlot);
  denseQ8Dot(q, w, aux, b, y, nIn, nOut, load<i32>(zpSlot), scale, bf16);
}

export function denseQ8Ref(x: usize, q: usize, w: usize, aux: usize, b: usize, y: usize, nIn: i32, nOut: i32, bf16: bool): void {
  const zpSlot = q + ((<usize>nIn + 3) & ~3);
  const scale = quantizeRowU8Ref(x, q, nIn, zpSlot);
  denseQ8DotRef(q, w, aux, b, y, nIn, nOut, load<i32>(zpSlot), scale, bf16);
}

// ---- Step entries (assembly/run.ts). The interpreter decodes the fields every record has once
// (src and dst with their strides in bytes, nIn, nOut, w and b as image addresses, act, alpha,
// beta: decoding them in every entry made the release wasm 388 bytes bigger); an entry decodes
// the fields only its opcode has from the record at s.

/** DENSE_Q8 (the row quantized in the step's scratch, arena + scratch), then its fused activation. */
export function stepDenseQ8(s: usize, image: usize, arena: usize, src: usize, srcStep: usize, dst: usize, dstStep: usize, nIn: i32, nOut: i32, w: usize, b: usize, act: u32, alpha: f32, beta: f32, nRows: i32): void {
  const aux = image + <usize>load<u32>(s + S_AUX);
  const q = arena + <usize>load<u32>(s + S_SCRATCH);
  denseQ8Rows(src, srcStep, q, w, aux, b, dst, dstStep, nIn, nOut, nRows, <u32>load<u16>(s + S_FLAGS));
  stepFusedAct(act, dst, dstStep, nOut, nRows, alpha, beta);
}
