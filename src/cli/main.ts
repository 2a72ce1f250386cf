/**
 * `edgeinfer` command line: pack, inspect, predict, build. Exit codes: 0 ok, 1 usage, 2 bad model or
 * input (printed as `error[CODE]: message`).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { EdgeInferError } from "../errors.js";
import {
  ACT_NAMES,
  NORM_NAMES,
  OPCODE_NAMES,
  Opcode,
  QUANT_MODE_NAMES,
  STEP_FLAG_Q8_BF16_SCALES,
  STEP_FLAG_Q8_I16_INPUT,
  STEP_FLAG_Q8_STATIC_INPUT,
} from "../format/abi.js";
import { labelOf, labelSource } from "../format/labels.js";
import { readImage } from "../format/read.js";
import type { ImageInfo, Label } from "../format/types.js";
import type { OnnxPackOptions } from "../onnx/import.js";
import { isJsonModel, isPackedImage, listOnnxNodes, pack } from "../pack.js";
import type { ModelInfo } from "../runtime/model.js";
import { Model } from "../runtime/runtime.js";
import type { SimdOption } from "../runtime/wasm.js";
import { benchImage, describeBench } from "./bench.js";
import { parseRows } from "./rows.js";

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream;
}

const VERSION = "0.1.0";

export const HELP = `edgeinfer ${VERSION}: pack trained models into small images and run them in WebAssembly

Usage:
  edgeinfer pack <model.onnx|model.json> -o <out.eim> [--quantize int8 [--calibration rows.csv] [--int8-layers auto|all]
                [--activations int16|uint8]]
                [--batch-rows N] [--strip-names]
  edgeinfer inspect <model> [--json]
  edgeinfer predict <model> <rows.csv|rows.json|-> [--format json|csv] [--allow-nan] [--simd auto|off|require]
  edgeinfer build <model> -o <model.wasm> [--no-simd] [--batch-capacity N] [--allow-nan]
  edgeinfer bench <model> [--rows N] [--time MS] [--json] [--simd auto|off|require]
  edgeinfer --help | --version

Commands:
  pack      Packs an ONNX model (docs/onnx.md) or a JSON model (docs/json-models.md) into a packed
            image (docs/format.md).
  inspect   Validates a model and shows its inputs, outputs, sizes, steps and the memory it needs;
            for an ONNX file, first every node and whether edgeinfer supports it.
  predict   Predicts every row of a CSV or JSON file (or stdin, "-") in one batch; an ONNX or JSON
            model is packed in memory first. JSON output maps
            each output name to an array of per-row arrays; outputs that hold a class index are
            printed as class labels, and a "label" array is added for classifiers.
  build     Compiles one model into a self-contained .wasm: only the kernels it uses, the packed
            image as a data segment, no imports, and the C-style ABI of docs/standalone.md
            (input_ptr, input_len, output_ptr, output_len, predict, predict_batch, …).
  bench     Measures the model on this machine: single-row latency (median, p99), batch
            throughput, load time, and memory (image, arena, linear-memory pages, RSS, JS heap).

Options:
  -o, --output <file>   where pack writes the image
  --quantize int8       store dense weights as int8 (symmetric, one bf16 scale per output channel;
                        biases exact) and compute with i32 sums; each row is quantized on the fly.
                        pack prints the weight matrices', the biases' and the weights section's
                        bytes before and after and each layer's precision (a final layer with
                        ≤ 1 % of the dense weights, or that int8 would shrink by under 64 bytes,
                        stays f32); docs/quantization.md
  --calibration <rows>  with --quantize int8: CSV or JSON rows of the model's input. The int8
                        layers' input ranges are calibrated on them (static quantization), and pack
                        prints (and the image records) the largest absolute output difference to
                        the float model and how often the top class agrees on these rows
  --int8-layers auto|all  auto (default): such a small final layer stays f32; all: every dense
                        layer int8
  --activations int16|uint8  how int8 layers quantize their input rows: int16 (default, symmetric,
                        finer) or uint8 with a zero point (as ONNX DynamicQuantizeLinear)
  --batch-rows N        rows per block in batch prediction (default: sized to ~32 KiB of activations)
  --strip-names         leave feature names out of the image
  --json                inspect: print JSON instead of text
  --format json|csv     predict: output format (default json)
  --allow-nan           predict: let NaN inputs through instead of refusing the row
  --simd auto|off|require  kernel build to run (default auto)
  --no-simd             build: the scalar module, for engines without SIMD (wasm2c, wasm3)
  --batch-capacity N    build: rows predict_batch takes at most (default: the image's batch rows)
  --allow-nan           build: predict lets NaN through instead of returning status 1
  --rows N              bench: rows per batch call (default 1000)
  --time MS             bench: time per measurement in milliseconds (default 1000)

CSV input: an optional header row; when it names the model's features, those columns are used
in the model's order and others are ignored. Empty cells and "nan" are NaN.

Exit status: 0 ok, 1 usage error, 2 bad model or input.`;

class UsageError extends Error {}

class IoError extends EdgeInferError {
  readonly code = "E_IO";
  constructor(
    readonly path: string,
    readonly detail: string,
  ) {
    super(`${path}: ${detail}`);
  }
}

interface Args {
  positional: string[];
  flags: Map<string, string | true>;
}

const VALUE_FLAGS = new Set([
  "-o",
  "--output",
  "--quantize",
  "--batch-rows",
  "--format",
  "--simd",
  "--calibration",
  "--int8-layers",
  "--activations",
  "--batch-capacity",
  "--rows",
  "--time",
]);
const BOOL_FLAGS = new Set(["--json", "--strip-names", "--allow-nan", "--no-simd", "--help", "-h", "--version"]);

function parseArgs(argv: string[]): Args {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "-" || !a.startsWith("-")) positional.push(a);
    else if (VALUE_FLAGS.has(a)) {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      flags.set(a === "-o" ? "--output" : a, v);
    } else if (BOOL_FLAGS.has(a)) flags.set(a === "-h" ? "--help" : a, true);
    else throw new UsageError(`unknown option ${a}`);
  }
  return { positional, flags };
}

function readInput(path: string, io: Io): Promise<Buffer> | Buffer {
  if (path === "-") {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      io.stdin.on("data", (c: Buffer) => chunks.push(c));
      io.stdin.on("end", () => resolve(Buffer.concat(chunks)));
      io.stdin.on("error", reject);
    });
  }
  try {
    return readFileSync(path);
  } catch (e) {
    throw new IoError(path, (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message);
  }
}

function packOptions(a: Args): OnnxPackOptions {
  const q = a.flags.get("--quantize");
  if (q !== undefined && q !== "int8" && q !== "none")
    throw new UsageError(`--quantize takes int8 or none, not ${String(q)}`);
  const br = a.flags.get("--batch-rows");
  const batchRows = br === undefined ? undefined : Number(br);
  if (batchRows !== undefined && !(Number.isInteger(batchRows) && batchRows >= 1 && batchRows <= 256))
    throw new UsageError("--batch-rows takes an integer from 1 to 256");
  const layers = a.flags.get("--int8-layers");
  if (layers !== undefined && layers !== "auto" && layers !== "all")
    throw new UsageError(`--int8-layers takes auto or all, not ${String(layers)}`);
  const acts = a.flags.get("--activations");
  if (acts !== undefined && acts !== "int16" && acts !== "uint8")
    throw new UsageError(`--activations takes int16 or uint8, not ${String(acts)}`);
  return {
    quantize: q as OnnxPackOptions["quantize"],
    batchRows,
    stripNames: a.flags.has("--strip-names"),
    int8Layers: layers as OnnxPackOptions["int8Layers"],
    activations: acts as OnnxPackOptions["activations"],
  };
}

/** pack options with the --calibration rows read (they need the model's input width and feature names). */
async function packOptionsWithRows(a: Args, u8: Uint8Array, io: Io): Promise<OnnxPackOptions> {
  const o = packOptions(a);
  const src = a.flags.get("--calibration");
  if (src === undefined) return o;
  if (typeof src !== "string") throw new UsageError("--calibration needs a file");
  if (o.quantize !== "int8") throw new UsageError("--calibration is for --quantize int8");
  const plain = readImage(pack(u8, { ...o, quantize: "none", stripNames: false }));
  const text = (await readInput(src, io)).toString("utf8");
  const rows = parseRows(text, plain.inputLength, plain.featureNames, src === "-" ? "stdin" : src);
  const n = plain.inputLength;
  return { ...o, calibration: Array.from({ length: rows.nRows }, (_, r) => rows.values.subarray(r * n, (r + 1) * n)) };
}

/** The quantization report as pack prints it and inspect shows it. */
export function describeQuantization(info: ImageInfo): string[] {
  const r = info.quantReport;
  if (!r) return [];
  const pct = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)} %`;
  const layers = r.layers.map(
    (l) =>
      `  step ${String(l.step).padStart(2)} dense ${String(l.nIn).padStart(5)} → ${String(l.nOut).padEnd(5)} ${l.name}`,
  );
  if (info.quantization === "none") return ["quantization: asked for int8, every dense layer kept f32:", ...layers];
  const lines = [
    `quantization: weight matrices ${r.floatMatrixBytes} B in f32 → ${r.matrixBytes} B with int8 values and scales (${pct(r.matrixBytes, r.floatMatrixBytes)})`,
    `  biases ${r.biasBytes} B, kept f32 (exact)`,
    `  weights section ${r.floatWeightsBytes} B → ${r.weightsBytes} B (${pct(r.weightsBytes, r.floatWeightsBytes)}; biases, other steps and 16-byte alignment included)`,
  ];
  lines.push(...layers);
  const c = r.calibration;
  if (c) {
    lines.push(
      `  on ${c.rows} calibration rows: largest |int8 − float| output difference ${c.maxAbsDiff.toPrecision(3)}` +
        (c.agreeingRows === undefined
          ? " (no class output to compare top classes)"
          : `; top class agrees on ${c.agreeingRows}/${c.rows} rows (${(100 * c.topClassAgreement!).toFixed(2)} %)`),
    );
  }
  return lines;
}

/** A model argument: a packed image as it is, anything else packed in memory. */
async function modelImage(path: string, a: Args, io: Io): Promise<Uint8Array> {
  const bytes = await readInput(path, io);
  const u8 = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return isPackedImage(u8) ? u8 : pack(u8, await packOptionsWithRows(a, u8, io));
}

function need(a: Args, n: number, usage: string): void {
  if (a.positional.length - 1 !== n) throw new UsageError(`usage: ${usage}`);
}

export async function main(argv: string[], io: Io): Promise<number> {
  const out = (s: string) => io.stdout.write(s + "\n");
  try {
    const a = parseArgs(argv);
    if (a.flags.has("--help") || argv.length === 0) {
      out(HELP);
      return argv.length === 0 ? 1 : 0;
    }
    if (a.flags.has("--version")) {
      out(VERSION);
      return 0;
    }
    const [command] = a.positional;
    if (command === "pack") {
      need(a, 1, "edgeinfer pack <model> -o <out.eim>");
      const dest = a.flags.get("--output");
      if (typeof dest !== "string") throw new UsageError("pack needs -o <out.eim>");
      const image = await modelImage(a.positional[1]!, a, io);
      const info = readImage(image); // never write an image that would not load
      writeFileSync(dest, image);
      out(`${dest}: ${image.length} bytes`);
      for (const l of describeQuantization(info)) out(l);
      return 0;
    }
    if (command === "inspect") {
      need(a, 1, "edgeinfer inspect <model> [--json]");
      const path = a.positional[1]!;
      const bytes = readInput(path, io) as Buffer;
      const u8 = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      // An ONNX file: every node and whether edgeinfer supports it, then the packed result.
      const onnx = !isPackedImage(u8) && !isJsonModel(u8) ? listOnnxNodes(u8) : undefined;
      let info: ImageInfo | undefined, error: unknown;
      try {
        info = readImage(await modelImage(path, a, io));
      } catch (e) {
        if (!onnx || !(e instanceof EdgeInferError)) throw e;
        error = e;
      }
      if (a.flags.has("--json")) {
        out(
          JSON.stringify(
            onnx
              ? {
                  onnx: {
                    producer: onnx.model.producer,
                    opsets: Object.fromEntries(onnx.model.opsets),
                    nodes: onnx.nodes,
                  },
                  packed: info ?? null,
                }
              : info,
            null,
            2,
          ),
        );
      } else {
        if (onnx) out(describeOnnx(onnx));
        if (info) out((onnx ? "\npacked:\n" : "") + describe(info));
      }
      if (error) throw error;
      return 0;
    }
    if (command === "predict") {
      need(a, 2, "edgeinfer predict <model> <rows.csv|rows.json|->");
      const format = a.flags.get("--format") ?? "json";
      if (format !== "json" && format !== "csv")
        throw new UsageError(`--format takes json or csv, not ${String(format)}`);
      const simd = (a.flags.get("--simd") ?? "auto") as SimdOption;
      if (!["auto", "off", "require"].includes(simd))
        throw new UsageError(`--simd takes auto, off or require, not ${simd}`);
      const model = Model.load(await modelImage(a.positional[1]!, a, io), {
        allowNaN: a.flags.has("--allow-nan"),
        simd,
      });
      const src = a.positional[2]!;
      const text = (await readInput(src, io)).toString("utf8");
      const rows = parseRows(text, model.info.inputLength, model.info.featureNames, src === "-" ? "stdin" : src);
      const y = predictWithProgress(model, rows.values, rows.nRows, io);
      io.stdout.write(format === "json" ? toJson(model.info, y, rows.nRows) : toCsv(model.info, y, rows.nRows));
      return 0;
    }
    if (command === "build") {
      need(a, 1, "edgeinfer build <model> -o <model.wasm>");
      const dest = a.flags.get("--output");
      if (typeof dest !== "string") throw new UsageError("build needs -o <model.wasm>");
      const cap = a.flags.get("--batch-capacity");
      const batchCapacity = cap === undefined ? undefined : Number(cap);
      if (
        batchCapacity !== undefined &&
        !(Number.isInteger(batchCapacity) && batchCapacity >= 1 && batchCapacity <= 1 << 20)
      ) {
        throw new UsageError(`--batch-capacity takes an integer from 1 to ${1 << 20}`);
      }
      const { buildStandalone } = await import("../build/standalone.js"); // loads the compiler only when asked
      const m = await buildStandalone(await modelImage(a.positional[1]!, a, io), {
        simd: !a.flags.has("--no-simd"),
        batchCapacity,
        allowNaN: a.flags.has("--allow-nan"),
      });
      writeFileSync(dest, m.wasm);
      const l = m.layout;
      out(
        `${dest}: ${m.wasm.length} bytes (${a.flags.has("--no-simd") ? "scalar" : "SIMD"}), no imports; kernels: ${m.opcodes.join(", ")}; activations: ${m.activations.join(", ")}`,
      );
      out(
        `  input_ptr ${l.input} (${l.inputLength} f32), output_ptr ${l.output} (${l.outputLength} f32), batch ${l.batchCapacity} rows at ${l.batchInput} → ${l.batchOutput}, memory ${Math.ceil(l.memoryBase / 65536)} page(s)`,
      );
      return 0;
    }
    if (command === "bench") {
      need(a, 1, "edgeinfer bench <model> [--rows N] [--time MS] [--json]");
      const num = (f: string, lo: number, hi: number) => {
        const v = a.flags.get(f);
        if (v === undefined) return undefined;
        if (!(Number.isInteger(Number(v)) && Number(v) >= lo && Number(v) <= hi))
          throw new UsageError(`${f} takes an integer from ${lo} to ${hi}`);
        return Number(v);
      };
      const simd = (a.flags.get("--simd") ?? "auto") as SimdOption;
      if (!["auto", "off", "require"].includes(simd))
        throw new UsageError(`--simd takes auto, off or require, not ${simd}`);
      const r = benchImage(await modelImage(a.positional[1]!, a, io), {
        rows: num("--rows", 1, 1_000_000),
        timeMs: num("--time", 10, 600_000),
        simd,
      });
      out(a.flags.has("--json") ? JSON.stringify(r, null, 2) : describeBench(r));
      return 0;
    }
    throw new UsageError(command === undefined ? "no command" : `unknown command ${command}`);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`error[E_USAGE]: ${e.message}\nRun "edgeinfer --help" for usage.\n`);
      return 1;
    }
    if (e instanceof EdgeInferError) {
      io.stderr.write(`error[${e.code}]: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

/** predictBatch in slices, drawing a progress bar on stderr when it is a terminal and the input is long. */
function predictWithProgress(model: Model, rows: Float32Array, nRows: number, io: Io): Float32Array {
  const n = model.info.outputLength;
  const out = new Float32Array(nRows * n);
  const bar = io.stderr.isTTY === true && nRows >= 50_000;
  if (!bar) return model.predictBatch(rows, nRows, out);
  const slice = Math.ceil(nRows / 50);
  for (let start = 0; start < nRows; start += slice) {
    const k = Math.min(slice, nRows - start);
    model.predictBatch(rows.subarray(start * model.info.inputLength), k, out.subarray(start * n));
    const done = start + k,
      width = 30,
      filled = Math.round((width * done) / nRows);
    io.stderr.write(
      `\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${Math.round((100 * done) / nRows)}% ${done}/${nRows} rows`,
    );
  }
  io.stderr.write("\n");
  return out;
}

/** Shortest decimal that reads back as the same f32 (0.75766844, not 0.7576684355735779). */
export function f32String(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  for (let p = 1; p <= 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(v);
}

/** Outputs that hold a class index print as labels; a classifier without one gets "label" by argmax. */
function columns(
  info: ImageInfo,
): Array<{ name: string; cols: (y: Float32Array, r: number) => Array<number | Label> }> {
  const n = info.outputLength;
  const cols = info.outputs.map((o) => ({
    name: o.name,
    cols: (y: Float32Array, r: number) => {
      const v = Array.from(y.subarray(r * n + o.offset, r * n + o.offset + o.length));
      return o.labels && o.length === 1 ? v.map((i) => o.labels![i] ?? i) : v;
    },
  }));
  const src = labelSource(info.outputs);
  if (src?.argmax && !info.outputs.some((o) => o.name === "label"))
    cols.push({ name: "label", cols: (y, r) => [labelOf(src, y, r * n)] });
  return cols;
}

function toJson(info: ImageInfo, y: Float32Array, nRows: number): string {
  const result: Record<string, Array<Array<number | Label>>> = {};
  for (const c of columns(info)) result[c.name] = Array.from({ length: nRows }, (_, r) => c.cols(y, r));
  // Numbers as their shortest f32 text; NaN and ±Infinity (not JSON) as strings.
  const rows = Object.entries(result).map(
    ([k, v]) =>
      `${JSON.stringify(k)}:[${v.map((row) => `[${row.map((x) => (typeof x === "number" ? (Number.isFinite(x) ? f32String(x) : `"${x}"`) : JSON.stringify(x))).join(",")}]`).join(",")}]`,
  );
  return `{${rows.join(",")}}\n`;
}

function toCsv(info: ImageInfo, y: Float32Array, nRows: number): string {
  const cols = columns(info);
  const head = cols.flatMap((c) => {
    const o = info.outputs.find((x) => x.name === c.name);
    if (!o || o.length === 1) return [c.name];
    return Array.from({ length: o.length }, (_, i) => `${c.name}_${o.labels?.[i] ?? i}`);
  });
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = [head.map(quote).join(",")];
  for (let r = 0; r < nRows; r++)
    lines.push(
      cols
        .flatMap((c) => c.cols(y, r))
        .map((v) => quote(typeof v === "number" ? f32String(v) : v))
        .join(","),
    );
  return lines.join("\n") + "\n";
}

function describeOnnx(o: ReturnType<typeof listOnnxNodes>): string {
  const opsets = [...o.model.opsets].map(([d, v]) => `${d || "ai.onnx"} ${v}`).join(", ");
  const lines = [
    `ONNX model by ${o.model.producer || "(unknown)"}, IR ${o.model.irVersion}, opsets ${opsets}`,
    `inputs:  ${o.model.inputs.map((i) => `${i.name} ${i.typeText} [${i.dims.map((d) => d ?? "?").join(", ")}]`).join("; ")}`,
    `outputs: ${o.model.outputs.map((i) => `${i.name} ${i.typeText}`).join("; ")}`,
    `nodes:   ${o.nodes.length} (${o.nodes.filter((n) => !n.supported).length} unsupported)`,
    ...o.nodes.map(
      (n) =>
        `  ${n.supported ? "ok " : "NO "} ${`${n.domain === "ai.onnx" ? "" : n.domain + "::"}${n.opType}`.padEnd(34)} ${n.node}${n.reason ? `: ${n.reason}` : ""}`,
    ),
  ];
  return lines.join("\n");
}

function describe(info: ImageInfo): string {
  const kb = (n: number) => (n < 4096 ? `${n} B` : `${(n / 1024).toFixed(1)} KiB`);
  const lines = [
    `${info.kind} model, format ${info.formatVersion}, kernel ABI ${info.abiVersion}, made by ${info.producer || "(unknown)"}`,
    `input:   ${info.inputName ? info.inputName + " " : ""}${info.inputLength} features${info.featureNames ? ` (${info.featureNames.join(", ")})` : ""}`,
    "outputs:",
    ...info.outputs.map(
      (o) =>
        `  ${o.name.padEnd(16)} ${o.length} value${o.length === 1 ? "" : "s"}${o.labels ? `, labels ${JSON.stringify(o.labels)}` : ""}`,
    ),
    `size:    image ${kb(info.imageBytes)} (weights ${kb(info.weightsBytes)}), ${info.parameterCount} parameters, quantization ${info.quantization}`,
    `memory:  arena ${kb(info.arenaBytes)} (${info.batchRows} rows per batch block); loaded: ${kb(Math.ceil(info.imageBytes / 16) * 16 + info.arenaBytes)}`,
    ...describeQuantization(info),
    `steps:   ${info.steps.length}`,
    ...info.steps.map((s, k) => {
      const op = OPCODE_NAMES[s.opcode]!;
      const act =
        s.opcode === Opcode.Normalize
          ? NORM_NAMES[s.act]
          : s.opcode === Opcode.Quantize
            ? QUANT_MODE_NAMES[s.act]
            : s.opcode === Opcode.Argmax || s.opcode === Opcode.Copy
              ? undefined
              : ACT_NAMES[s.act];
      const extra =
        s.opcode === Opcode.DenseQ8
          ? ` (${s.flags & STEP_FLAG_Q8_I16_INPUT ? "int16" : "uint8"} rows, ${s.flags & STEP_FLAG_Q8_STATIC_INPUT ? "static scale" : "dynamic"}, ${s.flags & STEP_FLAG_Q8_BF16_SCALES ? "bf16" : "f32"} scales)`
          : "";
      return `  ${String(k).padStart(2)} ${op.padEnd(9)} ${String(s.nIn).padStart(5)} → ${String(s.nOut).padEnd(5)} ${act && act !== "none" ? act : ""}${extra}`.trimEnd();
    }),
  ];
  return lines.join("\n");
}

export type { ModelInfo };
