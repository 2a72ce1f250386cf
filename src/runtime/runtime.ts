/**
 * Runtime: one wasm instance and one linear memory hosting many models.
 *
 * Memory is managed here, in JavaScript: each model gets one 16-aligned block (its image, then
 * its arena), first-fit from a free list, and memory grows only inside load(). dispose() returns
 * a model's block for the next load, so replacing models does not leak. The wasm itself never
 * allocates. When a load grows memory, every model's views are re-made then (memory.grow
 * detaches the old ArrayBuffer), never in predict.
 */
import { chooseBuild, instantiate, type Build, type KernelExports, type SimdOption } from "./wasm.js";
import { readImage } from "../format/read.js";
import { crc32, nativeCrc32, NATIVE_CRC_MIN_BYTES } from "../format/crc32.js";
import { ABI_VERSION } from "../format/abi.js";
import { HostError, VersionError } from "../errors.js";
import { Model, type LoadOptions } from "./model.js";

export interface RuntimeOptions {
  /** "auto" (default) uses the SIMD build where the engine has SIMD; "require" fails without it; "off" forces scalar. */
  simd?: SimdOption;
  /** Refuse a load that would take linear memory past this many bytes (default 2 GiB). */
  maximumMemoryBytes?: number;
}

export interface MemoryReport {
  build: Build;
  /** Size of linear memory now. */
  memoryBytes: number;
  /** Below this the module's own static data lives. */
  heapBaseBytes: number;
  /** Bytes held by loaded models (images and arenas, with alignment) and the batch staging area. */
  usedBytes: number;
  /** Bytes in freed blocks that later loads will reuse. */
  freeBytes: number;
  models: Array<{ kind: string; imageBytes: number; arenaBytes: number; blockBytes: number }>;
}

const PAGE = 65536;
/** Staging for predictBatch rows that live outside wasm memory (input and output of one chunk). */
export const STAGING_BYTES = 256 * 1024;
const align16 = (n: number) => Math.ceil(n / 16) * 16;
/**
 * From this many bytes an image's checksum runs in the wasm (where the host has no native
 * crc32 or the image is below NATIVE_CRC_MIN_BYTES): ~3 ns a byte from the first call, where
 * the cold JavaScript loop takes ~12.
 */
export const WASM_CRC_MIN_BYTES = 16 * 1024;
const CRC_TABLE_BYTES = 1024;

interface Block { offset: number; bytes: number }

export class Runtime {
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
    this.build = chooseBuild(options.simd);
    this.exports = instantiate(this.build);
    if (this.exports.abiVersion() !== ABI_VERSION) throw new VersionError("abi", ABI_VERSION, String(this.exports.abiVersion()));
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
    const info = readImage(bytes, this.#checksum);
    this.#ensureStaging(Math.max(STAGING_BYTES, 4 * (info.inputLength + info.outputLength)));
    const imageBytes = align16(bytes.length);
    const block = this.#allocate(imageBytes + info.arenaBytes);
    const mem = new Uint8Array(this.exports.memory.buffer);
    mem.set(bytes, block.offset);
    // A reused block starts clean. Fresh memory is zero already: filling it would only fault in
    // pages of an arena a single-row predict never reaches (MBs with `pack --batch-rows 256`).
    mem.fill(0, block.offset + bytes.length, Math.min(block.offset + block.bytes, this.#untouched));
    this.#untouched = Math.max(this.#untouched, block.offset + block.bytes);
    const model = new Model(this, info, block.offset, block.offset + imageBytes, block.bytes, options);
    this.#models.add(model);
    return model;
  }

  /** The image checksum: the host's native crc32 for large images, else this module's, else JavaScript for small ones. */
  readonly #checksum = (bytes: Uint8Array, start: number, end: number): number => {
    if (end - start < WASM_CRC_MIN_BYTES) return crc32(bytes, start, end);
    if (end - start >= NATIVE_CRC_MIN_BYTES && nativeCrc32()) return crc32(bytes, start, end);
    return this.wasmCrc32(bytes, start, end);
  };

  /**
   * @internal CRC-32 of bytes [start, end) computed in this runtime's wasm: the bytes go through
   * the staging area a chunk at a time, after the table at its start. Allocates only the staging
   * area (of a fixed size, whatever the image says: nothing is trusted before the checksum).
   */
  wasmCrc32(bytes: Uint8Array, start: number, end: number): number {
    this.#ensureStaging(STAGING_BYTES);
    const table = this.#staging.offset, at = table + CRC_TABLE_BYTES, chunk = this.#staging.bytes - CRC_TABLE_BYTES;
    this.exports.crc32Table(table);
    const mem = new Uint8Array(this.exports.memory.buffer); // after any growth
    let crc = 0;
    for (let i = start; i < end; i += chunk) {
      const n = Math.min(chunk, end - i);
      mem.set(bytes.subarray(i, i + n), at);
      crc = this.exports.crc32Update(crc, at, n, table);
    }
    return crc >>> 0;
  }

  /**
   * @internal Where predictBatch stages rows that live outside wasm memory. Shared by all
   * models of the runtime (JavaScript runs one call at a time); sized by load(), never here.
   */
  staging(bytes: number): number {
    if (bytes > this.#staging.bytes) throw new HostError(`staging of ${bytes} bytes requested, ${this.#staging.bytes} reserved`);
    return this.#staging.offset;
  }

  #ensureStaging(bytes: number): void {
    if (bytes <= this.#staging.bytes) return;
    const old = this.#staging;
    this.#staging = this.#allocate(bytes);
    this.#untouched = Math.max(this.#untouched, this.#staging.offset + this.#staging.bytes); // predictBatch writes it
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
      const a = this.#free[i - 1]!, b = this.#free[i]!;
      if (a.offset + a.bytes === b.offset) { a.bytes += b.bytes; this.#free.splice(i, 1); }
    }
    const last = this.#free[this.#free.length - 1];
    if (last && last.offset + last.bytes === this.#top) { this.#top = last.offset; this.#free.pop(); }
  }

  #allocate(bytes: number): Block {
    bytes = align16(bytes);
    const i = this.#free.findIndex((b) => b.bytes >= bytes);
    if (i >= 0) {
      const b = this.#free[i]!;
      const block = { offset: b.offset, bytes };
      if (b.bytes === bytes) this.#free.splice(i, 1);
      else { b.offset += bytes; b.bytes -= bytes; }
      return block;
    }
    const offset = this.#top;
    const end = offset + bytes;
    const have = this.exports.memory.buffer.byteLength;
    if (end > have) {
      if (end > this.#maximumMemoryBytes) {
        throw new HostError(`loading needs ${end} bytes of memory; the runtime's limit is ${this.#maximumMemoryBytes}`);
      }
      this.exports.memory.grow(Math.ceil((end - have) / PAGE));
      for (const m of this.#models) m.rebind(); // the old buffer is detached now
    }
    this.#top = end;
    return { offset, bytes };
  }

  memoryReport(): MemoryReport {
    const models = [...this.#models].map((m) => ({ kind: m.info.kind, imageBytes: m.info.imageBytes, arenaBytes: m.info.arenaBytes, blockBytes: m.info.memoryBytes }));
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
