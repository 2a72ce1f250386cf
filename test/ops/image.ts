// One-step images crafted field by field, and the refusal a patched field gets, for the op tests.
import { expect } from "vitest";
import { HEADER_BYTES, Header, OUTPUT_RECORD_BYTES, STEP_BYTES, Step, type StepField } from "../../src/format/abi.js";
import { crc32 } from "../../src/format/crc32.js";
import { readImage } from "../../src/format/read.js";
import { type PlannedStep, writeImage } from "../../src/format/write.js";
import { FormatError } from "../../src/index.js";

/** Byte offset of a field of the only step (one output record precedes the steps). */
export const stepAt = (f: StepField) => HEADER_BYTES + OUTPUT_RECORD_BYTES + Step[f];

/**
 * An image of one step reading nIn floats at arena 0 and writing nOut after them, 2 rows a
 * block, with 64 spare arena bytes (for scratch) at the end.
 */
export function oneStep(step: Partial<PlannedStep> & Pick<PlannedStep, "opcode" | "nIn" | "nOut">): Uint8Array {
  const batchRows = 2;
  const outputOffset = batchRows * step.nIn * 4;
  const arenaBytes = Math.ceil((outputOffset + batchRows * step.nOut * 4 + 64) / 16) * 16;
  const image = writeImage({
    producer: "test",
    kind: "op",
    inputName: "x",
    inputLength: step.nIn,
    outputs: [{ name: "y", offset: 0, length: step.nOut }],
    outputLength: step.nOut,
    batchRows,
    arenaBytes,
    inputOffset: 0,
    outputOffset,
    steps: [
      {
        act: 0,
        flags: 0,
        src: 0,
        srcStride: step.nIn,
        dst: outputOffset,
        dstStride: step.nOut,
        scratch: 0,
        alpha: 0,
        beta: 0,
        ...step,
      },
    ],
  });
  expect(new DataView(image.buffer).getUint32(Header.stepsOffset, true)).toBe(HEADER_BYTES + OUTPUT_RECORD_BYTES);
  expect(STEP_BYTES).toBe(52);
  return image;
}

/** A copy with the step's field set (u8, u16 or u32 as the record stores it) and the checksum made right. */
export function withField(image: Uint8Array, f: StepField, value: number): Uint8Array {
  const b = image.slice();
  const v = new DataView(b.buffer);
  if (f === "opcode" || f === "act") v.setUint8(stepAt(f), value);
  else if (f === "flags") v.setUint16(stepAt(f), value, true);
  else if (f === "alpha" || f === "beta") v.setFloat32(stepAt(f), value, true);
  else v.setUint32(stepAt(f), value >>> 0, true);
  return fixCrc(b);
}

export function fixCrc(b: Uint8Array): Uint8Array {
  new DataView(b.buffer, b.byteOffset).setUint32(Header.crc32, crc32(b, 12), true);
  return b;
}

/** The FormatError an image gets at load (fails the test if it loads). */
export function refusal(image: Uint8Array): FormatError {
  try {
    readImage(image);
  } catch (e) {
    if (e instanceof FormatError) return e;
    throw e;
  }
  throw new Error("the image was accepted");
}

/** Expects the image to be refused naming steps[0].field at its byte offset, with a message matching. */
export function expectRefused(image: Uint8Array, f: StepField | "shape", message: RegExp): void {
  const e = refusal(image);
  expect(e.field).toBe(`steps[0].${f}`);
  expect(e.byteOffset).toBe(f === "shape" ? stepAt("opcode") : stepAt(f));
  expect(e.message).toMatch(message);
}

/** For specs whose parameterCount reads nothing from the image. */
export const NO_VIEW = new DataView(new ArrayBuffer(0));
