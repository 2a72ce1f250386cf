// Small packed models built through the public builder, for format and runtime tests.
import { readFileSync } from "node:fs";
import { Act } from "../../src/format/abi.js";
import { pack } from "../../src/pack.js";
import { PlanBuilder } from "../../src/plan/builder.js";
import { quantizeRows } from "../../src/plan/quantize.js";
import { seeded } from "./rng.js";

/** The blog's logistic regression (examples/logistic-regression/model.json), packed. */
export function seedModel(): Uint8Array {
  return pack(readFileSync(new URL("../../examples/logistic-regression/model.json", import.meta.url), "utf8"));
}

/** Every opcode in one model: affine → dense relu → int8 dense tanh → dense softmax → argmax, normalize. */
export function everyOpModel(nIn = 6): Uint8Array {
  const r = seeded("every op");
  const g = new PlanBuilder(nIn, {
    producer: "test",
    kind: "mlp",
    featureNames: Array.from({ length: nIn }, (_, i) => `f${i}`),
  });
  let x = g.affine(g.input, r.floats(nIn), r.floats(nIn));
  x = g.dense(x, r.floats(8 * nIn), r.floats(8), Act.Relu);
  const q = quantizeRows(r.floats(8 * 5), 5, 8);
  x = g.denseQ8(x, q.values, q.scales, r.floats(5), Act.Tanh);
  x = g.act(x, Act.LeakyRelu, { alpha: 0.1 });
  const p = g.dense(x, r.floats(15), r.floats(3), Act.Softmax);
  g.output("probabilities", p, ["a", "b", "c"]);
  g.output("label", g.argmax(p), ["a", "b", "c"]);
  g.output("l2", g.normalize(x, 2));
  return g.build({ batchRows: 4 });
}
