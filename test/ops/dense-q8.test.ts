// DENSE_Q8: its aux layout, scratch, flags and ABI, and every load-time refusal naming its field.
import { describe, expect, it } from "vitest";
import {
  Act,
  Header,
  Opcode,
  STEP_FLAG_Q8_BF16_SCALES,
  STEP_FLAG_Q8_I16_INPUT,
  STEP_FLAG_Q8_NO_ROW_SUMS,
  STEP_FLAG_Q8_STATIC_INPUT,
} from "../../src/format/abi.js";
import { readImage } from "../../src/format/read.js";
import { denseQ8, i16Limit, q8AuxLayout, q8ScratchBytes } from "../../src/ops/dense-q8.js";
import { describeStep } from "../../src/ops/index.js";
import { expectRefused, fixCrc, NO_VIEW, oneStep, refusal, withField } from "./image.js";

const I16 = STEP_FLAG_Q8_I16_INPUT | STEP_FLAG_Q8_NO_ROW_SUMS;
const nIn = 3,
  nOut = 2;
/** Scratch after the input (2 rows of 3) and output (2 rows of 2) rows. */
const scratch = 4 * (2 * nIn + 2 * nOut);

function q8Image(flags = 0, { w = 1, zeroPoint = 0, scale = 0.5 } = {}): Uint8Array {
  const layout = q8AuxLayout(nOut, flags);
  const aux = new Uint8Array(layout.bytes);
  const view = new DataView(aux.buffer);
  if (flags & STEP_FLAG_Q8_STATIC_INPUT) {
    view.setFloat32(layout.inputOffset, scale, true);
    view.setInt32(layout.inputOffset + 4, zeroPoint, true);
  }
  return oneStep({
    opcode: Opcode.DenseQ8,
    act: Act.Relu,
    flags,
    nIn,
    nOut,
    w: new Int8Array(nIn * nOut).fill(w),
    b: new Float32Array(nOut),
    aux,
    scratch,
  });
}

describe("DENSE_Q8 layout", () => {
  it("aux: f32 or bf16 scales, row sums unless NO_ROW_SUMS, then the static scale and zero point", () => {
    expect(q8AuxLayout(3, 0)).toEqual({ scalesBytes: 12, rowSumsBytes: 12, inputOffset: 24, bytes: 24 });
    expect(q8AuxLayout(3, STEP_FLAG_Q8_BF16_SCALES | STEP_FLAG_Q8_STATIC_INPUT)).toEqual({
      scalesBytes: 8,
      rowSumsBytes: 12,
      inputOffset: 20,
      bytes: 28,
    });
    expect(q8AuxLayout(3, I16).bytes).toBe(12);
  });
  it("scratch: the uint8 row padded to 4 and its zero point; int16: two rows of align8(nIn), 32 and 4", () => {
    expect(q8ScratchBytes(5)).toBe(8 + 4);
    expect(q8ScratchBytes(5, I16)).toBe(2 * 2 * 8 + 32 + 4);
  });
  it("the int16 limit keeps nIn · limit · 127 below 2^31", () => {
    expect(i16Limit(1)).toBe(32767);
    expect(i16Limit(1000)).toBe(16909);
    expect(1000 * 16909 * 127).toBeLessThan(2 ** 31);
  });
});

describe("DENSE_Q8 steps", () => {
  it("ABI 1 without flags, 2 with static or int16 rows, 3 with bf16 scales or no row sums", () => {
    const abi = (flags: number) => denseQ8.minAbi({ opcode: Opcode.DenseQ8, act: 0, flags });
    expect([0, STEP_FLAG_Q8_STATIC_INPUT, STEP_FLAG_Q8_I16_INPUT, STEP_FLAG_Q8_BF16_SCALES, I16].map(abi)).toEqual([
      1, 2, 2, 3, 3,
    ]);
    expect(readImage(q8Image(I16)).abiVersion).toBe(3);
    expect(denseQ8.inPlace({ opcode: Opcode.DenseQ8, act: 0, flags: 0 })).toBe(false);
  });

  it("describes rows, scale and scales", () => {
    const s = readImage(q8Image(STEP_FLAG_Q8_STATIC_INPUT)).steps[0]!;
    expect(describeStep(s)).toBe("DENSE_Q8      3 → 2     relu (uint8 rows, static scale, f32 scales)");
    expect(describeStep({ ...s, act: Act.None, flags: I16 | STEP_FLAG_Q8_BF16_SCALES })).toBe(
      "DENSE_Q8      3 → 2      (int16 rows, dynamic, bf16 scales)",
    );
    expect(denseQ8.parameterCount(s, NO_VIEW)).toBe(nIn * nOut + nOut);
  });

  it.each([
    ["an unknown flag", withField(q8Image(), "flags", 16), "flags", /unknown flags 0x10 for DENSE_Q8/],
    ["no row sums for uint8 rows", q8Image(STEP_FLAG_Q8_NO_ROW_SUMS), "flags", /need their row sums/],
    ["a −128 weight with int16 rows", q8Image(I16, { w: -128 }), "w", /−127\.\.127; this step has −128/],
    ["a zero static scale", q8Image(STEP_FLAG_Q8_STATIC_INPUT, { scale: 0 }), "aux", /finite scale > 0/],
    ["a zero point of 256", q8Image(STEP_FLAG_Q8_STATIC_INPUT, { zeroPoint: 256 }), "aux", /zero point in 0\.\.255/],
    [
      "an int16 zero point",
      q8Image(I16 | STEP_FLAG_Q8_STATIC_INPUT, { zeroPoint: 3 }),
      "aux",
      /int16 rows are symmetric/,
    ],
    ["misaligned scratch", withField(q8Image(), "scratch", scratch + 2), "scratch", /4-aligned inside/],
    ["scratch past the arena", withField(q8Image(), "scratch", 4096), "scratch", /4-aligned inside/],
    ["scratch over the output rows", withField(q8Image(), "scratch", 4 * 2 * nIn), "scratch", /overlaps the step's/],
    ["scratch over the input rows", withField(q8Image(), "scratch", 0), "scratch", /overlaps the step's input/],
    ["a short aux", withField(q8Image(), "aux", q8Image().length - 8), "aux", /inside the weights/],
  ])("refuses %s, naming the field", (_, image, field, message) => expectRefused(image, field as "w", message));

  it("a −128 weight is fine for uint8 rows", () => {
    expect(readImage(q8Image(0, { w: -128 })).steps).toHaveLength(1);
  });

  it("a header ABI below the step's names the flags", () => {
    const image = q8Image(STEP_FLAG_Q8_BF16_SCALES);
    new DataView(image.buffer).setUint32(Header.abiVersion, 2, true);
    expectRefused(fixCrc(image), "flags", /needs kernel ABI 3, but the header says 2/);
    expect(refusal(fixCrc(image)).code).toBe("E_FORMAT");
  });
});
