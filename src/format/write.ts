/**
 * Plan → packed image. Layout (docs/format.md):
 *   header (80 B) | output records | step records | metadata | pad to 16 | weights (each tensor 16-aligned)
 */

import { minAbi } from "../ops/index.js";
import {
  FORMAT_MAJOR,
  FORMAT_MINOR,
  HEADER_BYTES,
  Header,
  MAGIC,
  OUTPUT_RECORD_BYTES,
  STEP_BYTES,
  Step,
  WEIGHTS_ALIGN,
} from "./abi.js";
import { crc32 } from "./crc32.js";
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
}

const align = (n: number, a: number) => Math.ceil(n / a) * a;

function encodeMeta(p: PlannedImage): Uint8Array {
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
  return m.finish();
}

export function writeImage(p: PlannedImage): Uint8Array {
  const meta = encodeMeta(p);
  const outputsOffset = HEADER_BYTES;
  const stepsOffset = outputsOffset + p.outputs.length * OUTPUT_RECORD_BYTES;
  const metaOffset = stepsOffset + p.steps.length * STEP_BYTES;
  const weightsOffset = align(metaOffset + meta.length, WEIGHTS_ALIGN);

  // Place every tensor, 16-aligned, in step order.
  let cursor = weightsOffset;
  const placed: Array<[Tensor, number]> = [];
  const place = (t: Tensor | undefined): number => {
    if (!t) return 0;
    cursor = align(cursor, WEIGHTS_ALIGN);
    const at = cursor;
    placed.push([t, at]);
    cursor += t.byteLength;
    return at;
  };
  const steps: StepRecord[] = p.steps.map((s) => ({ ...s, w: place(s.w), b: place(s.b), aux: place(s.aux) }));
  const imageBytes = cursor;

  const bytes = new Uint8Array(imageBytes);
  const view = new DataView(bytes.buffer);
  const u32 = (at: number, v: number) => view.setUint32(at, v, true);
  u32(Header.magic, MAGIC);
  view.setUint16(Header.formatMajor, FORMAT_MAJOR, true);
  view.setUint16(Header.formatMinor, FORMAT_MINOR, true);
  u32(Header.imageBytes, imageBytes);
  // The lowest kernel ABI that runs the image: that of its most demanding step.
  u32(
    Header.abiVersion,
    steps.reduce((abi, s) => Math.max(abi, minAbi(s)), 1),
  );
  u32(Header.flags, 0);
  u32(Header.nSteps, steps.length);
  u32(Header.stepsOffset, stepsOffset);
  u32(Header.metaOffset, metaOffset);
  u32(Header.metaBytes, meta.length);
  u32(Header.weightsOffset, weightsOffset);
  u32(Header.weightsBytes, imageBytes - weightsOffset);
  u32(Header.arenaBytes, p.arenaBytes);
  u32(Header.batchRows, p.batchRows);
  u32(Header.inputOffset, p.inputOffset);
  u32(Header.nInput, p.inputLength);
  u32(Header.outputOffset, p.outputOffset);
  u32(Header.outputStride, p.outputLength);
  u32(Header.nOutputs, p.outputs.length);
  u32(Header.outputsOffset, outputsOffset);

  p.outputs.forEach((o, i) => {
    u32(outputsOffset + i * OUTPUT_RECORD_BYTES, o.offset);
    u32(outputsOffset + i * OUTPUT_RECORD_BYTES + 4, o.length);
  });
  steps.forEach((s, i) => {
    const at = stepsOffset + i * STEP_BYTES;
    view.setUint8(at + Step.opcode, s.opcode);
    view.setUint8(at + Step.act, s.act);
    view.setUint16(at + Step.flags, s.flags, true);
    for (const f of ["src", "srcStride", "dst", "dstStride", "nIn", "nOut", "w", "b", "aux", "scratch"] as const) {
      u32(at + Step[f], s[f]);
    }
    view.setFloat32(at + Step.alpha, s.alpha, true);
    view.setFloat32(at + Step.beta, s.beta, true);
  });
  bytes.set(meta, metaOffset);
  for (const [t, at] of placed) bytes.set(new Uint8Array(t.buffer, t.byteOffset, t.byteLength), at);

  u32(Header.crc32, crc32(bytes, 12));
  return bytes;
}
