// Hot swap over real HTTP and real files: a changed file is switched in between requests with
// no request failing (a request loop runs while the file is replaced, every answer is 200 and
// equals scikit-learn's answer of one version or the other); a request that started on the old
// version finishes on it; old memory is reused; a corrupt file is refused, logged and shown while
// the previous version serves on; Triton's explicit load and unload.
import { writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { OnnxDecodeError } from "../../src/errors.js";
import { jsonLogger } from "../../src/serve/log.js";
import { packInThread } from "../../src/serve/packer.js";
import { close, modelFolder, ONNX, place, post, type Running, reference, serve, v2Request } from "../helpers/serve.js";

const LR = join(ONNX, "skl_lr_iris_string_labels.onnx");
const MLP = join(ONNX, "skl_mlp_iris_string_labels.onnx");
const lr = reference("skl_lr_iris_string_labels");
const mlp = reference("skl_mlp_iris_string_labels");

async function until(cond: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await cond())) await new Promise((r) => setTimeout(r, 5));
}

type Outputs = { output_label: string[]; output_probability: number[] };
const outputsOf = (body: { outputs: Array<{ name: string; data: unknown[] }> }) =>
  Object.fromEntries(body.outputs.map((o) => [o.name, o.data])) as unknown as Outputs;

/** Which reference an answer for all 20 rows equals: "lr", "mlp" or "neither". */
function whose(o: Outputs): string {
  for (const [name, ref] of [
    ["lr", lr],
    ["mlp", mlp],
  ] as const)
    if (
      JSON.stringify(o.output_label) === JSON.stringify(ref.expected.predict) &&
      close(o.output_probability, ref.expected.predict_proba!.flat())
    )
      return name;
  return "neither";
}

let s: Running | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

describe("hot swap", () => {
  it("replaces a model 20 times under 8 concurrent clients with no failed request", async () => {
    s = await serve(modelFolder({ "m.onnx": LR }));
    const seen: string[] = [];
    let stop = false;
    const client = async () => {
      while (!stop) {
        const r = await post(`${s!.url}/v2/models/m/infer`, v2Request(lr.inputs));
        seen.push(`${r.status} ${r.status === 200 ? whose(outputsOf(await r.json())) : await r.text()}`);
      }
    };
    const clients = Array.from({ length: 8 }, client);
    const report = () => s!.server.repository.runtime.memoryReport();
    let memoryAfterTwo = 0;
    for (let i = 0; i < 20; i++) {
      place(s.dir, "m.onnx", i % 2 === 0 ? MLP : LR);
      await s.server.repository.sync();
      const after = seen.length;
      await until(() => seen.length >= after + 8); // requests on the new version before the next swap
      if (i === 1) memoryAfterTwo = report().memoryBytes;
    }
    stop = true;
    await Promise.all(clients);
    expect(seen.filter((x) => x !== "200 lr" && x !== "200 mlp")).toEqual([]);
    expect(seen).toContain("200 lr");
    expect(seen).toContain("200 mlp");
    // Every replaced version was disposed and its block reused: one model, no growth.
    await until(() => report().models.length === 1);
    expect(report().memoryBytes).toBe(memoryAfterTwo);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(/^edgeinfer_model_swaps_total\{model="m"\} 20$/m);
  });

  it("a request that started on the old version finishes on it; then the old one is disposed", async () => {
    s = await serve(modelFolder({ "m.onnx": LR }));
    const repo = s.server.repository;
    const body = JSON.stringify(v2Request(lr.inputs));
    const sock = connect(s.port, "127.0.0.1");
    let got = "";
    sock.on("data", (d) => {
      got += d.toString();
    });
    await new Promise((r) => sock.on("connect", r));
    sock.write(
      `POST /v2/models/m/infer HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: ${body.length}\r\n\r\n`,
    );
    const old = repo.models.get("m")!.versions.get(1)!;
    await until(() => old.refs === 1); // the headers are in: the request holds version 1 as it was
    place(s.dir, "m.onnx", MLP);
    await repo.sync();
    expect(repo.models.get("m")!.versions.get(1)).not.toBe(old);
    expect(old.retired).toBe(true);
    expect(repo.runtime.models.size).toBe(2); // the old model still in memory
    const fresh = whose(outputsOf(await (await post(`${s.url}/v2/models/m/infer`, v2Request(lr.inputs))).json()));
    expect(fresh).toBe("mlp");
    sock.end(body);
    await new Promise((r) => sock.on("close", r));
    expect(whose(outputsOf(JSON.parse(got.slice(got.indexOf("\r\n\r\n") + 4))))).toBe("lr");
    await until(() => old.refs === 0);
    expect(repo.runtime.models.size).toBe(1);
  });

  it("a corrupt file is refused with its typed error, logged and shown; the previous version serves on", async () => {
    const lines: string[] = [];
    s = await serve(modelFolder({ "m/1.onnx": LR }), { logger: jsonLogger((l) => lines.push(l), "info") });
    place(s.dir, "m/2.onnx", new Uint8Array([0x08, 0x07, 0xff, 0xff, 0x0f]));
    place(s.dir, "m/1.onnx", new Uint8Array(0));
    await s.server.repository.sync();
    const meta = (await (await fetch(`${s.url}/v2/models/m`)).json()) as Record<string, unknown>;
    expect(meta).toMatchObject({
      state: "READY",
      version: "1",
      versions: ["1"],
      error: { version: "2", code: "E_ONNX" },
    });
    const logged = lines.map((l) => JSON.parse(l)).filter((l) => l.event === "refuse");
    expect(logged.map((l) => [l.level, l.version, l.error.code])).toEqual([
      ["error", 1, "E_MODEL"],
      ["error", 2, "E_ONNX"],
    ]);
    const r = await post(`${s.url}/v2/models/m/infer`, v2Request(lr.inputs));
    expect(r.headers.get("x-model-version")).toBe("1");
    expect(whose(outputsOf(await r.json()))).toBe("lr");
    // The same bad file is not retried (nor logged) on every sync; a good one clears the error.
    await s.server.repository.sync();
    expect(lines.filter((l) => l.includes('"refuse"')).length).toBe(2);
    place(s.dir, "m/2.onnx", MLP);
    await s.server.repository.sync();
    expect(((await (await fetch(`${s.url}/v2/models/m`)).json()) as { error: unknown }).error).toMatchObject({
      version: "1",
      code: "E_MODEL",
    });
    place(s.dir, "m/1.onnx", LR);
    await s.server.repository.sync();
    const now = (await (await fetch(`${s.url}/v2/models/m`)).json()) as Record<string, unknown>;
    expect(now.version).toBe("2");
    expect(now.error).toBe(undefined);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(/^edgeinfer_model_load_failures_total\{model="m"\} 2$/m);
  });

  it("a changed .onnx file is packed in the worker thread; the first load in-thread", async () => {
    const lines: string[] = [];
    s = await serve(modelFolder({ "m.onnx": LR }), { logger: jsonLogger((l) => lines.push(l), "info") });
    place(s.dir, "m.onnx", MLP);
    await s.server.repository.sync();
    const events = lines.map((l) => JSON.parse(l)).filter((l) => l.event === "load" || l.event === "swap");
    expect(events.map((l) => [l.event, l.packedIn])).toEqual([
      ["load", "thread"],
      ["swap", "worker"],
    ]);
    expect(whose(outputsOf(await (await post(`${s.url}/v2/models/m/infer`, v2Request(mlp.inputs))).json()))).toBe(
      "mlp",
    );
  });

  it("a corrupt file packed in the worker is refused with the error packing it here gives", async () => {
    const lines: string[] = [];
    const bad = new Uint8Array([0x08, 0x07, 0xff, 0xff, 0x0f]);
    s = await serve(modelFolder({ "m/1.onnx": LR }), { logger: jsonLogger((l) => lines.push(l), "info") });
    place(s.dir, "m/2.onnx", bad);
    await s.server.repository.sync();
    const here = packInThread(join(s.dir, "m/2.onnx"));
    const expected = "error" in here ? here.error : new Error("packed");
    expect(s.server.repository.models.get("m")!.failures.get(2)!.error).toBeInstanceOf(OnnxDecodeError);
    const refused = lines.map((l) => JSON.parse(l)).filter((l) => l.event === "refuse");
    expect(refused.map((l) => [l.packedIn, l.error.name, l.error.code, l.error.message])).toEqual([
      ["worker", "OnnxDecodeError", "E_ONNX", expected.message],
    ]);
    const meta = (await (await fetch(`${s.url}/v2/models/m`)).json()) as { error: unknown };
    expect(meta.error).toMatchObject({ version: "2", code: "E_ONNX", message: expected.message });
  });

  it("a model that never loaded answers 503 with its error", async () => {
    s = await serve(modelFolder({ "bad.json": new TextEncoder().encode('{"kind": "nope"}') }));
    const r = await fetch(`${s.url}/v2/models/bad`);
    expect(r.status).toBe(503);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe("E_MODEL");
    expect((await post(`${s.url}/v2/models/bad/infer`, v2Request(lr.inputs))).status).toBe(503);
    expect((await fetch(`${s.url}/v2/models/bad/ready`)).status).toBe(400);
  });

  it("the watcher and the poll each pick up a new version and a replaced file", async () => {
    for (const options of [
      { watch: true, pollMs: 0 },
      { watch: false, pollMs: 20 },
    ]) {
      s = await serve(modelFolder({ "m/1.onnx": LR }), options);
      place(s.dir, "m/2.onnx", MLP);
      await until(
        async () => ((await (await fetch(`${s!.url}/v2/models/m`)).json()) as { version: string }).version === "2",
      );
      const r = await post(`${s.url}/v2/models/m/infer`, v2Request(mlp.inputs));
      expect(r.headers.get("x-model-version")).toBe("2");
      expect((await (await fetch(`${s.url}/v2/models/m/versions/1/ready`)).json()) as unknown).toEqual({
        name: "m",
        ready: true,
      });
      place(s.dir, "m/2.onnx", LR); // the same version replaced by a rename
      await until(
        async () =>
          whose(outputsOf(await (await post(`${s!.url}/v2/models/m/infer`, v2Request(lr.inputs))).json())) === "lr",
      );
      await s.close();
      s = undefined;
    }
  });
});

describe("explicit model control", () => {
  it("serves only what is loaded; load, unload and the index", async () => {
    const dir = modelFolder({ "a.onnx": LR, "b/4.onnx": MLP });
    writeFileSync(join(dir, "bad.onnx"), "not a model");
    s = await serve(dir, { control: "explicit" });
    expect((await fetch(`${s.url}/v2/models/a`)).status).toBe(404);
    const load = await post(`${s.url}/v2/repository/models/b/load`, {});
    expect(load.status).toBe(200);
    expect(((await load.json()) as { version: string }).version).toBe("4");
    expect((await post(`${s.url}/v2/models/b/infer`, v2Request(mlp.inputs))).status).toBe(200);
    expect((await post(`${s.url}/v2/repository/models/nope/load`, {})).status).toBe(404);
    const bad = await post(`${s.url}/v2/repository/models/bad/load`, {});
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("E_ONNX");
    const index = await (await post(`${s.url}/v2/repository/index`, {})).json();
    expect(index).toMatchObject([
      { name: "b", version: "4", state: "READY" },
      { name: "bad", version: "1", state: "UNAVAILABLE" },
    ]);
    expect((await post(`${s.url}/v2/repository/models/b/unload`, {})).status).toBe(200);
    expect((await fetch(`${s.url}/v2/models/b`)).status).toBe(404);
    expect((await post(`${s.url}/v2/repository/models/b/unload`, {})).status).toBe(404);
    expect(s.server.repository.runtime.models.size).toBe(0);
  });

  it("in watch mode an unloaded model stays unloaded until loaded again", async () => {
    s = await serve(modelFolder({ "a.onnx": LR }));
    expect((await post(`${s.url}/v2/repository/models/a/unload`, {})).status).toBe(200);
    await s.server.repository.sync();
    expect((await fetch(`${s.url}/v2/models/a`)).status).toBe(404);
    expect((await post(`${s.url}/v2/repository/models/a/load`, {})).status).toBe(200);
    expect((await fetch(`${s.url}/v2/models/a`)).status).toBe(200);
  });
});
