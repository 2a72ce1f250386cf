// The drift monitor: after a prediction, each feature of the row and each output channel is
// counted into its reference bin, in the current sub-window of a ring (docs/drift.md). No
// allocation and no branch on a value: a channel's bin is the number of its edges ≤ v (NaN:
// the missing slot). Channels go four at a time (features: four consecutive values of the
// row; outputs: four columns of the output row), so that the SIMD build compares four
// channels against their j-th edges in one instruction. The host lays the block out at load
// (src/runtime/monitor.ts):
//
//   header (64 B) | output columns u32[nOutGroups][4] | lane bases u32[nGroups][4]
//   | edges f32[nGroups][nEdges][4] | counts u32[nSubs][nChan + 1][stride] | rows u32[nSubs]
//
// A lane base is the byte offset of its channel's counts within a sub-window; padding lanes
// (past the last feature or output) point at the spare channel nChan, never read back. Edges
// are float32 (padded with NaN to a multiple of three per channel): a reference edge e becomes the smallest float32 ≥ e, so that for the float32
// values a model reads, v ≥ edge exactly when v ≥ e; padding edges are NaN (never ≤ v). Both
// builds count the same. Reading the last feature group may look up to 12 bytes past a row:
// the runtime's rows are always followed by more of its memory (arena, monitor, outputs).

export const M_N_FEAT_GROUPS: usize = 0;
export const M_N_OUT_GROUPS: usize = 4;
export const M_N_EDGES: usize = 8;
export const M_STRIDE: usize = 12;
export const M_ROWS_PER_SUB: usize = 16;
export const M_ROWS_IN_SUB: usize = 20;
export const M_N_SUBS: usize = 24;
export const M_CUR: usize = 28;
export const M_COLS: usize = 32;
export const M_BASES: usize = 36;
export const M_EDGES: usize = 40;
export const M_COUNTS: usize = 44;
export const M_SUB_ROWS: usize = 48;
export const M_SUB_BYTES: usize = 52;
export const M_N_FEAT: usize = 56;

/** Scalar reference: four channels, one lane at a time. v: the four values. */
// @ts-ignore: decorator
@inline function countGroupScalar(v0: f32, v1: f32, v2: f32, v3: f32, e: usize, nEdges: i32, bases: usize, counts: usize, missingBytes: u32): void {
  let n0 = 0, n1 = 0, n2 = 0, n3 = 0;
  for (let j = 0; j < nEdges; j++) {
    const p = e + (<usize>j << 4);
    n0 += <i32>(load<f32>(p) <= v0);
    n1 += <i32>(load<f32>(p, 4) <= v1);
    n2 += <i32>(load<f32>(p, 8) <= v2);
    n3 += <i32>(load<f32>(p, 12) <= v3);
  }
  bump(counts + <usize>load<u32>(bases) + <usize>select<u32>(missingBytes, <u32>n0 << 2, v0 != v0));
  bump(counts + <usize>load<u32>(bases, 4) + <usize>select<u32>(missingBytes, <u32>n1 << 2, v1 != v1));
  bump(counts + <usize>load<u32>(bases, 8) + <usize>select<u32>(missingBytes, <u32>n2 << 2, v2 != v2));
  bump(counts + <usize>load<u32>(bases, 12) + <usize>select<u32>(missingBytes, <u32>n3 << 2, v3 != v3));
}

// @ts-ignore: decorator
@inline function bump(at: usize): void {
  store<u32>(at, load<u32>(at) + 1);
}

/**
 * SIMD: the four channels' edges compared with their values, four lanes per instruction,
 * three edges per loop turn (the host pads the edges to a multiple of three with NaN).
 */
// @ts-ignore: decorator
@inline function countGroupSimd(v: v128, e: usize, nEdges: i32, bases: usize, counts: usize, missing: v128): void {
  let n0 = i32x4.splat(0),
    n1 = i32x4.splat(0),
    n2 = i32x4.splat(0);
  const end = e + (<usize>nEdges << 4);
  for (let p = e; p < end; p += 48) {
    n0 = i32x4.sub(n0, f32x4.le(v128.load(p), v));
    n1 = i32x4.sub(n1, f32x4.le(v128.load(p, 16), v));
    n2 = i32x4.sub(n2, f32x4.le(v128.load(p, 32), v));
  }
  const n = i32x4.add(i32x4.add(n0, n1), n2);
  const off = i32x4.add(v128.load(bases), v128.bitselect(missing, i32x4.shl(n, 2), f32x4.ne(v, v)));
  bump(counts + <usize>i32x4.extract_lane(off, 0));
  bump(counts + <usize>i32x4.extract_lane(off, 1));
  bump(counts + <usize>i32x4.extract_lane(off, 2));
  bump(counts + <usize>i32x4.extract_lane(off, 3));
}

/** Starts the next sub-window: it becomes current and is cleared (the oldest rows leave the window). */
// @ts-ignore: decorator
@noinline export function monitorRotate(mon: usize): void {
  const nSubs = load<u32>(mon + M_N_SUBS);
  const cur = (load<u32>(mon + M_CUR) + 1) % nSubs;
  const subBytes = <usize>load<u32>(mon + M_SUB_BYTES);
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
  const nFeatGroups = <i32>load<u32>(mon + M_N_FEAT_GROUPS);
  const nGroups = nFeatGroups + <i32>load<u32>(mon + M_N_OUT_GROUPS);
  const nEdges = <i32>load<u32>(mon + M_N_EDGES);
  const missingBytes = (load<u32>(mon + M_STRIDE) - 1) << 2;
  const cols = mon + <usize>load<u32>(mon + M_COLS);
  const bases0 = mon + <usize>load<u32>(mon + M_BASES);
  const edges0 = mon + <usize>load<u32>(mon + M_EDGES);
  const edgeStep = <usize>nEdges << 4;
  const subRows = mon + <usize>load<u32>(mon + M_SUB_ROWS);
  const rowsPerSub = load<u32>(mon + M_ROWS_PER_SUB);
  const subBytes = <usize>load<u32>(mon + M_SUB_BYTES);
  const counts0 = mon + <usize>load<u32>(mon + M_COUNTS);
  const rowBytes = <usize>load<u32>(mon + M_N_FEAT) << 2;
  for (let r = 0; r < nRows; r++) {
    const cur = <usize>load<u32>(mon + M_CUR);
    const counts = counts0 + cur * subBytes;
    const x = rows + <usize>r * rowBytes;
    const y = outs + (<usize>(r * outStride) << 2);
    let e = edges0,
      bases = bases0,
      c = cols;
    for (let g = 0; g < nGroups; g++, e += edgeStep, bases += 16) {
      if (ASC_FEATURE_SIMD) {
        let v: v128;
        if (g < nFeatGroups) v = v128.load(x + (<usize>g << 4));
        else {
          v = f32x4.splat(load<f32>(y + (<usize>load<u32>(c) << 2)));
          v = f32x4.replace_lane(v, 1, load<f32>(y + (<usize>load<u32>(c, 4) << 2)));
          v = f32x4.replace_lane(v, 2, load<f32>(y + (<usize>load<u32>(c, 8) << 2)));
          v = f32x4.replace_lane(v, 3, load<f32>(y + (<usize>load<u32>(c, 12) << 2)));
          c += 16;
        }
        countGroupSimd(v, e, nEdges, bases, counts, i32x4.splat(<i32>missingBytes));
      } else {
        let p0: usize, p1: usize, p2: usize, p3: usize;
        if (g < nFeatGroups) {
          p0 = x + (<usize>g << 4);
          p1 = p0 + 4;
          p2 = p0 + 8;
          p3 = p0 + 12;
        } else {
          p0 = y + (<usize>load<u32>(c) << 2);
          p1 = y + (<usize>load<u32>(c, 4) << 2);
          p2 = y + (<usize>load<u32>(c, 8) << 2);
          p3 = y + (<usize>load<u32>(c, 12) << 2);
          c += 16;
        }
        countGroupScalar(load<f32>(p0), load<f32>(p1), load<f32>(p2), load<f32>(p3), e, nEdges, bases, counts, missingBytes);
      }
    }
    const sr = subRows + (cur << 2);
    store<u32>(sr, load<u32>(sr) + 1);
    const inSub = load<u32>(mon + M_ROWS_IN_SUB) + 1;
    store<u32>(mon + M_ROWS_IN_SUB, inSub);
    if (inSub == rowsPerSub) monitorRotate(mon);
  }
}
