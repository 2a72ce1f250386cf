// Conv, MaxPool and AveragePool over many geometries (1-D and 2-D; groups, depthwise with and
// without a channel multiplier, strides, dilations, asymmetric pads, auto_pad, ceil_mode,
// count_include_pad; channel counts that are and are not multiples of four), packed from small
// ONNX graphs, against the operators' definitions in float64 (test/helpers/reference.ts), in
// both builds, which give the same bits.
import { describe, expect, it } from "vitest";
import { Model } from "../../src/index.js";
import { describeStep } from "../../src/ops/index.js";
import { pack } from "../../src/pack.js";
import { bits } from "../assembly/same-bits.js";
import { expectAllClose } from "../helpers/close.js";
import { onnxModel } from "../helpers/onnx-builder.js";
import { convRef, poolRef, type WindowAxis } from "../helpers/reference.js";
import { seeded } from "../helpers/rng.js";

const TOL = { atol: 1e-5, rtol: 1e-5 };
const N = 3;

interface ConvCase {
  C: number;
  M: number;
  G: number;
  spatial: number[];
  k: number[];
  s?: number[];
  d?: number[];
  pads?: number[];
  autoPad?: string;
}

/** Output size and pads of one axis, as ONNX defines them. */
function axisOf(
  size: number,
  k: number,
  s: number,
  d: number,
  pb: number,
  pe: number,
  autoPad = "NOTSET",
  ceil = false,
): WindowAxis {
  const span = (k - 1) * d + 1;
  if (autoPad.startsWith("SAME")) {
    const out = Math.ceil(size / s);
    const total = Math.max(0, (out - 1) * s + span - size);
    const lo = autoPad === "SAME_UPPER" ? Math.floor(total / 2) : Math.ceil(total / 2);
    return { size, k, s, d, pb: lo, pe: total - lo, out };
  }
  if (autoPad === "VALID") [pb, pe] = [0, 0];
  const room = size + pb + pe - span;
  let out = (ceil ? Math.ceil(room / s) : Math.floor(room / s)) + 1;
  if (ceil && (out - 1) * s >= size + pb) out--;
  return { size, k, s, d, pb, pe, out };
}

const CONVS: Record<string, ConvCase> = {
  "2-D 3×3, pad 1": { C: 3, M: 8, G: 1, spatial: [7, 6], k: [3, 3], pads: [1, 1, 1, 1] },
  "2-D, M not a multiple of 4, strides 2×1": { C: 5, M: 6, G: 1, spatial: [9, 8], k: [3, 2], s: [2, 1] },
  "2-D, dilations 2, asymmetric pads": { C: 4, M: 5, G: 1, spatial: [9, 9], k: [3, 3], d: [2, 2], pads: [0, 2, 1, 3] },
  "2-D groups 2": { C: 6, M: 10, G: 2, spatial: [6, 7], k: [3, 3], pads: [1, 1, 1, 1] },
  "2-D groups 3, 3 outputs per group": { C: 6, M: 9, G: 3, spatial: [5, 5], k: [2, 2] },
  "depthwise 8 channels, stride 2": { C: 8, M: 8, G: 8, spatial: [9, 9], k: [3, 3], s: [2, 2], pads: [1, 1, 1, 1] },
  "depthwise 6 channels (a tail of 2)": { C: 6, M: 6, G: 6, spatial: [7, 5], k: [3, 3], pads: [1, 0, 1, 2] },
  "depthwise, multiplier 2": { C: 3, M: 6, G: 3, spatial: [6, 6], k: [3, 3] },
  "2-D SAME_UPPER, stride 2": { C: 2, M: 4, G: 1, spatial: [7, 8], k: [3, 3], s: [2, 2], autoPad: "SAME_UPPER" },
  "2-D SAME_LOWER, 4×4 kernel": { C: 2, M: 3, G: 1, spatial: [6, 6], k: [4, 4], autoPad: "SAME_LOWER" },
  "2-D VALID, 1×1 kernel": { C: 7, M: 12, G: 1, spatial: [4, 5], k: [1, 1], autoPad: "VALID" },
  "1-D kernel 5, stride 2, pad 2": { C: 3, M: 7, G: 1, spatial: [20], k: [5], s: [2], pads: [2, 2] },
  "1-D dilation 3, depthwise": { C: 5, M: 5, G: 5, spatial: [17], k: [3], d: [3], pads: [1, 2] },
};

describe.each(Object.entries(CONVS))("Conv: %s", (label, c) => {
  const rng = seeded(label);
  const r = c.spatial.length;
  const s = c.s ?? new Array(r).fill(1),
    d = c.d ?? new Array(r).fill(1),
    pads = c.pads ?? new Array(2 * r).fill(0);
  const axes = c.spatial.map((size, i) => axisOf(size, c.k[i]!, s[i]!, d[i]!, pads[i]!, pads[i + r]!, c.autoPad));
  const wDims = [c.M, c.C / c.G, ...c.k];
  const w = rng.floats(wDims.reduce((a, b) => a * b, 1));
  const b = rng.floats(c.M);
  const attrs: Record<string, number | string | number[]> = { kernel_shape: c.k, strides: s, dilations: d, group: c.G };
  if (c.autoPad) attrs.auto_pad = c.autoPad;
  else attrs.pads = pads;
  const bytes = onnxModel({
    input: { name: "x", dims: ["N", c.C, ...c.spatial] },
    nodes: [{ op: "Conv", inputs: ["x", "W", "B"], outputs: ["y"], attrs }],
    outputs: ["y"],
    initializers: { W: { dims: wDims, data: Array.from(w) }, B: { dims: [c.M], data: Array.from(b) } },
    opset: 13,
  });
  const inLen = c.C * c.spatial.reduce((a, v) => a * v, 1);
  const x = rng.floats(N * inLen, -2, 2);
  const image = pack(bytes);
  const run = (simd: "require" | "off") => Model.load(image, { simd }).predictBatch(x, N);

  it("is ONNX's Conv (float64 reference) in both builds, bit-identical between them", () => {
    const want = Array.from({ length: N }, (_, n) =>
      Array.from(convRef(x.subarray(n * inLen, (n + 1) * inLen), w, b, c.C, c.M, c.G, axes)),
    ).flat();
    for (const simd of ["require", "off"] as const) expectAllClose(run(simd), want, TOL, simd);
    expect(bits(run("off"))).toEqual(bits(run("require")));
    const depthwise = c.G === c.C && c.M === c.C;
    expect(
      Model.load(image)
        .info.steps.map(describeStep)
        .some((t) => t.includes("depthwise")),
    ).toBe(depthwise);
  });
});

interface PoolCase {
  op: "MaxPool" | "AveragePool";
  C: number;
  spatial: number[];
  k: number[];
  s?: number[];
  d?: number[];
  pads?: number[];
  autoPad?: string;
  ceil?: boolean;
  countPad?: boolean;
}

const POOLS: Record<string, PoolCase> = {
  "MaxPool 2×2 stride 2": { op: "MaxPool", C: 4, spatial: [8, 8], k: [2, 2], s: [2, 2] },
  "MaxPool 3×3, pads, 5 channels": { op: "MaxPool", C: 5, spatial: [7, 6], k: [3, 3], pads: [1, 1, 1, 1] },
  "MaxPool ceil_mode": { op: "MaxPool", C: 3, spatial: [7, 7], k: [3, 3], s: [2, 2], ceil: true },
  "MaxPool dilations 2": { op: "MaxPool", C: 6, spatial: [8, 8], k: [2, 2], d: [2, 2] },
  "MaxPool 1-D SAME_UPPER": { op: "MaxPool", C: 3, spatial: [15], k: [4], s: [3], autoPad: "SAME_UPPER" },
  "AveragePool pads, exclusive": { op: "AveragePool", C: 4, spatial: [6, 7], k: [3, 3], pads: [1, 0, 1, 2] },
  "AveragePool pads, count_include_pad": {
    op: "AveragePool",
    C: 5,
    spatial: [6, 7],
    k: [3, 3],
    pads: [1, 1, 2, 1],
    countPad: true,
  },
  "AveragePool ceil_mode + count_include_pad": {
    op: "AveragePool",
    C: 4,
    spatial: [7, 7],
    k: [3, 3],
    s: [2, 2],
    pads: [1, 1, 1, 1],
    ceil: true,
    countPad: true,
  },
  "AveragePool 1-D stride 2, pad 1": { op: "AveragePool", C: 7, spatial: [16], k: [3], s: [2], pads: [1, 1] },
};

describe.each(Object.entries(POOLS))("%s", (label, c) => {
  const rng = seeded(label);
  const r = c.spatial.length;
  const s = c.s ?? new Array(r).fill(1),
    d = c.d ?? new Array(r).fill(1),
    pads = c.pads ?? new Array(2 * r).fill(0);
  const axes = c.spatial.map((size, i) =>
    axisOf(size, c.k[i]!, s[i]!, d[i]!, pads[i]!, pads[i + r]!, c.autoPad, c.ceil),
  );
  const attrs: Record<string, number | string | number[]> = { kernel_shape: c.k, strides: s };
  if (c.op === "MaxPool") attrs.dilations = d;
  if (c.autoPad) attrs.auto_pad = c.autoPad;
  else attrs.pads = pads;
  if (c.ceil) attrs.ceil_mode = 1;
  if (c.countPad) attrs.count_include_pad = 1;
  const bytes = onnxModel({
    input: { name: "x", dims: ["N", c.C, ...c.spatial] },
    nodes: [{ op: c.op, inputs: ["x"], outputs: ["y"], attrs }],
    outputs: ["y"],
    opset: 12,
  });
  const inLen = c.C * c.spatial.reduce((a, v) => a * v, 1);
  const x = rng.floats(N * inLen, -2, 2);
  const image = pack(bytes);
  const run = (simd: "require" | "off") => Model.load(image, { simd }).predictBatch(x, N);
  const mode = c.op === "MaxPool" ? "max" : c.countPad ? "avgPad" : "avg";

  it("is ONNX's pooling (float64 reference) in both builds, bit-identical between them", () => {
    const want = Array.from({ length: N }, (_, n) =>
      Array.from(poolRef(x.subarray(n * inLen, (n + 1) * inLen), c.C, axes, mode)),
    ).flat();
    for (const simd of ["require", "off"] as const) expectAllClose(run(simd), want, TOL, simd);
    expect(bits(run("off"))).toEqual(bits(run("require")));
  });
});

describe("layouts", () => {
  const rng = seeded("layouts");
  const C = 3,
    M = 4,
    H = 5,
    W = 6;
  const w1 = rng.floats(M * C * 9),
    b1 = rng.floats(M),
    w2 = rng.floats(M * C),
    b2 = rng.floats(M);
  const axes3 = [
    { size: H, k: 3, s: 1, d: 1, pb: 1, pe: 1, out: H },
    { size: W, k: 3, s: 1, d: 1, pb: 1, pe: 1, out: W },
  ];
  const axes1 = [
    { size: H, k: 1, s: 1, d: 1, pb: 0, pe: 0, out: H },
    { size: W, k: 1, s: 1, d: 1, pb: 0, pe: 0, out: W },
  ];
  const inits = {
    W1: { dims: [M, C, 3, 3], data: Array.from(w1) },
    B1: { dims: [M], data: Array.from(b1) },
    W2: { dims: [M, C, 1, 1], data: Array.from(w2) },
    B2: { dims: [M], data: Array.from(b2) },
  };
  const x = rng.floats(N * C * H * W, -2, 2);
  const inLen = C * H * W;

  it("tf2onnx's NHWC input and output: Transpose → Conv → Transpose runs as one CONV step, no transpose", () => {
    const bytes = onnxModel({
      input: { name: "x", dims: ["N", H, W, C] },
      nodes: [
        { op: "Transpose", inputs: ["x"], outputs: ["t"], attrs: { perm: [0, 3, 1, 2] } },
        { op: "Conv", inputs: ["t", "W1", "B1"], outputs: ["c"], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
        { op: "Relu", inputs: ["c"], outputs: ["r"] },
        { op: "Transpose", inputs: ["r"], outputs: ["y"], attrs: { perm: [0, 2, 3, 1] } },
      ],
      outputs: ["y"],
      initializers: inits,
      opset: 13,
    });
    const image = pack(bytes);
    expect(Model.load(image).info.steps.map(describeStep)).toEqual(["CONV         90 → 120   relu"]);
    const want: number[] = [];
    for (let n = 0; n < N; n++) {
      const nhwc = x.subarray(n * inLen, (n + 1) * inLen);
      const nchw = Float64Array.from({ length: inLen }, (_, i) => {
        const c = Math.floor(i / (H * W)),
          p = i % (H * W);
        return nhwc[p * C + c]!;
      });
      const y = convRef(nchw, w1, b1, C, M, 1, axes3).map((v) => Math.max(v, 0));
      for (let p = 0; p < H * W; p++) for (let m = 0; m < M; m++) want.push(y[m * H * W + p]!);
    }
    for (const simd of ["require", "off"] as const)
      expectAllClose(Model.load(image, { simd }).predictBatch(x, N), want, TOL, simd);
  });

  it("tf2onnx's GlobalAveragePooling2D (ReduceMean over NHWC axes [1, 2]) → MatMul: CONV, POOL, DENSE", () => {
    const wm = rng.floats(M * 3);
    const bytes = onnxModel({
      input: { name: "x", dims: ["N", H, W, C] },
      nodes: [
        { op: "Transpose", inputs: ["x"], outputs: ["t"], attrs: { perm: [0, 3, 1, 2] } },
        { op: "Conv", inputs: ["t", "W1", "B1"], outputs: ["c"], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
        { op: "Relu", inputs: ["c"], outputs: ["r"] },
        { op: "Transpose", inputs: ["r"], outputs: ["h"], attrs: { perm: [0, 2, 3, 1] } },
        { op: "ReduceMean", inputs: ["h"], outputs: ["p"], attrs: { axes: [1, 2], keepdims: 0 } },
        { op: "MatMul", inputs: ["p", "Wm"], outputs: ["y"] },
      ],
      outputs: ["y"],
      initializers: { ...inits, Wm: { dims: [M, 3], data: Array.from(wm) } },
      opset: 13,
    });
    const image = pack(bytes);
    expect(Model.load(image).info.steps.map(describeStep)).toEqual([
      "CONV         90 → 120   relu",
      "POOL        120 → 4     average",
      "DENSE_NARROW     4 → 3",
    ]);
    const want: number[] = [];
    for (let n = 0; n < N; n++) {
      const nhwc = x.subarray(n * inLen, (n + 1) * inLen);
      const nchw = Float64Array.from({ length: inLen }, (_, i) => nhwc[(i % (H * W)) * C + Math.floor(i / (H * W))]!);
      const y = convRef(nchw, w1, b1, C, M, 1, axes3).map((v) => Math.max(v, 0));
      const mean = Array.from(
        { length: M },
        (_, m) => y.slice(m * H * W, (m + 1) * H * W).reduce((a, v) => a + v, 0) / (H * W),
      );
      for (let o = 0; o < 3; o++) want.push(mean.reduce((a, v, m) => a + v * wm[m * 3 + o]!, 0));
    }
    for (const simd of ["require", "off"] as const)
      expectAllClose(Model.load(image, { simd }).predictBatch(x, N), want, TOL, simd);
  });

  it("Concat of two convolutions on the channel axis, then Flatten → Gemm", () => {
    const wg = rng.floats(2 * 2 * M * H * W);
    const bytes = onnxModel({
      input: { name: "x", dims: ["N", C, H, W] },
      nodes: [
        { op: "Conv", inputs: ["x", "W1", "B1"], outputs: ["a"], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
        { op: "Conv", inputs: ["x", "W2", "B2"], outputs: ["b"], attrs: { kernel_shape: [1, 1] } },
        { op: "Concat", inputs: ["a", "b"], outputs: ["c"], attrs: { axis: 1 } },
        { op: "Flatten", inputs: ["c"], outputs: ["f"] },
        { op: "Gemm", inputs: ["f", "G"], outputs: ["y"], attrs: { transB: 1 } },
      ],
      outputs: ["y"],
      initializers: { ...inits, G: { dims: [2, 2 * M * H * W], data: Array.from(wg) } },
      opset: 13,
    });
    const image = pack(bytes);
    const want: number[] = [];
    for (let n = 0; n < N; n++) {
      const xi = x.subarray(n * inLen, (n + 1) * inLen);
      const cat = [...convRef(xi, w1, b1, C, M, 1, axes3), ...convRef(xi, w2, b2, C, M, 1, axes1)];
      for (let o = 0; o < 2; o++) want.push(cat.reduce((a, v, i) => a + v * wg[o * cat.length + i]!, 0));
    }
    for (const simd of ["require", "off"] as const)
      expectAllClose(Model.load(image, { simd }).predictBatch(x, N), want, { atol: 1e-4, rtol: 1e-5 }, simd);
  });
});

describe("two rows: Mul and Sub", () => {
  it("SiLU gating (Conv → Sigmoid, Mul with itself) and a Sub of two convolutions, channels-last, BINARY steps", () => {
    const rng = seeded("binary rows");
    const C = 2,
      M = 4,
      H = 4,
      W = 5;
    const w1 = rng.floats(M * C * 9),
      b1 = rng.floats(M),
      w2 = rng.floats(M * C * 9),
      b2 = rng.floats(M);
    const ax = [
      { size: H, k: 3, s: 1, d: 1, pb: 1, pe: 1, out: H },
      { size: W, k: 3, s: 1, d: 1, pb: 1, pe: 1, out: W },
    ];
    const conv = (name: string, w: string, b: string, out: string) => ({
      op: "Conv",
      name,
      inputs: ["x", w, b],
      outputs: [out],
      attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] },
    });
    const bytes = onnxModel({
      input: { name: "x", dims: ["N", C, H, W] },
      nodes: [
        conv("c1", "W1", "B1", "a"),
        { op: "Sigmoid", inputs: ["a"], outputs: ["s"] },
        { op: "Mul", inputs: ["a", "s"], outputs: ["g"] },
        conv("c2", "W2", "B2", "c"),
        { op: "Sub", inputs: ["g", "c"], outputs: ["y"] },
      ],
      outputs: ["y"],
      initializers: {
        W1: { dims: [M, C, 3, 3], data: Array.from(w1) },
        B1: { dims: [M], data: Array.from(b1) },
        W2: { dims: [M, C, 3, 3], data: Array.from(w2) },
        B2: { dims: [M], data: Array.from(b2) },
      },
      opset: 13,
    });
    const x = rng.floats(N * C * H * W, -2, 2);
    const image = pack(bytes);
    expect(
      Model.load(image)
        .info.steps.map(describeStep)
        .filter((t) => t.startsWith("BINARY")),
    ).toEqual(["BINARY       80 → 80    mul", "BINARY       80 → 80    add"]);
    const inLen = C * H * W;
    const want: number[] = [];
    for (let n = 0; n < N; n++) {
      const xi = x.subarray(n * inLen, (n + 1) * inLen);
      const a = convRef(xi, w1, b1, C, M, 1, ax),
        c = convRef(xi, w2, b2, C, M, 1, ax);
      a.forEach((v, i) => want.push(v * (1 / (1 + Math.exp(-v))) - c[i]!));
    }
    for (const simd of ["require", "off"] as const)
      expectAllClose(Model.load(image, { simd }).predictBatch(x, N), want, TOL, simd);
  });
});
