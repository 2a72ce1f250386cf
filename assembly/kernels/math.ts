// Elementary functions shared by the activation kernels: exp, expm1 and log1p (scalar and
// 4-lane) and log.
//
// Our own polynomials rather than Mathf: the scalar and SIMD versions run the same f32
// operations in the same order (wasm has no implicit FMA), so both builds give the same bits,
// the module carries no lookup table, and Mathf's table/no-table split between -O3 and -Oz
// (which changes results by up to 3 ulp) cannot reach us.
//
// exp(x) = 2^n · (1 + p(r)),  n = nearest(x·log2 e) (half to even),  r = x − n·ln2 (Cody–Waite, two parts),
// p(r) = expm1 on |r| ≤ ln2/2 by its Taylor series to r^7 (truncation < 2e-9 relative).
// 2^n is applied as two factors 2^(n>>1) · 2^(n − n>>1) so every n in [−150, 129] is exact,
// which lets results underflow to subnormals and overflow to +Inf the way IEEE exp does.
// Max error measured against float64: about 2 ulp on [−87, 88].

const LOG2E: f32 = 1.44269504;
const LN2_HI: f32 = 0.693359375;      // few significant bits: n·LN2_HI is exact
const LN2_LO: f32 = -2.12194440e-4;
const X_MIN: f32 = -104.0;            // exp(x) < 2^-150 rounds to 0 below this
const X_MAX: f32 = 89.0;              // exp(x) > FLT_MAX above 88.72

// Adding 1.5·2^23 rounds a float below 2^22 in magnitude to an integer, half to even (the FPU's
// rounding), and leaves that integer in the low mantissa bits: one add replaces f32.nearest and
// the float→int conversion, whose saturating form costs V8 several instructions per lane.
const ROUNDER: f32 = 12582912.0;
const ROUNDER_BITS: i32 = 0x4b400000;

const C2: f32 = 0.5;
const C3: f32 = 0.16666667;
const C4: f32 = 0.041666668;
const C5: f32 = 0.008333334;
const C6: f32 = 0.0013888889;
const C7: f32 = 0.0001984127;

// @ts-ignore: decorator
@inline function pow2(n: i32): f32 {
  return reinterpret<f32>((n + 127) << 23);
}

// Estrin's scheme rather than Horner's: the same polynomial in 7 dependent steps instead of 14,
// which is what a single prediction waits for (sigmoid latency, not throughput).
// @ts-ignore: decorator
@inline function expm1Poly(r: f32): f32 {
  const r2 = r * r;
  const r4 = r2 * r2;
  const q = (C2 + C3 * r) + r2 * (C4 + C5 * r) + r4 * (C6 + C7 * r);
  return r + r2 * q;
}

/** Clamp that keeps NaN (it fails both comparisons and falls through unchanged). */
// @ts-ignore: decorator
@inline function clampX(x: f32): f32 {
  let c = x < X_MIN ? X_MIN : x;
  return c > X_MAX ? X_MAX : c;
}

// @ts-ignore: decorator
@inline export function expF32(x: f32): f32 {
  const c = clampX(x);
  const t = c * LOG2E + ROUNDER;
  const nf = t - ROUNDER;                         // nearest(c·log2 e), exactly
  const n = reinterpret<i32>(t) - ROUNDER_BITS;   // the same integer
  const r = (c - nf * LN2_HI) - nf * LN2_LO;
  const h = n >> 1;
  return (<f32>1.0 + expm1Poly(r)) * pow2(h) * pow2(n - h);
}

/**
 * exp(x) − 1 with full relative accuracy near 0 (used by tanh). It repeats exp's range
 * reduction on purpose: sharing it through a helper would cost the hot sigmoid a global write
 * (AssemblyScript returns one value), and exp − 1 loses the accuracy near 0 this is for.
 */
export function expm1F32(x: f32): f32 {
  const c = clampX(x);
  const t = c * LOG2E + ROUNDER;
  const nf = t - ROUNDER;
  const n = reinterpret<i32>(t) - ROUNDER_BITS;
  const r = (c - nf * LN2_HI) - nf * LN2_LO;
  const h = n >> 1;
  const s = pow2(h) * pow2(n - h); // 2^n
  return expm1Poly(r) * s + (s - <f32>1.0);
}

/** Natural log for x > 0 (softmax sums); log(0) = −Inf, log(Inf) = Inf, NaN stays NaN. */
export function logF32(x: f32): f32 {
  if (!(x > 0) || x == Infinity) return x == 0 ? -Infinity : (x != x || x < 0 ? NaN : x);
  let bits = reinterpret<i32>(x);
  let k: i32 = 0;
  if (bits < 0x00800000) { // subnormal: scale up by 2^25 first
    x *= 33554432.0;
    bits = reinterpret<i32>(x);
    k = -25;
  }
  // Split x = 2^k · m with m in [sqrt(1/2), sqrt(2)).
  bits -= 0x3f3504f3;
  k += bits >> 23;
  const m = reinterpret<f32>((bits & 0x007fffff) + 0x3f3504f3);
  // log(m) = 2·atanh(f), f = (m−1)/(m+1), |f| ≤ 0.172: odd series to f^9 (error < 1e-9).
  const f = (m - 1) / (m + 1);
  const f2 = f * f;
  const s = f * (<f32>2.0 + f2 * (<f32>0.6666667 + f2 * (<f32>0.4 + f2 * (<f32>0.2857143 + f2 * <f32>0.22222222))));
  return <f32>k * LN2_HI + (s + <f32>k * LN2_LO);
}

// log1p: FreeBSD's logf minimax coefficients for R(z) ≈ log(1 + f) − f + f²/2 − s·(f²/2), z = s²
// (|error| < 2^-34 on its range). In decimal: the same f32 values.
const LG1: f32 = 0.6666666269302368;
const LG2: f32 = 0.40000972151756287;
const LG3: f32 = 0.2849878668785095;
const LG4: f32 = 0.24279078841209412;
const SQRT_HALF_BITS: i32 = 0x3f3504f3;

/**
 * log(1 + u) for u in [0, 1] (softplus's log1p(exp(−|x|))); NaN stays NaN. fdlibm's log1pf,
 * without its branches so that the 4-lane form runs the same operations: w = 1 + u rounds, and
 * c = (u − (w − 1)) / w puts the rounding error back (w − 1 and u − (w − 1) are exact), so a tiny
 * u keeps its full relative accuracy (w = 1, c = u). Then w = 2^k · m (k = 0 or 1, m in
 * [√½, √2)), f = m − 1 exactly, and log m = f − (f²/2 − s·(f²/2 + R)) with s = f / (2 + f): the
 * leading f is exact, so the rounding lands only on the small terms (under an ulp).
 */
// @ts-ignore: decorator
@inline export function log1pF32(u: f32): f32 {
  const w = <f32>1.0 + u;
  const bits = reinterpret<i32>(w) - SQRT_HALF_BITS;
  const k = <f32>(bits >> 23);
  const f = reinterpret<f32>((bits & 0x007fffff) + SQRT_HALF_BITS) - <f32>1.0;
  const c = (u - (w - <f32>1.0)) / w;
  const s = f / (<f32>2.0 + f);
  const z = s * s;
  const r = z * (LG1 + z * (LG2 + z * (LG3 + z * LG4)));
  const hfsq = <f32>0.5 * f * f;
  return k * LN2_HI - ((hfsq - (s * (hfsq + r) + (k * LN2_LO + c))) - f);
}

// ---- 4-lane versions, used by the SIMD build only ----

// @ts-ignore: decorator
@inline function pow2x4(n: v128): v128 {
  return i32x4.shl(i32x4.add(n, i32x4.splat(127)), 23);
}

// @ts-ignore: decorator
@inline function expm1Poly4(r: v128): v128 {
  const r2 = f32x4.mul(r, r);
  const r4 = f32x4.mul(r2, r2);
  const a = f32x4.add(f32x4.splat(C2), f32x4.mul(f32x4.splat(C3), r));
  const b = f32x4.add(f32x4.splat(C4), f32x4.mul(f32x4.splat(C5), r));
  const c = f32x4.add(f32x4.splat(C6), f32x4.mul(f32x4.splat(C7), r));
  const q = f32x4.add(f32x4.add(a, f32x4.mul(r2, b)), f32x4.mul(r4, c));
  return f32x4.add(r, f32x4.mul(r2, q));
}

// pmax(x, lo) = x < lo ? lo : x and pmin(x, hi) = hi < x ? hi : x: one instruction each,
// and NaN passes through both because it fails the comparison (same as clampX).
// @ts-ignore: decorator
@inline function clampX4(x: v128): v128 {
  return f32x4.pmin(f32x4.pmax(x, f32x4.splat(X_MIN)), f32x4.splat(X_MAX));
}

// @ts-ignore: decorator
@inline export function expF32x4(x: v128): v128 {
  const c = clampX4(x);
  const t = f32x4.add(f32x4.mul(c, f32x4.splat(LOG2E)), f32x4.splat(ROUNDER));
  const nf = f32x4.sub(t, f32x4.splat(ROUNDER));
  const n = i32x4.sub(t, i32x4.splat(ROUNDER_BITS));
  const r = f32x4.sub(f32x4.sub(c, f32x4.mul(nf, f32x4.splat(LN2_HI))), f32x4.mul(nf, f32x4.splat(LN2_LO)));
  const h = i32x4.shr_s(n, 1);
  const e = f32x4.mul(f32x4.add(f32x4.splat(1.0), expm1Poly4(r)), pow2x4(h));
  return f32x4.mul(e, pow2x4(i32x4.sub(n, h)));
}

// @ts-ignore: decorator
@inline export function expm1F32x4(x: v128): v128 {
  const c = clampX4(x);
  const t = f32x4.add(f32x4.mul(c, f32x4.splat(LOG2E)), f32x4.splat(ROUNDER));
  const nf = f32x4.sub(t, f32x4.splat(ROUNDER));
  const n = i32x4.sub(t, i32x4.splat(ROUNDER_BITS));
  const r = f32x4.sub(f32x4.sub(c, f32x4.mul(nf, f32x4.splat(LN2_HI))), f32x4.mul(nf, f32x4.splat(LN2_LO)));
  const h = i32x4.shr_s(n, 1);
  const s = f32x4.mul(pow2x4(h), pow2x4(i32x4.sub(n, h)));
  return f32x4.add(f32x4.mul(expm1Poly4(r), s), f32x4.sub(s, f32x4.splat(1.0)));
}

