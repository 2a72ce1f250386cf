// ONE_HOT: ABI 4, nOut a whole number of categories per input, w = the categories; flags bit 0
// (an unknown value gives NaN) is the only flag.
import { describe, expect, it } from "vitest";
import { Opcode, STEP_FLAG_ONEHOT_NAN_UNKNOWN } from "../../src/format/abi.js";
import { readImage } from "../../src/format/read.js";
import { describeStep } from "../../src/ops/index.js";
import { oneHot } from "../../src/ops/onehot.js";
import { expectRefused, NO_VIEW, oneStep, withField } from "./image.js";

const image = (flags = 0) => oneStep({ opcode: Opcode.OneHot, nIn: 2, nOut: 6, w: Float32Array.of(1, 2, 5), flags });

describe("ONE_HOT", () => {
  it("loads: ABI 4, not in place, one parameter per category", () => {
    const s = readImage(image()).steps[0]!;
    expect([oneHot.minAbi(s), oneHot.inPlace(s), oneHot.parameterCount(s, NO_VIEW)]).toEqual([4, false, 3]);
    expect(describeStep(s)).toBe("ONE_HOT       2 → 6     3 categories");
    expect(describeStep(readImage(image(STEP_FLAG_ONEHOT_NAN_UNKNOWN)).steps[0]!)).toBe(
      "ONE_HOT       2 → 6     3 categories, unknown gives NaN",
    );
  });

  it.each([
    ["nOut not a multiple of nIn", withField(image(), "nOut", 5), "nOut", /not a whole number of categories/],
    ["an act byte", withField(image(), "act", 1), "act", /must be 0 for ONE_HOT/],
    ["categories past the end", withField(image(), "w", image().length - 8), "w", /inside the weights/],
    ["a b tensor", withField(image(), "b", 16), "b", /must be zero/],
    ["an unknown flag", withField(image(), "flags", 2), "flags", /unknown flags 0x2 for ONE_HOT/],
  ])("refuses %s", (_, bytes, field, message) => expectRefused(bytes, field as "w", message));
});
