// QUANTIZE: the mode in the act byte decides the shape, the parameters and whether it may run in place.
import { describe, expect, it } from "vitest";
import { Header, Opcode, QuantMode } from "../../src/format/abi.js";
import { readImage } from "../../src/format/read.js";
import { describeStep } from "../../src/ops/index.js";
import { quantize } from "../../src/ops/quantize.js";
import { expectRefused, fixCrc, oneStep, withField } from "./image.js";

const divide = (mode = QuantMode.Divide) =>
  oneStep({
    opcode: Opcode.Quantize,
    act: mode,
    nIn: 3,
    nOut: 3,
    w: Float32Array.of(0.5, 0.5, 0.5),
    b: new Float32Array(3),
    alpha: -128,
    beta: 127,
  });
const dynamic = (mode: QuantMode, nOut: number) => oneStep({ opcode: Opcode.Quantize, act: mode, nIn: 3, nOut });
const head = (act: number) => ({ opcode: Opcode.Quantize, act, flags: 0 });

describe("QUANTIZE", () => {
  it("needs ABI 2; the element-wise modes may run in place, the dynamic ones not", () => {
    expect(readImage(divide()).abiVersion).toBe(2);
    expect(
      [QuantMode.Divide, QuantMode.Multiply, QuantMode.DynamicValues, QuantMode.DynamicScale].map((m) =>
        quantize.inPlace(head(m)),
      ),
    ).toEqual([true, true, false, false]);
    expect(quantize.minAbi(head(QuantMode.Divide))).toBe(2);
    expect(readImage(withField(divide(), "src", 24)).steps).toHaveLength(1);
    expectRefused(
      withField(dynamic(QuantMode.DynamicValues, 3), "src", 24),
      "dst",
      /output rows overlap the input rows$/,
    );
  });

  it("describes the mode", () => {
    expect(describeStep(readImage(divide(QuantMode.Multiply)).steps[0]!)).toBe("QUANTIZE      3 → 3     multiply");
    expect(describeStep(readImage(dynamic(QuantMode.DynamicScale, 1)).steps[0]!)).toBe(
      "QUANTIZE      3 → 1     dynamic_scale",
    );
  });

  it.each([
    ["an unknown mode", withField(divide(), "act", 7), "act", /unknown quantization mode 7/],
    ["fractional bounds", withField(divide(), "alpha", -1.5), "alpha", /must be integers/],
    ["bounds low > high", withField(divide(), "alpha", 200), "alpha", /low ≤ high/],
    ["a dynamic scale of two values", dynamic(QuantMode.DynamicScale, 2), "nOut", /one value/],
    ["dynamic values with weights", withField(dynamic(QuantMode.DynamicValues, 3), "w", 16), "w", /must be zero/],
    ["divide, nOut ≠ nIn", withField(divide(), "nOut", 2), "nOut", /must equal nIn/],
  ])("refuses %s", (_, image, field, message) => expectRefused(image, field as "w", message));

  it("under a header of ABI 1 names the opcode", () => {
    const image = divide();
    new DataView(image.buffer).setUint32(Header.abiVersion, 1, true);
    expectRefused(fixCrc(image), "opcode", /needs kernel ABI 2, but the header says 1/);
  });
});
