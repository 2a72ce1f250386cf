/**
 * createServer: a model repository folder served over node:http (Node, and Deno and Bun
 * through their node:http). One Runtime for every model; the folder followed (watch.ts);
 * limits on what a client may send (body size, header and body time); a drain on close().
 */
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { HostError } from "../errors.js";
import { Runtime, type RuntimeOptions } from "../index.js";
import { FileReadError } from "../io/errors.js";
import { type Logger, silentLogger } from "./log.js";
import { Metrics } from "./metrics.js";
import { Repository } from "./repository.js";
import { type Answer, Router } from "./router.js";
import { FolderWatch } from "./watch.js";

export interface ServeOptions {
  /** The model repository folder. */
  dir: string;
  /** Default 8080; 0 picks a free port (see listen()'s result). */
  port?: number;
  /** Default 127.0.0.1 (this machine only); "0.0.0.0" or "::" for every interface. */
  host?: string;
  /** Bearer token every route but the health checks needs. */
  token?: string;
  /** A file holding the token (its first line); instead of `token`. */
  tokenFile?: string;
  /** Allow this origin (CORS); default: no CORS headers. */
  cors?: string;
  /** Largest request body in bytes (default 4 MiB): 413 past it. */
  maxBodyBytes?: number;
  /** Time a client has to send its headers, in ms (default 10 000): 408 past it. */
  headerTimeoutMs?: number;
  /** Time a client has to send its whole request, in ms (default 30 000): 408 past it. */
  bodyTimeoutMs?: number;
  /** Idle keep-alive connections close after this many ms (default 5 000). */
  keepAliveTimeoutMs?: number;
  /** "watch" (default): serve every file of the folder and follow it; "explicit": only what /load loads. */
  control?: "watch" | "explicit";
  /** Pack changed .onnx/.json/.tflite files in a worker thread (default true; false: on the server's thread). */
  packWorker?: boolean;
  /** Use fs.watch (default true; the poll runs anyway). */
  watch?: boolean;
  /** Re-read the folder every this many ms (default 1 000; 0: never, only on watch events). */
  pollMs?: number;
  /** Serve GET /metrics (default true). */
  metrics?: boolean;
  /** Structured logs (default: none; the CLI logs JSON lines to stderr). */
  logger?: Logger;
  /** The runtime's options (SIMD, memory limit, an already compiled module). */
  runtime?: RuntimeOptions;
  /** How long close() waits for requests in flight before cutting connections, in ms (default 10 000). */
  drainTimeoutMs?: number;
}

export interface EdgeInferServer {
  readonly http: Server;
  readonly repository: Repository;
  readonly metrics: Metrics | undefined;
  /** Starts listening; resolves with the address (port 0 gives a free one). */
  listen(): Promise<{ host: string; port: number; url: string }>;
  /** Stops accepting, lets requests in flight finish (on the version they started on), unloads everything. */
  close(): Promise<void>;
}

export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

function readToken(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new FileReadError(file, e as NodeJS.ErrnoException);
  }
  const token = text.split(/\r?\n/)[0]!.trim();
  if (!token) throw new HostError(`the token file ${file} is empty`);
  return token;
}

export function createServer(options: ServeOptions): EdgeInferServer {
  const logger = options.logger ?? silentLogger;
  if (options.token !== undefined && options.tokenFile !== undefined)
    throw new HostError("give token or tokenFile, not both");
  const token = options.tokenFile !== undefined ? readToken(options.tokenFile) : options.token;
  const headerTimeoutMs = options.headerTimeoutMs ?? 10_000;
  const bodyTimeoutMs = Math.max(options.bodyTimeoutMs ?? 30_000, headerTimeoutMs);
  let repository: Repository | undefined;
  const metrics = options.metrics === false ? undefined : new Metrics(() => repository);
  const runtime = new Runtime(options.runtime);
  repository = new Repository(options.dir, runtime, {
    logger,
    control: options.control ?? "watch",
    packWorker: options.packWorker,
    onEvent: (e) => metrics?.repositoryEvent(e),
  });
  const repo = repository;
  let ready = false;
  const router = new Router(repo, {
    token,
    cors: options.cors,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    metrics,
    logger,
    ready: () => ready,
  });
  let draining = false;
  let inFlight = 0;
  const send = (res: ServerResponse, a: Answer) => {
    if (res.headersSent || res.destroyed) return;
    if (draining) a.headers.connection = "close";
    a.headers["content-length"] = String(typeof a.body === "string" ? Buffer.byteLength(a.body) : a.body.byteLength);
    res.writeHead(a.status, a.headers);
    res.end(a.body);
  };
  const sendLater = (res: ServerResponse, a: Answer | Promise<Answer>) => {
    if (a instanceof Promise)
      a.then(
        (x) => send(res, x),
        () => res.destroy(),
      );
    else send(res, a);
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    res.once("close", () => inFlight--);
    const started = router.start(req.method ?? "GET", req.url ?? "/", (n) => {
      const v = req.headers[n];
      return Array.isArray(v) ? v[0] : v;
    });
    if ("answer" in started) {
      sendLater(res, started.answer);
      return;
    }
    const w = started.body;
    const chunks: Buffer[] = [];
    let total = 0,
      state: "reading" | "done" = "reading";
    req.on("data", (c: Buffer) => {
      if (state !== "reading") return;
      total += c.length;
      if (total > w.maxBodyBytes) {
        state = "done";
        send(res, w.tooLarge()); // with connection: close, so the rest is never read
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => {
      if (state !== "reading") return;
      state = "done";
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
      sendLater(res, w.finish(new Uint8Array(body.buffer, body.byteOffset, body.byteLength)));
    });
    res.once("close", () => {
      if (state === "reading") {
        state = "done";
        w.abort(); // the client went away (or timed out) before its body was in
      }
    });
  };

  const http = createHttpServer(
    {
      headersTimeout: headerTimeoutMs,
      requestTimeout: bodyTimeoutMs,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 5_000,
      // How often Node checks the two timeouts (its default, 30 s, would let a slow client sit that long).
      connectionsCheckingInterval: Math.max(20, Math.min(1_000, Math.floor(headerTimeoutMs / 4))),
    },
    onRequest,
  );
  http.on("clientError", (err: NodeJS.ErrnoException, socket) => {
    // Malformed requests and timeouts: Node's own 400/408 (or nothing, if the socket is gone).
    if (!socket.writable) return socket.destroy();
    const status = err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : err.code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
    logger.log("debug", "client-error", { code: err.code, status });
    socket.end(
      `HTTP/1.1 ${status} ${status === 408 ? "Request Timeout" : status === 431 ? "Request Header Fields Too Large" : "Bad Request"}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`,
    );
  });

  repo.syncNow(); // in-thread: nothing is served yet, and a worker would only delay the start
  ready = true;
  const watch =
    options.control === "explicit"
      ? undefined
      : new FolderWatch(options.dir, () => void repo.sync(), {
          pollMs: options.pollMs ?? 1_000,
          watch: options.watch,
          logger,
        });

  return {
    http,
    repository: repo,
    metrics,
    listen() {
      const host = options.host ?? "127.0.0.1";
      return new Promise((resolve, reject) => {
        http.once("error", reject);
        http.listen(options.port ?? 8080, host, () => {
          http.off("error", reject);
          const a = http.address() as AddressInfo;
          const shown = a.family === "IPv6" ? `[${a.address}]` : a.address;
          logger.log("info", "listen", { host: a.address, port: a.port, models: repo.models.size });
          resolve({ host: a.address, port: a.port, url: `http://${shown}:${a.port}` });
        });
      });
    },
    close() {
      draining = true;
      watch?.close();
      return new Promise<void>((resolve) => {
        const cut = setTimeout(() => http.closeAllConnections(), options.drainTimeoutMs ?? 10_000);
        cut.unref?.();
        const finish = () => {
          clearTimeout(cut);
          void repo.close().then(() => {
            logger.log("info", "closed", { inFlight });
            resolve();
          });
        };
        if (!http.listening) return finish();
        http.close(() => finish());
        http.closeIdleConnections();
      });
    },
  };
}
