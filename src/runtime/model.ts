/**
 * Model: one packed image placed in a Runtime's memory, and the allocation-free call path.
 *
 * predict() may only: compare a length, copy the row into wasm memory (TypedArray.set), call
 * one wasm export, check its status and return a view made at load. No objects, closures or
 * strings are created per call (test/runtime/no-gc.test.ts counts GC events to prove it).
 */
import { FLAG_CHECK_NAN, Status } from "../format/abi.js";
import type { ImageInfo, Label, OutputInfo } from "../format/types.js";
import { HostError, InputLengthError, KernelError, NaNInputError } from "../errors.js";
import type { KernelExports } from "./wasm.js";
import { Runtime, STAGING_BYTES, type RuntimeOptions } from "./runtime.js";

export interface LoadOptions {
  /** Let NaN inputs through (they propagate to the outputs) instead of throwing NaNInputError. */
  allowNaN?: boolean;
}

export interface ModelInfo extends ImageInfo {
  /** Bytes of linear memory this model holds: its image and its arena, 16-aligned. */
  memoryBytes: number;
  /** The kernel build running it. */
  build: "simd" | "scalar";
}

export class Model {
  readonly info: ModelInfo;
  readonly runtime: Runtime;
  readonly #exports: KernelExports;
  /** The run export itself: one property load less per prediction. */
  readonly #run: KernelExports["run"];
  readonly #imagePtr: number;
  readonly #arenaPtr: number;
  readonly #blockBytes: number;
  readonly #flags: number;
  #nIn: number;
  readonly #nOut: number;
  readonly #chunkRows: number;
  /** Where the label of predictLabel comes from: an output holding a class index, or a score vector. */
  readonly #labelSource: { output: OutputInfo; labels: Label[]; argmax: boolean } | undefined;
  #input!: Float32Array;
  #output!: Float32Array;
  #outputs!: Record<string, Float32Array>;
  #disposed = false;

  /** Loads a packed image into a runtime of its own. For many models, share one `Runtime`. */
  static load(bytes: Uint8Array, options: LoadOptions & RuntimeOptions = {}): Model {
    return new Runtime(options).load(bytes, options);
  }

  /** @internal Use Runtime.load or Model.load. */
  constructor(runtime: Runtime, info: ImageInfo, imagePtr: number, arenaPtr: number, blockBytes: number, options: LoadOptions) {
    this.runtime = runtime;
    this.#exports = runtime.exports;
    this.#run = runtime.exports.run;
    this.#imagePtr = imagePtr;
    this.#arenaPtr = arenaPtr;
    this.#blockBytes = blockBytes;
    this.#flags = options.allowNaN ? 0 : FLAG_CHECK_NAN;
    this.#nIn = info.inputLength;
    this.#nOut = info.outputLength;
    this.#chunkRows = Math.max(1, Math.floor(STAGING_BYTES / (4 * (this.#nIn + this.#nOut))));
    this.info = Object.freeze({ ...info, memoryBytes: blockBytes, build: runtime.build });
    const byIndex = info.outputs.find((o) => o.labels && o.length === 1);
    const byScore = info.outputs.find((o) => o.labels && o.length === o.labels.length && o.length > 1);
    const src = byIndex ?? byScore;
    this.#labelSource = src && { output: src, labels: src.labels!, argmax: src === byScore };
    this.rebind();
  }

  /** @internal Re-makes the views after memory grew (called by the runtime inside load only). */
  rebind(): void {
    const buf = this.#exports.memory.buffer;
    this.#input = new Float32Array(buf, this.#arenaPtr + this.info.inputOffset, this.#nIn);
    this.#output = new Float32Array(buf, this.#arenaPtr + this.info.outputOffset, this.#nOut);
    const outputs: Record<string, Float32Array> = {};
    for (const o of this.info.outputs) outputs[o.name] = this.#output.subarray(o.offset, o.offset + o.length);
    this.#outputs = outputs;
  }

  /**
   * The row the next run() reads, a view into wasm memory: writing it directly saves a copy.
   * Views are re-made when another load grows memory, so read this property again after a load.
   */
  get input(): Float32Array {
    return this.#input;
  }

  /** All outputs of the last prediction, side by side (see info.outputs). Overwritten by the next call. */
  get output(): Float32Array {
    return this.#output;
  }

  /** Views of each named output within `output`; overwritten by the next call. */
  get outputs(): Readonly<Record<string, Float32Array>> {
    return this.#outputs;
  }

  /**
   * Predicts one row. Returns the model's reused output view: it is overwritten by the next
   * prediction of this model, so copy it (or use predictInto) to keep it.
   * @throws InputLengthError when the row does not have info.inputLength values
   * @throws NaNInputError when the row holds a NaN (unless loaded with allowNaN)
   */
  predict(row: ArrayLike<number>): Float32Array {
    const n = this.#nIn, input = this.#input;
    if (row.length !== n) this.#badLength(row.length);
    let flags = this.#flags;
    if (n <= 32) {
      // A short row is copied faster by a loop than by TypedArray.set, whose fixed cost
      // dominates, and checked for NaN on the way (so the wasm need not look again).
      for (let i = 0; i < n; i++) {
        const v = row[i]!;
        if (v !== v && flags !== 0) this.#fail(Status.NanInput, 0, i);
        input[i] = v;
      }
      flags = 0;
    } else {
      input.set(row);
    }
    const status = this.#run(this.#imagePtr, this.#arenaPtr, flags);
    if (status !== Status.Ok) this.#fail(status, 0);
    return this.#output;
  }

  /** Runs the model on whatever `input` holds now; returns the output view. */
  run(): Float32Array {
    if (this.#disposed) throw new HostError("this model was disposed");
    const status = this.#exports.run(this.#imagePtr, this.#arenaPtr, this.#flags);
    if (status !== Status.Ok) this.#fail(status, 0);
    return this.#output;
  }

  /** Like predict, but copies the result into a caller-owned array (length ≥ info.outputLength). */
  predictInto(row: ArrayLike<number>, out: Float32Array): Float32Array {
    if (out.length < this.#nOut) throw new InputLengthError(this.#nOut, out.length, "output array");
    out.set(this.predict(row));
    return out;
  }

  /** The predicted class label of one row (needs an output with class labels). */
  predictLabel(row: ArrayLike<number>): Label {
    const src = this.#labelSource;
    if (!src) throw new InputLengthError(1, 0, "label output (this model has no class labels)");
    const y = this.predict(row);
    let at = src.output.offset;
    if (!src.argmax) return src.labels[y[at]!]!;
    for (let i = 1; i < src.output.length; i++) if (y[src.output.offset + i]! > y[at]!) at = src.output.offset + i;
    return src.labels[at - src.output.offset]!;
  }

  /**
   * Predicts nRows rows stored row-major in `rows` (nRows × inputLength). Writes
   * nRows × outputLength values to `out` (allocated when not given) and returns it.
   * Runs in blocks of info.batchRows rows inside wasm, which is faster per row than predict().
   */
  predictBatch(rows: Float32Array, nRows: number, out?: Float32Array): Float32Array {
    const nIn = this.#nIn, nOut = this.#nOut;
    if (this.#disposed) throw new HostError("this model was disposed");
    if (!Number.isInteger(nRows) || nRows < 0) throw new InputLengthError(rows.length / nIn, nRows, "nRows");
    if (rows.length < nRows * nIn) throw new InputLengthError(nRows * nIn, rows.length, "rows array");
    out ??= new Float32Array(nRows * nOut);
    if (out.length < nRows * nOut) throw new InputLengthError(nRows * nOut, out.length, "output array");
    const mem = this.#exports.memory.buffer;
    // Rows and outputs already in wasm memory go straight through.
    if (rows.buffer === mem && out.buffer === mem) {
      this.#batch(rows.byteOffset, out.byteOffset, nRows, 0);
      return out;
    }
    const staging = this.runtime.staging(this.#chunkRows * (nIn + nOut) * 4);
    const inPtr = staging, outPtr = staging + this.#chunkRows * nIn * 4;
    const f32 = new Float32Array(mem); // one view per call, not per chunk
    for (let start = 0; start < nRows; start += this.#chunkRows) {
      const n = Math.min(this.#chunkRows, nRows - start);
      f32.set(rows.subarray(start * nIn, (start + n) * nIn), inPtr >> 2);
      this.#batch(inPtr, outPtr, n, start);
      out.set(f32.subarray(outPtr >> 2, (outPtr >> 2) + n * nOut), start * nOut);
    }
    return out;
  }

  #badLength(actual: number): never {
    if (this.#disposed) throw new HostError("this model was disposed");
    throw new InputLengthError(this.#nIn, actual);
  }

  #batch(inPtr: number, outPtr: number, nRows: number, firstRow: number): void {
    const status = this.#exports.runBatch(this.#imagePtr, this.#arenaPtr, inPtr, outPtr, nRows, this.#flags);
    if (status !== Status.Ok) this.#fail(status, firstRow);
  }

  #fail(status: number, firstRow: number, column = -1): never {
    if (status === Status.NanInput) {
      const row = column >= 0 ? 0 : this.#exports.lastErrorRow();
      if (column < 0) column = this.#exports.lastErrorColumn();
      throw new NaNInputError(firstRow + row, column, this.info.featureNames?.[column]);
    }
    throw new KernelError(status, this.#exports.lastErrorStep());
  }

  /** Frees this model's memory for later loads into the same runtime. The model is unusable after. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#nIn = -1; // predict's length check now fails, and reports the disposal
    this.runtime.release(this, this.#imagePtr, this.#blockBytes);
    // Views of a freed block would alias the next model loaded there: cut them off.
    this.#input = new Float32Array(0);
    this.#output = new Float32Array(0);
    this.#outputs = {};
  }
}
