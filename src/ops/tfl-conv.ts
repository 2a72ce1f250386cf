/**
 * CONV_I8 and POOL_I8 (ABI 4): TensorFlow Lite's int8 convolutions (regular and depthwise) and
 * poolings on NHWC rows, as TFLite computes them (assembly/kernels/tfl-conv.ts has the layouts).
 * The geometry is in aux; the checks here make every product agree with nIn, nOut and aux's
 * size, so the kernel's reads stay inside the row, the weights and the scratch.
 */
import { Opcode, STEP_FLAG_TFL_FIXED_POINT } from "../format/abi.js";
import type { OpSpec, StepValidator } from "./spec.js";
import { checkRequantization } from "./tfl-fc.js";

export const CONV_I8_HEAD_WORDS = 16;
export const POOL_I8_WORDS = 16;

/** Aux bytes of a CONV_I8 step: geometry, requantization head, 12 per output channel, weights padded to 4. */
export function convI8AuxBytes(g: { outC: number; weights: number }): number {
  return 4 * CONV_I8_HEAD_WORDS + 16 + 12 * g.outC + Math.ceil(g.weights / 4) * 4;
}

/** Scratch of CONV_I8: the i16 row, then (regular convolutions) one window's i16 patch. */
export const convI8ScratchBytes = (nIn: number, patch: number) => 2 * nIn + 2 * patch;

const words = (v: StepValidator, at: number, n: number) =>
  Array.from({ length: n }, (_, k) => v.view.getInt32(at + 4 * k, true));

export const convI8: OpSpec = {
  opcode: Opcode.ConvI8,
  name: "CONV_I8",
  actByte: "none",
  acts: [0],
  flagBits: STEP_FLAG_TFL_FIXED_POINT,
  dense: false,
  minAbi: () => 4,
  inPlace: () => false,
  validate(s, v) {
    if (s.act !== 0) v.bad("act", "must be 0 for CONV_I8 (the clamp is in aux)");
    v.unused("w", "b");
    v.param("aux", 4 * CONV_I8_HEAD_WORDS);
    const [inH, inW, inC, outH, outW, outC, kH, kW, sH, sW, dH, dW, , , mult, inZp] = words(v, s.aux, 16) as number[];
    const dims = [inH, inW, inC, outH, outW, outC, kH, kW, sH, sW, dH, dW] as number[];
    if (dims.some((d) => !(d >= 1 && d <= 1 << 24)) || !(mult! >= 0) || inZp! < -128 || inZp! > 127)
      v.bad(
        "aux",
        `geometry [${dims}] depth multiplier ${mult}, input zero point ${inZp}: need positive sizes, an int8 zero point`,
      );
    if (inH! * inW! * inC! !== s.nIn) v.bad("nIn", `${s.nIn} is not ${inH}×${inW}×${inC}`);
    if (outH! * outW! * outC! !== s.nOut) v.bad("nOut", `${s.nOut} is not ${outH}×${outW}×${outC}`);
    if (mult! > 0 && outC !== inC! * mult!) v.bad("aux", `depthwise: ${outC} output channels is not ${inC}×${mult}`);
    const weights = mult! > 0 ? kH! * kW! * outC! : outC! * kH! * kW! * inC!;
    v.param("aux", convI8AuxBytes({ outC: outC!, weights }));
    checkRequantization(v, s.aux + 4 * CONV_I8_HEAD_WORDS, outC!, s.flags);
    v.scratch(convI8ScratchBytes(s.nIn, mult! > 0 ? 0 : kH! * kW! * inC!));
  },
  describe: (s) =>
    `int8 (TFLite ${s.flags & STEP_FLAG_TFL_FIXED_POINT ? "reference fixed-point" : "XNNPACK fp32"} requantization)`,
  parameterCount: (s, view) => {
    const w = (k: number) => view.getInt32(s.aux + 4 * k, true);
    const outC = w(5);
    return (w(14) > 0 ? w(6) * w(7) * outC : outC * w(6) * w(7) * w(2)) + outC;
  },
};

export const poolI8: OpSpec = {
  opcode: Opcode.PoolI8,
  name: "POOL_I8",
  actByte: "none",
  acts: [0],
  flagBits: 0,
  dense: false,
  minAbi: () => 4,
  inPlace: () => false,
  validate(s, v) {
    if (s.act !== 0) v.bad("act", "must be 0 for POOL_I8 (the clamp is in aux)");
    v.unused("w", "b", "scratch");
    v.param("aux", 4 * POOL_I8_WORDS);
    const [inH, inW, c, outH, outW, kH, kW, sH, sW, , , kind, lo, hi] = words(v, s.aux, 14) as number[];
    const dims = [inH, inW, c, outH, outW, kH, kW, sH, sW] as number[];
    if (dims.some((d) => !(d >= 1 && d <= 1 << 24))) v.bad("aux", `geometry [${dims}]: need positive sizes`);
    if (kind !== 0 && kind !== 1) v.bad("aux", `pooling kind ${kind}: 0 (average) or 1 (max)`);
    if (lo! < -128 || hi! > 127 || lo! > hi!) v.bad("aux", `clamp [${lo}, ${hi}] must be int8, low ≤ high`);
    if (inH! * inW! * c! !== s.nIn) v.bad("nIn", `${s.nIn} is not ${inH}×${inW}×${c}`);
    if (outH! * outW! * c! !== s.nOut) v.bad("nOut", `${s.nOut} is not ${outH}×${outW}×${c}`);
  },
  describe: () => "int8",
  parameterCount: () => 0,
};
