/**
 * XGBoost's own JSON model file (`booster.save_model("m.json")`, XGBoost 1.0 and later), read
 * directly: no ONNX on the way. Detected by its `learner` key (src/json/import.ts). The trees
 * become the TREES step as XGBoost walks them: a split goes left when x < split_condition (in
 * float32, strictly), a missing value (NaN) takes the split's learned default direction, so
 * the image accepts NaN without allowNaN; the leaf values are summed per output group
 * (tree_info) onto the base score as a margin (logit(base_score) for the logistic objectives),
 * then the objective's transform. Every field is checked; a bad one is named by its path
 * (`learner.gradient_booster.model.trees[3].split_type[5]` names tree 3, node 5).
 */

import { ModelSpecError } from "../errors.js";
import { Act, Opcode } from "../format/abi.js";
import type { Label } from "../format/types.js";
import { Graph, graphLimits } from "../graph/ir.js";
import { graphToImage } from "../graph/to-plan.js";
import type { PackOptions } from "../pack.js";
import {
  leafRef,
  packTrees,
  TREES_NAN_ROUTED,
  TreeAggregate,
  type TreeEnsemble,
  type TreeNode,
  type TreeRef,
} from "../plan/trees.js";

/** A parsed object that is an XGBoost model file (it has XGBoost's top-level `learner`). */
export const isXgboostModel = (m: Record<string, unknown>): boolean => "learner" in m;

type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return typeof v === "string" ? JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v) : typeof v;
}

function object(v: unknown, path: string): Obj {
  if (!isObject(v)) throw new ModelSpecError(path, `expected an object, got ${describe(v)}`);
  return v;
}

/** XGBoost writes its scalar parameters as strings ("5E-1"); numbers are taken too. */
function scalar(v: unknown, path: string): number {
  const x = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  if (typeof x !== "number" || !Number.isFinite(x))
    throw new ModelSpecError(path, `expected a finite number, got ${describe(v)}`);
  return x;
}

function count(v: unknown, path: string, min: number): number {
  const x = scalar(v, path);
  if (!Number.isInteger(x) || x < min) throw new ModelSpecError(path, `expected an integer ≥ ${min}, got ${x}`);
  return x;
}

function numbers(v: unknown, path: string, length: number, integers = false): number[] {
  if (!Array.isArray(v) || v.length !== length)
    throw new ModelSpecError(path, `expected ${length} numbers, got ${describe(v)}`);
  v.forEach((x, i) => {
    if (typeof x !== "number" || !Number.isFinite(x) || (integers && !Number.isInteger(x)))
      throw new ModelSpecError(
        `${path}[${i}]`,
        `expected a finite ${integers ? "integer" : "number"}, got ${describe(x)}`,
      );
    if (!Number.isFinite(Math.fround(x)))
      throw new ModelSpecError(`${path}[${i}]`, `${x} is outside float32's range (±3.4028235e+38)`);
  });
  return v as number[];
}

/** How an objective turns the margin into predict()'s output. */
interface Objective {
  /** "probabilities" with classes, or "predictions". */
  classifier: boolean;
  /** base_score → margin. */
  margin: (p: number) => number;
  act: Act;
}

const logit = (p: number) => Math.log(p / (1 - p));
const identity = (p: number) => p;

const OBJECTIVES: Record<string, Objective> = {
  "binary:logistic": { classifier: true, margin: logit, act: Act.LogisticPair },
  "multi:softprob": { classifier: true, margin: identity, act: Act.Softmax },
  "multi:softmax": { classifier: true, margin: identity, act: Act.Softmax },
  "reg:logistic": { classifier: false, margin: logit, act: Act.Sigmoid },
  "binary:logitraw": { classifier: false, margin: identity, act: Act.None },
  "reg:squarederror": { classifier: false, margin: identity, act: Act.None },
  "reg:linear": { classifier: false, margin: identity, act: Act.None },
  "reg:squaredlogerror": { classifier: false, margin: identity, act: Act.None },
  "reg:pseudohubererror": { classifier: false, margin: identity, act: Act.None },
  "reg:absoluteerror": { classifier: false, margin: identity, act: Act.None },
  "reg:quantileerror": { classifier: false, margin: identity, act: Act.None },
};

/** Parses and packs an XGBoost JSON model file (already parsed). */
export function packXgboost(m: Obj, options: PackOptions = {}): Uint8Array {
  const learner = object(m.learner, "learner");
  const param = object(learner.learner_model_param, "learner.learner_model_param");
  const objName = object(learner.objective, "learner.objective").name;
  if (typeof objName !== "string")
    throw new ModelSpecError("learner.objective.name", `expected a string, got ${describe(objName)}`);
  const obj = OBJECTIVES[objName];
  if (obj === undefined)
    throw new ModelSpecError(
      "learner.objective.name",
      `objective ${JSON.stringify(objName)} is not supported (${Object.keys(OBJECTIVES).join(", ")} are; the log-link ones, count:poisson, reg:gamma, reg:tweedie and survival:*, need an exp not there yet)`,
    );
  const nFeatures = count(param.num_feature, "learner.learner_model_param.num_feature", 1);
  const nClass = param.num_class === undefined ? 0 : count(param.num_class, "learner.learner_model_param.num_class", 0);
  if (param.num_target !== undefined && count(param.num_target, "learner.learner_model_param.num_target", 1) !== 1)
    throw new ModelSpecError("learner.learner_model_param.num_target", "multi-target models are not supported");
  const baseScore = scalar(param.base_score ?? 0.5, "learner.learner_model_param.base_score");
  const margin = obj.margin(baseScore);
  if (!Number.isFinite(margin))
    throw new ModelSpecError(
      "learner.learner_model_param.base_score",
      `${baseScore} has no finite margin for ${objName}`,
    );
  const multi = objName.startsWith("multi:");
  if (multi !== nClass > 1)
    throw new ModelSpecError("learner.learner_model_param.num_class", `${nClass} classes for objective ${objName}`);
  const nGroups = multi ? nClass : 1;

  const gbPath = "learner.gradient_booster";
  const gb = object(learner.gradient_booster, gbPath);
  let modelPath: string, treeWeights: number[] | undefined;
  if (gb.name === "gbtree") modelPath = `${gbPath}.model`;
  else if (gb.name === "dart") modelPath = `${gbPath}.gbtree.model`;
  else
    throw new ModelSpecError(`${gbPath}.name`, `booster ${describe(gb.name)} is not supported (gbtree and dart are)`);
  const model = object(gb.name === "dart" ? object(gb.gbtree, `${gbPath}.gbtree`).model : gb.model, modelPath);
  const trees = model.trees;
  if (!Array.isArray(trees) || trees.length === 0)
    throw new ModelSpecError(`${modelPath}.trees`, `expected a non-empty array of trees, got ${describe(trees)}`);
  // Every round grows one tree per class: more classes than trees is a malformed file (and
  // would size every leaf vector by it).
  if (nGroups > trees.length)
    throw new ModelSpecError(
      "learner.learner_model_param.num_class",
      `${nGroups} classes for ${trees.length} trees (XGBoost grows one tree per class and round)`,
    );
  const groups = numbers(model.tree_info, `${modelPath}.tree_info`, trees.length, true);
  groups.forEach((g, t) => {
    if (g < 0 || g >= nGroups)
      throw new ModelSpecError(`${modelPath}.tree_info[${t}]`, `output group ${g} is not below ${nGroups}`);
  });
  if (gb.name === "dart") treeWeights = numbers(gb.weight_drop, `${gbPath}.weight_drop`, trees.length);

  const e: TreeEnsemble = { nodes: [], leaves: [], roots: [], nOut: nGroups };
  const origin: string[] = []; // per ensemble node: "….trees[t]" and XGBoost's node number
  trees.forEach((raw, t) => {
    e.roots.push(tree(e, origin, raw, `${modelPath}.trees[${t}]`, nFeatures, groups[t]!, treeWeights?.[t] ?? 1));
  });
  const packed = packTrees(e, (node, detail) => {
    throw new ModelSpecError(origin[node]!, detail);
  });

  const featureNames = featureNamesOf(learner.feature_names, nFeatures);
  const g = new Graph([nFeatures], graphLimits(options), "input");
  g.label = "trees";
  const binary = obj.act === Act.LogisticPair;
  const nOut = binary ? 2 : nGroups;
  // Binary: the margin s as [−s, s], which logistic_pair turns into predict_proba's [1 − p, p].
  const leaves = binary
    ? Float64Array.from({ length: 2 * packed.w.length }, (_, i) => (i % 2 ? 1 : -1) * packed.w[i >> 1]!)
    : packed.w;
  const base = binary ? Float64Array.of(-margin, margin) : new Float64Array(nOut).fill(margin);
  const y = g.op(g.input, {
    opcode: Opcode.Trees,
    act: obj.act,
    flags: TreeAggregate.Sum | TREES_NAN_ROUTED,
    aux: packed.aux,
    w: leaves,
    b: base,
    shape: [nOut],
    where: "learner.gradient_booster",
  });
  const classes: Label[] | undefined = obj.classifier ? Array.from({ length: nOut }, (_, k) => k) : undefined;
  return graphToImage(
    g,
    {
      producer: xgboostVersion(m.version),
      kind: `xgboost ${objName}`,
      featureNames: options.stripNames ? undefined : featureNames,
    },
    [{ name: obj.classifier ? "probabilities" : "predictions", v: y, labels: classes }],
    options,
  );
}

/** One tree (XGBoost's node arrays) into the ensemble; returns its root. */
function tree(
  e: TreeEnsemble,
  origin: string[],
  raw: unknown,
  path: string,
  nFeatures: number,
  group: number,
  weight: number,
): TreeRef {
  const t = object(raw, path);
  const tp = t.tree_param === undefined ? {} : object(t.tree_param, `${path}.tree_param`);
  if (tp.size_leaf_vector !== undefined && scalar(tp.size_leaf_vector, `${path}.tree_param.size_leaf_vector`) > 1)
    throw new ModelSpecError(
      `${path}.tree_param.size_leaf_vector`,
      "vector leaves (multi-target trees) are not supported",
    );
  const left = t.left_children;
  if (!Array.isArray(left) || left.length === 0)
    throw new ModelSpecError(`${path}.left_children`, `expected a non-empty array, got ${describe(left)}`);
  const n = left.length;
  numbers(left, `${path}.left_children`, n, true);
  const right = numbers(t.right_children, `${path}.right_children`, n, true);
  const feature = numbers(t.split_indices, `${path}.split_indices`, n, true);
  const splitType = t.split_type === undefined ? undefined : numbers(t.split_type, `${path}.split_type`, n, true);
  // A categorical split's condition is NaN in the file (null once read): no number there.
  const cond = numbers(
    Array.isArray(t.split_conditions) ? t.split_conditions.map((c, i) => (splitType?.[i] === 1 ? 0 : c)) : undefined,
    `${path}.split_conditions`,
    n,
  );
  const defaultLeft = numbers(t.default_left, `${path}.default_left`, n, true);
  const sets = splitType?.includes(1) ? categorySets(t, path, n) : undefined;

  // A walk from node 0; each node reached once (a tree: a second visit is a malformed file).
  const ref = new Map<number, TreeRef>();
  const leafOf = (i: number): TreeRef => {
    const leaf = new Float64Array(e.nOut);
    leaf[group] = weight * Math.fround(cond[i]!);
    return leafRef(e.leaves.push(leaf) - 1);
  };
  const visit = (i: number, from: string): TreeRef => {
    if (!(i >= 0 && i < n)) throw new ModelSpecError(from, `child ${i} is not a node of this tree (it has ${n})`);
    if (ref.has(i))
      throw new ModelSpecError(from, `node ${i} is reached twice (the tree has a cycle or a shared node)`);
    if (left[i] === -1) {
      const r = leafOf(i);
      ref.set(i, r);
      return r;
    }
    if (splitType?.[i] !== undefined && splitType[i] !== 0 && splitType[i] !== 1)
      throw new ModelSpecError(`${path}.split_type[${i}]`, `node ${i}: split type ${splitType[i]} is not 0 or 1`);
    if (!(feature[i]! >= 0 && feature[i]! < nFeatures))
      throw new ModelSpecError(
        `${path}.split_indices[${i}]`,
        `node ${i} reads feature ${feature[i]}; the model has ${nFeatures}`,
      );
    if (splitType?.[i] === 1) {
      const set = sets!.get(i);
      if (set === undefined)
        throw new ModelSpecError(`${path}.categories_nodes`, `node ${i} is a categorical split without categories`);
      const at = categoryChain(e, feature[i]!, set, defaultLeft[i] === 1);
      for (let k = at; k < e.nodes.length; k++) origin[k] = `${path} node ${i}`;
      ref.set(i, at);
      return at;
    }
    const node: TreeNode = {
      feature: feature[i]!,
      threshold: Math.fround(cond[i]!),
      lt: true,
      eq: false,
      nan: defaultLeft[i] === 1,
      yes: 0,
      no: 0,
    };
    const at = e.nodes.push(node) - 1;
    origin[at] = `${path} node ${i}`;
    ref.set(i, at);
    return at;
  };
  const root = visit(0, `${path}.left_children`);
  // Children after the node itself (an explicit stack: deep trees recurse nothing).
  const stack = root >= 0 ? [0] : [];
  while (stack.length > 0) {
    const i = stack.pop()!;
    const l = visit(left[i]!, `${path}.left_children[${i}]`),
      r = visit(right[i]!, `${path}.right_children[${i}]`);
    // A categorical chain's ends (LEFT, RIGHT) are patched; a split's children set.
    const at = ref.get(i)!;
    for (let k = at; k < e.nodes.length && (k === at || origin[k] === origin[at]); k++) {
      const node = e.nodes[k]!;
      if (splitType?.[i] !== 1) {
        node.yes = l;
        node.no = r;
        break;
      }
      if (node.yes === LEFT) node.yes = l;
      else if (node.yes === RIGHT) node.yes = r;
      if (node.no === LEFT) node.no = l;
      else if (node.no === RIGHT) node.no = r;
    }
    if (l >= 0) stack.push(left[i]!);
    if (r >= 0) stack.push(right[i]!);
  }
  return root;
}

// Placeholders for a categorical chain's two exits, patched once the children are known.
const LEFT = -0x7ffffff0,
  RIGHT = -0x7ffffff1;

/**
 * XGBoost's categorical split: a category in the node's set goes right, any other value
 * (a category not in it, a negative or out-of-range one) left, NaN by the default direction.
 * XGBoost takes the category as the value truncated to an integer, so each category c is the
 * range [c, c + 1): per category (ascending) x < c → left, else x < c + 1 → right, else the
 * next. Default right puts a NaN test in front. Returns the chain's first node.
 */
function categoryChain(e: TreeEnsemble, feature: number, set: number[], defaultLeft: boolean): number {
  const first = e.nodes.length;
  const node = (threshold: number, lt: boolean, nan: boolean, yes: TreeRef, no: TreeRef) =>
    e.nodes.push({ feature, threshold, lt, eq: false, nan, yes, no }) - 1;
  if (!defaultLeft) node(Number.NaN, false, true, RIGHT, first + 1);
  set.forEach((c, k) => {
    const lo = e.nodes.length;
    const last = k === set.length - 1;
    node(c, true, false, LEFT, lo + 1);
    node(c + 1, true, false, RIGHT, last ? LEFT : lo + 2);
  });
  return first;
}

/** The category set of each categorical node: categories[segment, segment + size), sorted. */
function categorySets(t: Obj, path: string, n: number): Map<number, number[]> {
  const nodes = t.categories_nodes,
    k = Array.isArray(nodes) ? nodes.length : 0;
  numbers(nodes, `${path}.categories_nodes`, k, true);
  const segments = numbers(t.categories_segments, `${path}.categories_segments`, k, true);
  const sizes = numbers(t.categories_sizes, `${path}.categories_sizes`, k, true);
  const cats = t.categories;
  const all = numbers(cats, `${path}.categories`, Array.isArray(cats) ? cats.length : 0, true);
  const out = new Map<number, number[]>();
  (nodes as number[]).forEach((node, j) => {
    const at = `${path}.categories_segments[${j}]`;
    if (!(node >= 0 && node < n)) throw new ModelSpecError(`${path}.categories_nodes[${j}]`, `${node} is not a node`);
    const lo = segments[j]!,
      size = sizes[j]!;
    if (!(lo >= 0 && size >= 1 && lo + size <= all.length))
      throw new ModelSpecError(at, `[${lo}, ${lo + size}) is not a non-empty range of the ${all.length} categories`);
    const set = all.slice(lo, lo + size);
    set.forEach((c, m) => {
      if (!(c >= 0 && c < 2 ** 24))
        throw new ModelSpecError(`${path}.categories[${lo + m}]`, `category ${c} is not in [0, 2^24)`);
    });
    out.set(
      node,
      [...new Set(set)].sort((a, b) => a - b),
    );
  });
  return out;
}

function featureNamesOf(v: unknown, nFeatures: number): string[] | undefined {
  if (v === undefined || (Array.isArray(v) && v.length === 0)) return undefined;
  if (!Array.isArray(v) || v.length !== nFeatures || !v.every((x) => typeof x === "string"))
    throw new ModelSpecError("learner.feature_names", `expected ${nFeatures} strings, got ${describe(v)}`);
  const first = new Map<string, number>();
  v.forEach((name: string, i) => {
    const j = first.get(name);
    if (j !== undefined)
      throw new ModelSpecError(
        `learner.feature_names[${i}]`,
        `${JSON.stringify(name)} is also learner.feature_names[${j}]`,
      );
    first.set(name, i);
  });
  return v as string[];
}

const xgboostVersion = (v: unknown) =>
  Array.isArray(v) && v.every((x) => Number.isInteger(x)) ? `xgboost ${v.join(".")}` : "xgboost";
