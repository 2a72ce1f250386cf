// CONV, POOL, BINARY, TRANSPOSE and PAD (ABI 4): what the reader accepts, and every field the
// kernels trust refused with its name and byte offset when it is wrong.
import { describe, expect, it } from "vitest";
import { Act, BINARY_MUL, Opcode, PoolMode, STEP_FLAG_CONV_DEPTHWISE } from "../../src/format/abi.js";
import { readImage } from "../../src/format/read.js";
import { describeStep } from "../../src/ops/index.js";
import { type ConvGeometry, packConv, padAux, poolAux, transposeAux } from "../../src/plan/conv.js";
import { expectRefused, fixCrc, oneStep, withField } from "./image.js";

const GEO: ConvGeometry = {
  C: 2,
  H: 4,
  W: 4,
  M: 3,
  OH: 2,
  OW: 2,
  KH: 3,
  KW: 3,
  SH: 1,
  SW: 1,
  PT: 0,
  PL: 0,
  DH: 1,
  DW: 1,
  G: 1,
};

const convImage = (g: ConvGeometry = GEO, act = Act.Relu) => {
  const w = new Float32Array(g.M * (g.C / g.G) * g.KH * g.KW).fill(0.5),
    b = new Float32Array(g.M).fill(1);
  const p = packConv(g, w, b);
  return oneStep({ opcode: Opcode.Conv, nIn: g.C * g.H * g.W, nOut: g.M * g.OH * g.OW, act, ...p });
};

/** The image with the i32 at `k` of the step's aux block set to `value`. */
function withAux(image: Uint8Array, k: number, value: number): Uint8Array {
  const bytes = image.slice();
  const aux = readImage(image).steps[0]!.aux;
  new DataView(bytes.buffer).setInt32(aux + 4 * k, value, true);
  return fixCrc(bytes);
}

describe("CONV", () => {
  it("loads; ABI 4; weights and bias counted once (not the lane padding); inspect names the activation", () => {
    const info = readImage(convImage());
    expect(info.abiVersion).toBe(4);
    expect(info.parameterCount).toBe(3 * 2 * 9 + 3);
    expect(describeStep(info.steps[0]!)).toBe("CONV         32 → 12    relu");
    const dw = readImage(convImage({ ...GEO, C: 3, M: 3, G: 3 }, Act.Clip)).steps[0]!;
    expect(dw.flags).toBe(STEP_FLAG_CONV_DEPTHWISE);
  });

  it.each([
    ["a row-wide activation", withField(convImage(), "act", Act.Softmax), "act", /unknown activation 5/],
    ["nIn ≠ C·H·W", withField(convImage(), "nIn", 31), "nIn", /is not C·H·W = 2·4·4/],
    ["nOut ≠ M·OH·OW", withField(convImage(), "nOut", 13), "nOut", /is not M·OH·OW = 3·2·2/],
    ["a zero stride", withAux(convImage(), 8, 0), "aux", /geometry SH = 0 is outside 1..2\^24/],
    ["a negative pad", withAux(convImage(), 10, -1), "aux", /geometry PT = -1/],
    ["groups that do not divide C", withAux(convImage(), 14, 3), "aux", /3 groups do not divide C 2 and M 3/],
    ["a kernel larger than the weights", withAux(convImage(), 6, 30), "w", /inside the weights/],
    ["aux past the end", withField(convImage(), "aux", convImage().length - 8), "aux", /inside the weights/],
    ["the depthwise flag on a dense conv", withField(convImage(), "flags", 1), "flags", /depthwise needs C = M = G/],
    ["scratch", withField(convImage(), "scratch", 16), "scratch", /must be zero/],
  ])("refuses %s", (_, bytes, field, message) => expectRefused(bytes, field as "w", message));
});

const POOL_G = { C: 4, H: 4, W: 4, OH: 2, OW: 2, KH: 2, KW: 2, SH: 2, SW: 2, PT: 0, PL: 0, DH: 1, DW: 1, PB: 0, PR: 0 };
const poolImage = (mode = PoolMode.Max) =>
  oneStep({ opcode: Opcode.Pool, nIn: 64, nOut: 16, act: mode, aux: poolAux(POOL_G) });

describe("POOL", () => {
  it("loads every mode; no parameters", () => {
    expect(describeStep(readImage(poolImage()).steps[0]!)).toBe("POOL         64 → 16    max");
    expect(describeStep(readImage(poolImage(PoolMode.AvgPad)).steps[0]!)).toBe(
      "POOL         64 → 16    average (pads counted)",
    );
    expect(readImage(poolImage(PoolMode.Avg)).parameterCount).toBe(0);
  });

  it.each([
    ["an unknown mode", withField(poolImage(), "act", 3), "act", /unknown pooling mode 3/],
    ["nOut ≠ C·OH·OW", withField(poolImage(), "nOut", 15), "nOut", /is not C·OH·OW/],
    ["a pad as wide as the window", withAux(poolImage(), 13, 2), "aux", /reach past the 2×2 window/],
    ["a window of more than 2^24 taps", withAux(withAux(poolImage(), 5, 8192), 6, 4096), "aux", /more than 2\^24 taps/],
    ["weights", withField(poolImage(), "w", 16), "w", /must be zero/],
  ])("refuses %s", (_, bytes, field, message) => expectRefused(bytes, field as "w", message));
});

describe("BINARY", () => {
  // Its second rows at the output rows' end: inside the arena, not in the input rows.
  const binImage = (flags = 0) => {
    const base = oneStep({ opcode: Opcode.Binary, nIn: 4, nOut: 4, flags });
    return withField(base, "aux", 32);
  };
  it("loads add and mul; in place; inspect names which", () => {
    expect(describeStep(readImage(binImage()).steps[0]!)).toBe("BINARY        4 → 4     add");
    expect(describeStep(readImage(binImage(BINARY_MUL)).steps[0]!)).toBe("BINARY        4 → 4     mul");
  });
  it.each([
    ["second rows in the input rows", withField(binImage(), "aux", 16), "aux", /reach into the input rows/],
    ["second rows past the arena", withField(binImage(), "aux", 4096), "aux", /inside the \d+-byte arena/],
    ["second rows not 4-aligned", withField(binImage(), "aux", 34), "aux", /4-aligned/],
    ["unknown flags", withField(binImage(), "flags", 2), "flags", /unknown flags 0x2 for BINARY/],
  ])("refuses %s", (_, bytes, field, message) => expectRefused(bytes, field as "w", message));
});

describe("TRANSPOSE and PAD", () => {
  const tImage = () => oneStep({ opcode: Opcode.Transpose, nIn: 6, nOut: 6, aux: transposeAux([2, 3], [1, 0]) });
  const pImage = () => oneStep({ opcode: Opcode.Pad, nIn: 6, nOut: 16, aux: padAux([2, 3], [1, 1], [1, 0]) });
  it("load", () => {
    expect(describeStep(readImage(tImage()).steps[0]!)).toBe("TRANSPOSE     6 → 6");
    expect(describeStep(readImage(pImage()).steps[0]!)).toBe("PAD           6 → 16");
  });
  it.each([
    ["transpose dims that do not hold the row", withAux(tImage(), 3, 4), "aux", /do not hold the row of 6/],
    ["transpose axes that are no permutation", withAux(tImage(), 7, 1), "aux", /not a permutation/],
    ["pads past the output", withAux(pImage(), 7, 3), "aux", /do not fit the output/],
    ["pad output dims that are not nOut", withField(pImage(), "nOut", 17), "aux", /do not fit the output/],
  ])("refuses %s", (_, bytes, field, message) => expectRefused(bytes, field as "w", message));
});
