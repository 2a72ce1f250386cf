/**
 * A model repository folder, loaded into one Runtime: `<dir>/<name>.<ext>` (version 1) or
 * `<dir>/<name>/<N>.<ext>` (versions; the highest that loads is the default, every loaded one
 * stays addressable). ext: eim (packed), onnx, json, tflite (packed on load).
 *
 * sync() reads the folder and brings the loaded models in line with it: a new or changed file
 * is packed in a worker thread (packer.ts; in-thread where there are none), then loaded on this
 * thread beside the version serving (its own block of the runtime's memory), and only once it
 * loaded does it replace that version in the table: a request takes its version
 * from the table when it starts (acquire), so JavaScript's one thread makes the switch fall
 * between two requests. A replaced version is disposed when its last request releases it, and
 * its memory goes to later loads. A file that fails keeps its typed error on the model's entry
 * (and in the log) while the previous version serves on; the same failing file is not retried
 * until it changes. syncNow() packs in-thread (the first load, before the server listens).
 */
import { readdirSync, realpathSync, type Stats, statSync } from "node:fs";
import { join, sep } from "node:path";
import type { Runtime } from "../index.js";
import { FileReadError } from "../io/errors.js";
import { resultColumns } from "../io/results.js";
import { errorFields, type Logger, silentLogger } from "./log.js";
import { defaultVersion, isModelName, ModelEntry, type Version } from "./models.js";
import { type Packed, type PackedIn, Packer, packInThread } from "./packer.js";

export { defaultVersion, isModelName, type LoadFailure, ModelEntry, type Version } from "./models.js";

export const MODEL_EXTENSIONS = ["eim", "onnx", "json", "tflite"] as const;
const FILE = /^(.+)\.(eim|onnx|json|tflite)$/;
const VERSION_FILE = /^([1-9][0-9]{0,8})\.(eim|onnx|json|tflite)$/;
export interface RepositoryOptions {
  /** Log lines for loads, swaps and refusals. */
  logger?: Logger;
  /** Called on every load, swap, unload and refusal (metrics). */
  onEvent?: (event: RepositoryEvent) => void;
  /** Load every file of the folder on start and follow it (default); "explicit": only load() and unload() change what is served. */
  control?: "watch" | "explicit";
  /** Pack changed files in a worker thread (default true; in-thread where worker threads are unavailable). */
  packWorker?: boolean;
}

export type RepositoryEvent =
  | { type: "load" | "swap"; name: string; version: number; packedIn: PackedIn }
  | { type: "unload"; name: string; version: number }
  | { type: "refuse"; name: string; version: number; error: unknown };

interface Found {
  version: number;
  file: string;
  signature: string;
}

const signatureOf = (s: Stats) => `${s.size}:${s.mtimeMs}:${s.ino}`;

export class Repository {
  readonly dir: string;
  readonly runtime: Runtime;
  readonly #models = new Map<string, ModelEntry>();
  readonly #logger: Logger;
  readonly #onEvent: (e: RepositoryEvent) => void;
  /** Models unloaded by request (explicit control): the folder does not bring them back until load(). */
  readonly #unloaded = new Set<string>();
  /** Explicit control: only these are followed. */
  readonly #explicit: Set<string> | undefined;
  readonly #realDir: string;
  readonly #packer: Packer;
  /** The sync or load running (they never overlap), and the one queued after it. */
  #running: Promise<void> = Promise.resolve();
  #queued: Promise<void> | undefined;
  #closed = false;

  constructor(dir: string, runtime: Runtime, options: RepositoryOptions = {}) {
    this.dir = dir;
    this.runtime = runtime;
    try {
      this.#realDir = realpathSync(dir);
      if (!statSync(this.#realDir).isDirectory())
        throw new FileReadError(dir, "not a folder (serve takes a folder of models)");
    } catch (e) {
      throw e instanceof FileReadError ? e : new FileReadError(dir, e as NodeJS.ErrnoException);
    }
    this.#logger = options.logger ?? silentLogger;
    this.#onEvent = options.onEvent ?? (() => {});
    this.#explicit = options.control === "explicit" ? new Set() : undefined;
    this.#packer = new Packer(options.packWorker !== false, (reason) =>
      this.#logger.log("warn", "pack-thread", { reason }),
    );
  }

  get models(): ReadonlyMap<string, ModelEntry> {
    return this.#models;
  }

  /** The version a request runs on (the default when `version` is undefined), counted until release(). */
  acquire(name: string, version?: number): Version | undefined {
    const e = this.#models.get(name);
    if (!e) return undefined;
    const v = version === undefined ? defaultVersion(e) : e.versions.get(version);
    if (v) v.refs++;
    return v;
  }

  release(v: Version): void {
    if (--v.refs === 0 && v.retired) v.model.dispose();
  }

  /**
   * Reads the folder and loads, swaps or drops versions to match it, packing changed files off
   * this thread. Never rejects for a model's file. A sync asked for while one runs follows it
   * (one, however many were asked for).
   */
  sync(): Promise<void> {
    this.#queued ??= this.#running.then(async () => {
      this.#queued = undefined;
      const found = this.#scan();
      const packed = await this.#packChanged(found);
      this.#apply(found, packed);
    });
    const run = this.#queued;
    this.#running = run.catch((err) => this.#logger.log("error", "sync", errorFields(err)));
    return run;
  }

  /** sync() with every file packed on this thread, done when it returns (the first load). */
  syncNow(): void {
    this.#apply(this.#scan(), new Map());
  }

  #apply(found: Map<string, Map<number, Found>>, packed: Map<Found, Packed>): void {
    if (this.#closed) return;
    for (const [name, files] of found) {
      if (this.#unloaded.has(name) || (this.#explicit && !this.#explicit.has(name))) continue;
      this.#syncModel(name, files, packed);
    }
    for (const name of [...this.#models.keys()])
      if (!found.has(name) || this.#unloaded.has(name)) this.#syncModel(name, new Map(), packed);
  }

  /** Does this file need (re)loading? */
  #changed(name: string, f: Found): boolean {
    const e = this.#models.get(name);
    return (
      e?.versions.get(f.version)?.signature !== f.signature && e?.failures.get(f.version)?.signature !== f.signature
    );
  }

  /** Packs the files that changed (one at a time: one worker), by file. */
  async #packChanged(found: Map<string, Map<number, Found>>, retry = false): Promise<Map<Found, Packed>> {
    const out = new Map<Found, Packed>();
    for (const [name, files] of found) {
      if (!retry && (this.#unloaded.has(name) || (this.#explicit && !this.#explicit.has(name)))) continue;
      for (const f of files.values())
        if (retry || this.#changed(name, f)) out.set(f, await this.#packer.packFile(f.file));
    }
    return out;
  }

  /**
   * Loads (or reloads) a model from the folder now, and follows it from then on (Triton's
   * explicit load). Returns the entry, whose `failure` says why a file was refused.
   * @returns undefined when the folder holds no file of that name
   */
  load(name: string): Promise<ModelEntry | undefined> {
    const run = this.#running.then(async () => {
      const found = this.#scan(name);
      const files = found.get(name);
      if (!files || files.size === 0) return undefined;
      // An explicit load retries a refused file: pack every file whose load is not the one serving.
      const e = this.#models.get(name);
      const todo = new Map([
        [name, new Map([...files].filter(([n, f]) => e?.versions.get(n)?.signature !== f.signature))],
      ]);
      const packed = await this.#packChanged(todo, true);
      if (this.#closed) return undefined;
      this.#unloaded.delete(name);
      this.#explicit?.add(name);
      this.#models.get(name)?.failures.clear();
      this.#syncModel(name, files, packed);
      return this.#models.get(name);
    });
    this.#running = run.then(
      () => {},
      (err) => this.#logger.log("error", "load", errorFields(err)),
    );
    return run;
  }

  /** Stops serving a model (every version); requests already running finish first. */
  unload(name: string): boolean {
    const e = this.#models.get(name);
    this.#explicit?.delete(name);
    this.#unloaded.add(name);
    if (!e) return false;
    this.#syncModel(name, new Map(), new Map());
    return true;
  }

  /** Unloads everything (at shutdown) and stops the packing worker; a sync still packing loads nothing. */
  close(): Promise<void> {
    this.#closed = true;
    for (const name of [...this.#models.keys()]) this.#syncModel(name, new Map(), new Map());
    return this.#packer.close();
  }

  #syncModel(name: string, files: Map<number, Found>, packed: Map<Found, Packed>): void {
    let e = this.#models.get(name);
    if (!e) {
      if (files.size === 0) return;
      e = new ModelEntry(name);
      this.#models.set(name, e);
    }
    for (const [n, v] of e.versions)
      if (!files.has(n)) {
        e.versions.delete(n);
        this.#retire(v);
        this.#logger.log("info", "unload", { model: name, version: n });
        this.#onEvent({ type: "unload", name, version: n });
      }
    for (const [n, f] of e.failures) if (files.get(n)?.signature !== f.signature) e.failures.delete(n);
    for (const f of [...files.values()].sort((a, b) => a.version - b.version)) {
      const old = e.versions.get(f.version);
      if (old?.signature === f.signature || e.failures.get(f.version)?.signature === f.signature) continue;
      const result = packed.get(f) ?? packInThread(f.file);
      const loaded = this.#loadFile(name, f, result);
      if (!loaded) continue;
      e.versions.set(f.version, loaded);
      e.failures.delete(f.version);
      if (old) this.#retire(old);
      const type = old ? "swap" : "load";
      this.#logger.log("info", type, {
        model: name,
        version: f.version,
        file: f.file,
        kind: loaded.info.kind,
        memoryBytes: loaded.model.info.memoryBytes,
        packedIn: result.packedIn,
      });
      this.#onEvent({ type, name, version: f.version, packedIn: result.packedIn });
    }
    if (e.versions.size === 0 && e.failures.size === 0) this.#models.delete(name);
  }

  /** Loads one packed file beside whatever serves; on failure records it on the entry and logs it. */
  #loadFile(name: string, f: Found, packed: Packed): Version | undefined {
    const e = this.#models.get(name)!;
    try {
      if ("error" in packed) throw packed.error;
      const model = this.runtime.load(packed.image);
      return {
        name,
        version: f.version,
        file: f.file,
        model,
        info: model.info,
        columns: resultColumns(model.info),
        refs: 0,
        retired: false,
        signature: f.signature,
      };
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      e.failures.set(f.version, { version: f.version, file: f.file, error, signature: f.signature });
      this.#logger.log("error", "refuse", {
        model: name,
        version: f.version,
        file: f.file,
        packedIn: packed.packedIn,
        ...errorFields(err),
      });
      this.#onEvent({ type: "refuse", name, version: f.version, error: err });
      return undefined;
    }
  }

  #retire(v: Version): void {
    v.retired = true;
    if (v.refs === 0) v.model.dispose();
  }

  /** The model files of the folder (or of one name), by name and version. Unreadable entries are skipped. */
  #scan(only?: string): Map<string, Map<number, Found>> {
    const out = new Map<string, Map<number, Found>>();
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (err) {
      this.#logger.log("error", "scan", { dir: this.dir, ...errorFields(err) });
      return out;
    }
    for (const entry of names) {
      const plain = FILE.exec(entry);
      const name = plain ? plain[1]! : entry;
      if (!isModelName(name) || (only !== undefined && name !== only)) continue;
      const path = join(this.dir, entry);
      const st = this.#stat(path);
      if (!st) continue;
      if (plain && st.isFile()) {
        if (out.has(name)) continue; // two files of one name (a.onnx, a.eim) or a file beside a folder: the first
        out.set(name, new Map([[1, { version: 1, file: path, signature: signatureOf(st) }]]));
      } else if (!plain && st.isDirectory()) {
        const versions = new Map<number, Found>();
        let inner: string[];
        try {
          inner = readdirSync(path);
        } catch {
          continue;
        }
        for (const v of inner.sort()) {
          const m = VERSION_FILE.exec(v);
          if (!m) continue;
          const file = join(path, v);
          const vs = this.#stat(file);
          const n = Number(m[1]);
          if (vs?.isFile() && !versions.has(n)) versions.set(n, { version: n, file, signature: signatureOf(vs) });
        }
        if (versions.size > 0) out.set(name, versions);
      }
    }
    return out;
  }

  /** stat of a path inside the folder; a symlink leading outside it is not followed (undefined). */
  #stat(path: string): Stats | undefined {
    try {
      const real = realpathSync(path);
      if (real !== this.#realDir && !real.startsWith(this.#realDir + sep)) {
        this.#logger.log("debug", "outside", { file: path, target: real });
        return undefined;
      }
      return statSync(real);
    } catch {
      return undefined; // gone meanwhile
    }
  }
}
