/**
 * BINARY (ABI 4): y = act(a + c) or act(a · c) (flags BINARY_MUL) of two rows of the same
 * width: a residual Add, a gating Mul. a is src; c is the row at arena offset aux, nIn floats
 * apart, never in the input rows (runBatch reads those where they lie). In place on a.
 */
import { BINARY_MUL, Opcode } from "../format/abi.js";
import { ELEMENTWISE_ACTS } from "./conv.js";
import { actMinAbi, fusedActText, type OpSpec } from "./spec.js";

export const binary: OpSpec = {
  opcode: Opcode.Binary,
  name: "BINARY",
  actByte: "activation",
  acts: ELEMENTWISE_ACTS,
  flagBits: BINARY_MUL,
  dense: false,
  minAbi: (s) => Math.max(4, actMinAbi(s.act)),
  inPlace: () => true,
  validate(s, v) {
    v.act(ELEMENTWISE_ACTS);
    v.sameShape();
    v.unused("w", "b", "scratch");
    const { arenaBytes, batchRows = 1, inputOffset = 0, inputEnd = 0 } = v.bounds;
    const end = s.aux + batchRows * s.nIn * 4;
    if (s.aux % 4 !== 0 || end > arenaBytes)
      v.bad("aux", `second rows [${s.aux}, ${end}) are not 4-aligned inside the ${arenaBytes}-byte arena`);
    if (s.aux < inputEnd && inputOffset < end) v.bad("aux", `second rows [${s.aux}, ${end}) reach into the input rows`);
  },
  describe: (s) => [s.flags & BINARY_MUL ? "mul" : "add", fusedActText(s)].filter(Boolean).join(" "),
  parameterCount: () => 0,
};
