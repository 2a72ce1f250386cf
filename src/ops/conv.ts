/**
 * CONV (ABI 4): direct convolution on channels-last rows, 1-D (H = 1) and 2-D, grouped and
 * depthwise, with strides, dilations and pads, bias and activation fused. One row is one
 * image [H][W][C]; the output [OH][OW][M]. assembly/kernels/conv.ts runs it; src/plan/conv.ts
 * packs the weights. The layout:
 *
 * - aux: i32 × 15, CONV_GEOMETRY order: C, H, W, M, OH, OW, KH, KW, SH, SW, PT, PL, DH, DW, G.
 * - general (flags 0): w [G][NB][KH][KW][Cg][4], NB = ceil(Mg / 4), zero-padded lanes; b [G][NB·4].
 * - depthwise (STEP_FLAG_CONV_DEPTHWISE, C = M = G): w [KH][KW][C4], b [C4], C4 = C rounded up to 4.
 */
import { Act, Opcode, STEP_FLAG_CONV_DEPTHWISE } from "../format/abi.js";
import type { StepRecord } from "../format/types.js";
import { ACTIVATIONS, actMinAbi, fusedActText, type OpSpec, type StepValidator } from "./spec.js";

export const CONV_GEOMETRY = [
  "C",
  "H",
  "W",
  "M",
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
  "G",
] as const;
export type ConvGeometry = Record<(typeof CONV_GEOMETRY)[number], number>;
export const CONV_AUX_BYTES = 4 * CONV_GEOMETRY.length;

/** Activations a convolution (or BINARY) fuses: the element-wise ones. */
export const ELEMENTWISE_ACTS: readonly number[] = ACTIVATIONS.filter(
  (a) => a !== Act.Softmax && a !== Act.LogSoftmax && a !== Act.LogisticPair,
);

/** Floats of weights and of bias a convolution stores. */
export function convParamFloats(g: ConvGeometry, depthwise: boolean): { w: number; b: number } {
  if (depthwise) {
    const c4 = Math.ceil(g.C / 4) * 4;
    return { w: g.KH * g.KW * c4, b: c4 };
  }
  const nb = Math.ceil(g.M / g.G / 4);
  return { w: g.G * nb * g.KH * g.KW * (g.C / g.G) * 4, b: g.G * nb * 4 };
}

/** Reads a geometry block of i32 fields at `offset`. */
export function readGeometry<K extends string>(view: DataView, offset: number, names: readonly K[]): Record<K, number> {
  const g = {} as Record<K, number>;
  names.forEach((n, k) => (g[n] = view.getInt32(offset + 4 * k, true)));
  return g;
}

function validateConv(s: StepRecord, v: StepValidator): ConvGeometry {
  v.act(ELEMENTWISE_ACTS);
  v.param("aux", CONV_AUX_BYTES);
  const g = readGeometry(v.view, s.aux, CONV_GEOMETRY);
  for (const n of CONV_GEOMETRY) {
    const min = n === "PT" || n === "PL" ? 0 : 1;
    if (!(g[n] >= min && g[n] <= 1 << 24)) v.bad("aux", `geometry ${n} = ${g[n]} is outside ${min}..2^24`);
  }
  if (g.C % g.G !== 0 || g.M % g.G !== 0) v.bad("aux", `${g.G} groups do not divide C ${g.C} and M ${g.M}`);
  if (g.C * g.H * g.W !== s.nIn) v.bad("nIn", `${s.nIn} is not C·H·W = ${g.C}·${g.H}·${g.W}`);
  if (g.M * g.OH * g.OW !== s.nOut) v.bad("nOut", `${s.nOut} is not M·OH·OW = ${g.M}·${g.OH}·${g.OW}`);
  const depthwise = (s.flags & STEP_FLAG_CONV_DEPTHWISE) !== 0;
  if (depthwise && !(g.G === g.C && g.M === g.C)) v.bad("flags", "depthwise needs C = M = G");
  const f = convParamFloats(g, depthwise);
  v.param("w", 4 * f.w);
  v.param("b", 4 * f.b);
  v.unused("scratch");
  return g;
}

export const conv: OpSpec = {
  opcode: Opcode.Conv,
  name: "CONV",
  actByte: "activation",
  acts: ELEMENTWISE_ACTS,
  flagBits: STEP_FLAG_CONV_DEPTHWISE,
  dense: false,
  minAbi: (s) => Math.max(4, actMinAbi(s.act)),
  inPlace: () => false,
  validate(s, v) {
    validateConv(s, v);
  },
  describe: (s) => [s.flags & STEP_FLAG_CONV_DEPTHWISE ? "depthwise" : "", fusedActText(s)].filter(Boolean).join(" "),
  parameterCount: (s, view) => {
    const g = readGeometry(view, s.aux, CONV_GEOMETRY);
    const k = g.KH * g.KW * (g.C / g.G) * g.M;
    return k + g.M;
  },
};
