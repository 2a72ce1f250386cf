// `edgeinfer serve` as a process: JSON log lines, SIGTERM drains and exits 0 (test/serve/server.test.ts
// shows a request in flight answered), --workers N shares the port, --help matches the options.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterEach, describe, expect, it } from "vitest";
import { cli } from "../helpers/cli.js";
import { modelFolder, ONNX, post, reference, v2Request } from "../helpers/serve.js";

const bin = new URL("../../bin/edgeinfer.js", import.meta.url).pathname;
const iris = reference("skl_lr_iris_string_labels");

interface Proc {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  /** Resolves with the first log line of this event that satisfies `when`. */
  next(event: string, when?: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  exit: Promise<number | null>;
}

function start(args: string[]): Proc {
  const child = spawn(process.execPath, [bin, "serve", ...args], { stdio: ["ignore", "ignore", "pipe"] });
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: child.stderr! }).on("line", (l) => {
    lines.push(JSON.parse(l));
    for (const w of waiters.splice(0)) w();
  });
  const exit = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  const next = (event: string, when = (_: Record<string, unknown>) => true) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const look = () => {
        const hit = lines.find((l) => l.event === event && when(l));
        if (hit) resolve(hit);
        else waiters.push(look);
      };
      look();
    });
  return { child, lines, next, exit };
}

let proc: Proc | undefined;
afterEach(() => {
  if (proc && proc.child.exitCode === null) proc.child.kill("SIGKILL");
  proc = undefined;
});

describe("edgeinfer serve", () => {
  it("logs JSON lines; SIGTERM drains and exits 0", async () => {
    const dir = modelFolder({ "iris.onnx": join(ONNX, "skl_lr_iris_string_labels.onnx") });
    proc = start([dir, "--port", "0", "--poll", "0"]);
    const load = await proc.next("load");
    expect(load).toMatchObject({ level: "info", model: "iris", version: 1 });
    const { port } = (await proc.next("listen")) as { port: number };
    const r = await post(`http://127.0.0.1:${port}/v2/models/iris/infer`, v2Request(iris.inputs));
    expect(r.status).toBe(200);
    proc.child.kill("SIGTERM");
    expect(await proc.exit).toBe(0);
    expect(proc.lines.map((l) => l.event)).toEqual(["load", "listen", "drain", "unload", "closed"]);
  });

  it("--workers 2: two processes on one port, each with the folder; SIGTERM stops both, exit 0", async () => {
    const dir = modelFolder({ "iris.onnx": join(ONNX, "skl_lr_iris_string_labels.onnx") });
    proc = start([dir, "--port", "0", "--workers", "2", "--poll", "0"]);
    const a = (await proc.next("listen")) as { port: number };
    const b = (await proc.next("listen", (l) => l !== a)) as { port: number };
    expect(b.port).toBe(a.port);
    for (let i = 0; i < 4; i++) {
      const r = await post(`http://127.0.0.1:${a.port}/v1/models/iris:predict`, { instances: iris.inputs });
      expect(r.status).toBe(200);
    }
    proc.child.kill("SIGTERM");
    expect(await proc.exit).toBe(0);
  });

  it("--help lists the options; a bad option is a usage error", async () => {
    const help = await cli(["serve", "--help"]);
    expect(help.code).toBe(0);
    for (const o of [
      "--port",
      "--host",
      "--token-file",
      "--cors",
      "--max-body",
      "--header-timeout",
      "--body-timeout",
      "--control",
      "--poll",
      "--workers",
      "--log-level",
    ])
      expect(help.out).toContain(o);
    expect((await cli(["serve", "x", "--port", "70000"])).code).toBe(1);
    expect((await cli(["--help"])).out).toContain("edgeinfer serve <dir>");
  });

  it("a missing folder, a file, a missing token file: E_IO naming the path, exit 2", async () => {
    const dir = modelFolder({});
    for (const [args, says] of [
      [[join(dir, "nope")], `${join(dir, "nope")}: no such file`],
      [[bin], `${bin}: not a folder`],
      [[dir, "--token-file", join(dir, "token")], `${join(dir, "token")}: no such file`],
    ] as const) {
      const r = await cli(["serve", ...args, "--port", "0"]);
      expect([r.code, r.err]).toEqual([2, expect.stringContaining(`error[E_IO]: ${says}`)]);
    }
  });
});
