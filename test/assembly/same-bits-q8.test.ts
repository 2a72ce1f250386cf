// The int8 kernels give the same bits in the scalar and the SIMD build (issue 19): the integer
// sums are exact in any order, so what could differ is the row quantization (range, rounding,
// saturation, NaN) and the float epilogue. Every DENSE_Q8 layout through denseQ8Rows (uint8 and
// int16 rows, dynamic and static, f32 and bf16 scales, the SIMD build's row pairs), and the
// row quantizers on their own, on random rows with zero runs, NaN, ±Inf, −0 and subnormals.
import { describe, expect, it } from "vitest";
import {
  STEP_FLAG_Q8_BF16_SCALES as BF16,
  STEP_FLAG_Q8_I16_INPUT as I16,
  STEP_FLAG_Q8_NO_ROW_SUMS as NO_ROW_SUMS,
  STEP_FLAG_Q8_STATIC_INPUT as STATIC,
} from "../../src/format/abi.js";
import { i16Limit } from "../../src/ops/dense-q8.js";
import { seeded } from "../helpers/rng.js";
import { expectSameBits, inBoth, type Rand, values } from "./same-bits.js";

const CASES = 300;
const f = Math.fround;
const LAYOUTS = [0, BF16, STATIC, BF16 | STATIC, I16, I16 | BF16 | NO_ROW_SUMS, I16 | STATIC | NO_ROW_SUMS];

/** DENSE_Q8's aux: scales (f32, or bf16 padded to 4), row sums unless NO_ROW_SUMS, then a static input's scale and zero point. */
function auxBytes(
  scales: Float32Array,
  wq: Int8Array,
  nIn: number,
  flags: number,
  scale: number,
  zp: number,
): Uint8Array {
  const nOut = scales.length;
  const scalesBytes = flags & BF16 ? 4 * Math.ceil(nOut / 2) : 4 * nOut,
    sumsBytes = flags & NO_ROW_SUMS ? 0 : 4 * nOut;
  const a = new Uint8Array(scalesBytes + sumsBytes + (flags & STATIC ? 8 : 0));
  const v = new DataView(a.buffer);
  scales.forEach((s, o) =>
    flags & BF16
      ? v.setUint16(2 * o, new Uint32Array(Float32Array.of(s).buffer)[0]! >>> 16, true)
      : v.setFloat32(4 * o, s, true),
  );
  for (let o = 0; sumsBytes && o < nOut; o++) {
    let sum = 0;
    for (let i = 0; i < nIn; i++) sum += wq[o * nIn + i]!;
    v.setInt32(scalesBytes + 4 * o, sum, true);
  }
  if (flags & STATIC) {
    v.setFloat32(scalesBytes + sumsBytes, scale, true);
    v.setInt32(scalesBytes + sumsBytes + 4, zp, true);
  }
  return a;
}

const int8s = (r: Rand, n: number) => Int8Array.from({ length: n }, () => (r.next() < 0.1 ? 0 : r.int(-127, 127)));

describe("int8 dense: the scalar build gives the SIMD build's bits", () => {
  it(`denseQ8Rows, every layout: ${CASES} random shapes, 1–7 rows`, () => {
    const r = seeded("same bits q8 rows");
    for (let c = 0; c < CASES; c++) {
      const flags = LAYOUTS[c % LAYOUTS.length]!;
      const nIn = r.next() < 0.8 ? r.int(1, 40) : r.int(41, 300),
        nOut = r.int(1, 11),
        nRows = r.int(1, 7);
      const x = values(r, nRows * nIn, true),
        wq = int8s(r, nIn * nOut),
        scales = Float32Array.from({ length: nOut }, () => f(r.next() * 0.02)),
        b = values(r, nOut);
      const staticScale = flags & I16 ? f(5 / i16Limit(nIn)) : f(0.031),
        zp = flags & I16 ? 0 : r.int(0, 255);
      const [scalar, simd] = inBoth((k) => {
        const py = k.alloc(nRows * nOut * 4),
          scratch = k.alloc(4 * Math.ceil(nIn / 8) * 8 + 64);
        const aux = k.bytes(auxBytes(scales, wq, nIn, flags, staticScale, zp));
        k.fn("denseQ8Rows")(
          k.f32(x),
          4 * nIn,
          scratch,
          k.bytes(wq),
          aux,
          k.f32(b),
          py,
          4 * nOut,
          nIn,
          nOut,
          nRows,
          flags,
        );
        return k.read(py, nRows * nOut);
      });
      expectSameBits(scalar, simd, `case ${c}: flags ${flags}, ${nRows} rows, in=${nIn} out=${nOut}`);
    }
  });

  it(`row quantizers (uint8 dynamic and static, int16): ${CASES} random rows, the same bytes, scale and zero point`, () => {
    const r = seeded("same bits q8 quantize");
    for (let c = 0; c < CASES; c++) {
      const n = r.next() < 0.9 ? r.int(1, 40) : r.int(41, 800);
      const x = values(r, n, true);
      const scale = f(r.next() * 0.05 + 1e-4),
        zp = r.int(0, 255),
        limit = i16Limit(n);
      const [scalar, simd] = inBoth((k) => {
        const px = k.f32(x),
          q = k.alloc(2 * n + 8),
          zpOut = k.alloc(4);
        const u8 = k.fn("quantizeRowU8")(px, q, n, zpOut);
        const dynamic = [u8, k.readI32(zpOut), ...k.readU8(q, n)];
        const st = k.fn("quantizeRowStatic")(px, q, n, scale, zp);
        const fixed = [st, ...k.readU8(q, n)];
        const i16 = k.fn("quantizeRowI16")(px, q, n, scale, limit);
        return { dynamic, fixed, i16: [i16, ...new Int16Array(k.x.memory.buffer.slice(q, q + 2 * n))] };
      });
      expect(scalar, `case ${c}: n=${n}`).toEqual(simd); // integers, and scales that are numbers or NaN
    }
  });
});
