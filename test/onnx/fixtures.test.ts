// Real models exported by scikit-learn (as skl2onnx emits them) and PyTorch (torch.onnx.export),
// with the framework's own predictions (test/fixtures/onnx, made by make_fixtures.py): packed,
// run on both builds, every graph output compared by name. Probabilities and scores within 1e-5,
// labels exactly equal. A missing value (null in the JSON: the Imputer fixtures) is fed as NaN.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Model } from "../../src/index.js";
import { pack } from "../../src/pack.js";

const dir = new URL("../fixtures/onnx/", import.meta.url);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".onnx"))
  .sort();

interface Ref {
  inputs: Array<Array<number | null>>;
  expected: Record<string, unknown[]>;
  onnx_outputs: Array<{ name: string; framework_output: string }>;
}

describe.each(["auto", "off"] as const)("exported models agree with their framework · simd %s", (simd) => {
  it("every fixture is here", () => expect(files.length).toBeGreaterThanOrEqual(30));

  it.each(files)("%s", (file) => {
    const ref = JSON.parse(readFileSync(new URL(file.replace(/\.onnx$/, ".json"), dir), "utf8")) as Ref;
    const model = Model.load(pack(readFileSync(new URL(file, dir))), { simd, allowNaN: true });
    const n = model.info.outputLength;
    const rows = ref.inputs.map((r) => (r.flat(Infinity) as Array<number | null>).map((v) => v ?? NaN));
    const batch = model.predictBatch(Float32Array.from(rows.flat()), rows.length);
    expect(model.info.outputs.map((o) => o.name)).toEqual(ref.onnx_outputs.map((o) => o.name)); // all outputs, declared order
    let checked = 0;
    rows.forEach((row, r) => {
      const y = model.predict(row);
      expect(Array.from(batch.subarray(r * n, r * n + n))).toEqual(Array.from(y));
      for (const o of ref.onnx_outputs) {
        const info = model.info.outputs.find((x) => x.name === o.name)!;
        const want = ref.expected[o.framework_output]![r];
        const got = Array.from(y.subarray(info.offset, info.offset + info.length));
        if (info.labels && info.length === 1) {
          expect(info.labels[got[0]!], `${o.name} row ${r}`).toEqual(want); // the label itself, exactly
        } else {
          const w = [want].flat(Infinity) as number[];
          expect(got.length).toBe(w.length);
          got.forEach((g, i) =>
            expect(Math.abs(g - w[i]!), `${o.name} row ${r} [${i}]`).toBeLessThanOrEqual(1e-5 + 1e-6 * Math.abs(w[i]!)),
          );
        }
        checked++;
      }
    });
    expect(checked).toBe(rows.length * ref.onnx_outputs.length);
  });
});
