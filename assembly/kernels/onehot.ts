// ONE_HOT: ONNX-ML OneHotEncoder (scikit-learn's OneHotEncoder as skl2onnx writes it). Each of
// the nIn elements becomes K = nOut / nIn indicators, y[i·K + k] = x[i] == c[k] ? 1 : 0, for the
// K categories c (w). With nanUnknown (ONNX zeros = 0: scikit-learn's handle_unknown='error'),
// an element equal to no category gives K NaNs instead of K zeros: the row's answer is NaN, not
// a confident guess. Comparisons only: both builds give the same bits.
// Layout: w = f32[K]; x and y are disjoint.
import { S_FLAGS } from "../abi";

/** Scalar reference: one element at a time. */
export function oneHotF32Ref(x: usize, c: usize, y: usize, nIn: i32, k: i32, nanUnknown: bool): void {
  for (let i = 0; i < nIn; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    const out = y + (<usize>(i * k) << 2);
    let hit = false;
    for (let j = 0; j < k; j++) {
      const eq = v == load<f32>(c + (<usize>j << 2));
      hit = hit || eq;
      store<f32>(out + (<usize>j << 2), eq ? <f32>1 : <f32>0);
    }
    if (nanUnknown && !hit) for (let j = 0; j < k; j++) store<f32>(out + (<usize>j << 2), NaN);
  }
}

export function oneHotF32(x: usize, c: usize, y: usize, nIn: i32, k: i32, nanUnknown: bool): void {
  if (ASC_FEATURE_SIMD) {
    const k4 = k & ~3;
    const one = f32x4.splat(1);
    for (let i = 0; i < nIn; i++) {
      const v = load<f32>(x + (<usize>i << 2));
      const vv = f32x4.splat(v);
      const out = y + (<usize>(i * k) << 2);
      let hit = false;
      for (let j = 0; j < k4; j += 4) {
        const eq = f32x4.eq(vv, v128.load(c + (<usize>j << 2)));
        hit = hit || v128.any_true(eq);
        v128.store(out + (<usize>j << 2), v128.and(eq, one));
      }
      for (let j = k4; j < k; j++) {
        const eq = v == load<f32>(c + (<usize>j << 2));
        hit = hit || eq;
        store<f32>(out + (<usize>j << 2), eq ? <f32>1 : <f32>0);
      }
      if (nanUnknown && !hit) for (let j = 0; j < k; j++) store<f32>(out + (<usize>j << 2), NaN);
    }
  } else {
    oneHotF32Ref(x, c, y, nIn, k, nanUnknown);
  }
}

// ---- Step entry (assembly/run.ts), ONE_HOT: w holds the categories, flags bit 0 says NaN for unknowns.

/** ONE_HOT row by row. */
export function stepOneHot(s: usize, src: usize, srcStep: usize, dst: usize, dstStep: usize, nIn: i32, nOut: i32, w: usize, b: usize, act: u32, alpha: f32, beta: f32, nRows: i32): void {
  const nanUnknown = (<u32>load<u16>(s + S_FLAGS) & 1) != 0;
  const k = nOut / nIn;
  for (let r = 0; r < nRows; r++) oneHotF32(src + <usize>r * srcStep, w, dst + <usize>r * dstStep, nIn, k, nanUnknown);
}

