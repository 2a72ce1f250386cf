/**
 * The kernel modules: decoded from the embedded base64 once, compiled once per build and
 * cached, both only when first asked for. SIMD is detected by compiling the SIMD build itself,
 * which is exactly the question ("can this engine run this module?") and is the compile a SIMD
 * runtime needs anyway: WebAssembly.validate first would decode and validate it twice.
 */

import { HostError } from "../errors.js";
import { SCALAR_WASM_BASE64, SIMD_WASM_BASE64 } from "./wasm-binary.js";

/** The wasm ABI (docs/abi.md): integers and pointers only. */
export interface KernelExports {
  memory: WebAssembly.Memory;
  run(image: number, arena: number, flags: number): number;
  runBatch(image: number, arena: number, rows: number, out: number, nRows: number, flags: number): number;
  /** One-step DENSE_NARROW plans, called with the step's pointers (docs/abi.md). */
  runNarrowPair(x: number, wt: number, b: number, y: number, nIn: number): void;
  runNarrow(
    x: number,
    wt: number,
    b: number,
    y: number,
    nIn: number,
    nOut: number,
    act: number,
    alpha: number,
    beta: number,
  ): void;
  /** The one-step shortcuts with the drift monitor at `mon` counting the row (assembly/run-monitored.ts). */
  runNarrowPairMonitored(
    x: number,
    wt: number,
    b: number,
    y: number,
    nIn: number,
    mon: number,
    rowIn: number,
    rowOut: number,
  ): void;
  runNarrowMonitored(
    x: number,
    wt: number,
    b: number,
    y: number,
    nIn: number,
    nOut: number,
    act: number,
    alpha: number,
    beta: number,
    mon: number,
    rowIn: number,
    rowOut: number,
  ): void;
  /** The drift monitor counts nRows predicted rows (assembly/kernels/monitor.ts). */
  monitorRows(mon: number, rows: number, outs: number, outStride: number, nRows: number): void;
  monitorRotate(mon: number): void;
  lastErrorRow(): number;
  lastErrorColumn(): number;
  lastErrorStep(): number;
  abiVersion(): number;
  heapBase(): number;
  /** CRC-32 of an image at load (assembly/crc32.ts): the 8 KiB of slicing tables, then chunks. */
  crc32Table(table: number): void;
  crc32Update(crc: number, ptr: number, len: number, table: number): number;
}

export type SimdOption = "auto" | "require" | "off";
export type Build = "simd" | "scalar";

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  // Node and Bun decode natively, far sooner than the loop below runs on a cold start, where
  // the loop would be a good share of the time from import to the first prediction (bench/cold.ts).
  const NodeBuffer = (globalThis as { Buffer?: { from(s: string, enc: string): Uint8Array } }).Buffer;
  if (NodeBuffer) {
    const b = NodeBuffer.from(b64, "base64");
    return new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
  }
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const bytesCache = new Map<Build, Uint8Array<ArrayBuffer>>();
const moduleCache = new Map<Build, WebAssembly.Module>();
let simdSupported: boolean | undefined;

function compile(build: Build): WebAssembly.Module {
  let m = moduleCache.get(build);
  if (!m) moduleCache.set(build, (m = new WebAssembly.Module(kernelBytes(build))));
  return m;
}

/** The release wasm of a build, as deployed to hosts without JavaScript. */
export function kernelBytes(build: Build): Uint8Array<ArrayBuffer> {
  let b = bytesCache.get(build);
  if (!b) bytesCache.set(build, (b = decodeBase64(build === "simd" ? SIMD_WASM_BASE64 : SCALAR_WASM_BASE64)));
  return b;
}

/** Can this engine run the SIMD build? */
export function hasSimd(): boolean {
  if (simdSupported === undefined) {
    try {
      compile("simd");
      simdSupported = true;
    } catch (err) {
      if (!(err instanceof WebAssembly.CompileError)) throw err;
      simdSupported = false;
    }
  }
  return simdSupported;
}

export function chooseBuild(simd: SimdOption = "auto"): Build {
  if (simd !== "auto" && simd !== "require" && simd !== "off")
    throw new HostError(`simd must be "auto", "require" or "off"; got ${JSON.stringify(simd) ?? String(simd)}`);
  if (simd === "off") return "scalar";
  if (simd === "require" && !hasSimd()) throw new HostError('this engine cannot run the SIMD build (simd: "require")');
  return hasSimd() ? "simd" : "scalar";
}

/** Compiles (once per build, synchronously: the modules are a few KB) and instantiates with no imports. */
export function instantiate(build: Build, compiled?: WebAssembly.Module): KernelExports {
  const module = compiled ?? compile(build);
  try {
    return new WebAssembly.Instance(module, {}).exports as unknown as KernelExports;
  } catch (e) {
    // The host has no memory left for the module's first pages.
    if (!(e instanceof RangeError)) throw e;
    throw new HostError(`cannot instantiate the ${build} kernels: ${e.message}`);
  }
}
