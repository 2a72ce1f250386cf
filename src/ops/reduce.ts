/** ARGMAX, NORMALIZE and COPY: row-wise steps with no parameters. */
import { NORM_NAMES, Norm, Opcode } from "../format/abi.js";
import { actText, type OpSpec } from "./spec.js";

export const argmax: OpSpec = {
  opcode: Opcode.Argmax,
  name: "ARGMAX",
  actByte: "none",
  acts: [0],
  flagBits: 0,
  dense: false,
  minAbi: () => 1,
  inPlace: () => false,
  validate(s, v) {
    if (s.act !== 0) v.bad("act", "must be 0 for ARGMAX");
    if (s.nOut !== 1) v.bad("nOut", "ARGMAX gives one value");
    v.unused("w", "b", "aux", "scratch");
  },
  describe: () => "",
  parameterCount: () => 0,
};

/** y = x / ‖x‖ (max, l1 or l2 in the act byte), as scikit-learn's Normalizer. */
export const normalize: OpSpec = {
  opcode: Opcode.Normalize,
  name: "NORMALIZE",
  actByte: "norm",
  acts: [Norm.Max, Norm.L1, Norm.L2],
  flagBits: 0,
  dense: false,
  minAbi: () => 1,
  inPlace: () => true,
  validate(s, v) {
    if (!normalize.acts.includes(s.act)) v.bad("act", `unknown norm ${s.act}`);
    v.sameShape();
    v.unused("w", "b", "aux", "scratch");
  },
  describe: (s) => actText(NORM_NAMES, s.act),
  parameterCount: () => 0,
};

export const copy: OpSpec = {
  opcode: Opcode.Copy,
  name: "COPY",
  actByte: "none",
  acts: [0],
  flagBits: 0,
  dense: false,
  minAbi: () => 1,
  inPlace: () => false,
  validate(s, v) {
    if (s.act !== 0) v.bad("act", "must be 0 for COPY");
    v.sameShape();
    v.unused("w", "b", "aux", "scratch");
  },
  describe: () => "",
  parameterCount: () => 0,
};
