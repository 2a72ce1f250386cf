// AFFINE and ACT: element-wise, so exactly in place is legal and any other overlap is not.
import { describe, expect, it } from "vitest";
import { Act, Opcode } from "../../src/format/abi.js";
import { readImage } from "../../src/format/read.js";
import { act, affine } from "../../src/ops/elementwise.js";
import { describeStep } from "../../src/ops/index.js";
import { expectRefused, NO_VIEW, oneStep, withField } from "./image.js";

const f32 = (n: number) => new Float32Array(n).fill(0.5);
const affineImage = () => oneStep({ opcode: Opcode.Affine, act: Act.Tanh, nIn: 4, nOut: 4, w: f32(4), b: f32(4) });
const actImage = () => oneStep({ opcode: Opcode.Act, act: Act.LeakyRelu, alpha: 0.1, nIn: 4, nOut: 4 });
/** The step moved onto the output rows: src = dst, same stride (offset 32: after 2 input rows of 4). */
const inPlace = (image: Uint8Array) => withField(image, "src", 32);

describe("AFFINE", () => {
  it("loads, in place too; ABI 1; w and b count", () => {
    const s = readImage(affineImage()).steps[0]!;
    expect(readImage(inPlace(affineImage())).steps[0]!.src).toBe(32);
    expect([affine.minAbi(s), affine.inPlace(s), affine.parameterCount(s, NO_VIEW)]).toEqual([1, true, 8]);
    expect(describeStep(s)).toBe("AFFINE        4 → 4     tanh");
  });

  it.each([
    ["nOut ≠ nIn", withField(affineImage(), "nOut", 3), "nOut", /must equal nIn 4/],
    ["w past the end", withField(affineImage(), "w", affineImage().length - 8), "w", /inside the weights/],
    ["an aux tensor", withField(affineImage(), "aux", 48), "aux", /must be zero/],
    ["rows overlapping by one float", withField(affineImage(), "src", 36), "dst", /without being exactly in place/],
  ])("refuses %s", (_, image, field, message) => expectRefused(image, field as "w", message));
});

describe("ACT", () => {
  it("loads, in place too; no parameters", () => {
    const s = readImage(actImage()).steps[0]!;
    expect(readImage(inPlace(actImage())).steps).toHaveLength(1);
    expect([act.minAbi(s), act.inPlace(s), act.parameterCount(s, NO_VIEW)]).toEqual([1, true, 0]);
    expect(describeStep(s)).toBe("ACT           4 → 4     leaky_relu");
  });

  it.each([
    ["weights", withField(actImage(), "w", 16), "w", /must be zero/],
    ["an unknown activation", withField(actImage(), "act", 99), "act", /unknown activation 99/],
    ["an ABI 4 activation under an ABI 1 header", withField(actImage(), "act", Act.Clip), "act", /needs kernel ABI 4/],
    ["nOut ≠ nIn", withField(actImage(), "nOut", 2), "nOut", /must equal nIn/],
  ])("refuses %s", (_, image, field, message) => expectRefused(image, field as "w", message));
});

describe("the ABI 4 activations (clip, softplus, abs, softmax_zero, probit)", () => {
  it.each([
    [Act.Clip, "clip [0, 6]"],
    [Act.Softplus, "softplus"],
    [Act.Abs, "abs"],
    [Act.SoftmaxZero, "softmax_zero"],
    [Act.Probit, "probit"],
  ])("act %i: the step and the image need ABI 4; inspect says %s", (a, text) => {
    const image = oneStep({ opcode: Opcode.Act, act: a, alpha: 0, beta: a === Act.Clip ? 6 : 0, nIn: 4, nOut: 4 });
    const info = readImage(image);
    expect([act.minAbi(info.steps[0]!), info.abiVersion]).toEqual([4, 4]);
    expect(describeStep(info.steps[0]!)).toBe(`ACT           4 → 4     ${text}`);
  });

  it("every other activation keeps ABI 1, so the images made before ABI 4 stay the same", () => {
    for (const a of [Act.None, Act.Relu, Act.LeakyRelu, Act.Sigmoid, Act.Tanh, Act.HardSigmoid, Act.Softmax])
      expect(readImage(oneStep({ opcode: Opcode.Act, act: a, nIn: 4, nOut: 4 })).abiVersion).toBe(1);
  });
});
