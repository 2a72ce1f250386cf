/**
 * Prometheus metrics (prom-client, a registry of the server's own, never the global one):
 * requests by model, version and status; a latency histogram per model; rows predicted;
 * versions loaded, bytes of memory per version and for the runtime; swaps and refused loads;
 * and prom-client's process metrics (resident memory, CPU, event-loop delay).
 * Unknown model names are counted under model="" so that a client cannot grow the label set.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Repository, RepositoryEvent } from "./repository.js";

export class Metrics {
  readonly registry = new Registry();
  readonly #requests: Counter<"model" | "version" | "code">;
  readonly #latency: Histogram<"model">;
  readonly #rows: Counter<"model" | "version">;
  readonly #swaps: Counter<"model">;
  readonly #refused: Counter<"model">;

  constructor(repository: () => Repository | undefined) {
    const registers = [this.registry];
    this.#requests = new Counter({
      name: "edgeinfer_requests_total",
      help: "HTTP requests answered, by model, version and status code",
      labelNames: ["model", "version", "code"],
      registers,
    });
    this.#latency = new Histogram({
      name: "edgeinfer_request_duration_seconds",
      help: "Time from a request's headers to its response, by model",
      labelNames: ["model"],
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 1],
      registers,
    });
    this.#rows = new Counter({
      name: "edgeinfer_rows_predicted_total",
      help: "Rows predicted, by model and version",
      labelNames: ["model", "version"],
      registers,
    });
    this.#swaps = new Counter({
      name: "edgeinfer_model_swaps_total",
      help: "Versions replaced by a changed file while serving",
      labelNames: ["model"],
      registers,
    });
    this.#refused = new Counter({
      name: "edgeinfer_model_load_failures_total",
      help: "Model files refused (corrupt, unsupported), by model",
      labelNames: ["model"],
      registers,
    });
    new Gauge({
      name: "edgeinfer_models_loaded",
      help: "Model versions loaded",
      registers,
      collect() {
        const r = repository();
        this.set(r ? [...r.models.values()].reduce((s, e) => s + e.versions.size, 0) : 0);
      },
    });
    new Gauge({
      name: "edgeinfer_model_memory_bytes",
      help: "Bytes of the runtime's memory a model version holds (image and arena)",
      labelNames: ["model", "version"],
      registers,
      collect() {
        this.reset();
        for (const e of repository()?.models.values() ?? [])
          for (const v of e.versions.values())
            this.set({ model: e.name, version: String(v.version) }, v.model.info.memoryBytes);
      },
    });
    new Gauge({
      name: "edgeinfer_runtime_memory_bytes",
      help: "Bytes of the runtime's linear memory, by use (total, used by models, free for reuse)",
      labelNames: ["kind"],
      registers,
      collect() {
        const r = repository()?.runtime.memoryReport();
        if (!r) return;
        this.set({ kind: "total" }, r.memoryBytes);
        this.set({ kind: "used" }, r.usedBytes);
        this.set({ kind: "free" }, r.freeBytes);
      },
    });
    try {
      collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
    } catch {
      // A host without perf_hooks' event-loop monitor: the edgeinfer metrics still work.
    }
  }

  /** Labelled series by model, version and code, made once (prom-client hashes the labels on every call otherwise). */
  readonly #series = new Map<string, { requests: { inc(): void }; latency: { observe(v: number): void } }>();

  /** One answered request. */
  request(model: string, version: string, code: number, seconds: number): void {
    const key = `${model}\u0000${version}\u0000${code}`;
    let s = this.#series.get(key);
    if (!s) {
      s = {
        requests: this.#requests.labels({ model, version, code: String(code) }),
        latency: this.#latency.labels({ model }),
      };
      this.#series.set(key, s);
    }
    s.requests.inc();
    s.latency.observe(seconds);
  }

  rows(model: string, version: string, n: number): void {
    this.#rows.inc({ model, version }, n);
  }

  repositoryEvent(e: RepositoryEvent): void {
    if (e.type === "swap") this.#swaps.inc({ model: e.name });
    else if (e.type === "refuse") this.#refused.inc({ model: e.name });
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
