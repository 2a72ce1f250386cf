/**
 * Runtime: one wasm instance and one linear memory hosting many models.
 *
 * Memory is managed here, in JavaScript: each model gets one 16-aligned block (its image, then
 * its arena), first-fit from a free list, and memory grows only inside load(). dispose() returns
 * a model's block for the next load, so replacing models does not leak. The wasm itself never
 * allocates. When a load grows memory, every model's views are re-made then (memory.grow
 * detaches the old ArrayBuffer), never in predict.
 */

import { FormatError, HostError, InputTypeError, VersionError } from "../errors.js";
import { ABI_VERSION, FORMAT_MAJOR, HEADER_BYTES, Header, MAGIC } from "../format/abi.js";
import { crc32 } from "../format/crc32.js";
import { readImage } from "../format/read.js";
import type { ImageInfo } from "../format/types.js";
import { builtinModule } from "../host.js";
import {
  type LoadOptions,
  type MemoryReport,
  Model,
  type ModelHost,
  provideRuntime,
  type RuntimeOptions,
} from "./model.js";
import { monitorLayout } from "./monitor.js";
import { isUint8Array, kindOf } from "./rows.js";
import { type Build, chooseBuild, instantiate, type KernelExports } from "./wasm.js";

export type { MemoryReport, RuntimeOptions };
// Model.load needs this module evaluated (it registers the factory below): callers inside the
// package take Model from here or from the entry, never from model.js alone.
export { Model };

const PAGE = 65536;
/** The drift monitor's block after the arena (0 without `monitor`); refuses bad options before anything is allocated. */
const monitorBytes = (info: ImageInfo, options: LoadOptions) =>
  options.monitor ? monitorLayout(info, options.monitor).bytes : 0;
/** Staging for predictBatch rows that live outside wasm memory (input and output of one chunk). */
export const STAGING_BYTES = 256 * 1024;
const align16 = (n: number) => Math.ceil(n / 16) * 16;
/**
 * From this many bytes an image's checksum runs in the wasm (slicing-by-8): for MLP 784's image
 * where loadFile reads it, cold, as soon done as node:zlib loaded and run (npm run bench:pieces,
 * "940 KB checksum in wasm memory"), and the same code on every host. Below it, the byte loop
 * is done before the wasm tables would be.
 */
export const WASM_CRC_MIN_BYTES = 4 * 1024;
/** The tables assembly/crc32.ts writes. */
const CRC_TABLE_BYTES = 8 * 1024;
/** Bytes per crc32Update call: V8 tiers a wasm function up between calls, never inside one. */
const CRC_CHUNK_BYTES = 64 * 1024;

interface Block {
  offset: number;
  bytes: number;
}

/** The part of node:fs loadFile uses. */
interface HostFs {
  openSync(path: string | URL, flags: string): number;
  fstatSync(fd: number): { size: number; isFile(): boolean; isDirectory(): boolean };
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): number;
  closeSync(fd: number): void;
}

/**
 * Reads a file's header and refuses the file when it is not an image or its size is not the
 * one the header states: the errors readImage gives for the whole file, before reading it.
 */
function checkHeader(fs: HostFs, fd: number, size: number): void {
  const header = new Uint8Array(HEADER_BYTES);
  let got = 0;
  for (let n = 1; got < HEADER_BYTES && n > 0; got += n) n = fs.readSync(fd, header, got, HEADER_BYTES - got, got);
  if (got < HEADER_BYTES) return; // a short file is read whole and refused as truncated
  const view = new DataView(header.buffer);
  if (view.getUint32(Header.magic, true) !== MAGIC || view.getUint16(Header.formatMajor, true) !== FORMAT_MAJOR)
    readImage(header); // throws what it would for the whole file: these checks come first there
  const imageBytes = view.getUint32(Header.imageBytes, true);
  if (imageBytes !== size)
    throw new FormatError(
      "header.imageBytes",
      Header.imageBytes,
      imageBytes > size
        ? `truncated: the image is ${imageBytes} bytes, only ${size} are present`
        : `the image is ${imageBytes} bytes but ${size} were given (trailing data)`,
    );
}

/** A FIFO, socket or device read to its end, refused past `maximumBytes`. */
function readStream(fs: HostFs, fd: number, maximumBytes: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const chunk = new Uint8Array(64 * 1024);
    const n = fs.readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) break;
    total += n;
    if (total > maximumBytes) throw new HostError(`the stream holds more than the runtime's ${maximumBytes} bytes`);
    chunks.push(chunk.subarray(0, n));
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return bytes;
}

export class Runtime implements ModelHost {
  /** Which kernel build this runtime runs. */
  readonly build: Build;
  /** @internal */ readonly exports: KernelExports;
  readonly #maximumMemoryBytes: number;
  readonly #models = new Set<Model>();
  readonly #free: Block[] = [];
  #top: number;
  /** Memory from here up has never been handed out, so it still holds the zeros it grew with. */
  #untouched: number;
  #staging: Block = { offset: 0, bytes: 0 };

  constructor(options: RuntimeOptions = {}) {
    options ??= {};
    const max = options.maximumMemoryBytes;
    if (max !== undefined && !(Number.isInteger(max) && max > 0))
      throw new HostError(`maximumMemoryBytes must be a positive integer; got ${String(max)}`);
    if (options.module !== undefined && !(options.module instanceof WebAssembly.Module))
      throw new InputTypeError("module", kindOf(options.module), "a compiled WebAssembly.Module of the kernels");
    this.build = options.module ? (options.simd === "off" ? "scalar" : "simd") : chooseBuild(options.simd);
    this.exports = instantiate(this.build, options.module);
    if (typeof this.exports.abiVersion !== "function" || typeof this.exports.run !== "function")
      throw new HostError("the module given is not edgeinfer's kernels (it has no abiVersion and run exports)");
    if (this.exports.abiVersion() !== ABI_VERSION)
      throw new VersionError("abi", ABI_VERSION, String(this.exports.abiVersion()));
    this.#maximumMemoryBytes = options.maximumMemoryBytes ?? 2 ** 31;
    this.#top = this.#untouched = align16(this.exports.heapBase());
  }

  get simd(): boolean {
    return this.build === "simd";
  }

  /** The module's linear memory (views into it are valid until the next load grows it). */
  get memory(): WebAssembly.Memory {
    return this.exports.memory;
  }

  get models(): ReadonlySet<Model> {
    return this.#models;
  }

  /**
   * Validates a packed image and places it in this runtime's memory.
   * @throws FormatError when the image is corrupt or truncated (names the field and byte offset)
   * @throws VersionError when it needs a newer format or kernel ABI
   */
  load(bytes: Uint8Array, options: LoadOptions = {}): Model {
    options ??= {};
    if (!isUint8Array(bytes)) throw new InputTypeError("image", kindOf(bytes), "a Uint8Array of a packed image");
    // A view into this memory (another model's image, say) would be detached by any growth
    // below: read it from a copy.
    if (bytes.buffer === this.exports.memory.buffer) bytes = bytes.slice();
    const staging = this.#staging;
    let block: Block | undefined;
    try {
      const info = readImage(bytes, this.#checksum);
      this.#ensureStaging(Math.max(STAGING_BYTES, 4 * (info.inputLength + info.outputLength)));
      block = this.#allocate(align16(bytes.length) + info.arenaBytes + monitorBytes(info, options));
      new Uint8Array(this.exports.memory.buffer).set(bytes, block.offset);
      const model = this.#adopt(info, block, bytes.length, options);
      block = undefined;
      return model;
    } catch (err) {
      this.#undo(block, staging);
      throw err;
    }
  }

  /**
   * Reads a packed image file straight into this runtime's memory, validates it there and loads
   * it: the file is never copied through the JavaScript heap, so a large model costs its bytes
   * once, not twice, and a cold start is sooner (npm run bench:pieces, "940 KB image: loadFile" against
   * "readFileSync + load").
   * The header is read and checked against the file's size first, so a file whose header
   * disagrees is refused before its body is read. A FIFO or other stream is read to its end
   * and loaded as bytes. Needs the host's node:fs (Node ≥ 20.16, Deno, Bun); elsewhere read the
   * bytes and call load().
   * @throws HostError when the host has no node:fs or the path is a directory; the host's own
   *   error (ENOENT, EACCES) when it cannot be opened; the errors of load() for the image itself
   */
  loadFile(path: string | URL, options: LoadOptions = {}): Model {
    options ??= {};
    if (typeof path !== "string" && !(path instanceof URL))
      throw new InputTypeError("path", kindOf(path), "a string or a URL");
    const fs = builtinModule<HostFs>("node:fs");
    if (!fs)
      throw new HostError(
        "loadFile needs the host's node:fs (Node >= 20.16, Deno, Bun); read the file and call load(bytes)",
      );
    const fd = fs.openSync(path, "r");
    const staging = this.#staging;
    let image: Block | undefined;
    try {
      const stat = fs.fstatSync(fd);
      if (stat.isDirectory()) throw new HostError(`${String(path)} is a directory, not a packed image`);
      if (!stat.isFile()) return this.load(readStream(fs, fd, this.#maximumMemoryBytes), options);
      const size = stat.size;
      checkHeader(fs, fd, size);
      this.#ensureStaging(STAGING_BYTES); // below the image, so that the arena can follow it in place
      image = this.#allocate(size);
      const mem = new Uint8Array(this.exports.memory.buffer, image.offset, size);
      let got = 0;
      for (let n = 1; got < size && n > 0; got += n) n = fs.readSync(fd, mem, got, size - got, got);
      this.#clean(image.offset + got, image.offset + image.bytes);
      const info = readImage(mem.subarray(0, got), this.#checksum); // a file that shrank meanwhile reads as truncated
      this.#ensureStaging(4 * (info.inputLength + info.outputLength));
      const block = this.#extend(image, align16(got) + info.arenaBytes + monitorBytes(info, options));
      image = block;
      const model = this.#adopt(info, block, got, options);
      image = undefined;
      return model;
    } catch (err) {
      this.#undo(image, staging);
      throw err;
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * After a failed load: frees the block it took and puts back the staging area it found, so
   * that what is used and free is as before (memory that grew stays, as wasm memory cannot
   * shrink, for later loads).
   */
  #undo(block: Block | undefined, staging: Block): void {
    if (block) this.#freeBlock(block);
    if (this.#staging === staging) return;
    if (this.#staging.bytes > 0) this.#freeBlock(this.#staging);
    this.#staging = staging.bytes > 0 ? this.#allocate(staging.bytes) : staging;
  }

  /** A block holding a validated image of imageBytes at its start becomes a model; the rest (its arena) is zeroed. */
  #adopt(info: ImageInfo, block: Block, imageBytes: number, options: LoadOptions): Model {
    this.#clean(block.offset + imageBytes, block.offset + block.bytes);
    const chunkRows = Math.max(1, Math.floor(STAGING_BYTES / (4 * (info.inputLength + info.outputLength))));
    const arenaPtr = block.offset + align16(imageBytes);
    const placement = {
      imagePtr: block.offset,
      arenaPtr,
      blockBytes: block.bytes,
      chunkRows,
      ...(options.monitor ? { monitorPtr: arenaPtr + info.arenaBytes } : {}),
    };
    const model = new Model(this, info, placement, options);
    this.#models.add(model);
    return model;
  }

  /**
   * Zeroes [from, to) where an earlier block may have left data. Memory from #untouched up
   * still holds the zeros it grew with: filling it would only fault in pages of an arena a
   * single-row predict never reaches (MBs with `pack --batch-rows 256`).
   */
  #clean(from: number, to: number): void {
    if (from < this.#untouched) new Uint8Array(this.exports.memory.buffer).fill(0, from, Math.min(to, this.#untouched));
    this.#untouched = Math.max(this.#untouched, to);
  }

  /** The block grown to `bytes`, its contents kept: in place when it ends at the top of memory, else moved. */
  #extend(block: Block, bytes: number): Block {
    bytes = align16(bytes);
    if (block.offset + block.bytes === this.#top) {
      this.#reserve(block.offset + bytes);
      this.#top = block.offset + bytes;
      return { offset: block.offset, bytes };
    }
    const moved = this.#allocate(bytes);
    new Uint8Array(this.exports.memory.buffer).copyWithin(moved.offset, block.offset, block.offset + block.bytes);
    this.#freeBlock(block);
    return moved;
  }

  /** The image checksum: JavaScript's byte loop for small images, this module's kernel from WASM_CRC_MIN_BYTES. */
  readonly #checksum = (bytes: Uint8Array, start: number, end: number): number =>
    end - start < WASM_CRC_MIN_BYTES ? crc32(bytes, start, end) : this.wasmCrc32(bytes, start, end);

  /**
   * @internal CRC-32 of bytes [start, end) computed in this runtime's wasm, CRC_CHUNK_BYTES a
   * call: in place where the bytes lie in its memory, else through the staging area, after the
   * tables at its start. Allocates only the staging area (of a fixed size, whatever the image
   * says: nothing is trusted before the checksum).
   */
  wasmCrc32(bytes: Uint8Array, start: number, end: number): number {
    this.#ensureStaging(STAGING_BYTES);
    const table = this.#staging.offset,
      staged = table + CRC_TABLE_BYTES;
    this.exports.crc32Table(table);
    const inPlace = bytes.buffer === this.exports.memory.buffer;
    const mem = new Uint8Array(this.exports.memory.buffer); // after any growth
    let crc = 0;
    for (let i = start; i < end; i += CRC_CHUNK_BYTES) {
      const n = Math.min(CRC_CHUNK_BYTES, end - i);
      if (!inPlace) mem.set(bytes.subarray(i, i + n), staged);
      crc = this.exports.crc32Update(crc, inPlace ? bytes.byteOffset + i : staged, n, table);
    }
    return crc >>> 0;
  }

  /**
   * @internal Where predictBatch stages rows that live outside wasm memory. Shared by all
   * models of the runtime (JavaScript runs one call at a time); sized by load(), never here.
   */
  staging(bytes: number): number {
    if (bytes > this.#staging.bytes)
      throw new HostError(`staging of ${bytes} bytes requested, ${this.#staging.bytes} reserved`);
    return this.#staging.offset;
  }

  #ensureStaging(bytes: number): void {
    if (bytes <= this.#staging.bytes) return;
    const old = this.#staging;
    this.#staging = this.#allocate(bytes);
    this.#untouched = Math.max(this.#untouched, this.#staging.offset + this.#staging.bytes); // predictBatch writes it: not zero
    if (old.bytes > 0) this.#freeBlock(old);
  }

  /** @internal Called by Model.dispose(). */
  release(model: Model, offset: number, bytes: number): void {
    if (!this.#models.delete(model)) return;
    this.#freeBlock({ offset, bytes });
  }

  #freeBlock(block: Block): void {
    this.#free.push(block);
    this.#free.sort((a, b) => a.offset - b.offset);
    // Merge neighbours, and give the last block back to the bump pointer.
    for (let i = this.#free.length - 1; i > 0; i--) {
      const a = this.#free[i - 1]!,
        b = this.#free[i]!;
      if (a.offset + a.bytes === b.offset) {
        a.bytes += b.bytes;
        this.#free.splice(i, 1);
      }
    }
    const last = this.#free[this.#free.length - 1];
    if (last && last.offset + last.bytes === this.#top) {
      this.#top = last.offset;
      this.#free.pop();
    }
  }

  #allocate(bytes: number): Block {
    bytes = align16(bytes);
    const i = this.#free.findIndex((b) => b.bytes >= bytes);
    if (i >= 0) {
      const b = this.#free[i]!;
      const block = { offset: b.offset, bytes };
      if (b.bytes === bytes) this.#free.splice(i, 1);
      else {
        b.offset += bytes;
        b.bytes -= bytes;
      }
      return block;
    }
    const offset = this.#top;
    const end = offset + bytes;
    this.#reserve(end);
    this.#top = end;
    return { offset, bytes };
  }

  /** Grows memory to at least `end` bytes (within the runtime's limit) and re-makes every model's views. */
  #reserve(end: number): void {
    const have = this.exports.memory.buffer.byteLength;
    if (end <= have) return;
    if (end > this.#maximumMemoryBytes) {
      throw new HostError(`loading needs ${end} bytes of memory; the runtime's limit is ${this.#maximumMemoryBytes}`);
    }
    try {
      this.exports.memory.grow(Math.ceil((end - have) / PAGE));
    } catch (e) {
      // Past the engine's limit (4 GiB for wasm32) or the host's memory: nothing grew.
      if (!(e instanceof RangeError)) throw e;
      throw new HostError(`loading needs ${end} bytes of memory; the engine cannot grow it (${e.message})`);
    }
    for (const m of this.#models) m.rebind(); // the old buffer is detached now
  }

  memoryReport(): MemoryReport {
    const models = [...this.#models].map((m) => ({
      kind: m.info.kind,
      imageBytes: m.info.imageBytes,
      arenaBytes: m.info.arenaBytes,
      blockBytes: m.info.memoryBytes,
    }));
    return {
      build: this.build,
      memoryBytes: this.exports.memory.buffer.byteLength,
      heapBaseBytes: this.exports.heapBase(),
      usedBytes: models.reduce((s, m) => s + m.blockBytes, 0) + this.#staging.bytes,
      freeBytes: this.#free.reduce((s, b) => s + b.bytes, 0),
      models,
    };
  }
}

provideRuntime((options) => new Runtime(options));
