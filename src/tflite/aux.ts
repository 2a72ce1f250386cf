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
