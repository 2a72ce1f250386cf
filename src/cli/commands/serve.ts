/** `edgeinfer serve`: a model repository folder over HTTP (src/serve/, docs/serve.md). */
import cluster from "node:cluster";
import type { SimdOption } from "../../runtime/wasm.js";
import { jsonLogger, LEVELS, type Level } from "../../serve/log.js";
import { createServer, DEFAULT_MAX_BODY_BYTES } from "../../serve/server.js";
import type { Command, Io } from "../options.js";
import { SIMD_OPTION } from "./bench.js";

/** Resolves on the first SIGTERM or SIGINT; later ones are ignored (a drain is under way). */
const stopSignal = () =>
  new Promise<string>((resolve) => {
    process.on("SIGTERM", resolve);
    process.on("SIGINT", resolve);
  });

/** The primary of --workers N: forks N copies of this command, restarts one that dies, drains them all on SIGTERM. */
async function primary(n: number, io: Io, level: Level): Promise<number> {
  const log = jsonLogger((l) => io.stderr.write(l), level);
  let stopping = false;
  const fork = () => cluster.fork({ EDGEINFER_SERVE_WORKER: "1" });
  cluster.on("exit", (w, code, signal) => {
    if (stopping) return;
    log.log("error", "worker-exit", { pid: w.process.pid, code, signal });
    fork();
  });
  for (let i = 0; i < n; i++) fork();
  log.log("info", "workers", { workers: n });
  const signal = await stopSignal();
  stopping = true;
  const workers = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
  const codes = await Promise.all(
    workers.map(
      (w) =>
        new Promise<number>((resolve) => {
          w.once("exit", (code) => resolve(code ?? 1));
          w.process.kill("SIGTERM");
        }),
    ),
  );
  log.log("info", "stopped", { signal, codes });
  return codes.every((c) => c === 0) ? 0 : 2;
}

export const serveCommand: Command = {
  name: "serve",
  positionals: ["<dir>"],
  summary: `Serves every model of a folder over HTTP: <dir>/<name>.eim|.onnx|.json|.tflite, or
<dir>/<name>/<version>.<ext> for versions (the highest is the default). Speaks the Open
Inference Protocol (KServe v2: /v2/models/<name>/infer, JSON or float32 rows) and TF Serving's
/v1/models/<name>:predict. A new or changed file is loaded beside the version serving and
switched in between two requests; a bad file is refused (logged, and shown on
GET /v2/models/<name>) while the previous version serves on. JSON logs on stderr. SIGTERM
drains requests in flight, then exits 0. docs/serve.md`,
  options: [
    { name: "port", short: "p", value: "N", int: [0, 65535], help: "TCP port (default 8080; 0: any free port)" },
    { name: "host", value: "addr", help: "address to bind (default 127.0.0.1; 0.0.0.0 for every interface)" },
    {
      name: "token-file",
      value: "file",
      help: "require Authorization: Bearer <the file's first line> on every route\nbut /v2/health/*",
    },
    { name: "cors", value: "origin", help: "allow this origin (CORS headers); default: none" },
    {
      name: "max-body",
      value: "bytes",
      int: [1, 2 ** 31 - 1],
      help: `largest request body (default ${DEFAULT_MAX_BODY_BYTES}): 413 past it`,
    },
    { name: "header-timeout", value: "ms", int: [1, 3_600_000], help: "time to send the headers (default 10000): 408" },
    {
      name: "body-timeout",
      value: "ms",
      int: [1, 3_600_000],
      help: "time to send the whole request (default 30000): 408",
    },
    {
      name: "control",
      value: "mode",
      choices: ["watch", "explicit"],
      help: "watch (default): serve the folder and follow it; explicit: serve only what\nPOST /v2/repository/models/<name>/load loads",
    },
    {
      name: "poll",
      value: "ms",
      int: [0, 3_600_000],
      help: "re-read the folder this often besides watching (default 1000; 0: off)",
    },
    {
      name: "workers",
      value: "N",
      int: [1, 256],
      help: "processes sharing the port, each with its own runtime (default 1)",
    },
    {
      name: "log-level",
      value: "level",
      choices: [...LEVELS],
      help: "least level logged (default info; debug logs every request)",
    },
    { name: "no-metrics", help: "no GET /metrics" },
    SIMD_OPTION,
  ],
  async run(a, io) {
    const v = a.values;
    const level = (v["log-level"] ?? "info") as Level;
    const workers = (v.workers as number | undefined) ?? 1;
    if (workers > 1 && cluster.isPrimary) return primary(workers, io, level);
    const logger = jsonLogger((l) => io.stderr.write(l), level);
    const server = createServer({
      dir: a.positionals[0]!,
      port: (v.port as number | undefined) ?? 8080,
      host: (v.host as string | undefined) ?? "127.0.0.1",
      tokenFile: v["token-file"] as string | undefined,
      cors: v.cors as string | undefined,
      maxBodyBytes: v["max-body"] as number | undefined,
      headerTimeoutMs: v["header-timeout"] as number | undefined,
      bodyTimeoutMs: v["body-timeout"] as number | undefined,
      control: v.control as "watch" | "explicit" | undefined,
      pollMs: v.poll as number | undefined,
      metrics: v["no-metrics"] !== true,
      logger,
      runtime: { simd: (v.simd ?? "auto") as SimdOption },
    });
    const stop = stopSignal();
    await server.listen();
    const signal = await stop;
    logger.log("info", "drain", { signal });
    await server.close();
    cluster.worker?.disconnect(); // the channel to the primary would keep the process alive
    return 0;
  },
};
