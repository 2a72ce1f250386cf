// ai.onnx.ml SVMClassifier / SVMRegressor, end to end: scikit-learn's SVC, NuSVC, SVR and NuSVR
// with every kernel, with and without probabilities, as skl2onnx exports them
// (test/fixtures/onnx/make_svm_fixtures.py; onnxruntime-node agrees, check_pipeline_fixtures.mjs),
// against scikit-learn's predict (labels exactly), predict_proba and the decision values it
// reports; both builds the same bits; refusals on small graphs name the node.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { UnsupportedOpError } from "../../src/errors.js";
import { Model } from "../../src/index.js";
import { describeStep } from "../../src/ops/index.js";
import { pack, packOnnx } from "../../src/pack.js";
import { bits } from "../assembly/same-bits.js";
import { expectAllClose, TOL } from "../helpers/close.js";
import { type GraphSpec, onnxModel } from "../helpers/onnx-builder.js";

const dir = new URL("../fixtures/onnx/", import.meta.url);
const files = readdirSync(dir)
  .filter((f) => f.startsWith("skl_svm_") && f.endsWith(".onnx"))
  .map((f) => f.replace(/\.onnx$/, ""))
  .sort();

interface Ref {
  inputs: number[][];
  classes?: number[];
  expected: { predict: number[] | number[][]; predict_proba?: number[][]; scores?: number[][] };
}

describe.each(files)("%s (scikit-learn)", (name) => {
  const ref = JSON.parse(readFileSync(new URL(`${name}.json`, dir), "utf8")) as Ref;
  const image = pack(new Uint8Array(readFileSync(new URL(`${name}.onnx`, dir))));
  const n = ref.inputs.length;
  const rows = Float32Array.from(ref.inputs.flat());

  it("matches scikit-learn in both builds, which give the same bits", () => {
    const outs = (["require", "off"] as const).map((simd) => {
      const y = Model.load(image, { simd }).predictBatch(rows, n);
      const w = y.length / n;
      const row = (r: number) => Array.from(y.subarray(r * w, (r + 1) * w));
      if (ref.classes) {
        expect(
          Array.from({ length: n }, (_, r) => row(r)[0]),
          simd,
        ).toEqual(ref.expected.predict);
        const second = ref.expected.predict_proba ?? ref.expected.scores!;
        expectAllClose(Array.from({ length: n }, (_, r) => row(r).slice(1)).flat(), second.flat(), TOL.framework, simd);
      } else {
        // Regression values of ~150: f32 sums of a few hundred kernel terms, 1e-5 relative.
        expectAllClose(Array.from(y), (ref.expected.predict as number[][]).flat(), { rtol: 1e-5, atol: 1e-5 }, simd);
      }
      return bits(y);
    });
    expect(outs[1]).toEqual(outs[0]);
  });

  it("the kernel is one SVM_KERNEL step", () => {
    const steps = Model.load(image).info.steps.map(describeStep);
    expect(steps.filter((s) => s.startsWith("SVM_KERNEL"))).toHaveLength(1);
    if (ref.expected.predict_proba) expect(steps.some((s) => s.startsWith("SVM_PROB"))).toBe(true);
  });
});

describe("SVM refusals name the node and what to do", () => {
  const ML = "ai.onnx.ml";
  const base = {
    kernel_type: "RBF",
    kernel_params: [0.5, 0, 3],
    support_vectors: [1, 2, 3, 4, 5, 6],
    coefficients: [1, -1],
    rho: [0.5],
    vectors_per_class: [1, 1],
    classlabels_ints: [0, 1],
  };
  const g = (attrs: Record<string, number | string | number[] | string[]>): GraphSpec => ({
    mlOpset: 1,
    input: { name: "x", dims: ["N", 3] },
    nodes: [{ op: "SVMClassifier", domain: ML, inputs: ["x"], outputs: ["label", "scores"], attrs }],
    outputs: ["label", "scores"],
  });
  const refusal = (spec: GraphSpec) => {
    try {
      packOnnx(onnxModel(spec));
    } catch (e) {
      return e as Error;
    }
    throw new Error("accepted");
  };

  it("a two-class RBF classifier packs; its label is the vote of d > 0", () => {
    const m = Model.load(packOnnx(onnxModel(g(base))));
    // d = exp(−0.5|x − sv0|²) − exp(−0.5|x − sv1|²) + 0.5: at sv0, 1 − e^−13.5 + 0.5 > 0 → class 0.
    const y = Array.from(m.predict([1, 2, 3]));
    expect(y[0]).toBe(0);
    expectAllClose(y.slice(1), [-(1.5 - Math.exp(-13.5)), 1.5 - Math.exp(-13.5)], TOL.frameworkShallow, "scores");
  });

  it.each([
    ["an unknown kernel", { ...base, kernel_type: "CHI2" }, /kernel_type "CHI2" is not LINEAR, POLY, RBF or SIGMOID/],
    ["a post transform", { ...base, post_transform: "LOGISTIC" }, /post_transform LOGISTIC/],
    ["the liblinear form", { ...base, vectors_per_class: [] }, /LinearSVC as a LinearClassifier/],
    [
      "support vectors of the wrong size",
      { ...base, support_vectors: [1, 2, 3] },
      /3 support_vectors values for 2 vectors of 3 features/,
    ],
    ["a fractional poly degree", { ...base, kernel_type: "POLY", kernel_params: [1, 0, 2.5] }, /poly degree 2.5/],
  ])("%s", (_, attrs, message) => {
    const e = refusal(g(attrs as Record<string, number | string | number[]>));
    expect(e).toBeInstanceOf(UnsupportedOpError);
    expect(e.message).toMatch(/SVMClassifier_0/);
    expect(e.message).toMatch(message);
  });
});
