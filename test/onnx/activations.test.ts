// ONNX Clip, Softplus and Abs (the ABI 4 activations), end to end: PyTorch's ReLU6 → Hardtanh →
// Softplus regressor exported at opset 9 (Clip attributes) and 13 (Clip inputs from Constant
// nodes) against PyTorch's outputs, fused into the dense steps, the same bits in both builds;
// Clip's opset forms, defaults and refusals on small graphs against np.clip's definition.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Act, Model, UnsupportedOpError } from "../../src/index.js";
import { describeStep } from "../../src/ops/index.js";
import { listOnnxNodes, pack, packOnnx } from "../../src/pack.js";
import { bits } from "../assembly/same-bits.js";
import { expectAllClose, TOL } from "../helpers/close.js";
import { type GraphSpec, onnxModel } from "../helpers/onnx-builder.js";

const FLT_MAX = 3.4028234663852886e38;
const dir = new URL("../fixtures/onnx/", import.meta.url);
const FIXTURES = ["torch_act_relu6_hardtanh_softplus_diabetes_op9", "torch_act_relu6_hardtanh_softplus_diabetes_op13"];

interface Ref {
  inputs: number[][];
  expected: { forward: number[][] };
}

describe.each(FIXTURES)("%s (PyTorch)", (name) => {
  const bytes = new Uint8Array(readFileSync(new URL(`${name}.onnx`, dir)));
  const ref = JSON.parse(readFileSync(new URL(`${name}.json`, dir), "utf8")) as Ref;
  const image = pack(bytes);
  const rows = Float32Array.from(ref.inputs.flat());
  const predict = (simd: "require" | "off") => Model.load(image, { simd }).predictBatch(rows, ref.inputs.length);

  it("matches PyTorch's forward() within the framework tolerance, in both builds", () => {
    for (const simd of ["require", "off"] as const)
      expectAllClose(predict(simd), ref.expected.forward.flat(), TOL.framework, simd);
  });

  it("gives the same bits in the scalar and the SIMD build", () => {
    expect(bits(predict("off"))).toEqual(bits(predict("require")));
  });

  it("fuses each Clip and the Softplus into the dense step before it; the image needs ABI 4", () => {
    const info = Model.load(image).info;
    expect(info.steps.map(describeStep)).toEqual([
      "DENSE        10 → 16    clip [0, 6]",
      "DENSE        16 → 8     clip [-2, 2]",
      "DENSE_NARROW     8 → 1     softplus",
    ]);
    expect(info.abiVersion).toBe(4);
  });

  it("inspect lists every node as supported", () => {
    const { nodes, error } = listOnnxNodes(bytes);
    expect(error).toBeUndefined();
    expect(nodes.filter((n) => !n.supported)).toEqual([]);
    expect(new Set(nodes.map((n) => n.opType))).toEqual(
      new Set(name.endsWith("op13") ? ["Gemm", "Constant", "Clip", "Softplus"] : ["Gemm", "Clip", "Softplus"]),
    );
  });
});

/** x [N, 4] → the nodes → y, run on two rows of edge values. */
const X = [-Infinity, -3.5, 0.25, 7, NaN, -0.5, 2, Infinity];
function run(g: Omit<GraphSpec, "outputs" | "input">): Float32Array {
  const image = packOnnx(onnxModel({ ...g, input: { name: "x", dims: ["N", 4] }, outputs: ["y"] }));
  const m = Model.load(image, { allowNaN: true }); // NaN in, NaN out
  return m.predictBatch(Float32Array.from(X), 2);
}
const clipRef = (lo: number, hi: number) => X.map((v) => Math.min(Math.max(v, lo), hi)); // np.clip: NaN stays NaN

function refusal(g: GraphSpec): UnsupportedOpError {
  try {
    packOnnx(onnxModel(g));
  } catch (e) {
    if (e instanceof UnsupportedOpError) return e;
    throw e;
  }
  throw new Error("accepted");
}

describe("Clip", () => {
  it("opset 6–10: the min and max attributes, ±FLT_MAX when absent", () => {
    const clip = (attrs: Record<string, number>) =>
      run({ opset: 9, nodes: [{ op: "Clip", inputs: ["x"], outputs: ["y"], attrs }] });
    expectAllClose(clip({ min: 0, max: 6.0001 }), clipRef(0, Math.fround(6.0001)), TOL.f32);
    expectAllClose(clip({ min: -1.5 }), clipRef(-1.5, FLT_MAX), TOL.f32);
    expectAllClose(clip({}), clipRef(-FLT_MAX, FLT_MAX), TOL.f32);
  });

  it("opset 11+: constant min and max inputs, either absent (missing or empty name)", () => {
    const inits = { lo: { dims: [], data: [-2] }, hi: { dims: [], data: [2] } };
    const clip = (inputs: string[]) =>
      run({ opset: 13, initializers: inits, nodes: [{ op: "Clip", inputs, outputs: ["y"] }] });
    expectAllClose(clip(["x", "lo", "hi"]), clipRef(-2, 2), TOL.f32);
    expectAllClose(clip(["x", "", "hi"]), clipRef(-FLT_MAX, 2), TOL.f32);
    expectAllClose(clip(["x", "lo"]), clipRef(-2, FLT_MAX), TOL.f32);
    expectAllClose(clip(["x"]), clipRef(-FLT_MAX, FLT_MAX), TOL.f32);
  });

  it("min > max gives max everywhere except NaN (ONNX and numpy)", () => {
    const y = run({ opset: 9, nodes: [{ op: "Clip", inputs: ["x"], outputs: ["y"], attrs: { min: 3, max: 1 } }] });
    expectAllClose(y, clipRef(3, 1), TOL.f32);
  });

  it("refuses a bound that depends on the input, naming the node and the bound", () => {
    const e = refusal({
      opset: 13,
      input: { name: "x", dims: ["N", 1] },
      nodes: [
        { op: "Relu", inputs: ["x"], outputs: ["r"] },
        { op: "Clip", name: "clip_dynamic", inputs: ["x", "", "r"], outputs: ["y"] },
      ],
      outputs: ["y"],
    });
    expect([e.node, e.opType, e.opset]).toEqual(["clip_dynamic", "Clip", 13]);
    expect(e.detail).toMatch(/^max \(input 2\) must be a constant/);
  });

  it("refuses a bound that is not a scalar, or NaN", () => {
    const g = (lo: { dims: number[]; data: number[] }): GraphSpec => ({
      opset: 13,
      initializers: { lo },
      nodes: [{ op: "Clip", name: "c", inputs: ["x", "lo"], outputs: ["y"] }],
      outputs: ["y"],
    });
    expect(refusal(g({ dims: [2], data: [0, 1] })).detail).toMatch(
      /min \(input 1\) must be a scalar; it has shape \[2\]/,
    );
    expect(refusal(g({ dims: [], data: [NaN] })).detail).toMatch(/NaN bound/);
  });

  it("fuses into the MatMul before it: one DENSE step with clip's bounds", () => {
    const dense = (extra: GraphSpec["nodes"]) =>
      Model.load(
        packOnnx(
          onnxModel({
            opset: 9,
            input: { name: "x", dims: ["N", 2] },
            initializers: { w: { dims: [2, 8], data: Array.from({ length: 16 }, (_, i) => i / 4 - 2) } },
            nodes: [{ op: "MatMul", inputs: ["x", "w"], outputs: ["m"] }, ...extra],
            outputs: ["y"],
          }),
        ),
      ).info.steps.map((s) => [s.opcode, s.act, s.alpha, s.beta]);
    expect(dense([{ op: "Clip", inputs: ["m"], outputs: ["y"], attrs: { min: 0, max: 6 } }])).toEqual([
      [1, Act.Clip, 0, 6],
    ]);
  });
});

describe("Softplus and Abs", () => {
  it("Softplus: log(1 + exp(x)) within a few ulp of float64", () => {
    const want = X.map((v) => (v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v))));
    expectAllClose(run({ opset: 1, nodes: [{ op: "Softplus", inputs: ["x"], outputs: ["y"] }] }), want, TOL.ulps);
  });

  it("Abs: |x|", () => {
    expectAllClose(run({ opset: 13, nodes: [{ op: "Abs", inputs: ["x"], outputs: ["y"] }] }), X.map(Math.abs), {
      rtol: 0,
      atol: 0,
    });
  });

  it("are batch-free like the other activations (the whole tensor as one row)", () => {
    const g = onnxModel({
      input: { name: "x", dims: [2, 3] },
      nodes: [
        { op: "Abs", inputs: ["x"], outputs: ["a"] },
        { op: "Softplus", inputs: ["a"], outputs: ["y"] },
      ],
      outputs: ["y"],
    });
    const y = Model.load(packOnnx(g, { batch: false })).predict([-1, 2, -3, 0, 5, -6]);
    const want = [1, 2, 3, 0, 5, 6].map((v) => v + Math.log1p(Math.exp(-v)));
    expectAllClose(y, want, TOL.ulps);
  });
});
