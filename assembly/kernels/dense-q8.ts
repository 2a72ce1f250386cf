// Int8 dense with dynamic row quantization (onnxruntime's DynamicQuantizeLinear → MatMulInteger
// → Cast → Mul → Add pattern, as one kernel):
//   1. quantize the row to u8 as ONNX DynamicQuantizeLinear defines it:
//        scale = (max(0, max x) − min(0, min x)) / 255,  zp = sat_u8(round(−min(0, min x) / scale)),
//        q[i] = sat_u8(round(x[i] / scale) + zp), round = half to even (f32.nearest)
//   2. acc[o] = Σ_i q[i]·W[o][i] − zp·rowSum[o]   (i32, exact: |acc| < 2^31 for nIn < 66000)
//   3. y[o] = f32(acc[o]) · (scale · wScale[o]) + b[o]
//
// Layout contract: w i8[nOut][nIn] (symmetric per output channel), aux = f32 wScale[nOut]
// followed by i32 rowSum[nOut], b f32[nOut], q = nIn bytes of scratch. x, y, q disjoint.

/** Quantizes one row into q; returns the scale and writes the zero point to zpOut. Shared by both paths. */
export function quantizeRowU8(x: usize, q: usize, n: i32, zpOut: usize): f32 {
  let lo: f32 = 0, hi: f32 = 0; // the range always includes 0
  for (let i = 0; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    lo = min<f32>(lo, v);
    hi = max<f32>(hi, v);
  }
  const scale = (hi - lo) / <f32>255.0;
  if (!(scale > 0) || scale == Infinity) { // all zeros (or NaN/Inf): every product is 0 and y = b (NaN when x has NaN)
    memory.fill(q, 0, <usize>n);
    store<i32>(zpOut, 0);
    return scale == 0 ? <f32>0 : NaN;
  }
  const zpf = nearest<f32>(<f32>0 - lo / scale);
  const zp = <i32>(zpf < 0 ? <f32>0 : zpf > 255 ? <f32>255 : zpf);
  const zpv = <f32>zp;
  for (let i = 0; i < n; i++) {
    let v = nearest<f32>(load<f32>(x + (<usize>i << 2)) / scale) + zpv;
    v = v < 0 ? <f32>0 : v > 255 ? <f32>255 : v;
    store<u8>(q + <usize>i, <u8><i32>v);
  }
  store<i32>(zpOut, zp);
  return scale;
}

/** Scalar reference: integer dot products on already quantized input. */
export function denseQ8DotRef(q: usize, w: usize, aux: usize, b: usize, y: usize, nIn: i32, nOut: i32, zp: i32, xScale: f32): void {
  const rowSums = aux + (<usize>nOut << 2);
  for (let o = 0; o < nOut; o++) {
    const row = w + <usize>o * <usize>nIn;
    let acc: i32 = 0;
    for (let i = 0; i < nIn; i++) acc += <i32>load<u8>(q + <usize>i) * <i32>load<i8>(row + <usize>i);
    acc -= zp * load<i32>(rowSums + (<usize>o << 2));
    const s = xScale * load<f32>(aux + (<usize>o << 2));
    store<f32>(y + (<usize>o << 2), <f32>acc * s + load<f32>(b + (<usize>o << 2)));
  }
}

/** SIMD: eight u8×i8 products widened to i16 and paired into i32 lanes by i32x4.dot_i16x8_s. */
export function denseQ8Dot(q: usize, w: usize, aux: usize, b: usize, y: usize, nIn: i32, nOut: i32, zp: i32, xScale: f32): void {
  if (ASC_FEATURE_SIMD) {
    const rowSums = aux + (<usize>nOut << 2);
    const nIn16 = nIn & ~15;
    const nIn8 = nIn & ~7;
    for (let o = 0; o < nOut; o++) {
      const row = w + <usize>o * <usize>nIn;
      // Products fit i16 pairs: 255·127·2 = 64770 < 2^31 after the i32 pairwise add.
      let a0 = i32x4.splat(0), a1 = i32x4.splat(0);
      let i = 0;
      for (; i < nIn16; i += 16) {
        a0 = i32x4.add(a0, i32x4.dot_i16x8_s(v128.load8x8_u(q + <usize>i), v128.load8x8_s(row + <usize>i)));
        a1 = i32x4.add(a1, i32x4.dot_i16x8_s(v128.load8x8_u(q + <usize>i, 8), v128.load8x8_s(row + <usize>i, 8)));
      }
      for (; i < nIn8; i += 8) {
        a0 = i32x4.add(a0, i32x4.dot_i16x8_s(v128.load8x8_u(q + <usize>i), v128.load8x8_s(row + <usize>i)));
      }
      const a = i32x4.add(a0, a1);
      let acc = i32x4.extract_lane(a, 0) + i32x4.extract_lane(a, 1) + i32x4.extract_lane(a, 2) + i32x4.extract_lane(a, 3);
      for (; i < nIn; i++) acc += <i32>load<u8>(q + <usize>i) * <i32>load<i8>(row + <usize>i);
      acc -= zp * load<i32>(rowSums + (<usize>o << 2));
      const s = xScale * load<f32>(aux + (<usize>o << 2));
      store<f32>(y + (<usize>o << 2), <f32>acc * s + load<f32>(b + (<usize>o << 2)));
    }
  } else {
    denseQ8DotRef(q, w, aux, b, y, nIn, nOut, zp, xScale);
  }
}

/** One row end to end: quantize into the scratch q, then the integer dense. */
export function denseQ8(x: usize, q: usize, w: usize, aux: usize, b: usize, y: usize, nIn: i32, nOut: i32): void {
  const zpSlot = q + ((<usize>nIn + 3) & ~3); // 4 bytes after the quantized row, inside the scratch
  const scale = quantizeRowU8(x, q, nIn, zpSlot);
  denseQ8Dot(q, w, aux, b, y, nIn, nOut, load<i32>(zpSlot), scale);
}

export function denseQ8Ref(x: usize, q: usize, w: usize, aux: usize, b: usize, y: usize, nIn: i32, nOut: i32): void {
  const zpSlot = q + ((<usize>nIn + 3) & ~3);
  const scale = quantizeRowU8(x, q, nIn, zpSlot);
  denseQ8DotRef(q, w, aux, b, y, nIn, nOut, load<i32>(zpSlot), scale);
}
