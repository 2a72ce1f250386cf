// The plan interpreter: walks a packed image's step records and calls one kernel per step.
// The image was validated when it was loaded (src/format/read.ts), so nothing here checks a
// bound: every offset is known to be inside the image or the arena, every size to fit.
import {
  H_N_STEPS, H_STEPS_OFFSET, H_BATCH_ROWS, H_INPUT_OFFSET, H_N_INPUT, H_OUTPUT_OFFSET, H_OUTPUT_STRIDE,
  STEP_BYTES, S_OPCODE, S_ACT, S_SRC, S_SRC_STRIDE, S_DST, S_DST_STRIDE, S_N_IN, S_N_OUT, S_W, S_B, S_ALPHA, S_BETA,
  OP_DENSE, OP_DENSE_Q8, OP_AFFINE, OP_ACT, OP_ARGMAX, OP_NORMALIZE, OP_COPY, OP_DENSE_NARROW, OP_QUANTIZE, OP_IMPUTE, OP_TREES, OP_GATHER, OP_ONE_HOT, OP_SVM_KERNEL, OP_SVM_PROB, OP_CONV, OP_POOL, OP_BINARY, OP_TRANSPOSE, OP_PAD, OP_FC_I8, OP_CONV_I8, OP_POOL_I8, OP_SOFTMAX_I8, OP_ADD_I8, OP_DEQUANT_I8, ACT_LOGISTIC_PAIR,
  FLAG_CHECK_NAN, STATUS_OK, STATUS_NAN_INPUT, STATUS_BAD_OPCODE,
} from "./abi";
import { denseNarrowF32, narrowRowScalar, stepDense, stepDenseNarrow } from "./kernels/dense";
import { stepDenseQ8 } from "./kernels/dense-q8";
import { stepQuantize } from "./kernels/quantize";
import { stepAffine } from "./kernels/affine";
import { stepAct } from "./kernels/activations";
import { findNaNF32, stepArgmax, stepNormalize, stepCopy } from "./kernels/reduce";
import { stepImpute } from "./kernels/impute";
import { stepTrees } from "./kernels/trees";
import { stepGather } from "./kernels/gather";
import { stepOneHot } from "./kernels/onehot";
import { stepSvmKernel } from "./kernels/svm";
import { stepSvmProb } from "./kernels/svm-prob";
import { stepConv } from "./kernels/conv";
import { stepPool } from "./kernels/pool";
import { stepBinary } from "./kernels/binary";
import { stepTranspose } from "./kernels/transpose";
import { stepPad } from "./kernels/pad";
import { stepFcI8 } from "./kernels/tfl-fc";
import { stepConvI8, stepPoolI8 } from "./kernels/tfl-conv";
import { stepSoftmaxI8 } from "./kernels/tfl-softmax";
import { stepAddI8 } from "./kernels/tfl-add";
import { stepDequantI8 } from "./kernels/tfl-dequantize";
import { isOp } from "./config";

// Where the last non-OK status came from: row of the batch, column (feature) and step index.
let errRow: i32 = -1;
let errColumn: i32 = -1;
let errStep: i32 = -1;

export function lastErrorRow(): i32 { return errRow; }
export function lastErrorColumn(): i32 { return errColumn; }
export function lastErrorStep(): i32 { return errStep; }

/**
 * Runs every step over nRows rows (nRows ≤ the image's batchRows). The input rows are read at
 * `input`, nInput floats apart: the arena's input buffer, or a batch's rows where they lie (no
 * copy). Steps never write the input buffer, so reading the rows in place is the same.
 */
function exec(image: usize, arena: usize, input: usize, nRows: i32): i32 {
  const nSteps = load<u32>(image + H_N_STEPS);
  const inputOffset = load<u32>(image + H_INPUT_OFFSET);
  let s = image + <usize>load<u32>(image + H_STEPS_OFFSET);
  for (let k: u32 = 0; k < nSteps; k++, s += STEP_BYTES) {
    const op = <u32>load<u8>(s + S_OPCODE);
    const srcOffset = load<u32>(s + S_SRC);
    const src = srcOffset == inputOffset ? input : arena + <usize>srcOffset;
    const srcStep = <usize>load<u32>(s + S_SRC_STRIDE) << 2;
    const dst = arena + <usize>load<u32>(s + S_DST);
    const dstStep = <usize>load<u32>(s + S_DST_STRIDE) << 2;
    const nIn = <i32>load<u32>(s + S_N_IN);
    const nOut = <i32>load<u32>(s + S_N_OUT);
    const w = image + <usize>load<u32>(s + S_W);
    const b = image + <usize>load<u32>(s + S_B);
    const act = <u32>load<u8>(s + S_ACT);
    const alpha = load<f32>(s + S_ALPHA), beta = load<f32>(s + S_BETA);
    // One line per opcode; each step entry (in its kernel's file) decodes the rest of its record.
    if (isOp(op, OP_DENSE_NARROW)) stepDenseNarrow(s, src, srcStep, dst, dstStep, nIn, nOut, w, b, act, alpha, beta, nRows);
    else if (isOp(op, OP_DENSE)) stepDense(s, src, srcStep, dst, dstStep, nIn, nOut, w, b, act, alpha, beta, nRows);
    else if (isOp(op, OP_DENSE_Q8)) stepDenseQ8(s, image, arena, src, srcStep, dst, dstStep, nIn, nOut, w, b, act, alpha, beta, nRows);
    else if (isOp(op, OP_AFFINE)) stepAffine(s, src, srcStep, dst, dstStep, nIn, nOut, w, b, act, alpha, beta, nRows);
    else if (isOp(op, OP_ACT)) stepAct(s, src, srcStep, dst, dstStep, nIn, nOut, w, b, act, alpha, beta, nRows);
    else if (isOp(op, OP_ARGMAX)) stepArgmax(s, src, srcStep, dst, dstStep, nIn, nOut, w, b, act, alpha, beta, nRows);
    else if (isOp(op, OP_NORMALIZE)) stepNormalize(s, src, srcStep, dst, dstStep, nIn, nOut, w, b, act, alpha, beta, nRows);
    else if (isOp(op, OP_QUANTIZE)) stepQuantize(s, src, srcStep, dst, dstStep, nIn, nOut, w, b, act, alpha, beta, nRows);
    else if (isOp(op, OP_COPY)) stepCopy(s, src, srcStep, dst, dstStep, nIn, nOut, w, b, act, alpha, beta, nRows);
    else if (isOp(op, OP_IMPUTE)) stepImpute(s, src, srcStep, dst, dstStep, nIn, nOut, w, b, act, alpha, beta, nRows);
    else if (isOp(op, OP_TREES)) stepTrees(s, image, src, srcStep, dst, dstStep, nIn, nOut, w, b, act, alpha, beta, nRows);
    else if (isOp(op, OP_GATHER)) stepGather(s, image, src, srcStep, dst, dstStep, nIn, nOut, w, b, act, alpha, beta, nRows);
    else if (isOp(op, OP_ONE_HOT)) stepOneHot(s, src, srcStep, dst, dstStep, nIn, nOut, w, b, act, alpha, beta, nRows);
    else if (isOp(op, OP_SVM_KERNEL)) stepSvmKernel(s, src, srcStep, dst, dstStep, nIn, nOut, w, b, act, alpha, beta, nRows);
    else if (isOp(op, OP_SVM_PROB)) stepSvmProb(s, arena, src, srcStep, dst, dstStep, nIn, nOut, w, b, act, alpha, beta, nRows);
    else if (isOp(op, OP_CONV)) stepConv(s, image, src, srcStep, dst, dstStep, nIn, nOut, w, b, act, alpha, beta, nRows);
    else if (isOp(op, OP_POOL)) stepPool(s, image, src, srcStep, dst, dstStep, nIn, nOut, w, b, act, alpha, beta, nRows);
    else if (isOp(op, OP_BINARY)) stepBinary(s, arena, src, srcStep, dst, dstStep, nIn, nOut, w, b, act, alpha, beta, nRows);
    else if (isOp(op, OP_PAD)) stepPad(s, image, src, srcStep, dst, dstStep, nIn, nOut, w, b, act, alpha, beta, nRows);
    else if (isOp(op, OP_TRANSPOSE)) stepTranspose(s, image, src, srcStep, dst, dstStep, nIn, nOut, w, b, act, alpha, beta, nRows);
    else if (isOp(op, OP_FC_I8)) stepFcI8(s, image, arena, src, srcStep, dst, dstStep, nIn, nOut, w, b, act, alpha, beta, nRows);
    else if (isOp(op, OP_CONV_I8)) stepConvI8(s, image, arena, src, srcStep, dst, dstStep, nIn, nOut, w, b, act, alpha, beta, nRows);
    else if (isOp(op, OP_POOL_I8)) stepPoolI8(s, image, src, srcStep, dst, dstStep, nIn, nOut, w, b, act, alpha, beta, nRows);
    else if (isOp(op, OP_SOFTMAX_I8)) stepSoftmaxI8(s, image, src, srcStep, dst, dstStep, nIn, nOut, w, b, act, alpha, beta, nRows);
    else if (isOp(op, OP_ADD_I8)) stepAddI8(s, image, src, srcStep, dst, dstStep, nIn, nOut, w, b, act, alpha, beta, nRows);
    else if (isOp(op, OP_DEQUANT_I8)) stepDequantI8(s, src, srcStep, dst, dstStep, nIn, nOut, w, b, act, alpha, beta, nRows);
    else {
      errStep = <i32>k;
      return STATUS_BAD_OPCODE;
    }
  }
  return STATUS_OK;
}

// @ts-ignore: decorator
@inline function checkNaN(rows: usize, nRows: i32, nInput: i32, firstRow: i32): i32 {
  const at = findNaNF32(rows, nRows * nInput);
  if (at < 0) return STATUS_OK;
  errRow = firstRow + at / nInput;
  errColumn = at % nInput;
  errStep = -1;
  return STATUS_NAN_INPUT;
}

/**
 * One row: the input is already in the arena at the image's inputOffset; the outputs land at
 * outputOffset. flags bit 0 (FLAG_CHECK_NAN) refuses a row holding a NaN.
 */
export function run(image: usize, arena: usize, flags: u32): i32 {
  if (flags & FLAG_CHECK_NAN) {
    const st = checkNaN(arena + <usize>load<u32>(image + H_INPUT_OFFSET), 1, <i32>load<u32>(image + H_N_INPUT), 0);
    if (st != STATUS_OK) return st;
  }
  return exec(image, arena, arena + <usize>load<u32>(image + H_INPUT_OFFSET), 1);
}

/**
 * One-step plans, called directly: the JavaScript runtime calls these for a one-step
 * DENSE_NARROW image (linear and logistic regressions) with the step's own pointers and
 * lengths, instead of run(), which would decode the header and the step on every call
 * (bench/predict.bench.ts, "one row"). The same kernel and the same bits as through run().
 * x, y: arena addresses of the step's src and dst; wt, b: image addresses of its w and b.
 * No NaN check: the caller does it.
 */
export function runNarrowPair(x: usize, wt: usize, b: usize, y: usize, nIn: i32): void {
  narrowRowScalar(ACT_LOGISTIC_PAIR, x, wt, b, y, nIn, 2, 0, 0);
}

/** The same for the other activations a one-step narrow plan may have (NONE, SIGMOID, …). */
export function runNarrow(x: usize, wt: usize, b: usize, y: usize, nIn: i32, nOut: i32, act: u32, alpha: f32, beta: f32): void {
  denseNarrowF32(x, 0, wt, b, y, 0, nIn, nOut, 1, act, alpha, beta);
}

/**
 * nRows rows from rowsPtr (f32[nRows][nInput], read in place) to outPtr (f32[nRows][outputStride]),
 * in blocks of the image's batchRows through the arena. rowsPtr and outPtr are anywhere in memory outside
 * the image and arena; they may be the same buffer only if outputStride ≤ nInput.
 */
export function runBatch(image: usize, arena: usize, rowsPtr: usize, outPtr: usize, nRows: i32, flags: u32): i32 {
  const block = <i32>load<u32>(image + H_BATCH_ROWS);
  const nInput = <i32>load<u32>(image + H_N_INPUT);
  const inRowBytes = <usize>nInput << 2;
  const outRowBytes = <usize>load<u32>(image + H_OUTPUT_STRIDE) << 2;
  const output = arena + <usize>load<u32>(image + H_OUTPUT_OFFSET);
  for (let start = 0; start < nRows; start += block) {
    const n = min(block, nRows - start);
    const input = rowsPtr + <usize>start * inRowBytes; // read where they lie: no copy into the arena
    if (flags & FLAG_CHECK_NAN) {
      const st = checkNaN(input, n, nInput, start);
      if (st != STATUS_OK) return st;
    }
    const st = exec(image, arena, input, n);
    if (st != STATUS_OK) return st;
    memory.copy(outPtr + <usize>start * outRowBytes, output, <usize>n * outRowBytes);
  }
  return STATUS_OK;
}
