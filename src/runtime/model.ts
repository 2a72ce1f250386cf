/**
 * Model: one packed image placed in a Runtime's memory, and the allocation-free call path.
 *
 * predict() may only: compare a length, copy the row into wasm memory (checking it for NaN),
 * call one wasm export (run, or the step kernel of a one-step plan), check a status where there
 * is one, and return a view made at load. No objects, closures or strings are created per call
 * (test/runtime/no-gc.test.ts counts GC events to prove it).
 */

import { HostError, InputLengthError, InputTypeError, KernelError, NaNInputError } from "../errors.js";
import { Act, FLAG_CHECK_NAN, Opcode, Status } from "../format/abi.js";
import { type LabelSource, labelOf, labelSource } from "../format/labels.js";
import type { ImageInfo, Label, StepRecord } from "../format/types.js";
import { Monitor, type MonitorOptions, monitorLayout } from "./monitor.js";
import { copyNumbers, copyRow, isFloat32Array, kindOf, valueKind } from "./rows.js";
import type { Build, KernelExports, SimdOption } from "./wasm.js";

export interface LoadOptions {
  /** Let NaN inputs through (they propagate to the outputs) instead of throwing NaNInputError. */
  allowNaN?: boolean;
  /**
   * Count every predicted row into the reference profile's bins, inside the wasm (the image
   * needs a profile: pack --reference). `model.monitor` reads the window (docs/drift.md).
   */
  monitor?: MonitorOptions;
}

export interface RuntimeOptions {
  /** "auto" (default) uses the SIMD build where the engine has SIMD; "require" fails without it; "off" forces scalar. */
  simd?: SimdOption;
  /** Refuse a load that would take linear memory past this many bytes (default 2 GiB). */
  maximumMemoryBytes?: number;
  /**
   * The kernels, already compiled (a `WebAssembly.Module` of edgeinfer.simd.wasm or
   * edgeinfer.scalar.wasm, as a bundler or Cloudflare's workerd hands them over): for hosts that
   * forbid compiling wasm from bytes at run time. With the scalar build, also pass `simd: "off"`
   * (a compiled module does not say which build it is).
   */
  module?: WebAssembly.Module;
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

/**
 * What a model needs from the runtime holding it. runtime.ts implements it (its `Runtime` is
 * the only host, and the only code that makes a Model); declared here so that this file
 * needs nothing from runtime.ts.
 */
export interface ModelHost {
  /** Which kernel build runs the model. */
  readonly build: Build;
  /** The linear memory the model lives in. */
  readonly memory: WebAssembly.Memory;
  memoryReport(): MemoryReport;
  /** @internal The kernel module's exports. */
  readonly exports: KernelExports;
  /** @internal Where predictBatch stages rows that live outside wasm memory (at least `bytes`). */
  staging(bytes: number): number;
  /** @internal Takes back a disposed model's block. */
  release(model: Model, offset: number, bytes: number): void;
}

/** @internal Where the host placed a model, and how many rows its staging area holds at once. */
export interface ModelPlacement {
  imagePtr: number;
  arenaPtr: number;
  blockBytes: number;
  /** Rows predictBatch stages per call into the host's staging area. */
  chunkRows: number;
  /** The drift monitor's block (after the arena), when loaded with `monitor`. */
  monitorPtr?: number;
}

/** @internal What Model.load and Model.loadFile call: a runtime of their own (runtime.ts provides it). */
export type RuntimeFactory = (options: RuntimeOptions) => {
  load(bytes: Uint8Array, options: LoadOptions): Model;
  loadFile(path: string | URL, options: LoadOptions): Model;
};
let newRuntime: RuntimeFactory | undefined;

/** @internal Called once by runtime.ts, which Model.load needs and which itself needs this file. */
export function provideRuntime(factory: RuntimeFactory): void {
  newRuntime = factory;
}

function ownRuntime(options: RuntimeOptions): ReturnType<RuntimeFactory> {
  if (!newRuntime) throw new HostError("Model.load needs runtime/runtime.js loaded (edgeinfer's entry loads it)");
  return newRuntime(options);
}

export interface ModelInfo extends ImageInfo {
  /** Bytes of linear memory this model holds: its image and its arena, 16-aligned. */
  memoryBytes: number;
  /** The kernel build running it. */
  build: "simd" | "scalar";
}

export class Model {
  // Fields are TypeScript-private, not #private: on Node 20 a #field read costs a brand check
  // on every predict (bench/predict.bench.ts, the seed model one row at a time).
  readonly info: ModelInfo;
  /** The Runtime holding this model. */
  readonly runtime: ModelHost;
  private readonly kernels: KernelExports;
  /** The run export itself: one property load less per prediction. */
  private readonly runFn: KernelExports["run"];
  private readonly imagePtr: number;
  private readonly arenaPtr: number;
  private readonly blockBytes: number;
  private readonly flags: number;
  private readonly nIn: number;
  private readonly nOut: number;
  private readonly chunkRows: number;
  /** Where the label of predictLabel comes from: an output holding a class index, or a score vector. */
  private readonly labelSource: LabelSource | undefined;
  private inputView!: Float32Array;
  private outputView!: Float32Array;
  private outputViews!: Record<string, Float32Array>;
  private disposed = false;
  /** The drift monitor, when the model was loaded with `monitor` (else undefined). */
  readonly monitor: Monitor | undefined;
  /** Its block, 0 without one. */
  private readonly monitorPtr: number;

  /** Loads a packed image into a runtime of its own. For many models, share one `Runtime`. */
  static load(bytes: Uint8Array, options: LoadOptions & RuntimeOptions = {}): Model {
    options ??= {};
    return ownRuntime(options).load(bytes, options);
  }

  /** Reads a packed image file straight into a runtime of its own (see Runtime.loadFile). */
  static loadFile(path: string | URL, options: LoadOptions & RuntimeOptions = {}): Model {
    options ??= {};
    return ownRuntime(options).loadFile(path, options);
  }

  /** @internal Use Runtime.load or Model.load: the runtime places the image and makes the model. */
  constructor(host: ModelHost, info: ImageInfo, placement: ModelPlacement, options: LoadOptions) {
    this.runtime = host;
    this.kernels = host.exports;
    this.runFn = host.exports.run;
    this.imagePtr = placement.imagePtr;
    this.arenaPtr = placement.arenaPtr;
    this.blockBytes = placement.blockBytes;
    this.chunkRows = placement.chunkRows;
    this.flags = options.allowNaN || info.nanSafe ? 0 : FLAG_CHECK_NAN;
    this.nIn = info.inputLength;
    this.nOut = info.outputLength;
    this.info = Object.freeze({ ...info, memoryBytes: placement.blockBytes, build: host.build });
    this.labelSource = labelSource(info.outputs);
    this.monitorPtr = placement.monitorPtr ?? 0;
    this.monitor =
      options.monitor && placement.monitorPtr !== undefined
        ? new Monitor(
            host.memory,
            placement.monitorPtr,
            monitorLayout(info, options.monitor),
            host.exports.monitorRotate,
          )
        : undefined;
    this.rebind();
  }

  /** @internal Re-makes the views after memory grew (called by the runtime inside load only). */
  rebind(): void {
    const buf = this.kernels.memory.buffer;
    this.inputView = new Float32Array(buf, this.arenaPtr + this.info.inputOffset, this.nIn);
    this.outputView = new Float32Array(buf, this.arenaPtr + this.info.outputOffset, this.nOut);
    const outputs: Record<string, Float32Array> = {};
    for (const o of this.info.outputs) outputs[o.name] = this.outputView.subarray(o.offset, o.offset + o.length);
    this.outputViews = outputs;
    this.predictRow = this.makePredictRow();
  }

  /**
   * The row the next run() reads, a view into wasm memory: writing it directly saves a copy.
   * Views are re-made when another load grows memory, so read this property again after a load.
   */
  get input(): Float32Array {
    return this.inputView;
  }

  /** All outputs of the last prediction, side by side (see info.outputs). Overwritten by the next call. */
  get output(): Float32Array {
    return this.outputView;
  }

  /** Views of each named output within `output`; overwritten by the next call. */
  get outputs(): Readonly<Record<string, Float32Array>> {
    return this.outputViews;
  }

  /**
   * Predicts one row. Returns the model's reused output view: it is overwritten by the next
   * prediction of this model, so copy it (or use predictInto) to keep it.
   * @throws InputLengthError when the row does not have info.inputLength values
   * @throws NaNInputError when the row holds a NaN (unless loaded with allowNaN)
   */
  predict(row: ArrayLike<number>): Float32Array {
    return this.predictRow(row);
  }

  /**
   * The body of predict, made by rebind() as a closure over the views and pointers: its state
   * sits in registers-friendly context slots rather than in this object's many fields, which
   * V8 reads slower (bench/predict.bench.ts, the seed model one row at a time).
   */
  private predictRow!: (row: ArrayLike<number>) => Float32Array;

  /**
   * The row check and copy both predict closures share. One rule for every width: a row is an
   * array or a typed array (a DataView has no length) of exactly n numbers; anything else is a
   * typed error naming the feature (checkRow). Rows of more than 32 values are checked for NaN
   * by the wasm (runFlags); shorter ones are copied by copyRow, which also returns their sum,
   * so that one comparison checks the whole row for NaN here and the wasm need not look again
   * (the sum is also NaN when +Inf meets −Inf, and copyRow returns NaN for a value that is not
   * a number: checkRow tells them apart). V8 inlines take into each caller.
   */
  private makeTake(): { take: (row: ArrayLike<number>) => void; runFlags: number; short: boolean } {
    const n = this.nIn,
      input = this.inputView;
    if (n > 32) {
      const take = (row: ArrayLike<number>) => {
        if (!(ArrayBuffer.isView(row) || Array.isArray(row)) || row.length !== n) this.badRow(row);
        if (ArrayBuffer.isView(row)) {
          // A typed array holds one kind of value: its first tells (a BigInt64Array's are bigints).
          if (typeof row[0] !== "number") this.checkRow(row);
          input.set(row);
        } else if (!copyNumbers(row, n, input)) this.checkRow(row);
      };
      return { take, runFlags: this.flags, short: false };
    }
    const copy = copyRow(n, input);
    const take = (row: ArrayLike<number>) => {
      if (!(ArrayBuffer.isView(row) || Array.isArray(row)) || row.length !== n) this.badRow(row);
      const sum = copy(row);
      // biome-ignore lint/suspicious/noSelfCompare: the NaN test of the hot path
      if (sum !== sum) this.checkRow(row);
    };
    return { take, runFlags: 0, short: true };
  }

  /** The one-step DENSE_NARROW plan's fields (linear and logistic regressions), else undefined. */
  private narrowStep(): StepRecord | undefined {
    const steps = this.info.steps;
    return steps.length === 1 && steps[0]!.opcode === Opcode.DenseNarrow ? steps[0] : undefined;
  }

  private makePredictRow(): (row: ArrayLike<number>) => Float32Array {
    if (this.monitorPtr !== 0) return this.makeMonitoredRow();
    const output = this.outputView,
      run = this.runFn,
      imagePtr = this.imagePtr,
      arenaPtr = this.arenaPtr;
    const { take, runFlags, short } = this.makeTake();
    const s = this.narrowStep();
    if (short && s) {
      // Linear and logistic regressions: the step's kernel called directly (docs/abi.md),
      // without run() decoding the header and step on each call (bench/predict.bench.ts).
      // Only the step's own fields, which load validated against its tensors and the arena:
      // its nIn may be less than the row's length, and the weights hold nIn rows, not more.
      const x = arenaPtr + s.src,
        wt = imagePtr + s.w,
        b = imagePtr + s.b,
        y = arenaPtr + s.dst,
        stepIn = s.nIn;
      if (s.act === Act.LogisticPair) {
        const pair = this.kernels.runNarrowPair;
        return (row) => {
          take(row);
          pair(x, wt, b, y, stepIn);
          return output;
        };
      }
      const narrow = this.kernels.runNarrow,
        nOut = s.nOut,
        act = s.act,
        alpha = s.alpha,
        beta = s.beta;
      return (row) => {
        take(row);
        narrow(x, wt, b, y, stepIn, nOut, act, alpha, beta);
        return output;
      };
    }
    return (row) => {
      take(row);
      const status = run(imagePtr, arenaPtr, runFlags);
      if (status !== 0) this.fail(status, 0);
      return output;
    };
  }

  /**
   * predict with the monitor counting each row (model loaded with `monitor`): the same checks,
   * and the wasm entries that count the row after predicting it (assembly/run-monitored.ts).
   */
  private makeMonitoredRow(): (row: ArrayLike<number>) => Float32Array {
    const output = this.outputView,
      k = this.kernels,
      imagePtr = this.imagePtr,
      arenaPtr = this.arenaPtr,
      mon = this.monitorPtr;
    const rowIn = arenaPtr + this.info.inputOffset,
      rowOut = arenaPtr + this.info.outputOffset;
    const run = k.run,
      count = k.monitorRows;
    const { take, runFlags, short } = this.makeTake();
    const s = this.narrowStep();
    if (short && s) {
      const x = arenaPtr + s.src,
        wt = imagePtr + s.w,
        b = imagePtr + s.b,
        y = arenaPtr + s.dst,
        stepIn = s.nIn;
      if (s.act === Act.LogisticPair) {
        const pair = k.runNarrowPairMonitored;
        return (row) => {
          take(row);
          pair(x, wt, b, y, stepIn, mon, rowIn, rowOut);
          return output;
        };
      }
      const narrow = k.runNarrowMonitored,
        nOut = s.nOut,
        act = s.act,
        alpha = s.alpha,
        beta = s.beta;
      return (row) => {
        take(row);
        narrow(x, wt, b, y, stepIn, nOut, act, alpha, beta, mon, rowIn, rowOut);
        return output;
      };
    }
    return (row) => {
      take(row);
      const status = run(imagePtr, arenaPtr, runFlags);
      if (status !== 0) this.fail(status, 0);
      count(mon, rowIn, rowOut, 0, 1);
      return output;
    };
  }

  /** Runs the model on whatever `input` holds now; returns the output view. */
  run(): Float32Array {
    if (this.disposed) throw new HostError("this model was disposed");
    const status = this.kernels.run(this.imagePtr, this.arenaPtr, this.flags);
    if (status !== Status.Ok) this.fail(status, 0);
    if (this.monitorPtr !== 0)
      this.kernels.monitorRows(
        this.monitorPtr,
        this.arenaPtr + this.info.inputOffset,
        this.arenaPtr + this.info.outputOffset,
        0,
        1,
      );
    return this.outputView;
  }

  /** Like predict, but copies the result into a caller-owned array (length ≥ info.outputLength). */
  predictInto(row: ArrayLike<number>, out: Float32Array): Float32Array {
    if (this.disposed) throw new HostError("this model was disposed");
    this.checkOut(out, this.nOut);
    out.set(this.predict(row));
    return out;
  }

  /**
   * An output array is a Float32Array of at least `floats` values, and, when it is a view into
   * the runtime's memory, lies in this model's arena: anywhere else it would overwrite another
   * model, the staging area or the module's own data.
   */
  private checkOut(out: Float32Array, floats: number): void {
    if (!isFloat32Array(out)) throw new InputTypeError("output array", kindOf(out), "a Float32Array");
    if (out.length < floats) throw new InputLengthError(floats, out.length, "output array");
    if (
      out.buffer === this.kernels.memory.buffer &&
      (out.byteOffset < this.arenaPtr || out.byteOffset + floats * 4 > this.imagePtr + this.blockBytes)
    )
      throw new InputTypeError(
        "output array",
        "a view into the runtime's memory outside this model's arena",
        "an array of its own",
      );
  }

  /** Is [ptr, ptr + bytes) inside [start, start + regionBytes) of this model's arena? */
  private inArena(ptr: number, bytes: number, start: number, regionBytes: number): boolean {
    const at = this.arenaPtr + start;
    return ptr >= at && ptr + bytes <= at + regionBytes;
  }

  /** The predicted class label of one row (needs an output with class labels). */
  predictLabel(row: ArrayLike<number>): Label {
    const src = this.labelSource;
    if (!src) throw new InputLengthError(1, 0, "label output (this model has no class labels)");
    return labelOf(src, this.predict(row));
  }

  /**
   * Predicts nRows rows stored row-major in `rows` (nRows × inputLength). Writes
   * nRows × outputLength values to `out` (allocated when not given) and returns it.
   * Runs in blocks of info.batchRows rows inside wasm, which is faster per row than predict().
   */
  predictBatch(rows: Float32Array, nRows: number, out?: Float32Array): Float32Array {
    const nIn = this.nIn,
      nOut = this.nOut;
    if (this.disposed) throw new HostError("this model was disposed");
    if (!isFloat32Array(rows)) throw new InputTypeError("rows array", kindOf(rows), "a Float32Array");
    if (!Number.isInteger(nRows) || nRows < 0) throw new InputLengthError(rows.length / nIn, nRows, "nRows");
    if (rows.length < nRows * nIn) throw new InputLengthError(nRows * nIn, rows.length, "rows array");
    out ??= new Float32Array(nRows * nOut);
    this.checkOut(out, nRows * nOut);
    const mem = this.kernels.memory.buffer;
    const { batchRows, inputOffset, outputOffset } = this.info;
    const rowsBytes = nRows * nIn * 4,
      outBytes = nRows * nOut * 4;
    // Rows and outputs exactly where this model's blocks read and write them (its input and
    // output rows: model.input, model.output) go straight through, one block.
    if (
      rows.buffer === mem &&
      out.buffer === mem &&
      this.inArena(rows.byteOffset, rowsBytes, inputOffset, batchRows * nIn * 4) &&
      this.inArena(out.byteOffset, outBytes, outputOffset, batchRows * nOut * 4)
    ) {
      this.runBlocks(rows.byteOffset, out.byteOffset, nRows, 0);
      return out;
    }
    // Elsewhere in this runtime's memory the blocks (in the arena or the staging area) could
    // overwrite rows not yet read; and outputs written over rows not yet read would change
    // them. Such rows are read from a copy.
    if (
      rows.buffer === mem ||
      (rows.buffer === out.buffer &&
        rows.byteOffset < out.byteOffset + outBytes &&
        out.byteOffset < rows.byteOffset + rowsBytes)
    )
      rows = rows.slice(0, nRows * nIn);
    // An output array in this model's arena is written once the whole batch is done.
    if (out.buffer === mem) {
      out.set(this.predictBatch(rows, nRows));
      return out;
    }
    const staging = this.runtime.staging(this.chunkRows * (nIn + nOut) * 4);
    const inPtr = staging,
      outPtr = staging + this.chunkRows * nIn * 4;
    const f32 = new Float32Array(this.kernels.memory.buffer); // one view per call, not per chunk
    for (let start = 0; start < nRows; start += this.chunkRows) {
      const n = Math.min(this.chunkRows, nRows - start);
      f32.set(rows.subarray(start * nIn, (start + n) * nIn), inPtr >> 2);
      this.runBlocks(inPtr, outPtr, n, start);
      out.set(f32.subarray(outPtr >> 2, (outPtr >> 2) + n * nOut), start * nOut);
    }
    return out;
  }

  /**
   * Throws for the first value of the row that is not a number (InputTypeError) or, unless
   * NaNs are allowed, is NaN (NaNInputError). Returns for a row that is fine after all (its
   * sum was NaN because +Inf met −Inf, or NaNs are allowed).
   */
  private checkRow(row: ArrayLike<number>): void {
    for (let i = 0; i < row.length; i++) {
      const v = row[i];
      if (typeof v !== "number")
        throw new InputTypeError("row 0", valueKind(row, i), "a number", i, this.info.featureNames?.[i]);
    }
    if (this.flags !== 0)
      for (let i = 0; i < row.length; i++) if (Number.isNaN(row[i])) this.fail(Status.NanInput, 0, i);
  }

  /** The row is not an array or typed array of info.inputLength values (or the model was disposed). */
  private badRow(row: unknown): never {
    if (this.disposed) throw new HostError("this model was disposed");
    if (!(Array.isArray(row) || (ArrayBuffer.isView(row) && !(row instanceof DataView))))
      throw new InputTypeError("row", kindOf(row), "an array of numbers or a typed array");
    throw new InputLengthError(this.nIn, (row as ArrayLike<number>).length);
  }

  private runBlocks(inPtr: number, outPtr: number, nRows: number, firstRow: number): void {
    const status = this.kernels.runBatch(this.imagePtr, this.arenaPtr, inPtr, outPtr, nRows, this.flags);
    if (status !== Status.Ok) this.fail(status, firstRow);
    // The rows a batch read, counted once it is done (inPtr and outPtr never overlap here).
    if (this.monitorPtr !== 0) this.kernels.monitorRows(this.monitorPtr, inPtr, outPtr, this.nOut, nRows);
  }

  private fail(status: number, firstRow: number, column = -1): never {
    if (status === Status.NanInput) {
      const row = column >= 0 ? 0 : this.kernels.lastErrorRow();
      if (column < 0) column = this.kernels.lastErrorColumn();
      throw new NaNInputError(firstRow + row, column, this.info.featureNames?.[column]);
    }
    throw new KernelError(status, this.kernels.lastErrorStep());
  }

  /** Frees this model's memory for later loads into the same runtime. The model is unusable after. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.monitor?.stop();
    this.predictRow = () => {
      throw new HostError("this model was disposed");
    };
    this.runtime.release(this, this.imagePtr, this.blockBytes);
    // Views of a freed block would alias the next model loaded there: cut them off.
    this.inputView = new Float32Array(0);
    this.outputView = new Float32Array(0);
    this.outputViews = {};
  }
}
