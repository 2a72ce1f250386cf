/**
 * Reading inputs and writing outputs with typed errors. An output file is written whole or not
 * at all: to a temporary file in the same folder, flushed, then renamed over the destination,
 * so a full disk, a file-size limit or a crash midway never leaves a partial file behind.
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  fstatSync,
  fsyncSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { SizeLimitError } from "../errors.js";
import { FileReadError, OutputWriteError } from "./errors.js";

/** The most bytes a whole-file read takes (Node's own limit for one read). */
export const MAX_READ_BYTES = 2 ** 31 - 1;

/**
 * A stream read whole, in chunks, refused past `maxBytes` (bounded memory whatever it holds: a
 * device such as /dev/zero never ends). `lengthOf` may tell from the first bytes how many the
 * reader needs at most (a packed image's header says it; a file no reader can take, none more):
 * the read stops there and the reader refuses or takes what it got.
 */
export class StreamBytes {
  private readonly chunks: Uint8Array[] = [];
  private total = 0;
  private wanted: number | undefined;

  constructor(
    private readonly source: string,
    private readonly maxBytes = MAX_READ_BYTES,
    private readonly lengthOf?: (head: Uint8Array) => number | undefined,
  ) {}

  /** Takes a chunk; false once no more are wanted. */
  add(chunk: Uint8Array): boolean {
    this.chunks.push(chunk);
    this.total += chunk.length;
    if (this.wanted === undefined && this.lengthOf && this.total >= LENGTH_HEAD_BYTES)
      this.wanted = this.lengthOf(this.bytes()) ?? Number.POSITIVE_INFINITY;
    if (this.total >= (this.wanted ?? Number.POSITIVE_INFINITY)) return false;
    if (this.total > this.maxBytes)
      throw new SizeLimitError(
        this.source,
        this.total,
        this.maxBytes,
        "bytes",
        "the most a model or rows read whole may have",
      );
    return true;
  }

  /** The bytes so far (at most the length lengthOf asked for). */
  bytes(): Uint8Array {
    const out = new Uint8Array(Math.min(this.total, this.wanted ?? this.total));
    let at = 0;
    for (const c of this.chunks) {
      if (at >= out.length) break;
      out.set(c.subarray(0, out.length - at), at);
      at += c.length;
    }
    this.chunks.length = 0;
    this.chunks.push(out);
    return out;
  }
}

/** Bytes StreamBytes reads before it asks lengthOf (a packed image's header). */
const LENGTH_HEAD_BYTES = 80;

/**
 * A whole file's bytes (a model, a rows file); a directory or a missing file is a FileReadError,
 * one past `maxBytes` a SizeLimitError. A device, FIFO or socket is read as a stream (StreamBytes).
 */
export function readFileBytes(
  path: string,
  maxBytes = MAX_READ_BYTES,
  lengthOf?: (head: Uint8Array) => number | undefined,
): Uint8Array {
  let fd: number | undefined;
  try {
    fd = openForReading(path);
    const st = fstatSync(fd);
    if (st.isFile()) {
      if (st.size > maxBytes)
        throw new SizeLimitError(path, st.size, maxBytes, "bytes", "the most a model or rows read whole may have");
      const b = readFileSync(fd);
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    }
    const stream = new StreamBytes(path, maxBytes, lengthOf);
    for (;;) {
      const chunk = new Uint8Array(64 * 1024);
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0 || !stream.add(chunk.subarray(0, n))) break;
    }
    return stream.bytes();
  } catch (e) {
    if (e instanceof FileReadError || e instanceof SizeLimitError) throw e;
    throw new FileReadError(path, e as NodeJS.ErrnoException);
  } finally {
    if (fd !== undefined) closeQuietly(fd);
  }
}

/** Opens a file for streaming reads, failing now (not at the first read) on a missing file or a directory. */
export function openForReading(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw new FileReadError(path, e as NodeJS.ErrnoException);
  }
  if (fstatSync(fd).isDirectory()) {
    closeSync(fd);
    throw new FileReadError(path, "is a directory");
  }
  return fd;
}

function writeAll(fd: number, data: Uint8Array): void {
  for (let at = 0; at < data.length; ) at += writeSync(fd, data, at, data.length - at);
}

/**
 * Writes `data` to `path` atomically (temporary file, fsync, rename). A destination that exists
 * and is not a regular file (a device such as /dev/stdout, a FIFO) is written in place, since
 * renaming over it would replace it. Every failure is an OutputWriteError naming the path.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  let mode = 0o666;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new OutputWriteError(path, "is a directory");
    if (!st.isFile()) {
      writeInPlace(path, bytes);
      return;
    }
    mode = st.mode & 0o7777;
  } catch (e) {
    if (e instanceof OutputWriteError) throw e;
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new OutputWriteError(path, e as NodeJS.ErrnoException);
  }
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, "wx", mode);
    writeAll(fd, bytes);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeQuietly(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // it was never created, or is gone
    }
    throw new OutputWriteError(path, e as NodeJS.ErrnoException);
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // the write error is the one to report
  }
}

function writeInPlace(path: string, bytes: Uint8Array): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, "w");
    writeAll(fd, bytes);
    closeSync(fd);
  } catch (e) {
    if (fd !== undefined) closeQuietly(fd);
    throw new OutputWriteError(path, e as NodeJS.ErrnoException);
  }
}
