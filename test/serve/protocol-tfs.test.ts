// TF Serving's REST predict over real HTTP: {"instances"} and {"inputs"} answered with
// scikit-learn's labels and probabilities (test/fixtures/onnx references).
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { close, modelFolder, ONNX, post, type Running, reference, serve } from "../helpers/serve.js";

const iris = reference("skl_lr_iris_string_labels");
const reg = reference("skl_mlp_regressor_diabetes");
const blog = new URL("../../examples/logistic-regression/model.json", import.meta.url).pathname;

let s: Running;
beforeAll(async () => {
  s = await serve(
    modelFolder({
      "iris/3.onnx": join(ONNX, "skl_lr_iris_string_labels.onnx"),
      "diabetes.onnx": join(ONNX, "skl_mlp_regressor_diabetes.onnx"),
      "blog.json": blog,
    }),
  );
});
afterAll(() => s.close());

describe("POST /v1/models/{name}:predict", () => {
  it("instances: one object of named outputs per row", async () => {
    const r = await post(`${s.url}/v1/models/iris:predict`, { instances: iris.inputs });
    expect(r.status).toBe(200);
    expect(r.headers.get("x-model-version")).toBe("3");
    const body = (await r.json()) as {
      model_version: string;
      predictions: Array<{ output_label: string; output_probability: number[] }>;
    };
    expect(body.model_version).toBe("3");
    expect(body.predictions.map((p) => p.output_label)).toEqual(iris.expected.predict);
    expect(
      close(
        body.predictions.flatMap((p) => p.output_probability),
        iris.expected.predict_proba!.flat(),
      ),
    ).toBe(true);
  });

  it("a model with one output answers bare values; a version in the path", async () => {
    const r = await post(`${s.url}/v1/models/diabetes/versions/1:predict`, { instances: reg.inputs });
    const body = (await r.json()) as { predictions: number[] };
    expect(close(body.predictions, reg.expected.predict as number[])).toBe(true);
  });

  it("columnar inputs, by name or bare, answered as outputs", async () => {
    for (const inputs of [iris.inputs, { float_input: iris.inputs }]) {
      const r = await post(`${s.url}/v1/models/iris:predict`, { inputs });
      const body = (await r.json()) as { outputs: { output_label: string[] } };
      expect(body.outputs.output_label).toEqual(iris.expected.predict);
    }
  });

  it("rows keyed by feature name", async () => {
    const r = await post(`${s.url}/v1/models/blog:predict`, { instances: [{ x1: 0, x2: 0 }, [0, 0]] });
    const body = (await r.json()) as { predictions: Array<{ probabilities: number[] }> };
    expect(body.predictions[0]).toEqual(body.predictions[1]);
  });

  it("refusals name the row and feature", async () => {
    const cases: Array<[unknown, Record<string, unknown>]> = [
      [
        {
          instances: [
            [1, 2, 3, 4],
            [1, 2, true, 4],
          ],
        },
        { row: 1, feature: 2 },
      ],
      [{ instances: [[1, 2, 3]] }, { row: 0 }],
      [{ instances: [] }, {}],
      [{ inputs: { x: [[1, 2, 3, 4]] } }, { input: "x" }],
      [{ rows: [[1, 2, 3, 4]] }, {}],
    ];
    for (const [body, place] of cases) {
      const r = await post(`${s.url}/v1/models/iris:predict`, body);
      expect(r.status).toBe(400);
      expect(((await r.json()) as { error: unknown }).error).toMatchObject({ code: "E_INPUT", ...place });
    }
    const named = await post(`${s.url}/v1/models/blog:predict`, { instances: [{ x1: 0, x3: 1 }] });
    expect(((await named.json()) as { error: unknown }).error).toMatchObject({ code: "E_INPUT", row: 0 });
  });

  it("GET /v1/models/{name}: the status of each version; unknown model 404", async () => {
    const r = await fetch(`${s.url}/v1/models/iris`);
    expect(await r.json()).toEqual({
      model_version_status: [{ version: "3", state: "AVAILABLE", status: { error_code: "OK", error_message: "" } }],
    });
    expect((await post(`${s.url}/v1/models/nope:predict`, { instances: [[1]] })).status).toBe(404);
    expect((await post(`${s.url}/v1/models/iris:classify`, { instances: [[1]] })).status).toBe(404);
  });
});
