/**
 * TRANSPOSE (ABI 4): the row as a tensor of up to four dims with its axes permuted: the
 * NCHW ↔ NHWC edges of a convolutional net (channels-last inside), ONNX Transpose.
 * aux: i32 × 8: the input dims d0..d3 (leading ones padded), then for each output axis the
 * input axis it takes (a permutation of 0..3).
 */
import { Opcode } from "../format/abi.js";
import type { OpSpec } from "./spec.js";

export const TRANSPOSE_AUX_BYTES = 32;

export const transpose: OpSpec = {
  opcode: Opcode.Transpose,
  name: "TRANSPOSE",
  actByte: "none",
  acts: [0],
  flagBits: 0,
  dense: false,
  minAbi: () => 4,
  inPlace: () => false,
  validate(s, v) {
    if (s.act !== 0) v.bad("act", "must be 0 for TRANSPOSE");
    v.sameShape();
    v.param("aux", TRANSPOSE_AUX_BYTES);
    v.unused("w", "b", "scratch");
    const at = (k: number) => v.view.getInt32(s.aux + 4 * k, true);
    const dims = [0, 1, 2, 3].map(at),
      axes = [4, 5, 6, 7].map(at);
    if (dims.some((d) => !(d >= 1)) || dims.reduce((a, b) => a * b, 1) !== s.nIn)
      v.bad("aux", `dims [${dims}] do not hold the row of ${s.nIn}`);
    if ([...axes].sort().join() !== "0,1,2,3") v.bad("aux", `axes [${axes}] are not a permutation of 0..3`);
  },
  describe: () => "",
  parameterCount: () => 0,
};
