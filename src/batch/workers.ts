/**
 * Worker threads that score chunks, each with its own runtime and its own copy of the model.
 * Chunks go to the least busy worker; results come back as transferred buffers, in whatever
 * order the workers finish (the batch engine writes them in read order).
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { HostError } from "../errors.js";

interface Job {
  resolve(y: Float32Array): void;
  reject(e: Error): void;
}

/**
 * The worker's script: beside this module in the package bundle (batch-worker.js) or in
 * tsc's output (worker.js); from the TypeScript sources (tests), the built dist/src copy.
 */
export function workerScript(): URL {
  const here = import.meta.url;
  const candidates = here.endsWith(".ts")
    ? [new URL("../../dist/src/batch/worker.js", here)]
    : [new URL("./batch-worker.js", here), new URL("./worker.js", here)];
  const found = candidates.find((u) => existsSync(fileURLToPath(u)));
  if (!found)
    throw new HostError(`the batch worker script is missing (looked for ${candidates.map(String).join(", ")})`);
  return found;
}

class ScoringWorker {
  readonly worker: Worker;
  private readonly jobs = new Map<number, Job>();
  private failed: Error | undefined;
  constructor(script: URL, image: Uint8Array, allowNaN: boolean) {
    this.worker = new Worker(script, { workerData: { image, allowNaN } });
    this.worker.on("message", (m: { id: number; y?: Float32Array; error?: string }) => {
      const job = this.jobs.get(m.id);
      this.jobs.delete(m.id);
      if (m.y) job?.resolve(m.y);
      else job?.reject(new HostError(`batch worker: ${m.error}`));
    });
    const fail = (e: Error) => {
      this.failed ??= e;
      for (const j of this.jobs.values()) j.reject(e);
      this.jobs.clear();
    };
    this.worker.on("error", fail);
    this.worker.on("exit", (code) => fail(new HostError(`batch worker exited (code ${code})`)));
  }
  get busy(): number {
    return this.jobs.size;
  }
  score(id: number, values: Float32Array, nRows: number): Promise<Float32Array> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.jobs.set(id, { resolve, reject });
      // A copy: the caller's values may be a view of a larger buffer it still uses.
      const own = values.slice();
      this.worker.postMessage({ id, values: own, nRows }, [own.buffer]);
    });
  }
}

export class ScorerPool {
  private readonly workers: ScoringWorker[];
  private nextId = 0;
  constructor(image: Uint8Array, size: number, options: { allowNaN?: boolean } = {}) {
    const script = workerScript();
    this.workers = Array.from({ length: size }, () => new ScoringWorker(script, image, options.allowNaN === true));
  }
  get size(): number {
    return this.workers.length;
  }
  /** Scores nRows rows in the least busy worker. */
  score(values: Float32Array, nRows: number): Promise<Float32Array> {
    let w = this.workers[0]!;
    for (const x of this.workers) if (x.busy < w.busy) w = x;
    return w.score(this.nextId++, values, nRows);
  }
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}
