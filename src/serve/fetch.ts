/**
 * The same routes as a fetch handler (Request in, Response out) over models given as packed
 * images: for hosts without node:http or a file system, such as Cloudflare's workerd, where
 * the kernels come as an already compiled WebAssembly.Module (Runtime's `module` option).
 * No node: imports anywhere below this file.
 */
import type { Runtime } from "../index.js";
import { resultColumns } from "../io/results.js";
import { silentLogger } from "./log.js";
import { defaultVersion, isModelName, ModelEntry, type Version } from "./models.js";
import { type Answer, type ModelSource, Router, type RouterOptions } from "./router.js";

/** Fixed models from images: `{ name: image }` (version 1) or `{ name: { version: image } }`. */
export class ImageModels implements ModelSource {
  readonly models = new Map<string, ModelEntry>();

  constructor(
    readonly runtime: Runtime,
    images: Record<string, Uint8Array | Record<number, Uint8Array>>,
  ) {
    for (const [name, given] of Object.entries(images)) {
      if (!isModelName(name)) throw new TypeError(`${JSON.stringify(name)} is not a model name`);
      const entry = new ModelEntry(name);
      const versions = given instanceof Uint8Array ? { 1: given } : given;
      for (const [v, image] of Object.entries(versions)) {
        const model = runtime.load(image);
        entry.versions.set(Number(v), {
          name,
          version: Number(v),
          file: `${name}/${v}`,
          model,
          info: model.info,
          columns: resultColumns(model.info),
          refs: 0,
          retired: false,
          signature: "",
        });
      }
      this.models.set(name, entry);
    }
  }

  acquire(name: string, version?: number): Version | undefined {
    const e = this.models.get(name);
    const v = e && (version === undefined ? defaultVersion(e) : e.versions.get(version));
    if (v) v.refs++;
    return v;
  }

  release(v: Version): void {
    v.refs--;
  }
}

export type FetchOptions = Partial<Omit<RouterOptions, "ready">>;

const toResponse = (a: Answer) =>
  new Response(a.status === 204 ? null : (a.body as BodyInit), { status: a.status, headers: a.headers });

/** A fetch-style handler of the routes (docs/serve.md) over a model source. */
export function fetchHandler(source: ModelSource, options: FetchOptions = {}): (request: Request) => Promise<Response> {
  const router = new Router(source, {
    maxBodyBytes: options.maxBodyBytes ?? 4 * 1024 * 1024,
    logger: options.logger ?? silentLogger,
    token: options.token,
    cors: options.cors,
    metrics: options.metrics,
    ready: () => true,
  });
  return async (request) => {
    const url = new URL(request.url);
    const started = router.start(request.method, url.pathname + url.search, (n) => request.headers.get(n) ?? undefined);
    if ("answer" in started) return toResponse(await started.answer);
    const w = started.body;
    let body: Uint8Array;
    try {
      body = new Uint8Array(await request.arrayBuffer());
    } catch {
      w.abort();
      return new Response(null, { status: 400 });
    }
    if (body.length > w.maxBodyBytes) return toResponse(w.tooLarge());
    return toResponse(await w.finish(body));
  };
}
