/**
 * Plan → packed image. Layout (docs/format.md):
 *   header (80 B) | output records | step records | metadata | pad to 16 | weights (each tensor 16-aligned)
 */

import { SizeLimitError } from "../errors.js";
import { minAbi } from "../ops/index.js";
import {
  FORMAT_MAJOR,
  FORMAT_MINOR,
  FORMAT_MINOR_BLOCKS,
  HEADER_BYTES,
  Header,
  MAGIC,
  MAX_ARENA_BYTES,
  MAX_BATCH_ROWS,
  MAX_IMAGE_BYTES,
  MAX_ROW_FLOATS,
  MAX_U32,
  OUTPUT_RECORD_BYTES,
  STEP_BYTES,
  Step,
  WEIGHTS_ALIGN,
} from "./abi.js";
import { crc32 } from "./crc32.js";
import {
  encodeProfile,
  encodeProvenance,
  META_TAG_PROFILE,
  META_TAG_PROVENANCE,
  type Provenance,
  type ReferenceProfile,
} from "./profile.js";
import type { OutputInfo, StepRecord } from "./types.js";
import { ByteWriter } from "./varint.js";

export type Tensor = Float32Array | Int32Array | Int8Array | Uint8Array;

/** A step whose parameters are still arrays; write() places them and fills w, b and aux. */
export interface PlannedStep extends Omit<StepRecord, "w" | "b" | "aux"> {
  w?: Tensor;
  b?: Tensor;
  aux?: Tensor;
}

export interface PlannedImage {
  producer: string;
  kind: string;
  inputName: string;
  featureNames?: string[];
  inputLength: number;
  outputs: OutputInfo[];
  outputLength: number;
  batchRows: number;
  arenaBytes: number;
  inputOffset: number;
  outputOffset: number;
  steps: PlannedStep[];
  /** Quantization report (format 1.1): decision per dense step in step order. */
  quantReport?: {
    floatWeightsBytes: number;
    decisions: number[];
    calibration?: { rows: number; maxAbsDiff: number; agreeingRows?: number };
  };
  /** Format 1.2, metadata block 2: the reference profile (src/format/profile.ts). */
  profile?: ReferenceProfile;
  /** Format 1.2, metadata block 3: pack provenance. */
  provenance?: Provenance;
}

const align = (n: number, a: number) => Math.ceil(n / a) * a;

/** The metadata section's bytes (docs/format.md). */
export function encodeMeta(
  p: Omit<
    PlannedImage,
    "steps" | "arenaBytes" | "batchRows" | "inputOffset" | "outputOffset" | "inputLength" | "outputLength"
  >,
): Uint8Array {
  const m = new ByteWriter();
  m.str(p.producer);
  m.str(p.kind);
  m.str(p.inputName);
  const names = p.featureNames ?? [];
  m.uvar(names.length);
  for (const n of names) m.str(n);
  for (const o of p.outputs) {
    m.str(o.name);
    const labels = o.labels ?? [];
    const numeric = labels.every((l) => typeof l === "number");
    m.u8(labels.length === 0 ? 0 : numeric ? 1 : 2);
    m.uvar(labels.length);
    for (const l of labels) {
      if (numeric) m.svar(l as number);
      else m.str(String(l));
    }
  }
  const r = p.quantReport;
  if (r) {
    // format 1.1: an optional quantization report closes the metadata
    m.u8(1);
    m.uvar(r.floatWeightsBytes);
    m.uvar(r.decisions.length);
    for (const d of r.decisions) m.u8(d);
    m.uvar(r.calibration?.rows ?? 0);
    if (r.calibration) {
      m.f32(r.calibration.maxAbsDiff);
      m.uvar(r.calibration.agreeingRows === undefined ? 0 : r.calibration.agreeingRows + 1);
    }
  }
  // format 1.2: tagged blocks, each with its byte length
  const block = (tag: number, body: (w: ByteWriter) => void) => {
    const b = new ByteWriter();
    body(b);
    const bytes = b.finish();
    m.u8(tag);
    m.uvar(bytes.length);
    m.raw(bytes);
  };
  const profile = p.profile,
    provenance = p.provenance;
  if (profile) block(META_TAG_PROFILE, (w) => encodeProfile(w, profile));
  if (provenance) block(META_TAG_PROVENANCE, (w) => encodeProvenance(w, provenance));
  return m.finish();
}

/**
 * Where each step's w, b and aux land from `start` on (each tensor 16-aligned, in step order;
 * 0 for an absent one), and where the last ends: the one layout rule of the weights section.
 */
export function layoutWeights(
  steps: readonly PlannedStep[],
  start: number,
): { offsets: Array<{ w: number; b: number; aux: number }>; end: number } {
  let cursor = start;
  const place = (t: Tensor | undefined): number => {
    if (!t) return 0;
    const at = align(cursor, WEIGHTS_ALIGN);
    cursor = at + t.byteLength;
    return at;
  };
  const offsets = steps.map((s) => ({ w: place(s.w), b: place(s.b), aux: place(s.aux) }));
  return { offsets, end: cursor };
}

/** Bytes of the weights section these steps make (what the header's weightsBytes will say). */
export const weightsSectionBytes = (steps: readonly PlannedStep[]): number => layoutWeights(steps, 0).end;

export function writeImage(p: PlannedImage): Uint8Array {
  const meta = encodeMeta(p);
  const outputsOffset = HEADER_BYTES;
  const stepsOffset = outputsOffset + p.outputs.length * OUTPUT_RECORD_BYTES;
  const metaOffset = stepsOffset + p.steps.length * STEP_BYTES;
  const weightsOffset = align(metaOffset + meta.length, WEIGHTS_ALIGN);

  const layout = layoutWeights(p.steps, weightsOffset);
  const steps: StepRecord[] = p.steps.map((s, k) => ({ ...s, ...layout.offsets[k]! }));
  const placed: Array<[Tensor, number]> = [];
  p.steps.forEach((s, k) => {
    for (const f of ["w", "b", "aux"] as const) if (s[f]) placed.push([s[f], layout.offsets[k]![f]]);
  });
  const imageBytes = layout.end;

  // Every u32 field, named, checked before the image is allocated: a value that does not fit
  // (or that the reader would refuse) is a SizeLimitError, never a field wrapped past 2^32.
  const fields: Array<[field: string, at: number, value: number, limit: number, limitName: string]> = [];
  const u32Field = (field: string, at: number, value: number, limit = MAX_U32, limitName = "what a u32 field holds") =>
    fields.push([field, at, value, limit, limitName]);
  const unitOf = (field: string) =>
    /Bytes$|Offset$|\.(src|dst|w|b|aux|scratch)$/.test(field)
      ? "bytes"
      : /nIn$|nOut$|nInput$|Stride$|\.offset$|\.length$/.test(field)
        ? "floats"
        : field.endsWith("batchRows")
          ? "rows"
          : "";
  u32Field("header.magic", Header.magic, MAGIC);
  u32Field("header.imageBytes", Header.imageBytes, imageBytes, MAX_IMAGE_BYTES, "the largest image");
  // The lowest kernel ABI that runs the image: that of its most demanding step.
  u32Field(
    "header.abiVersion",
    Header.abiVersion,
    steps.reduce((abi, s) => Math.max(abi, minAbi(s)), 1),
  );
  u32Field("header.flags", Header.flags, 0);
  u32Field("header.nSteps", Header.nSteps, steps.length);
  u32Field("header.stepsOffset", Header.stepsOffset, stepsOffset);
  u32Field("header.metaOffset", Header.metaOffset, metaOffset);
  u32Field("header.metaBytes", Header.metaBytes, meta.length);
  u32Field("header.weightsOffset", Header.weightsOffset, weightsOffset);
  u32Field("header.weightsBytes", Header.weightsBytes, imageBytes - weightsOffset);
  u32Field("header.arenaBytes", Header.arenaBytes, p.arenaBytes, MAX_ARENA_BYTES, "the largest arena");
  u32Field("header.batchRows", Header.batchRows, p.batchRows, MAX_BATCH_ROWS, "the largest block of rows");
  u32Field("header.inputOffset", Header.inputOffset, p.inputOffset);
  // The reader's bound on the input and output rows: a block of them fits in the largest arena.
  const rowsLimit = Math.floor(MAX_ARENA_BYTES / (4 * Math.max(1, p.batchRows)));
  const rowsLimitName = `the widest row ${p.batchRows} rows of which fit in the largest arena`;
  u32Field("header.nInput", Header.nInput, p.inputLength, rowsLimit, rowsLimitName);
  u32Field("header.outputOffset", Header.outputOffset, p.outputOffset);
  u32Field("header.outputStride", Header.outputStride, p.outputLength, rowsLimit, rowsLimitName);
  u32Field("header.nOutputs", Header.nOutputs, p.outputs.length);
  u32Field("header.outputsOffset", Header.outputsOffset, outputsOffset);
  p.outputs.forEach((o, i) => {
    u32Field(`outputs[${i}].offset`, outputsOffset + i * OUTPUT_RECORD_BYTES, o.offset);
    u32Field(`outputs[${i}].length`, outputsOffset + i * OUTPUT_RECORD_BYTES + 4, o.length);
  });
  steps.forEach((s, i) => {
    const at = stepsOffset + i * STEP_BYTES;
    for (const f of ["src", "srcStride", "dst", "dstStride", "nIn", "nOut", "w", "b", "aux", "scratch"] as const) {
      const widest = f === "nIn" || f === "nOut";
      u32Field(
        `steps[${i}].${f}`,
        at + Step[f],
        s[f],
        widest ? MAX_ROW_FLOATS : MAX_U32,
        widest ? "the widest row a step may have" : undefined,
      );
    }
  });
  for (const [field, , value, limit, limitName] of fields) {
    if (!(Number.isInteger(value) && value >= 0 && value <= limit))
      throw new SizeLimitError(field, value, limit, unitOf(field), limitName);
  }

  const bytes = new Uint8Array(imageBytes);
  const view = new DataView(bytes.buffer);
  const u32 = (at: number, v: number) => view.setUint32(at, v, true);
  view.setUint16(Header.formatMajor, FORMAT_MAJOR, true);
  view.setUint16(Header.formatMinor, p.profile || p.provenance ? FORMAT_MINOR_BLOCKS : FORMAT_MINOR, true);
  for (const [, at, value] of fields) u32(at, value);
  steps.forEach((s, i) => {
    const at = stepsOffset + i * STEP_BYTES;
    view.setUint8(at + Step.opcode, s.opcode);
    view.setUint8(at + Step.act, s.act);
    view.setUint16(at + Step.flags, s.flags, true);
    view.setFloat32(at + Step.alpha, s.alpha, true);
    view.setFloat32(at + Step.beta, s.beta, true);
  });
  bytes.set(meta, metaOffset);
  for (const [t, at] of placed) bytes.set(new Uint8Array(t.buffer, t.byteOffset, t.byteLength), at);

  u32(Header.crc32, crc32(bytes, 12));
  return bytes;
}
