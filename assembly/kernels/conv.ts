// CONV: direct convolution (no im2col) on channels-last rows. One row is an image [H][W][C]
// (1-D: H = 1); the output [OH][OW][M]. Geometry at aux (i32 × 15, CONV_* below); pads at
// the end are implied by OH and OW (taps outside the input are skipped). Each output channel
// sums bias + Σ_kh Σ_kw Σ_ci x·w in that order, in f32 with separate multiply and add, so the
// SIMD form (four output channels per vector) gives the scalar reference's bits.
//
// Weights: general (flags 0): [G][NB][KH][KW][Cg][4], NB = ceil(Mg / 4) blocks of four output
// channels of a group (padded with zeros); bias [G][NB·4]. Depthwise (STEP_FLAG_CONV_DEPTHWISE,
// Cg = Mg = 1): [KH][KW][C4] with C4 = C rounded up to 4, bias [C4]: four channels per vector.

import { stepFusedAct } from "./activations";
import { STEP_FLAG_CONV_DEPTHWISE, S_AUX, S_FLAGS } from "../abi";

// @ts-ignore: decorator
@inline function g32(geo: usize, k: i32): i32 { return load<i32>(geo + (<usize>k << 2)); }

/** Output channels [m0, m0 + n) of one pixel, general weights, lane by lane. */
// @ts-ignore: decorator
@inline function convPixelRef(x: usize, wb: usize, bias: f32, geo: usize, oh: i32, ow: i32, cOff: i32, lane: i32): f32 {
  const C = g32(geo, 0), H = g32(geo, 1), W = g32(geo, 2), KH = g32(geo, 6), KW = g32(geo, 7);
  const SH = g32(geo, 8), SW = g32(geo, 9), PT = g32(geo, 10), PL = g32(geo, 11), DH = g32(geo, 12), DW = g32(geo, 13);
  const Cg = C / g32(geo, 14);
  let acc = bias;
  for (let kh = 0; kh < KH; kh++) {
    const ih = oh * SH - PT + kh * DH;
    if (<u32>ih >= <u32>H) continue;
    for (let kw = 0; kw < KW; kw++) {
      const iw = ow * SW - PL + kw * DW;
      if (<u32>iw >= <u32>W) continue;
      const xp = x + (<usize>((ih * W + iw) * C + cOff) << 2);
      const wp = wb + (<usize>((kh * KW + kw) * Cg * 4 + lane) << 2);
      for (let ci = 0; ci < Cg; ci++) acc += load<f32>(xp + (<usize>ci << 2)) * load<f32>(wp + (<usize>ci << 4));
    }
  }
  return acc;
}

/** One image, scalar reference: every output channel on its own. */
export function convF32Ref(x: usize, w: usize, b: usize, y: usize, geo: usize, depthwise: bool): void {
  const C = g32(geo, 0), M = g32(geo, 3), OH = g32(geo, 4), OW = g32(geo, 5), KH = g32(geo, 6), KW = g32(geo, 7), G = g32(geo, 14);
  if (depthwise) { depthwiseRef(x, w, b, y, geo, 0, C); return; }
  const Cg = C / G, Mg = M / G, NB = (Mg + 3) >> 2;
  for (let oh = 0; oh < OH; oh++) {
    for (let ow = 0; ow < OW; ow++) {
      const yp = y + (<usize>((oh * OW + ow) * M) << 2);
      for (let g = 0; g < G; g++) {
        for (let m = 0; m < Mg; m++) {
          const blk = g * NB + (m >> 2);
          const wb = w + (<usize>(blk * KH * KW * Cg * 4) << 2);
          const v = convPixelRef(x, wb, load<f32>(b + (<usize>(g * NB * 4 + m) << 2)), geo, oh, ow, g * Cg, m & 3);
          store<f32>(yp + (<usize>(g * Mg + m) << 2), v);
        }
      }
    }
  }
}

/** Depthwise channels [c0, c1) of every pixel, scalar. */
function depthwiseRef(x: usize, w: usize, b: usize, y: usize, geo: usize, c0: i32, c1: i32): void {
  const C = g32(geo, 0), H = g32(geo, 1), W = g32(geo, 2), OH = g32(geo, 4), OW = g32(geo, 5), KH = g32(geo, 6), KW = g32(geo, 7);
  const SH = g32(geo, 8), SW = g32(geo, 9), PT = g32(geo, 10), PL = g32(geo, 11), DH = g32(geo, 12), DW = g32(geo, 13);
  const C4 = (C + 3) & ~3;
  for (let oh = 0; oh < OH; oh++) {
    for (let ow = 0; ow < OW; ow++) {
      for (let c = c0; c < c1; c++) {
        let acc = load<f32>(b + (<usize>c << 2));
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * SH - PT + kh * DH;
          if (<u32>ih >= <u32>H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * SW - PL + kw * DW;
            if (<u32>iw >= <u32>W) continue;
            acc += load<f32>(x + (<usize>((ih * W + iw) * C + c) << 2)) * load<f32>(w + (<usize>((kh * KW + kw) * C4 + c) << 2));
          }
        }
        store<f32>(y + (<usize>((oh * OW + ow) * C + c) << 2), acc);
      }
    }
  }
}

/** One image, SIMD: four output channels per vector (general), four channels per vector (depthwise). */
export function convF32(x: usize, w: usize, b: usize, y: usize, geo: usize, depthwise: bool): void {
  if (!ASC_FEATURE_SIMD) { convF32Ref(x, w, b, y, geo, depthwise); return; }
  const C = g32(geo, 0), H = g32(geo, 1), W = g32(geo, 2), M = g32(geo, 3), OH = g32(geo, 4), OW = g32(geo, 5);
  const KH = g32(geo, 6), KW = g32(geo, 7), SH = g32(geo, 8), SW = g32(geo, 9), PT = g32(geo, 10), PL = g32(geo, 11);
  const DH = g32(geo, 12), DW = g32(geo, 13), G = g32(geo, 14);
  if (depthwise) {
    const C4 = (C + 3) & ~3, Cv = C & ~3;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const yp = y + (<usize>((oh * OW + ow) * C) << 2);
        for (let c = 0; c < Cv; c += 4) {
          let acc = v128.load(b + (<usize>c << 2));
          for (let kh = 0; kh < KH; kh++) {
            const ih = oh * SH - PT + kh * DH;
            if (<u32>ih >= <u32>H) continue;
            for (let kw = 0; kw < KW; kw++) {
              const iw = ow * SW - PL + kw * DW;
              if (<u32>iw >= <u32>W) continue;
              const xv = v128.load(x + (<usize>((ih * W + iw) * C + c) << 2));
              acc = f32x4.add(acc, f32x4.mul(xv, v128.load(w + (<usize>((kh * KW + kw) * C4 + c) << 2))));
            }
          }
          v128.store(yp + (<usize>c << 2), acc);
        }
      }
    }
    if (Cv < C) depthwiseRef(x, w, b, y, geo, Cv, C);
    return;
  }
  const Cg = C / G, Mg = M / G, NB = (Mg + 3) >> 2, blockBytes = <usize>(KH * KW * Cg) << 4;
  for (let oh = 0; oh < OH; oh++) {
    const ih0 = oh * SH - PT;
    for (let ow = 0; ow < OW; ow++) {
      const iw0 = ow * SW - PL;
      const yp = y + (<usize>((oh * OW + ow) * M) << 2);
      for (let g = 0; g < G; g++) {
        // Up to four blocks of four output channels at once: one broadcast input, four weight
        // vectors, four sums (each output's sum in the reference's order).
        for (let nb = 0; nb < NB; ) {
          const nBlocks = NB - nb >= 4 ? 4 : NB - nb >= 2 ? 2 : 1;
          const blk = g * NB + nb;
          const wb = w + <usize>blk * blockBytes;
          const bp = b + (<usize>blk << 4);
          let a0 = v128.load(bp), a1 = a0, a2 = a0, a3 = a0;
          if (nBlocks > 1) a1 = v128.load(bp, 16);
          if (nBlocks > 2) { a2 = v128.load(bp, 32); a3 = v128.load(bp, 48); }
          for (let kh = 0; kh < KH; kh++) {
            const ih = ih0 + kh * DH;
            if (<u32>ih >= <u32>H) continue;
            for (let kw = 0; kw < KW; kw++) {
              const iw = iw0 + kw * DW;
              if (<u32>iw >= <u32>W) continue;
              const xp = x + (<usize>((ih * W + iw) * C + g * Cg) << 2);
              let wp = wb + (<usize>((kh * KW + kw) * Cg) << 4);
              if (nBlocks == 4) {
                for (let ci = 0; ci < Cg; ci++, wp += 16) {
                  const xv = v128.load32_splat(xp + (<usize>ci << 2));
                  a0 = f32x4.add(a0, f32x4.mul(xv, v128.load(wp)));
                  a1 = f32x4.add(a1, f32x4.mul(xv, v128.load(wp + blockBytes)));
                  a2 = f32x4.add(a2, f32x4.mul(xv, v128.load(wp + 2 * blockBytes)));
                  a3 = f32x4.add(a3, f32x4.mul(xv, v128.load(wp + 3 * blockBytes)));
                }
              } else if (nBlocks == 2) {
                for (let ci = 0; ci < Cg; ci++, wp += 16) {
                  const xv = v128.load32_splat(xp + (<usize>ci << 2));
                  a0 = f32x4.add(a0, f32x4.mul(xv, v128.load(wp)));
                  a1 = f32x4.add(a1, f32x4.mul(xv, v128.load(wp + blockBytes)));
                }
              } else {
                for (let ci = 0; ci < Cg; ci++, wp += 16) {
                  a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(xp + (<usize>ci << 2)), v128.load(wp)));
                }
              }
            }
          }
          const op = yp + (<usize>(g * Mg + nb * 4) << 2);
          storeBlock(op, a0, Mg - nb * 4);
          if (nBlocks > 1) storeBlock(op + 16, a1, Mg - nb * 4 - 4);
          if (nBlocks > 2) { storeBlock(op + 32, a2, Mg - nb * 4 - 8); storeBlock(op + 48, a3, Mg - nb * 4 - 12); }
          nb += nBlocks;
        }
      }
    }
  }
}

/** The first min(n, 4) lanes of v at p: a group's last block may hold fewer than four channels. */
// @ts-ignore: decorator
@inline function storeBlock(p: usize, v: v128, n: i32): void {
  if (n >= 4) v128.store(p, v);
  else {
    store<f32>(p, f32x4.extract_lane(v, 0));
    if (n > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
    if (n > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
  }
}

/** CONV row by row (each row one image), then its fused activation over the outputs. */
export function stepConv(s: usize, image: usize, src: usize, srcStep: usize, dst: usize, dstStep: usize, nIn: i32, nOut: i32, w: usize, b: usize, act: u32, alpha: f32, beta: f32, nRows: i32): void {
  const geo = image + <usize>load<u32>(s + S_AUX);
  const depthwise = (<u32>load<u16>(s + S_FLAGS) & STEP_FLAG_CONV_DEPTHWISE) != 0;
  for (let r = 0; r < nRows; r++) convF32(src + <usize>r * srcStep, w, b, dst + <usize>r * dstStep, geo, depthwise);
  stepFusedAct(act, dst, dstStep, nOut, nRows, alpha, beta);
}
