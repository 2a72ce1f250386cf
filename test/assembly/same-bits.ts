// The two test builds side by side (issue 19: one model, one answer in every build): the same
// call on the same operands in the scalar and the SIMD module, compared bit for bit. Operands
// are written from the same bump pointer in both, so a case is written once as a function of
// the harness. The random values are the kind that make summation order show: magnitudes over
// many binades, runs of zeros and −0 (the SIMD kernels skip zero blocks), subnormals, and NaN
// and ±Inf where the kernel's contract allows them (inputs; the planner refuses non-finite weights).
import { expect } from "vitest";
import { KernelHarness } from "../helpers/kernels.js";
import type { seeded } from "../helpers/rng.js";

export const scalarBuild = new KernelHarness("scalar");
export const simdBuild = new KernelHarness("simd");

/** Runs the same case in each build, each from a reset harness: [scalar, simd]. */
export function inBoth<T>(run: (k: KernelHarness) => T): [T, T] {
  scalarBuild.reset();
  const a = run(scalarBuild);
  simdBuild.reset();
  return [a, run(simdBuild)];
}

const NAN_BITS = 0x7fc00000;

/**
 * Each value's f32 bits, every NaN as one value: wasm leaves the sign and payload of a NaN that
 * an operation produces to the engine and the CPU (x86 and Arm differ), so only NaN-ness is ours.
 */
export function bits(a: ArrayLike<number>): number[] {
  const f = Float32Array.from(a as ArrayLike<number>);
  const u = new Uint32Array(f.buffer);
  return Array.from(u, (v, i) => (Number.isNaN(f[i]!) ? NAN_BITS : v));
}

/** The two builds' outputs are the same bits (NaN ≡ NaN). */
export function expectSameBits(scalar: ArrayLike<number>, simd: ArrayLike<number>, what: string): void {
  const a = bits(scalar),
    b = bits(simd);
  const at = a.findIndex((v, i) => v !== b[i]);
  const where = at < 0 ? "" : ` first at [${at}]: scalar ${scalar[at]}, simd ${simd[at]}`;
  expect(a.length, what).toBe(b.length);
  expect(at, `${what}${where}`).toBe(-1);
}

export type Rand = ReturnType<typeof seeded>;

/** A float of random sign and magnitude 2^-e … 2^e (e ≤ 30): sums of these round differently in another order. */
function wide(r: Rand, e: number): number {
  return (r.next() < 0.5 ? -1 : 1) * (1 + r.next()) * 2 ** Math.floor((r.next() * 2 - 1) * e);
}

const SUBNORMALS = [1e-40, -3e-42, 1.4e-45, -1.17e-38, 5e-39];
const SPECIALS = [NaN, Infinity, -Infinity, -0, 0, 1e30, -1e30, ...SUBNORMALS];

/**
 * n input values of one of several kinds, chosen by the seed: uniform, wide, with zero runs
 * (blocks of four and longer, −0 among them), subnormals, or with NaN/±Inf sprinkled in when
 * `special` (for inputs; weights stay finite, as the planner guarantees).
 */
export function values(r: Rand, n: number, special = false): Float32Array {
  const kind = r.int(0, special ? 5 : 4);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = kind === 0 ? r.next() * 2 - 1 : wide(r, kind === 1 ? 30 : 12);
  if (kind === 2) {
    // Zero runs: whole 4-blocks (what the SIMD kernels skip), longer stretches, single zeros.
    for (let i = 0; i < n; ) {
      const len = r.int(1, 24);
      if (r.next() < 0.5) for (let j = i; j < Math.min(n, i + len); j++) x[j] = r.next() < 0.3 ? -0 : 0;
      i += len;
    }
  }
  if (kind === 3) for (let i = 0; i < n; i++) if (r.next() < 0.5) x[i] = SUBNORMALS[r.int(0, SUBNORMALS.length - 1)]!;
  if (kind === 4) for (let i = 0; i < n; i++) if (r.next() < 0.2) x[i] = r.next() < 0.5 ? 0 : -0;
  if (kind === 5) for (let i = 0; i < n; i++) if (r.next() < 0.1) x[i] = SPECIALS[r.int(0, SPECIALS.length - 1)]!;
  return x;
}

/** Finite weights: uniform, wide or with subnormals and zeros. */
export function weights(r: Rand, n: number): Float32Array {
  const x = values(r, n);
  for (let i = 0; i < n; i++) if (!Number.isFinite(x[i]!)) x[i] = 0.5;
  return x;
}

/** A width: mostly small (below, at and around the 4- and 8-lane boundaries), sometimes wide. */
export function width(r: Rand): number {
  const u = r.next();
  return u < 0.7 ? r.int(1, 40) : u < 0.95 ? r.int(41, 300) : 784;
}
