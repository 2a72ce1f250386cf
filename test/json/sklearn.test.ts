// Plain dumps of scikit-learn's fitted attributes (src/json/sklearn.ts): the fixtures
// (test/fixtures/json/sklearn_*.json, make_sklearn_dumps.py) run against scikit-learn in
// import.test.ts with the others; here, what each refusal names, in scikit-learn's own terms.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Model, ModelSpecError } from "../../src/index.js";
import { packJson } from "../../src/pack.js";

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/json/sklearn_${name}.json`, import.meta.url), "utf8")) as {
    model: Record<string, unknown>;
  };

function refusal(model: unknown): ModelSpecError {
  try {
    packJson(model);
  } catch (e) {
    if (e instanceof ModelSpecError) return e;
    throw e;
  }
  throw new Error("accepted");
}

const lr = fixture("logreg_multinomial_iris").model;
const mlp = fixture("mlp_tanh_iris").model;
const pipe = fixture("pipeline_scaler_logreg_bc").model;

describe("scikit-learn dumps", () => {
  it("a Pipeline keeps the scaler's feature_names_in_ as the feature names", () => {
    const info = Model.load(packJson(pipe)).info;
    expect(info.featureNames).toHaveLength(30);
    expect(info.featureNames![0]).toBe("f0");
  });

  it.each([
    [
      "a bad coefficient, named as coef_",
      { ...lr, coef_: [[1, 2, "x", 4], ...(lr.coef_ as number[][]).slice(1)] },
      "coef_[0][2]",
      /finite number/,
    ],
    ["missing classes_", { ...lr, classes_: undefined }, "classes_", /needs its fitted classes_/],
    [
      "an attribute it does not read",
      { ...lr, class_weight_: [1, 2] },
      "class_weight_",
      /not a fitted attribute edgeinfer reads for LogisticRegression/,
    ],
    [
      "an MLP without its hidden activation",
      { ...mlp, activation: undefined },
      "activation",
      /add "activation": model.activation/,
    ],
    [
      "a wrong-sized MLP layer, named as coefs_",
      { ...mlp, coefs_: [(mlp.coefs_ as unknown[])[0], [[1, 2]]] },
      "coefs_[1]",
      /takes 1 inputs but the previous layer gives 10/,
    ],
    ["an unknown hidden activation", { ...mlp, activation: "gelu" }, "activation", /unknown activation "gelu"/],
    ["a StandardScaler alone", (pipe.steps as unknown[])[0], "estimator", /not a model.*Pipeline/],
    [
      "an estimator it does not know",
      { estimator: "SVC", support_vectors_: [[1]] },
      "estimator",
      /"SVC" is not supported as a plain dump.*skl2onnx/,
    ],
    [
      "two steps before the estimator",
      { ...pipe, steps: [(pipe.steps as unknown[])[0], ...(pipe.steps as unknown[])] },
      "steps",
      /only a StandardScaler before/,
    ],
    [
      "a zero scale_ in the Pipeline's scaler",
      {
        ...pipe,
        steps: [
          { ...(pipe.steps as Record<string, unknown>[])[0], scale_: new Array(30).fill(0) },
          (pipe.steps as unknown[])[1],
        ],
      },
      "steps[0].scale_[0]",
      /is zero/,
    ],
  ])("refuses %s", (_, model, path, message) => {
    const e = refusal(model);
    expect(e.path).toBe(path);
    expect(e.message).toMatch(message);
  });
});
