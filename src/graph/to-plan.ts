/**
 * The hand-off from the graph to the planner: runs the passes, then one PlanBuilder step per
 * live node, parameters rounded to f32 here, once. Shapes flatten to widths: the planner
 * works on rows.
 */

import { ModelSpecError, SizeLimitError } from "../errors.js";
import { Header, Opcode } from "../format/abi.js";
import type { Label } from "../format/types.js";
import { type ModelMeta, PlanBuilder, type Value } from "../plan/builder.js";
import { buildQuantized, type QuantizeOptions } from "../plan/int8.js";
import { type Graph, type IrValue, liveNodes, resolve } from "./ir.js";
import { optimize } from "./passes.js";

export interface GraphOutput {
  name: string;
  v: IrValue;
  labels?: Label[];
}

/** Optimizes the graph and writes the image (int8 layers as `options` ask). */
export function graphToImage(g: Graph, meta: ModelMeta, outputs: GraphOutput[], options: QuantizeOptions): Uint8Array {
  const outs = outputs.map((o) => ({ ...o, v: resolve(o.v) }));
  optimize(
    g,
    outs.map((o) => o.v),
    { foldIntoDense: options.quantize !== "int8" },
  );
  const live = liveNodes(
    g,
    outs.map((o) => resolve(o.v)),
  );
  const plan = new PlanBuilder(g.input.width, meta);
  const values = new Map<number, Value>([[g.input.id, plan.input]]);
  // Parameters are computed in f64 (folds of scalers, batch norms, …): one the image's f32
  // cannot hold would become ±Infinity there, a value the model never had.
  const f32 = (a: Float64Array, what: string) => {
    const out = Float32Array.from(a);
    const bad = out.findIndex((v, i) => !Number.isFinite(v) && Number.isFinite(a[i]!));
    if (bad >= 0) throw new ModelSpecError(`${what}[${bad}]`, `${a[bad]} is outside float32's range (±3.4028235e+38)`);
    return out;
  };
  for (const n of live) {
    if (n.kind === "input") continue;
    const srcs = n.srcs.map((s) => values.get(resolve(s).id)!);
    values.set(n.id, step(plan, n, srcs, f32));
  }
  for (const o of outs) {
    const v = values.get(resolve(o.v).id);
    if (!v) throw new ModelSpecError(`outputs.${o.name}`, "internal: output lost in lowering");
    plan.output(o.name, v, o.labels);
  }
  const image = buildQuantized(plan, options);
  const { maxBytes } = g.limits;
  if (maxBytes !== undefined) {
    // The exact sizes, once known: the image and the arena it needs when loaded.
    const header = new DataView(image.buffer, image.byteOffset, image.byteLength);
    const arenaBytes = header.getUint32(Header.arenaBytes, true);
    if (image.length + arenaBytes > maxBytes)
      throw new SizeLimitError(
        "image",
        image.length + arenaBytes,
        maxBytes,
        "bytes",
        `maxBytes (an image of ${image.length} bytes and its arena of ${arenaBytes})`,
      );
  }
  return image;
}

function step(
  plan: PlanBuilder,
  n: IrValue,
  srcs: Value[],
  f32: (a: Float64Array, what: string) => Float32Array,
): Value {
  const x = srcs[0]!,
    o = { alpha: n.alpha, beta: n.beta },
    at = n.where ?? n.kind;
  switch (n.kind) {
    case "dense":
      return plan.dense(x, f32(n.w!, `${at}.weights`), f32(n.b!, `${at}.bias`), n.act, o, n.where);
    case "dense_q8":
      return plan.denseQ8(x, n.q8!.wq, n.q8!.scales, f32(n.b!, `${at}.bias`), n.act, o, "onnx", n.q8!.input, "graph");
    case "quantize":
      return plan.quantize(x, n.quant!.mode, {
        scale: n.w && f32(n.w, `${at}.scale`),
        zeroPoint: n.b && f32(n.b, `${at}.zeroPoint`),
        lo: n.quant!.lo,
        hi: n.quant!.hi,
      });
    case "affine":
      return plan.affine(x, f32(n.w!, `${at}.scale`), f32(n.b!, `${at}.shift`), n.act, o, n.where);
    case "act":
      return plan.act(x, n.act, o);
    case "argmax":
      return plan.argmax(x);
    case "normalize":
      return plan.normalize(x, n.norm!);
    case "concat":
      return plan.concat(srcs);
    case "gather":
      return plan.op(x, {
        opcode: Opcode.Gather,
        aux: new Uint8Array(Uint32Array.from(n.index!).buffer),
        nOut: n.width,
      });
    case "op": {
      const { opcode, flags, aux, scratchBytes } = n.op!;
      const w = n.w && f32(n.w, `${at}.w`),
        b = n.b && f32(n.b, `${at}.b`);
      return plan.op(x, {
        opcode,
        act: n.act,
        alpha: n.alpha,
        beta: n.beta,
        w,
        b,
        aux,
        flags,
        scratchBytes,
        nOut: n.width,
      });
    }
    default:
      throw new Error(`internal: ${n.kind}`);
  }
}
