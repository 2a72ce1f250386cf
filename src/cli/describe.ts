/** The text `inspect` and `pack` print about a model. */
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
import type { ImageInfo, StepRecord } from "../format/types.js";
import type { listOnnxNodes } from "../pack.js";

const kb = (n: number) => (n < 4096 ? `${n} B` : `${(n / 1024).toFixed(1)} KiB`);

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

/**
 * One step's line in `inspect`: index, opcode, widths, then what the act byte means and the
 * int8 details. (The per-opcode part is to come from the op table's describe.)
 */
export function describeStepLine(s: StepRecord, index: number): string {
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
  return `  ${String(index).padStart(2)} ${op.padEnd(9)} ${String(s.nIn).padStart(5)} → ${String(s.nOut).padEnd(5)} ${act && act !== "none" ? act : ""}${extra}`.trimEnd();
}

/** An ONNX file's nodes and whether edgeinfer supports each. */
export function describeOnnx(o: ReturnType<typeof listOnnxNodes>): string {
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

/** A packed image: inputs, outputs, sizes, memory, quantization, steps. */
export function describeImage(info: ImageInfo): string {
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
    ...info.steps.map(describeStepLine),
  ];
  return lines.join("\n");
}
