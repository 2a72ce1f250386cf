/**
 * GATHER (ABI 4): y[j] = x[aux[j]], one u32 index per output. Columns picked from a row: ONNX
 * Gather and ArrayFeatureExtractor with constant indices, the parts of the one input row that
 * stand for a graph's several inputs, FeatureVectorizer. Not in place (it may reorder).
 */
import { FormatError } from "../errors.js";
import { Opcode } from "../format/abi.js";
import type { OpSpec } from "./spec.js";

export const gather: OpSpec = {
  opcode: Opcode.Gather,
  name: "GATHER",
  actByte: "none",
  acts: [0],
  flagBits: 0,
  dense: false,
  minAbi: () => 4,
  inPlace: () => false,
  validate(s, v) {
    if (s.act !== 0) v.bad("act", "must be 0 for GATHER");
    v.unused("w", "b", "scratch");
    v.param("aux", 4 * s.nOut);
    for (let j = 0; j < s.nOut; j++) {
      const at = s.aux + 4 * j;
      const i = v.view.getUint32(at, true);
      if (i >= s.nIn) throw new FormatError(`steps[${v.k}].aux[${j}]`, at, `index ${i} is not below nIn ${s.nIn}`);
    }
  },
  describe: (s) => `${s.nOut} of ${s.nIn} columns`,
  parameterCount: () => 0,
};
