// The benchmark's own machinery: the plain-JavaScript contender and the ONNX written for the
// scaling models compute what the float64 reference does, and the report script draws the
// committed results.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { forward64, type Layer, seededModel, trainedModels } from "../../bench/models.js";
import { jsModel } from "../../bench/plain-js.js";
import { Model } from "../../src/index.js";
import { pack } from "../../src/pack.js";

const root = new URL("../../", import.meta.url).pathname;

describe("benchmark models and contenders", () => {
  it("plain JavaScript and edgeinfer (from the written ONNX) match the float64 forward pass", () => {
    for (const widths of [
      [2, 1],
      [4, 8, 3],
      [16, 32, 4],
      [32, 64, 32, 8],
    ]) {
      const m = seededModel(widths, 8);
      const js = jsModel(m.layers!);
      const model = Model.load(pack(m.onnx));
      for (let r = 0; r < m.nRows; r++) {
        const x = m.rows.subarray(r * m.nIn, (r + 1) * m.nIn);
        const want = forward64(m.layers!, x);
        const a = js.predict(x),
          b = model.predict(x);
        want.forEach((v, i) => {
          expect(Math.abs(a[i]! - v)).toBeLessThan(1e-5);
          expect(Math.abs(b[i]! - v)).toBeLessThan(1e-5);
        });
      }
    }
  });

  it("plain JavaScript gives the blog's predict_proba and the trained MLPs' softmax", () => {
    for (const m of trainedModels().filter((q) => q.layers)) {
      const js = jsModel(m.layers as Layer[]);
      for (let r = 0; r < m.nRows; r++) {
        const y = js.predict(m.rows, r * m.nIn);
        m.expected[r]!.forEach((v, i) => expect(Math.abs(y[i]! - v)).toBeLessThan(1e-5 + 1e-4 * Math.abs(v)));
      }
    }
  });

  it("the report script draws the committed results", () => {
    const out = mkdtempSync(join(tmpdir(), "edgeinfer-report-"));
    execFileSync(process.execPath, [
      join(root, "scripts/bench-report.mjs"),
      join(root, "bench/results/peers.json"),
      "--out",
      out,
    ]);
    const files = readdirSync(out);
    for (const f of [
      "README.md",
      "latency.svg",
      "throughput.svg",
      "scaling.svg",
      "size.svg",
      "memory.svg",
      "cold-start.svg",
    ])
      expect(files).toContain(f);
    expect(readFileSync(join(out, "latency.svg"), "utf8")).toMatch(/^<svg [^>]+>[\s\S]*<\/svg>\n$/);
    expect(readFileSync(join(out, "README.md"), "utf8")).toContain("## The bars of issue 5");
  });
});
