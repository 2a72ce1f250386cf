// Types of fuzz-core.mjs (plain JavaScript, so that the fuzz worker threads load it as it is).
export interface Rand {
  next(): number;
  int(n: number): number;
}
export type WireField = unknown;
export function rng(seed: number): Rand;
export function wireFields(b: Uint8Array, start?: number, end?: number, depth?: number): WireField[] | undefined;
export function corrupt(b: Uint8Array, fields: WireField[], r: Rand, pristine: boolean): [Uint8Array, string];
export function attempt(api: Record<string, unknown>, bytes: Uint8Array, r: Rand): string;
