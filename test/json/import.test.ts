// JSON models packed and run against scikit-learn's own predictions (test/fixtures/json, made by
// make_fixtures.py with scikit-learn), and every kind of bad field refused by name.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { QuantDecision } from "../../src/format/abi.js";
import { Model, ModelSpecError } from "../../src/index.js";
import { pack, packJson } from "../../src/pack.js";
import { expectAllClose, maxAbsDiff, TOL } from "../helpers/close.js";

const dir = new URL("../fixtures/json/", import.meta.url);
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .sort();

interface Fixture {
  model: Record<string, unknown>;
  rows: number[][];
  expected: { predict_proba?: number[][]; predict: Array<number | string> | number[][] };
}
const readFixture = (file: string) => JSON.parse(readFileSync(new URL(file, dir), "utf8")) as Fixture;
// Classifiers are the fixtures for which scikit-learn gave predict_proba; the others are regressors.
const classifiers = fixtures.filter((f) => readFixture(f).expected.predict_proba !== undefined);
const regressors = fixtures.filter((f) => !classifiers.includes(f));

describe.each(["simd", "scalar"] as const)("scikit-learn parity · %s build", (build) => {
  const run = (file: string) => {
    const fx = readFixture(file);
    const model = Model.load(pack(fx.model as never), { simd: build === "simd" ? "require" : "off" });
    const batch = model.predictBatch(Float32Array.from(fx.rows.flat()), fx.rows.length);
    const one = fx.rows.map((row) => Array.from(model.predict(row)));
    expect(Array.from(batch)).toEqual(one.flat()); // batch = single, bit for bit
    return { fx, model, one };
  };

  it("has classifiers and regressors", () => {
    expect(Math.min(classifiers.length, regressors.length)).toBeGreaterThan(0);
  });

  it.each(classifiers)("%s: same probabilities (TOL.framework) and labels as scikit-learn", (file) => {
    const { fx, model, one } = run(file);
    expectAllClose(one.flat(), fx.expected.predict_proba!.flat(), TOL.framework, "predict_proba");
    expect(fx.rows.map((row) => model.predictLabel(row))).toEqual(fx.expected.predict);
  });

  it.each(regressors)("%s: same predictions as scikit-learn (TOL.frameworkValues)", (file) => {
    const { fx, one } = run(file);
    expectAllClose(
      one.flat(),
      (fx.expected.predict as Array<number | number[]>).flat(),
      TOL.frameworkValues,
      "predict",
    );
  });
});

describe("the blog's logistic regression (examples/logistic-regression)", () => {
  const ex = new URL("../../examples/logistic-regression/", import.meta.url);
  const json = readFileSync(new URL("model.json", ex), "utf8");
  const csv = (name: string) =>
    readFileSync(new URL(name, ex), "utf8")
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => l.split(",").map(Number));

  it("packs to at most 256 bytes and matches scikit-learn's predict_proba (TOL.frameworkShallow) on all 1000 rows", () => {
    const image = pack(json);
    expect(image.length).toBeLessThanOrEqual(256);
    const data = csv("data.csv"),
      proba = csv("proba.csv");
    expect(data.length).toBe(1000);
    for (const simd of ["auto", "off"] as const) {
      const model = Model.load(image, { simd });
      const one = data.flatMap(([x1, x2]) => Array.from(model.predict([x1!, x2!])));
      expectAllClose(one, proba.flat(), TOL.frameworkShallow, `predict, simd ${simd}`);
      const batch = model.predictBatch(Float32Array.from(data.flatMap(([a, b]) => [a!, b!])), 1000);
      expectAllClose(batch, proba.flat(), TOL.frameworkShallow, `predictBatch, simd ${simd}`);
    }
  });
});

describe("int8 packing of a JSON MLP", () => {
  it("stays close to scikit-learn's probabilities and mostly agrees on labels", () => {
    const fx = JSON.parse(readFileSync(new URL("mlp_digits.json", dir), "utf8")) as Fixture;
    const q = Model.load(pack(fx.model as never, { quantize: "int8" }));
    expect(q.info.quantization).toBe("int8");
    let agree = 0;
    fx.rows.forEach((row, r) => {
      expect(maxAbsDiff(q.predict(row), fx.expected.predict_proba![r]!)).toBeLessThan(0.1);
      if (q.predictLabel(row) === fx.expected.predict[r]) agree++;
    });
    expect(agree / fx.rows.length).toBeGreaterThanOrEqual(0.9);
  });
});

describe("bad JSON models are refused with the field named", () => {
  const lr = { kind: "logistic_regression", coefficients: [[1, 2]], intercept: [0.5], classes: [0, 1] };
  const mlp = {
    kind: "mlp",
    classes: ["a", "b", "c"],
    layers: [
      {
        weights: [
          [1, 2],
          [3, 4],
          [5, 6],
        ],
        bias: [0, 0, 0],
        activation: "relu",
      },
      {
        weights: [
          [1, 1, 1],
          [1, 1, 1],
          [1, 1, 1],
        ],
        bias: [0, 0, 0],
        activation: "softmax",
      },
    ],
  };
  const cases: Array<[string, unknown, string, RegExp]> = [
    ["not JSON", "{nope", "", /not valid JSON/],
    ["not an object", [1, 2], "", /expected a JSON object/],
    ["unknown kind", { ...lr, kind: "svm" }, "kind", /expected "logistic_regression"/],
    ["unknown field", { ...lr, coefs: [1] }, "coefs", /unknown field/],
    ["missing coefficients", { ...lr, coefficients: undefined }, "coefficients", /needs its coefficients/],
    ["non-finite coefficient", { ...lr, coefficients: [[1, "x"]] }, "coefficients[0][1]", /finite number/],
    [
      "ragged coefficients",
      { kind: "linear_regression", coefficients: [[1, 2], [3]] },
      "coefficients[1]",
      /expected 2 numbers, got 1/,
    ],
    ["intercept length", { ...lr, intercept: [1, 2] }, "intercept", /2 values for 1 rows/],
    // Finite in JSON (float64) but past float32: the image would hold ±Infinity.
    ["intercept past f32", { ...lr, intercept: [1e39] }, "intercept[0]", /1e\+39 is outside float32's range/],
    [
      "scalar intercept past f32",
      { kind: "linear_regression", coefficients: [1], intercept: -4e38 },
      "intercept",
      /outside float32's range/,
    ],
    ["coefficient past f32", { ...lr, coefficients: [[1, 3.5e38]] }, "coefficients[0][1]", /outside float32/],
    ["scaler mean past f32", { ...lr, scaler: { mean: [0, 1e39], scale: [1, 1] } }, "scaler.mean[1]", /float32/],
    [
      "a fold past f32",
      { kind: "linear_regression", coefficients: [1e30], intercept: 0, scaler: { mean: [1e10], scale: [1] } },
      "coefficients.bias[0]",
      /-1e\+40 is outside float32's range/,
    ],
    ["missing classes", { ...lr, classes: undefined }, "classes", /needs its classes/],
    ["duplicate classes", { ...lr, classes: [1, 1] }, "classes", /distinct/],
    ["mixed label types", { ...lr, classes: [1, "b"] }, "classes", /all integers or all strings/],
    [
      "classes vs rows",
      {
        ...lr,
        coefficients: [
          [1, 2],
          [3, 4],
          [5, 6],
        ],
        intercept: [0, 0, 0],
        classes: [0, 1],
      },
      "coefficients",
      /binary classifier has one row/,
    ],
    [
      "bad multiClass",
      {
        ...lr,
        coefficients: [
          [1, 2],
          [3, 4],
          [5, 6],
        ],
        intercept: [0, 0, 0],
        classes: [0, 1, 2],
        multiClass: "both",
      },
      "multiClass",
      /expected "multinomial" or "ovr"/,
    ],
    ["feature names", { ...lr, featureNames: ["a"] }, "featureNames", /expected 2 strings/],
    [
      "duplicate feature names",
      { ...lr, featureNames: ["a", "a"] },
      "featureNames[1]",
      /"a" is also featureNames\[0\]/,
    ],
    ["scaler length", { ...lr, scaler: { mean: [0], scale: [1, 1] } }, "scaler.mean", /expected 2 numbers, got 1/],
    ["zero scale", { ...lr, scaler: { mean: [0, 0], scale: [1, 0] } }, "scaler.scale[1]", /is zero/],
    [
      "layer chain",
      {
        ...mlp,
        layers: [
          mlp.layers[0],
          {
            ...mlp.layers[1],
            weights: [
              [1, 1],
              [1, 1],
              [1, 1],
            ],
          },
        ],
      },
      "layers[1].weights",
      /takes 2 inputs but the previous layer gives 3/,
    ],
    [
      "bias length",
      { ...mlp, layers: [{ ...mlp.layers[0], bias: [0] }, mlp.layers[1]] },
      "layers[0].bias",
      /expected 3 numbers, got 1/,
    ],
    [
      "leaky_relu alpha past f32",
      { ...mlp, layers: [{ ...mlp.layers[0], activation: "leaky_relu", alpha: 1e39 }, mlp.layers[1]] },
      "layers[0].alpha",
      /finite number/,
    ],
    [
      "activation",
      { ...mlp, layers: [{ ...mlp.layers[0], activation: "swish" }, mlp.layers[1]] },
      "layers[0].activation",
      /unknown activation "swish"/,
    ],
    ["classes vs outputs", { ...mlp, classes: ["a", "b", "c", "d"] }, "classes", /4 classes for 3 outputs/],
    [
      "regression with classes",
      { kind: "linear_regression", coefficients: [1, 2], classes: [0, 1] },
      "classes",
      /no classes/,
    ],
  ];
  it.each(cases)("%s", (_, model, path, message) => {
    let err: unknown;
    try {
      packJson(typeof model === "string" ? model : JSON.stringify(model));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ModelSpecError);
    expect((err as ModelSpecError).path).toBe(path);
    expect((err as ModelSpecError).message).toMatch(message);
    expect((err as ModelSpecError).code).toBe("E_MODEL");
  });
});

describe("int8 packing of a binary logistic regression", () => {
  it("by default keeps its one small layer f32 (int8 would save 8 bytes and lose the exact answers), and says so", () => {
    const ex = new URL("../../examples/logistic-regression/", import.meta.url);
    const json = readFileSync(new URL("model.json", ex), "utf8");
    const model = Model.load(pack(json, { quantize: "int8" })),
      f32 = Model.load(pack(json));
    expect(model.info.quantization).toBe("none");
    expect(model.info.steps.map((s) => s.opcode)).toEqual(f32.info.steps.map((s) => s.opcode)); // DENSE_NARROW, as in f32
    expect(model.info.quantReport?.layers).toEqual([
      { step: 0, nIn: 2, nOut: 2, decision: QuantDecision.F32SmallFinal, name: "f32 (kept: small final layer)" },
    ]);
    expect(model.info.quantReport).toMatchObject({
      floatMatrixBytes: 16,
      matrixBytes: 16,
      biasBytes: 8,
      floatWeightsBytes: 48,
      weightsBytes: 48,
    });
    expect(Array.from(model.predict([0.5, -1]))).toEqual(Array.from(f32.predict([0.5, -1]))); // the same bits
  });

  it('int8Layers "all" makes it int8 anyway, and says what it cost', () => {
    const ex = new URL("../../examples/logistic-regression/", import.meta.url);
    const info = Model.load(
      pack(readFileSync(new URL("model.json", ex), "utf8"), { quantize: "int8", int8Layers: "all" }),
    ).info;
    expect(info.quantization).toBe("int8");
    expect(info.quantReport?.layers).toEqual([
      { step: 0, nIn: 2, nOut: 2, decision: QuantDecision.Int8Dynamic, name: "int8 (dynamic row quantization)" },
    ]);
    // 2×2 weights: 16 B in f32; 4 B int8 + 2 bf16 scales (4 B); biases 8 B either way. The section: 48 B in f32 (4-lane
    // DENSE_NARROW), 36 B in int8 (weights and biases padded to 16, the scales last).
    expect(info.quantReport).toMatchObject({
      floatMatrixBytes: 16,
      matrixBytes: 8,
      biasBytes: 8,
      floatWeightsBytes: 48,
      weightsBytes: 36,
    });
  });

  it("keeps the logistic pair: [1 − p, p] close to scikit-learn's", () => {
    const ex = new URL("../../examples/logistic-regression/", import.meta.url);
    const model = Model.load(
      pack(readFileSync(new URL("model.json", ex), "utf8"), { quantize: "int8", int8Layers: "all" }),
    );
    const csv = (name: string) =>
      readFileSync(new URL(name, ex), "utf8")
        .trim()
        .split("\n")
        .slice(1, 201)
        .map((l) => l.split(",").map(Number));
    const data = csv("data.csv"),
      proba = csv("proba.csv");
    expect(model.info.quantization).toBe("int8");
    data.forEach(([a, b], r) => {
      const y = model.predict([a!, b!]);
      expect(y[0]! + y[1]!).toBeCloseTo(1, 6);
      expect(maxAbsDiff(y, proba[r]!)).toBeLessThan(0.02);
    });
  });
});

describe("a softplus layer (ABI 4)", () => {
  it("packs and matches log(1 + exp(W x + b)) in float64, in both builds", () => {
    const layers = [
      {
        weights: [
          [1.5, -2],
          [0.25, 3],
          [-4, 0.5],
        ],
        bias: [0.1, -0.2, 0.3],
        activation: "softplus",
      },
      { weights: [[1, -1, 0.5]], bias: [0] },
    ];
    const image = pack({ kind: "mlp", layers } as never);
    const sp = (v: number) => (v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v)));
    for (const x of [
      [0, 0],
      [3, -1],
      [-20, 25],
    ]) {
      const h = layers[0]!.weights.map((w, o) => sp(w[0]! * x[0]! + w[1]! * x[1]! + layers[0]!.bias[o]!));
      const want = h[0]! - h[1]! + 0.5 * h[2]!;
      for (const simd of ["require", "off"] as const) {
        const y = Model.load(image, { simd }).predict(x)[0]!;
        expect(Math.abs(y - want), `${x} ${simd}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want)));
      }
    }
    expect(Model.load(image).info.abiVersion).toBe(4);
  });
});
