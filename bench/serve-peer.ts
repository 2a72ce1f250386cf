/**
 * One contender of bench/serve.bench.ts, in a process of its own: a minimal node:http server
 * speaking KServe v2 infer for one model, the same code whichever backend predicts:
 *   bare       the constant JSON body of the model's answer (the ceiling of HTTP in Node)
 *   edgeinfer  Model.predict (synchronous)
 *   ort        onnxruntime-node's session.run (asynchronous, one thread)
 * Usage: node dist/bench/serve-peer.js <bare|edgeinfer|ort> <model.onnx>. Prints "PORT <n>".
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Runtime } from "../src/index.js";
import { pack } from "../src/pack.js";
import { type Any, ORT_NODE_OPTIONS, peerRequire } from "./peer-load.js";

type Predict = (
  row: Float32Array,
) => Promise<Array<{ name: string; data: number[] }>> | Array<{ name: string; data: number[] }>;

const [backend, file] = process.argv.slice(2) as [string, string];
const onnx = new Uint8Array(readFileSync(file));
const image = pack(onnx);
const info = new Runtime().load(image).info;
const k = info.inputLength;

async function makePredict(): Promise<Predict> {
  if (backend === "ort") {
    const ort: Any = peerRequire("onnxruntime-node");
    const session: Any = await ort.InferenceSession.create(onnx, ORT_NODE_OPTIONS);
    const input = session.inputNames[0];
    return async (row) => {
      const out = await session.run({ [input]: new ort.Tensor("float32", row, [1, k]) });
      return session.outputNames.map((name: string) => ({
        name,
        data: Array.from(out[name].data as ArrayLike<number>, Number),
      }));
    };
  }
  const model = new Runtime().load(image);
  const edge: Predict = (row) => {
    const y = model.predict(row);
    return info.outputs.map((o) => ({ name: o.name, data: Array.from(y.subarray(o.offset, o.offset + o.length)) }));
  };
  if (backend === "edgeinfer") return edge;
  const constant = edge(new Float32Array(k));
  return () => constant;
}

const predict = await makePredict();
const bad = (res: import("node:http").ServerResponse, message: string) => {
  res.writeHead(400, { "content-type": "application/json" });
  res.end(JSON.stringify({ error: { code: "E_INPUT", message } }));
};

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", async () => {
    let body: Any;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString());
    } catch {
      return bad(res, "not JSON");
    }
    const t = body?.inputs?.[0];
    const data = t?.data;
    if (!Array.isArray(data) || data.length !== k) return bad(res, `expected ${k} values`);
    const row = new Float32Array(k);
    for (let i = 0; i < k; i++) {
      if (typeof data[i] !== "number") return bad(res, `feature ${i} is not a number`);
      row[i] = data[i];
    }
    const outputs = (await predict(row)).map((o) => ({
      name: o.name,
      datatype: "FP32",
      shape: [1, o.data.length],
      data: o.data,
    }));
    const text = JSON.stringify({ model_name: "m", model_version: "1", outputs });
    res.writeHead(200, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
      "x-model-version": "1",
    });
    res.end(text);
  });
});
server.listen(0, "127.0.0.1", () => process.stdout.write(`PORT ${(server.address() as AddressInfo).port}\n`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
