/**
 * The models every contender runs (bench/compare.ts): the same ONNX bytes for onnxruntime, the
 * same parameters as dense layers for plain JavaScript and TensorFlow.js, the same packed image
 * for edgeinfer, the same rows, and the reference each contender's answer is checked against.
 *
 * - trained: bench/models/*.onnx, made by bench/models/make_models.py (scikit-learn, torch);
 *   the reference is what the framework itself returned on the stored rows.
 * - fixtures: the ONNX import's test fixtures (test/fixtures/onnx), reference from their JSON.
 * - scaling: MLPs of 3 to ~1M parameters with seeded weights, built here as ONNX (Gemm/Relu);
 *   the reference is a float64 forward pass.
 */
import { readFileSync } from "node:fs";
import protobuf from "protobufjs/light.js";
import { decodeOnnx } from "../src/onnx/decode.js";
import { ONNX_SCHEMA } from "../src/onnx/schema.js";
import { root } from "./suite.js";

export type Act = "relu" | "softmax" | "sigmoid" | "logistic_pair" | "none";

/** One dense layer: W is [nOut × nIn] row-major (ONNX Gemm with transB = 1, torch's Linear). */
export interface Layer {
  nIn: number;
  nOut: number;
  W: Float32Array;
  b: Float32Array;
  act: Act;
}

export interface BenchModel {
  id: string;
  label: string;
  group: "trained" | "fixture" | "scaling";
  onnx: Uint8Array;
  inputName: string;
  /** The ONNX output checked (and fetched) for onnxruntime. */
  outputName: string;
  nIn: number;
  nOut: number;
  /** nRows × nIn, row-major. */
  rows: Float32Array;
  nRows: number;
  /** Reference outputs of each row (nOut values). */
  expected: number[][];
  /**
   * What edgeinfer packs, when not the ONNX: the blog's model is packed from its JSON
   * coefficients (examples/logistic-regression/model.json), the project's documented path for it.
   */
  edgeinferSource?: string;
  /** Dense layers for the plain-JavaScript and TensorFlow.js contenders; absent for fixtures. */
  layers?: Layer[];
  parameters: number;
  /** Largest allowed |difference| for f32 contenders (abs + rel × |want|). */
  tol: { abs: number; rel: number };
}

const onnxRoot = protobuf.Root.fromJSON(ONNX_SCHEMA as unknown as protobuf.INamespace);
const ModelProto = onnxRoot.lookupType("onnx.ModelProto");

function f32File(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** Dense layers of a Gemm/MatMul-free torch export: Gemm(transB=1) nodes with their activations. */
function layersOfTorchMlp(bytes: Uint8Array): Layer[] {
  const m = decodeOnnx(bytes);
  const layers: Layer[] = [];
  for (const n of m.nodes) {
    if (n.opType === "Gemm") {
      if (n.attrs.get("transB") !== 1) throw new Error(`${n.name}: expected transB = 1`);
      const w = m.initializers.get(n.inputs[1]!)!,
        c = m.initializers.get(n.inputs[2]!)!;
      const [nOut, nIn] = w.dims as [number, number];
      layers.push({
        nIn,
        nOut,
        W: Float32Array.from(w.data as Float64Array),
        b: Float32Array.from(c.data as Float64Array),
        act: "none",
      });
    } else if (n.opType === "Relu") layers[layers.length - 1]!.act = "relu";
    else if (n.opType === "Softmax") layers[layers.length - 1]!.act = "softmax";
    else throw new Error(`unexpected ${n.opType} in an MLP export`);
  }
  return layers;
}

const count = (layers: Layer[]) => layers.reduce((s, l) => s + l.nIn * l.nOut + l.nOut, 0);

/** The blog's logistic regression and the two trained MLPs (bench/models/). */
export function trainedModels(): BenchModel[] {
  const dir = root("bench/models");
  const load = (
    id: string,
    label: string,
    layers: (onnx: Uint8Array) => Layer[],
    edgeinferSource?: string,
  ): BenchModel => {
    const onnx = new Uint8Array(readFileSync(`${dir}/${id}.onnx`));
    const ref = JSON.parse(readFileSync(`${dir}/${id}.json`, "utf8")) as {
      rows: number;
      features: number;
      expected: number[][];
      output: string;
    };
    const m = decodeOnnx(onnx);
    const ls = layers(onnx);
    return {
      id,
      label,
      group: "trained",
      onnx,
      inputName: m.inputs[0]!.name,
      outputName: ref.output,
      nIn: ref.features,
      nOut: ref.expected[0]!.length,
      rows: f32File(`${dir}/${id}.rows.f32`),
      nRows: ref.rows,
      expected: ref.expected,
      layers: ls,
      parameters: count(ls),
      tol: { abs: 1e-5, rel: 1e-4 },
      edgeinferSource,
    };
  };
  const blogJson = readFileSync(root("examples/logistic-regression/model.json"), "utf8");
  const blog = JSON.parse(blogJson) as { coefficients: number[][]; intercept: number[] };
  const blogLayers = () => [
    {
      nIn: 2,
      nOut: 1,
      W: Float32Array.from(blog.coefficients[0]!),
      b: Float32Array.from(blog.intercept),
      act: "logistic_pair" as const,
    },
  ];
  const viaOnnx = load("blog_lr", "blog's logistic regression, edgeinfer packed from skl2onnx's ONNX", blogLayers);
  const mlp784 = load("mlp_784_256_128_10", "MLP 784-256-128-10", layersOfTorchMlp);
  return [
    load("blog_lr", "blog's logistic regression (2 features)", blogLayers, blogJson),
    load("mlp_64_128_64_10", "MLP 64-128-64-10", layersOfTorchMlp),
    mlp784,
    denseRows(mlp784),
    // The same model, edgeinfer packing the ONNX (LinearClassifier, Normalizer: a logistic pair and the label's argmax, two steps) as the others do.
    { ...viaOnnx, id: "blog_lr_onnx", group: "fixture", layers: undefined },
  ];
}

/**
 * The same model on rows without a single zero (uniform in [0, 1), the digits' pixel range):
 * its own rows are 62 % zeros, which edgeinfer's SIMD kernels skip, so this shows the dense case
 * beside it. Reference: a float64 forward pass of the model's layers.
 */
function denseRows(m: BenchModel): BenchModel {
  const r = rand(784);
  const rows = Float32Array.from({ length: m.nRows * m.nIn }, () => Math.fround(0.5 + 0.5 * r()) || 0.5);
  const expected = Array.from({ length: m.nRows }, (_, k) =>
    forward64(m.layers!, rows.subarray(k * m.nIn, (k + 1) * m.nIn)),
  );
  return { ...m, id: `${m.id}_dense`, label: `${m.label}, dense rows (no zeros)`, rows, expected };
}

/** Real fixture models of the ONNX import (scikit-learn and torch exports), as users export them. */
export const FIXTURES: Array<[id: string, output: string, expected: string]> = [
  ["skl_scaler_lr_binary_bc_nozipmap", "probabilities", "predict_proba"],
  ["skl_mlp_digits_logistic_nozipmap", "probabilities", "predict_proba"],
  ["skl_scaler_mlp_binary_bc_tanh_nozipmap", "probabilities", "predict_proba"],
  ["torch_mlp_iris_op13", "output", "forward"],
];

export function fixtureModels(): BenchModel[] {
  return FIXTURES.map(([id, outputName, key]) => {
    const dir = root("test/fixtures/onnx");
    const onnx = new Uint8Array(readFileSync(`${dir}/${id}.onnx`));
    const ref = JSON.parse(readFileSync(`${dir}/${id}.json`, "utf8")) as {
      inputs: number[][];
      expected: Record<string, number[][]>;
    };
    const m = decodeOnnx(onnx);
    const expected = ref.expected[key]!;
    let parameters = 0;
    for (const t of m.initializers.values()) if (t.dataType === 1) parameters += t.data.length;
    for (const n of m.nodes)
      for (const [k, v] of n.attrs)
        if (Array.isArray(v) && typeof v[0] === "number" && /coef|intercept|offset|scale/.test(k))
          parameters += v.length;
    return {
      id,
      label: `fixture ${id.replace(/_nozipmap$/, "")}`,
      group: "fixture" as const,
      onnx,
      inputName: m.inputs[0]!.name,
      outputName,
      nIn: ref.inputs[0]!.length,
      nOut: expected[0]!.length,
      rows: Float32Array.from(ref.inputs.flat()),
      nRows: ref.inputs.length,
      expected,
      parameters,
      tol: { abs: 1e-5, rel: 1e-4 },
    };
  });
}

function rand(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

/** Float64 forward pass of dense layers (the reference for seeded models). */
export function forward64(layers: Layer[], x: ArrayLike<number>): number[] {
  let h = Array.from(x);
  for (const l of layers) {
    const y: number[] = [];
    for (let o = 0; o < l.nOut; o++) {
      let acc = l.b[o]!;
      for (let i = 0; i < l.nIn; i++) acc += l.W[o * l.nIn + i]! * h[i]!;
      y.push(acc);
    }
    if (l.act === "relu") h = y.map((v) => Math.max(0, v));
    else if (l.act === "sigmoid") h = y.map((v) => 1 / (1 + Math.exp(-v)));
    else if (l.act === "logistic_pair") {
      const p = 1 / (1 + Math.exp(-y[0]!));
      h = [1 - p, p];
    } else if (l.act === "softmax") {
      const mx = Math.max(...y);
      const e = y.map((v) => Math.exp(v - mx));
      const s = e.reduce((a, b) => a + b, 0);
      h = e.map((v) => v / s);
    } else h = y;
  }
  return h;
}

/** ONNX of dense layers: Gemm (transB = 1) with Relu/Sigmoid/Softmax, raw little-endian weights. */
export function mlpOnnx(layers: Layer[]): Uint8Array {
  const nodes: object[] = [],
    inits: object[] = [];
  let cur = "input";
  layers.forEach((l, k) => {
    const raw = (a: Float32Array) => new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
    inits.push(
      { name: `W${k}`, dims: [l.nOut, l.nIn], dataType: 1, rawData: raw(l.W) },
      { name: `b${k}`, dims: [l.nOut], dataType: 1, rawData: raw(l.b) },
    );
    const z = k === layers.length - 1 && l.act === "none" ? "output" : `z${k}`;
    nodes.push({
      name: `gemm${k}`,
      opType: "Gemm",
      input: [cur, `W${k}`, `b${k}`],
      output: [z],
      attribute: [{ name: "transB", type: 2, i: 1 }],
    });
    cur = z;
    if (l.act !== "none") {
      const op = { relu: "Relu", sigmoid: "Sigmoid", softmax: "Softmax", logistic_pair: "" }[l.act];
      if (!op) throw new Error("logistic_pair has no one-node ONNX form here");
      const y = k === layers.length - 1 ? "output" : `h${k}`;
      nodes.push({
        name: `${op.toLowerCase()}${k}`,
        opType: op,
        input: [cur],
        output: [y],
        attribute: op === "Softmax" ? [{ name: "axis", type: 2, i: 1 }] : [],
      });
      cur = y;
    }
  });
  const tensor = (name: string, dims: Array<number | string>) => ({
    name,
    type: {
      tensorType: {
        elemType: 1,
        shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
  const msg = ModelProto.fromObject({
    irVersion: 7,
    producerName: "edgeinfer-bench",
    opsetImport: [{ domain: "", version: 13 }],
    graph: {
      name: "mlp",
      node: nodes,
      initializer: inits,
      input: [tensor("input", ["batch", layers[0]!.nIn])],
      output: [tensor("output", ["batch", layers[layers.length - 1]!.nOut])],
    },
  });
  return ModelProto.encode(msg).finish();
}

/** Seeded MLP of the given widths (ReLU between layers, linear output; one sigmoid unit for 2 → 1). */
export function seededModel(widths: number[], rows = 64): BenchModel {
  const r = rand(widths.reduce((s, w) => s * 31 + w, 7));
  const layers: Layer[] = [];
  for (let k = 0; k + 1 < widths.length; k++) {
    const nIn = widths[k]!,
      nOut = widths[k + 1]!,
      scale = Math.sqrt(3 / nIn); // keeps activations O(1)
    const last = k + 2 === widths.length;
    layers.push({
      nIn,
      nOut,
      W: Float32Array.from({ length: nIn * nOut }, () => r() * scale),
      b: Float32Array.from({ length: nOut }, () => r() * 0.1),
      act: last ? (nOut === 1 ? "sigmoid" : "none") : "relu",
    });
  }
  const nIn = widths[0]!,
    x = Float32Array.from({ length: rows * nIn }, r);
  const expected = Array.from({ length: rows }, (_, k) => forward64(layers, x.subarray(k * nIn, (k + 1) * nIn)));
  const parameters = count(layers);
  return {
    id: `mlp_${widths.join("_")}`,
    label: widths.length === 2 ? `logistic ${widths.join("-")}` : `MLP ${widths.join("-")}`,
    group: "scaling",
    onnx: mlpOnnx(layers),
    inputName: "input",
    outputName: "output",
    nIn,
    nOut: widths[widths.length - 1]!,
    rows: x,
    nRows: rows,
    expected,
    layers,
    parameters,
    tol: { abs: 2e-5 * Math.sqrt(parameters), rel: 1e-4 },
  };
}

/** 3 to 1.03M parameters. */
export const SCALING: number[][] = [
  [2, 1],
  [4, 8, 3],
  [16, 32, 4],
  [32, 64, 32, 8],
  [64, 128, 64, 10],
  [128, 256, 128, 10],
  [784, 256, 128, 10],
  [512, 512, 512, 10],
  [1024, 896, 128, 10],
];

/** Rows of a model repeated to nRows (batch inputs) and their references. */
export function tile(m: BenchModel, nRows: number): { rows: Float32Array; expected: number[][] } {
  const rows = new Float32Array(nRows * m.nIn);
  const expected: number[][] = [];
  for (let k = 0; k < nRows; k++) {
    rows.set(m.rows.subarray((k % m.nRows) * m.nIn, ((k % m.nRows) + 1) * m.nIn), k * m.nIn);
    expected.push(m.expected[k % m.nRows]!);
  }
  return { rows, expected };
}
