/**
 * Post-training int8 quantization of a plan, and the honest report of what it cost.
 *
 *   - every f32 dense layer becomes int8 (symmetric weights, one bf16 scale per output channel,
 *     biases exact), except a final layer holding ≤ 1 % of all dense weights (an MLP's 128×10
 *     after 784×256), which stays f32: its error lands directly on the outputs, and int8 would
 *     save under 1 % of the bytes; and a final layer int8 would save under
 *     MIN_INT8_SAVING_BYTES (a small logistic regression). (Larger final layers, such as
 *     digits' 16×10, are int8: with int16 rows they keep ≥ 99 % top-class agreement,
 *     docs/quantization.md);
 *   - without calibration rows, each row is quantized on the fly (DynamicQuantizeLinear);
 *     with them, each int8 layer's input range is the range seen on those rows through the
 *     float model (min/max, 0 included), fixed at pack time, and its bias absorbs the mean
 *     error of the rounded weights on those inputs (bias correction: b += (W − Ŵ)·mean(x));
 *   - with calibration rows, the packed int8 model and the float model both run on them and the
 *     image records the largest absolute output difference and how often the top class agrees.
 */

import { ModelSpecError } from "../errors.js";
import { QuantDecision } from "../format/abi.js";
import { i16Limit } from "../ops/dense-q8.js";
import { Runtime } from "../runtime/runtime.js";
import type { BuildOptions, DenseLayer, Int8Choice, PlanBuilder } from "./builder.js";
import { roundHalfEven } from "./quantize.js";

/** A final dense layer with at most this fraction of all dense weights stays f32. */
export const SMALL_FINAL_FRACTION = 0.01;
/**
 * A final dense layer whose int8 form would save fewer bytes than this stays f32 too: a
 * logistic regression's 2×2 weights would shrink by 8 bytes (3 per weight, less 2 per output
 * for its scale), less than the quantization report adds to the image, and would lose the
 * exact f32 answers and the four-lane DENSE_NARROW kernel for nothing.
 */
export const MIN_INT8_SAVING_BYTES = 64;

export interface QuantizeOptions {
  /**
   * "int8": dense weights stored as int8 with one scale per output channel, computed in int8
   * (DENSE_Q8); a final layer may stay f32 (int8Layers).
   */
  quantize?: "none" | "int8";
  /**
   * Rows of the model's input: with quantize "int8", each int8 layer's input range is
   * calibrated on them (static quantization), and the image records the largest output
   * difference to the float model and the top-class agreement on them.
   */
  calibration?: ArrayLike<ArrayLike<number>>;
  /**
   * "auto" (default): a final layer stays f32 when it holds ≤ SMALL_FINAL_FRACTION of the dense
   * weights or int8 would shrink it by under MIN_INT8_SAVING_BYTES. "all": every dense layer is int8.
   */
  int8Layers?: "auto" | "all";
  /**
   * How int8 layers quantize their input rows: "int16" (default: symmetric int16, zero point 0,
   * i16 × i8 products) or "uint8" (u8 with a zero point, as ONNX DynamicQuantizeLinear does).
   */
  activations?: "int16" | "uint8";
  /** Rows per block in predictBatch (default: sized to about 32 KiB of activations). */
  batchRows?: number;
}

/** The decision for one f32 layer under `--quantize int8`. */
function choose(
  layer: DenseLayer,
  all: boolean,
  totalWeights: number,
  i16: boolean,
  ranges?: Array<{ lo: number; hi: number; mean: Float64Array }>,
): Int8Choice | QuantDecision {
  const w = layer.nIn * layer.nOut;
  const small = w <= SMALL_FINAL_FRACTION * totalWeights || 3 * w - 2 * layer.nOut < MIN_INT8_SAVING_BYTES;
  if (!all && layer.final && small) return QuantDecision.F32SmallFinal;
  const rows = i16 ? ("i16" as const) : ("u8" as const);
  const r = ranges?.[layer.index];
  if (!r) return { rows };
  const inputMean = r.mean;
  if (i16) {
    const s16 = Math.fround(Math.max(-r.lo, r.hi) / i16Limit(layer.nIn));
    return s16 > 0 && Number.isFinite(s16)
      ? { rows, input: { scale: s16, zeroPoint: 0 }, inputMean }
      : { rows, inputMean };
  }
  // As DynamicQuantizeLinear computes them, from the calibrated range instead of the row's.
  const scale = Math.fround(Math.fround(r.hi - r.lo) / 255);
  if (!(scale > 0) || !Number.isFinite(scale)) return { rows, inputMean }; // a constant-zero input: nothing to calibrate
  const zp = Math.max(0, Math.min(255, roundHalfEven(Math.fround(-Math.fround(r.lo / scale)))));
  return { rows, input: { scale, zeroPoint: zp }, inputMean };
}

function rowsArray(rows: ArrayLike<ArrayLike<number>>, nIn: number): Float32Array {
  const out = new Float32Array(rows.length * nIn);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    if (row.length !== nIn)
      throw new ModelSpecError(`calibration[${r}]`, `${row.length} values; the model takes ${nIn}`);
    for (let i = 0; i < nIn; i++) {
      const v = row[i]!;
      if (typeof v !== "number" || !Number.isFinite(Math.fround(v)))
        throw new ModelSpecError(`calibration[${r}][${i}]`, `${String(v)} is not a finite float32 number`);
      out[r * nIn + i] = v;
    }
  }
  return out;
}

/** Runs nRows rows through an image in `runtime`, then frees it; returns the output rows. */
function run(runtime: Runtime, image: Uint8Array, rows: Float32Array, nRows: number): Float32Array {
  const model = runtime.load(image);
  try {
    return model.predictBatch(rows, nRows, new Float32Array(model.info.outputLength * nRows));
  } finally {
    model.dispose();
  }
}

/**
 * Builds the plan's image, int8 when asked (or when the graph was already quantized), with its
 * report. The plans give every layout and byte count; the runtime runs only to calibrate (one
 * probe image) and to measure the result (the float and the int8 image).
 */
export function buildQuantized(g: PlanBuilder, options: QuantizeOptions): Uint8Array {
  const build: BuildOptions = { batchRows: options.batchRows };
  if (options.quantize !== "int8" && !options.calibration) return g.build(build);
  const nIn = g.inputLength;
  const cal = options.calibration && options.calibration.length > 0 ? rowsArray(options.calibration, nIn) : undefined;
  const nRows = options.calibration?.length ?? 0;
  if (options.calibration && !cal) throw new ModelSpecError("calibration", "no rows");
  const runtime = cal ? new Runtime() : undefined;

  let q = g;
  if (options.quantize === "int8") {
    let ranges: Array<{ lo: number; hi: number; mean: Float64Array }> | undefined;
    if (cal && runtime) {
      // Input ranges of every dense layer, through the float model.
      const { builder, names } = g.asFloat().withProbes();
      const probes = builder.plan(build);
      const out = run(runtime, builder.build(build), cal, nRows);
      const stride = probes.outputLength;
      ranges = names.map((name) => {
        const o = probes.outputs.find((x) => x.name === name)!;
        let lo = 0,
          hi = 0;
        const mean = new Float64Array(o.length);
        for (let r = 0; r < nRows; r++)
          for (let j = 0; j < o.length; j++) {
            const v = out[r * stride + o.offset + j]!;
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
            mean[j] = mean[j]! + v / nRows;
          }
        return { lo, hi, mean };
      });
    }
    const totalWeights = g.denseLayers().reduce((sum, l) => sum + l.nIn * l.nOut, 0);
    q = g.withInt8((layer) =>
      choose(layer, options.int8Layers === "all", totalWeights, options.activations !== "uint8", ranges),
    );
  } else if (!g.quantized) {
    throw new ModelSpecError(
      "calibration",
      'calibration rows are only used with quantize: "int8" or an already quantized graph',
    );
  }
  if (!cal || !runtime) return q.build(build);

  // Measure: the int8 image against the float model on the calibration rows. Both plans have
  // the same outputs (asFloat changes only how dense layers are stored).
  const { outputs: outs, outputLength: stride } = q.plan(build);
  const float = run(runtime, g.asFloat().build(build), cal, nRows);
  const int8 = run(runtime, q.build(build), cal, nRows);
  let maxAbsDiff = 0;
  for (const o of outs) {
    if (o.labels && o.length === 1) continue; // a class index: compared through the top class
    for (let r = 0; r < nRows; r++)
      for (let j = 0; j < o.length; j++) {
        const d = Math.abs(int8[r * stride + o.offset + j]! - float[r * stride + o.offset + j]!);
        maxAbsDiff = Math.max(maxAbsDiff, Number.isNaN(d) ? Infinity : d);
      }
  }
  const scores = outs.find((o) => o.length > 1);
  let agreeingRows: number | undefined;
  if (scores) {
    agreeingRows = 0;
    const top = (a: Float32Array, base: number) => {
      let k = 0;
      for (let j = 1; j < scores.length; j++) if (a[base + j]! > a[base + k]!) k = j;
      return k;
    };
    for (let r = 0; r < nRows; r++) {
      if (top(int8, r * stride + scores.offset) === top(float, r * stride + scores.offset)) agreeingRows++;
    }
  }
  // Stored as f32: round up, so the recorded difference is never smaller than the measured one.
  let stored = Math.fround(maxAbsDiff);
  if (stored < maxAbsDiff) stored = Math.fround(stored + stored * 2 ** -23);
  return q.build({ ...build, calibration: { rows: nRows, maxAbsDiff: stored, agreeingRows } });
}
