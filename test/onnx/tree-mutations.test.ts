// Tree ensembles with random attribute damage: real and hand-built fixtures (onnxmltools'
// XGBoost, skl2onnx's HistGradientBoosting, TreeEnsemble-5 with MEMBER sets) with one value of
// one attribute changed (a node id, a child, a feature, a mode, a leaf flag, a target, a split,
// a set member) or one list shortened. Every mutant is refused with an EdgeInferError, or packs
// into an image that loads and gives the same bits in both builds.
import { readFileSync } from "node:fs";
import protobuf from "protobufjs/light.js";
import { describe, expect, it } from "vitest";
import { EdgeInferError, Model } from "../../src/index.js";
import { packOnnx } from "../../src/onnx/import.js";
import { ONNX_SCHEMA } from "../../src/onnx/schema.js";
import { bits } from "../assembly/same-bits.js";
import { seeded } from "../helpers/rng.js";

const ModelProto = protobuf.Root.fromJSON(ONNX_SCHEMA as unknown as protobuf.INamespace).lookupType("onnx.ModelProto");
// biome-ignore lint/suspicious/noExplicitAny: a decoded protobuf, mutated field by field
type Proto = any;
const CASES = 120;

const JUNK = [-1, 0, 1, 2, 3, 6, 7, 1000, 2 ** 31 - 1, -(2 ** 31)];

function mutate(m: Proto, r: ReturnType<typeof seeded>): Proto {
  const c = structuredClone(m);
  const attrs = c.graph.node[0].attribute as Proto[];
  const a = attrs[r.int(0, attrs.length - 1)];
  // The attribute's list: ints, floats, or a tensor's values.
  const lists: Array<[Proto, string]> = [];
  for (const k of ["ints", "floats"]) if (a[k]?.length) lists.push([a, k]);
  if (a.t)
    for (const k of ["floatData", "int32Data", "doubleData", "int64Data"]) if (a.t[k]?.length) lists.push([a.t, k]);
  if (lists.length === 0) {
    if (typeof a.i === "number") a.i = JUNK[r.int(0, JUNK.length - 1)];
    return c;
  }
  const [owner, key] = lists[r.int(0, lists.length - 1)]!;
  const list = owner[key] as number[];
  if (r.next() < 0.15) {
    list.length = r.int(0, list.length - 1);
    if (owner === a.t) a.t.dims = [list.length];
  } else {
    const i = r.int(0, list.length - 1);
    list[i] = r.next() < 0.5 ? JUNK[r.int(0, JUNK.length - 1)]! : list[r.int(0, list.length - 1)]!;
  }
  return c;
}

describe.each([
  "xgboost/xgb_multi_iris",
  "xgboost/xgb_binary_bc_base03",
  "xgboost/xgb_categorical_multi",
  "trees/skl_hgb_clf_iris",
  "trees/te5_member_softmax",
  "trees/te5_sum_2targets",
])("%s.onnx, attributes mutated", (name) => {
  it(`${CASES} mutants: an EdgeInferError, or an image with the same bits in both builds`, () => {
    const file = readFileSync(new URL(`../fixtures/${name}.onnx`, import.meta.url));
    const model = ModelProto.toObject(ModelProto.decode(file), { longs: Number, bytes: Uint8Array, arrays: true });
    const r = seeded(name);
    let packed = 0;
    for (let c = 0; c < CASES; c++) {
      const bytes = ModelProto.encode(ModelProto.fromObject(mutate(model, r))).finish();
      let image: Uint8Array;
      try {
        image = packOnnx(bytes);
      } catch (e) {
        expect(e, `case ${c}: ${(e as Error).message}`).toBeInstanceOf(EdgeInferError);
        continue;
      }
      packed++;
      const n = Model.load(image).info.inputLength;
      const rows = seeded(`${name} rows`).floats(4 * n, -1, 6);
      const [simd, scalar] = (["require", "off"] as const).map((s) =>
        Model.load(image, { simd: s, allowNaN: true }).predictBatch(rows, 4),
      );
      expect(bits(scalar!), `case ${c}`).toEqual(bits(simd!));
    }
    expect(packed).toBeGreaterThan(0);
  });
});
