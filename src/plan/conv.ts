/**
 * The byte layouts of the convolutional steps (src/ops/conv.ts, pool.ts, transpose.ts say
 * what each field means): a convolution's weights from ONNX's [M][C/G][KH][KW] into the
 * kernel's blocks of four output channels (or depthwise [KH][KW][C4]), and the geometry blocks.
 * Every importer (ONNX now, TFLite next) packs through here.
 */
import { ModelSpecError } from "../errors.js";
import { STEP_FLAG_CONV_DEPTHWISE } from "../format/abi.js";
import { CONV_GEOMETRY, type ConvGeometry, convParamFloats } from "../ops/conv.js";
import { POOL_GEOMETRY, type PoolGeometry } from "../ops/pool.js";

export type { ConvGeometry } from "../ops/conv.js";
export type { PoolGeometry } from "../ops/pool.js";

const i32Bytes = (values: readonly number[]) => new Uint8Array(Int32Array.from(values).buffer);

/** The packed step fields of a convolution; w is ONNX's [M][C/G][KH][KW], b [M]. */
export function packConv(
  g: ConvGeometry,
  w: Float32Array,
  b: Float32Array,
  where = "conv",
): { w: Float32Array; b: Float32Array; aux: Uint8Array; flags: number } {
  const Cg = g.C / g.G,
    Mg = g.M / g.G,
    K = g.KH * g.KW;
  if (w.length !== g.M * Cg * K || b.length !== g.M)
    throw new ModelSpecError(
      where,
      `weights ${w.length} and bias ${b.length}; expected ${g.M}×${Cg}×${g.KH}×${g.KW} and ${g.M}`,
    );
  const bad = w.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new ModelSpecError(`${where}.weights[${bad}]`, `${w[bad]} is not a finite number`);
  const depthwise = Cg === 1 && Mg === 1;
  const f = convParamFloats(g, depthwise);
  const pw = new Float32Array(f.w),
    pb = new Float32Array(f.b);
  if (depthwise) {
    const c4 = f.b;
    for (let c = 0; c < g.C; c++) {
      pb[c] = b[c]!;
      for (let k = 0; k < K; k++) pw[k * c4 + c] = w[c * K + k]!;
    }
  } else {
    const nb = Math.ceil(Mg / 4);
    for (let m = 0; m < g.M; m++) {
      const grp = Math.floor(m / Mg),
        mg = m % Mg,
        blk = grp * nb + (mg >> 2),
        lane = mg & 3;
      pb[blk * 4 + lane] = b[m]!;
      for (let ci = 0; ci < Cg; ci++)
        for (let k = 0; k < K; k++) pw[((blk * K + k) * Cg + ci) * 4 + lane] = w[(m * Cg + ci) * K + k]!;
    }
  }
  return {
    w: pw,
    b: pb,
    aux: i32Bytes(CONV_GEOMETRY.map((n) => g[n])),
    flags: depthwise ? STEP_FLAG_CONV_DEPTHWISE : 0,
  };
}

export const poolAux = (g: PoolGeometry): Uint8Array => i32Bytes(POOL_GEOMETRY.map((n) => g[n]));

/** PAD's aux: dims, pads before and output dims, each padded with leading ones (zero pads) to four. */
export function padAux(dims: readonly number[], before: readonly number[], after: readonly number[]): Uint8Array {
  const lead = 4 - dims.length;
  if (lead < 0) throw new ModelSpecError("pad", `${dims.length} dims: at most 4`);
  const ones = new Array(lead).fill(1),
    zeros = new Array(lead).fill(0);
  return i32Bytes([...ones, ...dims, ...zeros, ...before, ...ones, ...dims.map((d, k) => d + before[k]! + after[k]!)]);
}

/** TRANSPOSE's aux: dims padded with leading ones to four, the axes shifted to match. */
export function transposeAux(dims: readonly number[], axes: readonly number[]): Uint8Array {
  const lead = 4 - dims.length;
  if (lead < 0) throw new ModelSpecError("transpose", `${dims.length} dims: at most 4 after merging`);
  const d = [...new Array(lead).fill(1), ...dims];
  const a = [...Array.from({ length: lead }, (_, k) => k), ...axes.map((x) => x + lead)];
  return i32Bytes([...d, ...a]);
}
