// GET /metrics: Prometheus text with requests by model, version and code, the latency
// histogram, rows, versions loaded, memory per version and for the runtime, process metrics.
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { modelFolder, ONNX, post, type Running, serve, v2Request } from "../helpers/serve.js";

let s: Running;
beforeAll(async () => {
  s = await serve(modelFolder({ "iris/2.onnx": join(ONNX, "skl_lr_iris_string_labels.onnx") }));
});
afterAll(() => s.close());

it("counts what happened", async () => {
  const rows = [
    [5.1, 3.5, 1.4, 0.2],
    [6.3, 3.3, 4.7, 1.6],
  ];
  for (let i = 0; i < 3; i++) await post(`${s.url}/v2/models/iris/infer`, v2Request(rows));
  await post(`${s.url}/v2/models/iris/infer`, v2Request([[1, 2, 3]]));
  for (let i = 0; i < 5; i++) await fetch(`${s.url}/v2/models/unknown-${i}`);
  const r = await fetch(`${s.url}/metrics`);
  expect(r.headers.get("content-type")).toContain("text/plain");
  const text = await r.text();
  const line = (re: RegExp) => text.split("\n").filter((l) => re.test(l));
  expect(line(/^edgeinfer_requests_total\{/)).toEqual([
    'edgeinfer_requests_total{model="iris",version="2",code="200"} 3',
    'edgeinfer_requests_total{model="iris",version="2",code="400"} 1',
    'edgeinfer_requests_total{model="",version="",code="404"} 5',
  ]);
  expect(line(/^edgeinfer_rows_predicted_total/)).toEqual([
    'edgeinfer_rows_predicted_total{model="iris",version="2"} 6',
  ]);
  expect(line(/^edgeinfer_request_duration_seconds_count\{model="iris"\}/)).toEqual([
    'edgeinfer_request_duration_seconds_count{model="iris"} 4',
  ]);
  expect(line(/^edgeinfer_models_loaded /)).toEqual(["edgeinfer_models_loaded 1"]);
  const memory = s.server.repository.models.get("iris")!.versions.get(2)!.model.info.memoryBytes;
  expect(line(/^edgeinfer_model_memory_bytes/)).toEqual([
    `edgeinfer_model_memory_bytes{model="iris",version="2"} ${memory}`,
  ]);
  const report = s.server.repository.runtime.memoryReport();
  expect(line(/^edgeinfer_runtime_memory_bytes\{kind="total"\}/)).toEqual([
    `edgeinfer_runtime_memory_bytes{kind="total"} ${report.memoryBytes}`,
  ]);
  expect(line(/^process_resident_memory_bytes /).length).toBe(1);
  expect(line(/^nodejs_eventloop_lag_p99_seconds /).length).toBe(1);
});
