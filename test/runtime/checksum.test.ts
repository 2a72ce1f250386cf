// The image checksum at load: images from WASM_CRC_MIN_BYTES are checked inside the runtime's
// wasm (crc32Table / crc32Update, slicing-by-8, 64 KiB a call, in place or through the staging
// area), smaller ones by the JavaScript byte loop; all of it gives zlib's value, and a corrupt
// image is still a FormatError.

import * as zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import { Header } from "../../src/format/abi.js";
import { crc32 } from "../../src/format/crc32.js";
import { FormatError, inspect, Model, Runtime } from "../../src/index.js";
import { pack } from "../../src/pack.js";
import { STAGING_BYTES, WASM_CRC_MIN_BYTES } from "../../src/runtime/runtime.js";
import { seeded } from "../helpers/rng.js";

const ref = (b: Uint8Array) => (zlib as { crc32?: (b: Uint8Array) => number }).crc32?.(b) ?? crc32(b);

describe("the wasm crc32", () => {
  it.each(["auto", "off"] as const)(
    "agrees with zlib over several staging chunks, any offset and length (simd: %s)",
    (simd) => {
      const rt = new Runtime({ simd });
      const rand = seeded(`wasm crc ${simd}`).next;
      const big = Uint8Array.from({ length: 2 * STAGING_BYTES + 4099 }, () => Math.floor(rand() * 256));
      const cases: Array<[number, number]> = [
        [0, big.length],
        [12, big.length],
        [3, 3 + STAGING_BYTES],
        [5, 6 + STAGING_BYTES - 1024],
        [7, 8],
        [9, 16],
        [9, 18],
        [9, 9],
      ];
      for (const [start, end] of cases) expect(rt.wasmCrc32(big, start, end)).toBe(ref(big.subarray(start, end)));
      // In place: the same bytes where they lie in the runtime's own memory (as loadFile reads
      // them), at an odd offset in memory grown past everything the runtime handed out.
      const at = rt.memory.buffer.byteLength + 1;
      rt.memory.grow(Math.ceil((big.length + 1) / 65536));
      const own = new Uint8Array(rt.memory.buffer, at, big.length);
      own.set(big);
      for (const [start, end] of cases) expect(rt.wasmCrc32(own, start, end)).toBe(ref(big.subarray(start, end)));
    },
  );

  it("checks images from WASM_CRC_MIN_BYTES at load: a good one loads, a flipped weight is a FormatError at header.crc32", () => {
    const n = 80; // an 80 × 80 dense layer: 25.6 KB of weights
    const rand = seeded("wasm crc image").next;
    const image = pack({
      kind: "mlp",
      layers: [
        {
          weights: Array.from({ length: n }, () => Array.from({ length: n }, () => rand() - 0.5)),
          bias: new Array(n).fill(0.1),
          activation: "relu",
        },
      ],
    });
    expect(image.length).toBeGreaterThan(WASM_CRC_MIN_BYTES);
    const row = Array.from({ length: n }, (_, i) => Math.sin(i));
    const want = Array.from(Model.load(image).predict(row));
    expect(want.some((v) => v > 0)).toBe(true);
    const rt = new Runtime();
    expect(Array.from(rt.load(image).predict(row))).toEqual(want);
    // A flip in the header's imageBytes is caught by that field's check first; elsewhere by the checksum.
    const crc = { field: "header.crc32", byteOffset: Header.crc32 };
    for (const [at, where] of [
      [Header.imageBytes, { field: "header.imageBytes", byteOffset: Header.imageBytes }],
      [100, crc],
      [image.length - 1, crc],
    ] as const) {
      const bad = image.slice();
      bad[at]! ^= 0x10;
      expect(() => rt.load(bad), `byte ${at}`).toThrow(expect.objectContaining(where));
      expect(() => rt.load(bad)).toThrow(FormatError);
      expect(() => inspect(bad)).toThrow(expect.objectContaining(where)); // the JavaScript checksum agrees
    }
    const flipped = image.slice();
    flipped[image.length - 1]! ^= 0x10; // a weight byte: only the checksum can tell
    expect(() => rt.load(flipped)).toThrow(expect.objectContaining({ field: "header.crc32", byteOffset: 8 }));
    expect(rt.models.size).toBe(1); // failed loads leave nothing behind
  });
});
