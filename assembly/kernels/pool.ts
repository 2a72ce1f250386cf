// POOL: max and average pooling on channels-last rows ([H][W][C] → [OH][OW][C]; 1-D: H = 1;
// global pooling: the window is the whole image). Geometry at aux (i32 × 15): C, H, W, OH, OW,
// KH, KW, SH, SW, PT, PL, DH, DW, PB, PR. The act byte is the mode (POOL_*). Windows are
// clipped to the input; an average divides by the taps inside the input (POOL_AVG) or by the
// window clipped to the padded input (POOL_AVG_PAD, count_include_pad). Taps are visited in
// the same order in both forms, so the SIMD form (four channels per vector) gives the same bits.

import { POOL_MAX, POOL_AVG_PAD, S_AUX } from "../abi";

// @ts-ignore: decorator
@inline function g32(geo: usize, k: i32): i32 { return load<i32>(geo + (<usize>k << 2)); }

/** The divisor of the window at (oh, ow): taps inside the input, or inside the padded input. */
// @ts-ignore: decorator
@inline function poolCount(geo: usize, oh: i32, ow: i32, withPad: bool): f32 {
  const H = g32(geo, 1), W = g32(geo, 2), KH = g32(geo, 5), KW = g32(geo, 6), SH = g32(geo, 7), SW = g32(geo, 8);
  const PT = g32(geo, 9), PL = g32(geo, 10), DH = g32(geo, 11), DW = g32(geo, 12), PB = g32(geo, 13), PR = g32(geo, 14);
  const lo = withPad ? -PT : 0, hi = withPad ? H + PB : H, lw = withPad ? -PL : 0, hw = withPad ? W + PR : W;
  let nh = 0, nw = 0;
  for (let kh = 0; kh < KH; kh++) { const ih = oh * SH - PT + kh * DH; if (ih >= lo && ih < hi) nh++; }
  for (let kw = 0; kw < KW; kw++) { const iw = ow * SW - PL + kw * DW; if (iw >= lw && iw < hw) nw++; }
  return <f32>(nh * nw);
}

/** Channels [c0, c1) of one image, scalar. */
function poolRange(x: usize, y: usize, geo: usize, mode: u32, c0: i32, c1: i32): void {
  const C = g32(geo, 0), H = g32(geo, 1), W = g32(geo, 2), OH = g32(geo, 3), OW = g32(geo, 4), KH = g32(geo, 5), KW = g32(geo, 6);
  const SH = g32(geo, 7), SW = g32(geo, 8), PT = g32(geo, 9), PL = g32(geo, 10), DH = g32(geo, 11), DW = g32(geo, 12);
  for (let oh = 0; oh < OH; oh++) {
    for (let ow = 0; ow < OW; ow++) {
      const n = mode == POOL_MAX ? <f32>1 : poolCount(geo, oh, ow, mode == POOL_AVG_PAD);
      for (let c = c0; c < c1; c++) {
        let acc: f32 = mode == POOL_MAX ? -Infinity : 0;
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * SH - PT + kh * DH;
          if (<u32>ih >= <u32>H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * SW - PL + kw * DW;
            if (<u32>iw >= <u32>W) continue;
            const v = load<f32>(x + (<usize>((ih * W + iw) * C + c) << 2));
            acc = mode == POOL_MAX ? (v > acc || v != v ? v : acc) : acc + v;
          }
        }
        store<f32>(y + (<usize>((oh * OW + ow) * C + c) << 2), mode == POOL_MAX ? acc : acc / n);
      }
    }
  }
}

export function poolF32Ref(x: usize, y: usize, geo: usize, mode: u32): void {
  poolRange(x, y, geo, mode, 0, g32(geo, 0));
}

export function poolF32(x: usize, y: usize, geo: usize, mode: u32): void {
  if (!ASC_FEATURE_SIMD) { poolF32Ref(x, y, geo, mode); return; }
  const C = g32(geo, 0), H = g32(geo, 1), W = g32(geo, 2), OH = g32(geo, 3), OW = g32(geo, 4), KH = g32(geo, 5), KW = g32(geo, 6);
  const SH = g32(geo, 7), SW = g32(geo, 8), PT = g32(geo, 9), PL = g32(geo, 10), DH = g32(geo, 11), DW = g32(geo, 12);
  const Cv = C & ~3;
  for (let oh = 0; oh < OH; oh++) {
    for (let ow = 0; ow < OW; ow++) {
      const n = f32x4.splat(mode == POOL_MAX ? <f32>1 : poolCount(geo, oh, ow, mode == POOL_AVG_PAD));
      for (let c = 0; c < Cv; c += 4) {
        let acc = f32x4.splat(mode == POOL_MAX ? -Infinity : 0);
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * SH - PT + kh * DH;
          if (<u32>ih >= <u32>H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * SW - PL + kw * DW;
            if (<u32>iw >= <u32>W) continue;
            const v = v128.load(x + (<usize>((ih * W + iw) * C + c) << 2));
            // max as the scalar form takes it: v where v > acc or v is NaN.
            acc = mode == POOL_MAX ? v128.bitselect(v, acc, v128.or(f32x4.gt(v, acc), f32x4.ne(v, v))) : f32x4.add(acc, v);
          }
        }
        v128.store(y + (<usize>((oh * OW + ow) * C + c) << 2), mode == POOL_MAX ? acc : f32x4.div(acc, n));
      }
    }
  }
  if (Cv < C) poolRange(x, y, geo, mode, Cv, C);
}

/** POOL row by row (each row one image). */
export function stepPool(s: usize, image: usize, src: usize, srcStep: usize, dst: usize, dstStep: usize, nIn: i32, nOut: i32, w: usize, b: usize, act: u32, alpha: f32, beta: f32, nRows: i32): void {
  const geo = image + <usize>load<u32>(s + S_AUX);
  for (let r = 0; r < nRows; r++) poolF32(src + <usize>r * srcStep, dst + <usize>r * dstStep, geo, act);
}
