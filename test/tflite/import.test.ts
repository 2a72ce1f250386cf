// TFLite import end to end on the MLPerf Tiny models (test/fixtures/tflite): the int8
// anomaly-detection autoencoder, keyword-spotting DS-CNN, visual-wake-words MobileNet and ResNet-8 bit for
// bit against LiteRT.js in both builds, the float autoencoder within the judging tolerance, and
// the refusals of what is not imported yet, naming the subgraph, the operator's index and its
// builtin.
import { describe, expect, it } from "vitest";
import { buildStandalone } from "../../src/build/standalone.js";
import { Model } from "../../src/index.js";
import { describeStep } from "../../src/ops/index.js";
import { listTfliteOps, pack, packTflite } from "../../src/pack.js";
import { UnsupportedTfliteOpError } from "../../src/tflite/import.js";
import { decodeTflite } from "../../src/tflite/schema.js";
import { cli } from "../helpers/cli.js";
import { expectAllClose } from "../helpers/close.js";
import { tfliteFixture } from "./fixtures.js";

/** The judging tolerance for float models: 1e-4 absolute plus 1e-5 relative. */
const FLOAT_TOL = { atol: 1e-4, rtol: 1e-5 };

describe("anomaly detection ad01, int8 (MLPerf Tiny)", () => {
  const f = tfliteFixture("ad01_int8.tflite");
  const image = pack(f.bytes);

  it("is ten FC_I8 steps, int8 in and out", () => {
    const m = Model.load(image);
    expect(m.info.steps.map(describeStep).every((d) => d.startsWith("FC_I8"))).toBe(true);
    expect(m.info.steps).toHaveLength(10);
    expect(m.info.inputLength).toBe(640);
  });

  it("gives LiteRT.js's int8 outputs bit for bit, in both builds", () => {
    for (const simd of ["require", "off"] as const)
      expect(Array.from(Model.load(image, { simd }).predictBatch(f.rows, f.nRows)), simd).toEqual(f.expected);
  });

  it("row by row as in a batch", () => {
    const m = Model.load(image);
    const n = f.ref.input.shape[1]!;
    const rows = Array.from({ length: f.nRows }, (_, r) => Array.from(m.predict(f.rows.subarray(r * n, (r + 1) * n))));
    expect(rows.flat()).toEqual(f.expected);
  });

  it("arithmetic 'reference' gives TFLite's reference kernels' bits (transcribed below), in both builds", () => {
    const image = packTflite(f.bytes, { arithmetic: "reference" });
    const want = f.ref.rows.flatMap((r) => referenceChain(f.bytes, r.input));
    for (const simd of ["require", "off"] as const)
      expect(Array.from(Model.load(image, { simd }).predictBatch(f.rows, f.nRows)), simd).toEqual(want);
  });
});

// TFLite's reference_integer_ops::FullyConnected with its helpers (common.h, quantization_util.cc),
// transcribed in BigInt straight from the C++ (not from the kernels here), over the model's layers.
const I32 = (v: bigint) => BigInt.asIntN(32, v);
function srdhm(a: bigint, b: bigint): bigint {
  if (a === b && a === -(2n ** 31n)) return 2n ** 31n - 1n;
  const ab = a * b;
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  return I32((ab + nudge) / (1n << 31n)); // BigInt division truncates toward zero, as C++'s does
}
function rdbpot(x: bigint, e: bigint): bigint {
  const mask = (1n << e) - 1n;
  const threshold = (mask >> 1n) + (x < 0n ? 1n : 0n);
  return (x >> e) + ((x & mask) > threshold ? 1n : 0n);
}
function quantizeMultiplier(d: number): [bigint, bigint] {
  if (d === 0) return [0n, 0n];
  let e = 0,
    q = d;
  while (q >= 1) {
    q /= 2;
    e++;
  }
  while (q < 0.5) {
    q *= 2;
    e--;
  }
  let qf = BigInt(Math.round(q * 2 ** 31)); // q > 0: std::round is Math.round here
  if (qf === 1n << 31n) {
    qf /= 2n;
    e++;
  }
  return e < -31 ? [0n, 0n] : [qf, BigInt(e)];
}
function referenceChain(bytes: Uint8Array, input: number[]): number[] {
  const sg = decodeTflite(bytes).subgraphs[0]!;
  let x = input.map(BigInt);
  for (const op of sg.operators) {
    const [xt, wt, bt] = op.inputs.map((i) => sg.tensors[i]!);
    const yt = sg.tensors[op.outputs[0]!]!;
    const [nOut, nIn] = wt!.shape as [number, number];
    const w = new Int8Array(wt!.data!.slice().buffer);
    const b = new Int32Array(bt!.data!.slice().buffer);
    const [m, shift] = quantizeMultiplier((xt!.quant!.scale[0]! * wt!.quant!.scale[0]!) / yt.quant!.scale[0]!);
    const inOffset = BigInt(-xt!.quant!.zeroPoint[0]!),
      outZp = BigInt(yt.quant!.zeroPoint[0]!);
    const lo = op.options.int8(0) === 1 ? Math.max(-128, Number(outZp)) : -128; // fused relu: q(0) = zp
    x = Array.from({ length: nOut }, (_, o) => {
      let acc = 0n;
      for (let i = 0; i < nIn; i++) acc += (x[i]! + inOffset) * BigInt(w[o * nIn + i]!);
      acc = I32(acc + BigInt(b[o]!));
      const left = shift > 0n ? shift : 0n,
        right = shift > 0n ? 0n : -shift;
      acc = rdbpot(srdhm(I32(acc * (1n << left)), m), right) + outZp;
      return BigInt(Math.min(127, Math.max(lo, Number(acc))));
    });
  }
  return x.map(Number);
}

describe("anomaly detection ad01, float32 (MLPerf Tiny)", () => {
  const f = tfliteFixture("ad01_fp32.tflite");

  it("matches LiteRT.js within 1e-4 + 1e-5 relative, in both builds", () => {
    const image = pack(f.bytes);
    for (const simd of ["require", "off"] as const)
      expectAllClose(Model.load(image, { simd }).predictBatch(f.rows, f.nRows), f.expected, FLOAT_TOL, simd);
  });
});

describe("image classification ResNet-8, float32 (MLPerf Tiny)", () => {
  const f = tfliteFixture("pretrainedResnet.tflite");
  const image = pack(f.bytes);

  it("runs as CONV (RELU fused), BINARY add, POOL, DENSE and the softmax: no transposes", () => {
    const names = new Set(Model.load(image).info.steps.map((s) => describeStep(s).split(" ")[0]));
    expect(names.has("TRANSPOSE")).toBe(false);
    expect(names.has("CONV") && names.has("BINARY") && names.has("POOL")).toBe(true);
  });

  it("matches LiteRT.js within 1e-4 + 1e-5 relative, in both builds", () => {
    for (const simd of ["require", "off"] as const)
      expectAllClose(Model.load(image, { simd }).predictBatch(f.rows, f.nRows), f.expected, FLOAT_TOL, simd);
  });
});

describe("a float net of the other convolutional builtins (make_float_conv.mjs)", () => {
  // CONV_2D SAME, strides 2×1, RELU6; DEPTHWISE_CONV_2D multiplier 2, dilation 2, RELU; MAX_POOL_2D
  // SAME; 1×1 CONV_2D VALID; ADD with RELU; AVERAGE_POOL_2D SAME (padding not counted).
  const f = tfliteFixture("float_conv.tflite");
  const image = pack(f.bytes);

  it("is CONV, CONV (depthwise), POOL, CONV, BINARY and POOL, the activations fused", () => {
    expect(Model.load(image).info.steps.map((s) => describeStep(s).replace(/ +/g, " "))).toEqual([
      "CONV 216 → 160 clip [0, 6]",
      "CONV 160 → 320 relu",
      "POOL 320 → 96 max",
      "CONV 96 → 96",
      "BINARY 96 → 96 add relu",
      "POOL 96 → 32 average",
    ]);
  });

  it("matches LiteRT.js within 1e-4 + 1e-5 relative, in both builds", () => {
    for (const simd of ["require", "off"] as const)
      expectAllClose(Model.load(image, { simd }).predictBatch(f.rows, f.nRows), f.expected, FLOAT_TOL, simd);
  });
});

describe.each([
  ["keyword spotting DS-CNN", "kws_ref_model.tflite", ["CONV_I8", "POOL_I8", "FC_I8", "SOFTMAX_I8"]],
  ["visual wake words MobileNetV1 0.25", "vww_96_int8.tflite", ["CONV_I8", "POOL_I8", "FC_I8", "SOFTMAX_I8"]],
  [
    "image classification ResNet-8",
    "pretrainedResnet_quant.tflite",
    ["CONV_I8", "COPY", "ADD_I8", "POOL_I8", "FC_I8", "SOFTMAX_I8"],
  ],
])("%s, int8 (MLPerf Tiny)", (_, file, ops) => {
  const f = tfliteFixture(file);
  const image = pack(f.bytes);

  it("runs as the int8 steps (ADD_I8 after the COPY steps that put its addends side by side); RESHAPE is no step", () => {
    const names = new Set(Model.load(image).info.steps.map((s) => describeStep(s).split(" ")[0]));
    expect([...names].sort()).toEqual([...ops].sort());
  });

  it("gives LiteRT.js's int8 outputs bit for bit, in both builds", () => {
    for (const simd of ["require", "off"] as const)
      expect(Array.from(Model.load(image, { simd }).predictBatch(f.rows, f.nRows)), simd).toEqual(f.expected);
  });
});

describe("a float interface around an int8 layer: QUANTIZE → FULLY_CONNECTED → DEQUANTIZE", () => {
  const f = tfliteFixture("float_io_fc.tflite"); // test/fixtures/tflite/make_float_io.mjs

  it("is QUANTIZE (multiply mode), FC_I8 and DEQUANT_I8, and gives LiteRT.js's float outputs bit for bit", () => {
    const image = pack(f.bytes);
    expect(Model.load(image).info.steps.map((s) => describeStep(s).split(" ")[0])).toEqual([
      "QUANTIZE",
      "FC_I8",
      "DEQUANT_I8",
    ]);
    for (const simd of ["require", "off"] as const)
      expect(Array.from(Model.load(image, { simd }).predictBatch(f.rows, f.nRows)), simd).toEqual(f.expected);
  });
});

describe("edgeinfer build of the keyword-spotting model", () => {
  it("is a standalone module of at most 40 KB with its int8 weights, giving LiteRT.js's outputs", async () => {
    const f = tfliteFixture("kws_ref_model.tflite");
    const { wasm } = await buildStandalone(pack(f.bytes), { simd: true });
    expect(wasm.length).toBeLessThanOrEqual(40 * 1024);
    const m = new WebAssembly.Instance(new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>), {}).exports as Record<
      string,
      CallableFunction
    > & {
      memory: WebAssembly.Memory;
    };
    const got = f.ref.rows.flatMap((r) => {
      new Float32Array(m.memory.buffer, m.input_ptr!() as number, r.input.length).set(r.input);
      expect(m.predict!()).toBe(0);
      return Array.from(new Float32Array(m.memory.buffer, m.output_ptr!() as number, m.output_len!() as number));
    });
    expect(got).toEqual(f.expected);
  });
});

describe("refusals", () => {
  it("hybrid convolutions (float input, int8 weights) are refused, naming the subgraph, the operator's index and its builtin", () => {
    expect(() => pack(tfliteFixture("kws_ref_model_float32.tflite").bytes)).toThrow(UnsupportedTfliteOpError);
    expect(() => pack(tfliteFixture("kws_ref_model_float32.tflite").bytes)).toThrow(
      /^subgraph 0, operator 0 \(CONV_2D\): a hybrid convolution \(float input, int8 weights\) is not supported/,
    );
  });

  it("listTfliteOps lowers operator by operator and records the first refusal's reason", () => {
    const { ops } = listTfliteOps(tfliteFixture("kws_ref_model_float32.tflite").bytes);
    expect(ops[0]).toMatchObject({ index: 0, operator: "CONV_2D", version: 2, supported: false });
    expect(ops[0]!.reason).toMatch(/^a hybrid convolution/);
    expect(ops.map((o) => o.operator).slice(-3)).toEqual(["RESHAPE", "FULLY_CONNECTED", "SOFTMAX"]);
  });

  it("quantize int8 is refused: a TFLite model keeps its own quantization", () => {
    expect(() => pack(tfliteFixture("ad01_fp32.tflite").bytes, { quantize: "int8" })).toThrow(
      "a TFLite model keeps its own quantization",
    );
  });

  it("an unknown arithmetic is refused by name", () => {
    expect(() => packTflite(tfliteFixture("ad01_int8.tflite").bytes, { arithmetic: "fast" as "reference" })).toThrow(
      '"fast" is not one of',
    );
  });
});

describe("CLI", () => {
  it("inspect lists the operators, then the packed image; pack writes it", async () => {
    const r = await cli(["inspect", "test/fixtures/tflite/ad01_int8.tflite"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("operators: 10 (0 unsupported)");
    expect(r.out).toContain("FC_I8       640 → 128");
  });

  it("inspect of a refused model shows each operator's verdict and exits with the refusal", async () => {
    const r = await cli(["inspect", "test/fixtures/tflite/kws_ref_model_float32.tflite"]);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/NO {4}0 CONV_2D v2 +a hybrid convolution/);
    expect(r.err).toContain("subgraph 0, operator 0 (CONV_2D)");
  });
});
