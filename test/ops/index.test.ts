// The opcode table: one spec per opcode of the format, and the checks every step gets first.
import { describe, expect, it } from "vitest";
import { Opcode } from "../../src/format/abi.js";
import { describeStep, inPlace, isDense, minAbi, OPS, opName, opSpec } from "../../src/ops/index.js";
import { expectRefused, oneStep, withField } from "./image.js";

const opcodes = Object.entries(Opcode).filter(([, v]) => typeof v === "number") as Array<[string, number]>;

describe("OPS", () => {
  it("has one spec per opcode, named as the enum in capitals (DenseQ8 → DENSE_Q8)", () => {
    expect([...OPS.keys()].sort((a, b) => a - b)).toEqual(opcodes.map(([, v]) => v).sort((a, b) => a - b));
    for (const [key, value] of opcodes) {
      expect(opSpec(value)!.opcode).toBe(value);
      expect(opName(value)).toBe(key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase());
    }
    expect(opSpec(99)).toBeUndefined();
    expect(opName(99)).toBe("opcode 99");
  });

  it("the dense layers are DENSE, DENSE_NARROW and DENSE_Q8", () => {
    expect(opcodes.filter(([, v]) => isDense({ opcode: v })).map(([k]) => k)).toEqual([
      "Dense",
      "DenseQ8",
      "DenseNarrow",
    ]);
  });

  it("accessors ask the spec; an unknown opcode is an internal error, not a guess", () => {
    expect(minAbi({ opcode: Opcode.Quantize, act: 0, flags: 0 })).toBe(2);
    expect(inPlace({ opcode: Opcode.Act, act: 1, flags: 0 })).toBe(true);
    expect(() => minAbi({ opcode: 99 as Opcode, act: 0, flags: 0 })).toThrow(/unknown opcode 99/);
    expect(() => describeStep({ ...OPS_STEP, opcode: 0 as Opcode })).toThrow(/unknown opcode 0/);
  });
});

const OPS_STEP = {
  opcode: Opcode.Act,
  act: 0,
  flags: 0,
  src: 0,
  srcStride: 1,
  dst: 0,
  dstStride: 1,
  nIn: 1,
  nOut: 1,
  w: 0,
  b: 0,
  aux: 0,
  scratch: 0,
  alpha: 0,
  beta: 0,
};

describe("checks before the spec's own", () => {
  const image = () => oneStep({ opcode: Opcode.Act, nIn: 4, nOut: 4 });
  it.each([
    ["an unknown opcode", withField(image(), "opcode", 0), "opcode", /unknown opcode 0/],
    ["flags on an opcode without any", withField(image(), "flags", 2), "flags", /unknown flags 0x2 for ACT/],
    ["nIn of 0", withField(image(), "nIn", 0), "nIn", /outside 1\.\.2\^24/],
    ["nOut past 2^24", withField(image(), "nOut", 2 ** 24 + 1), "nOut", /outside 1\.\.2\^24/],
    ["a stride below the width", withField(image(), "dstStride", 3), "dstStride", /less than the row width 4/],
    // 2 rows 2^28 floats apart cannot fit in any arena this small: the stride is at fault, not dst.
    ["a huge stride", withField(image(), "dstStride", 2 ** 28), "dstStride", /more than the \d+-byte arena/],
    ["misaligned rows", withField(image(), "dst", 34), "dst", /not 4-aligned/],
  ])("refuses %s", (_, bytes, field, message) => expectRefused(bytes, field as "nIn", message));
});
