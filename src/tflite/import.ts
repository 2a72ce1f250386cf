/**
 * TensorFlow Lite flatbuffer → edgeinfer image. Subgraph 0's operators are taken in file order
 * (TFLite stores them in execution order); each one is looked up in TFLITE_OPS (./ops) and
 * lowered onto the graph IR. The row is the subgraph's one non-constant input after its batch
 * dimension (1), in the input tensor's own values: int8 models take and give int8 values.
 * Refusals name the subgraph, the operator's index and its builtin (UnsupportedTfliteOpError).
 */
import { EdgeInferError, ModelSpecError } from "../errors.js";
import { Graph, graphLimits } from "../graph/ir.js";
import { graphToImage } from "../graph/to-plan.js";
import type { PackOptions } from "../pack.js";
import { builtinName } from "./builtins.js";
import { TfliteContext, UnsupportedTfliteOpError } from "./context.js";
import { TFLITE_OPS } from "./ops/index.js";
import { decodeTflite, TENSOR_TYPE_NAMES, TensorType, type TfliteModel, type TfliteOperator } from "./schema.js";

export { UnsupportedTfliteOpError } from "./context.js";
export { isTflite, TfliteFormatError } from "./schema.js";

/** The builtin operators pack() lowers, by name. */
export const SUPPORTED_TFLITE_OPS: readonly string[] = [...TFLITE_OPS.keys()].map(builtinName).sort();

/** pack()'s options for a TFLite model. */
export interface TflitePackOptions extends PackOptions {
  /**
   * How int8 operators requantize their i32 sums: "xnnpack" (default; XNNPACK's f32 scale, what
   * TFLite's interpreter and LiteRT.js run int8 models with) or "reference" (TFLite's reference
   * kernels and TFLite Micro: a Q31 multiplier and shift with gemmlowp rounding).
   */
  arithmetic?: "xnnpack" | "reference";
}

function start(model: TfliteModel, options: TflitePackOptions): TfliteContext {
  if (model.subgraphs.length > 1)
    throw new UnsupportedTfliteOpError(
      1,
      0,
      "subgraph",
      `${model.subgraphs.length} subgraphs: only one is supported (no control flow)`,
    );
  const sg = model.subgraphs[0]!;
  const inputs = sg.inputs.filter((i) => !sg.tensors[i]!.data);
  if (inputs.length !== 1) throw new ModelSpecError("subgraphs[0].inputs", `${inputs.length} inputs: one is supported`);
  const xt = sg.tensors[inputs[0]!]!;
  if (xt.type !== TensorType.FLOAT32 && xt.type !== TensorType.INT8)
    throw new ModelSpecError(
      `inputs.${xt.name}`,
      `${TENSOR_TYPE_NAMES[xt.type] ?? xt.type} input: FLOAT32 and INT8 are supported`,
    );
  if (xt.shape.length === 0 || (xt.shape[0] !== 1 && xt.shape[0] !== -1))
    throw new ModelSpecError(`inputs.${xt.name}`, `shape [${xt.shape}]: dim 0 must be the batch of 1`);
  const g = new Graph(xt.shape.slice(1), graphLimits(options), `tensor ${JSON.stringify(xt.name)}`);
  const { arithmetic = "xnnpack" } = options;
  if (arithmetic !== "xnnpack" && arithmetic !== "reference")
    throw new ModelSpecError("arithmetic", `${JSON.stringify(arithmetic)} is not one of "xnnpack", "reference"`);
  const ctx = new TfliteContext(g, sg, arithmetic);
  ctx.rows.set(xt.index, g.input);
  return ctx;
}

function lowerOp(ctx: TfliteContext, op: TfliteOperator): void {
  ctx.op = op;
  const lower = TFLITE_OPS.get(op.builtin);
  if (!lower)
    ctx.refuse(op.customCode ? `custom operator ${JSON.stringify(op.customCode)} is not supported` : "not supported");
  ctx.graph.label = `tensor ${JSON.stringify(ctx.sg.tensors[op.outputs[0] ?? -1]?.name ?? "")} (operator ${op.index}, ${builtinName(op.builtin)})`;
  const outs = lower(ctx);
  outs.forEach((v, k) => ctx.rows.set(op.outputs[k]!, v));
}

function finish(ctx: TfliteContext, model: TfliteModel, options: TflitePackOptions): Uint8Array {
  const outputs = ctx.sg.outputs.map((i) => {
    const t = ctx.sg.tensors[i]!;
    const v = ctx.rows.get(i);
    if (!v) throw new ModelSpecError(`outputs.${t.name}`, "no operator computes this output");
    return { name: t.name || `output_${i}`, v };
  });
  const inputName = ctx.sg.tensors[ctx.sg.inputs.find((i) => !ctx.sg.tensors[i]!.data)!]!.name;
  return graphToImage(
    ctx.graph,
    { producer: model.description || "tflite", kind: "tflite", inputName },
    outputs,
    options,
  );
}

/** Packs a .tflite file's bytes into an edgeinfer image. */
export function packTflite(bytes: Uint8Array, options: TflitePackOptions = {}): Uint8Array {
  options ??= {};
  if (options.quantize === "int8") throw new ModelSpecError("quantize", "a TFLite model keeps its own quantization");
  const model = decodeTflite(bytes);
  const ctx = start(model, options);
  for (const op of ctx.sg.operators) lowerOp(ctx, op);
  return finish(ctx, model, options);
}

export interface TfliteOpSupport {
  index: number;
  operator: string;
  version: number;
  supported: boolean;
  reason?: string;
}

/** Every operator of subgraph 0 and whether pack() lowers it (for `inspect`), as pack() lowers it. */
export function listTfliteOps(
  bytes: Uint8Array,
  options: TflitePackOptions = {},
): { model: TfliteModel; ops: TfliteOpSupport[]; error?: string } {
  const model = decodeTflite(bytes);
  let ctx: TfliteContext | undefined;
  let error: string | undefined;
  try {
    ctx = start(model, options ?? {});
  } catch (e) {
    if (!(e instanceof EdgeInferError)) throw e;
    error = e.message;
  }
  const ops = model.subgraphs[0]!.operators.map((op): TfliteOpSupport => {
    const head = { index: op.index, operator: builtinName(op.builtin), version: op.version };
    if (!ctx) return { ...head, supported: TFLITE_OPS.has(op.builtin) };
    try {
      lowerOp(ctx, op);
      return { ...head, supported: true };
    } catch (e) {
      if (!(e instanceof EdgeInferError)) throw e;
      ctx = undefined; // the operators after it have no inputs to lower from
      return { ...head, supported: false, reason: e instanceof UnsupportedTfliteOpError ? e.detail : e.message };
    }
  });
  if (ctx && error === undefined) {
    try {
      finish(ctx, model, options ?? {});
    } catch (e) {
      if (!(e instanceof EdgeInferError)) throw e;
      error = e.message;
    }
  }
  return { model, ops, ...(error === undefined ? {} : { error }) };
}
