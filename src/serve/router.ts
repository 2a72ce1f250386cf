/**
 * The routes, independent of any HTTP stack: a request's method, URL and headers in; either an
 * answer now, or (for a body) the version it will run on, pinned until the body is there and
 * answered. server.ts drives it from node:http; fetch.ts from a fetch-style Request (workerd).
 *
 *   GET  /v2/health/live | /v2/health/ready         (no token needed)
 *   GET  /v2                                        server metadata
 *   GET  /v2/models/{name}[/versions/{v}]           model metadata (and a refused file's error)
 *   GET  /v2/models/{name}[/versions/{v}]/ready
 *   POST /v2/models/{name}[/versions/{v}]/infer     JSON, or application/octet-stream float32 rows
 *   GET  /v1/models/{name}[/versions/{v}]           TF Serving model status
 *   POST /v1/models/{name}[/versions/{v}]:predict   TF Serving predict
 *   POST /v2/repository/index                       every model and its state
 *   POST /v2/repository/models/{name}/load|unload   Triton's explicit model control
 *   GET  /metrics                                   Prometheus text
 */
import { EdgeInferError } from "../errors.js";
import { badRequest, notFound, RequestError } from "./errors.js";
import { errorFields, type Logger } from "./log.js";
import type { Metrics } from "./metrics.js";
import { defaultVersion, isModelName, type ModelEntry, type Version } from "./models.js";
import { predictTfs, statusTfs } from "./protocol-tfs.js";
import { inferBinary, inferJson, modelMetadata } from "./protocol-v2.js";

export const SERVER_VERSION = "0.1.0";

/** Where the routes find models: a Repository (a folder), or models given as images (fetch.ts). */
export interface ModelSource {
  readonly models: ReadonlyMap<string, ModelEntry>;
  acquire(name: string, version?: number): Version | undefined;
  release(v: Version): void;
  load?(name: string): Promise<ModelEntry | undefined>;
  unload?(name: string): boolean;
}

export interface RouterOptions {
  /** Bearer token every route but the health checks needs (undefined: none). */
  token?: string | undefined;
  /** The one origin CORS answers allow (undefined: no CORS headers). */
  cors?: string | undefined;
  /** Largest request body, in bytes. */
  maxBodyBytes: number;
  metrics?: Metrics | undefined;
  logger: Logger;
  /** Has the first load of the folder finished? */
  ready: () => boolean;
}

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

/** A request that needs its body: call finish() with it, or abort() when the client went away. */
export interface BodyWanted {
  maxBodyBytes: number;
  /** The answer for a body past maxBodyBytes (the caller stops reading and closes the connection). */
  tooLarge(): Answer;
  finish(body: Uint8Array): Answer | Promise<Answer>;
  abort(): void;
}

export type Started = { answer: Answer | Promise<Answer> } | { body: BodyWanted };

const JSON_TYPE = "application/json";
const BINARY_TYPE = "application/octet-stream";

/** Compares in time that depends on the expected token's length only. */
export function sameToken(given: string, expected: string): boolean {
  let diff = given.length ^ expected.length;
  for (let i = 0; i < expected.length; i++)
    diff |= (given.length ? given.charCodeAt(i % given.length) : 0) ^ expected.charCodeAt(i);
  return diff === 0;
}

function parseVersion(s: string): number {
  if (!/^[1-9][0-9]{0,8}$/.test(s)) throw badRequest(`version ${JSON.stringify(s)} is not a positive integer`);
  return Number(s);
}

function checkName(s: string): string {
  if (!isModelName(s))
    throw new RequestError(
      400,
      "E_NAME",
      `${JSON.stringify(s)} is not a model name (letters, digits, "_", "-", "."; no path)`,
    );
  return s;
}

const now = () => performance.now();

export class Router {
  constructor(
    private readonly source: ModelSource,
    private readonly options: RouterOptions,
  ) {}

  /** Starts a request: answers it, or pins its model version and asks for its body. */
  start(method: string, url: string, header: (name: string) => string | undefined): Started {
    const t0 = now();
    let model = "",
      version = "";
    const done = (a: Answer): Answer => {
      this.#finishAnswer(a, model, version, t0);
      return a;
    };
    try {
      const q = url.indexOf("?");
      const path = q < 0 ? url : url.slice(0, q);
      let parts: string[];
      try {
        parts = path.split("/").slice(1).map(decodeURIComponent);
      } catch {
        throw badRequest("the URL's percent-encoding is malformed");
      }
      if (method === "OPTIONS" && this.options.cors !== undefined)
        return { answer: done({ status: 204, headers: {}, body: "" }) };
      const [p0, p1, p2] = parts;
      if (p0 === "v2" && p1 === "health" && parts.length === 3 && (p2 === "live" || p2 === "ready")) {
        this.#method(method, "GET");
        const ok = p2 === "live" || this.options.ready();
        return { answer: done(json(ok ? 200 : 400, JSON.stringify({ [p2]: ok }))) };
      }
      this.#auth(header("authorization"));
      if (p0 === "metrics" && parts.length === 1) {
        this.#method(method, "GET");
        const m = this.options.metrics;
        if (!m) throw notFound("metrics are off");
        return {
          answer: m
            .text()
            .then((text) => done({ status: 200, headers: { "content-type": m.contentType }, body: text })),
        };
      }
      if (p0 === "v2" && parts.length === 1) {
        this.#method(method, "GET");
        return {
          answer: done(
            json(200, JSON.stringify({ name: "edgeinfer", version: SERVER_VERSION, extensions: ["model_repository"] })),
          ),
        };
      }
      if (p0 === "v2" && p1 === "repository") {
        const a = this.#repository(method, parts);
        return { answer: a instanceof Promise ? a.then(done, (e) => done(this.#error(e))) : done(a) };
      }
      if ((p0 === "v2" || p0 === "v1") && p1 === "models" && parts.length >= 3) {
        // TF Serving's verb rides on the last segment: /v1/models/iris:predict
        let verb: string | undefined;
        const last = parts[parts.length - 1]!;
        const colon = last.lastIndexOf(":");
        if (p0 === "v1" && colon > 0) {
          verb = last.slice(colon + 1);
          parts[parts.length - 1] = last.slice(0, colon);
        }
        const name = checkName(parts[2]!);
        model = this.source.models.has(name) ? name : "";
        let rest = parts.slice(3);
        let v: number | undefined;
        if (rest[0] === "versions" && rest.length >= 2) {
          v = parseVersion(rest[1]!);
          rest = rest.slice(2);
        }
        const entry = this.source.models.get(name);
        if (!entry) throw notFound(`no model ${JSON.stringify(name)}`);
        const tail = rest.join("/");
        if (p0 === "v2" && tail === "infer")
          return this.#infer(method, header, entry, v, "v2", done, (x) => (version = x));
        if (p0 === "v1" && verb === "predict" && tail === "")
          return this.#infer(method, header, entry, v, "tfs", done, (x) => (version = x));
        if (verb !== undefined) throw notFound(`no route ${path}`);
        const ver = v === undefined ? defaultVersion(entry) : entry.versions.get(v);
        if (v !== undefined && !ver) throw notFound(`model ${JSON.stringify(name)} has no version ${v}`);
        version = ver ? String(ver.version) : "";
        if (tail === "") {
          this.#method(method, "GET");
          if (p0 === "v1") return { answer: done(json(200, statusTfs(entry, v === undefined ? undefined : ver))) };
          return { answer: done(json(ver ? 200 : 503, JSON.stringify(modelMetadata(entry, ver)), ver)) };
        }
        if (p0 === "v2" && tail === "ready") {
          this.#method(method, "GET");
          return { answer: done(json(ver ? 200 : 400, JSON.stringify({ name, ready: ver !== undefined }), ver)) };
        }
      }
      throw notFound(`no route ${path}`);
    } catch (e) {
      return { answer: done(this.#error(e)) };
    }
  }

  #infer(
    method: string,
    header: (name: string) => string | undefined,
    entry: ModelEntry,
    v: number | undefined,
    protocol: "v2" | "tfs",
    done: (a: Answer) => Answer,
    setVersion: (v: string) => void,
  ): Started {
    this.#method(method, "POST");
    const type = (header("content-type") ?? JSON_TYPE).split(";")[0]!.trim().toLowerCase();
    const binary = type === BINARY_TYPE && protocol === "v2";
    if (type !== JSON_TYPE && !binary)
      throw new RequestError(
        415,
        "E_MEDIA_TYPE",
        `content type ${JSON.stringify(type)}: send ${JSON_TYPE}${protocol === "v2" ? ` or ${BINARY_TYPE} (float32 rows)` : ""}`,
      );
    const length = Number(header("content-length") ?? 0);
    if (length > this.options.maxBodyBytes) throw tooLarge(this.options.maxBodyBytes);
    const ver = this.source.acquire(entry.name, v);
    if (!ver) {
      if (v !== undefined) throw notFound(`model ${JSON.stringify(entry.name)} has no version ${v}`);
      throw new RequestError(503, "E_UNAVAILABLE", `model ${JSON.stringify(entry.name)} has no version loaded`);
    }
    setVersion(String(ver.version));
    let released = false;
    const release = () => {
      if (!released) this.source.release(ver);
      released = true;
    };
    return {
      body: {
        maxBodyBytes: this.options.maxBodyBytes,
        abort: release,
        tooLarge: () => {
          release();
          return done(tooLargeAnswer(this.options.maxBodyBytes));
        },
        finish: (body) => {
          try {
            if (binary) {
              const out = inferBinary(ver, body);
              this.options.metrics?.rows(ver.name, String(ver.version), body.length / (4 * ver.info.inputLength));
              return done({
                status: 200,
                headers: {
                  "content-type": BINARY_TYPE,
                  "x-model-version": String(ver.version),
                  "x-output-length": String(ver.info.outputLength),
                },
                body: out,
              });
            }
            let parsed: unknown;
            try {
              parsed = JSON.parse(new TextDecoder().decode(body));
            } catch (e) {
              throw badRequest(`the body is not JSON: ${(e as Error).message}`);
            }
            const r =
              protocol === "v2" ? inferJson(ver, parsed, (parsed as { id?: unknown })?.id) : predictTfs(ver, parsed);
            this.options.metrics?.rows(ver.name, String(ver.version), r.nRows);
            return done(json(200, r.text, ver));
          } catch (e) {
            const a = this.#error(e);
            a.headers["x-model-version"] = String(ver.version);
            return done(a);
          } finally {
            release();
          }
        },
      },
    };
  }

  #repository(method: string, parts: string[]): Answer | Promise<Answer> {
    if (parts[2] === "index" && parts.length === 3) {
      this.#method(method, "POST");
      const index = [...this.source.models.values()].flatMap((e) => {
        const rows: Array<Record<string, string>> = [...e.versions.values()].map((v) => ({
          name: e.name,
          version: String(v.version),
          state: "READY",
        }));
        if (e.failure)
          rows.push({
            name: e.name,
            version: String(e.failure.version),
            state: "UNAVAILABLE",
            reason: e.failure.error.message,
          });
        return rows;
      });
      return json(200, JSON.stringify(index));
    }
    if (parts[2] === "models" && parts.length === 5 && (parts[4] === "load" || parts[4] === "unload")) {
      this.#method(method, "POST");
      const name = checkName(parts[3]!);
      const src = this.source;
      if (!src.load || !src.unload) throw new RequestError(405, "E_METHOD", "this server's models are fixed");
      if (parts[4] === "unload") {
        if (!src.unload(name)) throw notFound(`no model ${JSON.stringify(name)} is loaded`);
        return json(200, "{}");
      }
      return src.load(name).then((e) => {
        if (!e) throw notFound(`the folder holds no model ${JSON.stringify(name)}`);
        if (e.failure && e.versions.size === 0) {
          const err = e.failure.error;
          throw new RequestError(
            400,
            (err as { code?: string }).code ?? "E_MODEL",
            `cannot load ${e.failure.file}: ${err.message}`,
          );
        }
        return json(200, JSON.stringify(modelMetadata(e, defaultVersion(e))));
      });
    }
    throw notFound(`no route /${parts.join("/")}`);
  }

  #method(method: string, allowed: string): void {
    if (method !== allowed && !(allowed === "GET" && method === "HEAD"))
      throw new RequestError(405, "E_METHOD", `${method} is not allowed here; use ${allowed}`);
  }

  #auth(authorization: string | undefined): void {
    const token = this.options.token;
    if (token === undefined) return;
    const m = /^Bearer +(.+)$/i.exec(authorization ?? "");
    if (!m || !sameToken(m[1]!.trim(), token))
      throw new RequestError(401, "E_UNAUTHORIZED", "a valid bearer token is needed (Authorization: Bearer <token>)");
  }

  #error(e: unknown): Answer {
    if (e instanceof RequestError) {
      const a = json(e.status, e.body());
      if (e.status === 401) a.headers["www-authenticate"] = "Bearer";
      if (e.status === 413) a.headers.connection = "close";
      return a;
    }
    if (e instanceof EdgeInferError) return json(400, JSON.stringify({ error: { code: e.code, message: e.message } }));
    this.options.logger.log("error", "internal", errorFields(e));
    return json(500, JSON.stringify({ error: { code: "E_INTERNAL", message: "internal error (logged)" } }));
  }

  #finishAnswer(a: Answer, model: string, version: string, t0: number): void {
    if (this.options.cors !== undefined) {
      a.headers["access-control-allow-origin"] = this.options.cors;
      a.headers.vary = "Origin";
      a.headers["access-control-allow-headers"] = "authorization, content-type";
      a.headers["access-control-allow-methods"] = "GET, POST, OPTIONS";
      a.headers["access-control-expose-headers"] = "x-model-version, x-output-length";
    }
    const seconds = (now() - t0) / 1000;
    this.options.metrics?.request(model, version, a.status, seconds);
    const log = this.options.logger;
    const level = a.status === 500 ? "error" : "debug";
    if (log.enabled(level)) log.log(level, "request", { model, version, status: a.status, ms: seconds * 1000 });
  }
}

export const tooLarge = (max: number) =>
  new RequestError(413, "E_TOO_LARGE", `the body is larger than the server's limit of ${max} bytes (--max-body)`);

function json(status: number, body: string, v?: Version): Answer {
  const headers: Record<string, string> = { "content-type": JSON_TYPE };
  if (v) headers["x-model-version"] = String(v.version);
  return { status, headers, body };
}

/** The answer a body past the limit gets (the server stops reading and closes the connection). */
export function tooLargeAnswer(max: number): Answer {
  const e = tooLarge(max);
  return { status: 413, headers: { "content-type": JSON_TYPE, connection: "close" }, body: e.body() };
}
