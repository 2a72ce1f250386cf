/**
 * Packed image → ImageInfo, validating everything the wasm interpreter will trust: versions,
 * checksum, section bounds, every step's opcode, sizes, parameter ranges (in the weights
 * section, aligned) and arena ranges (inside the arena for every row of a block, with no
 * overlap a kernel cannot handle). After readImage() succeeds the kernels run without checks.
 * Every failure is a FormatError naming the field and its byte offset.
 */

import { FormatError, InputTypeError, VersionError } from "../errors.js";
import { q8AuxLayout } from "../ops/dense-q8.js";
import { isDense, nanSafe, opSpec, parameterCount as stepParameterCount } from "../ops/index.js";
import { actMinAbi, type StepBounds, StepValidator } from "../ops/spec.js";
import {
  ABI_VERSION,
  FORMAT_MAJOR,
  HEADER_BYTES,
  Header,
  type HeaderField,
  MAGIC,
  MAX_ARENA_BYTES,
  MAX_BATCH_ROWS,
  MAX_ROW_FLOATS,
  Opcode,
  OUTPUT_RECORD_BYTES,
  QUANT_DECISION_NAMES,
  QuantDecision,
  STEP_BYTES,
  Step,
  type StepField,
  WEIGHTS_ALIGN,
} from "./abi.js";
import { crc32 } from "./crc32.js";
import {
  META_TAG_PROFILE,
  META_TAG_PROVENANCE,
  META_TAG_QUANT_REPORT,
  readProfileBlock,
  readProvenanceBlock,
} from "./profile.js";
import { rowsOverlap } from "./rows.js";
import type { ImageInfo, Label, OutputInfo, StepRecord } from "./types.js";
import { ByteReader } from "./varint.js";

const fail = (field: string, at: number, detail: string): never => {
  throw new FormatError(field, at, detail);
};

/**
 * @param checksum CRC-32 of bytes [start, end), as zlib computes it; the runtime passes its own
 * (the wasm kernel from WASM_CRC_MIN_BYTES, in place where the image lies in its memory).
 */
export function readImage(
  bytes: Uint8Array,
  checksum: (bytes: Uint8Array, start: number, end: number) => number = crc32,
): ImageInfo {
  if (!(ArrayBuffer.isView(bytes) && Object.prototype.toString.call(bytes) === "[object Uint8Array]"))
    throw new InputTypeError("image", Object.prototype.toString.call(bytes), "a Uint8Array of a packed image");
  if (bytes.length < HEADER_BYTES) {
    fail("header", bytes.length, `truncated: ${bytes.length} bytes, a header alone is ${HEADER_BYTES}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const h = (f: HeaderField) => view.getUint32(Header[f], true);

  if (h("magic") !== MAGIC)
    fail("header.magic", 0, 'not an edgeinfer model (expected the bytes 45 49 4D 00, "EIM\\0")');
  const major = view.getUint16(Header.formatMajor, true);
  const minor = view.getUint16(Header.formatMinor, true);
  if (major !== FORMAT_MAJOR) throw new VersionError("format", major, `${FORMAT_MAJOR}.x`);
  const imageBytes = h("imageBytes");
  if (imageBytes > bytes.length) {
    fail(
      "header.imageBytes",
      Header.imageBytes,
      `truncated: the image is ${imageBytes} bytes, only ${bytes.length} are present`,
    );
  }
  if (imageBytes < bytes.length) {
    fail(
      "header.imageBytes",
      Header.imageBytes,
      `the image is ${imageBytes} bytes but ${bytes.length} were given (trailing data)`,
    );
  }
  const stored = h("crc32");
  const actual = checksum(bytes, 12, imageBytes);
  if (stored !== actual) {
    fail(
      "header.crc32",
      Header.crc32,
      `checksum mismatch: stored 0x${stored.toString(16)}, computed 0x${actual.toString(16)}`,
    );
  }
  const abiVersion = h("abiVersion");
  if (abiVersion > ABI_VERSION || abiVersion === 0) throw new VersionError("abi", abiVersion, `1 to ${ABI_VERSION}`);
  if (h("flags") !== 0) fail("header.flags", Header.flags, `unknown flag bits 0x${h("flags").toString(16)}`);

  // Sections inside the image. Plain numbers throughout (no u32 wrap): a length that cannot fit
  // in the body wherever it starts is named, else the offset that puts it outside.
  const bodyBytes = imageBytes - HEADER_BYTES;
  const section = (offField: HeaderField, bytesNeeded: number, name: string, lenField: HeaderField) => {
    const off = h(offField);
    if (bytesNeeded > bodyBytes)
      fail(`header.${lenField}`, Header[lenField], `${name} (${bytesNeeded} bytes) cannot fit in ${imageBytes} bytes`);
    if (off < HEADER_BYTES || off + bytesNeeded > imageBytes) {
      fail(
        `header.${offField}`,
        Header[offField],
        `${name} [${off}, ${off + bytesNeeded}) is outside the image body [${HEADER_BYTES}, ${imageBytes})`,
      );
    }
    return off;
  };
  const nSteps = h("nSteps");
  const nOutputs = h("nOutputs");
  if (nOutputs === 0) fail("header.nOutputs", Header.nOutputs, "0 outputs: a model gives at least one");
  const stepsOffset = section("stepsOffset", nSteps * STEP_BYTES, `${nSteps} step records`, "nSteps");
  const outputsOffset = section(
    "outputsOffset",
    nOutputs * OUTPUT_RECORD_BYTES,
    `${nOutputs} output records`,
    "nOutputs",
  );
  const metaBytes = h("metaBytes");
  const metaOffset = section("metaOffset", metaBytes, "the metadata", "metaBytes");
  const weightsOffset = h("weightsOffset");
  const weightsBytes = h("weightsBytes");
  if (weightsOffset % WEIGHTS_ALIGN !== 0)
    fail("header.weightsOffset", Header.weightsOffset, `${weightsOffset} is not ${WEIGHTS_ALIGN}-byte aligned`);
  if (weightsOffset < HEADER_BYTES || weightsOffset > imageBytes)
    fail(
      "header.weightsOffset",
      Header.weightsOffset,
      `${weightsOffset} is outside the image body [${HEADER_BYTES}, ${imageBytes}]`,
    );
  if (weightsOffset + weightsBytes !== imageBytes) {
    fail(
      "header.weightsBytes",
      Header.weightsBytes,
      `the weights [${weightsOffset}, ${weightsOffset + weightsBytes}) must end the image at ${imageBytes}`,
    );
  }
  for (const [name, off, len] of [
    ["stepsOffset", stepsOffset, nSteps * STEP_BYTES],
    ["outputsOffset", outputsOffset, nOutputs * OUTPUT_RECORD_BYTES],
    ["metaOffset", metaOffset, metaBytes],
  ] as const) {
    if (len > 0 && off < weightsOffset && off + len > weightsOffset)
      fail(`header.${name}`, Header[name], "overlaps the weights section");
  }

  // The arena: sizes and the input and output regions.
  const arenaBytes = h("arenaBytes");
  if (arenaBytes > MAX_ARENA_BYTES || arenaBytes % 16 !== 0)
    fail("header.arenaBytes", Header.arenaBytes, `${arenaBytes} must be a multiple of 16 up to ${MAX_ARENA_BYTES}`);
  const batchRows = h("batchRows");
  if (batchRows < 1 || batchRows > MAX_BATCH_ROWS)
    fail("header.batchRows", Header.batchRows, `${batchRows} is outside 1..${MAX_BATCH_ROWS}`);
  const inputLength = h("nInput");
  const outputLength = h("outputStride");
  if (inputLength < 1) fail("header.nInput", Header.nInput, "a model takes at least one value");
  if (outputLength < 1) fail("header.outputStride", Header.outputStride, "a model gives at least one value");
  const region = (offField: HeaderField, widthField: HeaderField, width: number, what: string): [number, number] => {
    const off = h(offField);
    const rowsBytes = batchRows * width * 4;
    if (rowsBytes > MAX_ARENA_BYTES)
      fail(
        `header.${widthField}`,
        Header[widthField],
        `${what}, ${batchRows} of ${width} floats, need ${rowsBytes} bytes: more than the largest arena (${MAX_ARENA_BYTES})`,
      );
    const end = off + rowsBytes;
    if (off % 4 !== 0 || end > arenaBytes)
      fail(
        `header.${offField}`,
        Header[offField],
        `${what} [${off}, ${end}) is not 4-aligned inside the ${arenaBytes}-byte arena`,
      );
    return [off, end];
  };
  const [inputOffset, inputEnd] = region("inputOffset", "nInput", inputLength, "the input rows");
  const [outputOffset, outputEnd] = region("outputOffset", "outputStride", outputLength, "the output rows");
  if (inputOffset < outputEnd && outputOffset < inputEnd)
    fail("header.outputOffset", Header.outputOffset, "the output rows overlap the input rows");

  // Output records.
  const outputs: OutputInfo[] = [];
  for (let i = 0; i < nOutputs; i++) {
    const at = outputsOffset + i * OUTPUT_RECORD_BYTES;
    const offset = view.getUint32(at, true),
      length = view.getUint32(at + 4, true);
    if (length < 1 || offset + length > outputLength)
      fail(
        `outputs[${i}]`,
        at,
        `columns [${offset}, ${offset + length}) are outside the output row of ${outputLength}`,
      );
    outputs.push({ name: "", offset, length });
  }

  // Step records.
  const steps: StepRecord[] = [];
  for (let k = 0; k < nSteps; k++) {
    steps.push(
      readStep(view, stepsOffset + k * STEP_BYTES, k, {
        weightsOffset,
        imageBytes,
        arenaBytes,
        batchRows,
        abiVersion,
        inputOffset,
        inputEnd,
        inputLength,
      }),
    );
  }

  // Metadata.
  const r = new ByteReader(bytes, metaOffset, metaOffset + metaBytes, fail);
  const producer = r.str("meta.producer");
  const kind = r.str("meta.kind");
  const inputName = r.str("meta.inputName");
  const nNames = r.uvar("meta.featureNames", inputLength);
  if (nNames !== 0 && nNames !== inputLength)
    fail("meta.featureNames", r.pos, `${nNames} names for ${inputLength} features`);
  const featureNames = nNames ? Array.from({ length: nNames }, (_, i) => r.str(`meta.featureNames[${i}]`)) : undefined;
  outputs.forEach((o, i) => {
    o.name = r.str(`meta.outputs[${i}].name`);
    const kindAt = r.pos;
    const labelKind = r.u8(`meta.outputs[${i}].labelKind`);
    if (labelKind > 2) fail(`meta.outputs[${i}].labelKind`, kindAt, `unknown label kind ${labelKind}`);
    const nLabels = r.uvar(`meta.outputs[${i}].labels`, metaBytes);
    if (labelKind === 0 && nLabels !== 0) fail(`meta.outputs[${i}].labels`, kindAt, "labels without a label kind");
    if (labelKind !== 0) {
      const labels: Label[] = [];
      for (let j = 0; j < nLabels; j++)
        labels.push(
          labelKind === 1 ? r.svar(`meta.outputs[${i}].labels[${j}]`) : r.str(`meta.outputs[${i}].labels[${j}]`),
        );
      o.labels = labels;
    }
  });
  let quantReport: ImageInfo["quantReport"];
  if (r.remaining !== 0 && (minor === 1 || (minor >= 2 && bytes[r.pos] === META_TAG_QUANT_REPORT)))
    quantReport = readQuantReport(r, steps, h("weightsBytes"));
  // Format 1.2: blocks 2 (reference profile) and 3 (provenance), each a tag and a byte length.
  let profile: ImageInfo["profile"], provenance: ImageInfo["provenance"];
  for (let last = META_TAG_QUANT_REPORT; r.remaining !== 0 && minor >= 2; ) {
    const at = r.pos;
    const tag = r.u8("meta.block");
    if (tag <= last || tag > META_TAG_PROVENANCE)
      fail(
        "meta.block",
        at,
        `block ${tag} ${tag <= last ? `after block ${last} (blocks come once, in order)` : "is unknown"}`,
      );
    const len = r.uvar("meta.block.bytes", r.remaining);
    const body = new ByteReader(bytes, r.pos, r.pos + len, fail);
    if (tag === META_TAG_PROFILE) profile = readProfileBlock(body, fail, inputLength, featureNames, outputs);
    else provenance = readProvenanceBlock(body, fail);
    if (body.remaining !== 0) fail("meta.block", body.pos, `${body.remaining} unread bytes at the end of block ${tag}`);
    r.pos += len;
    last = tag;
  }
  if (r.remaining !== 0) fail("meta", r.pos, `${r.remaining} unread bytes at the end of the metadata`);
  const seen = new Set<string>();
  outputs.forEach((o, i) => {
    if (seen.has(o.name))
      fail(`meta.outputs[${i}].name`, metaOffset, `duplicate output name ${JSON.stringify(o.name)}`);
    seen.add(o.name);
  });

  let parameterCount = 0;
  for (const s of steps) parameterCount += stepParameterCount(s, view);
  // The steps that read the input rows (only whole, at their offset: readStep checks).
  const readers = steps.map((s, k) => [s, k] as const).filter(([s]) => s.src === inputOffset);
  const budget = { visits: NAN_SAFE_VISITS };
  const rows = { batchRows, outputOffset, outputEnd, budget };
  return {
    formatVersion: `${major}.${minor}`,
    abiVersion,
    producer,
    kind,
    inputName,
    inputLength,
    featureNames,
    outputs,
    outputLength,
    imageBytes,
    weightsBytes,
    arenaBytes,
    batchRows,
    inputOffset,
    outputOffset,
    parameterCount,
    quantization: steps.some((s) => s.opcode === Opcode.DenseQ8) ? "int8" : "none",
    nanSafe: readers.length > 0 && readers.every(([, k]) => givesNumbers(steps, k, rows)),
    ...(quantReport ? { quantReport } : {}),
    ...(profile ? { profile } : {}),
    ...(provenance ? { provenance } : {}),
    steps,
  };
}

/** The quantization report of format 1.1 (docs/format.md): one decision per dense step. */
function readQuantReport(
  r: ByteReader,
  steps: StepRecord[],
  weightsBytes: number,
): NonNullable<ImageInfo["quantReport"]> {
  const tagAt = r.pos;
  if (r.u8("meta.quantReport") !== 1)
    fail("meta.quantReport", tagAt, "unknown metadata block (expected 1, the quantization report)");
  const floatWeightsBytes = r.uvar("meta.quantReport.floatWeightsBytes");
  const dense = steps.map((s, k) => [s, k] as const).filter(([s]) => isDense(s));
  const nAt = r.pos;
  const n = r.uvar("meta.quantReport.layers", steps.length);
  if (n !== dense.length) fail("meta.quantReport.layers", nAt, `${n} decisions for ${dense.length} dense steps`);
  const layers = dense.map(([s, k], i) => {
    const at = r.pos;
    const decision = r.u8(`meta.quantReport.layers[${i}]`);
    const int8 = decision >= QuantDecision.Int8Dynamic && decision <= QuantDecision.Int8FromGraphStatic;
    const f32 = decision === QuantDecision.F32SmallFinal || decision === QuantDecision.F32InGraph;
    if (!(int8 && s.opcode === Opcode.DenseQ8) && !(f32 && s.opcode !== Opcode.DenseQ8))
      fail(
        `meta.quantReport.layers[${i}]`,
        at,
        `decision ${decision} does not describe step ${k} (opcode ${s.opcode})`,
      );
    return {
      step: k,
      nIn: s.nIn,
      nOut: s.nOut,
      decision: decision as QuantDecision,
      name: QUANT_DECISION_NAMES[decision]!,
    };
  });
  // The matrices and biases follow from the (validated) step records: nothing more is stored.
  let floatMatrixBytes = 0,
    matrixBytes = 0,
    biasBytes = 0;
  for (const [s] of dense) {
    floatMatrixBytes += 4 * s.nIn * s.nOut;
    matrixBytes +=
      s.opcode === Opcode.DenseQ8 ? s.nIn * s.nOut + q8AuxLayout(s.nOut, s.flags).bytes : 4 * s.nIn * s.nOut;
    biasBytes += 4 * s.nOut;
  }
  const rows = r.uvar("meta.quantReport.calibration.rows");
  const report: NonNullable<ImageInfo["quantReport"]> = {
    floatMatrixBytes,
    matrixBytes,
    biasBytes,
    floatWeightsBytes,
    weightsBytes,
    layers,
  };
  if (rows > 0) {
    const maxAbsDiff = r.f32("meta.quantReport.calibration.maxAbsDiff");
    const agree = r.uvar("meta.quantReport.calibration.agreeingRows", rows + 1); // 0: no class output
    report.calibration =
      agree === 0
        ? { rows, maxAbsDiff }
        : { rows, maxAbsDiff, agreeingRows: agree - 1, topClassAgreement: (agree - 1) / rows };
  }
  return report;
}

interface Bounds extends StepBounds {
  batchRows: number;
  abiVersion: number;
  /** The input rows [inputOffset, inputEnd), inputLength floats apart. */
  inputOffset: number;
  inputEnd: number;
  inputLength: number;
}

/** Decodes one step record and checks it: its opcode's own checks (src/ops), then its arena rows. */
function readStep(view: DataView, at: number, k: number, bounds: Bounds): StepRecord {
  const u = (f: StepField) => view.getUint32(at + Step[f], true);
  const s: StepRecord = {
    opcode: view.getUint8(at + Step.opcode),
    act: view.getUint8(at + Step.act),
    flags: view.getUint16(at + Step.flags, true),
    src: u("src"),
    srcStride: u("srcStride"),
    dst: u("dst"),
    dstStride: u("dstStride"),
    nIn: u("nIn"),
    nOut: u("nOut"),
    w: u("w"),
    b: u("b"),
    aux: u("aux"),
    scratch: u("scratch"),
    alpha: view.getFloat32(at + Step.alpha, true),
    beta: view.getFloat32(at + Step.beta, true),
  };
  const v = new StepValidator(view, at, k, bounds, s);
  const { opcode, nIn, nOut } = s;
  const spec = opSpec(opcode);
  if (!spec) return v.bad("opcode", `unknown opcode ${opcode}`);
  if ((s.flags & ~spec.flagBits) !== 0) v.bad("flags", `unknown flags 0x${s.flags.toString(16)} for ${spec.name}`);
  const needsAbi = spec.minAbi(s);
  if (bounds.abiVersion < needsAbi) {
    // Name what raised it: a newer activation, flags, or the opcode itself.
    const byAct = spec.actByte === "activation" && actMinAbi(s.act) === needsAbi && needsAbi > 1;
    v.bad(
      byAct ? "act" : s.flags !== 0 ? "flags" : "opcode",
      `needs kernel ABI ${needsAbi}, but the header says ${bounds.abiVersion}`,
    );
  }
  if (nIn < 1 || nIn > MAX_ROW_FLOATS) v.bad("nIn", `${nIn} is outside 1..2^24`);
  if (nOut < 1 || nOut > MAX_ROW_FLOATS) v.bad("nOut", `${nOut} is outside 1..2^24`);
  spec.validate(s, v);

  // Arena ranges for every row of a block. A span that cannot fit in the arena wherever it
  // starts names the width or stride that makes it so; otherwise the offset is at fault.
  const { arenaBytes, batchRows } = bounds;
  const rows = (f: "src" | "dst", strideF: "srcStride" | "dstStride", widthF: "nIn" | "nOut") => {
    const off = s[f],
      stride = s[strideF],
      width = s[widthF];
    if (stride < width) v.bad(strideF, `${stride} is less than the row width ${width}`);
    const spanBytes = ((batchRows - 1) * stride + width) * 4;
    if (spanBytes > arenaBytes) {
      v.bad(
        width * 4 > arenaBytes ? widthF : strideF,
        `${batchRows} rows of ${width} floats, ${stride} apart, span ${spanBytes} bytes: more than the ${arenaBytes}-byte arena`,
      );
    }
    const end = off + spanBytes;
    if (off % 4 !== 0 || end > arenaBytes)
      v.bad(f, `rows [${off}, ${end}) are not 4-aligned inside the ${arenaBytes}-byte arena`);
    return end;
  };
  const srcEnd = rows("src", "srcStride", "nIn");
  const dstEnd = rows("dst", "dstStride", "nOut");
  // runBatch reads a batch's rows where they lie in place of the input rows (assembly/run.ts,
  // exec): a step may read the input rows only as a whole, at their offset and stride, and none
  // may write them.
  const { inputOffset, inputEnd, inputLength } = bounds;
  const input = `the input rows [${inputOffset}, ${inputEnd})`;
  if (s.src < inputEnd && inputOffset < srcEnd && (s.src !== inputOffset || s.srcStride !== inputLength)) {
    v.bad(
      "src",
      `rows [${s.src}, ${srcEnd}) reach into ${input} other than as them (offset ${inputOffset}, stride ${inputLength})`,
    );
  }
  if (s.dst < inputEnd && inputOffset < dstEnd) v.bad("dst", `rows [${s.dst}, ${dstEnd}) write into ${input}`);
  const disjoint = !spec.inPlace(s); // must src and dst be disjoint? (else they may also be exactly in place)
  const exactlyInPlace = s.src === s.dst && s.srcStride === s.dstStride;
  if (
    (disjoint || !exactlyInPlace) &&
    s.src < dstEnd &&
    s.dst < srcEnd &&
    rowsOverlap(s.src, s.srcStride, nIn, s.dst, s.dstStride, nOut, batchRows)
  ) {
    v.bad(
      "dst",
      disjoint
        ? "output rows overlap the input rows"
        : "output rows overlap the input rows without being exactly in place",
    );
  }
  const scratchEnd = v.scratchEnd;
  if (scratchEnd !== undefined) {
    if ((s.scratch < srcEnd && s.src < scratchEnd) || (s.scratch < dstEnd && s.dst < scratchEnd))
      v.bad("scratch", "overlaps the step's input or output rows");
    if (s.scratch < inputEnd && inputOffset < scratchEnd) v.bad("scratch", `writes into ${input}`);
  }
  return s;
}

/** Steps the NaN analysis may visit in all (each reader of a gathered row scans forward): bounds a crafted image. */
const NAN_SAFE_VISITS = 1 << 16;

/**
 * Does step k, reading NaN, hand on only numbers (OpSpec.nanSafe)? A GATHER or COPY only moves
 * values: it does when every later step that reads its rows does, up to the step that writes
 * them all again, and they are not model outputs. A partial overlap, or more than
 * NAN_SAFE_VISITS steps looked at, counts as no (the NaN check stays on: never a wrong yes).
 */
function givesNumbers(
  steps: readonly StepRecord[],
  k: number,
  c: { batchRows: number; outputOffset: number; outputEnd: number; budget: { visits: number } },
): boolean {
  const s = steps[k]!;
  if (nanSafe(s)) return true;
  if (s.opcode !== Opcode.Gather && s.opcode !== Opcode.Copy) return false;
  const span = (stride: number, width: number) => ((c.batchRows - 1) * stride + width) * 4;
  const start = s.dst,
    end = s.dst + span(s.dstStride, s.nOut);
  if (start < c.outputEnd && c.outputOffset < end) return false;
  let read = false;
  for (let j = k + 1; j < steps.length; j++) {
    if (--c.budget.visits < 0) return false;
    const t = steps[j]!;
    if (t.src < end && start < t.src + span(t.srcStride, t.nIn)) {
      if (t.src !== s.dst || t.srcStride !== s.dstStride || t.nIn !== s.nOut) return false;
      if (!givesNumbers(steps, j, c)) return false;
      read = true;
    }
    if (t.dst < end && start < t.dst + span(t.dstStride, t.nOut))
      return t.dst === s.dst && t.dstStride === s.dstStride && t.nOut >= s.nOut && read;
  }
  return read;
}
