/** AFFINE (y = act(w ⊙ x + b)) and ACT (y = act(x)): element-wise, so they may run in place. */
import { Opcode } from "../format/abi.js";
import { ACTIVATIONS, actMinAbi, fusedActText, type OpSpec } from "./spec.js";

export const affine: OpSpec = {
  opcode: Opcode.Affine,
  name: "AFFINE",
  actByte: "activation",
  acts: ACTIVATIONS,
  flagBits: 0,
  dense: false,
  minAbi: (s) => actMinAbi(s.act),
  inPlace: () => true,
  validate(s, v) {
    v.act(ACTIVATIONS);
    v.sameShape();
    v.param("w", s.nIn * 4);
    v.param("b", s.nIn * 4);
    v.unused("aux", "scratch");
  },
  describe: fusedActText,
  parameterCount: (s) => 2 * s.nIn,
};

export const act: OpSpec = {
  opcode: Opcode.Act,
  name: "ACT",
  actByte: "activation",
  acts: ACTIVATIONS,
  flagBits: 0,
  dense: false,
  minAbi: (s) => actMinAbi(s.act),
  inPlace: () => true,
  validate(_, v) {
    v.act(ACTIVATIONS);
    v.sameShape();
    v.unused("w", "b", "aux", "scratch");
  },
  describe: fusedActText,
  parameterCount: () => 0,
};
