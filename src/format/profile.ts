/**
 * The reference profile (metadata block 2) and the pack provenance (block 3), format 1.2:
 * their types, the output channels an image's outputs make, and their encoding. The reader
 * (read.ts) decodes them with readProfileBlock / readProvenanceBlock, which check every count
 * and value against the image; docs/format.md and docs/drift.md describe the bytes.
 */
import type { OutputInfo } from "./types.js";
import type { ByteReader, ByteWriter } from "./varint.js";

export const META_TAG_QUANT_REPORT = 1;
export const META_TAG_PROFILE = 2;
export const META_TAG_PROVENANCE = 3;
/** The profile block's own version. */
export const PROFILE_VERSION = 1;
/** Quantile bins a numeric channel may have (--bins). */
export const MIN_BINS = 2;
export const MAX_BINS = 64;
/** Distinct values are counted up to this (enough to tell a categorical feature from a numeric one). */
export const UNIQUE_CAP = 255;

/** One profiled column: a feature, or an output value. */
export interface ChannelProfile {
  name: string;
  /** numeric: quantile bins; class: one bin per class index (a label output). */
  kind: "numeric" | "class";
  /** Reference rows with a value (missing ones aside). */
  count: number;
  /** Reference rows where it is NaN. */
  missing: number;
  /** Distinct values among them, capped at UNIQUE_CAP. */
  unique: number;
  mean: number;
  /** Population standard deviation (ddof 0, as NumPy's std). */
  std: number;
  min: number;
  max: number;
  /**
   * numeric: the bins − 1 interior edges (NumPy percentiles, linear interpolation); a value v
   * falls in bin k = the number of edges ≤ v (bins closed on the left, open at both ends).
   */
  edges: number[];
  /** Reference rows per bin (numeric: edges.length + 1 bins; class: one per class). */
  counts: number[];
}

export interface ReferenceProfile {
  version: number;
  /** Reference rows profiled. */
  rows: number;
  /** Quantile bins of a numeric channel. */
  bins: number;
  /** One per feature, in the row's order. */
  features: ChannelProfile[];
  /** One per output channel (outputChannels()). */
  outputs: ChannelProfile[];
}

/** Pack-time metadata: who packed the image from what (block 3). */
export interface Provenance {
  /** The packer, e.g. "edgeinfer 0.1.0". */
  packer: string;
  /** SHA-256 of the source model file, lowercase hex ("" when unknown). */
  sourceSha256: string;
  /** Seconds since 1970 when asked for at pack time (pack --timestamp); 0: not recorded (reproducible). */
  packedAt: number;
}

/** What an output channel reads: a column of the output row, as a class index or a value. */
export interface OutputChannel {
  name: string;
  column: number;
  kind: "numeric" | "class";
  /** class: the number of classes. */
  classes: number;
}

/**
 * The channels an image's outputs make: a label output (one value, with labels) is one class
 * channel; every other output gives one numeric channel per value (a score histogram each).
 */
export function outputChannels(outputs: readonly OutputInfo[]): OutputChannel[] {
  const out: OutputChannel[] = [];
  for (const o of outputs) {
    if (o.labels && o.length === 1) {
      out.push({ name: o.name, column: o.offset, kind: "class", classes: o.labels.length });
      continue;
    }
    for (let j = 0; j < o.length; j++) {
      const tag = o.labels && o.labels.length === o.length ? String(o.labels[j]) : String(j);
      out.push({
        name: o.length === 1 ? o.name : `${o.name}[${tag}]`,
        column: o.offset + j,
        kind: "numeric",
        classes: 0,
      });
    }
  }
  return out;
}

/** A feature's name in reports: its name in the image, else x0, x1, … */
export const featureName = (names: readonly string[] | undefined, i: number): string => names?.[i] ?? `x${i}`;

function writeChannel(m: ByteWriter, c: ChannelProfile): void {
  m.u8(c.kind === "class" ? 1 : 0);
  m.uvar(c.missing);
  m.uvar(c.unique);
  m.f64(c.mean);
  m.f64(c.std);
  m.f64(c.min);
  m.f64(c.max);
  if (c.kind === "class") m.uvar(c.counts.length);
  else for (const e of c.edges) m.f64(e);
  for (const n of c.counts) m.uvar(n);
}

/** The body of block 2 (its tag and length are written by the caller). */
export function encodeProfile(m: ByteWriter, p: ReferenceProfile): void {
  m.uvar(p.version);
  m.uvar(p.rows);
  m.uvar(p.bins);
  m.uvar(p.features.length);
  m.uvar(p.outputs.length);
  for (const c of [...p.features, ...p.outputs]) writeChannel(m, c);
}

export function encodeProvenance(m: ByteWriter, p: Provenance): void {
  m.str(p.packer);
  const hex = p.sourceSha256;
  m.u8(hex ? 32 : 0);
  for (let i = 0; i < hex.length; i += 2) m.u8(Number.parseInt(hex.slice(i, i + 2), 16));
  m.uvar(p.packedAt);
}

type Fail = (field: string, at: number, detail: string) => never;

/**
 * Block 2's body, checked: the version, counts consistent with the image (one channel per
 * feature and per output channel, of the kind the outputs make, a class channel's classes
 * being its output's labels), bins in MIN_BINS..MAX_BINS, finite non-decreasing edges inside
 * [min, max], per-bin counts summing to the rows that have a value.
 */
export function readProfileBlock(
  r: ByteReader,
  fail: Fail,
  inputLength: number,
  featureNames: readonly string[] | undefined,
  outputs: readonly OutputInfo[],
): ReferenceProfile {
  const f = "meta.profile";
  const vAt = r.pos;
  const version = r.uvar(`${f}.version`);
  if (version !== PROFILE_VERSION)
    fail(`${f}.version`, vAt, `version ${version}; this reader knows ${PROFILE_VERSION}`);
  const rows = r.uvar(`${f}.rows`);
  const binsAt = r.pos;
  const bins = r.uvar(`${f}.bins`);
  if (bins < MIN_BINS || bins > MAX_BINS) fail(`${f}.bins`, binsAt, `${bins} is outside ${MIN_BINS}..${MAX_BINS}`);
  const nfAt = r.pos;
  const nFeatures = r.uvar(`${f}.features`);
  if (nFeatures !== inputLength)
    fail(`${f}.features`, nfAt, `${nFeatures} feature profiles for ${inputLength} features`);
  const channels = outputChannels(outputs);
  const noAt = r.pos;
  const nOutputs = r.uvar(`${f}.outputs`);
  if (nOutputs !== channels.length)
    fail(`${f}.outputs`, noAt, `${nOutputs} output profiles; the outputs make ${channels.length} channels`);
  const read = (field: string, name: string, expect?: OutputChannel): ChannelProfile => {
    const kindAt = r.pos;
    const k = r.u8(`${field}.kind`);
    if (k > 1) fail(`${field}.kind`, kindAt, `unknown channel kind ${k}`);
    const kind = k === 1 ? "class" : "numeric";
    if ((expect?.kind ?? "numeric") !== kind)
      fail(`${field}.kind`, kindAt, `a ${kind} profile where the image has a ${expect?.kind ?? "numeric"} channel`);
    const missing = r.uvar(`${field}.missing`, rows);
    const unique = r.uvar(`${field}.unique`, UNIQUE_CAP);
    const statsAt = r.pos;
    const mean = r.f64(`${field}.mean`),
      std = r.f64(`${field}.std`),
      min = r.f64(`${field}.min`),
      max = r.f64(`${field}.max`);
    const count = rows - missing;
    if (count > 0 && !(min <= max && std >= 0 && mean >= min && mean <= max))
      fail(`${field}.mean`, statsAt, `inconsistent summary (mean ${mean}, std ${std}, min ${min}, max ${max})`);
    const edges: number[] = [];
    let nBins = bins;
    if (kind === "class") {
      const at = r.pos;
      nBins = r.uvar(`${field}.classes`, MAX_BINS * 1024);
      if (nBins !== expect!.classes)
        fail(`${field}.classes`, at, `${nBins} classes; the output has ${expect!.classes}`);
    } else {
      for (let j = 0; j < bins - 1; j++) {
        const at = r.pos;
        const e = r.f64(`${field}.edges[${j}]`);
        const prev = j === 0 ? -Infinity : edges[j - 1]!;
        if (!Number.isFinite(e) || e < prev || (count > 0 && (e < min || e > max)))
          fail(
            `${field}.edges[${j}]`,
            at,
            `${e} is not a finite edge in [${count > 0 ? min : "-inf"}, ${count > 0 ? max : "inf"}] from ${prev} on`,
          );
        edges.push(e);
      }
    }
    const counts: number[] = [];
    const cAt = r.pos;
    let sum = 0;
    for (let j = 0; j < nBins; j++) {
      const n = r.uvar(`${field}.counts[${j}]`, rows);
      counts.push(n);
      sum += n;
    }
    if (sum !== count) fail(`${field}.counts`, cAt, `bin counts sum to ${sum}, the rows with a value are ${count}`);
    return { name, kind, count, missing, unique, mean, std, min, max, edges, counts };
  };
  const features = Array.from({ length: nFeatures }, (_, i) =>
    read(`${f}.features[${i}]`, featureName(featureNames, i)),
  );
  const outs = channels.map((c, i) => read(`${f}.outputs[${i}]`, c.name, c));
  return { version, rows, bins, features, outputs: outs };
}

export function readProvenanceBlock(r: ByteReader, fail: Fail): Provenance {
  const packer = r.str("meta.provenance.packer");
  const at = r.pos;
  const n = r.u8("meta.provenance.sourceSha256");
  if (n !== 0 && n !== 32) fail("meta.provenance.sourceSha256", at, `a ${n}-byte digest (SHA-256 has 32)`);
  const digest = r.raw("meta.provenance.sourceSha256", n);
  const sourceSha256 = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  const packedAt = r.uvar("meta.provenance.packedAt", 2 ** 40);
  return { packer, sourceSha256, packedAt };
}
