/** The aux bytes of the TFLite int8 steps, as their specs (src/ops/tfl-*.ts) lay them out. */

/**
 * FC_I8: i32 outZp, lo, hi, 0; i32 b'[nOut] (bias + input offset · Σ W[o], wrapping as TFLite's
 * i32 sums do); i32 m[nOut]; i32 shift[nOut]; int8 W[nOut][nIn], padded to 4.
 */
export function fcI8Aux(p: {
  w: Int8Array;
  bias: Int32Array;
  mult: Int32Array;
  shift: Int32Array;
  nIn: number;
  nOut: number;
  inputZp: number;
  outZp: number;
  lo: number;
  hi: number;
}): Uint8Array {
  const { nIn, nOut } = p;
  const head = 16 + 12 * nOut;
  const out = new Uint8Array(head + Math.ceil((nIn * nOut) / 4) * 4);
  const i32 = new Int32Array(out.buffer, 0, head / 4);
  i32.set([p.outZp, p.lo, p.hi, 0]);
  for (let o = 0; o < nOut; o++) {
    let sum = 0;
    for (let i = 0; i < nIn; i++) sum += p.w[o * nIn + i]!;
    i32[4 + o] = (p.bias[o]! + Math.imul(-p.inputZp, sum)) | 0;
    i32[4 + nOut + o] = p.mult[o]!;
    i32[4 + 2 * nOut + o] = p.shift[o]!;
  }
  new Int8Array(out.buffer, head, nIn * nOut).set(p.w);
  return out;
}

export interface ConvGeometry {
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kH: number;
  kW: number;
  sH: number;
  sW: number;
}

/** CONV_I8 (assembly/kernels/tfl-conv.ts): 16 geometry words, the requantization block, the weights. */
export function convI8Aux(
  p: ConvGeometry & {
    dH: number;
    dW: number;
    padT: number;
    padL: number;
    mult: number;
    inZp: number;
    outZp: number;
    lo: number;
    hi: number;
    bias: Int32Array;
    scales: Int32Array;
    shift: Int32Array;
    w: Int8Array;
  },
): Uint8Array {
  const n = p.outC;
  const head = 64 + 16 + 12 * n;
  const out = new Uint8Array(head + Math.ceil(p.w.length / 4) * 4);
  const i32 = new Int32Array(out.buffer, 0, head / 4);
  i32.set([
    p.inH,
    p.inW,
    p.inC,
    p.outH,
    p.outW,
    p.outC,
    p.kH,
    p.kW,
    p.sH,
    p.sW,
    p.dH,
    p.dW,
    p.padT,
    p.padL,
    p.mult,
    p.inZp,
  ]);
  i32.set([p.outZp, p.lo, p.hi, 0], 16);
  i32.set(p.bias, 20);
  i32.set(p.scales, 20 + n);
  i32.set(p.shift, 20 + 2 * n);
  new Int8Array(out.buffer, head, p.w.length).set(p.w);
  return out;
}

/** POOL_I8: its 16 words (the last two 0). */
export const poolI8Aux = (words: number[]): Uint8Array => new Uint8Array(Int32Array.from([...words, 0, 0]).buffer);

/** SOFTMAX_I8: f32 table[256], f32 output scale, i32 output zero point. */
export function softmaxI8Aux(table: Float32Array, outScale: number, outZp: number): Uint8Array {
  const out = new Uint8Array(1032);
  new Float32Array(out.buffer, 0, 257).set([...table, outScale]);
  new Int32Array(out.buffer, 1028, 1)[0] = outZp;
  return out;
}
