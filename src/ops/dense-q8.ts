/**
 * DENSE_Q8: y = act(scales · (Wq·q(x)) + b), int8 weights, the row quantized to uint8 (or
 * int16) in the step's scratch, per row at run time or with a static scale and zero point.
 */
import {
  Opcode,
  STEP_FLAG_Q8_BF16_SCALES,
  STEP_FLAG_Q8_I16_INPUT,
  STEP_FLAG_Q8_NO_ROW_SUMS,
  STEP_FLAG_Q8_STATIC_INPUT,
} from "../format/abi.js";
import { ACTIVATIONS, actMinAbi, fusedActText, type OpSpec } from "./spec.js";

/** Every DENSE_Q8 flag bit. */
export const Q8_FLAGS =
  STEP_FLAG_Q8_STATIC_INPUT | STEP_FLAG_Q8_I16_INPUT | STEP_FLAG_Q8_BF16_SCALES | STEP_FLAG_Q8_NO_ROW_SUMS;
/** The DENSE_Q8 flags that need kernel ABI 3 (the others need 2). */
export const Q8_FLAGS_ABI3 = STEP_FLAG_Q8_BF16_SCALES | STEP_FLAG_Q8_NO_ROW_SUMS;

/**
 * DENSE_Q8's aux tensor, in bytes: the scales (f32, or bf16 padded to 4), then the i32 row sums
 * (unless NO_ROW_SUMS), then with a static input its f32 scale and i32 zero point.
 */
export function q8AuxLayout(
  nOut: number,
  flags: number,
): { scalesBytes: number; rowSumsBytes: number; inputOffset: number; bytes: number } {
  const scalesBytes = flags & STEP_FLAG_Q8_BF16_SCALES ? Math.ceil(nOut / 2) * 4 : 4 * nOut;
  const rowSumsBytes = flags & STEP_FLAG_Q8_NO_ROW_SUMS ? 0 : 4 * nOut;
  const inputOffset = scalesBytes + rowSumsBytes;
  return { scalesBytes, rowSumsBytes, inputOffset, bytes: inputOffset + (flags & STEP_FLAG_Q8_STATIC_INPUT ? 8 : 0) };
}

/** Scratch bytes DENSE_Q8 needs: the quantized row (4-aligned) and the zero point; int16 rows: two rows of 2·align8(nIn) bytes, 32 bytes of sums, and 4. */
export const q8ScratchBytes = (nIn: number, flags = 0) =>
  (flags & STEP_FLAG_Q8_I16_INPUT ? 2 * 2 * Math.ceil(nIn / 8) * 8 + 32 : Math.ceil(nIn / 4) * 4) + 4;

/** The largest |q| of an int16 row of nIn values: Σ|q·w| ≤ nIn · limit · 127 stays below 2^31. */
export const i16Limit = (nIn: number) => Math.min(32767, Math.floor(2147483647 / (127 * nIn)));

export const denseQ8: OpSpec = {
  opcode: Opcode.DenseQ8,
  name: "DENSE_Q8",
  actByte: "activation",
  acts: ACTIVATIONS,
  flagBits: Q8_FLAGS,
  dense: true,
  minAbi: (s) => Math.max(actMinAbi(s.act), s.flags & Q8_FLAGS_ABI3 ? 3 : s.flags !== 0 ? 2 : 1),
  inPlace: () => false,
  validate(s, v) {
    const { nIn, nOut, flags } = s;
    if (flags & STEP_FLAG_Q8_NO_ROW_SUMS && !(flags & STEP_FLAG_Q8_I16_INPUT))
      v.bad("flags", "uint8 rows need their row sums (NO_ROW_SUMS is for int16 rows)");
    v.act(ACTIVATIONS);
    const aux = q8AuxLayout(nOut, flags);
    v.param("w", nIn * nOut);
    v.param("aux", aux.bytes);
    v.param("b", nOut * 4);
    if (flags & STEP_FLAG_Q8_I16_INPUT) {
      // int16 rows: weights in −127..127 keep the i32 sums from overflowing
      const w8 = new Int8Array(v.view.buffer, v.view.byteOffset + s.w, nIn * nOut);
      if (w8.includes(-128)) v.bad("w", "int16 rows need weights in −127..127; this step has −128");
    }
    if (flags & STEP_FLAG_Q8_STATIC_INPUT) {
      // the row's scale and zero point, checked here once
      const xScale = v.view.getFloat32(s.aux + aux.inputOffset, true),
        xZp = v.view.getInt32(s.aux + aux.inputOffset + 4, true);
      if (!(xScale > 0 && Number.isFinite(xScale)) || xZp < 0 || xZp > 255)
        v.bad(
          "aux",
          `static input scale ${xScale} and zero point ${xZp}: need a finite scale > 0 and a zero point in 0..255`,
        );
      if (flags & STEP_FLAG_Q8_I16_INPUT && xZp !== 0)
        v.bad("aux", `static int16 input zero point ${xZp}: int16 rows are symmetric (0)`);
    }
    v.scratch(q8ScratchBytes(nIn, flags));
  },
  describe: (s) =>
    `${fusedActText(s)} (${s.flags & STEP_FLAG_Q8_I16_INPUT ? "int16" : "uint8"} rows, ${s.flags & STEP_FLAG_Q8_STATIC_INPUT ? "static scale" : "dynamic"}, ${s.flags & STEP_FLAG_Q8_BF16_SCALES ? "bf16" : "f32"} scales)`,
  parameterCount: (s) => s.nIn * s.nOut + s.nOut,
};
