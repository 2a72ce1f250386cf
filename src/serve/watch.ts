/**
 * Following the folder: fs.watch (recursive where the host has it) wakes a sync soon after a
 * change, and a poll every `pollMs` catches what watching misses (network file systems, hosts
 * without it, a watcher that died). Syncs never overlap (sync is synchronous) and a burst of
 * events gives one sync after `settleMs`.
 */
import { type FSWatcher, watch } from "node:fs";
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
  #watcher: FSWatcher | undefined;
  #poll: ReturnType<typeof setInterval> | undefined;
  #pending: ReturnType<typeof setTimeout> | undefined;

  constructor(
    dir: string,
    private readonly sync: () => void,
    options: WatchOptions,
  ) {
    const settle = options.settleMs ?? 50;
    const wake = () => {
      if (this.#pending) clearTimeout(this.#pending);
      this.#pending = setTimeout(() => {
        this.#pending = undefined;
        this.sync();
      }, settle);
      this.#pending.unref?.();
    };
    if (options.watch !== false) {
      for (const recursive of [true, false]) {
        try {
          this.#watcher = watch(dir, { recursive, persistent: false }, wake);
          this.#watcher.on("error", (err) => {
            options.logger.log("warn", "watch", { dir, ...errorFields(err), polling: options.pollMs });
            this.#watcher?.close();
            this.#watcher = undefined;
          });
          break;
        } catch (err) {
          if (!recursive) options.logger.log("warn", "watch", { dir, ...errorFields(err), polling: options.pollMs });
        }
      }
    }
    if (options.pollMs > 0) {
      this.#poll = setInterval(() => this.sync(), options.pollMs);
      this.#poll.unref?.();
    }
  }

  close(): void {
    this.#watcher?.close();
    if (this.#poll) clearInterval(this.#poll);
    if (this.#pending) clearTimeout(this.#pending);
  }
}
