// edgeinfer/serve under Deno and Bun (their node:http): the same answers as scikit-learn over
// both protocols, and a new version picked up from the folder; its routes as a workerd Worker. A host that is missing is
// skipped by name (test/hosts/package.json installs them).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterEach, describe, expect, it } from "vitest";
import { pack } from "../../src/pack.js";
import { close, modelFolder, ONNX, place, post, reference, v2Request } from "../helpers/serve.js";

const hostModules = new URL("./node_modules/.bin/", import.meta.url).pathname;
const script = new URL("./serve-host.mjs", import.meta.url).pathname;
const which = (cmd: string) =>
  existsSync(join(hostModules, cmd))
    ? join(hostModules, cmd)
    : spawnSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" }).stdout.trim() || undefined;
const hosts: Array<[string, string | undefined, string[]]> = [
  ["deno", which("deno"), ["run", "-A", script]],
  ["bun", which("bun"), [script]],
];
const missing = hosts.filter(([, bin]) => !bin).map(([name]) => name);
if (missing.length)
  process.stderr.write(`test/hosts/serve: skipping hosts not installed here: ${missing.join(", ")}\n`);

const iris = reference("skl_lr_iris_string_labels");
const mlp = reference("skl_mlp_iris_string_labels");
let child: ChildProcess | undefined;
/** The child's "PACKED <version> <where>" lines. */
let packed: string[] = [];
afterEach(() => {
  child?.kill("SIGKILL");
  child = undefined;
});

function start(bin: string, args: string[], dir: string): Promise<number> {
  child = spawn(bin, [...args, dir], { stdio: ["ignore", "pipe", "inherit"] });
  packed = [];
  return new Promise((resolve, reject) => {
    createInterface({ input: child!.stdout! }).on("line", (l) => {
      if (l.startsWith("PACKED ")) packed.push(l.slice(7));
      const m = /^PORT (\d+)/.exec(l);
      if (m) resolve(Number(m[1]));
    });
    child!.once("exit", (code) => reject(new Error(`${bin} exited ${code}`)));
  });
}

describe.each(hosts.filter(([, bin]) => bin))("edgeinfer serve under %s", (_name, bin, args) => {
  it("answers as scikit-learn over both protocols and picks up a new version", async () => {
    const dir = modelFolder({ "iris/1.onnx": join(ONNX, "skl_lr_iris_string_labels.onnx") });
    const port = await start(bin!, args, dir);
    const url = `http://127.0.0.1:${port}`;
    const r = await post(`${url}/v2/models/iris/infer`, v2Request(iris.inputs));
    expect(r.headers.get("x-model-version")).toBe("1");
    const out = ((await r.json()) as { outputs: Array<{ data: unknown[] }> }).outputs;
    expect(out[0]!.data).toEqual(iris.expected.predict);
    expect(close(out[1]!.data as number[], iris.expected.predict_proba!.flat())).toBe(true);
    const tfs = (await (await post(`${url}/v1/models/iris:predict`, { instances: iris.inputs })).json()) as {
      predictions: Array<{ output_label: string }>;
    };
    expect(tfs.predictions.map((p) => p.output_label)).toEqual(iris.expected.predict);
    place(dir, "iris/2.onnx", join(ONNX, "skl_mlp_iris_string_labels.onnx"));
    for (;;) {
      const m = (await (await fetch(`${url}/v2/models/iris`)).json()) as { version: string };
      if (m.version === "2") break;
      await new Promise((res) => setTimeout(res, 10));
    }
    const v2 = await post(`${url}/v2/models/iris/infer`, v2Request(mlp.inputs));
    expect(v2.headers.get("x-model-version")).toBe("2");
    expect(((await v2.json()) as { outputs: Array<{ data: unknown[] }> }).outputs[0]!.data).toEqual(
      mlp.expected.predict,
    );
    expect((await post(`${url}/v2/models/iris/infer`, v2Request([[1, 2, 3]]))).status).toBe(400);
    // The first load in-thread (before listening), the new version in the host's worker thread.
    expect(packed).toEqual(["1 thread", "2 worker"]);
  });
});

// Cloudflare's workerd: the same routes as a Worker (edgeinfer/serve/fetch), the kernels handed
// over as a compiled WebAssembly.Module (workerd forbids compiling wasm from bytes) and the model
// as image bytes, on a loopback port.
const workerd = which("workerd");
if (!workerd) process.stderr.write("test/hosts/serve: skipping workerd (not installed here)\n");
const WORKER = `import { Runtime } from "./index.js";
import { fetchHandler, ImageModels } from "./serve-fetch.js";
import kernels from "./kernels.wasm";
import iris from "./iris.eim";
let handle;
export default {
  fetch(request) {
    handle ??= fetchHandler(new ImageModels(new Runtime({ module: kernels }), { iris: new Uint8Array(iris) }));
    return handle(request);
  },
};
`;

describe.each(workerd ? [workerd] : [])("edgeinfer/serve/fetch under workerd", (bin) => {
  it("answers as scikit-learn, from a compiled module and image bytes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "edgeinfer-workerd-"));
    const pkg = new URL("../../dist/pkg/", import.meta.url).pathname;
    copyFileSync(join(pkg, "index.js"), join(dir, "index.js"));
    copyFileSync(join(pkg, "serve-fetch.js"), join(dir, "serve-fetch.js"));
    copyFileSync(new URL("../../build/edgeinfer.simd.wasm", import.meta.url).pathname, join(dir, "kernels.wasm"));
    writeFileSync(
      join(dir, "iris.eim"),
      pack(new Uint8Array(readFileSync(join(ONNX, "skl_lr_iris_string_labels.onnx")))),
    );
    writeFileSync(join(dir, "worker.mjs"), WORKER);
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const p = (probe.address() as { port: number }).port;
        probe.close(() => resolve(p));
      });
    });
    writeFileSync(
      join(dir, "config.capnp"),
      `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .w)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const w :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed "worker.mjs"),
    (name = "index.js", esModule = embed "index.js"),
    (name = "serve-fetch.js", esModule = embed "serve-fetch.js"),
    (name = "kernels.wasm", wasm = embed "kernels.wasm"),
    (name = "iris.eim", data = embed "iris.eim"),
  ],
  compatibilityDate = "2024-09-01",
);
`,
    );
    child = spawn(bin, ["serve", join(dir, "config.capnp")], { stdio: ["ignore", "inherit", "inherit"] });
    const url = `http://127.0.0.1:${port}`;
    for (;;) {
      const up = await fetch(`${url}/v2/health/live`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (up) break;
      await new Promise((res) => setTimeout(res, 20));
    }
    const r = await post(`${url}/v2/models/iris/infer`, v2Request(iris.inputs));
    expect(r.status).toBe(200);
    expect(r.headers.get("x-model-version")).toBe("1");
    const out = ((await r.json()) as { outputs: Array<{ data: unknown[] }> }).outputs;
    expect(out[0]!.data).toEqual(iris.expected.predict);
    expect(close(out[1]!.data as number[], iris.expected.predict_proba!.flat())).toBe(true);
    const tfs = (await (await post(`${url}/v1/models/iris:predict`, { instances: iris.inputs })).json()) as {
      predictions: Array<{ output_label: string }>;
    };
    expect(tfs.predictions.map((p) => p.output_label)).toEqual(iris.expected.predict);
    const bad = await post(`${url}/v2/models/iris/infer`, v2Request([[1, 2, Number.NaN, 4]]));
    expect(bad.status).toBe(400);
    expect((await fetch(`${url}/v2/models/nope`)).status).toBe(404);
  });
});
