// IMPUTE: element-wise (in place legal), ABI 4, w = nIn imputed values, alpha = the replaced value.
import { describe, expect, it } from "vitest";
import { Header, Opcode } from "../../src/format/abi.js";
import { readImage } from "../../src/format/read.js";
import { impute } from "../../src/ops/impute.js";
import { describeStep } from "../../src/ops/index.js";
import { expectRefused, fixCrc, NO_VIEW, oneStep, withField } from "./image.js";

const image = (alpha = NaN) =>
  oneStep({ opcode: Opcode.Impute, nIn: 4, nOut: 4, w: Float32Array.of(1, 2, 3, 4), alpha });

describe("IMPUTE", () => {
  it("loads, in place too; ABI 4; one parameter per feature; a NaN replaced value is legal", () => {
    const info = readImage(image());
    const s = info.steps[0]!;
    expect(readImage(withField(image(), "src", 32)).steps[0]!.src).toBe(32); // onto the output rows
    expect([impute.minAbi(s), info.abiVersion, impute.inPlace(s), impute.parameterCount(s, NO_VIEW)]).toEqual([
      4,
      4,
      true,
      4,
    ]);
    expect(Number.isNaN(s.alpha)).toBe(true);
    expect(describeStep(s)).toBe("IMPUTE        4 → 4     replaces NaN");
    expect(describeStep(readImage(image(-1)).steps[0]!)).toBe("IMPUTE        4 → 4     replaces -1");
  });

  it.each([
    ["an act byte", withField(image(), "act", 1), "act", /must be 0 for IMPUTE/],
    ["nOut ≠ nIn", withField(image(), "nOut", 3), "nOut", /must equal nIn 4/],
    ["imputed values past the end", withField(image(), "w", image().length - 8), "w", /inside the weights/],
    ["imputed values not 4-aligned", withField(image(), "w", image().length - 18), "w", /4-aligned/],
    ["a b tensor", withField(image(), "b", 16), "b", /must be zero/],
    ["an aux tensor", withField(image(), "aux", 16), "aux", /must be zero/],
    ["scratch", withField(image(), "scratch", 16), "scratch", /must be zero/],
    ["flags", withField(image(), "flags", 1), "flags", /unknown flags 0x1 for IMPUTE/],
    ["rows overlapping by one float", withField(image(), "src", 36), "dst", /without being exactly in place/],
  ])("refuses %s", (_, bytes, field, message) => expectRefused(bytes, field as "w", message));

  it("refuses an ABI 1 header, naming the opcode", () => {
    const bytes = image().slice();
    new DataView(bytes.buffer).setUint32(Header.abiVersion, 1, true);
    expectRefused(fixCrc(bytes), "opcode", /needs kernel ABI 4, but the header says 1/);
  });
});
