/**
 * Plain JSON models: "only the coefficients" (docs/json-models.md). Logistic regression (binary,
 * multinomial, one-vs-rest), linear regression, MLP, with an optional StandardScaler folded
 * into the first layer. Every field is checked, and a bad one is named by its path.
 */

import { ModelSpecError } from "../errors.js";
import { Act, Norm } from "../format/abi.js";
import type { Label } from "../format/types.js";
import { Graph, graphLimits } from "../graph/ir.js";
import { graphToImage } from "../graph/to-plan.js";
import type { PackOptions } from "../pack.js";
import { fromSklearn, isSklearnDump, sklearnPath } from "./sklearn.js";
import { isSklearnTrees, packSklearnTrees } from "./sklearn-trees.js";
import { isXgboostModel, packXgboost } from "./xgboost.js";

export interface JsonScaler {
  /** StandardScaler.mean_: subtracted first. */
  mean: number[];
  /** StandardScaler.scale_: divided by after. */
  scale: number[];
}

export interface JsonLayer {
  /** nOut × nIn (PyTorch's Linear.weight, the transpose of scikit-learn's coefs_[i]); see weightsLayout. */
  weights: number[][];
  bias: number[];
  activation?: JsonActivation;
  /** leaky_relu slope, hard_sigmoid alpha. */
  alpha?: number;
  /** hard_sigmoid beta. */
  beta?: number;
}

export type JsonActivation =
  | "identity"
  | "relu"
  | "leaky_relu"
  | "logistic"
  | "sigmoid"
  | "tanh"
  | "softmax"
  | "log_softmax"
  | "hard_sigmoid"
  | "softplus";

export interface JsonModel {
  kind: "logistic_regression" | "linear_regression" | "mlp";
  producer?: string;
  featureNames?: string[];
  scaler?: JsonScaler;
  /** Linear models: coef_ as nClasses|nTargets × nFeatures, or one row as a flat array. */
  coefficients?: number[] | number[][];
  intercept?: number | number[];
  /** Class labels in the order of the probability columns (classes_). */
  classes?: Label[];
  /** Logistic regression with more than two classes: "multinomial" (softmax, default) or "ovr". */
  multiClass?: "multinomial" | "ovr";
  /** MLP layers, first to last. */
  layers?: JsonLayer[];
  /** Orientation of every layer's weights: "out_in" (default) or "in_out" (scikit-learn's coefs_). */
  weightsLayout?: "out_in" | "in_out";
  /** Name of the model's output (default "probabilities" for classifiers, "predictions" otherwise). */
  outputName?: string;
}

const ACTS: Record<JsonActivation, Act> = {
  identity: Act.None,
  relu: Act.Relu,
  leaky_relu: Act.LeakyRelu,
  logistic: Act.Sigmoid,
  sigmoid: Act.Sigmoid,
  tanh: Act.Tanh,
  softmax: Act.Softmax,
  log_softmax: Act.LogSoftmax,
  hard_sigmoid: Act.HardSigmoid,
  softplus: Act.Softplus,
};

// ---- field checks: each names the path it failed at ----

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function numbers(v: unknown, path: string, length?: number): number[] {
  if (!Array.isArray(v)) throw new ModelSpecError(path, `expected an array of numbers, got ${describe(v)}`);
  if (length !== undefined && v.length !== length)
    throw new ModelSpecError(path, `expected ${length} numbers, got ${v.length}`);
  v.forEach((x, i) => {
    if (typeof x !== "number" || !Number.isFinite(x))
      throw new ModelSpecError(`${path}[${i}]`, `expected a finite number, got ${describe(x)}`);
    // The image holds f32: a value past its range would become ±Infinity there.
    if (!Number.isFinite(Math.fround(x)))
      throw new ModelSpecError(`${path}[${i}]`, `${x} is outside float32's range (±3.4028235e+38)`);
  });
  return v as number[];
}

function matrix(v: unknown, path: string, rows?: number, cols?: number): number[][] {
  if (!Array.isArray(v) || v.length === 0)
    throw new ModelSpecError(path, `expected a non-empty array of rows, got ${describe(v)}`);
  if (rows !== undefined && v.length !== rows) throw new ModelSpecError(path, `expected ${rows} rows, got ${v.length}`);
  const width = cols ?? (Array.isArray(v[0]) ? v[0].length : 0);
  if (width === 0) throw new ModelSpecError(`${path}[0]`, "expected a non-empty row of numbers");
  return v.map((row, i) => numbers(row, `${path}[${i}]`, width));
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === "number" && !Number.isFinite(v)) return String(v);
  return typeof v === "string" ? JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v) : typeof v;
}

function labels(v: unknown, path: string): Label[] {
  if (!Array.isArray(v) || v.length === 0)
    throw new ModelSpecError(path, `expected a non-empty array of labels, got ${describe(v)}`);
  const allNumbers = v.every((x) => typeof x === "number" && Number.isSafeInteger(x));
  const allStrings = v.every((x) => typeof x === "string");
  if (!allNumbers && !allStrings) throw new ModelSpecError(path, "labels must be all integers or all strings");
  if (new Set(v).size !== v.length) throw new ModelSpecError(path, "labels must be distinct");
  return v as Label[];
}

function strings(v: unknown, path: string, length: number): string[] {
  if (!Array.isArray(v) || v.length !== length || !v.every((x) => typeof x === "string")) {
    throw new ModelSpecError(path, `expected ${length} strings, got ${describe(v)}`);
  }
  return v as string[];
}

/** Rows are read by feature name (CSV headers, named inputs): two features of one name would be ambiguous. */
function distinctNames(names: string[], path: string): void {
  const first = new Map<string, number>();
  names.forEach((name, i) => {
    const j = first.get(name);
    if (j !== undefined) throw new ModelSpecError(`${path}[${i}]`, `${JSON.stringify(name)} is also ${path}[${j}]`);
    first.set(name, i);
  });
}

function activation(v: unknown, path: string): Act {
  if (v === undefined) return Act.None;
  if (typeof v !== "string" || !(v in ACTS))
    throw new ModelSpecError(
      path,
      `unknown activation ${describe(v)}; expected one of ${Object.keys(ACTS).join(", ")}`,
    );
  return ACTS[v as JsonActivation];
}

const KNOWN_FIELDS = new Set([
  "kind",
  "producer",
  "featureNames",
  "scaler",
  "coefficients",
  "intercept",
  "classes",
  "multiClass",
  "layers",
  "weightsLayout",
  "outputName",
]);

/** A dense layer in float64 before it is rounded into the image. */
interface Layer {
  w: Float64Array;
  b: Float64Array;
  nIn: number;
  nOut: number;
  act: Act;
  alpha: number;
  beta: number;
  where: string;
}

/** Parses and packs a JSON model. `json` may be the text or the parsed object. */
export function packJson(json: string | unknown, options: PackOptions = {}): Uint8Array {
  options ??= {};
  let m: unknown = json;
  if (typeof json === "string") {
    try {
      m = JSON.parse(json);
    } catch (e) {
      // XGBoost writes a categorical split's condition as a bare NaN, which JSON does not have.
      const lenient = json.includes('"learner"') ? parseWithNaN(json) : undefined;
      if (lenient === undefined) throw new ModelSpecError("", `not valid JSON: ${(e as Error).message}`);
      m = lenient;
    }
  }
  if (!isObject(m)) throw new ModelSpecError("", `expected a JSON object, got ${describe(m)}`);
  if (isXgboostModel(m)) return packXgboost(m, options);
  if (isSklearnTrees(m)) return packSklearnTrees(m, options);
  if (isSklearnDump(m)) {
    // scikit-learn's own attribute names: converted, and any refusal named as the dump names it.
    const dump = m;
    try {
      return packJson(fromSklearn(dump), options);
    } catch (e) {
      if (e instanceof ModelSpecError) throw new ModelSpecError(sklearnPath(e.path, dump), e.detail);
      throw e;
    }
  }
  for (const k of Object.keys(m)) if (!KNOWN_FIELDS.has(k)) throw new ModelSpecError(k, "unknown field");
  const kind = m.kind;
  if (kind !== "logistic_regression" && kind !== "linear_regression" && kind !== "mlp") {
    throw new ModelSpecError(
      "kind",
      `expected "logistic_regression", "linear_regression" or "mlp", got ${describe(kind)}`,
    );
  }
  if (m.producer !== undefined && typeof m.producer !== "string")
    throw new ModelSpecError("producer", `expected a string, got ${describe(m.producer)}`);
  if (m.outputName !== undefined && (typeof m.outputName !== "string" || m.outputName === ""))
    throw new ModelSpecError("outputName", `expected a non-empty string, got ${describe(m.outputName)}`);
  const classes = m.classes === undefined ? undefined : labels(m.classes, "classes");

  const layers: Layer[] = kind === "mlp" ? mlpLayers(m) : [linearLayer(m, kind, classes)];
  const nInput = layers[0]!.nIn;
  const featureNames = m.featureNames === undefined ? undefined : strings(m.featureNames, "featureNames", nInput);
  if (featureNames) distinctNames(featureNames, "featureNames");
  const scaler = m.scaler === undefined ? undefined : scalerParams(m.scaler, nInput);

  const last = layers[layers.length - 1]!;
  let ovr = false;
  if (classes) {
    if (kind === "linear_regression") throw new ModelSpecError("classes", "a linear regression has no classes");
    if (classes.length === 2 && last.nOut === 1) {
      if (last.act !== Act.Sigmoid && !(kind === "logistic_regression")) {
        throw new ModelSpecError(
          `${last.where}.activation`,
          "a binary classifier with one output unit needs the logistic activation",
        );
      }
      binaryLogisticLayer(last);
    } else if (last.nOut !== classes.length) {
      throw new ModelSpecError("classes", `${classes.length} classes for ${last.nOut} outputs of the last layer`);
    } else if (kind === "logistic_regression") {
      const mc = m.multiClass ?? "multinomial";
      if (mc !== "multinomial" && mc !== "ovr")
        throw new ModelSpecError("multiClass", `expected "multinomial" or "ovr", got ${describe(mc)}`);
      ovr = mc === "ovr";
      last.act = ovr ? Act.Sigmoid : Act.Softmax;
    }
  } else if (kind === "logistic_regression") {
    throw new ModelSpecError("classes", "a logistic regression needs its classes (classes_)");
  }

  // The scaler is a graph node like any other: the passes fold it into the first layer (and
  // keep it an f32 step in front of an int8 one), as they do an ONNX Scaler.
  const g = new Graph([nInput], graphLimits(options), "input");
  g.label = "scaler";
  let x = scaler ? g.scaler(g.input, scaler.mean, scaler.scale) : g.input;
  for (const l of layers) {
    g.label = l.where;
    x = g.dense(x, l.w, l.b, l.nIn, l.nOut, { act: l.act, alpha: l.alpha, beta: l.beta, where: l.where });
  }
  g.label = "normalize";
  if (ovr) x = g.normalize(x, Norm.L1); // scikit-learn's ovr: sigmoids scaled to sum to 1
  const outputName = (m.outputName as string | undefined) ?? (classes ? "probabilities" : "predictions");
  return graphToImage(
    g,
    {
      producer: (m.producer as string | undefined) ?? "edgeinfer",
      kind,
      featureNames: options.stripNames ? undefined : featureNames,
    },
    [{ name: outputName, v: x, labels: classes }],
    options,
  );
}

/** JSON with bare NaN tokens (outside strings) read as null; undefined if still not JSON. */
function parseWithNaN(text: string): unknown {
  let out = "",
    from = 0,
    inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "N" && text.startsWith("NaN", i)) {
      out += `${text.slice(from, i)}null`;
      from = i + 3;
      i += 2;
    }
  }
  try {
    return JSON.parse(out + text.slice(from));
  } catch {
    return undefined;
  }
}

function linearLayer(m: Record<string, unknown>, kind: string, classes: Label[] | undefined): Layer {
  const c = m.coefficients;
  if (c === undefined) throw new ModelSpecError("coefficients", `a ${kind} needs its coefficients (coef_)`);
  const rows =
    Array.isArray(c) && c.length > 0 && typeof c[0] === "number"
      ? [numbers(c, "coefficients")]
      : matrix(c, "coefficients");
  const nOut = rows.length,
    nIn = rows[0]!.length;
  if (nIn === 0) throw new ModelSpecError("coefficients", "no features");
  const icpt =
    m.intercept === undefined
      ? new Array<number>(nOut).fill(0)
      : typeof m.intercept === "number"
        ? [m.intercept]
        : numbers(m.intercept, "intercept");
  if (typeof m.intercept === "number" && !Number.isFinite(Math.fround(m.intercept)))
    throw new ModelSpecError(
      "intercept",
      Number.isFinite(m.intercept)
        ? `${m.intercept} is outside float32's range (±3.4028235e+38)`
        : `expected a finite number, got ${m.intercept}`,
    );
  if (icpt.length !== nOut)
    throw new ModelSpecError("intercept", `${icpt.length} values for ${nOut} rows of coefficients`);
  if (classes && classes.length > 2 && nOut !== classes.length)
    throw new ModelSpecError("coefficients", `${nOut} rows for ${classes.length} classes`);
  if (classes && classes.length === 2 && nOut !== 1)
    throw new ModelSpecError("coefficients", `a binary classifier has one row of coefficients, got ${nOut}`);
  return {
    w: Float64Array.from(rows.flat()),
    b: Float64Array.from(icpt),
    nIn,
    nOut,
    act: kind === "logistic_regression" ? Act.Sigmoid : Act.None,
    alpha: 0,
    beta: 0,
    where: "coefficients",
  };
}

function mlpLayers(m: Record<string, unknown>): Layer[] {
  if (!Array.isArray(m.layers) || m.layers.length === 0)
    throw new ModelSpecError("layers", `expected a non-empty array of layers, got ${describe(m.layers)}`);
  const layout = m.weightsLayout ?? "out_in";
  if (layout !== "out_in" && layout !== "in_out")
    throw new ModelSpecError("weightsLayout", `expected "out_in" or "in_out", got ${describe(layout)}`);
  let nIn = -1;
  return m.layers.map((raw, i): Layer => {
    const where = `layers[${i}]`;
    if (!isObject(raw)) throw new ModelSpecError(where, `expected an object, got ${describe(raw)}`);
    for (const k of Object.keys(raw))
      if (!["weights", "bias", "activation", "alpha", "beta"].includes(k))
        throw new ModelSpecError(`${where}.${k}`, "unknown field");
    let w = matrix(raw.weights, `${where}.weights`);
    if (layout === "in_out") w = w[0]!.map((_, o) => w.map((row) => row[o]!));
    const lOut = w.length,
      lIn = w[0]!.length;
    if (nIn !== -1 && lIn !== nIn) {
      throw new ModelSpecError(
        `${where}.weights`,
        `takes ${lIn} inputs but the previous layer gives ${nIn} (weightsLayout is "${layout}")`,
      );
    }
    nIn = lOut;
    const b = numbers(raw.bias, `${where}.bias`, lOut);
    for (const k of ["alpha", "beta"] as const) {
      if (raw[k] !== undefined && (typeof raw[k] !== "number" || !Number.isFinite(Math.fround(raw[k]))))
        throw new ModelSpecError(`${where}.${k}`, `expected a finite number, got ${describe(raw[k])}`);
    }
    const act = activation(raw.activation, `${where}.activation`);
    const alpha =
      (raw.alpha as number | undefined) ?? (act === Act.LeakyRelu ? 0.01 : act === Act.HardSigmoid ? 0.2 : 0);
    const beta = (raw.beta as number | undefined) ?? (act === Act.HardSigmoid ? 0.5 : 0);
    return { w: Float64Array.from(w.flat()), b: Float64Array.from(b), nIn: lIn, nOut: lOut, act, alpha, beta, where };
  });
}

/** StandardScaler's mean_ and scale_ (none zero): y = (x − mean) / scale. */
function scalerParams(raw: unknown, nIn: number): { mean: Float64Array; scale: Float64Array } {
  if (!isObject(raw)) throw new ModelSpecError("scaler", `expected { mean, scale }, got ${describe(raw)}`);
  const mean = numbers(raw.mean, "scaler.mean", nIn),
    scale = numbers(raw.scale, "scaler.scale", nIn);
  scale.forEach((v, i) => {
    if (v === 0) throw new ModelSpecError(`scaler.scale[${i}]`, "is zero");
  });
  return { mean: Float64Array.from(mean), scale: Float64Array.from(scale) };
}

/**
 * One logistic unit → the two columns of predict_proba: the logit goes to output 1 and the
 * logistic_pair activation writes [1 − p, p], as scikit-learn computes them (one exp).
 */
function binaryLogisticLayer(l: Layer): void {
  const w = new Float64Array(2 * l.nIn);
  for (let i = 0; i < l.nIn; i++) w[l.nIn + i] = l.w[i]!;
  l.w = w;
  l.b = Float64Array.of(0, l.b[0]!);
  l.nOut = 2;
  l.act = Act.LogisticPair;
}
