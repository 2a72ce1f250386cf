// The Open Inference Protocol (KServe v2) over real HTTP: answers equal scikit-learn's
// (test/fixtures/onnx references: predict exactly, predict_proba within 1e-5), every output
// named, the binary float32 form, and each refusal naming the input, row and feature.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { close, modelFolder, ONNX, post, type Running, reference, serve, v2Request } from "../helpers/serve.js";

const iris = reference("skl_lr_iris_string_labels");
const mlp = reference("skl_mlp_iris_relu");
const bc = reference("skl_lr_binary_bc4_nozipmap");
const reg = reference("skl_mlp_regressor_diabetes");
const blog = new URL("../../examples/logistic-regression/", import.meta.url).pathname;

let s: Running;
beforeAll(async () => {
  s = await serve(
    modelFolder({
      "iris.onnx": join(ONNX, "skl_lr_iris_string_labels.onnx"),
      "flowers/1.onnx": join(ONNX, "skl_lr_iris_string_labels.onnx"),
      "flowers/2.onnx": join(ONNX, "skl_mlp_iris_relu.onnx"),
      "bc.onnx": join(ONNX, "skl_lr_binary_bc4_nozipmap.onnx"),
      "diabetes.onnx": join(ONNX, "skl_mlp_regressor_diabetes.onnx"),
      "blog.json": join(blog, "model.json"),
    }),
  );
});
afterAll(() => s.close());

const outputsOf = async (r: Response) =>
  Object.fromEntries(
    (
      (await r.json()) as { outputs: Array<{ name: string; data: unknown[]; shape: number[]; datatype: string }> }
    ).outputs.map((o) => [o.name, o]),
  );

describe("POST /v2/models/{name}/infer", () => {
  it("answers scikit-learn's labels and probabilities, with every named output", async () => {
    const r = await post(`${s.url}/v2/models/iris/infer`, v2Request(iris.inputs));
    expect(r.status).toBe(200);
    expect(r.headers.get("x-model-version")).toBe("1");
    const o = await outputsOf(r);
    expect(Object.keys(o)).toEqual(["output_label", "output_probability"]);
    expect(o.output_label!.data).toEqual(iris.expected.predict);
    expect(o.output_label!.datatype).toBe("BYTES");
    expect(o.output_probability!.shape).toEqual([20, 3]);
    expect(close(o.output_probability!.data as number[], iris.expected.predict_proba!.flat())).toBe(true);
  });

  it("takes flat data, integer labels come as INT64, a regression as FP32", async () => {
    const o = await outputsOf(
      await post(`${s.url}/v2/models/bc/infer`, {
        inputs: [{ name: "float_input", shape: [20, 4], datatype: "FP64", data: bc.inputs.flat() }],
      }),
    );
    expect(o.label!.datatype).toBe("INT64");
    expect(o.label!.data).toEqual(bc.expected.predict);
    expect(close(o.probabilities!.data as number[], bc.expected.predict_proba!.flat())).toBe(true);
    const d = await outputsOf(await post(`${s.url}/v2/models/diabetes/infer`, v2Request(reg.inputs)));
    const only = Object.values(d)[0]!;
    expect(only.datatype).toBe("FP32");
    expect(close(only.data as number[], reg.expected.predict as number[])).toBe(true);
  });

  it("serves each version; the highest is the default", async () => {
    const v1 = await post(`${s.url}/v2/models/flowers/versions/1/infer`, v2Request(iris.inputs));
    expect(v1.headers.get("x-model-version")).toBe("1");
    expect((await outputsOf(v1)).output_label!.data).toEqual(iris.expected.predict);
    const dflt = await post(`${s.url}/v2/models/flowers/infer`, v2Request(mlp.inputs));
    const body = (await dflt.json()) as { model_version: string; outputs: Array<{ data: unknown[] }> };
    expect(body.model_version).toBe("2");
    expect(body.outputs[0]!.data).toEqual(mlp.expected.predict);
  });

  it("selects outputs by name and echoes the request id", async () => {
    const r = await post(`${s.url}/v2/models/iris/infer`, {
      id: "req-7",
      ...v2Request(iris.inputs.slice(0, 2)),
      outputs: [{ name: "output_label" }],
    });
    const body = (await r.json()) as { id: string; outputs: Array<{ name: string; data: unknown[] }> };
    expect(body.id).toBe("req-7");
    expect(body.outputs.map((o) => o.name)).toEqual(["output_label"]);
    expect(body.outputs[0]!.data).toEqual(iris.expected.predict.slice(0, 2));
  });

  it("a model without an input name takes 'input', rows keyed by feature name too", async () => {
    const proba = readFileSync(join(blog, "proba.csv"), "utf8").trim().split("\n").slice(1)[0]!.split(",").map(Number);
    const row = readFileSync(join(blog, "data.csv"), "utf8").trim().split("\n")[1]!.split(",").map(Number);
    for (const data of [[row.slice(0, 2)], [{ x1: row[0], x2: row[1] }]]) {
      const o = await outputsOf(
        await post(`${s.url}/v2/models/blog/infer`, {
          inputs: [{ name: "input", shape: [1, 2], datatype: "FP32", data }],
        }),
      );
      expect(close(o.probabilities!.data as number[], proba)).toBe(true);
      expect(o.label!.data).toEqual([proba[1]! > proba[0]! ? 1 : 0]);
    }
  });

  it("the binary form: float32 rows in, float32 output rows out", async () => {
    const rows = Float32Array.from(iris.inputs.flat());
    const r = await post(`${s.url}/v2/models/iris/infer`, new Uint8Array(rows.buffer), {
      "content-type": "application/octet-stream",
    });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/octet-stream");
    expect(r.headers.get("x-output-length")).toBe("4");
    const y = new Float32Array(await r.arrayBuffer());
    expect(y.length).toBe(80);
    const labels = ["setosa", "versicolor", "virginica"];
    expect(Array.from({ length: 20 }, (_, i) => labels[y[i * 4]!])).toEqual(iris.expected.predict);
    const proba = Array.from({ length: 20 }, (_, i) => Array.from(y.subarray(i * 4 + 1, i * 4 + 4))).flat();
    expect(close(proba, iris.expected.predict_proba!.flat())).toBe(true);
  });
});

describe("bad input: 400 naming the input, row and feature", () => {
  const row = [5.1, 3.5, 1.4, 0.2];
  const cases: Array<[string, unknown, Record<string, unknown>]> = [
    [
      "a string value",
      v2Request([row, [5.1, "x", 1.4, 0.2] as unknown as number[]]),
      { input: "float_input", row: 1, feature: 1 },
    ],
    [
      "a NaN (null)",
      v2Request([[5.1, 3.5, null, 0.2] as unknown as number[]]),
      { input: "float_input", row: 0, feature: 2 },
    ],
    ["beyond float32", v2Request([[5.1, 3.5, 1e39, 0.2]]), { row: 0, feature: 2 }],
    [
      "a short row",
      { inputs: [{ name: "float_input", shape: [2, 4], datatype: "FP32", data: [row, [1, 2, 3]] }] },
      { row: 1 },
    ],
    [
      "the wrong width",
      { inputs: [{ name: "float_input", shape: [1, 3], datatype: "FP32", data: [1, 2, 3] }] },
      { input: "float_input" },
    ],
    ["an unknown input name", v2Request([row], "x"), { input: "x" }],
    [
      "data and shape disagree",
      { inputs: [{ name: "float_input", shape: [2, 4], datatype: "FP32", data: row }] },
      { input: "float_input" },
    ],
    [
      "a BYTES datatype",
      { inputs: [{ name: "float_input", shape: [1, 4], datatype: "BYTES", data: row }] },
      { input: "float_input" },
    ],
    ["no inputs", { inputs: [] }, {}],
    ["an unknown output", { ...v2Request([row]), outputs: [{ name: "nope" }] }, {}],
    ["not JSON", "{inputs:", {}],
  ];
  it.each(cases)("%s", async (_, body, place) => {
    const r = await post(`${s.url}/v2/models/iris/infer`, body);
    expect(r.status).toBe(400);
    const e = ((await r.json()) as { error: Record<string, unknown> }).error;
    expect(e.code).toBe("E_INPUT");
    expect(e).toMatchObject(place);
    expect(typeof e.message).toBe("string");
  });

  it("binary rows of the wrong size, and a NaN in them", async () => {
    const odd = await post(`${s.url}/v2/models/iris/infer`, new Uint8Array(12), {
      "content-type": "application/octet-stream",
    });
    expect(odd.status).toBe(400);
    const nan = Float32Array.from([...row, 1, 2, Number.NaN, 4]);
    const r = await post(`${s.url}/v2/models/iris/infer`, new Uint8Array(nan.buffer), {
      "content-type": "application/octet-stream",
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: unknown }).error).toMatchObject({ row: 1, feature: 2 });
  });

  it("a bad request leaves the model's answers as they were", async () => {
    await post(`${s.url}/v2/models/iris/infer`, v2Request([[Number.MAX_VALUE, 1, 1, 1]]));
    const o = await outputsOf(await post(`${s.url}/v2/models/iris/infer`, v2Request(iris.inputs)));
    expect(o.output_label!.data).toEqual(iris.expected.predict);
  });
});

describe("metadata and readiness", () => {
  it("GET /v2/models/{name}: inputs, outputs, datatypes, shapes, labels, bytes", async () => {
    const r = await fetch(`${s.url}/v2/models/flowers`);
    expect(r.status).toBe(200);
    const m = (await r.json()) as Record<string, unknown>;
    expect(m).toMatchObject({
      name: "flowers",
      versions: ["1", "2"],
      version: "2",
      platform: "edgeinfer",
      state: "READY",
      inputs: [{ name: "float_input", datatype: "FP32", shape: [-1, 4] }],
      outputs: [
        { name: "output_label", datatype: "INT64", shape: [-1, 1] },
        { name: "output_probability", datatype: "FP32", shape: [-1, 3], labels: [0, 1, 2] },
      ],
    });
    expect(m.image_bytes).toBeGreaterThan(0);
    expect(m.memory_bytes).toBeGreaterThan(m.image_bytes as number);
    const v1 = (await (await fetch(`${s.url}/v2/models/flowers/versions/1`)).json()) as Record<string, unknown>;
    expect(v1).toMatchObject({
      version: "1",
      outputs: [{ name: "output_label", datatype: "BYTES" }, { labels: ["setosa", "versicolor", "virginica"] }],
    });
  });

  it("ready and live", async () => {
    expect((await fetch(`${s.url}/v2/health/live`)).status).toBe(200);
    expect((await fetch(`${s.url}/v2/health/ready`)).status).toBe(200);
    expect(await (await fetch(`${s.url}/v2/models/iris/ready`)).json()).toEqual({ name: "iris", ready: true });
    expect((await fetch(`${s.url}/v2/models/flowers/versions/2/ready`)).status).toBe(200);
    expect((await fetch(`${s.url}/v2`)).status).toBe(200);
  });

  it("404 for an unknown model or version, and for an unknown route", async () => {
    for (const path of [
      "/v2/models/nope",
      "/v2/models/nope/infer",
      "/v2/models/flowers/versions/3",
      "/v2/models/iris/versions/9/ready",
      "/v3",
      "/v2/models/iris/explain",
    ]) {
      const r = path.endsWith("infer")
        ? await post(`${s.url}${path}`, v2Request([[1, 2, 3, 4]]))
        : await fetch(`${s.url}${path}`);
      expect([path, r.status]).toEqual([path, 404]);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe("E_NOT_FOUND");
    }
    const v = await post(`${s.url}/v2/models/flowers/versions/3/infer`, v2Request([[1, 2, 3, 4]]));
    expect(v.status).toBe(404);
  });

  it("405 for the wrong method, 415 for the wrong content type", async () => {
    expect((await fetch(`${s.url}/v2/models/iris/infer`)).status).toBe(405);
    expect((await post(`${s.url}/v2/models/iris`, {})).status).toBe(405);
    const r = await post(`${s.url}/v2/models/iris/infer`, "a=1", {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(r.status).toBe(415);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe("E_MEDIA_TYPE");
  });
});

describe("a request cannot make the server allocate what its body does not hold", () => {
  it("a shape of a billion rows with four values is a 400, and the server answers on", async () => {
    const r = await post(`${s.url}/v2/models/iris/infer`, {
      inputs: [{ name: "float_input", shape: [1e9, 4], datatype: "FP32", data: [1, 2, 3, 4] }],
    });
    expect(r.status).toBe(400);
    expect((await post(`${s.url}/v2/models/iris/infer`, v2Request(iris.inputs))).status).toBe(200);
  });
});
