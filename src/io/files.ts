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
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { FileReadError, OutputWriteError } from "./errors.js";

/** A whole file's bytes (a model, a rows file); a directory or a missing file is a FileReadError. */
export function readFileBytes(path: string): Uint8Array {
  try {
    const b = readFileSync(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    throw new FileReadError(path, e as NodeJS.ErrnoException);
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
