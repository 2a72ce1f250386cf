/** DEQUANT_I8 (ABI 4): TFLite's DEQUANTIZE of int8 values, y = (x − alpha) · beta, alpha the zero point, beta the scale. In place. */
import { Opcode } from "../format/abi.js";
import type { OpSpec } from "./spec.js";

export const dequantI8: OpSpec = {
  opcode: Opcode.DequantI8,
  name: "DEQUANT_I8",
  actByte: "none",
  acts: [0],
  flagBits: 0,
  dense: false,
  minAbi: () => 4,
  inPlace: () => true,
  validate(s, v) {
    if (s.act !== 0) v.bad("act", "must be 0 for DEQUANT_I8");
    v.sameShape();
    v.unused("w", "b", "aux", "scratch");
    if (!Number.isInteger(s.alpha) || s.alpha < -128 || s.alpha > 127)
      v.bad("alpha", `zero point ${s.alpha} is not an int8`);
    if (!(s.beta > 0 && Number.isFinite(s.beta))) v.bad("beta", `scale ${s.beta}: need a finite scale > 0`);
  },
  describe: (s) => `zero point ${s.alpha}, scale ${s.beta}`,
  parameterCount: () => 0,
};
