// Int8 dense of both builds: the row quantization against ONNX DynamicQuantizeLinear as the spec
// writes it (round half to even, zero point, saturation), and the whole kernel against
// onnxruntime's MatMulInteger → Cast → Mul → Add computed in JavaScript.
import { describe, expect, it } from "vitest";
import { quantizeRows } from "../../src/plan/quantize.js";
import { expectAllClose } from "../helpers/close.js";
import { BUILDS, KernelHarness } from "../helpers/kernels.js";
import { denseQ8Ref, denseRef, dynamicQuantize, rint } from "../helpers/reference.js";
import { seeded } from "../helpers/rng.js";

const SIZES = [1, 3, 4, 5, 7, 15, 16, 17, 64, 784];

function aux(scales: Float32Array, wq: Int8Array, nIn: number): Float32Array {
  const nOut = scales.length;
  const a = new Float32Array(2 * nOut);
  a.set(scales);
  const sums = new Int32Array(a.buffer, nOut * 4, nOut);
  for (let o = 0; o < nOut; o++) for (let i = 0; i < nIn; i++) sums[o]! += wq[o * nIn + i]!;
  return a;
}

describe.each(BUILDS)("int8 dense · %s build", (build) => {
  const k = new KernelHarness(build);

  it.each([
    ["mixed signs", [-1, -0.5, 0, 0.25, 2, 3.7]],
    ["all positive (zero point 0)", [0.1, 1, 2, 3]],
    ["all negative (zero point 255)", [-3, -2, -0.1]],
    ["halves that round to even", [-1.275, 0, 1.275, 0.0050000004, 0.015, 2.55]],
    ["all zero", [0, 0, 0, 0, 0]],
    ["37 values, halves included (SIMD body and tail)", Array.from({ length: 37 }, (_, i) => (i - 12) * 0.255)],
    ["784 random values", Array.from(seeded("q row 784").floats(784, -3, 5))],
    ["33 non-negative values (zero point 0)", Array.from({ length: 33 }, (_, i) => i * 0.1)],
  ])("quantizes a row like DynamicQuantizeLinear: %s", (_, values) => {
    const x = Float32Array.from(values as number[]);
    for (const name of ["quantizeRowU8", "quantizeRowU8Ref"]) {
      k.reset();
      const q = k.alloc(x.length),
        zp = k.alloc(4);
      const scale = k.fn(name)(k.f32(x), q, x.length, zp);
      const want = dynamicQuantize(x);
      expect(scale, name).toBe(want.scale);
      expect(k.readI32(zp), name).toBe(want.zp);
      expect(Array.from(k.readU8(q, x.length)), name).toEqual(Array.from(want.q));
    }
  });

  it.each(SIZES.map((n) => [n, n === 784 ? 16 : n + 2]))(
    "in=%i out=%i matches the onnxruntime computation, fast and reference",
    (nIn, nOut) => {
      const rand = seeded(`q8 ${nIn}x${nOut}`);
      const x = rand.floats(nIn, -3, 5),
        w = rand.floats(nIn * nOut),
        b = rand.floats(nOut);
      const { values: wq, scales } = quantizeRows(w, nOut, nIn);
      const want = denseQ8Ref(x, wq, scales, b, nIn, nOut);
      for (const name of ["denseQ8", "denseQ8Ref"]) {
        k.reset();
        const py = k.alloc(nOut * 4);
        k.fn(name)(k.f32(x), k.alloc(nIn + 8), k.bytes(wq), k.f32(aux(scales, wq, nIn)), k.f32(b), py, nIn, nOut);
        const got = k.read(py, nOut);
        // The integer part is exact; only the final f32 multiply-add can differ by an ulp.
        expectAllClose(got, want, { rtol: 2.4e-7, atol: 1e-7 }, name);
        // And it is close to the float model: quantization error only.
        expectAllClose(
          got,
          denseRef(x, w, b, nIn, nOut),
          { rtol: 0.02, atol: 0.02 * Math.sqrt(nIn) },
          `${name} vs float`,
        );
      }
    },
  );

  it("a NaN in the row gives NaN outputs rather than a silent number", () => {
    const x = Float32Array.of(1, NaN, 2),
      { values: wq, scales } = quantizeRows(Float32Array.of(1, 2, 3, 4, 5, 6), 2, 3);
    k.reset();
    const py = k.alloc(8);
    k.fn("denseQ8")(k.f32(x), k.alloc(16), k.bytes(wq), k.f32(aux(scales, wq, 3)), k.f32([0, 0]), py, 3, 2);
    expect(Array.from(k.read(py, 2)).every(Number.isNaN)).toBe(true);
  });
});

/** QuantizeLinear to uint8 as ONNX defines it, f32 division, round half to even, saturation. */
function quantizeStatic(x: ArrayLike<number>, scale: number, zp: number): number[] {
  return Array.from(x, (v) => Math.max(0, Math.min(255, rint(Math.fround(v / scale)) + zp)));
}

describe.each(BUILDS)("static row quantization and QUANTIZE · %s build", (build) => {
  const k = new KernelHarness(build);

  it.each([
    [5, 0.02, 0],
    [16, 0.013, 128],
    [37, 0.0075, 3],
    [784, 0.021, 200],
  ])("%i values, scale %f, zero point %i: like QuantizeLinear, fast and reference", (n, scale, zp) => {
    const x = seeded(`static ${n}`).floats(n, -3, 4);
    x[0] = 1.5 * scale;
    x[1] = -2.5 * scale; // halves: round to even
    const want = quantizeStatic(x, Math.fround(scale), zp);
    for (const name of ["quantizeRowStatic", "quantizeRowStaticRef"]) {
      k.reset();
      const q = k.alloc(n);
      const s = k.fn(name)(k.f32(x), q, n, Math.fround(scale), zp);
      expect(s, name).toBe(Math.fround(scale));
      expect(Array.from(k.readU8(q, n)), name).toEqual(want);
    }
  });

  it("a NaN anywhere in the row makes the returned scale NaN (so the outputs are NaN)", () => {
    for (const at of [0, 17, 36]) {
      const x = Array.from({ length: 37 }, (_, i) => (i === at ? NaN : i / 10));
      for (const name of ["quantizeRowStatic", "quantizeRowStaticRef"]) {
        k.reset();
        expect(Number.isNaN(k.fn(name)(k.f32(x), k.alloc(37), 37, 0.1, 0)), `${name} NaN at ${at}`).toBe(true);
      }
    }
  });

  it("QUANTIZE divide and multiply: per-element scale and zero point, int8 and uint8 saturation", () => {
    const x = [0, 2, 3, 1000, -254, -1000, 2.5, -2.5];
    const sc = [2, 2, 2, 2, 2, 2, 1, 1],
      zp = [128, 128, 128, 128, 128, 128, 0, 0];
    k.reset();
    const py = k.alloc(32);
    k.fn("quantizeF32")(0, k.f32(x), k.f32(sc), k.f32(zp), py, 8, 0, 255);
    expect(Array.from(k.read(py, 8))).toEqual([128, 129, 130, 255, 1, 0, 2, 0]); // ONNX test_quantizelinear, halves to even
    k.fn("quantizeF32")(4, k.f32(x), k.f32(sc), k.f32(zp), py, 8, -128, 127);
    expect(Array.from(k.read(py, 8))).toEqual([127, 127, 127, 127, -128, -128, 2, -2]);
  });

  it("QUANTIZE dynamic: the values, scale and zero point of DynamicQuantizeLinear", () => {
    const x = [0, 2, -3, -2.5, 1.34, 0.5]; // ONNX test_dynamicquantizelinear
    const want = dynamicQuantize(x);
    k.reset();
    const px = k.f32(x),
      py = k.alloc(24);
    k.fn("quantizeF32")(1, px, 0, 0, py, 6, 0, 0);
    expect(Array.from(k.read(py, 6))).toEqual(Array.from(want.q));
    expect(Array.from(want.q)).toEqual([153, 255, 0, 26, 221, 179]);
    k.fn("quantizeF32")(2, px, 0, 0, py, 6, 0, 0);
    expect(k.read(py, 1)[0]).toBe(want.scale);
    k.fn("quantizeF32")(3, px, 0, 0, py, 6, 0, 0);
    expect(k.read(py, 1)[0]).toBe(153);
  });
});

describe.each(BUILDS)("int8 weights × int16 rows · %s build", (build) => {
  const k = new KernelHarness(build);
  const limitOf = (n: number) => Math.min(32767, Math.floor(2147483647 / (127 * n)));

  it.each([
    [5, 3],
    [16, 4],
    [37, 9],
    [784, 17],
  ])(
    "in=%i out=%i: quantizer and i16 × i8 products equal the JavaScript reference, fast and reference",
    (nIn, nOut) => {
      const rand = seeded(`i16 ${nIn}x${nOut}`);
      const x = rand.floats(nIn, -3, 5),
        w = rand.floats(nIn * nOut),
        b = rand.floats(nOut);
      const { values: wq, scales } = quantizeRows(w, nOut, nIn);
      const limit = limitOf(nIn),
        f = Math.fround;
      const scale = f(Math.max(...Array.from(x, Math.abs)) / limit);
      x[1] = 2.5 * scale; // a half: rounds to even
      const q = Array.from(x, (v) => Math.max(-limit, Math.min(limit, rint(f(v / scale)))));
      const want = Array.from({ length: nOut }, (_, o) => {
        let acc = 0;
        for (let i = 0; i < nIn; i++) acc += q[i]! * wq[o * nIn + i]!;
        return f(f(f(acc) * f(scale * scales[o]!)) + b[o]!);
      });
      for (const [quant, dot] of [
        ["quantizeRowI16", "denseQ8DotI16"],
        ["quantizeRowI16Ref", "denseQ8DotI16Ref"],
      ]) {
        k.reset();
        const pq = k.alloc(2 * nIn + 16),
          py = k.alloc(4 * nOut);
        expect(k.fn(quant!)(k.f32(x), pq, nIn, scale, limit)).toBe(scale);
        expect(Array.from(new Int16Array(k.readU8(pq, 2 * nIn).buffer)), quant).toEqual(q);
        k.fn(dot!)(pq, k.bytes(wq), k.f32(aux(scales, wq, nIn)), k.f32(b), py, nIn, nOut, scale);
        expect(Array.from(k.read(py, nOut)), dot).toEqual(want);
        expectAllClose(
          k.read(py, nOut),
          denseRef(x, w, b, nIn, nOut),
          { rtol: 0.01, atol: 0.01 * Math.sqrt(nIn) },
          `${dot} vs float`,
        );
      }
    },
  );

  it.each([
    [5, 3],
    [16, 4],
    [37, 9],
    [784, 18],
  ])("in=%i out=%i: two rows at a time give each row's single-row bits", (nIn, nOut) => {
    const rand = seeded(`i16x2 ${nIn}x${nOut}`);
    const w = rand.floats(nIn * nOut),
      b = rand.floats(nOut);
    const { values: wq, scales } = quantizeRows(w, nOut, nIn);
    const rows = [rand.floats(nIn, -3, 5), rand.floats(nIn, 0, 2)];
    const limit = limitOf(nIn);
    k.reset();
    const pw = k.bytes(wq),
      pa = k.f32(aux(scales, wq, nIn)),
      pb = k.f32(b);
    const rowBytes = 2 * Math.ceil(nIn / 8) * 8;
    const pq = k.alloc(2 * rowBytes + 48),
      py = k.alloc(8 * nOut),
      pyRef = k.alloc(4 * nOut);
    const sc = rows.map((x, r) =>
      k.fn("quantizeRowI16")(
        k.f32(x),
        pq + r * rowBytes,
        nIn,
        Math.fround(Math.max(...Array.from(x, Math.abs)) / limit),
        limit,
      ),
    );
    k.fn("denseQ8DotI16x2")(pq, pq + rowBytes, pq + 2 * rowBytes, pw, pa, pb, py, 4 * nOut, nIn, nOut, sc[0]!, sc[1]!);
    for (const r of [0, 1]) {
      k.fn("denseQ8DotI16Ref")(pq + r * rowBytes, pw, pa, pb, pyRef, nIn, nOut, sc[r]!);
      expect(Array.from(k.read(py + 4 * nOut * r, nOut)), `row ${r}`).toEqual(Array.from(k.read(pyRef, nOut)));
    }
  });

  it.each([
    [784, 20],
    [64, 9],
    [200, 5],
  ])(
    "in=%i out=%i: rows with runs of zeros (skipped by the SIMD kernels) equal the reference, one and two at a time",
    (nIn, nOut) => {
      const rand = seeded(`i16 zeros ${nIn}x${nOut}`);
      const w = rand.floats(nIn * nOut),
        b = rand.floats(nOut);
      const { values: wq, scales } = quantizeRows(w, nOut, nIn);
      const limit = limitOf(nIn);
      const image = new Float32Array(nIn).map((_, i) =>
        i > nIn * 0.3 && i < nIn * 0.7 && i % 28 > 6 && i % 28 < 20 ? rand.next() : 0,
      );
      const oneHot = new Float32Array(nIn).map((_, i) => (i % 11 === 3 ? 1 : 0));
      const zero = new Float32Array(nIn);
      k.reset();
      const pw = k.bytes(wq),
        pa = k.f32(aux(scales, wq, nIn)),
        pb = k.f32(b);
      const rowBytes = 2 * Math.ceil(nIn / 8) * 8;
      for (const [x0, x1] of [
        [image, oneHot],
        [oneHot, zero],
        [zero, zero],
        [image, rand.floats(nIn)],
      ] as const) {
        const pq = k.alloc(2 * rowBytes + 48),
          py = k.alloc(8 * nOut),
          pyRef = k.alloc(4 * nOut),
          pyOne = k.alloc(4 * nOut);
        const sc = [x0, x1].map((x, r) =>
          k.fn("quantizeRowI16")(
            k.f32(x),
            pq + r * rowBytes,
            nIn,
            Math.fround(Math.max(1e-3, ...Array.from(x, Math.abs)) / limit),
            limit,
          ),
        );
        k.fn("denseQ8DotI16x2")(
          pq,
          pq + rowBytes,
          pq + 2 * rowBytes,
          pw,
          pa,
          pb,
          py,
          4 * nOut,
          nIn,
          nOut,
          sc[0]!,
          sc[1]!,
        );
        for (const r of [0, 1]) {
          k.fn("denseQ8DotI16Ref")(pq + r * rowBytes, pw, pa, pb, pyRef, nIn, nOut, sc[r]!);
          k.fn("denseQ8DotI16")(pq + r * rowBytes, pw, pa, pb, pyOne, nIn, nOut, sc[r]!);
          const ref = Array.from(k.read(pyRef, nOut));
          expect(Array.from(k.read(pyOne, nOut)), `one row ${r}`).toEqual(ref);
          expect(Array.from(k.read(py + 4 * nOut * r, nOut)), `two rows, row ${r}`).toEqual(ref);
        }
      }
    },
  );

  it("a static scale too small for the row: values clamp to ±limit, ±∞ too, halves round to even, NaN lanes give 0 (fast = reference)", () => {
    const limit = 1000,
      scale = 0.5;
    const x = Float32Array.from([
      0.25,
      0.75,
      -0.25,
      -0.75,
      1.25,
      499.75,
      500.25,
      -500.25,
      1e30,
      -1e30,
      Infinity,
      -Infinity,
      0,
      -0,
      3,
      NaN,
      7,
      8,
      9.5,
      -9.5,
      11,
    ]);
    const want = Array.from(x, (v) =>
      Number.isNaN(v) ? 0 : Math.max(-limit, Math.min(limit, rint(Math.fround(v / scale)))) + 0,
    ); // an i16 has no −0
    for (const name of ["quantizeRowI16", "quantizeRowI16Ref"]) {
      k.reset();
      const pq = k.alloc(2 * x.length + 16);
      expect(Number.isNaN(k.fn(name)(k.f32(x), pq, x.length, scale, limit)), name).toBe(true);
      expect(Array.from(new Int16Array(k.readU8(pq, 2 * x.length).buffer)), name).toEqual(want);
    }
  });

  it("a NaN in the row makes the returned scale NaN", () => {
    const x = Array.from({ length: 21 }, (_, i) => (i === 11 ? NaN : i));
    for (const name of ["quantizeRowI16", "quantizeRowI16Ref"]) {
      k.reset();
      expect(Number.isNaN(k.fn(name)(k.f32(x), k.alloc(64), 21, 0.01, 1000)), name).toBe(true);
    }
  });
});

describe("quantizeRows (pack time)", () => {
  it("is symmetric per output channel and rounds half to even", () => {
    const { values, scales } = quantizeRows([127, 63.5, -127, 0.5, 1, -2], 2, 3);
    expect(Array.from(scales)).toEqual([1, Math.fround(2 / 127)]);
    expect(Array.from(values.subarray(0, 3))).toEqual([127, 64, -127]); // 63.5 → 64 (even)
    expect(Array.from(values.subarray(3))).toEqual([32, 64, -127]); // 0.5·63.5 = 31.75 → 32
  });
});

/** Scales rounded up to bfloat16 (an f32 whose lower 16 bits are zero), as pack-time quantization stores them. */
const bf16Up = (x: number) => {
  const d = new DataView(new ArrayBuffer(4));
  d.setFloat32(0, x);
  if (d.getFloat32(0) < x || d.getUint16(2) !== 0) d.setUint16(0, d.getUint16(0) + 1);
  d.setUint16(2, 0);
  return d.getFloat32(0);
};

describe.each(BUILDS)("the DENSE_Q8 step in every aux layout · %s build", (build) => {
  const k = new KernelHarness(build);
  const f = Math.fround;
  // Step flags, as docs/format.md numbers them.
  const STATIC = 1,
    I16 = 2,
    BF16 = 4,
    NO_ROW_SUMS = 8;

  /** aux as docs/format.md lays it out: scales (f32, or bf16 u16 padded to 4 bytes), row sums (i32) unless NO_ROW_SUMS, static scale and zero point. */
  function auxBytes(
    scales: number[],
    wq: Int8Array,
    nIn: number,
    flags: number,
    input?: { scale: number; zp: number },
  ): Uint8Array {
    const nOut = scales.length;
    const scalesBytes = flags & BF16 ? 4 * Math.ceil(nOut / 2) : 4 * nOut,
      sumsBytes = flags & NO_ROW_SUMS ? 0 : 4 * nOut;
    const a = new Uint8Array(scalesBytes + sumsBytes + (input ? 8 : 0)).fill(0xee); // padding poisoned
    const v = new DataView(a.buffer);
    scales.forEach((s, o) =>
      flags & BF16
        ? v.setUint16(2 * o, new DataView(Float32Array.of(s).buffer).getUint16(2, true), true)
        : v.setFloat32(4 * o, s, true),
    );
    if (sumsBytes)
      for (let o = 0; o < nOut; o++) {
        let sum = 0;
        for (let i = 0; i < nIn; i++) sum += wq[o * nIn + i]!;
        v.setInt32(scalesBytes + 4 * o, sum, true);
      }
    if (input) {
      v.setFloat32(scalesBytes + sumsBytes, input.scale, true);
      v.setInt32(scalesBytes + sumsBytes + 4, input.zp, true);
    }
    return a;
  }

  /** One row through the layer, in plain JavaScript: the row's integers, exact i32 sums, f32(acc)·f32(xScale·scale) + b. */
  function want(
    x: Float32Array,
    wq: Int8Array,
    scales: number[],
    b: Float32Array,
    flags: number,
    input?: { scale: number; zp: number },
  ): number[] {
    const nIn = x.length,
      _nOut = scales.length;
    let q: number[], xScale: number;
    if (flags & I16) {
      const limit = Math.min(32767, Math.floor(2147483647 / (127 * nIn)));
      xScale = input ? input.scale : f(Math.max(...Array.from(x, Math.abs)) / limit);
      q = Array.from(x, (v) => Math.max(-limit, Math.min(limit, rint(f(v / xScale)))));
    } else if (input) {
      xScale = input.scale;
      q = Array.from(x, (v) => Math.max(0, Math.min(255, rint(f(v / xScale)) + input.zp)) - input.zp);
    } else {
      const d = dynamicQuantize(x);
      xScale = d.scale;
      q = Array.from(d.q, (v) => v - d.zp);
    }
    return scales.map((s, o) => {
      let acc = 0;
      for (let i = 0; i < nIn; i++) acc += q[i]! * wq[o * nIn + i]!;
      return f(f(f(acc) * f(xScale * s)) + b[o]!);
    });
  }

  const layouts: Array<[string, number, { scale: number; zp: number } | undefined]> = [
    ["uint8 rows, f32 scales (quantized graphs)", 0, undefined],
    ["uint8 rows, bf16 scales", BF16, undefined],
    ["uint8 rows, static, bf16 scales", BF16 | STATIC, { scale: f(0.031), zp: 97 }],
    ["int16 rows with row sums, f32 scales (ABI 2 images)", I16, undefined],
    ["int16 rows, bf16 scales, no row sums", I16 | BF16 | NO_ROW_SUMS, undefined],
    ["int16 rows, static, bf16 scales, no row sums", I16 | BF16 | NO_ROW_SUMS | STATIC, { scale: f(5 / 1000), zp: 0 }],
    ["int16 rows, static, f32 scales, no row sums", I16 | NO_ROW_SUMS | STATIC, { scale: f(5 / 1000), zp: 0 }],
  ];
  it.each(
    layouts.flatMap(([name, flags, input]) =>
      [
        [5, 3],
        [37, 9],
        [64, 17],
      ].map(([nIn, nOut]) => [name, flags, input, nIn!, nOut!] as const),
    ),
  )("%s, in=%i… : three rows (a pair and one alone) equal the JavaScript reference", (_, flags, input, nIn, nOut) => {
    const rand = seeded(`rows ${flags} ${nIn}x${nOut}`);
    const w = rand.floats(nIn * nOut),
      b = rand.floats(nOut);
    const wMax = (o: number) => Math.max(...Array.from(w.subarray(o * nIn, (o + 1) * nIn), Math.abs));
    const scales = Array.from({ length: nOut }, (_, o) => (flags & BF16 ? bf16Up(wMax(o) / 127) : f(wMax(o) / 127)));
    const wq = Int8Array.from(w, (v, j) => rint(v / scales[Math.floor(j / nIn)]!));
    const rows = [rand.floats(nIn, -3, 5), rand.floats(nIn, 0, 2), rand.floats(nIn, -1, 1)];
    k.reset();
    const px = k.f32(rows.flatMap((r) => Array.from(r))),
      py = k.alloc(3 * 4 * nOut);
    const scratch = k.alloc(4 * Math.ceil(nIn / 8) * 8 + 64);
    k.fn("denseQ8Rows")(
      px,
      4 * nIn,
      scratch,
      k.bytes(wq),
      k.bytes(auxBytes(scales, wq, nIn, flags, input)),
      k.f32(b),
      py,
      4 * nOut,
      nIn,
      nOut,
      3,
      flags,
    );
    rows.forEach((x, r) =>
      expect(Array.from(k.read(py + 4 * nOut * r, nOut)), `row ${r}`).toEqual(want(x, wq, scales, b, flags, input)),
    );
  });
});

describe("quantizeRows with bf16 scales (post-training quantization)", () => {
  it("rounds max|W| / 127 up to a bfloat16 value and quantizes with exactly that scale", () => {
    const { values, scales } = quantizeRows([1, 0.5, -0.25, 0, 0, 0], 2, 3, "bf16");
    // 1/127 = 0x3C010204 as f32 → up to the bf16 0x3C02 = 2^-7 · (1 + 2/128) = 0.0079345703125.
    expect(Array.from(scales)).toEqual([0.0079345703125, 0]);
    expect(Array.from(values)).toEqual([126, 63, -32, 0, 0, 0]); // 1 / 0.00793… = 126.03, 0.25 / 0.00793… = 31.51
  });

  it("on random rows: bf16 scales within 2^-7 above max|W| / 127, every |q| ≤ 127, no clipping", () => {
    const rand = seeded("bf16 rows");
    const nOut = 300,
      nIn = 50;
    const w = Float32Array.from(rand.floats(nOut * nIn), (v, j) => v * 10 ** ((j % 7) - 4)); // rows spanning 1e-4 .. 100
    const { values, scales } = quantizeRows(w, nOut, nIn, "bf16");
    for (let o = 0; o < nOut; o++) {
      const row = Array.from(w.subarray(o * nIn, (o + 1) * nIn)),
        max = Math.max(...row.map(Math.abs)),
        s = scales[o]!;
      expect(new Uint32Array(Float32Array.of(s).buffer)[0]! & 0xffff).toBe(0);
      expect(s).toBeGreaterThanOrEqual(max / 127);
      expect(s).toBeLessThan((max / 127) * (1 + 2 ** -7));
      row.forEach((v, i) => {
        expect(Math.abs(v / s)).toBeLessThanOrEqual(127); // no clipping: q = round(W / scale) exactly
        expect(values[o * nIn + i]).toBe(rint(v / s));
      });
    }
  });
});
