/**
 * scikit-learn's fitted trees as plain JSON, under scikit-learn's own names: a DecisionTree,
 * ExtraTree, RandomForest or ExtraTrees classifier or regressor dumped as `estimator` (the class
 * name), `classes_`, `n_features_in_`, `feature_names_in_` and `tree_` (or `estimators_`, a list
 * of `{ "tree_": … }`) holding the Tree's `feature`, `threshold`, `children_left`,
 * `children_right` and `value` arrays (docs/trees.md). One TREES step, decided as scikit-learn
 * does: a float32 x goes left when x <= threshold, the float64 threshold rounded down to the f32
 * that decides every f32 x the same; a classifier's leaf is its class weights over their sum
 * (predict_proba), a forest's trees are averaged. Every field is checked and named by its path.
 */

import { ModelSpecError } from "../errors.js";
import { Act, Opcode } from "../format/abi.js";
import type { Label } from "../format/types.js";
import { Graph, graphLimits } from "../graph/ir.js";
import { graphToImage } from "../graph/to-plan.js";
import type { PackOptions } from "../pack.js";
import { leafRef, packTrees, TreeAggregate, type TreeEnsemble, type TreeRef } from "../plan/trees.js";

const CLASSIFIERS = new Set([
  "DecisionTreeClassifier",
  "ExtraTreeClassifier",
  "RandomForestClassifier",
  "ExtraTreesClassifier",
]);
const REGRESSORS = new Set([
  "DecisionTreeRegressor",
  "ExtraTreeRegressor",
  "RandomForestRegressor",
  "ExtraTreesRegressor",
]);
const FORESTS = new Set([
  "RandomForestClassifier",
  "ExtraTreesClassifier",
  "RandomForestRegressor",
  "ExtraTreesRegressor",
]);

/** Fitted attributes scikit-learn sets that change no prediction: accepted and not read. */
const IGNORED = new Set([
  "max_features_",
  "feature_importances_",
  "oob_score_",
  "oob_decision_function_",
  "oob_prediction_",
]);
const KNOWN = new Set([
  "estimator",
  "n_features_in_",
  "n_outputs_",
  "classes_",
  "n_classes_",
  "feature_names_in_",
  "tree_",
  "estimators_",
]);
const TREE_FIELDS = ["feature", "threshold", "children_left", "children_right", "value"] as const;

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const describe = (v: unknown) =>
  v === undefined ? "nothing" : v === null ? "null" : Array.isArray(v) ? `an array of ${v.length}` : typeof v;

/** A parsed JSON object naming a scikit-learn tree estimator this importer reads. */
export const isSklearnTrees = (m: Obj): boolean =>
  typeof m.estimator === "string" && (CLASSIFIERS.has(m.estimator) || REGRESSORS.has(m.estimator));

function ints(v: unknown, path: string, length?: number): number[] {
  if (!Array.isArray(v) || (length !== undefined && v.length !== length))
    throw new ModelSpecError(path, `expected ${length ?? "an array of"} integers, got ${describe(v)}`);
  v.forEach((x, i) => {
    if (!Number.isSafeInteger(x)) throw new ModelSpecError(`${path}[${i}]`, `expected an integer, got ${describe(x)}`);
  });
  return v as number[];
}

function finite(x: unknown, path: string): number {
  if (typeof x !== "number" || !Number.isFinite(x) || !Number.isFinite(Math.fround(x)))
    throw new ModelSpecError(path, `expected a finite float32 number, got ${describe(x)}`);
  return x;
}

/** The largest f32 ≤ t: x <= t and x <= down(t) decide every f32 x alike. */
function f32Down(t: number): number {
  const f = Math.fround(t);
  if (f <= t) return f;
  const b = new Float32Array([f]),
    u = new Uint32Array(b.buffer);
  if (f > 0) u[0]! -= 1;
  else if (Object.is(f, 0)) u[0] = 0x80000001;
  else u[0]! += 1;
  return b[0]!;
}

export function packSklearnTrees(m: Obj, options: PackOptions = {}): Uint8Array {
  const name = m.estimator as string;
  for (const k of Object.keys(m))
    if (!KNOWN.has(k) && !IGNORED.has(k)) throw new ModelSpecError(k, `unknown field for a ${name}`);
  const classifier = CLASSIFIERS.has(name);
  const nFeatures = m.n_features_in_;
  if (!Number.isSafeInteger(nFeatures) || (nFeatures as number) < 1)
    throw new ModelSpecError("n_features_in_", `expected a positive integer, got ${describe(nFeatures)}`);
  if (m.n_outputs_ !== undefined && m.n_outputs_ !== 1)
    throw new ModelSpecError("n_outputs_", `multi-output trees are not supported (got ${describe(m.n_outputs_)})`);
  let classes: Label[] | undefined;
  if (classifier) {
    const c = m.classes_;
    if (!Array.isArray(c) || c.length < 2)
      throw new ModelSpecError("classes_", `a ${name} needs its classes_ (two or more), got ${describe(c)}`);
    const allInts = c.every((x) => Number.isSafeInteger(x)),
      allStrings = c.every((x) => typeof x === "string");
    if (!allInts && !allStrings) throw new ModelSpecError("classes_", "labels must be all integers or all strings");
    if (new Set(c).size !== c.length) throw new ModelSpecError("classes_", "labels must be distinct");
    if (m.n_classes_ !== undefined && m.n_classes_ !== c.length)
      throw new ModelSpecError("n_classes_", `${describe(m.n_classes_)} for ${c.length} classes_`);
    classes = c as Label[];
  } else if (m.classes_ !== undefined) throw new ModelSpecError("classes_", `a ${name} has no classes`);
  const featureNames = namesOf(m.feature_names_in_, nFeatures as number);

  let trees: Array<{ raw: unknown; path: string }>;
  if (FORESTS.has(name)) {
    if (m.tree_ !== undefined) throw new ModelSpecError("tree_", `a ${name} has estimators_, not one tree_`);
    const es = m.estimators_;
    if (!Array.isArray(es) || es.length === 0)
      throw new ModelSpecError("estimators_", `expected a non-empty array of { "tree_": … }, got ${describe(es)}`);
    trees = es.map((e, t) => {
      if (!isObject(e)) throw new ModelSpecError(`estimators_[${t}]`, `expected { "tree_": … }, got ${describe(e)}`);
      return { raw: e.tree_, path: `estimators_[${t}].tree_` };
    });
  } else {
    if (m.estimators_ !== undefined) throw new ModelSpecError("estimators_", `a ${name} has one tree_`);
    trees = [{ raw: m.tree_, path: "tree_" }];
  }
  const nOut = classifier ? classes!.length : 1;
  const e: TreeEnsemble = { nodes: [], leaves: [], roots: [], nOut };
  const origin: string[] = [];
  const weight = 1 / trees.length; // a forest averages its trees
  for (const { raw, path } of trees) e.roots.push(tree(e, origin, raw, path, nFeatures as number, classifier, weight));
  const packed = packTrees(e, (node, detail) => {
    throw new ModelSpecError(origin[node]!, detail);
  });

  const g = new Graph([nFeatures as number], graphLimits(options), "input");
  g.label = "trees";
  const y = g.op(g.input, {
    opcode: Opcode.Trees,
    act: Act.None,
    flags: TreeAggregate.Sum,
    aux: packed.aux,
    w: packed.w,
    b: new Float64Array(nOut),
    shape: [nOut],
    where: trees.length === 1 ? "tree_" : "estimators_",
  });
  return graphToImage(
    g,
    {
      producer: "scikit-learn",
      kind: `scikit-learn ${name}`,
      featureNames: options.stripNames ? undefined : featureNames,
    },
    [{ name: classifier ? "probabilities" : "predictions", v: y, labels: classes }],
    options,
  );
}

/** One fitted Tree's arrays into the ensemble; returns its root. */
function tree(
  e: TreeEnsemble,
  origin: string[],
  raw: unknown,
  path: string,
  nFeatures: number,
  classifier: boolean,
  weight: number,
): TreeRef {
  if (!isObject(raw))
    throw new ModelSpecError(path, `expected { ${TREE_FIELDS.join(", ")} } (tree_'s arrays), got ${describe(raw)}`);
  for (const k of Object.keys(raw))
    if (!(TREE_FIELDS as readonly string[]).includes(k)) throw new ModelSpecError(`${path}.${k}`, "unknown field");
  const left = ints(raw.children_left, `${path}.children_left`);
  const n = left.length;
  if (n === 0) throw new ModelSpecError(`${path}.children_left`, "a tree has at least one node");
  const right = ints(raw.children_right, `${path}.children_right`, n),
    feature = ints(raw.feature, `${path}.feature`, n);
  const threshold = raw.threshold,
    value = raw.value;
  if (!Array.isArray(threshold) || threshold.length !== n)
    throw new ModelSpecError(`${path}.threshold`, `expected ${n} numbers, got ${describe(threshold)}`);
  if (!Array.isArray(value) || value.length !== n)
    throw new ModelSpecError(`${path}.value`, `expected ${n} entries [n_outputs][classes], got ${describe(value)}`);

  const ref = new Map<number, TreeRef>();
  const leafOf = (i: number): TreeRef => {
    const at = `${path}.value[${i}]`;
    const v = value[i];
    if (!Array.isArray(v) || v.length !== 1 || !Array.isArray(v[0]))
      throw new ModelSpecError(at, `expected [[…]] (one output), got ${describe(v)}`);
    const w = (v[0] as unknown[]).map((x, k) => finite(x, `${at}[0][${k}]`));
    if (w.length !== e.nOut)
      throw new ModelSpecError(at, `${w.length} values for ${e.nOut} ${classifier ? "classes" : "output"}`);
    // predict_proba: the class weights over their sum (a zero sum stays zero, as scikit-learn).
    const sum = classifier ? w.reduce((a, b) => a + b, 0) : 1;
    const scale = weight / (sum === 0 ? 1 : sum);
    return leafRef(e.leaves.push(Float64Array.from(w, (x) => x * scale)) - 1);
  };
  const visit = (i: number, from: string): TreeRef => {
    if (!(i >= 0 && i < n)) throw new ModelSpecError(from, `child ${i} is not a node of this tree (it has ${n})`);
    if (ref.has(i))
      throw new ModelSpecError(from, `node ${i} is reached twice (the tree has a cycle or a shared node)`);
    if (left[i] === -1) {
      if (right[i] !== -1) throw new ModelSpecError(`${path}.children_right[${i}]`, `node ${i} has one child only`);
      const r = leafOf(i);
      ref.set(i, r);
      return r;
    }
    const f = feature[i]!;
    if (!(f >= 0 && f < nFeatures))
      throw new ModelSpecError(`${path}.feature[${i}]`, `node ${i} reads feature ${f}; the model has ${nFeatures}`);
    const t = finite(threshold[i], `${path}.threshold[${i}]`);
    const at = e.nodes.push({ feature: f, threshold: f32Down(t), lt: true, eq: true, nan: false, yes: 0, no: 0 }) - 1;
    origin[at] = `${path} node ${i}`;
    ref.set(i, at);
    return at;
  };
  const root = visit(0, `${path}.children_left`);
  const stack = root >= 0 ? [0] : [];
  while (stack.length > 0) {
    const i = stack.pop()!;
    const node = e.nodes[ref.get(i)!]!;
    node.yes = visit(left[i]!, `${path}.children_left[${i}]`);
    node.no = visit(right[i]!, `${path}.children_right[${i}]`);
    if (node.yes >= 0) stack.push(left[i]!);
    if (node.no >= 0) stack.push(right[i]!);
  }
  return root;
}

function namesOf(v: unknown, nFeatures: number): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length !== nFeatures || !v.every((x) => typeof x === "string"))
    throw new ModelSpecError("feature_names_in_", `expected ${nFeatures} strings, got ${describe(v)}`);
  const first = new Map<string, number>();
  v.forEach((name: string, i) => {
    const j = first.get(name);
    if (j !== undefined)
      throw new ModelSpecError(`feature_names_in_[${i}]`, `${JSON.stringify(name)} is also feature_names_in_[${j}]`);
    first.set(name, i);
  });
  return v as string[];
}
