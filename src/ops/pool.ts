/**
 * POOL (ABI 4): max and average pooling on channels-last rows, 1-D (H = 1) and 2-D, global
 * pooling as a window the size of the image. assembly/kernels/pool.ts runs it.
 *
 * - aux: i32 × 15, POOL_GEOMETRY order: C, H, W, OH, OW, KH, KW, SH, SW, PT, PL, DH, DW, PB, PR
 *   (PB, PR: the pads after, for count_include_pad's divisor).
 * - act: the mode (PoolMode: max, average over the taps inside the input, average with pads).
 */
import { Opcode, PoolMode } from "../format/abi.js";
import { readGeometry } from "./conv.js";
import type { OpSpec } from "./spec.js";

export const POOL_GEOMETRY = [
  "C",
  "H",
  "W",
  "OH",
  "OW",
  "KH",
  "KW",
  "SH",
  "SW",
  "PT",
  "PL",
  "DH",
  "DW",
  "PB",
  "PR",
] as const;
export type PoolGeometry = Record<(typeof POOL_GEOMETRY)[number], number>;
export const POOL_AUX_BYTES = 4 * POOL_GEOMETRY.length;
const MODE_NAMES = ["max", "average", "average (pads counted)"];

export const pool: OpSpec = {
  opcode: Opcode.Pool,
  name: "POOL",
  actByte: "none",
  acts: [PoolMode.Max, PoolMode.Avg, PoolMode.AvgPad],
  flagBits: 0,
  dense: false,
  minAbi: () => 4,
  inPlace: () => false,
  validate(s, v) {
    if (!(s.act in MODE_NAMES)) v.bad("act", `unknown pooling mode ${s.act}`);
    v.param("aux", POOL_AUX_BYTES);
    const g = readGeometry(v.view, s.aux, POOL_GEOMETRY);
    for (const n of POOL_GEOMETRY) {
      const min = n === "PT" || n === "PL" || n === "PB" || n === "PR" ? 0 : 1;
      if (!(g[n] >= min && g[n] <= 1 << 24)) v.bad("aux", `geometry ${n} = ${g[n]} is outside ${min}..2^24`);
    }
    // The window bounds a row's work: at most 2^24 taps, pads inside the window (as ONNX asks).
    if (g.KH * g.KW > 1 << 24) v.bad("aux", `a ${g.KH}×${g.KW} window has more than 2^24 taps`);
    const spanH = (g.KH - 1) * g.DH + 1,
      spanW = (g.KW - 1) * g.DW + 1;
    if (g.PT >= spanH || g.PB >= spanH || g.PL >= spanW || g.PR >= spanW)
      v.bad("aux", `pads [${g.PT}, ${g.PL}, ${g.PB}, ${g.PR}] reach past the ${spanH}×${spanW} window`);
    if (g.C * g.H * g.W !== s.nIn) v.bad("nIn", `${s.nIn} is not C·H·W = ${g.C}·${g.H}·${g.W}`);
    if (g.C * g.OH * g.OW !== s.nOut) v.bad("nOut", `${s.nOut} is not C·OH·OW = ${g.C}·${g.OH}·${g.OW}`);
    v.unused("w", "b", "scratch");
  },
  describe: (s) => MODE_NAMES[s.act] ?? "",
  parameterCount: () => 0,
};
