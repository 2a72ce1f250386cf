// QUANTIZE: element-wise quantization to integer values, kept in f32 (exact: |v| < 2^24).
//   divide:   y[i] = clamp(round(x[i] / scale[i]) + zp[i], lo, hi)       ONNX QuantizeLinear
//   multiply: y[i] = clamp(round(x[i] · m[i]) + zp[i], lo, hi)           requantizing an integer product
//   dynamic:  the row as DynamicQuantizeLinear quantizes it: its u8 values, or its scale, or its zero point
// round = half to even (f32.nearest). Layout contract: w = f32[n] scales or multipliers, b = f32[n]
// zero points, lo/hi = the integer range (alpha/beta of the step). Scalar only: these steps
// stand alone in graphs that quantize or dequantize explicitly; the int8 dense has its own.
import { QUANT_DIVIDE, QUANT_MULTIPLY, QUANT_DYNAMIC_VALUES, QUANT_DYNAMIC_SCALE } from "../abi";

export function quantizeF32(mode: u32, x: usize, w: usize, b: usize, y: usize, n: i32, lo: f32, hi: f32): void {
  if (mode == QUANT_DIVIDE || mode == QUANT_MULTIPLY) {
    for (let i = 0; i < n; i++) {
      const p = <usize>i << 2;
      const t = mode == QUANT_DIVIDE ? load<f32>(x + p) / load<f32>(w + p) : load<f32>(x + p) * load<f32>(w + p);
      const v = nearest<f32>(t) + load<f32>(b + p);
      store<f32>(y + p, v < lo ? lo : v > hi ? hi : v);
    }
    return;
  }
  // Dynamic: the scale and zero point of the whole row (y is never x here).
  let lo2: f32 = 0, hi2: f32 = 0;
  for (let i = 0; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    lo2 = min<f32>(lo2, v);
    hi2 = max<f32>(hi2, v);
  }
  const scale = (hi2 - lo2) / <f32>255.0;
  const ok = scale > 0 && scale != Infinity;
  const zpf = ok ? nearest<f32>(<f32>0 - lo2 / scale) : <f32>0;
  const zp: f32 = zpf < 0 ? 0 : zpf > 255 ? 255 : zpf;
  if (mode == QUANT_DYNAMIC_SCALE) { store<f32>(y, scale); return; }
  if (mode != QUANT_DYNAMIC_VALUES) { store<f32>(y, scale != scale ? NaN : zp); return; }
  for (let i = 0; i < n; i++) {
    const p = <usize>i << 2;
    let v: f32 = ok ? nearest<f32>(load<f32>(x + p) / scale) + zp : (scale == 0 ? <f32>0 : NaN);
    if (ok) v = v < 0 ? <f32>0 : v > 255 ? <f32>255 : v;
    store<f32>(y + p, v);
  }
}

// ---- Step entries (assembly/run.ts). The interpreter decodes the fields every record has once
// (src and dst with their strides in bytes, nIn, nOut, w and b as image addresses, act, alpha,
// beta: decoding them in every entry made the release wasm 388 bytes bigger); an entry decodes
// the fields only its opcode has from the record at s.

/** QUANTIZE row by row (the mode in the act byte, the saturation bounds in alpha and beta). */
export function stepQuantize(s: usize, src: usize, srcStep: usize, dst: usize, dstStep: usize, nIn: i32, nOut: i32, w: usize, b: usize, act: u32, alpha: f32, beta: f32, nRows: i32): void {
  const mode = act;
  const lo = alpha, hi = beta;
  for (let r = 0; r < nRows; r++) quantizeF32(mode, src + <usize>r * srcStep, w, b, dst + <usize>r * dstStep, nIn, lo, hi);
}
