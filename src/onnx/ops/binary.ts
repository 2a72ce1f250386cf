/**
 * Add, Sub and Mul of two rows that both depend on the input (a residual block's Add, a
 * gating Mul): one BINARY step, in the layout the operands have (channels-last when either
 * is). Sub is an Add of the negated second operand. Broadcasting between two rows is refused.
 */
import { BINARY_MUL, Opcode } from "../../format/abi.js";
import type { OnnxContext, RowSym, Sym } from "../context.js";

/** The step for two row operands, or undefined when one operand is a constant. */
export function binaryRows(ctx: OnnxContext): Sym | undefined {
  const op = ctx.node.opType;
  const s0 = ctx.sym(0)!,
    s1 = ctx.sym(1)!;
  if (s0.kind !== "row" || s1.kind !== "row") return undefined;
  if (op === "Div") ctx.refuse("dividing one row by another is not supported");
  let a = ctx.rowAny(0),
    c = ctx.rowAny(1);
  if (a.shape.join() !== c.shape.join())
    ctx.refuse(`operands [N, ${a.shape}] and [N, ${c.shape}] differ: broadcasting between two rows is not supported`);
  if (a.hwc !== c.hwc) [a, c] = [ctx.channelsLast(a), ctx.channelsLast(c)];
  let cv = c.v;
  if (op === "Sub") cv = ctx.graph.affine(cv, new Float64Array(cv.width).fill(-1), new Float64Array(cv.width));
  const v = ctx.graph.op(a.v, {
    opcode: Opcode.Binary,
    flags: op === "Mul" ? BINARY_MUL : 0,
    src2: cv,
    fuseAct: true,
    shape: a.v.shape,
  });
  const out: RowSym = { kind: "row", v, shape: a.shape, ...(a.hwc ? { hwc: true } : {}) };
  return out;
}
