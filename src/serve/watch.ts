/**
 * Following the folder: fs.watch on the folder and on each model's version folder wakes a sync
 * soon after a change, and a poll every `pollMs` catches what watching misses (network file
 * systems, hosts without it, a watcher that died). Watchers are not recursive: Node 20's
 * recursive watch on Linux misses most renames (4 of 20 in a test), the way files should be
 * replaced. Syncs never overlap (the repository runs one at a time) and a burst of events
 * gives one sync after `settleMs`.
 */
import { type FSWatcher, readdirSync, watch } from "node:fs";
import { join } from "node:path";
import { errorFields, type Logger } from "./log.js";

export interface WatchOptions {
  /** Poll interval in ms (0: no polling). */
  pollMs: number;
  /** Delay after the last event before syncing (a copy in progress fires many). */
  settleMs?: number;
  /** Use fs.watch (default true). */
  watch?: boolean;
  logger: Logger;
}

export class FolderWatch {
  readonly #watchers = new Map<string, FSWatcher>();
  #poll: ReturnType<typeof setInterval> | undefined;
  #pending: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  readonly #wake: () => void;

  constructor(
    private readonly dir: string,
    private readonly sync: () => void,
    private readonly options: WatchOptions,
  ) {
    const settle = options.settleMs ?? 50;
    this.#wake = () => {
      if (this.#pending) clearTimeout(this.#pending);
      this.#pending = setTimeout(() => {
        this.#pending = undefined;
        this.#run();
      }, settle);
      this.#pending.unref?.();
    };
    this.#follow();
    if (options.pollMs > 0) {
      this.#poll = setInterval(() => this.#run(), options.pollMs);
      this.#poll.unref?.();
    }
  }

  #run(): void {
    if (this.#closed) return;
    this.sync();
    this.#follow();
  }

  /** Watches the folder and each of its subfolders (a model's versions), and no others. */
  #follow(): void {
    if (this.options.watch === false || this.#closed) return;
    const want = new Set([this.dir]);
    try {
      for (const d of readdirSync(this.dir, { withFileTypes: true }))
        if (d.isDirectory() && !d.name.startsWith(".")) want.add(join(this.dir, d.name));
    } catch {
      // the folder went: the poll (or a later event) brings it back
    }
    for (const [path, w] of this.#watchers)
      if (!want.has(path)) {
        w.close();
        this.#watchers.delete(path);
      }
    for (const path of want) {
      if (this.#watchers.has(path)) continue;
      try {
        const w = watch(path, { persistent: false }, this.#wake);
        w.on("error", (err) => {
          this.options.logger.log("warn", "watch", { dir: path, ...errorFields(err), polling: this.options.pollMs });
          w.close();
          this.#watchers.delete(path);
        });
        this.#watchers.set(path, w);
      } catch (err) {
        this.options.logger.log("warn", "watch", { dir: path, ...errorFields(err), polling: this.options.pollMs });
      }
    }
  }

  close(): void {
    this.#closed = true;
    for (const w of this.#watchers.values()) w.close();
    this.#watchers.clear();
    if (this.#poll) clearInterval(this.#poll);
    if (this.#pending) clearTimeout(this.#pending);
  }
}
