/** DENSE and DENSE_NARROW: y = act(W·x + b), f32 weights. */
import { Opcode } from "../format/abi.js";
import { ACTIVATIONS, actMinAbi, fusedActText, type OpSpec } from "./spec.js";

/** The outputs one DENSE_NARROW row computes at once (one SIMD vector). */
export const NARROW_LANES = 4;

export const dense: OpSpec = {
  opcode: Opcode.Dense,
  name: "DENSE",
  actByte: "activation",
  acts: ACTIVATIONS,
  flagBits: 0,
  dense: true,
  minAbi: (s) => actMinAbi(s.act),
  inPlace: () => false,
  validate(s, v) {
    v.act(ACTIVATIONS);
    v.param("w", s.nIn * s.nOut * 4);
    v.param("b", s.nOut * 4);
    v.finite("w", s.nIn * s.nOut);
    v.unused("aux", "scratch");
  },
  describe: fusedActText,
  parameterCount: (s) => s.nIn * s.nOut + s.nOut,
};

/** nOut ≤ 4: weights transposed to [nIn][4], the bias padded to 4. */
export const denseNarrow: OpSpec = {
  ...dense,
  opcode: Opcode.DenseNarrow,
  name: "DENSE_NARROW",
  validate(s, v) {
    v.act(ACTIVATIONS);
    if (s.nOut > NARROW_LANES) v.bad("nOut", `${s.nOut} is more than the ${NARROW_LANES} lanes of DENSE_NARROW`);
    v.param("w", s.nIn * NARROW_LANES * 4);
    v.param("b", NARROW_LANES * 4);
    v.finite("w", s.nIn * NARROW_LANES);
    v.unused("aux", "scratch");
  },
};
