/**
 * PAD (ABI 4): the row as a tensor of up to four dims, padded with the constant alpha (ONNX
 * Pad, mode constant; convolution nets pad before a window). aux: i32 × 12: the input dims
 * d0..d3 (leading ones padded), the pads before each dim, the output dims.
 */
import { Opcode } from "../format/abi.js";
import type { OpSpec } from "./spec.js";

export const PAD_AUX_BYTES = 48;

export const pad: OpSpec = {
  opcode: Opcode.Pad,
  name: "PAD",
  actByte: "none",
  acts: [0],
  flagBits: 0,
  dense: false,
  minAbi: () => 4,
  inPlace: () => false,
  validate(s, v) {
    if (s.act !== 0) v.bad("act", "must be 0 for PAD");
    v.param("aux", PAD_AUX_BYTES);
    v.unused("w", "b", "scratch");
    const at = (k: number) => v.view.getInt32(s.aux + 4 * k, true);
    const d = [0, 1, 2, 3].map(at),
      p = [4, 5, 6, 7].map(at),
      o = [8, 9, 10, 11].map(at);
    if (d.some((x) => !(x >= 1)) || d.reduce((a, b) => a * b, 1) !== s.nIn)
      v.bad("aux", `dims [${d}] do not hold the row of ${s.nIn}`);
    if (p.some((x, k) => !(x >= 0 && x + d[k]! <= o[k]!)) || o.reduce((a, b) => a * b, 1) !== s.nOut)
      v.bad("aux", `pads [${p}] of [${d}] do not fit the output [${o}] of ${s.nOut}`);
  },
  describe: (s) => (s.alpha === 0 ? "" : `value ${s.alpha}`),
  parameterCount: () => 0,
};
