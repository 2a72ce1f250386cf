// ARGMAX, NORMALIZE and COPY: row-wise, no parameters; only NORMALIZE may run in place.
import { describe, expect, it } from "vitest";
import { Norm, Opcode } from "../../src/format/abi.js";
import { readImage } from "../../src/format/read.js";
import { describeStep } from "../../src/ops/index.js";
import { argmax, copy, normalize } from "../../src/ops/reduce.js";
import { expectRefused, NO_VIEW, oneStep, withField } from "./image.js";

const argmaxImage = () => oneStep({ opcode: Opcode.Argmax, nIn: 3, nOut: 1 });
const normImage = () => oneStep({ opcode: Opcode.Normalize, act: Norm.L2, nIn: 3, nOut: 3 });
const copyImage = () => oneStep({ opcode: Opcode.Copy, nIn: 3, nOut: 3 });

describe("ARGMAX", () => {
  it("loads; one value; nothing after its name", () => {
    const s = readImage(argmaxImage()).steps[0]!;
    expect([argmax.minAbi(s), argmax.inPlace(s), argmax.parameterCount(s, NO_VIEW)]).toEqual([1, false, 0]);
    expect(describeStep(s)).toBe("ARGMAX        3 → 1");
  });
  it.each([
    ["an act byte", withField(argmaxImage(), "act", 1), "act", /must be 0 for ARGMAX/],
    ["two outputs", withField(argmaxImage(), "nOut", 2), "nOut", /one value/],
    ["a bias", withField(argmaxImage(), "b", 16), "b", /must be zero/],
  ])("refuses %s", (_, image, field, message) => expectRefused(image, field as "b", message));
});

describe("NORMALIZE", () => {
  it("loads, in place too; the norm is its act byte", () => {
    const s = readImage(normImage()).steps[0]!;
    expect(readImage(withField(normImage(), "src", 24)).steps).toHaveLength(1);
    expect([normalize.actByte, normalize.inPlace(s)]).toEqual(["norm", true]);
    expect(describeStep(s)).toBe("NORMALIZE     3 → 3     l2");
    expect(describeStep({ ...s, act: Norm.Max })).toBe("NORMALIZE     3 → 3     max");
  });
  it.each([
    ["an unknown norm", withField(normImage(), "act", 3), "act", /unknown norm 3/],
    ["nOut ≠ nIn", withField(normImage(), "nOut", 1), "nOut", /must equal nIn/],
    ["scratch", withField(normImage(), "scratch", 4), "scratch", /must be zero/],
  ])("refuses %s", (_, image, field, message) => expectRefused(image, field as "act", message));
});

describe("COPY", () => {
  it("loads; not in place", () => {
    const s = readImage(copyImage()).steps[0]!;
    expect([copy.minAbi(s), copy.inPlace(s)]).toEqual([1, false]);
    expect(describeStep(s)).toBe("COPY          3 → 3");
  });
  it.each([
    ["an act byte", withField(copyImage(), "act", 2), "act", /must be 0 for COPY/],
    ["in place", withField(copyImage(), "src", 24), "dst", /overlap the input rows$/],
    ["nOut ≠ nIn", withField(copyImage(), "nOut", 2), "nOut", /must equal nIn/],
  ])("refuses %s", (_, image, field, message) => expectRefused(image, field as "act", message));
});
