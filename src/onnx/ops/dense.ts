/** Dense layers: Gemm and MatMul by a constant matrix (an int8 layer when B is dequantized int8 weights). */

import { SizeLimitError } from "../../errors.js";
import type { OnnxContext, Sym } from "../context.js";
import { prod } from "../context.js";
import type { OnnxOpRegistry } from "../registry.js";
import { qdqDense } from "./quant.js";

export function register(reg: OnnxOpRegistry): void {
  const takesQdqRow = (s: Sym, i: number) => s.kind === "dqrow" && i === 0;
  reg.add({ domain: "", opType: "Gemm", sinceOpset: 7, takesQuantized: takesQdqRow, lower: (ctx) => [gemm(ctx)] });
  reg.add({ domain: "", opType: "MatMul", sinceOpset: 1, takesQuantized: takesQdqRow, lower: (ctx) => [matmul(ctx)] });
}

/** Y = alpha·A·B' + beta·C with B' = B or Bᵀ. */
function gemm(ctx: OnnxContext): Sym {
  const a0 = ctx.sym(0)!;
  if (a0.kind === "dqrow") {
    const b = ctx.sym(1)!,
      c = ctx.sym(2, true);
    if (ctx.attr("transA", 0) !== 0) ctx.refuse("transA = 1 is not supported (the row input must not be transposed)");
    if (b.kind === "const" && b.quant && (!c || c.kind === "const")) {
      const transB = ctx.attr("transB", 0) !== 0,
        alpha = ctx.attr("alpha", 1),
        beta = ctx.attr("beta", 1);
      const m = b.t.dims[transB ? 0 : 1]!;
      const bias = c?.kind === "const" ? ctx.broadcastConst(c.t, [m]).map((v) => beta * v) : undefined;
      const r = qdqDense(ctx, a0, b, transB, alpha, bias);
      if (r) return r;
    }
    ctx.syms.set(
      ctx.node.inputs[0]!,
      ctx.materialize(ctx.node.inputs[0]!, a0, "a Gemm whose B is not a dequantized int8 constant"),
    );
  }
  const a = ctx.row(0);
  if (ctx.attr("transA", 0) !== 0) ctx.refuse("transA = 1 is not supported (the row input must not be transposed)");
  if (a.shape.length !== 1) ctx.refuse(`Gemm input must be [N, K], got [N, ${a.shape}]`);
  const b = ctx.constant(1, "B");
  if (b.dims.length !== 2) ctx.refuse(`B must be 2-D, got [${b.dims}]`);
  const transB = ctx.attr("transB", 0) !== 0;
  const [k, m] = transB ? [b.dims[1]!, b.dims[0]!] : [b.dims[0]!, b.dims[1]!];
  if (k !== a.shape[0]) ctx.refuse(`A has ${a.shape[0]} columns but B has ${k} rows`);
  const alpha = ctx.attr("alpha", 1),
    beta = ctx.attr("beta", 1);
  const bd = ctx.numeric(b, "B");
  ctx.graph.checkWidth(m);
  ctx.reserve(ctx.graph.denseBytes(k, m), `a dense of ${m}×${k}`, 1);
  const w = new Float64Array(m * k);
  for (let o = 0; o < m; o++) for (let i = 0; i < k; i++) w[o * k + i] = alpha * bd[transB ? o * k + i : i * m + o]!;
  ctx.finiteWeights(w, k);
  const c = ctx.sym(2, true);
  let bias = new Float64Array(m);
  if (c) {
    if (c.kind !== "const") ctx.refuse("C must be a constant");
    bias = ctx.broadcastConst(c.t, [m]).map((v) => beta * v);
  }
  return { kind: "row", v: ctx.graph.dense(a.v, w, bias, k, m), shape: [m] };
}

/** Weights of all block-diagonal MatMuls of one graph, zeros included: 2^22 (16 MiB as f32). */
export const MAX_EXPANDED_WEIGHTS = 1 << 22;

/** Row × constant matrix: [N, …, R, K] · [K, M]; a leading row shape makes a block-diagonal dense. */
function matmul(ctx: OnnxContext): Sym {
  const a0 = ctx.sym(0)!;
  if (a0.kind === "dqrow") {
    const b = ctx.sym(1)!;
    const r = b.kind === "const" ? qdqDense(ctx, a0, b, false, 1, undefined) : undefined;
    if (r) return r;
    ctx.syms.set(
      ctx.node.inputs[0]!,
      ctx.materialize(ctx.node.inputs[0]!, a0, "a MatMul whose B is not a dequantized int8 constant"),
    );
  }
  const a = ctx.row(0);
  const b = ctx.constant(1, "B");
  // A 1-D B (skl2onnx's single-target LinearRegression on doubles) is a [K, 1] matrix whose
  // column dimension is then dropped, as numpy's matmul does.
  const vector = b.dims.length === 1;
  if (!vector && b.dims.length !== 2) ctx.refuse(`the constant operand must be 1-D or 2-D, got [${b.dims}]`);
  const [k, m] = (vector ? [b.dims[0]!, 1] : b.dims) as [number, number];
  const kIn = a.shape[a.shape.length - 1];
  if (kIn !== k) ctx.refuse(`[N, ${a.shape}] · [${b.dims}]: inner dimensions ${kIn} and ${k} differ`);
  const blocks = prod(a.shape.slice(0, -1));
  const bd = ctx.numeric(b, "B");
  ctx.finiteWeights(bd, m, true);
  const nIn = blocks * k,
    nOut = blocks * m;
  ctx.graph.checkWidth(nOut);
  const what =
    blocks > 1
      ? `a block-diagonal dense of ${nOut}×${nIn} (${blocks} blocks of ${m}×${k})`
      : `a dense of ${nOut}×${nIn}`;
  if (blocks > 1) {
    // The zeros between the blocks are pack's own expansion, not the model's data: bounded
    // over the whole graph, so that a few bytes of ONNX cannot ask for gigabytes.
    const total = ctx.expandedWeights + nIn * nOut;
    if (total > MAX_EXPANDED_WEIGHTS)
      throw new SizeLimitError(
        `${ctx.graph.label}: ${what}`,
        total,
        MAX_EXPANDED_WEIGHTS,
        "weights",
        "the block-diagonal weights pack expands in one graph",
      );
    ctx.expandedWeights = total;
  }
  ctx.reserve(ctx.graph.denseBytes(nIn, nOut), what, 1);
  const w = new Float64Array(nOut * nIn);
  for (let r = 0; r < blocks; r++) {
    for (let o = 0; o < m; o++) for (let i = 0; i < k; i++) w[(r * m + o) * nIn + r * k + i] = bd[i * m + o]!;
  }
  const shape = vector ? a.shape.slice(0, -1) : [...a.shape.slice(0, -1), m];
  return { kind: "row", v: ctx.graph.dense(a.v, w, new Float64Array(nOut), nIn, nOut, { shape }), shape };
}
