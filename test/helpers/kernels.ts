// Harness for the test builds (build/testing.{simd,scalar}.wasm): every kernel exported with its
// scalar reference. Operands are written into memory from a bump pointer that reset() rewinds.
import { readFileSync } from "node:fs";

export type BuildName = "simd" | "scalar";
export const BUILDS: BuildName[] = ["scalar", "simd"];

export interface TestExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  [kernel: string]: unknown;
}

export class KernelHarness {
  readonly x: TestExports;
  private top = 0;
  private readonly base: number;

  constructor(readonly build: BuildName) {
    const bytes = readFileSync(new URL(`../../build/testing.${build}.wasm`, import.meta.url));
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
    this.x = inst.exports as unknown as TestExports;
    this.x.memory.grow(256); // 16 MiB, once: views stay valid
    this.base = Math.ceil(this.x.heapBase() / 64) * 64;
    this.top = this.base;
  }

  fn(name: string): (...args: number[]) => number {
    const f = this.x[name];
    if (typeof f !== "function") throw new Error(`${this.build} build does not export ${name}`);
    return f as (...args: number[]) => number;
  }

  reset(): void {
    this.top = this.base;
  }

  /** Reserves n bytes at an address with the given misalignment from 16 (to test unaligned rows). */
  alloc(bytes: number, misalign = 0): number {
    const p = Math.ceil(this.top / 16) * 16 + misalign;
    this.top = p + bytes + 16;
    // Poison: NaN bytes around and inside, so a kernel reading past its row or an unwritten output shows.
    new Uint8Array(this.x.memory.buffer, p - misalign, bytes + 16 + misalign).fill(0xff);
    return p;
  }

  f32(values: ArrayLike<number>, misalign = 0): number {
    const p = this.alloc(values.length * 4, misalign);
    new Float32Array(this.x.memory.buffer, p, values.length).set(values);
    return p;
  }

  bytes(values: Int8Array | Uint8Array | Int32Array): number {
    const p = this.alloc(values.byteLength);
    new Uint8Array(this.x.memory.buffer, p, values.byteLength).set(
      new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
    );
    return p;
  }

  read(p: number, n: number): Float32Array {
    return new Float32Array(this.x.memory.buffer.slice(p, p + n * 4));
  }

  readU8(p: number, n: number): Uint8Array {
    return new Uint8Array(this.x.memory.buffer.slice(p, p + n));
  }

  readI32(p: number): number {
    return new Int32Array(this.x.memory.buffer, p, 1)[0]!;
  }
}
