/**
 * IMPUTE (ABI 4): y[i] = w[i] where x[i] is the replaced value alpha, else x[i]; a NaN alpha
 * replaces the NaNs. ONNX-ML Imputer, scikit-learn's SimpleImputer. Element-wise: in place too.
 */
import { Opcode } from "../format/abi.js";
import type { OpSpec } from "./spec.js";

export const impute: OpSpec = {
  opcode: Opcode.Impute,
  name: "IMPUTE",
  actByte: "none",
  acts: [0],
  flagBits: 0,
  dense: false,
  minAbi: () => 4,
  inPlace: () => true,
  validate(s, v) {
    if (s.act !== 0) v.bad("act", "must be 0 for IMPUTE");
    v.sameShape();
    v.param("w", s.nIn * 4); // the imputed values; alpha, the replaced value, may be NaN
    v.unused("b", "aux", "scratch");
  },
  describe: (s) => `replaces ${Number.isNaN(s.alpha) ? "NaN" : s.alpha}`,
  parameterCount: (s) => s.nIn,
  nanSafe: (s) => Number.isNaN(s.alpha), // replaces the NaNs; a sentinel imputer leaves them
};
