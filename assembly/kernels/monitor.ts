// The drift monitor: after a prediction, each feature of the row and each output channel is
// counted into its reference bin, in the current sub-window of a ring (docs/drift.md). No
// allocation, no branch on the value: a channel's bin is the number of its edges ≤ v (NaN:
// the missing slot). The host lays the block out at load (src/runtime/monitor.ts):
//
//   header (64 B) | output columns u32[nOut] | edges v128[nChan][nVec] | counts u32[nSubs][nChan][stride] | rows u32[nSubs]
//
// Edges are float32: a reference edge e becomes the smallest float32 ≥ e, so that for the
// float32 values a model reads, v ≥ edge exactly when v ≥ e. Padding edges are NaN (never ≤ v).
// Both builds count the same: the SIMD form compares four edges at a time.

export const M_N_FEAT: usize = 0;
export const M_N_CHAN: usize = 4;
export const M_N_VEC: usize = 8;
export const M_STRIDE: usize = 12;
export const M_ROWS_PER_SUB: usize = 16;
export const M_ROWS_IN_SUB: usize = 20;
export const M_N_SUBS: usize = 24;
export const M_CUR: usize = 28;
export const M_COLS: usize = 32;
export const M_EDGES: usize = 36;
export const M_COUNTS: usize = 40;
export const M_SUB_ROWS: usize = 44;

/** Scalar reference: the number of the channel's 4·nVec edges ≤ v. */
// @ts-ignore: decorator
@inline function binScalar(v: f32, e: usize, nVec: i32): i32 {
  let n = 0;
  const lanes = nVec << 2;
  for (let k = 0; k < lanes; k++) n += <i32>(load<f32>(e + (<usize>k << 2)) <= v);
  return n;
}

// @ts-ignore: decorator
@inline function binOf(v: f32, e: usize, nVec: i32, missing: i32): i32 {
  let n: i32;
  if (ASC_FEATURE_SIMD) {
    const sv = f32x4.splat(v);
    let acc = i32x4.splat(0);
    for (let k = 0; k < nVec; k++) acc = i32x4.sub(acc, f32x4.le(v128.load(e + (<usize>k << 4)), sv));
    acc = i32x4.add(acc, v128.shuffle<i32>(acc, acc, 2, 3, 0, 1));
    acc = i32x4.add(acc, v128.shuffle<i32>(acc, acc, 1, 0, 3, 2));
    n = i32x4.extract_lane(acc, 0);
  } else {
    n = binScalar(v, e, nVec);
  }
  return select<i32>(missing, n, v != v);
}

/** Starts the next sub-window: it becomes current and is cleared (the oldest rows leave the window). */
// @ts-ignore: decorator
@noinline export function monitorRotate(mon: usize): void {
  const nSubs = load<u32>(mon + M_N_SUBS);
  const cur = (load<u32>(mon + M_CUR) + 1) % nSubs;
  const subBytes = <usize>load<u32>(mon + M_N_CHAN) * <usize>load<u32>(mon + M_STRIDE) << 2;
  memory.fill(mon + <usize>load<u32>(mon + M_COUNTS) + <usize>cur * subBytes, 0, subBytes);
  store<u32>(mon + <usize>load<u32>(mon + M_SUB_ROWS) + (<usize>cur << 2), 0);
  store<u32>(mon + M_CUR, cur);
  store<u32>(mon + M_ROWS_IN_SUB, 0);
}

/**
 * Counts nRows rows: features from `rows` (nFeat floats each, the model's input rows), output
 * channels from `outs` (outStride floats between rows).
 */
// @ts-ignore: decorator
@noinline export function monitorRows(mon: usize, rows: usize, outs: usize, outStride: i32, nRows: i32): void {
  const nFeat = <i32>load<u32>(mon + M_N_FEAT);
  const nChan = <i32>load<u32>(mon + M_N_CHAN);
  const nVec = <i32>load<u32>(mon + M_N_VEC);
  const stride = <usize>load<u32>(mon + M_STRIDE);
  const missing = <i32>stride - 1;
  const cols = mon + <usize>load<u32>(mon + M_COLS);
  const edges = mon + <usize>load<u32>(mon + M_EDGES);
  const edgeStep = <usize>nVec << 4;
  const subRows = mon + <usize>load<u32>(mon + M_SUB_ROWS);
  const rowsPerSub = load<u32>(mon + M_ROWS_PER_SUB);
  const subBytes = <usize>nChan * stride << 2;
  const counts0 = mon + <usize>load<u32>(mon + M_COUNTS);
  for (let r = 0; r < nRows; r++) {
    const cur = <usize>load<u32>(mon + M_CUR);
    let counts = counts0 + cur * subBytes;
    let e = edges;
    const x = rows + (<usize>(r * nFeat) << 2);
    for (let c = 0; c < nFeat; c++, e += edgeStep, counts += stride << 2) {
      const at = counts + (<usize>binOf(load<f32>(x + (<usize>c << 2)), e, nVec, missing) << 2);
      store<u32>(at, load<u32>(at) + 1);
    }
    const y = outs + (<usize>(r * outStride) << 2);
    for (let c = nFeat; c < nChan; c++, e += edgeStep, counts += stride << 2) {
      const col = <usize>load<u32>(cols + (<usize>(c - nFeat) << 2));
      const at = counts + (<usize>binOf(load<f32>(y + (col << 2)), e, nVec, missing) << 2);
      store<u32>(at, load<u32>(at) + 1);
    }
    const sr = subRows + (cur << 2);
    store<u32>(sr, load<u32>(sr) + 1);
    const inSub = load<u32>(mon + M_ROWS_IN_SUB) + 1;
    store<u32>(mon + M_ROWS_IN_SUB, inSub);
    if (inSub == rowsPerSub) monitorRotate(mon);
  }
}
