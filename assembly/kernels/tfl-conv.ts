// CONV_I8 and POOL_I8: TensorFlow Lite's int8 CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D and
// MAX_POOL_2D on NHWC rows ([H][W][C], int8 values held as f32), as TFLite runs them.
// Convolutions: per output the i32 sum of (x − inZp)·w over the window's positions inside the
// input (padding contributes zero, as padding with the input zero point does), plus the bias,
// requantized per channel (./tfl-fixed.ts: XNNPACK's fp32 form, or TFLite's reference fixed
// point with STEP_FLAG_TFL_FIXED_POINT). The row is first copied to the scratch as i16 x − inZp
// (then, in the SIMD form of a regular convolution, one window's patch: see convI8).
// CONV_I8 aux: i32 inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, dilH, dilW, padTop,
// padLeft, depthMultiplier (0: a regular convolution), inZp; i32 outZp, lo, hi, 0; i32 b[outC];
// scale or multiplier [outC]; shift [outC]; int8 weights: [outC][kH][kW][inC], or depthwise
// [kH][kW][outC] (outC = inC · depthMultiplier).
// POOL_I8 aux: i32 inH, inW, C, outH, outW, kH, kW, strideH, strideW, padTop, padLeft, kind
// (0 average, 1 max), lo, hi, 0, 0. Average: TFLite's reference rounding, (Σ ± n/2) / n over the
// positions inside the input; max: the largest; both clamped to [lo, hi].
import { S_AUX, S_FLAGS, S_SCRATCH, STEP_FLAG_TFL_FIXED_POINT } from "../abi";
import { requantize } from "./tfl-fixed";

// @ts-ignore: decorator
@inline function word(aux: usize, k: i32): i32 { return load<i32>(aux + (<usize>k << 2)); }

/** Scalar reference: one row of a convolution (regular or depthwise); q: the scratch for the i16 row. */
export function convI8Ref(x: usize, aux: usize, y: usize, q: usize, fixed: bool): void {
  const inH = word(aux, 0), inW = word(aux, 1), inC = word(aux, 2);
  const outH = word(aux, 3), outW = word(aux, 4), outC = word(aux, 5);
  const kH = word(aux, 6), kW = word(aux, 7), sH = word(aux, 8), sW = word(aux, 9);
  const dH = word(aux, 10), dW = word(aux, 11), padT = word(aux, 12), padL = word(aux, 13);
  const mult = word(aux, 14), inZp = word(aux, 15);
  const outZp = word(aux, 16), lo = word(aux, 17), hi = word(aux, 18);
  const bias = aux + 80;
  const scales = bias + (<usize>outC << 2);
  const w = bias + <usize>outC * 12;
  const n = inH * inW * inC;
  for (let i = 0; i < n; i++) store<i16>(q + (<usize>i << 1), <i16>(<i32>load<f32>(x + (<usize>i << 2)) - inZp));
  for (let oy = 0; oy < outH; oy++) {
    const y0 = oy * sH - padT;
    for (let ox = 0; ox < outW; ox++) {
      const x0 = ox * sW - padL;
      const out = y + (<usize>((oy * outW + ox) * outC) << 2);
      for (let oc = 0; oc < outC; oc++) {
        let acc = load<i32>(bias + (<usize>oc << 2));
        if (mult == 0) {
          for (let ky = 0; ky < kH; ky++) {
            const iy = y0 + ky * dH;
            if (iy < 0 || iy >= inH) continue;
            for (let kx = 0; kx < kW; kx++) {
              const ix = x0 + kx * dW;
              if (ix < 0 || ix >= inW) continue;
              const xp = q + (<usize>((iy * inW + ix) * inC) << 1);
              const wp = w + <usize>(((oc * kH + ky) * kW + kx) * inC);
              for (let ic = 0; ic < inC; ic++) acc += <i32>load<i16>(xp + (<usize>ic << 1)) * <i32>load<i8>(wp + <usize>ic);
            }
          }
        } else {
          const ic = oc / mult;
          for (let ky = 0; ky < kH; ky++) {
            const iy = y0 + ky * dH;
            if (iy < 0 || iy >= inH) continue;
            for (let kx = 0; kx < kW; kx++) {
              const ix = x0 + kx * dW;
              if (ix < 0 || ix >= inW) continue;
              acc += <i32>load<i16>(q + (<usize>((iy * inW + ix) * inC + ic) << 1)) *
                <i32>load<i8>(w + <usize>((ky * kW + kx) * outC + oc));
            }
          }
        }
        store<f32>(out + (<usize>oc << 2), <f32>requantize(acc, scales + (<usize>oc << 2), outC, outZp, lo, hi, fixed));
      }
    }
  }
}

/**
 * SIMD form (the same i32 sums, so the same bits): a regular convolution gathers each output
 * pixel's window into a patch (kH·kW·inC i16, zeros where it leaves the row: x − zp = 0 there),
 * in the weights' own order, then takes 8 products per i32x4.dot_i16x8_s per output channel;
 * a depthwise one (multiplier 1) runs 4 channels per i32x4. Scratch: the i16 row, then the patch.
 */
export function convI8(x: usize, aux: usize, y: usize, q: usize, fixed: bool): void {
  const mult = word(aux, 14);
  if (!ASC_FEATURE_SIMD || mult > 1) {
    convI8Ref(x, aux, y, q, fixed);
    return;
  }
  const inH = word(aux, 0), inW = word(aux, 1), inC = word(aux, 2);
  const outH = word(aux, 3), outW = word(aux, 4), outC = word(aux, 5);
  const kH = word(aux, 6), kW = word(aux, 7), sH = word(aux, 8), sW = word(aux, 9);
  const dH = word(aux, 10), dW = word(aux, 11), padT = word(aux, 12), padL = word(aux, 13);
  const inZp = word(aux, 15), outZp = word(aux, 16), lo = word(aux, 17), hi = word(aux, 18);
  const bias = aux + 80;
  const scales = bias + (<usize>outC << 2);
  const w = bias + <usize>outC * 12;
  const n = inH * inW * inC;
  for (let i = 0; i < n; i++) store<i16>(q + (<usize>i << 1), <i16>(<i32>load<f32>(x + (<usize>i << 2)) - inZp));
  const patch = q + (<usize>n << 1);
  const k = kH * kW * inC, k8 = k & ~7;
  const c4 = outC & ~3;
  const c8 = (inC & 7) == 0;
  for (let oy = 0; oy < outH; oy++) {
    const y0 = oy * sH - padT;
    for (let ox = 0; ox < outW; ox++) {
      const x0 = ox * sW - padL;
      const out = y + (<usize>((oy * outW + ox) * outC) << 2);
      if (mult == 0) {
        let p = patch;
        for (let ky = 0; ky < kH; ky++) {
          const iy = y0 + ky * dH;
          for (let kx = 0; kx < kW; kx++, p += <usize>inC << 1) {
            const ix = x0 + kx * dW;
            const inside = iy >= 0 && iy < inH && ix >= 0 && ix < inW;
            const from = q + (<usize>((iy * inW + ix) * inC) << 1);
            if (c8) {
              // 8 channels per vector (the usual case): no call per window position
              const zero = i16x8.splat(0);
              for (let j = 0; j < inC; j += 8) v128.store(p + (<usize>j << 1), inside ? v128.load(from + (<usize>j << 1)) : zero);
            } else if (inside) memory.copy(p, from, <usize>inC << 1);
            else memory.fill(p, 0, <usize>inC << 1);
          }
        }
        for (let oc = 0; oc < outC; oc++) {
          const wr = w + <usize>oc * <usize>k;
          let accv = i32x4.splat(0);
          for (let i = 0; i < k8; i += 8)
            accv = i32x4.add(accv, i32x4.dot_i16x8_s(v128.load(patch + (<usize>i << 1)), i16x8.extend_low_i8x16_s(v128.load64_zero(wr + <usize>i))));
          let acc = load<i32>(bias + (<usize>oc << 2)) + i32x4.extract_lane(accv, 0) + i32x4.extract_lane(accv, 1) +
            i32x4.extract_lane(accv, 2) + i32x4.extract_lane(accv, 3);
          for (let i = k8; i < k; i++) acc += <i32>load<i16>(patch + (<usize>i << 1)) * <i32>load<i8>(wr + <usize>i);
          store<f32>(out + (<usize>oc << 2), <f32>requantize(acc, scales + (<usize>oc << 2), outC, outZp, lo, hi, fixed));
        }
      } else {
        for (let oc = 0; oc < c4; oc += 4) {
          let accv = v128.load(bias + (<usize>oc << 2));
          for (let ky = 0; ky < kH; ky++) {
            const iy = y0 + ky * dH;
            if (iy < 0 || iy >= inH) continue;
            for (let kx = 0; kx < kW; kx++) {
              const ix = x0 + kx * dW;
              if (ix < 0 || ix >= inW) continue;
              const xv = i32x4.extend_low_i16x8_s(v128.load64_zero(q + (<usize>((iy * inW + ix) * inC + oc) << 1)));
              const wv = i32x4.extend_low_i16x8_s(i16x8.extend_low_i8x16_s(v128.load32_zero(w + <usize>((ky * kW + kx) * outC + oc))));
              accv = i32x4.add(accv, i32x4.mul(xv, wv));
            }
          }
          for (let l = 0; l < 4; l++) {
            const c = oc + l;
            const acc = l == 0 ? i32x4.extract_lane(accv, 0) : l == 1 ? i32x4.extract_lane(accv, 1) : l == 2 ? i32x4.extract_lane(accv, 2) : i32x4.extract_lane(accv, 3);
            store<f32>(out + (<usize>c << 2), <f32>requantize(acc, scales + (<usize>c << 2), outC, outZp, lo, hi, fixed));
          }
        }
        for (let oc = c4; oc < outC; oc++) {
          let acc = load<i32>(bias + (<usize>oc << 2));
          for (let ky = 0; ky < kH; ky++) {
            const iy = y0 + ky * dH;
            if (iy < 0 || iy >= inH) continue;
            for (let kx = 0; kx < kW; kx++) {
              const ix = x0 + kx * dW;
              if (ix < 0 || ix >= inW) continue;
              acc += <i32>load<i16>(q + (<usize>((iy * inW + ix) * inC + oc) << 1)) * <i32>load<i8>(w + <usize>((ky * kW + kx) * outC + oc));
            }
          }
          store<f32>(out + (<usize>oc << 2), <f32>requantize(acc, scales + (<usize>oc << 2), outC, outZp, lo, hi, fixed));
        }
      }
    }
  }
}

/** One row of a pooling. */
export function poolI8(x: usize, aux: usize, y: usize): void {
  const inH = word(aux, 0), inW = word(aux, 1), c = word(aux, 2), outH = word(aux, 3), outW = word(aux, 4);
  const kH = word(aux, 5), kW = word(aux, 6), sH = word(aux, 7), sW = word(aux, 8);
  const padT = word(aux, 9), padL = word(aux, 10), isMax = word(aux, 11) == 1, lo = word(aux, 12), hi = word(aux, 13);
  for (let oy = 0; oy < outH; oy++) {
    const yS = max(0, oy * sH - padT), yE = min(inH, oy * sH - padT + kH);
    for (let ox = 0; ox < outW; ox++) {
      const xS = max(0, ox * sW - padL), xE = min(inW, ox * sW - padL + kW);
      const count = (yE - yS) * (xE - xS);
      for (let ch = 0; ch < c; ch++) {
        let acc: i32 = isMax ? -128 : 0;
        for (let iy = yS; iy < yE; iy++)
          for (let ix = xS; ix < xE; ix++) {
            const v = <i32>load<f32>(x + (<usize>((iy * inW + ix) * c + ch) << 2));
            acc = isMax ? max(acc, v) : acc + v;
          }
        // reference_integer_ops::AveragePool: round half away from zero; C++ division truncates, as i32.div_s does
        const v = isMax ? acc : (acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count);
        store<f32>(y + (<usize>((oy * outW + ox) * c + ch) << 2), <f32>min(hi, max(lo, v)));
      }
    }
  }
}

// ---- Step entries (assembly/run.ts): aux and, for CONV_I8, the scratch and the flag.

export function stepConvI8(s: usize, image: usize, arena: usize, src: usize, srcStep: usize, dst: usize, dstStep: usize, nIn: i32, nOut: i32, w: usize, b: usize, act: u32, alpha: f32, beta: f32, nRows: i32): void {
  const aux = image + <usize>load<u32>(s + S_AUX);
  const q = arena + <usize>load<u32>(s + S_SCRATCH);
  const fixed = (<u32>load<u16>(s + S_FLAGS) & STEP_FLAG_TFL_FIXED_POINT) != 0;
  for (let r = 0; r < nRows; r++) convI8(src + <usize>r * srcStep, aux, dst + <usize>r * dstStep, q, fixed);
}

export function stepPoolI8(s: usize, image: usize, src: usize, srcStep: usize, dst: usize, dstStep: usize, nIn: i32, nOut: i32, w: usize, b: usize, act: u32, alpha: f32, beta: f32, nRows: i32): void {
  const aux = image + <usize>load<u32>(s + S_AUX);
  for (let r = 0; r < nRows; r++) poolI8(src + <usize>r * srcStep, aux, dst + <usize>r * dstStep);
}
