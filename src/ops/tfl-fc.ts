/**
 * FC_I8 (ABI 4): TensorFlow Lite's int8 FULLY_CONNECTED with TFLite's arithmetic (i32 sums, then
 * per output channel XNNPACK's f32 scale, or with STEP_FLAG_TFL_FIXED_POINT the reference
 * kernels' Q31 multiplier and shift), so the outputs are TFLite's to the bit. Rows hold the int8
 * values as f32. Everything is in aux: i32 output zero point, clamp low, clamp high, 0; then per
 * output the folded i32 bias, the scale (or multiplier), the shift (0 for a scale); then the int8
 * weights [nOut][nIn]. Scratch: the row as i16.
 */
import { Opcode, STEP_FLAG_TFL_FIXED_POINT } from "../format/abi.js";
import type { OpSpec, StepValidator } from "./spec.js";

/** Bytes of FC_I8's aux: the 16-byte head, 12 per output, the weights, padded to 4. */
export const fcI8AuxBytes = (nIn: number, nOut: number) => 16 + 12 * nOut + Math.ceil((nIn * nOut) / 4) * 4;
/** Scratch: the row as i16, nIn rounded up to 8. */
export const fcI8ScratchBytes = (nIn: number) => 2 * Math.ceil(nIn / 8) * 8;

/**
 * The requantization block the TFLite int8 steps share, at byte `at` of the image: i32 output
 * zero point, clamp low, clamp high, 0, then 4·nOut bytes of biases, the scales (or Q31
 * multipliers) and the shifts.
 */
export function checkRequantization(v: StepValidator, at: number, nOut: number, flags: number): void {
  const zp = v.view.getInt32(at, true),
    lo = v.view.getInt32(at + 4, true),
    hi = v.view.getInt32(at + 8, true);
  if (zp < -128 || zp > 127 || lo < -128 || hi > 127 || lo > hi)
    v.bad("aux", `output zero point ${zp} and clamp [${lo}, ${hi}] must be int8, low ≤ high`);
  const fixed = (flags & STEP_FLAG_TFL_FIXED_POINT) !== 0;
  for (let o = 0; o < nOut; o++) {
    const p = at + 16 + 4 * (nOut + o);
    const m = v.view.getInt32(p, true),
      scale = v.view.getFloat32(p, true),
      sh = v.view.getInt32(p + 4 * nOut, true);
    if (fixed && (m < 0 || sh < -31 || sh > 30))
      v.bad("aux", `output ${o}: multiplier ${m} and shift ${sh}: need a multiplier ≥ 0, a shift in −31..30`);
    if (!fixed && (!(scale >= 0 && scale < 256) || sh !== 0))
      v.bad("aux", `output ${o}: scale ${scale} and shift ${sh}: need a scale in [0, 256) and a shift of 0`);
  }
}

export const fcI8: OpSpec = {
  opcode: Opcode.FcI8,
  name: "FC_I8",
  actByte: "none",
  acts: [0],
  flagBits: STEP_FLAG_TFL_FIXED_POINT,
  dense: false,
  minAbi: () => 4,
  inPlace: () => false,
  validate(s, v) {
    const { nIn, nOut } = s;
    if (s.act !== 0) v.bad("act", "must be 0 for FC_I8 (the clamp is in aux)");
    v.unused("w", "b");
    v.param("aux", fcI8AuxBytes(nIn, nOut));
    checkRequantization(v, s.aux, nOut, s.flags);
    v.scratch(fcI8ScratchBytes(nIn));
  },
  describe: (s) =>
    `int8 (TFLite ${s.flags & STEP_FLAG_TFL_FIXED_POINT ? "reference fixed-point" : "XNNPACK fp32"} requantization)`,
  parameterCount: (s) => s.nIn * s.nOut + s.nOut,
};
