/**
 * The planner's steps before the arena: what PlanBuilder records (Op), and what plan() keeps of
 * them. liveSteps gives every output its own writer and drops the steps nothing reads;
 * defaultBatchRows sizes predictBatch's blocks.
 */

import { ModelSpecError } from "../errors.js";
import type { Act, Norm, QuantDecision, QuantMode } from "../format/abi.js";
import { Opcode } from "../format/abi.js";
import type { Label } from "../format/types.js";
import type { Tensor } from "../format/write.js";
import type { Value } from "./arena.js";

export interface Op {
  opcode: Opcode;
  act: Act | Norm | QuantMode;
  flags: number;
  src: Value;
  /** BINARY's second source: an intermediate value (never the input or an output row). */
  src2?: Value;
  dst: Value;
  w?: Tensor;
  b?: Tensor;
  aux?: Tensor;
  alpha: number;
  beta: number;
  /** Scratch bytes per step (not per row), DENSE_Q8 only. */
  scratchBytes: number;
  /** Column of dst where this step writes (CONCAT parts); 0 otherwise. */
  dstCol: number;
  /** Dense layers: the weights in f32 (out × in; dequantized for int8), for the quantizer. */
  float?: { w: Float32Array; b: Float32Array; act: Act; alpha: number; beta: number; where: string };
  /** Dense layers: how the layer is stored, for the quantization report. */
  decision?: QuantDecision;
}

/** An output of the model: its name, the value that holds it, a classifier's labels. */
export interface NamedOutput {
  name: string;
  value: Value;
  labels?: Label[];
}

const ACTIVATION_TARGET_BYTES = 32 * 1024;

/** A COPY step from src to dst. */
const copyOp = (src: Value, dst: Value): Op => ({
  opcode: Opcode.Copy,
  act: 0,
  src,
  dst,
  alpha: 0,
  beta: 0,
  scratchBytes: 0,
  dstCol: 0,
  flags: 0,
});

/**
 * The steps that feed an output, in order, and the outputs, each written by its own step into
 * the output row: values that are the model input or named as an output twice get a copy.
 * `value` makes a new value (the builder's ids). The arrays given are not changed.
 */
export function liveSteps(
  steps: readonly Op[],
  outputs: readonly NamedOutput[],
  value: (width: number) => Value,
): { kept: Op[]; named: NamedOutput[] } {
  if (outputs.length === 0) throw new ModelSpecError("outputs", "a model needs at least one output");
  const ops = [...steps];
  const named = outputs.map((o) => ({ ...o }));
  const outputOf = new Map<number, number>(); // value id → output index
  named.forEach((o, i) => {
    if (o.value.id === 0 || outputOf.has(o.value.id)) {
      const copy = value(o.value.width);
      ops.push(copyOp(o.value, copy));
      o.value = copy;
    }
    outputOf.set(o.value.id, i);
  });
  // A second source named as an output lives in the output row (another stride): read a copy.
  for (let k = 0; k < ops.length; k++) {
    const op = ops[k]!;
    if (!op.src2 || !outputOf.has(op.src2.id)) continue;
    const copy = value(op.src2.width);
    ops.splice(k, 0, copyOp(op.src2, copy));
    ops[++k] = { ...op, src2: copy };
  }
  // Drop steps whose results nothing reads (dead code), back to front.
  const live = new Set<number>(named.map((o) => o.value.id));
  const kept: Op[] = [];
  for (let k = ops.length - 1; k >= 0; k--) {
    const op = ops[k]!;
    if (live.has(op.dst.id)) {
      kept.unshift(op);
      live.add(op.src.id);
      if (op.src2) live.add(op.src2.id);
    }
  }
  return { kept, named };
}

/** Rows per predictBatch block: as many as fit ACTIVATION_TARGET_BYTES of input, output and two of the widest values, 4..64. */
export function defaultBatchRows(inputLength: number, outputLength: number, steps: readonly Op[]): number {
  // A loop, not Math.max(...widths): a spread of 100,000 steps would pass the engine's argument limit.
  const widest = steps.reduce((w, op) => Math.max(w, op.dst.width), Math.max(inputLength, outputLength));
  const perRowFloats = inputLength + outputLength + 2 * widest;
  return Math.max(4, Math.min(64, Math.floor(ACTIVATION_TARGET_BYTES / (4 * perRowFloats)) & ~3));
}
