/**
 * The one graph between the importers (ONNX, JSON) and the planner: dense, affine, activation,
 * argmax, normalize, concat, int8 dense, quantize and reshape nodes on row values, parameters in
 * float64, and "op" nodes: one step of any opcode, written as the importer gives it (a new
 * opcode needs no node kind of its own; the passes never fold such a node). Each value carries its shape: the feature dims after the batch dimension ([n],
 * [C, H, W], …), so that later operators (convolutions, pooling) can be planned on it; the
 * planner takes flat widths, and src/graph/to-plan.ts flattens. src/graph/passes.ts folds and
 * fuses the nodes before the hand-off.
 */

import { ModelSpecError, SizeLimitError } from "../errors.js";
import {
  Act,
  MAX_ARENA_BYTES,
  MAX_IMAGE_BYTES,
  MAX_ROW_FLOATS,
  type Norm,
  type Opcode,
  QuantMode,
} from "../format/abi.js";

export type Kind =
  | "input"
  | "dense"
  | "affine"
  | "act"
  | "argmax"
  | "normalize"
  | "concat"
  | "dense_q8"
  | "quantize"
  | "reshape"
  | "gather"
  | "op";

export interface IrValue {
  readonly id: number;
  kind: Kind;
  /** Feature dims after the batch dimension. */
  shape: readonly number[];
  /** Elements per row: the product of `shape`. */
  width: number;
  srcs: IrValue[];
  /** dense: W nOut×nIn and b; affine: s and t. */
  w?: Float64Array;
  b?: Float64Array;
  act: Act;
  alpha: number;
  beta: number;
  norm?: Norm;
  /**
   * affine: s and t came from a standard scaler (x − mean) / scale. Folding it into a dense
   * layer divides by `scale` (W / scale, b − (W / scale)·mean) rather than multiplying by s:
   * the JSON importer's arithmetic, kept so its images stay the same to the bit.
   */
  scaler?: { mean: Float64Array; scale: Float64Array };
  /** dense_q8: int8 weights (out × in) and scales from a quantized graph; b is the bias. */
  q8?: { wq: Int8Array; scales: Float32Array; input?: { scale: number; zeroPoint: number } };
  /** quantize: mode, per-element scale (or multiplier) and zero point in w and b, range. */
  quant?: { mode: QuantMode; lo: number; hi: number };
  /** gather: the source element of each output element (GATHER; passes compose and merge them). */
  index?: Int32Array;
  /** op: the step's own fields (w and b above, in float64; act, alpha and beta as for every node). */
  op?: { opcode: Opcode; flags: number; aux?: Uint8Array; scratchBytes: number };
  /** The name errors use for this step ("layers[2]", "scaler"); the planner's default otherwise. */
  where?: string;
  /** Set when a pass replaced this node by another. */
  forward?: IrValue;
}

/** The fields of one generic step (Graph.op). */
export interface OpStep {
  opcode: Opcode;
  /** The act byte: an activation, norm or mode, as the opcode's spec reads it (default 0). */
  act?: number;
  alpha?: number;
  beta?: number;
  w?: Float64Array;
  b?: Float64Array;
  aux?: Uint8Array;
  flags?: number;
  /** Scratch bytes per step (not per row). */
  scratchBytes?: number;
  /** The result's feature dims. */
  shape: readonly number[];
  where?: string;
}

const prod = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/** What pack may build: the format's limits always, and pack's optional budget. */
export interface GraphLimits {
  /** PackOptions.maxBytes: the most bytes the packed image and its arena may take together. */
  maxBytes?: number;
  /** Rows per block (PackOptions.batchRows); the arena holds this many of every row (default: at least 1). */
  batchRows?: number;
  /** Bytes a dense weight will take in the image: 1 when pack quantizes to int8, else 4. */
  denseWeightBytes?: number;
}

/** The choices of pack's options that take one (PackOptions in src/pack.ts). */
const OPTION_CHOICES: Record<string, readonly unknown[]> = {
  quantize: ["none", "int8"],
  int8Layers: ["auto", "all"],
  activations: ["int16", "uint8"],
  stripNames: [true, false],
  batch: [true, false],
};

/**
 * The graph limits of pack's options (which both importers read first): every option of a
 * choice must be one of its values, calibration rows arrays of numbers, and a budget a
 * positive number; else a ModelSpecError naming the option (a typo cannot pass as the default).
 */
export function graphLimits(
  options: { maxBytes?: number; batchRows?: number; quantize?: string; calibration?: unknown } | null,
): GraphLimits {
  options ??= {};
  if (typeof options !== "object") throw new ModelSpecError("options", `expected an object, got ${String(options)}`);
  for (const [name, choices] of Object.entries(OPTION_CHOICES)) {
    const v = (options as Record<string, unknown>)[name];
    if (v !== undefined && !choices.includes(v))
      throw new ModelSpecError(
        name,
        `${JSON.stringify(v)} is not one of ${choices.map((c) => JSON.stringify(c)).join(", ")}`,
      );
  }
  const rows = options.calibration as ArrayLike<unknown> | undefined;
  if (rows !== undefined) {
    if (typeof rows !== "object" || rows === null || typeof rows.length !== "number")
      throw new ModelSpecError("calibration", "expected an array of rows (arrays of numbers)");
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r] as ArrayLike<unknown> | null | undefined;
      if (typeof row !== "object" || row === null || typeof row.length !== "number")
        throw new ModelSpecError(`calibration[${r}]`, "expected an array of numbers");
    }
  }
  const { maxBytes, batchRows } = options;
  if (maxBytes !== undefined && !(typeof maxBytes === "number" && maxBytes >= 1 && !Number.isNaN(maxBytes)))
    throw new ModelSpecError("maxBytes", `${String(maxBytes)} is not a positive number of bytes`);
  return { maxBytes, batchRows, denseWeightBytes: options.quantize === "int8" ? 1 : 4 };
}

/**
 * The graph under construction: nodes in creation order, which is a topological order.
 * Every size is checked against the format's limits and the budget (GraphLimits) as it
 * becomes known: importers call checkWidth and checkParameters before they allocate, and
 * each node is checked again (and its parameters counted) when it is added.
 */
export class Graph {
  readonly input: IrValue;
  readonly nodes: IrValue[] = [];
  /** What size errors name: the importer sets it to the tensor or layer being lowered. */
  label: string;
  /** Bytes of parameters the nodes added so far hold, as the image would store them (folding aside). */
  parameterBytes = 0;
  private nextId = 0;

  constructor(
    inputShape: readonly number[],
    readonly limits: GraphLimits = {},
    inputLabel = "input",
  ) {
    this.label = inputLabel;
    this.input = this.add({ kind: "input", shape: inputShape, srcs: [] });
  }

  /**
   * A row of `width` floats: at most the format's widest row (2^24 floats, a step's nIn or
   * nOut), and its block of rows must fit in the arena's limit and the budget.
   */
  checkWidth(width: number, what = this.label): void {
    if (!(width <= MAX_ROW_FLOATS))
      throw new SizeLimitError(what, width, MAX_ROW_FLOATS, "floats", "the widest row the format holds");
    const rows = this.limits.batchRows ?? 1;
    const rowsBytes = rows * width * 4;
    if (rowsBytes > MAX_ARENA_BYTES)
      throw new SizeLimitError(what, rowsBytes, MAX_ARENA_BYTES, "bytes", `the largest arena (${rows} rows)`);
    const { maxBytes } = this.limits;
    if (maxBytes !== undefined && rowsBytes > maxBytes)
      throw new SizeLimitError(what, rowsBytes, maxBytes, "bytes", `maxBytes (${rows} rows in the arena)`);
  }

  /** `bytes` more parameters: the total must fit in the largest image and the budget. */
  checkParameters(bytes: number, what = this.label): void {
    const total = this.parameterBytes + bytes;
    if (!(total <= MAX_IMAGE_BYTES))
      throw new SizeLimitError(what, total, MAX_IMAGE_BYTES, "bytes", "the largest image (parameters so far)");
    const { maxBytes } = this.limits;
    if (maxBytes !== undefined && total > maxBytes)
      throw new SizeLimitError(what, total, maxBytes, "bytes", "maxBytes (parameters so far)");
  }

  /** Bytes of a dense layer's weights and bias in the image. */
  denseBytes(nIn: number, nOut: number): number {
    return nIn * nOut * (this.limits.denseWeightBytes ?? 4) + nOut * 4;
  }

  private add(n: Omit<IrValue, "id" | "act" | "alpha" | "beta" | "width"> & Partial<IrValue>): IrValue {
    const width = prod(n.shape);
    this.checkWidth(width);
    let bytes: number;
    if (n.kind === "dense") bytes = this.denseBytes(n.srcs[0]!.width, width);
    else if (n.kind === "dense_q8") bytes = n.q8!.wq.length + 4 * (n.q8!.scales.length + (n.b?.length ?? 0));
    else bytes = 4 * ((n.w?.length ?? 0) + (n.b?.length ?? 0)) + (n.op?.aux?.length ?? 0);
    this.checkParameters(bytes);
    this.parameterBytes += bytes;
    const v: IrValue = { act: Act.None, alpha: 0, beta: 0, ...n, width, id: this.nextId++ };
    this.nodes.push(v);
    return v;
  }

  /** y = W x + b on the flat row; `shape` (default [nOut]) is the result's. */
  dense(
    x: IrValue,
    w: Float64Array,
    b: Float64Array,
    nIn: number,
    nOut: number,
    opts: { shape?: readonly number[]; act?: Act; alpha?: number; beta?: number; where?: string } = {},
  ): IrValue {
    const shape = opts.shape ?? [nOut];
    if (nIn !== x.width || w.length !== nIn * nOut || b.length !== nOut || prod(shape) !== nOut)
      throw new Error(`internal: dense ${nOut}×${nIn} on a row of ${x.width}`);
    const { act = Act.None, alpha = 0, beta = 0, where } = opts;
    return this.add({ kind: "dense", shape, srcs: [x], w, b, act, alpha, beta, where });
  }

  /** y = s ⊙ x + t, element-wise. */
  affine(x: IrValue, s: Float64Array, t: Float64Array, opts: { where?: string } = {}): IrValue {
    return this.add({ kind: "affine", shape: x.shape, srcs: [x], w: s, b: t, where: opts.where });
  }

  /** (x − mean) / scale, kept in that form for the fold into a following dense layer. */
  scaler(x: IrValue, mean: Float64Array, scale: Float64Array, where = "scaler"): IrValue {
    const s = scale.map((v) => 1 / v),
      t = mean.map((m, i) => -m / scale[i]!);
    return this.add({ kind: "affine", shape: x.shape, srcs: [x], w: s, b: t, scaler: { mean, scale }, where });
  }

  act(x: IrValue, act: Act, alpha: number, beta: number): IrValue {
    return this.add({ kind: "act", shape: x.shape, srcs: [x], act, alpha, beta });
  }

  /** An int8 dense layer as a quantized graph defines it (kept as is: never folded with neighbours). */
  denseQ8(
    x: IrValue,
    wq: Int8Array,
    scales: Float32Array,
    b: Float64Array,
    input?: { scale: number; zeroPoint: number },
  ): IrValue {
    return this.add({ kind: "dense_q8", shape: [scales.length], srcs: [x], b, q8: { wq, scales, input } });
  }

  quantize(x: IrValue, mode: QuantMode, scale?: Float64Array, zp?: Float64Array, lo = 0, hi = 255): IrValue {
    const perRow = mode === QuantMode.DynamicScale || mode === QuantMode.DynamicZeroPoint; // one value per row
    return this.add({
      kind: "quantize",
      shape: perRow ? [1] : x.shape,
      srcs: [x],
      w: scale,
      b: zp,
      quant: { mode, lo, hi },
    });
  }

  argmax(x: IrValue): IrValue {
    return this.add({ kind: "argmax", shape: [1], srcs: [x] });
  }

  normalize(x: IrValue, norm: Norm): IrValue {
    return this.add({ kind: "normalize", shape: x.shape, srcs: [x], norm });
  }

  /** Rows side by side: [a] ++ [b] → [a + b]. */
  concat(parts: IrValue[]): IrValue {
    return this.add({ kind: "concat", shape: [parts.reduce((w, p) => w + p.width, 0)], srcs: parts });
  }

  /**
   * One step of `opcode`, as is: w and b (float64, rounded to f32 at the hand-off), aux bytes,
   * the act byte, alpha, beta, flags and scratch, giving a value of `shape`. The passes leave it
   * alone (it is live or dead like any node); its spec (src/ops) checks the fields at load.
   */
  op(x: IrValue, step: OpStep): IrValue {
    const { opcode, act = 0, alpha = 0, beta = 0, w, b, aux, flags = 0, scratchBytes = 0, shape, where } = step;
    return this.add({
      kind: "op",
      shape,
      srcs: [x],
      w,
      b,
      act: act as Act,
      alpha,
      beta,
      op: { opcode, flags, aux, scratchBytes },
      where,
    });
  }

  /** y[j] = x[index[j]] on the flat row, a value of `shape` (a GATHER step, unless the passes fold it away). */
  gather(x: IrValue, index: Int32Array, shape: readonly number[]): IrValue {
    if (prod(shape) !== index.length || index.some((i) => !(i >= 0 && i < x.width)))
      throw new Error(`internal: gather of ${index.length} from a row of ${x.width}`);
    return this.add({ kind: "gather", shape, srcs: [x], index });
  }

  /** The same elements under another shape: a view, no step (the passes forward it to its source). */
  reshape(x: IrValue, shape: readonly number[]): IrValue {
    if (prod(shape) !== x.width) throw new Error(`internal: reshape of ${x.width} elements to [${shape}]`);
    if (shape.length === x.shape.length && shape.every((d, k) => d === x.shape[k])) return x;
    return this.add({ kind: "reshape", shape, srcs: [x] });
  }
}

/** The node that stands for `v` once the passes replaced it. */
export function resolve(v: IrValue): IrValue {
  while (v.forward) v = v.forward;
  return v;
}

/** Nodes reachable from `roots`, in creation (topological) order. Iterative: deep graphs do not overflow the stack. */
export function liveNodes(g: Graph, roots: readonly IrValue[]): IrValue[] {
  const live = new Set<number>();
  const stack = roots.map(resolve);
  while (stack.length > 0) {
    const v = resolve(stack.pop()!);
    if (live.has(v.id)) continue;
    live.add(v.id);
    for (const s of v.srcs) stack.push(s);
  }
  return g.nodes.filter((n) => live.has(n.id) && !n.forward);
}
