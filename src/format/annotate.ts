/**
 * A packed image with its metadata re-written: a reference profile, provenance or feature
 * names added (or replaced), everything else byte for byte. The weights section moves by a
 * multiple of 16 (its alignment holds) and every step's parameter offsets move with it; the
 * result is validated by readImage before it is returned. Deterministic: the same image and
 * the same additions give the same bytes.
 */
import { FORMAT_MINOR, FORMAT_MINOR_BLOCKS, Header, STEP_BYTES, Step, WEIGHTS_ALIGN } from "./abi.js";
import { crc32 } from "./crc32.js";
import type { Provenance, ReferenceProfile } from "./profile.js";
import { readImage } from "./read.js";
import type { ImageInfo } from "./types.js";
import { encodeMeta } from "./write.js";

export interface Annotations {
  profile?: ReferenceProfile;
  provenance?: Provenance;
  /** Feature names for an image that has none (from a reference CSV's header). */
  featureNames?: string[];
}

const align = (n: number, a: number) => Math.ceil(n / a) * a;

export function annotateImage(image: Uint8Array, add: Annotations, info: ImageInfo = readImage(image)): Uint8Array {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const u32 = (at: number) => view.getUint32(at, true);
  const q = info.quantReport;
  const profile = add.profile ?? info.profile,
    provenance = add.provenance ?? info.provenance;
  const meta = encodeMeta({
    producer: info.producer,
    kind: info.kind,
    inputName: info.inputName,
    featureNames: info.featureNames ?? add.featureNames,
    outputs: info.outputs,
    quantReport: q && {
      floatWeightsBytes: q.floatWeightsBytes,
      decisions: q.layers.map((l) => l.decision),
      calibration: q.calibration,
    },
    profile,
    provenance,
  });
  const metaOffset = u32(Header.metaOffset),
    oldWeights = u32(Header.weightsOffset),
    weightsBytes = u32(Header.weightsBytes);
  const weightsOffset = align(metaOffset + meta.length, WEIGHTS_ALIGN);
  const shift = weightsOffset - oldWeights;
  const out = new Uint8Array(weightsOffset + weightsBytes);
  out.set(image.subarray(0, metaOffset)); // header, output and step records come before the metadata
  out.set(meta, metaOffset);
  out.set(image.subarray(oldWeights, oldWeights + weightsBytes), weightsOffset);
  const w = new DataView(out.buffer);
  w.setUint16(Header.formatMinor, profile || provenance ? FORMAT_MINOR_BLOCKS : FORMAT_MINOR, true);
  w.setUint32(Header.imageBytes, out.length, true);
  w.setUint32(Header.metaBytes, meta.length, true);
  w.setUint32(Header.weightsOffset, weightsOffset, true);
  const stepsOffset = u32(Header.stepsOffset);
  for (let k = 0; k < info.steps.length; k++) {
    for (const f of ["w", "b", "aux"] as const) {
      const at = stepsOffset + k * STEP_BYTES + Step[f];
      const v = w.getUint32(at, true);
      if (v !== 0) w.setUint32(at, v + shift, true);
    }
  }
  w.setUint32(Header.crc32, crc32(out, 12), true);
  readImage(out); // never hand out an image that would not load
  return out;
}
