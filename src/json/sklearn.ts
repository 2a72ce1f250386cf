/**
 * JSON "as scikit-learn names it": a plain dump of an estimator's fitted attributes,
 * `{"estimator": "LogisticRegression", "coef_": …, "intercept_": …, "classes_": …}`, becomes
 * an edgeinfer JSON model (docs/json-models.md). What a user writes is
 * `{"estimator": type(m).__name__, **{k: v.tolist() for k, v in vars(m).items() if k.endswith("_")}}`;
 * a Pipeline is `{"estimator": "Pipeline", "steps": [<dump>, …]}`. Every attribute is checked
 * by the JSON importer and a bad one named by its scikit-learn path (sklearnPath); one that is
 * not understood is refused by name, the statistics scikit-learn keeps beside them are ignored.
 */

import { ModelSpecError } from "../errors.js";
import type { JsonModel } from "./import.js";

type Dump = Record<string, unknown>;

const isObject = (v: unknown): v is Dump => typeof v === "object" && v !== null && !Array.isArray(v);

/** Fitted attributes that do not change predictions (training statistics). */
const IGNORED = new Set([
  "n_features_in_",
  "n_iter_",
  "n_outputs_",
  "n_layers_",
  "loss_",
  "best_loss_",
  "loss_curve_",
  "validation_scores_",
  "best_validation_score_",
  "t_",
  "n_samples_seen_",
  "var_",
  "rank_",
  "singular_",
  "dual_gap_",
  "solver_",
]);

const LINEAR = new Set(["LinearRegression", "Ridge", "RidgeCV", "Lasso", "LassoCV", "ElasticNet", "ElasticNetCV"]);
const HYPER = ["activation", "multi_class", "solver"]; // hyperparameters read when given

/** Is this JSON a scikit-learn dump (it names its estimator)? */
export const isSklearnDump = (m: Dump): boolean => "estimator" in m;

/** The edgeinfer JSON model of a scikit-learn dump. */
export function fromSklearn(m: Dump): JsonModel {
  if (m.estimator === "Pipeline") {
    const steps = m.steps;
    if (!Array.isArray(steps) || steps.length === 0)
      throw new ModelSpecError("steps", "a Pipeline needs its steps: an array of estimator dumps");
    for (const k of Object.keys(m)) if (k !== "estimator" && k !== "steps") refuseKey(m, k, "");
    const scalers = steps.slice(0, -1);
    if (scalers.length > 1 || (scalers.length === 1 && (scalers[0] as Dump)?.estimator !== "StandardScaler"))
      throw new ModelSpecError(
        "steps",
        "only a StandardScaler before the final estimator is supported; export longer pipelines with skl2onnx",
      );
    const model = estimator(steps[steps.length - 1], `steps[${steps.length - 1}]`);
    if (scalers.length === 1) {
      const s = scalers[0] as Dump;
      checkKeys(s, ["mean_", "scale_", "feature_names_in_"], "steps[0].");
      model.scaler = {
        mean: s.mean_ as number[],
        scale: (s.scale_ ?? (s.mean_ as number[]).map(() => 1)) as number[],
      };
      if (s.feature_names_in_ !== undefined) model.featureNames ??= s.feature_names_in_ as string[];
    }
    return model;
  }
  return estimator(m, "");
}

function refuseKey(m: Dump, k: string, at: string): never {
  throw new ModelSpecError(
    `${at}${k}`,
    `not a fitted attribute edgeinfer reads for ${String(m.estimator)}; leave it out (it would change the answers if it were needed, so it is refused rather than ignored)`,
  );
}

function checkKeys(m: Dump, used: string[], at: string): void {
  for (const k of Object.keys(m))
    if (k !== "estimator" && !used.includes(k) && !IGNORED.has(k) && !HYPER.includes(k)) refuseKey(m, k, at);
}

function estimator(raw: unknown, at: string): JsonModel {
  const where = at ? `${at}.` : "";
  if (!isObject(raw)) throw new ModelSpecError(at || "estimator", "expected an object naming its estimator");
  const name = raw.estimator;
  const names = (raw.feature_names_in_ as string[] | undefined) ?? undefined;
  const base = { producer: "scikit-learn", ...(names ? { featureNames: names } : {}) };
  if (name === "LogisticRegression") {
    checkKeys(raw, ["coef_", "intercept_", "classes_", "feature_names_in_"], where);
    need(raw, ["coef_", "classes_"], where);
    // multi_class / solver are hyperparameters (no trailing _): given, they decide ovr as scikit-learn does.
    const mc = raw.multi_class ?? "auto";
    const ovr = mc === "ovr" || ((mc === "auto" || mc === "deprecated") && raw.solver === "liblinear");
    return {
      ...base,
      kind: "logistic_regression",
      coefficients: raw.coef_ as number[][],
      intercept: raw.intercept_ as number[],
      classes: raw.classes_ as number[],
      multiClass: ovr ? "ovr" : "multinomial",
    };
  }
  if (typeof name === "string" && LINEAR.has(name)) {
    checkKeys(raw, ["coef_", "intercept_", "feature_names_in_", "alpha_"], where);
    need(raw, ["coef_"], where);
    return {
      ...base,
      kind: "linear_regression",
      coefficients: raw.coef_ as number[],
      intercept: raw.intercept_ as number,
    };
  }
  if (name === "MLPClassifier" || name === "MLPRegressor") {
    checkKeys(raw, ["coefs_", "intercepts_", "classes_", "out_activation_", "feature_names_in_"], where);
    need(raw, ["coefs_", "intercepts_", "out_activation_"], where);
    if (raw.activation === undefined)
      throw new ModelSpecError(
        `${where}activation`,
        'the hidden layers\' activation is a hyperparameter, not a fitted attribute: add "activation": model.activation to the dump',
      );
    const coefs = raw.coefs_ as unknown[],
      intercepts = raw.intercepts_ as unknown[];
    if (!Array.isArray(coefs) || !Array.isArray(intercepts) || coefs.length !== intercepts.length)
      throw new ModelSpecError(`${where}intercepts_`, "expected one intercepts_ array per coefs_ matrix");
    const last = coefs.length - 1;
    return {
      ...base,
      kind: "mlp",
      weightsLayout: "in_out",
      layers: coefs.map((w, i) => ({
        weights: w as number[][],
        bias: intercepts[i] as number[],
        activation: (i === last ? raw.out_activation_ : raw.activation) as "relu",
      })),
      ...(name === "MLPClassifier" ? { classes: raw.classes_ as number[] } : {}),
    };
  }
  if (name === "StandardScaler")
    throw new ModelSpecError(
      `${where}estimator`,
      'a StandardScaler alone is not a model: give {"estimator": "Pipeline", "steps": [<scaler>, <estimator>]}',
    );
  throw new ModelSpecError(
    `${where}estimator`,
    `${JSON.stringify(name)} is not supported as a plain dump (LogisticRegression, LinearRegression, Ridge, Lasso, ElasticNet, MLPClassifier, MLPRegressor, or a Pipeline of a StandardScaler and one of them); export it with skl2onnx`,
  );
}

function need(m: Dump, keys: string[], at: string): void {
  for (const k of keys)
    if (m[k] === undefined) throw new ModelSpecError(`${at}${k}`, `${String(m.estimator)} needs its fitted ${k}`);
}

/** A path of the converted model as the dump names it: `layers[1].weights[3]` → `coefs_[1][3]`. */
export function sklearnPath(path: string, m: Dump): string {
  const last = m.estimator === "Pipeline" && Array.isArray(m.steps) ? `steps[${m.steps.length - 1}].` : "";
  const rules: Array<[RegExp, string]> = [
    [/^layers\[(\d+)\]\.weights/, `${last}coefs_[$1]`],
    [/^layers\[(\d+)\]\.bias/, `${last}intercepts_[$1]`],
    [/^layers\[(\d+)\]\.activation/, `${last}activation`],
    [/^layers(?![\w])/, `${last}coefs_`],
    [/^coefficients(?![\w])/, `${last}coef_`],
    [/^intercept(?![\w])/, `${last}intercept_`],
    [/^classes(?![\w])/, `${last}classes_`],
    [/^featureNames(?![\w])/, `${last}feature_names_in_`],
    [/^scaler\.mean/, "steps[0].mean_"],
    [/^scaler\.scale/, "steps[0].scale_"],
  ];
  for (const [re, to] of rules) if (re.test(path)) return path.replace(re, to);
  return path;
}
