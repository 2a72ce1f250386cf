/**
 * Packed image → ImageInfo, validating everything the wasm interpreter will trust: versions,
 * checksum, section bounds, every step's opcode, sizes, parameter ranges (in the weights
 * section, aligned) and arena ranges (inside the arena for every row of a block, with no
 * overlap a kernel cannot handle). After readImage() succeeds the kernels run without checks.
 * Every failure is a FormatError naming the field and its byte offset.
 */

import { FormatError, VersionError } from "../errors.js";
import {
  ABI_VERSION,
  Act,
  FORMAT_MAJOR,
  HEADER_BYTES,
  Header,
  type HeaderField,
  MAGIC,
  Norm,
  Opcode,
  OUTPUT_RECORD_BYTES,
  QUANT_DECISION_NAMES,
  QuantDecision,
  QuantMode,
  q8AuxLayout,
  STEP_BYTES,
  STEP_FLAG_Q8_BF16_SCALES,
  STEP_FLAG_Q8_I16_INPUT,
  STEP_FLAG_Q8_NO_ROW_SUMS,
  STEP_FLAG_Q8_STATIC_INPUT,
  Step,
  type StepField,
  stepAbi,
  WEIGHTS_ALIGN,
} from "./abi.js";
import { crc32 } from "./crc32.js";
import type { ImageInfo, Label, OutputInfo, StepRecord } from "./types.js";
import { ByteReader } from "./varint.js";

/** Largest block of rows an image may ask for (bounds the arena and the overlap checks). */
export const MAX_BATCH_ROWS = 256;
/** Largest arena an image may ask for: 1 GiB. */
export const MAX_ARENA_BYTES = 1 << 30;

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

  // Sections inside the image.
  const section = (offField: HeaderField, bytesNeeded: number, name: string) => {
    const off = h(offField);
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
  if (nSteps > (imageBytes - HEADER_BYTES) / STEP_BYTES)
    fail("header.nSteps", Header.nSteps, `${nSteps} steps cannot fit in ${imageBytes} bytes`);
  if (nOutputs === 0 || nOutputs > (imageBytes - HEADER_BYTES) / OUTPUT_RECORD_BYTES) {
    fail("header.nOutputs", Header.nOutputs, `${nOutputs} outputs: need at least 1 and they must fit in the image`);
  }
  const stepsOffset = section("stepsOffset", nSteps * STEP_BYTES, "the step records");
  const outputsOffset = section("outputsOffset", nOutputs * OUTPUT_RECORD_BYTES, "the output records");
  const metaBytes = h("metaBytes");
  const metaOffset = section("metaOffset", metaBytes, "the metadata");
  const weightsOffset = h("weightsOffset");
  const weightsBytes = h("weightsBytes");
  if (weightsOffset % WEIGHTS_ALIGN !== 0)
    fail("header.weightsOffset", Header.weightsOffset, `${weightsOffset} is not ${WEIGHTS_ALIGN}-byte aligned`);
  if (weightsOffset < HEADER_BYTES || weightsOffset + weightsBytes !== imageBytes) {
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
  const region = (offField: HeaderField, width: number, what: string): [number, number] => {
    const off = h(offField);
    const end = off + batchRows * width * 4;
    if (off % 4 !== 0 || end > arenaBytes)
      fail(
        `header.${offField}`,
        Header[offField],
        `${what} [${off}, ${end}) is not 4-aligned inside the ${arenaBytes}-byte arena`,
      );
    return [off, end];
  };
  const [inputOffset, inputEnd] = region("inputOffset", inputLength, "the input rows");
  const [outputOffset, outputEnd] = region("outputOffset", outputLength, "the output rows");
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
  if (r.remaining !== 0 && minor >= 1) quantReport = readQuantReport(r, steps, h("weightsBytes"));
  if (r.remaining !== 0) fail("meta", r.pos, `${r.remaining} unread bytes at the end of the metadata`);
  const seen = new Set<string>();
  outputs.forEach((o, i) => {
    if (seen.has(o.name))
      fail(`meta.outputs[${i}].name`, metaOffset, `duplicate output name ${JSON.stringify(o.name)}`);
    seen.add(o.name);
  });

  let parameterCount = 0;
  for (const s of steps) {
    if (s.opcode === Opcode.Dense || s.opcode === Opcode.DenseNarrow || s.opcode === Opcode.DenseQ8)
      parameterCount += s.nIn * s.nOut + s.nOut;
    else if (s.opcode === Opcode.Affine) parameterCount += 2 * s.nIn;
  }
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
    ...(quantReport ? { quantReport } : {}),
    steps,
  };
}

const isDense = (op: number) => op === Opcode.Dense || op === Opcode.DenseNarrow || op === Opcode.DenseQ8;

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
  const dense = steps.map((s, k) => [s, k] as const).filter(([s]) => isDense(s.opcode));
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

interface Bounds {
  weightsOffset: number;
  imageBytes: number;
  arenaBytes: number;
  batchRows: number;
  abiVersion: number;
  /** The input rows [inputOffset, inputEnd), inputLength floats apart. */
  inputOffset: number;
  inputEnd: number;
  inputLength: number;
}

/** Scratch bytes DENSE_Q8 needs: the quantized row (4-aligned) and the zero point; int16 rows: two rows of 2·align8(nIn) bytes, 32 bytes of sums, and 4. */
export const q8ScratchBytes = (nIn: number, flags = 0) =>
  (flags & STEP_FLAG_Q8_I16_INPUT ? 2 * 2 * Math.ceil(nIn / 8) * 8 + 32 : Math.ceil(nIn / 4) * 4) + 4;

/** The activations a step may fuse (softmax, log-softmax and logistic pair act on the whole row). */
const ACTS = new Set<number>([
  Act.None,
  Act.Relu,
  Act.LeakyRelu,
  Act.Sigmoid,
  Act.Tanh,
  Act.Softmax,
  Act.LogSoftmax,
  Act.HardSigmoid,
  Act.LogisticPair,
]);

function readStep(view: DataView, at: number, k: number, bounds: Bounds): StepRecord {
  const u = (f: StepField) => view.getUint32(at + Step[f], true);
  const field = (f: StepField | "shape") => `steps[${k}].${f}`;
  const bad = (f: StepField | "shape", detail: string): never =>
    fail(field(f), f === "shape" ? at : at + Step[f], detail);
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
  const { opcode, nIn, nOut } = s;
  const q8Flags =
    STEP_FLAG_Q8_STATIC_INPUT | STEP_FLAG_Q8_I16_INPUT | STEP_FLAG_Q8_BF16_SCALES | STEP_FLAG_Q8_NO_ROW_SUMS;
  if (s.flags !== 0 && !(opcode === Opcode.DenseQ8 && (s.flags & ~q8Flags) === 0))
    bad("flags", `unknown flags 0x${s.flags.toString(16)} for opcode ${opcode}`);
  const needsAbi = stepAbi(opcode, s.flags);
  if (bounds.abiVersion < needsAbi)
    bad(s.flags !== 0 ? "flags" : "opcode", `needs kernel ABI ${needsAbi}, but the header says ${bounds.abiVersion}`);
  if (s.flags & STEP_FLAG_Q8_NO_ROW_SUMS && !(s.flags & STEP_FLAG_Q8_I16_INPUT))
    bad("flags", "uint8 rows need their row sums (NO_ROW_SUMS is for int16 rows)");
  if (nIn < 1 || nIn > 1 << 24) bad("nIn", `${nIn} is outside 1..2^24`);
  if (nOut < 1 || nOut > 1 << 24) bad("nOut", `${nOut} is outside 1..2^24`);

  // Parameters: inside the weights section, 4-byte aligned.
  const param = (f: "w" | "b" | "aux", bytesNeeded: number) => {
    const off = s[f];
    if (off % 4 !== 0 || off < bounds.weightsOffset || off + bytesNeeded > bounds.imageBytes) {
      bad(
        f,
        `[${off}, ${off + bytesNeeded}) is not a 4-aligned range inside the weights [${bounds.weightsOffset}, ${bounds.imageBytes})`,
      );
    }
  };
  const unused = (...fs: StepField[]) => {
    for (const f of fs) if (u(f) !== 0) bad(f, "must be zero for this opcode");
  };
  const sameShape = () => {
    if (nIn !== nOut) bad("nOut", `${nOut} must equal nIn ${nIn} for this opcode`);
  };
  const act = (allowed: Set<number>) => {
    if (!allowed.has(s.act)) bad("act", `unknown activation ${s.act}`);
    if (s.act === Act.LogisticPair && nOut !== 2) bad("act", "logistic_pair needs nOut = 2");
  };

  let disjoint = true; // must src and dst be disjoint? (elementwise ops may also run exactly in place)
  switch (opcode) {
    case Opcode.Dense:
      act(ACTS);
      param("w", nIn * nOut * 4);
      param("b", nOut * 4);
      unused("aux", "scratch");
      break;
    case Opcode.DenseNarrow:
      act(ACTS);
      if (nOut > 4) bad("nOut", `${nOut} is more than the 4 lanes of DENSE_NARROW`);
      param("w", nIn * 16);
      param("b", 16);
      unused("aux", "scratch");
      break;
    case Opcode.DenseQ8: {
      act(ACTS);
      const aux = q8AuxLayout(nOut, s.flags);
      param("w", nIn * nOut);
      param("aux", aux.bytes);
      param("b", nOut * 4);
      if (s.flags & STEP_FLAG_Q8_I16_INPUT) {
        // int16 rows: weights in −127..127 keep the i32 sums from overflowing
        const w8 = new Int8Array(view.buffer, view.byteOffset + s.w, nIn * nOut);
        if (w8.includes(-128)) bad("w", "int16 rows need weights in −127..127; this step has −128");
      }
      if (s.flags & STEP_FLAG_Q8_STATIC_INPUT) {
        // the row's scale and zero point, checked here once
        const xScale = view.getFloat32(s.aux + aux.inputOffset, true),
          xZp = view.getInt32(s.aux + aux.inputOffset + 4, true);
        if (!(xScale > 0 && Number.isFinite(xScale)) || xZp < 0 || xZp > 255)
          bad(
            "aux",
            `static input scale ${xScale} and zero point ${xZp}: need a finite scale > 0 and a zero point in 0..255`,
          );
        if (s.flags & STEP_FLAG_Q8_I16_INPUT && xZp !== 0)
          bad("aux", `static int16 input zero point ${xZp}: int16 rows are symmetric (0)`);
      }
      const scratchEnd = s.scratch + q8ScratchBytes(nIn, s.flags);
      if (s.scratch % 4 !== 0 || scratchEnd > bounds.arenaBytes)
        bad("scratch", `[${s.scratch}, ${scratchEnd}) is not 4-aligned inside the ${bounds.arenaBytes}-byte arena`);
      break;
    }
    case Opcode.Quantize:
      switch (s.act) {
        case QuantMode.Divide:
        case QuantMode.Multiply:
          sameShape();
          param("w", nIn * 4);
          param("b", nIn * 4);
          unused("aux", "scratch");
          if (!(s.alpha <= s.beta) || !Number.isInteger(s.alpha) || !Number.isInteger(s.beta))
            bad("alpha", `saturation bounds [${s.alpha}, ${s.beta}] must be integers, low ≤ high`);
          disjoint = false;
          break;
        case QuantMode.DynamicValues:
          sameShape();
          unused("w", "b", "aux", "scratch");
          break;
        case QuantMode.DynamicScale:
        case QuantMode.DynamicZeroPoint:
          if (nOut !== 1) bad("nOut", "a dynamic scale or zero point is one value");
          unused("w", "b", "aux", "scratch");
          break;
        default:
          bad("act", `unknown quantization mode ${s.act}`);
      }
      break;
    case Opcode.Affine:
      act(ACTS);
      sameShape();
      param("w", nIn * 4);
      param("b", nIn * 4);
      unused("aux", "scratch");
      disjoint = false;
      break;
    case Opcode.Act:
      act(ACTS);
      sameShape();
      unused("w", "b", "aux", "scratch");
      disjoint = false;
      break;
    case Opcode.Argmax:
      if (s.act !== 0) bad("act", "must be 0 for ARGMAX");
      if (nOut !== 1) bad("nOut", "ARGMAX gives one value");
      unused("w", "b", "aux", "scratch");
      break;
    case Opcode.Normalize:
      if (s.act !== Norm.Max && s.act !== Norm.L1 && s.act !== Norm.L2) bad("act", `unknown norm ${s.act}`);
      sameShape();
      unused("w", "b", "aux", "scratch");
      disjoint = false;
      break;
    case Opcode.Copy:
      if (s.act !== 0) bad("act", "must be 0 for COPY");
      sameShape();
      unused("w", "b", "aux", "scratch");
      break;
    default:
      bad("opcode", `unknown opcode ${opcode}`);
  }

  // Arena ranges for every row of a block.
  const rows = (f: "src" | "dst", strideF: "srcStride" | "dstStride", width: number) => {
    const off = s[f],
      stride = s[strideF];
    if (stride < width) bad(strideF, `${stride} is less than the row width ${width}`);
    const end = off + ((bounds.batchRows - 1) * stride + width) * 4;
    if (off % 4 !== 0 || end > bounds.arenaBytes)
      bad(f, `rows [${off}, ${end}) are not 4-aligned inside the ${bounds.arenaBytes}-byte arena`);
    return end;
  };
  const srcEnd = rows("src", "srcStride", nIn);
  const dstEnd = rows("dst", "dstStride", nOut);
  // runBatch reads a batch's rows where they lie in place of the input rows (assembly/run.ts,
  // exec): a step may read the input rows only as a whole, at their offset and stride, and none
  // may write them.
  const { inputOffset, inputEnd, inputLength } = bounds;
  const input = `the input rows [${inputOffset}, ${inputEnd})`;
  if (s.src < inputEnd && inputOffset < srcEnd && (s.src !== inputOffset || s.srcStride !== inputLength)) {
    bad(
      "src",
      `rows [${s.src}, ${srcEnd}) reach into ${input} other than as them (offset ${inputOffset}, stride ${inputLength})`,
    );
  }
  if (s.dst < inputEnd && inputOffset < dstEnd) bad("dst", `rows [${s.dst}, ${dstEnd}) write into ${input}`);
  const inPlace = s.src === s.dst && s.srcStride === s.dstStride;
  if ((disjoint || !inPlace) && s.src < dstEnd && s.dst < srcEnd && rowsOverlap(s, bounds.batchRows)) {
    bad(
      "dst",
      disjoint
        ? "output rows overlap the input rows"
        : "output rows overlap the input rows without being exactly in place",
    );
  }
  if (opcode === Opcode.DenseQ8) {
    const scratchEnd = s.scratch + q8ScratchBytes(nIn, s.flags);
    if ((s.scratch < srcEnd && s.src < scratchEnd) || (s.scratch < dstEnd && s.dst < scratchEnd))
      bad("scratch", "overlaps the step's input or output rows");
    if (s.scratch < inputEnd && inputOffset < scratchEnd) bad("scratch", `writes into ${input}`);
  }
  return s;
}

/** Does any input row of the block overlap any output row? (Rows may interleave inside a wide buffer.) */
function rowsOverlap(s: StepRecord, batchRows: number): boolean {
  for (let r = 0; r < batchRows; r++) {
    const a0 = s.src + r * s.srcStride * 4,
      a1 = a0 + s.nIn * 4;
    for (let q = 0; q < batchRows; q++) {
      const b0 = s.dst + q * s.dstStride * 4,
        b1 = b0 + s.nOut * 4;
      if (a0 < b1 && b0 < a1) return true;
    }
  }
  return false;
}
