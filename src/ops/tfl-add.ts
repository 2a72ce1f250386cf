/**
 * ADD_I8 (ABI 4): TensorFlow Lite's int8 ADD of two activations as XNNPACK computes it; the row
 * is a then b (nIn = 2·nOut). aux: i32 bias, a multiplier, b multiplier, shift, output zero
 * point, clamp low, clamp high, 0 (assembly/kernels/tfl-add.ts).
 */
import { Opcode } from "../format/abi.js";
import type { OpSpec } from "./spec.js";

export const addI8: OpSpec = {
  opcode: Opcode.AddI8,
  name: "ADD_I8",
  actByte: "none",
  acts: [0],
  flagBits: 0,
  dense: false,
  minAbi: () => 4,
  inPlace: () => false,
  validate(s, v) {
    if (s.act !== 0) v.bad("act", "must be 0 for ADD_I8 (the clamp is in aux)");
    if (s.nIn !== 2 * s.nOut) v.bad("nIn", `${s.nIn} must be 2·nOut (${2 * s.nOut}): the two addends side by side`);
    v.unused("w", "b", "scratch");
    v.param("aux", 32);
    const [, ma, mb, shift, zp, lo, hi] = Array.from({ length: 7 }, (_, k) => v.view.getInt32(s.aux + 4 * k, true));
    if (Math.abs(ma!) > 2 ** 21 || Math.abs(mb!) > 2 ** 21 || !(shift! >= 1 && shift! <= 30))
      v.bad("aux", `multipliers ${ma}, ${mb} and shift ${shift}: need |multiplier| ≤ 2^21, a shift in 1..30`);
    if (zp! < -128 || zp! > 127 || lo! < -128 || hi! > 127 || lo! > hi!)
      v.bad("aux", `output zero point ${zp} and clamp [${lo}, ${hi}] must be int8, low ≤ high`);
  },
  describe: () => "int8 (XNNPACK)",
  parameterCount: () => 0,
};
