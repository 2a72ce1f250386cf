// Whole reads of files and streams: bounded whatever the stream holds.
import { describe, expect, it } from "vitest";
import { SizeLimitError } from "../../src/index.js";
import { StreamBytes } from "../../src/io/files.js";

describe("StreamBytes", () => {
  const chunk = (n: number, v = 1) => new Uint8Array(n).fill(v);

  it("gathers the chunks of a stream that ends", () => {
    const s = new StreamBytes("stdin", 100);
    expect(s.add(chunk(30, 1))).toBe(true);
    expect(s.add(chunk(20, 2))).toBe(true);
    const b = s.bytes();
    expect(b.length).toBe(50);
    expect([b[0], b[29], b[30], b[49]]).toEqual([1, 1, 2, 2]);
  });

  it("refuses a stream past maxBytes with a SizeLimitError naming it", () => {
    const s = new StreamBytes("/dev/zero", 100);
    expect(s.add(chunk(64))).toBe(true);
    expect(() => s.add(chunk(64))).toThrow(SizeLimitError);
    expect(() => new StreamBytes("/dev/zero", 100).add(chunk(101))).toThrow(/\/dev\/zero: 101 bytes, more than/);
  });

  it("stops at the length lengthOf gives from the first 80 bytes, past maxBytes or not", () => {
    const s = new StreamBytes("stdin", 1000, (head) => (head[0] === 7 ? 90 : undefined));
    expect(s.add(chunk(40, 7))).toBe(true);
    expect(s.add(chunk(60, 7))).toBe(false);
    expect(s.bytes().length).toBe(90);
    const t = new StreamBytes("stdin", 100, () => undefined);
    expect(t.add(chunk(100))).toBe(true);
    expect(() => t.add(chunk(1))).toThrow(SizeLimitError);
  });
});
