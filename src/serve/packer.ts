/**
 * Packing off the main thread: a changed .onnx/.json/.tflite file is read and packed in a worker
 * thread (pack-worker.ts), so a swap costs the server's thread only the load of the packed image.
 * The worker's typed error comes back as its class name, message and fields and is rebuilt here
 * as the same class (instanceof, code and message as if thrown on this thread). Where worker
 * threads are unavailable, or the worker script is missing or dies, files are packed in-thread.
 * The worker ends after `idleMs` without work: its heap (the importer, its garbage) is tens of
 * MiB of RSS that a server swapping now and then should not keep.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import * as errors from "../errors.js";
import * as ioErrors from "../io/errors.js";
import { pack, TfliteFormatError, UnsupportedTfliteOpError } from "../pack.js";
import type { PackReply } from "./pack-worker.js";

/** Where a file was packed. */
export type PackedIn = "worker" | "thread";

export type Packed = { packedIn: PackedIn; image: Uint8Array } | { packedIn: PackedIn; error: Error };

type ErrorClass = { prototype: Error };
const CLASSES = new Map<string, ErrorClass>(
  ([...Object.values(errors), ...Object.values(ioErrors), TfliteFormatError, UnsupportedTfliteOpError] as unknown[])
    .filter((c): c is ErrorClass & { name: string } => typeof c === "function" && c.prototype instanceof Error)
    .map((c) => [c.name, c]),
);

/** The worker's error as the class it was thrown as (an Error of that name if the class is unknown here). */
export function rebuildError(e: { name: string; message: string; fields: Record<string, unknown> }): Error {
  const cls = CLASSES.get(e.name);
  const err: Error = cls ? Object.create(cls.prototype) : new Error(e.message);
  Object.defineProperty(err, "message", { value: e.message, writable: true, configurable: true });
  Object.assign(err, e.fields);
  if (!cls) err.name = e.name;
  Error.captureStackTrace?.(err, rebuildError);
  return err;
}

/** Reads and packs a file on this thread. */
export function packInThread(file: string): Packed {
  try {
    const bytes = readFileSync(file);
    return { packedIn: "thread", image: pack(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)) };
  } catch (err) {
    return { packedIn: "thread", error: err instanceof Error ? err : new Error(String(err)) };
  }
}

/** pack-worker.js beside this module (dist/src), serve-pack-worker.js in the bundle; from the sources (tests), dist/src's. */
export function packWorkerScript(): URL | undefined {
  const here = import.meta.url;
  const candidates = here.endsWith(".ts")
    ? [new URL("../../dist/src/serve/pack-worker.js", here)]
    : [new URL("./serve-pack-worker.js", here), new URL("./pack-worker.js", here)];
  return candidates.find((u) => u.protocol === "file:" && existsSync(fileURLToPath(u)));
}

interface Job {
  file: string;
  resolve(p: Packed): void;
}

export class Packer {
  #worker: Worker | undefined;
  /** No worker from now on (none could start, or it died). */
  #broken: boolean;
  readonly #jobs = new Map<number, Job>();
  #nextId = 0;
  #idle: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param useWorker false: always in-thread.
   * @param onFallback told once why packing stays in-thread.
   * @param idleMs the worker ends after this long without a job (a burst of swaps shares one).
   */
  constructor(
    useWorker = true,
    private readonly onFallback: (reason: string) => void = () => {},
    private readonly idleMs = 2_000,
  ) {
    this.#broken = !useWorker;
  }

  /** Is a worker thread running now? */
  get running(): boolean {
    return this.#worker !== undefined;
  }

  /** Reads and packs a file, in the worker when there is one. Never rejects: a failure is in the result. */
  packFile(file: string): Promise<Packed> {
    if (file.endsWith(".eim")) return Promise.resolve(packInThread(file)); // already packed: nothing to move off
    const w = this.#start();
    if (!w) return Promise.resolve(packInThread(file));
    return new Promise((resolve) => {
      const id = this.#nextId++;
      this.#jobs.set(id, { file, resolve });
      if (this.#idle) clearTimeout(this.#idle);
      this.#idle = undefined;
      w.ref(); // a pending job keeps the process alive; an idle worker does not
      w.postMessage({ id, file });
    });
  }

  #start(): Worker | undefined {
    if (this.#worker || this.#broken) return this.#worker;
    const script = packWorkerScript();
    if (!script) return this.#fail("the packing worker script is missing");
    let w: Worker;
    try {
      w = new Worker(script);
    } catch (e) {
      return this.#fail(`worker threads are unavailable (${(e as Error).message})`);
    }
    w.unref();
    w.on("message", (m: PackReply) => {
      const job = this.#jobs.get(m.id);
      this.#jobs.delete(m.id);
      if (this.#jobs.size === 0) {
        w.unref();
        this.#idle = setTimeout(() => this.#stop(), this.idleMs);
        this.#idle.unref?.();
      }
      if (!job) return;
      job.resolve(
        "image" in m ? { packedIn: "worker", image: m.image } : { packedIn: "worker", error: rebuildError(m.error) },
      );
    });
    const died = (why: string) => {
      if (this.#worker !== w) return;
      this.#worker = undefined;
      this.#fail(why);
      const jobs = [...this.#jobs.values()];
      this.#jobs.clear();
      for (const j of jobs) j.resolve(packInThread(j.file)); // what the worker left undone
    };
    w.on("error", (e) => died(`the packing worker failed (${e.message})`));
    w.on("exit", (code) => died(`the packing worker exited (code ${code})`));
    this.#worker = w;
    return w;
  }

  #fail(reason: string): undefined {
    this.#broken = true;
    this.onFallback(reason);
    return undefined;
  }

  /** Ends an idle worker; the next job starts another. */
  #stop(): void {
    this.#idle = undefined;
    const w = this.#worker;
    if (!w || this.#jobs.size > 0) return;
    this.#worker = undefined; // its exit is no failure
    void w.terminate();
  }

  /** Stops the worker (jobs still pending are packed in-thread). */
  async close(): Promise<void> {
    this.#broken = true; // no new worker after close
    if (this.#idle) clearTimeout(this.#idle);
    const w = this.#worker;
    if (!w) return;
    this.#worker = undefined; // its exit is no failure
    const jobs = [...this.#jobs.values()];
    this.#jobs.clear();
    await w.terminate();
    for (const j of jobs) j.resolve(packInThread(j.file));
  }
}
