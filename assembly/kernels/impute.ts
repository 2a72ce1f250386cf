// ai.onnx.ml Imputer (scikit-learn's SimpleImputer as skl2onnx exports it): every element equal
// to the replaced value r becomes the imputed value v[i]; every other element is copied. When r
// is NaN, the elements replaced are the NaNs (NaN equals nothing, so that is a case of its own).
// Pure selection, no arithmetic: both builds copy the same bits, a NaN's payload included.
// Layout: v f32[n]; x and y may be the same row (in place) or disjoint.

/** Scalar reference: one element at a time. */
export function imputeF32Ref(x: usize, v: usize, y: usize, n: i32, r: f32): void {
  const nanMissing = r != r;
  for (let i = 0; i < n; i++) {
    const p = <usize>i << 2;
    const xi = load<f32>(x + p);
    const missing = xi == r || (nanMissing && xi != xi);
    store<f32>(y + p, select<f32>(load<f32>(v + p), xi, missing));
  }
}

export function imputeF32(x: usize, v: usize, y: usize, n: i32, r: f32): void {
  if (ASC_FEATURE_SIMD) {
    const n4 = n & ~3;
    const rv = f32x4.splat(r);
    // All ones when r is NaN: then a lane is missing when it is NaN too.
    const nanMask = i32x4.splat(r != r ? -1 : 0);
    for (let i = 0; i < n4; i += 4) {
      const p = <usize>i << 2;
      const xv = v128.load(x + p);
      const missing = v128.or(f32x4.eq(xv, rv), v128.and(f32x4.ne(xv, xv), nanMask));
      v128.store(y + p, v128.bitselect(v128.load(v + p), xv, missing));
    }
    const p = <usize>n4 << 2;
    imputeF32Ref(x + p, v + p, y + p, n - n4, r);
  } else {
    imputeF32Ref(x, v, y, n, r);
  }
}

// ---- Step entry (assembly/run.ts): the interpreter decodes the fields every record has; IMPUTE
// needs no other. w: the imputed values (nIn f32), alpha: the replaced value.

/** IMPUTE row by row. */
export function stepImpute(s: usize, src: usize, srcStep: usize, dst: usize, dstStep: usize, nIn: i32, nOut: i32, w: usize, b: usize, act: u32, alpha: f32, beta: f32, nRows: i32): void {
  for (let r = 0; r < nRows; r++) imputeF32(src + <usize>r * srcStep, w, dst + <usize>r * dstStep, nIn, alpha);
}
