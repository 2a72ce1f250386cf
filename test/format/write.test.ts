// writeImage as the last line of defence: every u32 field that would not fit (or that the
// reader would refuse) is a SizeLimitError naming the field, before the image is allocated;
// never a value wrapped past 2^32 into a small one.
import { describe, expect, it } from "vitest";
import { MAX_ROW_FLOATS } from "../../src/format/abi.js";
import { readImage } from "../../src/format/read.js";
import { type PlannedImage, writeImage } from "../../src/format/write.js";
import { Opcode, SizeLimitError } from "../../src/index.js";

/** One ACT step, relu, over rows of `width` floats: input at 0, output after it. */
function relu(width: number, batchRows = 4): PlannedImage {
  const outputOffset = batchRows * width * 4;
  return {
    producer: "test",
    kind: "test",
    inputName: "x",
    inputLength: width,
    outputs: [{ name: "y", offset: 0, length: width }],
    outputLength: width,
    batchRows,
    arenaBytes: 2 * outputOffset,
    inputOffset: 0,
    outputOffset,
    steps: [
      {
        opcode: Opcode.Act,
        act: 1,
        flags: 0,
        src: 0,
        srcStride: width,
        dst: outputOffset,
        dstStride: width,
        nIn: width,
        nOut: width,
        scratch: 0,
        alpha: 0,
        beta: 0,
      },
    ],
  };
}

function refusal(p: PlannedImage): SizeLimitError {
  try {
    writeImage(p);
  } catch (e) {
    expect(e).toBeInstanceOf(SizeLimitError);
    return e as SizeLimitError;
  }
  throw new Error("written");
}

describe("writeImage", () => {
  it("writes a plan the reader loads", () => {
    expect(readImage(writeImage(relu(8))).steps[0]).toMatchObject({ nIn: 8, nOut: 8, dst: 128 });
  });

  it("refuses rows past 2^28 floats, whose byte counts would wrap a u32 to 0", () => {
    // 4 rows of 2^28 floats are 2^32 bytes: written as a u32 the arena would read as 0.
    const e = refusal(relu(2 ** 28));
    expect(e).toMatchObject({ code: "E_TOO_LARGE", what: "header.arenaBytes", size: 2 ** 33, limit: 2 ** 30 });
    expect(e.message).toBe("header.arenaBytes: 8589934592 bytes, more than the largest arena (1073741824)");
  });

  it("refuses an input row the reader would refuse, naming header.nInput", () => {
    const p = { ...relu(8), inputLength: 2 ** 26 + 1 };
    expect(refusal(p)).toMatchObject({ what: "header.nInput", size: 2 ** 26 + 1, limit: 2 ** 26, unit: "floats" });
  });

  it("refuses a step wider than 2^24 floats, naming the step's field", () => {
    const p = relu(8);
    p.steps[0]!.nOut = MAX_ROW_FLOATS + 1;
    expect(refusal(p)).toMatchObject({ what: "steps[0].nOut", size: 2 ** 24 + 1, limit: 2 ** 24 });
  });

  it("refuses an offset past 2^32, and one that is not a whole number", () => {
    const p = relu(8);
    p.steps[0]!.scratch = 2 ** 32;
    expect(refusal(p)).toMatchObject({ what: "steps[0].scratch", size: 2 ** 32, limit: 2 ** 32 - 1, unit: "bytes" });
    p.steps[0]!.scratch = 1.5;
    expect(refusal(p)).toMatchObject({ what: "steps[0].scratch", size: 1.5 });
  });

  it("refuses more rows per block than the reader takes", () => {
    expect(refusal({ ...relu(8), batchRows: 257 })).toMatchObject({ what: "header.batchRows", limit: 256 });
  });
});
