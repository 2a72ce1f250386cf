// Zero skipping (SIMD builds): the runs of nonzero 16-byte blocks of a row.
//
// Inputs are often zero in long runs: the background of an image, one-hot features, padding.
// A block of inputs that is zero in every row being computed adds exactly nothing, so the SIMD
// dense kernels walk only the runs of nonzero blocks:
//   - f32 (dense.ts): the weights are finite (the planner refuses others), so each skipped
//     product is ±0, and an accumulator that starts at +0 is never −0, so adding ±0 leaves it
//     unchanged: the same bits as the dense loop;
//   - int16 rows of int8 layers (dense-q8.ts): integer sums, trivially the same.
// On the MNIST-shaped rows of bench/models (mostly zeros) the 784-256-128-10 MLP predicts faster
// than on dense rows (bench/compare.ts: "MLP 784-256-128-10" against its "dense rows (no zeros)").
// The list lives in static memory: no allocation; one prediction runs at a time.

const MAX_RUNS = 64;
/** [start, end) byte offsets of the nonzero blocks, as u32 pairs. */
export const RUNS = memory.data(MAX_RUNS * 8, 16);

/** Lane masks for nonzeroRuns: f32 lanes without their sign (−0 is zero too); any bit. */
export const F32_MAGNITUDE: i32 = 0x7fffffff;
export const ANY_BIT: i32 = -1;

/**
 * Writes to RUNS the runs of 16-byte blocks of [0, endBytes) where some of the nRows rows
 * (rowBytes apart) has a bit of laneMask set in some i32 lane, and returns their number. When
 * skipping is not worth it (fewer than a quarter of the blocks are zero, or the runs are too
 * many or too short to pay for their loop overhead, as with ReLU outputs, whose zeros are
 * scattered: each run costs about runCost blocks' work, measured per kernel), RUNS holds one
 * run over the whole range instead, so the kernels have a single loop.
 */
export function nonzeroRuns(x: usize, rowBytes: usize, nRows: i32, endBytes: usize, laneMask: i32, runCost: i32): i32 {
  const mask = i32x4.splat(laneMask);
  let n = 0, zeroBlocks = 0;
  let open = false;
  for (let p: usize = 0; p < endBytes; p += 16) {
    let v = v128.load(x + p);
    for (let r = 1; r < nRows; r++) v = v128.or(v, v128.load(x + <usize>r * rowBytes + p));
    const nonzero = v128.any_true(v128.and(v, mask));
    if (nonzero != open) {
      if (nonzero) {
        if (n == MAX_RUNS) return wholeRun(endBytes);
        store<u32>(RUNS + (<usize>n << 3), <u32>p);
      } else {
        store<u32>(RUNS + (<usize>n << 3), <u32>p, 4);
        n++;
      }
      open = nonzero;
    }
    zeroBlocks += <i32>!nonzero;
  }
  if (open) { store<u32>(RUNS + (<usize>n << 3), <u32>endBytes, 4); n++; }
  return zeroBlocks * 4 >= <i32>(endBytes >> 4) && n * runCost <= zeroBlocks ? n : wholeRun(endBytes);
}

/** RUNS as one run over all of [0, endBytes) (none for an empty range). */
// @ts-ignore: decorator
@inline function wholeRun(endBytes: usize): i32 {
  if (endBytes == 0) return 0;
  store<u32>(RUNS, 0);
  store<u32>(RUNS, <u32>endBytes, 4);
  return 1;
}
