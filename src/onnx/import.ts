/**
 * ONNX graph → edgeinfer image. The nodes are taken in dependency order; each one is looked up
 * in the operator registry (src/onnx/ops/) and lowered onto the graph IR (src/graph/), whose
 * passes fuse, fold and simplify before the planner writes the image. Each tensor is either a
 * constant (folded at pack time) or a row value (dim 0 is the batch, the rest is the row).
 * Nothing of ONNX survives into the image.
 *
 * Refusals name the node, operator, domain and opset (UnsupportedOpError), or the byte offset
 * (OnnxDecodeError): an unsupported operator, an operand that would need to be dynamic, a
 * shape that cannot be made static, a non-float input.
 */

import { EdgeInferError, ModelSpecError, UnsupportedOpError } from "../errors.js";
import { graphLimits } from "../graph/ir.js";
import { graphToImage } from "../graph/to-plan.js";
import type { OnnxPackOptions } from "../pack.js";
import { OnnxContext } from "./context.js";
import { decodeOnnx, type OnnxModel, type OnnxNode } from "./decode.js";
import { ONNX_OPS } from "./ops/index.js";
import { cycleRefusal, orderNodes } from "./order.js";
import { MAX_OPSET } from "./registry.js";

export type { OnnxPackOptions } from "../pack.js";
export { MAX_OPSET };

/** Operators edgeinfer imports: domain → type → lowest opset whose semantics it implements. */
export const SUPPORTED_OPS: Record<string, Record<string, number>> = {};
for (const op of ONNX_OPS.list()) (SUPPORTED_OPS[op.domain] ??= {})[op.opType] = op.sinceOpset;

/** Packs an ONNX model's bytes into an edgeinfer image. */
export function packOnnx(bytes: Uint8Array, options: OnnxPackOptions = {}): Uint8Array {
  options ??= {};
  const model = decodeOnnx(bytes, { ...graphLimits(options), externalData: options.externalData });
  const { order, cyclic } = orderNodes(model);
  if (cyclic.length > 0) throw cycleRefusal(model, cyclic[0]!);
  const ctx = new OnnxContext(model, options);
  for (const n of order) lowerNode(ctx, n);
  return writeImage(ctx);
}

const domainOf = (n: OnnxNode) => (n.domain === "ai.onnx" ? "" : n.domain);

/** Lowers one node: its outputs join the context's tensors. */
function lowerNode(ctx: OnnxContext, n: OnnxNode): void {
  ctx.node = n;
  const domain = domainOf(n);
  ctx.opset = ctx.model.opsets.get(domain) ?? 0;
  const reason = ONNX_OPS.unsupportedReason(n.opType, domain, ctx.opset);
  if (reason) ctx.refuse(reason);
  const op = ONNX_OPS.get(domain, n.opType)!;
  if (!ctx.batched && !op.batchFree)
    ctx.refuse(
      "without a batch dimension (the whole tensor as one row) only element-wise and quantization operators are supported",
    );
  // Size errors from the graph name the node's (first) output and the node.
  ctx.graph.label = `tensor ${JSON.stringify(n.outputs[0] ?? "")} (node ${JSON.stringify(n.name)}, ${n.opType})`;
  ctx.prepareInputs(n, op);
  const outs = op.lower(ctx, n);
  outs.forEach((s, i) => {
    if (s && n.outputs[i]) ctx.syms.set(n.outputs[i]!, s);
  });
}

function writeImage(ctx: OnnxContext): Uint8Array {
  const outputs = ctx.model.outputs.map((o) => {
    let s = ctx.syms.get(o.name);
    if (!s) throw new ModelSpecError(`outputs.${o.name}`, "no node produces this output");
    if (s.kind === "const")
      throw new ModelSpecError(`outputs.${o.name}`, "a constant output (it does not depend on the input)");
    if (s.kind !== "row") s = ctx.materialize(o.name, s, `graph output ${JSON.stringify(o.name)}`);
    return { name: o.name, v: s.v, labels: s.labels };
  });
  return graphToImage(
    ctx.graph,
    {
      producer: ctx.model.producer || "onnx",
      kind: "onnx",
      inputName: ctx.inputName,
      ...(ctx.featureNames && !ctx.options.stripNames ? { featureNames: ctx.featureNames } : {}),
    },
    outputs,
    ctx.options,
  );
}

export interface NodeSupport {
  node: string;
  opType: string;
  domain: string;
  opset: number;
  supported: boolean;
  reason?: string;
}

/**
 * Every node of a model, in dependency order, and whether pack() lowers it: each node is
 * lowered as pack() lowers it, and a refusal is recorded (its detail) rather than thrown. A
 * node fed by a refused node is refused as such. `error` is a refusal that belongs to no one
 * node (the graph's inputs or outputs, planning); with no refused node and no `error`, pack()
 * with the same options accepts the model.
 */
export function listOnnxNodes(
  bytes: Uint8Array,
  options: OnnxPackOptions = {},
): { model: OnnxModel; nodes: NodeSupport[]; error?: string } {
  options ??= {};
  const model = decodeOnnx(bytes, { ...graphLimits(options), externalData: options.externalData });
  const { order, cyclic } = orderNodes(model);
  const verdict = (n: OnnxNode, reason?: string): NodeSupport => ({
    node: n.name,
    opType: n.opType,
    domain: n.domain || "ai.onnx",
    opset: model.opsets.get(domainOf(n)) ?? 0,
    supported: reason === undefined,
    ...(reason === undefined ? {} : { reason }),
  });
  let ctx: OnnxContext | undefined;
  let error: string | undefined;
  try {
    ctx = new OnnxContext(model, options);
  } catch (e) {
    if (!(e instanceof EdgeInferError)) throw e;
    error = e.message;
  }
  const refused = new Map<string, string>(); // tensor → the refused node it comes from
  const nodes: NodeSupport[] = [];
  for (const n of order) {
    const from = n.inputs.find((name) => name && refused.has(name));
    let reason: string | undefined =
      from === undefined
        ? undefined
        : `input ${JSON.stringify(from)} comes from refused node ${JSON.stringify(refused.get(from))}`;
    if (reason === undefined) {
      const domain = domainOf(n);
      reason = ctx
        ? lowerOrReason(ctx, n)
        : ONNX_OPS.unsupportedReason(n.opType, domain, model.opsets.get(domain) ?? 0);
    }
    if (reason !== undefined) for (const out of n.outputs) if (out) refused.set(out, refused.get(from ?? "") ?? n.name);
    nodes.push(verdict(n, reason));
  }
  for (const n of cyclic) nodes.push(verdict(n, cycleRefusal(model, n).detail));
  if (ctx && error === undefined && nodes.every((n) => n.supported)) {
    try {
      writeImage(ctx);
    } catch (e) {
      if (!(e instanceof EdgeInferError)) throw e;
      error = e.message;
    }
  }
  return { model, nodes, ...(error === undefined ? {} : { error }) };
}

/** Lowers the node; its refusal's detail when it is refused. */
function lowerOrReason(ctx: OnnxContext, n: OnnxNode): string | undefined {
  try {
    lowerNode(ctx, n);
    return undefined;
  } catch (e) {
    if (e instanceof UnsupportedOpError) return e.detail;
    if (e instanceof EdgeInferError) return e.message;
    throw e;
  }
}
