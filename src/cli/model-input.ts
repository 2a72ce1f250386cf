/**
 * A command's model argument: a packed image as it is, an ONNX or JSON model packed in memory
 * with the packing options (the same ones as `pack`), from a file or stdin ("-").
 */
import { readFileSync, statSync } from "node:fs";
import { dirname, resolve, sep } from "node:path";
import { ModelSpecError } from "../errors.js";
import { Header } from "../format/abi.js";
import { readImage } from "../format/read.js";
import { MAX_READ_BYTES, readFileBytes, StreamBytes } from "../io/files.js";
import { parseRows } from "../io/rows.js";
import type { OnnxPackOptions } from "../onnx/import.js";
import { isJsonModel, isPackedImage, isTflite, pack } from "../pack.js";
import { type Io, type OptionSpec, type ParsedArgs, UsageError } from "./options.js";

/** The options that shape packing: `pack` shows them, the other commands apply them to a model they pack in memory. */
export const PACK_OPTIONS: readonly OptionSpec[] = [
  {
    name: "quantize",
    value: "mode",
    choices: ["int8", "none"],
    group: "packing options",
    help: `int8: store dense weights as int8 (symmetric, one bf16 scale per output channel;
biases exact) and compute with i32 sums; each row is quantized on the fly.
pack prints the weight matrices', the biases' and the weights section's
bytes before and after and each layer's precision (a final layer with
≤ 1 % of the dense weights, or that int8 would shrink by under 64 bytes,
stays f32); docs/quantization.md`,
  },
  {
    name: "calibration",
    value: "rows",
    group: "packing options",
    help: `with --quantize int8: CSV or JSON rows of the model's input (read as
predict reads them). The int8 layers' input ranges are calibrated on them
(static quantization), and pack prints (and the image records) the largest
absolute output difference to the float model and how often the top class
agrees on these rows`,
  },
  {
    name: "int8-layers",
    value: "which",
    choices: ["auto", "all"],
    group: "packing options",
    help: "auto (default): such a small final layer stays f32; all: every dense layer int8",
  },
  {
    name: "activations",
    value: "type",
    choices: ["int16", "uint8"],
    group: "packing options",
    help: `how int8 layers quantize their input rows: int16 (default, symmetric,
finer) or uint8 with a zero point (as ONNX DynamicQuantizeLinear)`,
  },
  {
    name: "batch-rows",
    value: "N",
    int: [1, 256],
    group: "packing options",
    help: "rows per block in batch prediction (default: sized to ~32 KiB of activations)",
  },
  { name: "strip-names", group: "packing options", help: "leave feature names out of the image" },
  {
    name: "input-shape",
    value: "dims",
    group: "packing options",
    help: `ONNX: the row dims (after the batch) of an input whose graph leaves them
unknown: "30" or "3,32,32" for a graph of one input; "name=30;other=2"
for several (docs/onnx.md)`,
  },
];

/** --input-shape's text as PackOptions.inputShape: "4" or "3,2" (one input), "a=4;b=1" (per input). */
export function parseInputShape(text: string): number[] | Record<string, number[]> {
  const dims = (t: string) => {
    const d = t.split(",").map((x) => Number(x.trim()));
    if (d.length === 0 || !d.every((x) => Number.isSafeInteger(x) && x >= 1))
      throw new UsageError(
        `--input-shape: ${JSON.stringify(t)} is not a list of positive integers ("30" or "3,32,32")`,
      );
    return d;
  };
  if (!text.includes("=")) return dims(text);
  const out: Record<string, number[]> = {};
  for (const part of text.split(";")) {
    const k = part.indexOf("=");
    if (k < 1) throw new UsageError(`--input-shape: ${JSON.stringify(part)} is not name=dims`);
    out[part.slice(0, k).trim()] = dims(part.slice(k + 1));
  }
  return out;
}

/**
 * How many bytes of a stream a model needs at most, from its first bytes: a packed image's
 * header says its size (one byte more shows trailing data); bytes that cannot start an image,
 * JSON or an ONNX protobuf (whose first byte is a field tag: field ≥ 1, wire type 0, 1, 2 or 5)
 * need none more, to be refused. Otherwise (undefined) the stream is read to its end.
 */
export function modelLengthOf(head: Uint8Array): number | undefined {
  if (isPackedImage(head) && head.length >= 16)
    return new DataView(head.buffer, head.byteOffset).getUint32(Header.imageBytes, true) + 1;
  if (isJsonModel(head) || isTflite(head)) return undefined;
  const tag = head[0] ?? 0;
  return tag >> 3 === 0 || ![0, 1, 2, 5].includes(tag & 7) ? head.length : undefined;
}

/** A file's bytes, or stdin's for "-": bounded (io/files.ts StreamBytes), whatever the stream holds. */
export async function readInputBytes(path: string, io: Io, lengthOf?: typeof modelLengthOf): Promise<Uint8Array> {
  if (path !== "-") return readFileBytes(path, MAX_READ_BYTES, lengthOf);
  const stream = new StreamBytes("stdin", MAX_READ_BYTES, lengthOf);
  for await (const c of io.stdin) {
    const b = typeof c === "string" ? Buffer.from(c) : (c as Buffer);
    if (!stream.add(new Uint8Array(b.buffer, b.byteOffset, b.byteLength))) break;
  }
  return stream.bytes();
}

/** The packing options as pack() takes them (the calibration rows are read later, with the model). */
export function packOptions(a: ParsedArgs): OnnxPackOptions {
  const v = a.values;
  return {
    quantize: v.quantize as OnnxPackOptions["quantize"],
    batchRows: v["batch-rows"] as number | undefined,
    stripNames: v["strip-names"] === true,
    int8Layers: v["int8-layers"] as OnnxPackOptions["int8Layers"],
    activations: v.activations as OnnxPackOptions["activations"],
    maxBytes: v["max-bytes"] as number | undefined,
    ...(typeof v["input-shape"] === "string" ? { inputShape: parseInputShape(v["input-shape"]) } : {}),
  };
}

/** Refuses two arguments that would both read stdin (the second would find it empty). */
export function oneStdin(paths: Array<string | undefined>): void {
  if (paths.filter((p) => p === "-").length > 1)
    throw new UsageError('only one argument can be read from stdin ("-"); give the others as files');
}

/** Pack options with the --calibration rows read (they need the model's input width and feature names). */
async function packOptionsWithRows(
  a: ParsedArgs,
  model: Uint8Array,
  io: Io,
  externalData?: OnnxPackOptions["externalData"],
): Promise<OnnxPackOptions> {
  const o = packOptions(a);
  const src = a.values.calibration;
  if (src === undefined) return o;
  if (o.quantize !== "int8") throw new UsageError("--calibration is for --quantize int8");
  const plain = readImage(pack(model, { ...o, quantize: "none", stripNames: false, externalData }));
  const text = new TextDecoder().decode(await readInputBytes(String(src), io));
  const rows = parseRows(text, plain, { source: src === "-" ? "stdin" : String(src) });
  const n = plain.inputLength;
  return { ...o, calibration: Array.from({ length: rows.nRows }, (_, r) => rows.values.subarray(r * n, (r + 1) * n)) };
}

/**
 * An ONNX model's external data files, read from the model's own folder (the decoder has
 * refused absolute locations and ".."; a path that still resolves outside is missing), at most
 * MAX_READ_BYTES each. None for stdin.
 */
export function externalDataIn(modelPath: string): OnnxPackOptions["externalData"] {
  if (modelPath === "-") return undefined;
  const dir = resolve(dirname(modelPath));
  return (location) => {
    const p = resolve(dir, location);
    if (!p.startsWith(dir + sep)) return undefined;
    try {
      const st = statSync(p);
      if (!st.isFile()) return undefined;
      if (st.size > MAX_READ_BYTES)
        throw new ModelSpecError(location, `external data file of ${st.size} bytes: more than ${MAX_READ_BYTES}`);
      return new Uint8Array(readFileSync(p));
    } catch (e) {
      if (e instanceof ModelSpecError) throw e;
      return undefined;
    }
  };
}

/** The packed image of a model's bytes: a packed image as it is, anything else packed with the options. */
export async function imageOf(
  model: Uint8Array,
  a: ParsedArgs,
  io: Io,
  externalData?: OnnxPackOptions["externalData"],
): Promise<Uint8Array> {
  if (model.length === 0) throw new ModelSpecError("", "empty file: not a model");
  if (isPackedImage(model)) return model;
  return pack(model, { ...(await packOptionsWithRows(a, model, io, externalData)), externalData });
}

/** Reads the model argument (file or stdin) and returns its packed image. */
export async function modelImage(path: string, a: ParsedArgs, io: Io): Promise<Uint8Array> {
  oneStdin([path, a.values.calibration as string | undefined]);
  return imageOf(await readInputBytes(path, io, modelLengthOf), a, io, externalDataIn(path));
}
