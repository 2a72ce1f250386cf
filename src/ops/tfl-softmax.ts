/**
 * SOFTMAX_I8 (ABI 4): TensorFlow Lite's int8 SOFTMAX over the row, with the exp table TFLite's
 * optimized kernel builds (computed at pack time). aux: f32 table[256], f32 output scale, i32
 * output zero point.
 */
import { Opcode } from "../format/abi.js";
import type { OpSpec } from "./spec.js";

export const SOFTMAX_I8_AUX_BYTES = 1032;

export const softmaxI8: OpSpec = {
  opcode: Opcode.SoftmaxI8,
  name: "SOFTMAX_I8",
  actByte: "none",
  acts: [0],
  flagBits: 0,
  dense: false,
  minAbi: () => 4,
  inPlace: () => true,
  validate(s, v) {
    if (s.act !== 0) v.bad("act", "must be 0 for SOFTMAX_I8");
    v.sameShape();
    v.unused("w", "b", "scratch");
    v.param("aux", SOFTMAX_I8_AUX_BYTES);
    const scale = v.view.getFloat32(s.aux + 1024, true),
      zp = v.view.getInt32(s.aux + 1028, true);
    if (!(scale > 0 && Number.isFinite(scale)) || zp < -128 || zp > 127)
      v.bad("aux", `output scale ${scale} and zero point ${zp}: need a finite scale > 0, an int8 zero point`);
  },
  describe: () => "int8",
  parameterCount: () => 0,
};
