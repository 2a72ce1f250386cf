// Dense (fully connected) f32: y[o] = b[o] + Σ_i W[o][i] · x[i], for one row or a block of rows.
//
// Layout contract (written by src/plan, checked at load by src/format/read.ts):
//   w  f32[nOut][nIn]  one contiguous row per output (PyTorch's Linear.weight order), block 16-byte aligned
//   b  f32[nOut];  x f32[nIn] per row, rows xStride floats apart;  y likewise with yStride
//   x and y do not overlap.
// No shape or bounds checks here: the plan was proved when the model was loaded.
// Inputs are read only up to nIn (tails are scalar), so a row may sit inside a wider buffer.
import { actScalar, storeTail, applyAct, sigmoidS, sigmoidV, stepFusedAct } from "./activations";
import { isAct } from "../config";
import { ACT_NONE, ACT_SIGMOID, ACT_SOFTMAX, ACT_LOG_SOFTMAX, ACT_LOGISTIC_PAIR, ACT_SOFTMAX_ZERO } from "../abi";
import { RUNS, nonzeroRuns, F32_MAGNITUDE } from "./runs";
import { dotLanes, dotSeq } from "./lanes";

/** Loop overhead of a run in the f32 kernels, in 4-float blocks of work (bench/ measurements). */
const F32_RUN_COST = 3;

/**
 * Scalar reference for one row, and the scalar build's kernel. Every faster variant is tested
 * against it bit for bit. The sum is formed in the SIMD kernel's order (lanes.ts): four lane
 * sums over the first nIn & ~3 inputs, added as (l0 + l1) + (l2 + l3), then the tail in input
 * order, then the bias. (The SIMD kernel's zero skipping leaves out only products with a zero
 * input, ±0 for the finite weights the planner allows, which change no bit: see runs.ts.)
 */
export function denseF32Ref(x: usize, w: usize, b: usize, y: usize, nIn: i32, nOut: i32): void {
  const nIn4 = nIn & ~3;
  for (let o = 0; o < nOut; o++) {
    const row = w + ((<usize>o * <usize>nIn) << 2);
    const acc = dotLanes(row, x, nIn4) + dotSeq(row, x, nIn4, nIn);
    store<f32>(y + (<usize>o << 2), acc + load<f32>(b + (<usize>o << 2)));
  }
}

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

// @ts-ignore: decorator
@inline function dotTail(row: usize, x: usize, from: i32, nIn: i32): f32 {
  let acc: f32 = 0;
  for (let i = from; i < nIn; i++) acc += load<f32>(row + (<usize>i << 2)) * load<f32>(x + (<usize>i << 2));
  return acc;
}

/**
 * One row. SIMD: four output rows at a time share each load of x, over the runs of nonzero
 * blocks of x (one run over the whole row when it has too few zeros: as fast as a plain loop,
 * within this machine's noise, measured in one process).
 */
export function denseF32(x: usize, w: usize, b: usize, y: usize, nIn: i32, nOut: i32): void {
  if (ASC_FEATURE_SIMD) {
    const nIn4 = nIn & ~3;
    const nRuns = nonzeroRuns(x, 0, 1, <usize>nIn4 << 2, F32_MAGNITUDE, F32_RUN_COST);
    const runsEnd = RUNS + (<usize>nRuns << 3);
    const rowBytes = <usize>nIn << 2;
    let o = 0;
    for (; o + 4 <= nOut; o += 4) {
      const r0 = w + <usize>o * rowBytes;
      const r1 = r0 + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      // Moving pointers, two vectors per turn at constant offsets 0 and 16: less address and
      // loop arithmetic per multiply-add (bench/kernels.bench.ts, 784×256). The same accumulators take
      // the products in the same order, so the bits are those of the plain loop.
      for (let run = RUNS; run < runsEnd; run += 8) {
        const start = <usize>load<u32>(run);
        let pw = r0 + start, px = x + start;
        const pxEnd = x + <usize>load<u32>(run, 4);
        while (px + 32 <= pxEnd) {
          let xv = v128.load(px);
          a0 = f32x4.add(a0, f32x4.mul(v128.load(pw), xv));
          a1 = f32x4.add(a1, f32x4.mul(v128.load(pw + rowBytes), xv));
          a2 = f32x4.add(a2, f32x4.mul(v128.load(pw + 2 * rowBytes), xv));
          a3 = f32x4.add(a3, f32x4.mul(v128.load(pw + 3 * rowBytes), xv));
          xv = v128.load(px, 16);
          a0 = f32x4.add(a0, f32x4.mul(v128.load(pw, 16), xv));
          a1 = f32x4.add(a1, f32x4.mul(v128.load(pw + rowBytes, 16), xv));
          a2 = f32x4.add(a2, f32x4.mul(v128.load(pw + 2 * rowBytes, 16), xv));
          a3 = f32x4.add(a3, f32x4.mul(v128.load(pw + 3 * rowBytes, 16), xv));
          pw += 32; px += 32;
        }
        if (px < pxEnd) {
          const xv = v128.load(px);
          a0 = f32x4.add(a0, f32x4.mul(v128.load(pw), xv));
          a1 = f32x4.add(a1, f32x4.mul(v128.load(pw + rowBytes), xv));
          a2 = f32x4.add(a2, f32x4.mul(v128.load(pw + 2 * rowBytes), xv));
          a3 = f32x4.add(a3, f32x4.mul(v128.load(pw + 3 * rowBytes), xv));
        }
      }
      const bo = b + (<usize>o << 2), yo = y + (<usize>o << 2);
      store<f32>(yo, hsum(a0) + dotTail(r0, x, nIn4, nIn) + load<f32>(bo));
      store<f32>(yo, hsum(a1) + dotTail(r1, x, nIn4, nIn) + load<f32>(bo, 4), 4);
      store<f32>(yo, hsum(a2) + dotTail(r2, x, nIn4, nIn) + load<f32>(bo, 8), 8);
      store<f32>(yo, hsum(a3) + dotTail(r3, x, nIn4, nIn) + load<f32>(bo, 12), 12);
    }
    for (; o < nOut; o++) {
      const r = w + <usize>o * rowBytes;
      store<f32>(y + (<usize>o << 2), dotRuns(r, x, runsEnd) + dotTail(r, x, nIn4, nIn) + load<f32>(b + (<usize>o << 2)));
    }
  } else {
    denseF32Ref(x, w, b, y, nIn, nOut);
  }
}

/** One weight row against x over the runs in [RUNS, runsEnd): the lanes' sum, as the 4-output loop forms it. */
function dotRuns(row: usize, x: usize, runsEnd: usize): f32 {
  let a = f32x4.splat(0);
  for (let run = RUNS; run < runsEnd; run += 8) {
    const end = <usize>load<u32>(run, 4);
    for (let p = <usize>load<u32>(run); p < end; p += 16) a = f32x4.add(a, f32x4.mul(v128.load(row + p), v128.load(x + p)));
  }
  return hsum(a);
}

/** Scalar reference for a block of rows: the one-row reference, row by row. */
export function denseF32BatchRef(x: usize, xStride: i32, w: usize, b: usize, y: usize, yStride: i32,
                                 nIn: i32, nOut: i32, nRows: i32): void {
  for (let r = 0; r < nRows; r++) {
    denseF32Ref(x + ((<usize>r * <usize>xStride) << 2), w, b, y + ((<usize>r * <usize>yStride) << 2), nIn, nOut);
  }
}

/**
 * A block of rows. Four rows × two outputs at a time: each load of x serves two weight rows and
 * each load of W serves four rows, 0.75 loads per multiply-add where a single row needs 1.25.
 * Leftover outputs and rows take narrower loops; the sums are formed in the same order as
 * denseF32's, so a row gives the same bits alone or in a batch.
 */
export function denseF32Batch(x: usize, xStride: i32, w: usize, b: usize, y: usize, yStride: i32,
                              nIn: i32, nOut: i32, nRows: i32): void {
  const xs = <usize>xStride << 2, ys = <usize>yStride << 2;
  const rowBytes = <usize>nIn << 2;
  if (!ASC_FEATURE_SIMD) {
    // Scalar build: row by row. Rows sharing weight loads need four lane sums per row, more
    // accumulators than V8 keeps in registers: two rows at a time measured slower than this
    // (bench/lanes.bench.ts, the dense kernels in blocks).
    denseF32BatchRef(x, xStride, w, b, y, yStride, nIn, nOut, nRows);
    return;
  }
  const nIn4 = nIn & ~3;
  let r = 0;
  for (; r + 4 <= nRows; r += 4) {
    const x0 = x + <usize>r * xs, x1 = x0 + xs, x2 = x1 + xs, x3 = x2 + xs;
    const y0 = y + <usize>r * ys, y1 = y0 + ys, y2 = y1 + ys, y3 = y2 + ys;
    // Blocks zero in all four rows are skipped (see runs.ts).
    const nRuns = nonzeroRuns(x0, xs, 4, <usize>nIn4 << 2, F32_MAGNITUDE, F32_RUN_COST);
    const runsEnd = RUNS + (<usize>nRuns << 3);
    let o = 0;
    for (; o + 2 <= nOut; o += 2) {
      const wa = w + <usize>o * rowBytes, wb = wa + rowBytes;
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
      // Moving pointers (no index arithmetic in the loop): faster in V8 (bench/kernels.bench.ts,
      // 784×256). Not unrolled further: with two turns in flight V8 runs out of vector registers
      // and spills.
      for (let run = RUNS; run < runsEnd; run += 8) {
        const start = <usize>load<u32>(run);
        let pw = wa + start, px = x0 + start;
        const end = wa + <usize>load<u32>(run, 4);
        while (pw < end) {
          const va = v128.load(pw), vb = v128.load(pw + rowBytes);
          const v0 = v128.load(px), v1 = v128.load(px + xs), v2 = v128.load(px + 2 * xs), v3 = v128.load(px + 3 * xs);
          a0 = f32x4.add(a0, f32x4.mul(va, v0)); c0 = f32x4.add(c0, f32x4.mul(vb, v0));
          a1 = f32x4.add(a1, f32x4.mul(va, v1)); c1 = f32x4.add(c1, f32x4.mul(vb, v1));
          a2 = f32x4.add(a2, f32x4.mul(va, v2)); c2 = f32x4.add(c2, f32x4.mul(vb, v2));
          a3 = f32x4.add(a3, f32x4.mul(va, v3)); c3 = f32x4.add(c3, f32x4.mul(vb, v3));
          pw += 16; px += 16;
        }
      }
      const ba = load<f32>(b + (<usize>o << 2)), bb = load<f32>(b + (<usize>o << 2), 4);
      const q = <usize>o << 2;
      store<f32>(y0 + q, hsum(a0) + dotTail(wa, x0, nIn4, nIn) + ba); store<f32>(y0 + q, hsum(c0) + dotTail(wb, x0, nIn4, nIn) + bb, 4);
      store<f32>(y1 + q, hsum(a1) + dotTail(wa, x1, nIn4, nIn) + ba); store<f32>(y1 + q, hsum(c1) + dotTail(wb, x1, nIn4, nIn) + bb, 4);
      store<f32>(y2 + q, hsum(a2) + dotTail(wa, x2, nIn4, nIn) + ba); store<f32>(y2 + q, hsum(c2) + dotTail(wb, x2, nIn4, nIn) + bb, 4);
      store<f32>(y3 + q, hsum(a3) + dotTail(wa, x3, nIn4, nIn) + ba); store<f32>(y3 + q, hsum(c3) + dotTail(wb, x3, nIn4, nIn) + bb, 4);
    }
    for (; o < nOut; o++) {
      const wa = w + <usize>o * rowBytes;
      const ba = load<f32>(b + (<usize>o << 2)), q = <usize>o << 2;
      for (let k: usize = 0; k < 4; k++) {
        const xk = x0 + k * xs;
        store<f32>(y0 + k * ys + q, dotRuns(wa, xk, runsEnd) + dotTail(wa, xk, nIn4, nIn) + ba);
      }
    }
  }
  for (; r < nRows; r++) denseF32(x + <usize>r * xs, w, b, y + <usize>r * ys, nIn, nOut);
}

// ---- Narrow dense: nOut ≤ 4, one vector of outputs per row ----
//
// Layout contract: wt f32[nIn][4], the weights transposed and each input's column padded to four
// lanes with zeros; b f32[4], padded likewise. y[o] = act(b[o] + Σ_i x[i]·wt[i][o]) for o < nOut,
// summed in i order (so both builds give the same bits). Linear and logistic regressions and the
// last layer of small classifiers land here: no horizontal sums, and the element-wise
// activation is applied in registers. Softmax kinds are applied after the store by the caller.
// LOGISTIC_PAIR (nOut = 2) reads the logit from lane 1 only and writes [1 − p, p].

// @ts-ignore: decorator
@inline export function narrowRowScalar(act: u32, x: usize, wt: usize, b: usize, y: usize, nIn: i32, nOut: i32, alpha: f32, beta: f32): void {
  if (isAct(act, ACT_LOGISTIC_PAIR)) { // one logit in lane 1, one exp: [1 − p, p] as predict_proba computes it
    let acc = load<f32>(b, 4);
    for (let i = 0; i < nIn; i++) acc += load<f32>(x + (<usize>i << 2)) * load<f32>(wt + (<usize>i << 4), 4);
    const p = sigmoidS(acc);
    store<f32>(y, <f32>1 - p);
    store<f32>(y, p, 4);
    return;
  }
  for (let o = 0; o < nOut; o++) {
    let acc = load<f32>(b + (<usize>o << 2));
    for (let i = 0; i < nIn; i++) acc += load<f32>(x + (<usize>i << 2)) * load<f32>(wt + (<usize>i << 4) + (<usize>o << 2));
    store<f32>(y + (<usize>o << 2), actScalar(act, acc, alpha, beta));
  }
}

/** Scalar reference, one row. */
export function denseNarrowF32Ref(x: usize, wt: usize, b: usize, y: usize, nIn: i32, nOut: i32, act: u32, alpha: f32, beta: f32): void {
  narrowRowScalar(act, x, wt, b, y, nIn, nOut, alpha, beta);
}

/**
 * nRows rows (xStride, yStride in floats apart). One row: scalar code in both builds (a lone
 * 4-lane exp costs more than the one or two scalar ones a small classifier needs: see
 * bench/predict.bench.ts). Several rows, SIMD: the four lanes are the outputs of a row's linear
 * part; the activation then runs over the block with full vectors (applyAct over contiguous
 * rows, or four rows' logits at a time for logistic_pair).
 */
export function denseNarrowF32(x: usize, xStride: i32, wt: usize, b: usize, y: usize, yStride: i32,
                               nIn: i32, nOut: i32, nRows: i32, act: u32, alpha: f32, beta: f32): void {
  const xs = <usize>xStride << 2, ys = <usize>yStride << 2;
  const rowwise = isAct(act, ACT_SOFTMAX) || isAct(act, ACT_LOG_SOFTMAX) || isAct(act, ACT_SOFTMAX_ZERO); // over each row, after the linear part
  if (nRows == 1 || !ASC_FEATURE_SIMD) {
    for (let r = 0; r < nRows; r++) {
      const xr = x + <usize>r * xs, yr = y + <usize>r * ys;
      if (isAct(act, ACT_LOGISTIC_PAIR)) narrowRowScalar(ACT_LOGISTIC_PAIR, xr, wt, b, yr, nIn, nOut, alpha, beta);
      else if (isAct(act, ACT_SIGMOID)) narrowRowScalar(ACT_SIGMOID, xr, wt, b, yr, nIn, nOut, alpha, beta);
      else if (rowwise) { narrowRowScalar(ACT_NONE, xr, wt, b, yr, nIn, nOut, 0, 0); applyAct(act, yr, yr, nOut, 0, 0); }
      else narrowRowScalar(act, xr, wt, b, yr, nIn, nOut, alpha, beta);
    }
    return;
  }
  if (ASC_FEATURE_SIMD) {
    const bias = v128.load(b);
    for (let r = 0; r < nRows; r++) {
      const xr = x + <usize>r * xs;
      let acc = bias;
      for (let i = 0; i < nIn; i++) {
        acc = f32x4.add(acc, f32x4.mul(f32x4.splat(load<f32>(xr + (<usize>i << 2))), v128.load(wt + (<usize>i << 4))));
      }
      const yr = y + <usize>r * ys;
      if (nOut == 4) v128.store(yr, acc);
      else storeTail(yr, nOut, acc);
    }
    if (isAct(act, ACT_LOGISTIC_PAIR)) {
      // Logits sit in column 1 of each row: four rows per vector of sigmoids.
      for (let r = 0; r < nRows; r += 4) {
        const n = min(4, nRows - r);
        const yr = y + <usize>r * ys;
        let z = f32x4.splat(0);
        z = f32x4.replace_lane(z, 0, load<f32>(yr, 4));
        if (n > 1) z = f32x4.replace_lane(z, 1, load<f32>(yr + ys, 4));
        if (n > 2) z = f32x4.replace_lane(z, 2, load<f32>(yr + 2 * ys, 4));
        if (n > 3) z = f32x4.replace_lane(z, 3, load<f32>(yr + 3 * ys, 4));
        const p = sigmoidV(z);
        const q = f32x4.sub(f32x4.splat(1), p);
        store<f32>(yr, f32x4.extract_lane(q, 0)); store<f32>(yr, f32x4.extract_lane(p, 0), 4);
        if (n > 1) { store<f32>(yr + ys, f32x4.extract_lane(q, 1)); store<f32>(yr + ys, f32x4.extract_lane(p, 1), 4); }
        if (n > 2) { store<f32>(yr + 2 * ys, f32x4.extract_lane(q, 2)); store<f32>(yr + 2 * ys, f32x4.extract_lane(p, 2), 4); }
        if (n > 3) { store<f32>(yr + 3 * ys, f32x4.extract_lane(q, 3)); store<f32>(yr + 3 * ys, f32x4.extract_lane(p, 3), 4); }
      }
    } else if (act != ACT_NONE) {
      if (!rowwise && ys == (<usize>nOut << 2)) applyAct(act, y, y, nOut * nRows, alpha, beta);
      else for (let r = 0; r < nRows; r++) applyAct(act, y + <usize>r * ys, y + <usize>r * ys, nOut, alpha, beta);
    }
  }
}

// ---- Step entries (assembly/run.ts). The interpreter decodes the fields every record has once
// (src and dst with their strides in bytes, nIn, nOut, w and b as image addresses, act, alpha,
// beta: decoding them in every entry made the release wasm 388 bytes bigger); an entry decodes
// the fields only its opcode has from the record at s.

/** DENSE_NARROW: its activation included. */
export function stepDenseNarrow(s: usize, src: usize, srcStep: usize, dst: usize, dstStep: usize, nIn: i32, nOut: i32, w: usize, b: usize, act: u32, alpha: f32, beta: f32, nRows: i32): void {
  denseNarrowF32(src, <i32>(srcStep >> 2), w, b, dst, <i32>(dstStep >> 2), nIn, nOut, nRows, act, alpha, beta);
}

/** DENSE, then its fused activation. */
export function stepDense(s: usize, src: usize, srcStep: usize, dst: usize, dstStep: usize, nIn: i32, nOut: i32, w: usize, b: usize, act: u32, alpha: f32, beta: f32, nRows: i32): void {
  if (nRows == 1) denseF32(src, w, b, dst, nIn, nOut);
  else denseF32Batch(src, <i32>(srcStep >> 2), w, b, dst, <i32>(dstStep >> 2), nIn, nOut, nRows);
  stepFusedAct(act, dst, dstStep, nOut, nRows, alpha, beta);
}
