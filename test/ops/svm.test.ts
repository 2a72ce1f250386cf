// SVM_KERNEL: ABI 4, w = nOut support vectors of nIn finite values, act = the kernel, flags = the
// poly degree (at most SVM_MAX_DEGREE).
import { describe, expect, it } from "vitest";
import { Opcode, SvmKernel } from "../../src/format/abi.js";
import { readImage } from "../../src/format/read.js";
import { describeStep } from "../../src/ops/index.js";
import { SVM_MAX_DEGREE, svmKernel, svmProbScratchBytes } from "../../src/ops/svm.js";
import { expectRefused, NO_VIEW, oneStep, withField } from "./image.js";

const image = (act = SvmKernel.Rbf, flags = 3) =>
  oneStep({
    opcode: Opcode.SvmKernel,
    nIn: 2,
    nOut: 3,
    w: Float32Array.of(1, 2, 3, 4, 5, 6),
    act,
    alpha: 0.5,
    beta: 1,
    flags,
  });

describe("SVM_KERNEL", () => {
  it("loads every kernel: ABI 4, not in place, nIn × nOut parameters; inspect names the kernel", () => {
    const s = readImage(image()).steps[0]!;
    expect([svmKernel.minAbi(s), svmKernel.inPlace(s), svmKernel.parameterCount(s, NO_VIEW)]).toEqual([4, false, 6]);
    expect(
      [SvmKernel.Linear, SvmKernel.Poly, SvmKernel.Rbf, SvmKernel.Sigmoid].map((k) =>
        describeStep(readImage(image(k)).steps[0]!),
      ),
    ).toEqual([
      "SVM_KERNEL     2 → 3     linear",
      "SVM_KERNEL     2 → 3     poly gamma 0.5 coef0 1 degree 3",
      "SVM_KERNEL     2 → 3     rbf gamma 0.5",
      "SVM_KERNEL     2 → 3     sigmoid gamma 0.5 coef0 1",
    ]);
  });

  it.each([
    ["an unknown kernel", withField(image(), "act", 4), "act", /unknown SVM kernel 4/],
    ["a degree past the limit", withField(image(), "flags", SVM_MAX_DEGREE + 1), "flags", /poly degree 65/],
    ["support vectors past the end", withField(image(), "w", image().length - 8), "w", /inside the weights/],
    ["an aux tensor", withField(image(), "aux", 16), "aux", /must be zero/],
  ])("refuses %s", (_, bytes, field, message) => expectRefused(bytes, field as "w", message));

  it("refuses a support vector that is not finite, naming w[i]", () => {
    const bytes = oneStep({ opcode: Opcode.SvmKernel, nIn: 2, nOut: 1, w: Float32Array.of(1, Infinity) });
    expect(() => readImage(bytes)).toThrow(/steps\[0\]\.w\[1\].*must be finite/);
  });
});

describe("SVM_PROB", () => {
  const prob = (nIn = 3, nOut = 3) =>
    oneStep({
      opcode: Opcode.SvmProb,
      nIn,
      nOut,
      w: Float32Array.of(-1, -2, -3),
      b: Float32Array.of(0, 0.5, 1),
      scratch: 0,
    });
  // oneStep leaves 64 spare arena bytes at the end; the scratch of 3 classes is 84: place it after the rows.
  const placed = (bytes: Uint8Array, at: number) => withField(bytes, "scratch", at);

  it("needs k(k − 1)/2 decision values and (2k² + k) f32 of scratch inside the arena", () => {
    expect(svmProbScratchBytes(3)).toBe(84);
    expectRefused(prob(2, 3), "nIn", /2 decision values for 3 classes/);
    expectRefused(placed(prob(), 1 << 20), "scratch", /not 4-aligned inside the/);
  });
});
