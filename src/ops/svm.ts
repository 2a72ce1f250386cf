/**
 * SVM_KERNEL (ABI 4): y[j] = K(x, w[j]) for nOut support vectors of nIn features: ONNX-ML
 * SVMClassifier / SVMRegressor's kernel (act: linear, poly, rbf, sigmoid; alpha = gamma,
 * beta = coef0, flags = the poly degree). The dual coefficients are the DENSE step after it.
 */
import { Opcode, SVM_KERNEL_NAMES, SvmKernel } from "../format/abi.js";
import type { OpSpec } from "./spec.js";

/** The largest poly degree the kernel takes (a loop of multiplications per value). */
export const SVM_MAX_DEGREE = 64;

export const svmKernel: OpSpec = {
  opcode: Opcode.SvmKernel,
  name: "SVM_KERNEL",
  actByte: "svmKernel",
  acts: [SvmKernel.Linear, SvmKernel.Poly, SvmKernel.Rbf, SvmKernel.Sigmoid],
  flagBits: 0xffff,
  dense: false,
  minAbi: () => 4,
  inPlace: () => false,
  validate(s, v) {
    if (SVM_KERNEL_NAMES[s.act] === undefined) v.bad("act", `unknown SVM kernel ${s.act}`);
    if (s.flags > SVM_MAX_DEGREE) v.bad("flags", `poly degree ${s.flags} is above ${SVM_MAX_DEGREE}`);
    v.param("w", 4 * s.nIn * s.nOut);
    v.finite("w", s.nIn * s.nOut);
    v.unused("b", "aux", "scratch");
  },
  describe(s) {
    const k = s.act as number;
    const coef0 = k === SvmKernel.Poly || k === SvmKernel.Sigmoid ? ` coef0 ${s.beta}` : "";
    return `${SVM_KERNEL_NAMES[k]}${k === SvmKernel.Linear ? "" : ` gamma ${s.alpha}`}${coef0}${k === SvmKernel.Poly ? ` degree ${s.flags}` : ""}`;
  },
  parameterCount: (s) => s.nIn * s.nOut,
};

/** Scratch bytes SVM_PROB needs for k classes: r and Q (k × k each) and Qp (k), f32. */
export const svmProbScratchBytes = (k: number) => 4 * (2 * k * k + k);

/**
 * SVM_PROB (ABI 4): k = nOut class probabilities from the nIn = k(k−1)/2 one-vs-one decision
 * values, as libsvm's svm_predict_probability and onnxruntime's SVMClassifier compute them:
 * Platt per pair (w = prob_a, b = prob_b), then pairwise coupling. Scratch: svmProbScratchBytes.
 */
export const svmProb: OpSpec = {
  opcode: Opcode.SvmProb,
  name: "SVM_PROB",
  actByte: "none",
  acts: [0],
  flagBits: 0,
  dense: false,
  minAbi: () => 4,
  inPlace: () => false,
  validate(s, v) {
    if (s.act !== 0) v.bad("act", "must be 0 for SVM_PROB");
    if (s.nOut < 2 || s.nIn !== (s.nOut * (s.nOut - 1)) / 2)
      v.bad("nIn", `${s.nIn} decision values for ${s.nOut} classes (need k(k − 1)/2, k ≥ 2)`);
    v.param("w", 4 * s.nIn);
    v.param("b", 4 * s.nIn);
    v.unused("aux");
    v.scratch(svmProbScratchBytes(s.nOut));
  },
  describe: (s) => `${s.nOut} classes, pairwise coupling`,
  parameterCount: (s) => 2 * s.nIn,
};
