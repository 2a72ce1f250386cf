// Compile-time switches: which opcodes and activations this module contains. The release and
// testing builds contain everything; `edgeinfer build` (src/build/standalone.ts) compiles one
// model's own module with this file replaced by the set that model uses, and the optimizer
// drops every kernel behind a false switch. Each test is constant-folded: no cost at run time.

/** Bit k set: opcode k is compiled in. */
export const OPCODES: u32 = 0xffffffff;
/** Bit k set: activation (or normalize mode) k is compiled in. */
export const ACTIVATIONS: u32 = 0xffffffff;

/** op == k, for an opcode compiled in; constant false otherwise. */
// @ts-ignore: decorator
@inline export function isOp(op: u32, k: u32): bool { return (OPCODES & (<u32>1 << k)) != 0 && op == k; }

/** act == k, for an activation compiled in; constant false otherwise. */
// @ts-ignore: decorator
@inline export function isAct(act: u32, k: u32): bool { return (ACTIVATIONS & (<u32>1 << k)) != 0 && act == k; }
