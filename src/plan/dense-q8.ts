/**
 * An int8 dense layer's step fields at pack time: its flags, checked against what the kernel
 * needs, and its aux tensor in the layout src/ops/dense-q8.ts defines (q8AuxLayout).
 */
import { ModelSpecError } from "../errors.js";
import {
  STEP_FLAG_Q8_BF16_SCALES,
  STEP_FLAG_Q8_I16_INPUT,
  STEP_FLAG_Q8_NO_ROW_SUMS,
  STEP_FLAG_Q8_STATIC_INPUT,
} from "../format/abi.js";
import { q8AuxLayout } from "../ops/dense-q8.js";
import { bf16Bits, bf16Ceil } from "./quantize.js";

/** A static row scale and zero point (calibrated ranges, or a QuantizeLinear in the graph). */
export interface Q8Input {
  scale: number;
  zeroPoint: number;
}

/** The step flags of an int8 layer; refuses what the kernel could not compute exactly. */
export function q8Flags(
  wq: Int8Array,
  wScale: Float32Array,
  where: string,
  input: Q8Input | undefined,
  rows: "u8" | "i16",
  scales: "f32" | "bf16",
): number {
  if (rows === "i16" && wq.includes(-128))
    throw new ModelSpecError(where, "int16 rows need weights in −127..127 (the i32 sums are bounded for them)");
  if (rows === "i16" && input && input.zeroPoint !== 0)
    throw new ModelSpecError(where, "int16 rows are symmetric: the static zero point must be 0");
  if (
    input &&
    (!(Math.fround(input.scale) > 0) ||
      !Number.isFinite(Math.fround(input.scale)) ||
      !Number.isInteger(input.zeroPoint) ||
      input.zeroPoint < 0 ||
      input.zeroPoint > 255)
  ) {
    throw new ModelSpecError(
      where,
      `input scale ${input.scale} and zero point ${input.zeroPoint}: need a finite scale > 0 and a u8 zero point`,
    );
  }
  const bf16 = scales === "bf16";
  if (bf16 && !wScale.every((v) => bf16Ceil(v) === v))
    throw new ModelSpecError(where, "bf16 scales must be bfloat16 values (an f32 with its lower 16 bits zero)");
  return (
    (input ? STEP_FLAG_Q8_STATIC_INPUT : 0) |
    (rows === "i16" ? STEP_FLAG_Q8_I16_INPUT | STEP_FLAG_Q8_NO_ROW_SUMS : 0) |
    (bf16 ? STEP_FLAG_Q8_BF16_SCALES : 0)
  );
}

/** The aux tensor: the scales (f32, or bf16 in 2 bytes each), the u8 rows' row sums, the static input's scale and zero point. */
export function q8Aux(wq: Int8Array, wScale: Float32Array, nIn: number, flags: number, input?: Q8Input): Uint8Array {
  const nOut = wScale.length;
  const layout = q8AuxLayout(nOut, flags);
  const aux = new Uint8Array(layout.bytes),
    view = new DataView(aux.buffer);
  const bf16 = (flags & STEP_FLAG_Q8_BF16_SCALES) !== 0;
  wScale.forEach((v, r) => (bf16 ? view.setUint16(2 * r, bf16Bits(v), true) : view.setFloat32(4 * r, v, true)));
  if (layout.rowSumsBytes) {
    for (let r = 0; r < nOut; r++) {
      let sum = 0;
      for (let i = 0; i < nIn; i++) sum += wq[r * nIn + i]!;
      view.setInt32(layout.scalesBytes + 4 * r, sum, true);
    }
  }
  if (input) {
    view.setFloat32(layout.inputOffset, input.scale, true);
    view.setInt32(layout.inputOffset + 4, input.zeroPoint, true);
  }
  return aux;
}
