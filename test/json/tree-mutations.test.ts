// Malformed tree models never crash, hang or load wrongly: random mutations of real XGBoost
// JSON files and scikit-learn tree dumps (a value replaced by junk, a key deleted, an array
// shortened, a child index pointed elsewhere) either pack into an image that loads and
// predicts finite-or-NaN rows, or are refused with a ModelSpecError naming a field.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Model, ModelSpecError, SizeLimitError } from "../../src/index.js";
import { pack } from "../../src/pack.js";
import { seeded } from "../helpers/rng.js";

const read = (path: string) => JSON.parse(readFileSync(new URL(`../fixtures/${path}`, import.meta.url), "utf8"));
const CASES = 500;

type Json = unknown;
const JUNK: Json[] = [null, -1, 0, 1, 2.5, 1e40, -2147483648, 4294967295, "x", "5E-1", [], {}, true, [0], NaN];

/** Every path to a value inside v (arrays sampled: at most 6 entries each). */
function paths(
  v: Json,
  r: ReturnType<typeof seeded>,
  at: Array<string | number> = [],
  out: Array<Array<string | number>> = [],
) {
  out.push(at);
  if (Array.isArray(v)) {
    for (let k = 0; k < Math.min(6, v.length); k++) {
      const i = v.length <= 6 ? k : r.int(0, v.length - 1);
      paths(v[i], r, [...at, i], out);
    }
  } else if (typeof v === "object" && v !== null) {
    for (const [k, x] of Object.entries(v)) paths(x, r, [...at, k], out);
  }
  return out;
}

function mutate(model: Json, r: ReturnType<typeof seeded>): Json {
  const m = structuredClone(model);
  const all = paths(m, r).filter((p) => p.length > 0);
  const p = all[r.int(0, all.length - 1)]!;
  let parent = m as Record<string | number, Json>;
  for (const k of p.slice(0, -1)) parent = parent[k] as Record<string | number, Json>;
  const key = p[p.length - 1]!;
  const old = parent[key];
  const kind = r.int(0, 3);
  if (kind === 0 && !Array.isArray(parent)) delete parent[key];
  else if (kind === 1 && Array.isArray(old) && old.length > 0) old.length = r.int(0, old.length - 1);
  else if (kind === 2 && typeof old === "number") parent[key] = old + r.int(-3, 3);
  else parent[key] = JUNK[r.int(0, JUNK.length - 1)];
  return m;
}

describe.each([
  ["xgboost/xgb_binary_bc_base03.model.json", "XGBoost binary:logistic"],
  ["xgboost/xgb_multi_iris.model.json", "XGBoost multi:softprob"],
  ["trees/skl_json_rf_clf_bc.json", "scikit-learn RandomForestClassifier"],
  ["trees/skl_json_dt_reg_diabetes.json", "scikit-learn DecisionTreeRegressor"],
])("%s (%s): mutated", (file) => {
  it(`${CASES} random mutations: packed and predicting, or a typed refusal naming a field`, () => {
    const model = read(file);
    const r = seeded(file);
    let refused = 0;
    for (let c = 0; c < CASES; c++) {
      const m = mutate(model, r);
      let image: Uint8Array;
      try {
        image = pack(JSON.stringify(m));
      } catch (e) {
        // A field named (ModelSpecError), or a size past the format's limits (SizeLimitError).
        expect(
          [ModelSpecError, SizeLimitError].some((k) => e instanceof k),
          `case ${c}: ${(e as Error).message}`,
        ).toBe(true);
        refused++;
        continue;
      }
      const loaded = Model.load(image, { allowNaN: true });
      const n = loaded.info.inputLength;
      const y = loaded.predictBatch(new Float32Array(2 * n).fill(0.5), 2);
      expect(y.length, `case ${c}`).toBe(2 * loaded.info.outputLength);
    }
    expect(refused).toBeGreaterThan(CASES / 4);
  });
});
