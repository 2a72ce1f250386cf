// DENSE and DENSE_NARROW: what the reader accepts and refuses, and what the table says of them.
import { describe, expect, it } from "vitest";
import { Act, Opcode } from "../../src/format/abi.js";
import { readImage } from "../../src/format/read.js";
import { dense, denseNarrow } from "../../src/ops/dense.js";
import { describeStep } from "../../src/ops/index.js";
import { expectRefused, NO_VIEW, oneStep, withField } from "./image.js";

const f32 = (n: number) => new Float32Array(n).fill(0.5);
const denseImage = (act = Act.Relu) => oneStep({ opcode: Opcode.Dense, act, nIn: 3, nOut: 5, w: f32(15), b: f32(5) });
const narrowImage = () =>
  oneStep({ opcode: Opcode.DenseNarrow, act: Act.Sigmoid, nIn: 3, nOut: 2, w: f32(12), b: f32(4) });

describe("DENSE", () => {
  it("loads, needs ABI 1, never runs in place, counts W and b", () => {
    const s = readImage(denseImage()).steps[0]!;
    expect(dense.minAbi(s)).toBe(1);
    expect(dense.inPlace(s)).toBe(false);
    expect(dense.parameterCount(s, NO_VIEW)).toBe(15 + 5);
    expect(describeStep(s)).toBe("DENSE         3 → 5     relu");
    expect(describeStep({ ...s, act: Act.None })).toBe("DENSE         3 → 5");
  });

  it.each([
    ["an unknown activation", withField(denseImage(), "act", 42), "act", /unknown activation 42/],
    ["logistic_pair over 5 outputs", withField(denseImage(), "act", Act.LogisticPair), "act", /needs nOut = 2/],
    ["weights before the weights section", withField(denseImage(), "w", 16), "w", /inside the weights/],
    ["misaligned bias", withField(denseImage(), "b", readImage(denseImage()).steps[0]!.b + 2), "b", /4-aligned/],
    ["an aux tensor", withField(denseImage(), "aux", 16), "aux", /must be zero/],
    ["scratch", withField(denseImage(), "scratch", 16), "scratch", /must be zero/],
    ["step flags", withField(denseImage(), "flags", 1), "flags", /unknown flags 0x1 for DENSE/],
    ["in place", withField(withField(denseImage(), "src", 24), "srcStride", 5), "dst", /overlap the input rows$/],
  ])("refuses %s, naming the field", (_, image, field, message) => {
    expectRefused(image, field as "act", message);
  });
});

describe("DENSE_NARROW", () => {
  it("loads with [nIn][4] weights and a bias of 4", () => {
    const s = readImage(narrowImage()).steps[0]!;
    expect(denseNarrow.name).toBe("DENSE_NARROW");
    expect(denseNarrow.minAbi(s)).toBe(1);
    expect(denseNarrow.parameterCount(s, NO_VIEW)).toBe(3 * 2 + 2);
    expect(describeStep(s)).toBe("DENSE_NARROW     3 → 2     sigmoid");
  });

  it("refuses more than four outputs and a bias shorter than the four lanes", () => {
    expectRefused(withField(narrowImage(), "nOut", 5), "nOut", /more than the 4 lanes/);
    const short = oneStep({ opcode: Opcode.DenseNarrow, nIn: 3, nOut: 2, w: f32(12), b: f32(2) });
    expectRefused(short, "b", /inside the weights/);
  });
});

describe("non-finite f32 weights", () => {
  // The SIMD kernels skip zero inputs: with an Inf or NaN weight the builds would disagree (0 · Inf).
  it.each([
    ["DENSE, Inf", Opcode.Dense, 5, 7, Number.POSITIVE_INFINITY],
    ["DENSE, NaN", Opcode.Dense, 5, 0, Number.NaN],
    ["DENSE_NARROW, -Inf", Opcode.DenseNarrow, 2, 5, Number.NEGATIVE_INFINITY],
  ])("%s is refused, naming the weight and its byte offset", (_, opcode, nOut, at, bad) => {
    const nW = opcode === Opcode.Dense ? 3 * nOut : 12;
    const step = { opcode, nIn: 3, nOut, b: f32(opcode === Opcode.Dense ? nOut : 4) };
    const wOffset = readImage(oneStep({ ...step, w: f32(nW) })).steps[0]!.w;
    const w = f32(nW);
    w[at] = bad;
    expect(() => readImage(oneStep({ ...step, w }))).toThrow(
      expect.objectContaining({
        field: `steps[0].w[${at}]`,
        byteOffset: wOffset + 4 * at,
        message: expect.stringMatching(/must be finite/),
      }),
    );
  });
});
