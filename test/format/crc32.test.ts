import * as zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import { crc32 } from "../../src/format/crc32.js";
import { seeded } from "../helpers/rng.js";

describe("crc32 (slicing-by-8)", () => {
  it("gives the standard check value", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it("agrees with zlib on every length, offset and range", () => {
    const z = (zlib as { crc32?: (b: Uint8Array) => number }).crc32;
    const ref =
      z ??
      ((b: Uint8Array) => {
        // byte at a time, when this Node has no zlib.crc32
        let c = 0xffffffff;
        for (const v of b) {
          c ^= v;
          for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
        }
        return (c ^ 0xffffffff) >>> 0;
      });
    const big = Uint8Array.from({ length: 600 }, (_, i) => (i * 131 + 7) & 255);
    for (let off = 0; off < 9; off++) {
      const b = big.subarray(off);
      for (let len = 0; len < 70; len++)
        for (const start of [0, 1, 5]) {
          if (start + len > b.length) continue;
          expect(crc32(b, start, start + len)).toBe(ref(b.subarray(start, start + len)));
        }
    }
    expect(crc32(big)).toBe(ref(big));
  });

  it.runIf((zlib as { crc32?: unknown }).crc32)(
    "agrees with zlib over long ranges, on both sides of the slicing threshold and in offset views",
    () => {
      const z = (zlib as unknown as { crc32: (b: Uint8Array) => number }).crc32;
      const rand = seeded("crc32 long").next;
      const big = Uint8Array.from({ length: 3 * 65536 + 13 }, () => Math.floor(rand() * 256));
      for (const [start, end] of [
        [0, big.length],
        [12, big.length],
        [5, 5 + 4096],
        [3, 2 + 4096],
        [7, 100],
        [100, 10_100],
        [1000, 1000],
      ]) {
        expect(crc32(big, start, end)).toBe(z(big.subarray(start, end)));
      }
      // A view with an offset into a larger buffer, as images often are (a Buffer from readFileSync).
      const view = new Uint8Array(big.buffer, 9, 2 * 65536);
      expect(crc32(view, 12)).toBe(z(view.subarray(12)));
    },
  );
});
