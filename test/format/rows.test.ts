// The rows-overlap test the reader runs on every step: exact (against comparing every pair of
// rows) and linear, so 100,000 steps of interleaved rows load at once.
import { describe, expect, it } from "vitest";
import { Opcode } from "../../src/format/abi.js";
import { readImage } from "../../src/format/read.js";
import { rowsOverlap } from "../../src/format/rows.js";
import { type PlannedStep, writeImage } from "../../src/format/write.js";
import { seeded } from "../helpers/rng.js";

/** The old check: every input row against every output row. */
function bruteForce(src: number, sS: number, nIn: number, dst: number, dS: number, nOut: number, nRows: number) {
  for (let r = 0; r < nRows; r++) {
    const a0 = src + r * sS * 4,
      a1 = a0 + nIn * 4;
    for (let q = 0; q < nRows; q++) {
      const b0 = dst + q * dS * 4,
        b1 = b0 + nOut * 4;
      if (a0 < b1 && b0 < a1) return true;
    }
  }
  return false;
}

describe("rowsOverlap", () => {
  it("agrees with comparing every pair on 20,000 random (offset, stride, width) cases", () => {
    const r = seeded("rows overlap");
    let overlapping = 0;
    for (let i = 0; i < 20000; i++) {
      const nRows = r.int(1, 12);
      const nIn = r.int(1, 6),
        nOut = r.int(1, 6);
      // strides at least the width (as the reader checks first), often equal, sometimes zero-gap
      const sS = nIn + r.int(0, 6),
        dS = nOut + r.int(0, 6);
      const src = 4 * r.int(0, 40),
        dst = 4 * r.int(0, 40);
      const args = [src, sS, nIn, dst, dS, nOut, nRows] as const;
      const expected = bruteForce(...args);
      expect(rowsOverlap(...args), JSON.stringify(args)).toBe(expected);
      if (expected) overlapping++;
    }
    // both answers well represented
    expect(overlapping).toBeGreaterThan(4000);
    expect(overlapping).toBeLessThan(16000);
  });

  it("interleaved rows: no overlap one float apart, overlap when a row widens by one", () => {
    // src rows at floats 0, 2, 4, …; dst rows at 1, 3, 5, …
    expect(rowsOverlap(0, 2, 1, 4, 2, 1, 256)).toBe(false);
    expect(rowsOverlap(0, 2, 2, 4, 2, 1, 256)).toBe(true);
    // dst rows only meet the last src row
    expect(rowsOverlap(0, 3, 1, 255 * 12, 3, 1, 256)).toBe(true);
    expect(rowsOverlap(0, 3, 1, 255 * 12 + 4, 3, 1, 256)).toBe(false);
  });
});

describe("a 100,000-step image of interleaved rows", () => {
  it("loads (the pairwise check took seconds here), and a step that does overlap is still found", () => {
    const batchRows = 256;
    const base = 4 * batchRows; // after the input rows (one float each)
    const step: PlannedStep = {
      opcode: Opcode.Copy,
      act: 0,
      flags: 0,
      src: base,
      srcStride: 2,
      dst: base + 4, // one float after each src row: interleaved
      dstStride: 2,
      nIn: 1,
      nOut: 1,
      scratch: 0,
      alpha: 0,
      beta: 0,
    };
    const plan = (steps: PlannedStep[]) =>
      writeImage({
        producer: "test",
        kind: "stress",
        inputName: "x",
        inputLength: 1,
        outputs: [{ name: "y", offset: 0, length: 1 }],
        outputLength: 1,
        batchRows,
        arenaBytes: base + 8 * batchRows + 4 * batchRows,
        inputOffset: 0,
        outputOffset: base + 8 * batchRows,
        steps,
      });
    const image = plan(Array.from({ length: 100_000 }, () => step));
    expect(image.length).toBeGreaterThan(5_000_000);
    expect(readImage(image).steps).toHaveLength(100_000);
    const bad = plan([...Array.from({ length: 99_999 }, () => step), { ...step, dst: base + 8 * 100 }]);
    expect(() => readImage(bad)).toThrow(/steps\[99999\]\.dst.*overlap the input rows/);
  });
});
