import { Opcode } from "../format/abi.js";
/** The text `inspect` and `pack` print about a model. */

import type { ImageInfo, StepRecord } from "../format/types.js";
import { describeStep } from "../ops/index.js";
import type { listOnnxNodes, listTfliteOps } from "../pack.js";
import { TENSOR_TYPE_NAMES } from "../tflite/schema.js";

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

const num = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(4));

/** The reference profile, one line per feature and output channel (pack prints it, inspect shows it). */
export function describeProfile(info: ImageInfo): string[] {
  const p = info.profile;
  if (!p) return [];
  const width = Math.min(24, Math.max(8, ...[...p.features, ...p.outputs].map((c) => c.name.length)));
  const line = (c: (typeof p.features)[number]) => {
    const missing = c.missing ? `, ${((100 * c.missing) / (c.count + c.missing)).toFixed(1)} % missing` : "";
    const body =
      c.kind === "class"
        ? `classes ${c.counts.map((n) => ((100 * n) / Math.max(1, c.count)).toFixed(1) + " %").join(" / ")}`
        : `mean ${num(c.mean)} std ${num(c.std)} [${num(c.min)}, ${num(c.max)}] edges ${c.edges.map(num).join(" ")}`;
    return `  ${c.name.padEnd(width)} ${body}${missing}`;
  };
  return [
    `reference profile: ${p.rows} rows, ${p.bins} quantile bins per column (docs/drift.md)`,
    ...p.features.map(line),
    ...(p.outputs.length ? ["  outputs:", ...p.outputs.map((c) => `  ${line(c)}`)] : []),
  ];
}

export function describeProvenance(info: ImageInfo): string[] {
  const v = info.provenance;
  if (!v) return [];
  return [
    `packed by ${v.packer || "(unknown)"} from source sha256 ${v.sourceSha256 || "(unknown)"}${v.packedAt ? ` at ${new Date(v.packedAt * 1000).toISOString()}` : " (no time recorded)"}`,
  ];
}

/** One step's line in `inspect`: its index, then what the op table says of it. */
export function describeStepLine(s: StepRecord, index: number): string {
  return `  ${String(index).padStart(2)} ${describeStep(s)}`;
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
    // A refusal that belongs to no one node (inputs, outputs, planning): pack refuses the model too.
    ...(o.error ? [`model:   NOT packable: ${o.error}`] : []),
  ];
  return lines.join("\n");
}

/**
 * For a convolutional net: the most bytes one step holds live per row (its input, a second
 * input, its output), the bound the arena planner works to (per row, times the block's rows).
 */
function describeLiveMemory(info: ImageInfo): string[] {
  if (!info.steps.some((s) => s.opcode === Opcode.Conv || s.opcode === Opcode.Pool)) return [];
  let most = 0,
    at = 0;
  info.steps.forEach((s, k) => {
    const inPlace = s.src === s.dst;
    const floats = s.nIn + (s.opcode === Opcode.Binary ? s.nIn : 0) + (inPlace ? 0 : s.nOut);
    if (floats > most) [most, at] = [floats, k];
  });
  return [
    `         per row: ${kb(info.arenaBytes / info.batchRows)} of arena; the largest step alone touches ${kb(4 * most)} (step ${at}: its inputs and output; a residual's input stays live across its block)`,
  ];
}

/** A TFLite model's operators (subgraph 0) and whether pack lowers each. */
export function describeTflite(o: ReturnType<typeof listTfliteOps>): string {
  const sg = o.model.subgraphs[0]!;
  const t = (i: number) => {
    const x = sg.tensors[i]!;
    return `${x.name} ${TENSOR_TYPE_NAMES[x.type] ?? x.type} [${x.shape.join(", ")}]`;
  };
  const lines = [
    `TFLite model, schema version ${o.model.version}, ${o.model.subgraphs.length} subgraph${o.model.subgraphs.length === 1 ? "" : "s"}`,
    `inputs:    ${sg.inputs.map(t).join("; ")}`,
    `outputs:   ${sg.outputs.map(t).join("; ")}`,
    `operators: ${o.ops.length} (${o.ops.filter((n) => !n.supported).length} unsupported)`,
    ...o.ops.map((n) =>
      `  ${n.supported ? "ok " : "NO "} ${String(n.index).padStart(3)} ${`${n.operator} v${n.version}`.padEnd(24)}${n.reason ? ` ${n.reason}` : ""}`.trimEnd(),
    ),
    ...(o.error ? [`model:     NOT packable: ${o.error}`] : []),
  ];
  return lines.join("\n");
}

/** A packed image: inputs, outputs, sizes, memory, quantization, steps. */
export function describeImage(info: ImageInfo): string {
  const lines = [
    `${info.kind} model, format ${info.formatVersion}, kernel ABI ${info.abiVersion}, made by ${info.producer || "(unknown)"}`,
    `input:   ${info.inputName ? info.inputName + " " : ""}${info.inputLength} features${info.featureNames ? ` (${info.featureNames.join(", ")})` : ""}${info.nanSafe ? "; NaN is imputed or routed by the model (allowed without --allow-nan)" : ""}`,
    "outputs:",
    ...info.outputs.map(
      (o) =>
        `  ${o.name.padEnd(16)} ${o.length} value${o.length === 1 ? "" : "s"}${o.labels ? `, labels ${JSON.stringify(o.labels)}` : ""}`,
    ),
    `size:    image ${kb(info.imageBytes)} (weights ${kb(info.weightsBytes)}), ${info.parameterCount} parameters, quantization ${info.quantization}`,
    `memory:  arena ${kb(info.arenaBytes)} (${info.batchRows} rows per batch block); loaded: ${kb(Math.ceil(info.imageBytes / 16) * 16 + info.arenaBytes)}`,
    ...describeLiveMemory(info),
    ...describeQuantization(info),
    ...describeProvenance(info),
    ...describeProfile(info),
    `steps:   ${info.steps.length}`,
    ...info.steps.map(describeStepLine),
  ];
  return lines.join("\n");
}
