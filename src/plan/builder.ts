/**
 * The planner: importers describe a model as a chain of edgeinfer operations on values
 * (dense, int8 dense, affine, activation, argmax, normalize), name its outputs, and build()
 * lays out the arena and writes the packed image. Every shape is checked here, at pack time,
 * so the image's steps are right by construction (and checked again at load for corruption).
 *
 * build() is: the outputs, the live steps (dead ones dropped), planArena (./arena.ts: lifetimes,
 * in-place steps, first-fit offsets), then writeImage; plan() is the same without the last part.
 */

import { ModelSpecError } from "../errors.js";
import { Act, type Norm, Opcode, QuantDecision, QuantMode } from "../format/abi.js";
import type { Label, OutputInfo } from "../format/types.js";
import { type PlannedImage, type PlannedStep, type Tensor, weightsSectionBytes, writeImage } from "../format/write.js";
import { q8ScratchBytes } from "../ops/dense-q8.js";
import { opName, opSpec } from "../ops/index.js";
import { type ArenaLayout, planArena, type Value } from "./arena.js";
import { q8Aux, q8Flags } from "./dense-q8.js";
import { defaultBatchRows, liveSteps, type NamedOutput, type Op } from "./live.js";
import { quantizeRows } from "./quantize.js";

export type { Value } from "./arena.js";

/** A dense layer of the plan, as the quantizer sees it. */
export interface DenseLayer {
  /** Position among the plan's dense layers. */
  index: number;
  where: string;
  nIn: number;
  nOut: number;
  int8: boolean;
  /** The last dense layer of the plan. */
  final: boolean;
}

/** Settings for a layer made int8 by withInt8: a static input range (calibrated), or none (dynamic). */
export interface Int8Choice {
  input?: { scale: number; zeroPoint: number };
  /** The row as u8 with a zero point (ONNX DynamicQuantizeLinear) or as symmetric int16 (finer; the default at pack time). */
  rows?: "u8" | "i16";
  /**
   * Bias correction: the mean of the layer's input over calibration rows. The bias absorbs the
   * mean error of the rounded weights, b'[o] = b[o] + Σ_i (W − Ŵ)[o][i] · mean[i].
   */
  inputMean?: Float64Array;
}

export interface ActOptions {
  /** LeakyRelu slope; HardSigmoid alpha. */
  alpha?: number;
  /** HardSigmoid beta. */
  beta?: number;
}

export interface ModelMeta {
  producer: string;
  kind: string;
  inputName?: string;
  featureNames?: string[];
}

export interface BuildOptions {
  /** Rows per block in predictBatch (default: as many as fit ~32 KiB of activations, 4..64). */
  batchRows?: number;
  /** Calibration results to record in the quantization report (written whenever a layer is int8 or a decision was made). */
  calibration?: { rows: number; maxAbsDiff: number; agreeingRows?: number };
}

/** One step of any opcode for PlanBuilder.op: its record's fields, parameters in f32 (or bytes). */
export interface GenericStep {
  opcode: Opcode;
  /** The act byte: an activation, norm or mode, as the opcode's spec reads it (default 0). */
  act?: number;
  alpha?: number;
  beta?: number;
  w?: Tensor;
  b?: Tensor;
  aux?: Tensor;
  flags?: number;
  /** Scratch bytes per step (not per row). */
  scratchBytes?: number;
  /** Floats out per row. */
  nOut: number;
  /** A second source of x's width (BINARY: commutative, so the model input goes first). */
  src2?: Value;
  where?: string;
}

const NARROW_LANES = 4;

export class PlanBuilder {
  readonly input: Value;
  private readonly ops: Op[] = [];
  private readonly outputs: NamedOutput[] = [];
  private nextId = 1;

  constructor(
    readonly inputLength: number,
    private readonly meta: ModelMeta,
  ) {
    if (!Number.isInteger(inputLength) || inputLength < 1)
      throw new ModelSpecError("input", `length ${inputLength} must be a positive integer`);
    if (meta.featureNames && meta.featureNames.length !== inputLength) {
      throw new ModelSpecError("featureNames", `${meta.featureNames.length} names for ${inputLength} features`);
    }
    this.input = { id: 0, width: inputLength };
  }

  private value(width: number): Value {
    return { id: this.nextId++, width };
  }

  private push(op: Omit<Op, "alpha" | "beta" | "scratchBytes" | "dstCol" | "flags"> & Partial<Op>): Value {
    this.ops.push({ alpha: 0, beta: 0, scratchBytes: 0, dstCol: 0, flags: 0, ...op });
    return op.dst;
  }

  /** y = act(W x + b); W is nOut×nIn row-major (PyTorch's Linear.weight, scikit-learn's coef_). */
  dense(x: Value, w: Float32Array, b: Float32Array, act: Act = Act.None, o: ActOptions = {}, where = "dense"): Value {
    const nOut = b.length;
    if (nOut < 1 || w.length !== nOut * x.width) {
      throw new ModelSpecError(
        where,
        `weights have ${w.length} values; expected ${nOut}×${x.width} (outputs × inputs)`,
      );
    }
    // The SIMD kernels skip inputs that are zero, exact only when every product with them is ±0.
    const bad = w.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0)
      throw new ModelSpecError(
        `${where}.weights[${Math.floor(bad / x.width)}][${bad % x.width}]`,
        `${w[bad]} is not a finite number`,
      );
    const float = { w, b, act, alpha: o.alpha ?? 0, beta: o.beta ?? 0, where };
    const params = { act, src: x, dst: this.value(nOut), alpha: o.alpha ?? 0, beta: o.beta ?? 0, float };
    if (act === Act.LogisticPair && nOut !== 2)
      throw new ModelSpecError(where, "the logistic_pair activation needs exactly 2 outputs");
    if (nOut > NARROW_LANES) return this.push({ opcode: Opcode.Dense, w, b, ...params });
    // Up to four outputs: one SIMD vector per row, weights transposed into four padded lanes.
    const wt = new Float32Array(x.width * NARROW_LANES),
      bt = new Float32Array(NARROW_LANES);
    for (let o = 0; o < nOut; o++) {
      bt[o] = b[o]!;
      for (let i = 0; i < x.width; i++) wt[i * NARROW_LANES + o] = w[o * x.width + i]!;
    }
    return this.push({ opcode: Opcode.DenseNarrow, w: wt, b: bt, ...params });
  }

  /**
   * Int8 dense: wq is nOut×nIn int8 (one scale per output channel), wScale the channel scales.
   * The row is quantized to u8 on the fly at run time (ONNX DynamicQuantizeLinear), or with a
   * fixed scale and zero point (`input`: calibrated ranges, or a QuantizeLinear in the graph).
   * scales "bf16" stores each scale in 2 bytes; they must then be bfloat16 values (quantizeRows
   * with "bf16" makes them so). int16 rows store no row sums (their zero point is 0).
   */
  denseQ8(
    x: Value,
    wq: Int8Array,
    wScale: Float32Array,
    b: Float32Array,
    act: Act = Act.None,
    o: ActOptions = {},
    where = "dense",
    input?: { scale: number; zeroPoint: number },
    origin: "pack" | "graph" = "pack",
    rows: "u8" | "i16" = "u8",
    scales: "f32" | "bf16" = "f32",
  ): Value {
    const nOut = b.length,
      nIn = x.width;
    if (wq.length !== nOut * nIn || wScale.length !== nOut) {
      throw new ModelSpecError(
        where,
        `int8 weights ${wq.length} and scales ${wScale.length}; expected ${nOut}×${nIn} and ${nOut}`,
      );
    }
    if (act === Act.LogisticPair && nOut !== 2)
      throw new ModelSpecError(where, "the logistic_pair activation needs exactly 2 outputs");
    const flags = q8Flags(wq, wScale, where, input, rows, scales);
    const aux = q8Aux(wq, wScale, nIn, flags, input);
    return this.push({
      opcode: Opcode.DenseQ8,
      act,
      src: x,
      dst: this.value(nOut),
      w: wq,
      b,
      aux,
      alpha: o.alpha ?? 0,
      beta: o.beta ?? 0,
      scratchBytes: q8ScratchBytes(nIn, flags),
      flags,
      float: {
        w: Float32Array.from(wq, (v, k) => v * wScale[Math.floor(k / nIn)]!),
        b,
        act,
        alpha: o.alpha ?? 0,
        beta: o.beta ?? 0,
        where,
      },
      decision:
        origin === "graph"
          ? input
            ? QuantDecision.Int8FromGraphStatic
            : QuantDecision.Int8FromGraph
          : input
            ? QuantDecision.Int8Calibrated
            : QuantDecision.Int8Dynamic,
    });
  }

  /** Marks every f32 dense layer built so far as float in the source graph (for the quantization report). */
  markFloatInGraph(): void {
    for (const op of this.ops) if (op.float && op.opcode !== Opcode.DenseQ8) op.decision ??= QuantDecision.F32InGraph;
  }

  /** The dense layers, in plan order. */
  denseLayers(): DenseLayer[] {
    const dense = this.ops.filter((op) => op.float);
    return dense.map((op, index) => ({
      index,
      where: op.float!.where,
      nIn: op.src.width,
      nOut: op.dst.width,
      int8: op.opcode === Opcode.DenseQ8,
      final: index === dense.length - 1,
    }));
  }

  /** Does any layer hold int8 weights, or has a quantization decision been recorded? */
  get quantized(): boolean {
    return this.ops.some((op) => op.decision !== undefined);
  }

  private copy(ops: Op[], outputs = this.outputs): PlanBuilder {
    const g = new PlanBuilder(this.inputLength, this.meta);
    g.ops.push(...ops);
    g.outputs.push(...outputs);
    g.nextId = this.nextId;
    return g;
  }

  /**
   * A copy in which each f32 dense layer is int8 when choose() returns a choice (symmetric
   * weights, one scale per output channel), or kept in f32 with the decision it returns.
   */
  withInt8(choose: (layer: DenseLayer) => Int8Choice | QuantDecision): PlanBuilder {
    const layers = this.denseLayers();
    let k = 0;
    const ops = this.ops.map((op): Op => {
      if (!op.float) return op;
      const layer = layers[k++]!;
      if (layer.int8) return op;
      const c = choose(layer);
      if (typeof c === "number") return { ...op, decision: c };
      const f = op.float,
        nIn = op.src.width,
        nOut = op.dst.width;
      const q = quantizeRows(f.w, nOut, nIn, "bf16"); // post-training: 2-byte scales
      let b = f.b;
      if (c.inputMean) {
        b = Float32Array.from(f.b, (bo, o) => {
          let shift = 0;
          for (let i = 0; i < nIn; i++)
            shift += (f.w[o * nIn + i]! - q.values[o * nIn + i]! * q.scales[o]!) * c.inputMean![i]!;
          return bo + shift;
        });
      }
      const tmp = new PlanBuilder(nIn, { ...this.meta, featureNames: undefined });
      tmp.denseQ8(
        tmp.input,
        q.values,
        q.scales,
        b,
        f.act,
        { alpha: f.alpha, beta: f.beta },
        f.where,
        c.input,
        "pack",
        c.rows,
        "bf16",
      );
      tmp.ops[0]!.float = { ...f }; // the float model stays the original one
      return { ...tmp.ops[0]!, src: op.src, dst: op.dst };
    });
    return this.copy(ops);
  }

  /** A copy with every int8 layer in f32 (dequantized weights): the float model of this plan. */
  asFloat(): PlanBuilder {
    const ops = this.ops.map((op): Op => {
      if (!op.float || op.opcode !== Opcode.DenseQ8) return { ...op, decision: undefined };
      const f = op.float,
        tmp = new PlanBuilder(op.src.width, { ...this.meta, featureNames: undefined });
      tmp.dense(tmp.input, f.w, f.b, f.act, { alpha: f.alpha, beta: f.beta }, f.where);
      return { ...tmp.ops[0]!, src: op.src, dst: op.dst };
    });
    return this.copy(ops);
  }

  /** A copy that also outputs the input row of every dense layer (names returned), for calibration. */
  withProbes(): { builder: PlanBuilder; names: string[] } {
    const g = this.copy(this.ops);
    const names = this.ops
      .filter((op) => op.float)
      .map((op, k) => {
        const name = `\u0000layer${k}`;
        g.outputs.push({ name, value: op.src });
        return name;
      });
    return { builder: g, names };
  }

  /**
   * Quantization to integer values held in f32 (QUANTIZE). Divide / Multiply: per-element
   * scale or multiplier and zero point, saturated to [lo, hi]. Dynamic modes: the row's
   * DynamicQuantizeLinear values (width kept), scale or zero point (width 1).
   */
  quantize(
    x: Value,
    mode: QuantMode,
    p: { scale?: Float32Array; zeroPoint?: Float32Array; lo?: number; hi?: number } = {},
    where = "quantize",
  ): Value {
    if (mode === QuantMode.Divide || mode === QuantMode.Multiply) {
      const { scale, zeroPoint, lo = 0, hi = 255 } = p;
      if (!scale || !zeroPoint || scale.length !== x.width || zeroPoint.length !== x.width)
        throw new ModelSpecError(where, `scale and zero point need ${x.width} values each`);
      return this.push({
        opcode: Opcode.Quantize,
        act: mode,
        src: x,
        dst: this.value(x.width),
        w: scale,
        b: zeroPoint,
        alpha: lo,
        beta: hi,
      });
    }
    const width = mode === QuantMode.DynamicValues ? x.width : 1;
    return this.push({ opcode: Opcode.Quantize, act: mode, src: x, dst: this.value(width) });
  }

  /** y = act(x ⊙ scale + shift), element-wise. */
  affine(
    x: Value,
    scale: Float32Array,
    shift: Float32Array,
    act: Act = Act.None,
    o: ActOptions = {},
    where = "affine",
  ): Value {
    if (scale.length !== x.width || shift.length !== x.width) {
      throw new ModelSpecError(where, `scale ${scale.length} and shift ${shift.length} values for a row of ${x.width}`);
    }
    return this.push({
      opcode: Opcode.Affine,
      act,
      src: x,
      dst: this.value(x.width),
      w: scale,
      b: shift,
      alpha: o.alpha ?? 0,
      beta: o.beta ?? 0,
    });
  }

  act(x: Value, act: Act, o: ActOptions = {}): Value {
    if (act === Act.LogisticPair && x.width !== 2)
      throw new ModelSpecError("act", "the logistic_pair activation needs exactly 2 values");
    return this.push({
      opcode: Opcode.Act,
      act,
      src: x,
      dst: this.value(x.width),
      alpha: o.alpha ?? 0,
      beta: o.beta ?? 0,
    });
  }

  /** Index of the largest value (first one on ties), as a float. */
  argmax(x: Value): Value {
    return this.push({ opcode: Opcode.Argmax, act: 0, src: x, dst: this.value(1) });
  }

  normalize(x: Value, norm: Norm): Value {
    return this.push({ opcode: Opcode.Normalize, act: norm, src: x, dst: this.value(x.width) });
  }

  /** The values side by side in one row (ONNX Concat on the feature axis): a COPY per part. */
  concat(parts: Value[]): Value {
    if (parts.length === 0) throw new ModelSpecError("concat", "nothing to concatenate");
    const dst = this.value(parts.reduce((w, p) => w + p.width, 0));
    let col = 0;
    for (const p of parts) {
      this.ops.push({
        opcode: Opcode.Copy,
        act: 0,
        src: p,
        dst,
        alpha: 0,
        beta: 0,
        scratchBytes: 0,
        dstCol: col,
        flags: 0,
      });
      col += p.width;
    }
    return dst;
  }

  /**
   * One step of any opcode, pushed as is (Graph.op's hand-off): the fields its spec (src/ops)
   * checks at load, nOut floats out. A new opcode needs no method of its own here.
   */
  op(x: Value, step: GenericStep): Value {
    if (!opSpec(step.opcode)) throw new Error(`internal: unknown opcode ${step.opcode}`);
    if (!(Number.isInteger(step.nOut) && step.nOut >= 1))
      throw new ModelSpecError(step.where ?? opName(step.opcode), `${step.nOut} outputs: need a positive integer`);
    const { opcode, act = 0, alpha = 0, beta = 0, w, b, aux, flags = 0, scratchBytes = 0 } = step;
    let src2 = step.src2;
    if (src2) {
      if (src2.width !== x.width) throw new Error(`internal: second source of ${src2.width} for a row of ${x.width}`);
      // runBatch reads the input rows where they lie: only src may be the input.
      if (src2.id === 0) [x, src2] = [src2, x];
      if (src2.id === 0) src2 = this.push({ opcode: Opcode.Copy, act: 0, src: src2, dst: this.value(src2.width) });
    }
    return this.push({
      opcode,
      act,
      alpha,
      beta,
      w,
      b,
      aux,
      flags,
      scratchBytes,
      src: x,
      src2,
      dst: this.value(step.nOut),
    });
  }

  /** Names a value as a model output; outputs appear in the output row in the order they are named. */
  output(name: string, v: Value, labels?: Label[]): void {
    if (this.outputs.some((o) => o.name === name)) throw new ModelSpecError(`outputs.${name}`, "duplicate output name");
    if (labels && labels.length === 0) labels = undefined;
    this.outputs.push({ name, value: v, labels });
  }

  /** Lays out the arena and writes the packed image: outputs → live steps → planArena → writeImage. */
  build(options: BuildOptions = {}): Uint8Array {
    const plan = this.plan(options);
    return writeImage({
      producer: this.meta.producer,
      kind: this.meta.kind,
      inputName: this.meta.inputName ?? "",
      featureNames: this.meta.featureNames,
      inputLength: this.inputLength,
      outputs: plan.outputs,
      outputLength: plan.outputLength,
      batchRows: plan.batchRows,
      arenaBytes: plan.arena.arenaBytes,
      inputOffset: plan.arena.inputOffset,
      outputOffset: plan.arena.outputOffset,
      steps: plan.steps,
      quantReport: plan.quantReport,
    });
  }

  /**
   * Everything build() writes, without writing it: the live steps with their arena offsets, the
   * output row, the arena and the quantization report. May run more than once: it works on
   * copies and leaves the builder as it was.
   */
  plan(options: BuildOptions = {}): Plan {
    const { kept, named } = liveSteps(this.ops, this.outputs, (width) => this.value(width));
    let outputLength = 0;
    const outputs: OutputInfo[] = named.map((o) => {
      const info: OutputInfo = { name: o.name, offset: outputLength, length: o.value.width, labels: o.labels };
      outputLength += o.value.width;
      return info;
    });
    const batchRows = options.batchRows ?? defaultBatchRows(this.inputLength, outputLength, kept);
    if (!Number.isInteger(batchRows) || batchRows < 1 || batchRows > 256)
      throw new ModelSpecError("batchRows", `${batchRows} is outside 1..256`);
    const arena = planArena(kept, {
      inputLength: this.inputLength,
      outputLength,
      outputs: named.map((o, i) => ({ value: o.value, column: outputs[i]!.offset })),
      batchRows,
    });
    const steps: PlannedStep[] = kept.map((op, k) => {
      const src = arena.where.get(op.src.id)!,
        dst = arena.where.get(op.dst.id)!;
      return {
        opcode: op.opcode,
        act: op.act,
        flags: op.flags,
        src: src.offset,
        srcStride: src.stride,
        dst: dst.offset + op.dstCol * 4,
        dstStride: dst.stride,
        nIn: op.src.width,
        nOut: op.opcode === Opcode.Copy ? op.src.width : op.dst.width,
        w: op.w,
        b: op.b,
        aux: op.aux,
        ...(op.src2 ? { auxArena: arena.where.get(op.src2.id)!.offset } : {}),
        scratch: arena.scratch[k]!,
        alpha: op.alpha,
        beta: op.beta,
      };
    });
    let quantReport: Plan["quantReport"];
    if (kept.some((op) => op.decision !== undefined) || options.calibration) {
      // The float model's weights, counted as writeImage lays them out, from its plan (no image written).
      const floatWeightsBytes = weightsSectionBytes(this.asFloat().plan({ batchRows }).steps);
      const decisions = kept.filter((op) => op.float).map((op) => op.decision ?? QuantDecision.F32InGraph);
      quantReport = { floatWeightsBytes, decisions, calibration: options.calibration };
    }
    return { outputs, outputLength, batchRows, arena, steps, quantReport };
  }
}

/** What build() writes (PlanBuilder.plan). */
export interface Plan {
  outputs: OutputInfo[];
  outputLength: number;
  batchRows: number;
  arena: ArenaLayout;
  /** The image's steps, tensors not yet placed. */
  steps: PlannedStep[];
  quantReport?: PlannedImage["quantReport"];
}
