/**
 * What the routes serve, without any host API (no node:fs): a model's loaded versions and its
 * refused files. repository.ts fills these from a folder; fetch.ts from images given as bytes.
 */
import type { EdgeInferError } from "../errors.js";
import type { ImageInfo } from "../format/types.js";
import type { Model } from "../index.js";
import type { ResultColumn } from "../io/results.js";

/** A model name: what may stand in a URL segment and a file name, never a path. */
export const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** A valid model name (no separator, no "..", not hidden). */
export const isModelName = (s: string) => NAME.test(s) && !s.includes("..");

/** One loaded version of a model. */
export interface Version {
  readonly name: string;
  readonly version: number;
  readonly file: string;
  readonly model: Model;
  readonly info: ImageInfo;
  /** The named results of an output row (io/results.ts), made once. */
  readonly columns: ResultColumn[];
  /** Requests that started on it and have not finished. */
  refs: number;
  /** Replaced or unloaded: disposed once refs reaches 0. */
  retired: boolean;
  /** The file's identity when loaded (size, mtime, inode): a change means a reload. */
  readonly signature: string;
}

/** A file that could not be loaded. */
export interface LoadFailure {
  version: number;
  file: string;
  error: EdgeInferError | Error;
  signature: string;
}

/** One model of the folder: its loaded versions, and its files that failed. */
export class ModelEntry {
  /** Loaded versions by number. */
  readonly versions = new Map<number, Version>();
  /** Files that failed to load, by version, until they change, load or go. */
  readonly failures = new Map<number, LoadFailure>();
  constructor(readonly name: string) {}

  /** The failure of the highest version that failed. */
  get failure(): LoadFailure | undefined {
    let last: LoadFailure | undefined;
    for (const f of this.failures.values()) if (!last || f.version > last.version) last = f;
    return last;
  }
}

/** The highest loaded version. */
export function defaultVersion(e: ModelEntry): Version | undefined {
  let best: Version | undefined;
  for (const v of e.versions.values()) if (!best || v.version > best.version) best = v;
  return best;
}
