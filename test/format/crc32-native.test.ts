// crc32 hands long ranges to the host's zlib (process.getBuiltinModule, Node >= 20.16 and Bun)
// and keeps the JavaScript loops (a byte at a time, and slicing-by-8 from 4 KiB) for shorter ones
// and for hosts without it: all give zlib's value.
import { describe, expect, it } from "vitest";
import * as zlib from "node:zlib";
import { crc32, crc32Js, nativeCrc32, NATIVE_CRC_MIN_BYTES } from "../../src/format/crc32.js";
import { seeded } from "../helpers/rng.js";

const z = (zlib as { crc32?: (b: Uint8Array) => number }).crc32;
const hasGetBuiltin = typeof (process as { getBuiltinModule?: unknown }).getBuiltinModule === "function";

describe("crc32: native for long ranges", () => {
  it.runIf(hasGetBuiltin && z)("finds zlib's crc32 on this Node", () => {
    expect(nativeCrc32()).toBe(z);
  });

  it.runIf(z)("agrees with zlib and with the JavaScript loop on both sides of the threshold", () => {
    const rand = seeded("crc32 native").next;
    const big = Uint8Array.from({ length: 3 * NATIVE_CRC_MIN_BYTES + 13 }, () => Math.floor(rand() * 256));
    for (const [start, end] of [[0, big.length], [12, big.length], [5, 5 + NATIVE_CRC_MIN_BYTES], [3, 2 + NATIVE_CRC_MIN_BYTES], [7, 100], [100, 10_100], [1000, 1000]]) {
      const want = z!(big.subarray(start, end));
      expect(crc32(big, start, end)).toBe(want);
      expect(crc32Js(big, start, end)).toBe(want);
    }
    // A view with an offset into a larger buffer, as images often are (a Buffer from readFileSync).
    const view = new Uint8Array(big.buffer, 9, NATIVE_CRC_MIN_BYTES * 2);
    expect(crc32(view, 12)).toBe(z!(view.subarray(12)));
  });
});
