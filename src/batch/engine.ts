/**
 * The batch loop, the same for every database: read a chunk of rows not yet scored, score it
 * (here or in a worker thread), write its results and its bad rows in one transaction, in the
 * order the chunks were read. A chunk is written whole or not at all, so an interrupted run
 * leaves the target consistent and the next run picks up where the last commit ended.
 */
import type { Model } from "../index.js";
import type { BadRow, Key } from "./columns.js";
import { BadRowError } from "./errors.js";
import type { ScorerPool } from "./workers.js";

/** Rows read from a source: the good ones packed in `values`, the refused ones in `bad`. */
export interface SourceChunk {
  keys: Key[];
  values: Float32Array;
  bad: BadRow[];
  /** The last key read (good or bad): the next chunk starts after it. */
  lastKey: Key;
}

export interface BatchSource {
  /** The source's name in messages. */
  readonly name: string;
  /** Rows matching the job, and how many of them still wait (not scored or refused by this version). */
  count(): Promise<{ total: number; pending: number }>;
  /** The next up to `nRows` pending rows after `after` (in key order), or undefined at the end. */
  read(after: Key | undefined, nRows: number): Promise<SourceChunk | undefined>;
}

export interface BatchTarget {
  /** Writes a chunk's results and bad rows in one transaction. */
  write(keys: readonly Key[], y: Float32Array, bad: readonly BadRow[], scoredAt: string): Promise<void>;
  /** Forgets this version's scores and refusals (--rescore), in one transaction. */
  forget(): Promise<void>;
  close(): Promise<void>;
}

export interface BatchOptions {
  chunkRows?: number;
  /** Stop at the first bad row (BadRowError) instead of recording it. */
  strict?: boolean;
  rescore?: boolean;
  /** Scores chunks in these worker threads; undefined: in this thread. */
  pool?: ScorerPool;
  /** Stops after the chunks read so far are written (SIGINT). */
  signal?: AbortSignal;
  /** Called after each committed chunk. */
  onProgress?(done: { scored: number; bad: number }, pending: number): void;
}

export interface BatchSummary {
  /** Rows matching the job. */
  total: number;
  /** Rows scored by this run. */
  scored: number;
  /** Rows refused by this run (recorded in the errors table). */
  bad: number;
  /** Rows scored or refused by an earlier run of the same model version, left as they were. */
  alreadyDone: number;
  seconds: number;
  /** Stopped by the signal before the end. */
  interrupted: boolean;
}

/** Runs the job to its end (or to a bad row under strict). */
export async function runBatch(
  model: Model,
  source: BatchSource,
  target: BatchTarget,
  options: BatchOptions = {},
): Promise<BatchSummary> {
  const t0 = performance.now();
  const chunkRows = options.chunkRows ?? 4096;
  if (options.rescore) await target.forget();
  const { total, pending } = await source.count();
  const done = { scored: 0, bad: 0 };
  const pool = options.pool;
  // Chunks scored but not yet written, oldest first: the writer keeps the read order.
  const inFlight: Array<{ chunk: SourceChunk; y: Promise<Float32Array> }> = [];
  const depth = pool ? pool.size * 2 : 1;
  const writeOldest = async () => {
    const { chunk, y } = inFlight.shift()!;
    await target.write(chunk.keys, await y, chunk.bad, new Date().toISOString());
    done.scored += chunk.keys.length;
    done.bad += chunk.bad.length;
    options.onProgress?.(done, pending);
  };
  let interrupted = false;
  try {
    let after: Key | undefined;
    for (;;) {
      if (options.signal?.aborted) {
        interrupted = true;
        break;
      }
      const chunk = await source.read(after, chunkRows);
      if (!chunk) break;
      after = chunk.lastKey;
      if (options.strict && chunk.bad.length > 0) {
        const b = chunk.bad[0]!;
        while (inFlight.length > 0) await writeOldest(); // the chunks before it are kept
        throw new BadRowError(source.name, b.key, b.column, b.reason);
      }
      const nRows = chunk.keys.length;
      const y = pool ? pool.score(chunk.values, nRows) : Promise.resolve(model.predictBatch(chunk.values, nRows));
      y.catch(() => {}); // awaited in order by writeOldest; an early failure must not go unhandled
      inFlight.push({ chunk, y });
      if (inFlight.length >= depth) await writeOldest();
    }
    while (inFlight.length > 0) await writeOldest();
  } finally {
    await target.close();
  }
  return {
    total,
    scored: done.scored,
    bad: done.bad,
    alreadyDone: total - pending,
    seconds: (performance.now() - t0) / 1000,
    interrupted,
  };
}
