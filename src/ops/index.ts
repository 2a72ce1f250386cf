/**
 * The opcode table: one line per opcode. The reader, the writer, the planner, `inspect` and
 * `edgeinfer build` all ask it; no other file lists opcodes. Adding an opcode: its spec file
 * (src/ops/<family>.ts), one line here, its kernel and one line in assembly/run.ts.
 */
import type { StepRecord } from "../format/types.js";
import { binary } from "./binary.js";
import { conv } from "./conv.js";
import { dense, denseNarrow } from "./dense.js";
import { denseQ8 } from "./dense-q8.js";
import { act, affine } from "./elementwise.js";
import { gather } from "./gather.js";
import { impute } from "./impute.js";
import { oneHot } from "./onehot.js";
import { pad } from "./pad.js";
import { pool } from "./pool.js";
import { quantize } from "./quantize.js";
import { argmax, copy, normalize } from "./reduce.js";
import type { OpSpec, StepHead } from "./spec.js";
import { svmKernel, svmProb } from "./svm.js";
import { addI8 } from "./tfl-add.js";
import { convI8, poolI8 } from "./tfl-conv.js";
import { dequantI8 } from "./tfl-dequantize.js";
import { fcI8 } from "./tfl-fc.js";
import { softmaxI8 } from "./tfl-softmax.js";
import { transpose } from "./transpose.js";
import { trees } from "./trees.js";

export type { ActByte, OpSpec, StepBounds, StepFieldName, StepHead } from "./spec.js";
export { StepValidator } from "./spec.js";

export const OPS: ReadonlyMap<number, OpSpec> = new Map(
  [
    dense, //
    denseQ8,
    affine,
    act,
    argmax,
    normalize,
    copy,
    denseNarrow,
    quantize,
    impute,
    trees,
    gather,
    oneHot,
    svmKernel,
    svmProb,
    conv,
    pool,
    binary,
    transpose,
    pad,
    fcI8,
    convI8,
    poolI8,
    softmaxI8,
    addI8,
    dequantI8,
  ].map((o) => [o.opcode, o]),
);

/** The spec of an opcode, or undefined for one this package does not know. */
export const opSpec = (opcode: number): OpSpec | undefined => OPS.get(opcode);

/** The spec of a known opcode (a validated step's); throws on an unknown one. */
function known(opcode: number): OpSpec {
  const spec = OPS.get(opcode);
  if (!spec) throw new RangeError(`internal: unknown opcode ${opcode}`);
  return spec;
}

/** The opcode's name ("DENSE_Q8"), or "opcode N" for an unknown one. */
export const opName = (opcode: number): string => OPS.get(opcode)?.name ?? `opcode ${opcode}`;

/** The lowest kernel ABI that runs the step. */
export const minAbi = (s: StepHead): number => known(s.opcode).minAbi(s);

/** May the step run exactly in place (its output rows its input rows)? */
export const inPlace = (s: StepHead): boolean => known(s.opcode).inPlace(s);

/** Is the step a dense layer (DENSE, DENSE_NARROW, DENSE_Q8: one quantization decision each)? */
export const isDense = (s: Pick<StepRecord, "opcode">): boolean => known(s.opcode).dense;

/** Does the step, reading the model's input, give every NaN a number (OpSpec.nanSafe)? */
export const nanSafe = (s: StepRecord): boolean => known(s.opcode).nanSafe?.(s) ?? false;

/** Weights and biases the step stores. */
export const parameterCount = (s: StepRecord, view: DataView): number => known(s.opcode).parameterCount(s, view);

/** `inspect`'s text for a step: name, nIn → nOut, then the act byte's name and any detail. */
export const describeStep = (s: StepRecord): string => {
  const spec = known(s.opcode);
  return `${spec.name.padEnd(9)} ${String(s.nIn).padStart(5)} → ${String(s.nOut).padEnd(5)} ${spec.describe(s)}`.trimEnd();
};
