// Real models exported by scikit-learn (as skl2onnx emits them) and PyTorch (torch.onnx.export),
// with the framework's own predictions (test/fixtures/onnx, made by make_fixtures.py): packed,
// run on both builds, every graph output compared by name: labels exactly, probabilities within
// TOL.framework, other values within TOL.frameworkValues (test/helpers/framework.ts). A missing
// value (null in the JSON: the Imputer fixtures) is fed as NaN.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Model } from "../../src/index.js";
import { pack } from "../../src/pack.js";
import { expectFrameworkOutputs, type FixtureRef } from "../helpers/framework.js";

const dir = new URL("../fixtures/onnx/", import.meta.url);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".onnx") && !/^skl_(pipe|svm)_/.test(f)) // test/onnx/pipeline.test.ts, svm.test.ts
  .sort();

describe.each(["auto", "off"] as const)("exported models agree with their framework · simd %s", (simd) => {
  it("every fixture is here", () => expect(files.length).toBeGreaterThanOrEqual(30));

  it.each(files)("%s", (file) => {
    const ref = JSON.parse(readFileSync(new URL(file.replace(/\.onnx$/, ".json"), dir), "utf8")) as FixtureRef;
    const model = Model.load(pack(readFileSync(new URL(file, dir))), { simd, allowNaN: true });
    const n = model.info.outputLength;
    const rows = ref.inputs.map((r) => (r.flat(Infinity) as Array<number | null>).map((v) => v ?? NaN));
    const batch = model.predictBatch(Float32Array.from(rows.flat()), rows.length);
    expect(model.info.outputs.map((o) => o.name)).toEqual(ref.onnx_outputs.map((o) => o.name)); // all outputs, declared order
    rows.forEach((row, r) => {
      expect(Array.from(batch.subarray(r * n, r * n + n)), `row ${r}`).toEqual(Array.from(model.predict(row)));
    });
    expectFrameworkOutputs(ref, model.info.outputs, batch, n);
  });
});
