// The routes as a fetch handler over images (what workerd runs; test/hosts runs it there): the
// same answers as scikit-learn, the token, the body limit, versions.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Runtime } from "../../src/index.js";
import { pack } from "../../src/pack.js";
import { fetchHandler, ImageModels } from "../../src/serve/fetch.js";
import { close, ONNX, reference, v2Request } from "../helpers/serve.js";

const image = (name: string) => pack(new Uint8Array(readFileSync(join(ONNX, `${name}.onnx`))));
const lr = reference("skl_lr_iris_string_labels");
const mlp = reference("skl_mlp_iris_string_labels");
const models = new ImageModels(new Runtime(), {
  iris: { 1: image("skl_lr_iris_string_labels"), 2: image("skl_mlp_iris_string_labels") },
});
const handle = fetchHandler(models, { token: "t0k", maxBodyBytes: 2000 });
const infer = (path: string, body: unknown, auth = "Bearer t0k") =>
  handle(
    new Request(`http://edge${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: auth },
      body: JSON.stringify(body),
    }),
  );

describe("fetchHandler", () => {
  it("answers each version as scikit-learn does", async () => {
    for (const [path, ref, version] of [
      ["/v2/models/iris/infer", mlp, "2"],
      ["/v2/models/iris/versions/1/infer", lr, "1"],
    ] as const) {
      const r = await infer(path, v2Request(ref.inputs));
      expect(r.headers.get("x-model-version")).toBe(version);
      const out = ((await r.json()) as { outputs: Array<{ data: unknown[] }> }).outputs;
      expect(out[0]!.data).toEqual(ref.expected.predict);
      expect(close(out[1]!.data as number[], ref.expected.predict_proba!.flat())).toBe(true);
    }
    expect(models.models.get("iris")!.versions.get(2)!.refs).toBe(0);
  });

  it("the token, the body limit, unknown models, the health check without a token", async () => {
    expect((await infer("/v2/models/iris/infer", v2Request(lr.inputs), "Bearer nope")).status).toBe(401);
    const big = v2Request(Array.from({ length: 100 }, () => lr.inputs[0]!));
    expect((await infer("/v2/models/iris/infer", big)).status).toBe(413);
    expect((await infer("/v2/models/nope/infer", v2Request(lr.inputs))).status).toBe(404);
    expect((await handle(new Request("http://edge/v2/health/ready"))).status).toBe(200);
    expect(models.models.get("iris")!.versions.get(2)!.refs).toBe(0);
  });
});
