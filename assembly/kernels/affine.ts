// Element-wise affine: y[i] = x[i] · s[i] + t[i]. Scalers (StandardScaler, ONNX Scaler as
// (x − offset) · scale) and batch norm that could not be folded into a neighbouring dense layer.
// Layout: s f32[n], t f32[n]; x and y may be the same row (in place) or disjoint.

export function affineF32Ref(x: usize, s: usize, t: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const p = <usize>i << 2;
    store<f32>(y + p, load<f32>(x + p) * load<f32>(s + p) + load<f32>(t + p));
  }
}

export function affineF32(x: usize, s: usize, t: usize, y: usize, n: i32): void {
  if (ASC_FEATURE_SIMD) {
    const n4 = n & ~3;
    for (let i = 0; i < n4; i += 4) {
      const p = <usize>i << 2;
      v128.store(y + p, f32x4.add(f32x4.mul(v128.load(x + p), v128.load(s + p)), v128.load(t + p)));
    }
    const p = <usize>n4 << 2;
    affineF32Ref(x + p, s + p, t + p, y + p, n - n4);
  } else {
    affineF32Ref(x, s, t, y, n);
  }
}
