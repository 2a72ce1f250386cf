// edgeinfer/serve under Deno and Bun (their node:http): the same answers as scikit-learn over
// both protocols, and a new version picked up from the folder. A host that is missing is
// skipped by name (test/hosts/package.json installs them).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterEach, describe, expect, it } from "vitest";
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
afterEach(() => {
  child?.kill("SIGKILL");
  child = undefined;
});

function start(bin: string, args: string[], dir: string): Promise<number> {
  child = spawn(bin, [...args, dir], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    createInterface({ input: child!.stdout! }).on("line", (l) => {
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
  });
});
