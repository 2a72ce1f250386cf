/**
 * What every TFLite operator's lowering uses: the graph being built, the row value of each
 * activation tensor, the tensor's type and quantization, and refusals that name the operator,
 * its index and the subgraph (UnsupportedTfliteOpError).
 */
import { EdgeInferError } from "../errors.js";
import { Act } from "../format/abi.js";
import type { Graph, IrValue } from "../graph/ir.js";
import { builtinName } from "./builtins.js";
import {
  TENSOR_TYPE_NAMES,
  TensorType,
  type TfliteOperator,
  type TfliteSubgraph,
  type TfliteTensor,
} from "./schema.js";

/** A TFLite operator edgeinfer cannot run: names the subgraph, the operator's index, its builtin and why. */
export class UnsupportedTfliteOpError extends EdgeInferError {
  readonly code = "E_UNSUPPORTED";
  constructor(
    readonly subgraph: number,
    readonly operatorIndex: number,
    readonly operator: string,
    readonly detail: string,
  ) {
    super(`subgraph ${subgraph}, operator ${operatorIndex} (${operator}): ${detail}`);
  }
}

/** ActivationFunctionType (schema enum): NONE 0, RELU 1, RELU_N1_TO_1 2, RELU6 3, TANH 4, SIGN_BIT 5. */
export const FUSED_NAMES = ["none", "relu", "relu_n1_to_1", "relu6", "tanh", "sign_bit"] as const;
export type Fused = (typeof FUSED_NAMES)[number];

export class TfliteContext {
  /** The row value of each activation tensor lowered so far. */
  readonly rows = new Map<number, IrValue>();
  op!: TfliteOperator;

  constructor(
    readonly graph: Graph,
    readonly sg: TfliteSubgraph,
    /** How int8 steps requantize: as XNNPACK does (TFLite's and LiteRT.js's default) or as TFLite's reference kernels. */
    readonly arithmetic: "xnnpack" | "reference" = "xnnpack",
  ) {}

  refuse(detail: string): never {
    throw new UnsupportedTfliteOpError(this.sg.index, this.op.index, builtinName(this.op.builtin), detail);
  }

  tensor(i: number): TfliteTensor {
    const t = this.sg.tensors[i];
    if (!t) this.refuse(`tensor ${i} does not exist`);
    return t;
  }

  /** Input k: an activation lowered before (its row value) and its tensor. */
  row(k: number): { v: IrValue; t: TfliteTensor } {
    const i = this.op.inputs[k] ?? -1;
    if (i < 0) this.refuse(`input ${k} is missing`);
    const t = this.tensor(i);
    const v = this.rows.get(i);
    if (!v)
      this.refuse(
        `input ${k} (tensor ${JSON.stringify(t.name)}) is ${t.data ? "a constant" : "not computed before"}: only activations are supported there`,
      );
    return { v, t };
  }

  /** Input k as a constant tensor (undefined when optional and absent, index −1). */
  constant(k: number, optional = false): TfliteTensor | undefined {
    const i = this.op.inputs[k] ?? -1;
    if (i < 0) {
      if (optional) return undefined;
      this.refuse(`input ${k} is missing`);
    }
    const t = this.tensor(i);
    if (!t.data) this.refuse(`input ${k} (tensor ${JSON.stringify(t.name)}) must be a constant`);
    return t;
  }

  /** Output k's tensor. */
  output(k = 0): TfliteTensor {
    return this.tensor(this.op.outputs[k] ?? -1);
  }

  /** The tensor, whose type must be among `allowed`, or a refusal naming it. */
  type(t: TfliteTensor, what: string, ...allowed: number[]): TfliteTensor {
    if (!allowed.includes(t.type))
      this.refuse(
        `${what} (tensor ${JSON.stringify(t.name)}) is ${TENSOR_TYPE_NAMES[t.type] ?? `type ${t.type}`}; supported: ${allowed.map((a) => TENSOR_TYPE_NAMES[a]).join(", ")}`,
      );
    return t;
  }

  /** Per-tensor quantization of an int8 activation: its scale and zero point. */
  quant(t: TfliteTensor, what: string): { scale: number; zeroPoint: number } {
    const q = t.quant;
    if (q?.scale.length !== 1)
      this.refuse(`${what} (tensor ${JSON.stringify(t.name)}) needs one scale (per-tensor quantization)`);
    return { scale: q.scale[0]!, zeroPoint: q.zeroPoint[0] ?? 0 };
  }

  /** The row shape of a tensor: its dims after the batch dimension (which must be 1). */
  rowShape(t: TfliteTensor, what: string): number[] {
    if (t.shape.length === 0 || (t.shape[0] !== 1 && t.shape[0] !== -1))
      this.refuse(`${what} (tensor ${JSON.stringify(t.name)}) has shape [${t.shape}]: dim 0 must be the batch of 1`);
    return t.shape.slice(1);
  }

  /** The fused activation option (byte field `field`) by name. */
  fused(field: number): Fused {
    const code = this.op.options.int8(field);
    const name = FUSED_NAMES[code];
    if (!name || name === "sign_bit") this.refuse(`fused activation ${name ?? code} is not supported`);
    return name;
  }

  /** A fused activation of a float operator as edgeinfer's act byte and bounds. */
  floatAct(f: Fused): { act: Act; alpha: number; beta: number } {
    if (f === "relu") return { act: Act.Relu, alpha: 0, beta: 0 };
    if (f === "relu6") return { act: Act.Clip, alpha: 0, beta: 6 };
    if (f === "relu_n1_to_1") return { act: Act.Clip, alpha: -1, beta: 1 };
    if (f === "tanh") return { act: Act.Tanh, alpha: 0, beta: 0 };
    return { act: Act.None, alpha: 0, beta: 0 };
  }
}

export const isInt8 = (t: TfliteTensor) => t.type === TensorType.INT8;
