/**
 * ai.onnx.ml SVMClassifier and SVMRegressor as skl2onnx writes scikit-learn's SVC, NuSVC, SVR
 * and NuSVR: an SVM_KERNEL step (the kernel values against every support vector), then dense
 * layers for what onnxruntime computes from them: the regression value (dual coefficients ·
 * kernels + rho), or the classifier's one-vs-one decision values, its votes (each decision
 * binarized, summed per class by a dense layer: exact small integers) and the label (argmax of
 * the votes, the first on ties, as libsvm and onnxruntime take it), its two-class scores [−d, d],
 * or, with prob_a and prob_b, the probabilities (an SVM_PROB step: Platt and pairwise coupling).
 */

import { Act, Opcode, SvmKernel } from "../../format/abi.js";
import type { Label } from "../../format/types.js";
import type { IrValue } from "../../graph/ir.js";
import { type OnnxContext, prod, type Sym } from "../context.js";
import { ML, type OnnxOpRegistry } from "../registry.js";

/** Scratch bytes of SVM_PROB for k classes (src/ops/svm.ts; importers may not import src/ops). */
const svmProbScratchBytes = (k: number) => 4 * (2 * k * k + k);

/** The largest poly degree (src/ops/svm.ts SVM_MAX_DEGREE). */
const MAX_DEGREE = 64;

export function register(reg: OnnxOpRegistry): void {
  const ml = { domain: ML, sinceOpset: 1, batchFree: true } as const;
  reg.add({ ...ml, opType: "SVMRegressor", lower: (ctx) => [svmRegressor(ctx)] });
  reg.add({ ...ml, opType: "SVMClassifier", lower: (ctx) => svmClassifier(ctx) });
}

const KERNELS: Record<string, SvmKernel> = {
  LINEAR: SvmKernel.Linear,
  POLY: SvmKernel.Poly,
  RBF: SvmKernel.Rbf,
  SIGMOID: SvmKernel.Sigmoid,
};

/** The kernel values of the row against the nVectors support vectors (an SVM_KERNEL step). */
function kernels(ctx: OnnxContext, x: IrValue, nIn: number, nVectors: number): IrValue {
  const name = ctx.attr("kernel_type", "LINEAR");
  const kind = KERNELS[name];
  if (kind === undefined) ctx.refuse(`kernel_type ${JSON.stringify(name)} is not LINEAR, POLY, RBF or SIGMOID`);
  const [gamma = 0, coef0 = 0, degree = 0] = ctx.floats("kernel_params");
  if (kind === SvmKernel.Poly && !(Number.isInteger(degree) && degree >= 0 && degree <= MAX_DEGREE))
    ctx.refuse(`poly degree ${degree} is not an integer in 0..${MAX_DEGREE}`);
  const sv = ctx.floats("support_vectors");
  if (sv.length !== nVectors * nIn)
    ctx.refuse(`${sv.length} support_vectors values for ${nVectors} vectors of ${nIn} features`);
  ctx.reserve(sv.length, "support_vectors");
  ctx.finiteWeights(sv, nIn);
  return ctx.graph.op(x, {
    opcode: Opcode.SvmKernel,
    act: kind,
    alpha: Math.fround(gamma),
    beta: Math.fround(coef0),
    flags: kind === SvmKernel.Poly ? degree : 0,
    w: Float64Array.from(sv),
    shape: [nVectors],
  });
}

function postNone(ctx: OnnxContext): void {
  const post = ctx.attr("post_transform", "NONE");
  if (post !== "NONE") ctx.refuse(`post_transform ${post} is not supported (skl2onnx writes NONE)`);
}

function svmRegressor(ctx: OnnxContext): Sym {
  postNone(ctx);
  const x = ctx.row(0, true);
  const f = prod(x.shape);
  const coef = ctx.floats("coefficients"),
    rho = ctx.floats("rho");
  const nSupports = ctx.attr("n_supports", 0);
  if (rho.length !== 1) ctx.refuse(`${rho.length} rho values (one expected)`);
  let y: IrValue;
  if (nSupports === 0) {
    // No support vectors: the coefficients are a linear model of the features.
    if (coef.length !== f) ctx.refuse(`${coef.length} coefficients for ${f} features (no support vectors)`);
    ctx.finiteWeights(coef, f);
    y = ctx.graph.dense(x.v, Float64Array.from(coef), Float64Array.of(rho[0]!), f, 1);
  } else {
    if (coef.length !== nSupports) ctx.refuse(`${coef.length} coefficients for ${nSupports} support vectors`);
    const k = kernels(ctx, x.v, f, nSupports);
    y = ctx.graph.dense(k, Float64Array.from(coef), Float64Array.of(rho[0]!), nSupports, 1);
  }
  if (ctx.attr("one_class", 0) !== 0) {
    // One-class: +1 when the value is positive, else −1.
    const positive = ctx.graph.act(y, Act.Binarize, 0, 0);
    y = ctx.graph.affine(positive, Float64Array.of(2), Float64Array.of(-1));
  }
  return { kind: "row", v: y, shape: [1] };
}

function svmClassifier(ctx: OnnxContext): Array<Sym | undefined> {
  postNone(ctx);
  const x = ctx.row(0, true);
  const f = prod(x.shape);
  const labels: Label[] =
    (ctx.node.attrs.get("classlabels_ints") as number[] | undefined) ??
    (ctx.node.attrs.get("classlabels_strings") as string[] | undefined) ??
    [];
  const nClasses = labels.length;
  if (nClasses < 2) ctx.refuse(`${nClasses} class labels (at least 2 needed)`);
  const perClass = ctx.intsAttr("vectors_per_class") ?? [];
  if (perClass.length === 0)
    ctx.refuse(
      "no vectors_per_class: the linear (liblinear) form is not supported; skl2onnx writes LinearSVC as a LinearClassifier",
    );
  if (perClass.length !== nClasses) ctx.refuse(`${perClass.length} vectors_per_class for ${nClasses} classes`);
  const nVectors = perClass.reduce((a, b) => a + b, 0);
  const start = perClass.map((_, c) => perClass.slice(0, c).reduce((a, b) => a + b, 0));
  const nPairs = (nClasses * (nClasses - 1)) / 2;
  const coef = ctx.floats("coefficients"),
    rho = ctx.floats("rho");
  if (coef.length !== (nClasses - 1) * nVectors)
    ctx.refuse(`${coef.length} coefficients for ${nClasses - 1} rows of ${nVectors} support vectors`);
  if (rho.length !== nPairs) ctx.refuse(`${rho.length} rho values for ${nPairs} class pairs`);
  const probA = ctx.floats("prob_a"),
    probB = ctx.floats("prob_b");
  if (probA.length !== probB.length) ctx.refuse(`${probA.length} prob_a for ${probB.length} prob_b values`);
  if (probA.length > 0 && probA.length !== nPairs)
    ctx.refuse(`${probA.length} prob_a values for ${nPairs} class pairs`);

  const k = kernels(ctx, x.v, f, nVectors);
  // The decision value of pair (i, j): class i's vectors with coefficient row j − 1, class j's
  // with row i, plus rho (onnxruntime's svmclassifier.cc); positive votes for i.
  ctx.reserve(nPairs * nVectors + nClasses * nPairs, "the pairwise decision and vote layers");
  const w = new Float64Array(nPairs * nVectors),
    votesW = new Float64Array(nClasses * nPairs),
    votesB = new Float64Array(nClasses);
  let p = 0;
  for (let i = 0; i < nClasses - 1; i++)
    for (let j = i + 1; j < nClasses; j++, p++) {
      for (let m = 0; m < perClass[i]!; m++)
        w[p * nVectors + start[i]! + m] = coef[(j - 1) * nVectors + start[i]! + m]!;
      for (let m = 0; m < perClass[j]!; m++) w[p * nVectors + start[j]! + m] = coef[i * nVectors + start[j]! + m]!;
      votesW[i * nPairs + p] = 1; // d > 0: a vote for i
      votesW[j * nPairs + p] = -1; // else for j: 1 − [d > 0]
      votesB[j]! += 1;
    }
  ctx.finiteWeights(w, nVectors);
  const d = ctx.graph.dense(k, w, Float64Array.from(rho), nVectors, nPairs);
  const positive = ctx.graph.act(d, Act.Binarize, 0, 0);
  const votes = ctx.graph.dense(positive, votesW, votesB, nPairs, nClasses);
  const label: Sym = { kind: "row", v: ctx.graph.argmax(votes), shape: [], labels, index: true };
  let scores: Sym;
  if (probA.length > 0) {
    // Platt per pair and libsvm's pairwise coupling (an SVM_PROB step): predict_proba.
    const v = ctx.graph.op(d, {
      opcode: Opcode.SvmProb,
      w: Float64Array.from(probA),
      b: Float64Array.from(probB),
      scratchBytes: svmProbScratchBytes(nClasses),
      shape: [nClasses],
    });
    scores = { kind: "row", v, shape: [nClasses], labels };
  } else if (nClasses === 2) {
    // onnxruntime's two scores for one decision value: [−d, d].
    scores = {
      kind: "row",
      v: ctx.graph.dense(d, Float64Array.of(-1, 1), Float64Array.of(0, 0), 1, 2),
      shape: [2],
      labels,
    };
  } else {
    scores = { kind: "row", v: d, shape: [nPairs] }; // one per class pair: no class labels
  }
  return [label, scores];
}
