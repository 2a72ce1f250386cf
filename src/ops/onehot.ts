/**
 * ONE_HOT (ABI 4): y[i·K + k] = x[i] == w[k] ? 1 : 0 for the K = nOut / nIn categories in w:
 * ONNX-ML OneHotEncoder. flags bit 0 (ONNX zeros = 0): an element equal to no category gives K
 * NaNs, where onnxruntime and scikit-learn would raise. Not in place (it widens).
 */
import { Opcode, STEP_FLAG_ONEHOT_NAN_UNKNOWN } from "../format/abi.js";
import type { OpSpec } from "./spec.js";

export const oneHot: OpSpec = {
  opcode: Opcode.OneHot,
  name: "ONE_HOT",
  actByte: "none",
  acts: [0],
  flagBits: STEP_FLAG_ONEHOT_NAN_UNKNOWN,
  dense: false,
  minAbi: () => 4,
  inPlace: () => false,
  validate(s, v) {
    if (s.act !== 0) v.bad("act", "must be 0 for ONE_HOT");
    if ((s.flags & ~STEP_FLAG_ONEHOT_NAN_UNKNOWN) !== 0) v.bad("flags", `unknown flag bits ${s.flags}`);
    if (s.nOut % s.nIn !== 0) v.bad("nOut", `${s.nOut} is not a whole number of categories for ${s.nIn} inputs`);
    v.param("w", 4 * (s.nOut / s.nIn));
    v.unused("b", "aux", "scratch");
  },
  describe: (s) => `${s.nOut / s.nIn} categories${s.flags & STEP_FLAG_ONEHOT_NAN_UNKNOWN ? ", unknown gives NaN" : ""}`,
  parameterCount: (s) => s.nOut / s.nIn,
  nanSafe: (s) => (s.flags & STEP_FLAG_ONEHOT_NAN_UNKNOWN) === 0, // NaN equals no category: zeros
};
