/**
 * The ONNX operators edgeinfer imports: one entry per (domain, operator), registered by the
 * family files in src/onnx/ops/. The node loop (src/onnx/import.ts), the supported-ops list
 * and `inspect`'s verdicts all read this registry and nothing else.
 */

import type { OnnxContext, Sym } from "./context.js";
import type { OnnxNode } from "./decode.js";

export const ML = "ai.onnx.ml";

export interface OnnxOp {
  /** "" for the default domain (ai.onnx), "ai.onnx.ml", … */
  readonly domain: string;
  readonly opType: string;
  /** The lowest opset whose semantics the lowering implements. */
  readonly sinceOpset: number;
  /** Does not depend on a batch axis: allowed when the whole tensor is one row (`batch: false`). */
  readonly batchFree?: boolean;
  /**
   * Takes a quantized intermediate (a DynamicQuantizeLinear output, a QuantizeLinear row, …) at
   * input `i` as part of its pattern; any other node gets such an input computed first (or
   * refused when the pattern cannot stop there).
   */
  takesQuantized?(s: Sym, i: number): boolean;
  /** The node's outputs, in order (undefined for one it does not produce). Refuses with ctx.refuse. */
  lower(ctx: OnnxContext, node: OnnxNode): Array<Sym | undefined>;
}

/** Highest opset per domain whose operators are known to keep these semantics. */
export const MAX_OPSET: Record<string, number> = { "": 21, [ML]: 5 };

export class OnnxOpRegistry {
  private readonly ops = new Map<string, OnnxOp>();

  add(op: OnnxOp): void {
    const key = `${op.domain}\u0000${op.opType}`;
    if (this.ops.has(key)) throw new Error(`internal: ONNX operator ${op.opType} registered twice`);
    this.ops.set(key, op);
  }

  get(domain: string, opType: string): OnnxOp | undefined {
    return this.ops.get(`${domain}\u0000${opType}`);
  }

  list(): OnnxOp[] {
    return [...this.ops.values()];
  }

  /** Why a node of this operator cannot be lowered at this opset, or undefined when it can be tried. */
  unsupportedReason(opType: string, domain: string, opset: number): string | undefined {
    const op = this.get(domain, opType);
    if (!op) {
      const names = this.list().filter((o) => o.domain === (MAX_OPSET[domain] === undefined ? "" : domain));
      return `operator not supported (supported: ${names.map((o) => o.opType).join(", ")})`;
    }
    if (opset < op.sinceOpset || opset > (MAX_OPSET[domain] ?? 0))
      return `supported from opset ${op.sinceOpset} to ${MAX_OPSET[domain]}`;
    return undefined;
  }
}
