/**
 * The lowered graph between ONNX and the planner: dense, affine, activation, argmax, normalize
 * and concat nodes on row values, with parameters in float64. Passes then
 *   - fold an affine (Scaler, BatchNormalization, Add/Mul by constants) into the dense layer next
 *     to it, before or after, when nothing else reads the intermediate;
 *   - compose consecutive affines; drop identity affines and no-op activations;
 *   - fuse an activation into the dense or affine step that feeds it;
 * and build() hands the result to the PlanBuilder, rounding parameters to f32 once, at the end.
 */

import { ModelSpecError } from "../errors.js";
import { Act, Norm, QuantMode } from "../format/abi.js";
import type { Label } from "../format/types.js";
import type { PackOptions } from "../json/import.js";
import { PlanBuilder, type Value } from "../plan/builder.js";
import { buildQuantized } from "../plan/int8.js";

type Kind = "input" | "dense" | "affine" | "act" | "argmax" | "normalize" | "concat" | "dense_q8" | "quantize";

export interface IrValue {
  readonly id: number;
  kind: Kind;
  width: number;
  srcs: IrValue[];
  /** dense: W nOut×nIn and b; affine: s and t. */
  w?: Float64Array;
  b?: Float64Array;
  act: Act;
  alpha: number;
  beta: number;
  norm?: Norm;
  /** dense_q8: int8 weights (out × in) and scales from a quantized graph; b is the bias. */
  q8?: { wq: Int8Array; scales: Float32Array; input?: { scale: number; zeroPoint: number } };
  /** quantize: mode, per-element scale (or multiplier) and zero point in w and b, range. */
  quant?: { mode: QuantMode; lo: number; hi: number };
  /** Set when a pass replaced this node by another. */
  forward?: IrValue;
}

export class Lowering {
  readonly input: IrValue;
  private readonly nodes: IrValue[] = [];
  private nextId = 0;

  constructor(inputWidth: number) {
    this.input = this.add({ kind: "input", width: inputWidth, srcs: [] });
  }

  private add(n: Omit<IrValue, "id" | "act" | "alpha" | "beta"> & Partial<IrValue>): IrValue {
    const v: IrValue = { act: Act.None, alpha: 0, beta: 0, ...n, id: this.nextId++ };
    this.nodes.push(v);
    return v;
  }

  dense(x: IrValue, w: Float64Array, b: Float64Array, nIn: number, nOut: number): IrValue {
    if (nIn !== x.width || w.length !== nIn * nOut || b.length !== nOut)
      throw new Error(`internal: dense ${nOut}×${nIn} on a row of ${x.width}`);
    return this.add({ kind: "dense", width: nOut, srcs: [x], w, b });
  }

  affine(x: IrValue, s: Float64Array, t: Float64Array): IrValue {
    return this.add({ kind: "affine", width: x.width, srcs: [x], w: s, b: t });
  }

  act(x: IrValue, act: Act, alpha: number, beta: number): IrValue {
    return this.add({ kind: "act", width: x.width, srcs: [x], act, alpha, beta });
  }

  /** An int8 dense layer as a quantized graph defines it (kept as is: never folded with neighbours). */
  denseQ8(
    x: IrValue,
    wq: Int8Array,
    scales: Float32Array,
    b: Float64Array,
    input?: { scale: number; zeroPoint: number },
  ): IrValue {
    return this.add({ kind: "dense_q8", width: scales.length, srcs: [x], b, q8: { wq, scales, input } });
  }

  quantize(x: IrValue, mode: QuantMode, scale?: Float64Array, zp?: Float64Array, lo = 0, hi = 255): IrValue {
    const width = mode === QuantMode.DynamicScale || mode === QuantMode.DynamicZeroPoint ? 1 : x.width;
    return this.add({ kind: "quantize", width, srcs: [x], w: scale, b: zp, quant: { mode, lo, hi } });
  }

  argmax(x: IrValue): IrValue {
    return this.add({ kind: "argmax", width: 1, srcs: [x] });
  }

  normalize(x: IrValue, norm: Norm): IrValue {
    return this.add({ kind: "normalize", width: x.width, srcs: [x], norm });
  }

  concat(parts: IrValue[]): IrValue {
    return this.add({ kind: "concat", width: parts.reduce((w, p) => w + p.width, 0), srcs: parts });
  }

  /** Runs the passes and writes the image. */
  build(
    meta: { producer: string; kind: string; inputName: string },
    outputs: Array<{ name: string; v: IrValue; labels?: Label[] }>,
    options: PackOptions,
  ): Uint8Array {
    const outs = outputs.map((o) => ({ ...o, v: resolve(o.v) }));
    // Quantizing: a scaler or batch norm in front of a dense layer stays a separate f32 step, so
    // the int8 layer sees standardized inputs (folded in, features of very different scales
    // would share one row scale and the small ones would round to nothing).
    this.optimize(outs, options.quantize !== "int8");
    const live = this.liveNodes(outs.map((o) => resolve(o.v)));
    const g = new PlanBuilder(this.input.width, {
      producer: meta.producer,
      kind: meta.kind,
      inputName: meta.inputName,
    });
    const values = new Map<number, Value>([[this.input.id, g.input]]);
    const f32 = (a: Float64Array) => Float32Array.from(a);
    for (const n of live) {
      if (n.kind === "input") continue;
      const srcs = n.srcs.map((s) => values.get(resolve(s).id)!);
      const x = srcs[0]!,
        o = { alpha: n.alpha, beta: n.beta };
      let v: Value;
      switch (n.kind) {
        case "dense":
          v = g.dense(x, f32(n.w!), f32(n.b!), n.act, o);
          break;
        case "dense_q8":
          v = g.denseQ8(x, n.q8!.wq, n.q8!.scales, f32(n.b!), n.act, o, "onnx", n.q8!.input, "graph");
          break;
        case "quantize":
          v = g.quantize(x, n.quant!.mode, {
            scale: n.w && f32(n.w),
            zeroPoint: n.b && f32(n.b),
            lo: n.quant!.lo,
            hi: n.quant!.hi,
          });
          break;
        case "affine":
          v = g.affine(x, f32(n.w!), f32(n.b!), n.act, o);
          break;
        case "act":
          v = g.act(x, n.act, o);
          break;
        case "argmax":
          v = g.argmax(x);
          break;
        case "normalize":
          v = g.normalize(x, n.norm!);
          break;
        case "concat":
          v = g.concat(srcs);
          break;
        default:
          throw new Error(`internal: ${n.kind}`);
      }
      values.set(n.id, v);
    }
    for (const o of outs) {
      const v = values.get(resolve(o.v).id);
      if (!v) throw new ModelSpecError(`outputs.${o.name}`, "internal: output lost in lowering");
      g.output(o.name, v, o.labels);
    }
    return buildQuantized(g, options);
  }

  /** Nodes reachable from the outputs, in creation (topological) order. */
  private liveNodes(roots: IrValue[]): IrValue[] {
    const live = new Set<number>();
    const visit = (v: IrValue) => {
      v = resolve(v);
      if (live.has(v.id)) return;
      live.add(v.id);
      v.srcs.forEach(visit);
    };
    roots.forEach(visit);
    return this.nodes.filter((n) => live.has(n.id) && !n.forward);
  }

  private optimize(outputs: Array<{ v: IrValue }>, foldIntoDense = true): void {
    for (let changed = true; changed; ) {
      changed = false;
      const live = this.liveNodes(outputs.map((o) => o.v));
      const uses = new Map<number, number>();
      for (const n of live) for (const s of n.srcs) uses.set(resolve(s).id, (uses.get(resolve(s).id) ?? 0) + 1);
      for (const o of outputs) uses.set(resolve(o.v).id, (uses.get(resolve(o.v).id) ?? 0) + 1);
      const only = (v: IrValue) => (uses.get(v.id) ?? 0) === 1; // one consumer, not an output
      for (const n of live) {
        if (n.forward) continue;
        n.srcs = n.srcs.map(resolve);
        const src = n.srcs[0];
        // No-ops.
        if ((n.kind === "act" && n.act === Act.None) || (n.kind === "affine" && n.act === Act.None && isIdentity(n))) {
          n.forward = src!;
          changed = true;
          continue;
        }
        if (n.kind === "normalize" && n.norm === Norm.L1 && src && isBinarySigmoidPair(src)) {
          // skl2onnx's binary LinearClassifier: [σ(−s), σ(s)] from mirrored rows, then an L1
          // Normalizer. That is [1 − σ(s), σ(s)], scikit-learn's predict_proba: one logistic
          // pair (one exp, not two, and no normalize step). Other readers of the scores (the
          // label's argmax) see the same values to an ulp, in the same order.
          src.act = Act.LogisticPair;
          n.forward = src;
          changed = true;
          continue;
        }
        if (!src || src.kind === "input" || !only(src) || src.act !== Act.None) continue;
        if (
          n.kind === "affine" &&
          src.kind === "dense_q8" &&
          src.b!.every((v) => v === 0) &&
          n.w!.every((v) => v === 1)
        ) {
          // Add of the bias after the int8 product: y = acc·scale + b is what the kernel computes.
          src.b = n.b;
          n.forward = src;
          changed = true;
        } else if (n.kind === "act" && (src.kind === "dense" || src.kind === "affine" || src.kind === "dense_q8")) {
          src.act = n.act;
          src.alpha = n.alpha;
          src.beta = n.beta;
          n.forward = src;
          changed = true;
        } else if (n.kind === "dense" && src.kind === "affine" && foldIntoDense) {
          foldAffineIntoDense(n, src);
          n.srcs = [src.srcs[0]!];
          changed = true;
        } else if (n.kind === "affine" && src.kind === "dense") {
          foldDenseIntoAffine(n, src);
          changed = true;
        } else if (n.kind === "affine" && src.kind === "affine") {
          for (let i = 0; i < n.width; i++) {
            n.b![i] = n.w![i]! * src.b![i]! + n.b![i]!;
            n.w![i] = n.w![i]! * src.w![i]!;
          }
          n.srcs = [src.srcs[0]!];
          changed = true;
        }
      }
    }
  }
}

function resolve(v: IrValue): IrValue {
  while (v.forward) v = v.forward;
  return v;
}

/** A dense node of two sigmoid outputs whose rows and biases mirror each other: [σ(−s), σ(s)]. */
function isBinarySigmoidPair(d: IrValue): boolean {
  if (d.kind !== "dense" || d.width !== 2 || d.act !== Act.Sigmoid) return false;
  const nIn = d.w!.length / 2;
  for (let i = 0; i < nIn; i++) if (d.w![i] !== -d.w![nIn + i]!) return false;
  return d.b![0] === -d.b![1]!;
}

function isIdentity(n: IrValue): boolean {
  return n.w!.every((v) => v === 1) && n.b!.every((v) => v === 0);
}

/** dense(affine(x)) = W(s⊙x + t) + b = (W·diag s) x + (W t + b). */
function foldAffineIntoDense(d: IrValue, a: IrValue): void {
  const nIn = a.width,
    nOut = d.width,
    w = d.w!,
    b = d.b!;
  for (let o = 0; o < nOut; o++) {
    let shift = 0;
    for (let i = 0; i < nIn; i++) {
      shift += w[o * nIn + i]! * a.b![i]!;
      w[o * nIn + i] = w[o * nIn + i]! * a.w![i]!;
    }
    b[o] = b[o]! + shift;
  }
}

/** affine(dense(x)) = s⊙(W x + b) + t: the affine node becomes the dense layer. */
function foldDenseIntoAffine(a: IrValue, d: IrValue): void {
  const nIn = d.srcs[0]!.width,
    nOut = d.width;
  const w = new Float64Array(nOut * nIn),
    b = new Float64Array(nOut);
  for (let o = 0; o < nOut; o++) {
    for (let i = 0; i < nIn; i++) w[o * nIn + i] = a.w![o]! * d.w![o * nIn + i]!;
    b[o] = a.w![o]! * d.b![o]! + a.b![o]!;
  }
  a.kind = "dense";
  a.w = w;
  a.b = b;
  a.srcs = [d.srcs[0]!];
}
