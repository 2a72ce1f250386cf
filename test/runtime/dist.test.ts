// The package's entries as shipped (dist/pkg, scripts/build-dist.mjs, run by `npm run build`):
// "edgeinfer" is one file that exports what src/index.ts exports; "edgeinfer/pack" and
// "edgeinfer/build" take the runtime's classes from it, so there is one copy of each and
// `instanceof` holds whichever entry threw. Imported by the package's own name, in a child
// Node, the way a user's program resolves them.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as src from "../../src/index.js";

const root = new URL("../../", import.meta.url).pathname;
const dist = (f: string) => readFileSync(`${root}dist/pkg/${f}`, "utf8");

/** Runs an ES module body in a child Node whose imports resolve as the package's (self-reference). */
function child(body: string): unknown {
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", body], { cwd: root, encoding: "utf8" });
  return JSON.parse(out);
}

describe("the shipped runtime entry (dist/pkg/index.js)", () => {
  it("is one module that imports nothing", () => {
    const text = dist("index.js");
    expect(text).not.toMatch(/\bimport\b/); // neither static nor dynamic
    expect(text).not.toMatch(/\bfrom\s*["']/);
    expect(text).not.toMatch(/protobuf|packOnnx|PlanBuilder/); // no importer code (entry.test.ts checks the sources)
    expect([...text].every((c) => c.charCodeAt(0) < 128)).toBe(true); // read as a one-byte string
  });

  it("exports exactly what src/index.ts exports", () => {
    const names = child(
      `const m = await import("edgeinfer"); process.stdout.write(JSON.stringify(Object.keys(m).sort()));`,
    );
    expect(names).toEqual(Object.keys(src).sort());
  });

  it("has one copy of each class: pack.js and build.js import them from index.js", () => {
    for (const cls of ["EdgeInferError", "FormatError", "ModelSpecError", "Model", "Runtime"]) {
      const where = ["index.js", "pack.js", "build.js", "cli.js"].filter((f) =>
        new RegExp(`\\bclass ${cls}\\b|\\b${cls}\\s*=\\s*class\\b`).test(dist(f)),
      );
      expect(where, cls).toEqual(["index.js"]);
    }
    expect(dist("pack.js")).toMatch(/\bimport\s*\{[^}]*\bRuntime\b[^}]*\}\s*from\s*"\.\/index\.js"/); // int8 calibration runs models
    expect(dist("build.js")).toMatch(/\bimport\s*\{\s*pack\b[^}]*\}\s*from\s*"\.\/pack\.js"/);
    expect(dist("cli.js")).toMatch(/\bimport\(\s*"\.\/build\.js"\s*\)/); // the compiler only when asked
  });

  it("errors thrown through edgeinfer/pack and edgeinfer/build are instances of the classes from edgeinfer", () => {
    const r = child(`
      import * as E from "edgeinfer";
      import { pack } from "edgeinfer/pack";
      import { buildStandalone } from "edgeinfer/build";
      const got = {};
      const probe = async (name, f) => { try { await f(); got[name] = "no error"; } catch (e) {
        got[name] = { name: e.name, code: e.code, edge: e instanceof E.EdgeInferError, format: e instanceof E.FormatError, spec: e instanceof E.ModelSpecError, onnx: e instanceof E.OnnxDecodeError }; } };
      const lr = { kind: "logistic_regression", coefficients: [[1, -1]], intercept: [0.5], classes: [0, 1] };
      const image = pack(lr);
      const bad = image.slice(); bad[bad.length - 1] ^= 1;
      await probe("packJson", () => pack({ kind: "nonsense" }));
      await probe("packOnnx", () => pack(new Uint8Array([0x0a, 0xff, 0xff, 0xff])));
      await probe("calibrate", () => pack(lr, { quantize: "int8", calibration: [[1]] }));
      await probe("build", () => buildStandalone(bad));
      await probe("load", () => E.Model.load(bad));
      got.calibrated = E.inspect(pack(lr, { quantize: "int8", calibration: [[1, 2], [0, -1]] })).quantReport?.calibration?.rows;
      const model = E.Model.load(image);
      got.predict = Array.from(model.predict([0.5, -1]));
      got.modelIsOne = model instanceof E.Model && model.runtime instanceof E.Runtime;
      process.stdout.write(JSON.stringify(got));
    `) as Record<string, Record<string, unknown>>;
    expect(r.packJson).toMatchObject({ name: "ModelSpecError", edge: true, spec: true });
    expect(r.packOnnx).toMatchObject({ name: "OnnxDecodeError", edge: true, onnx: true });
    expect(r.calibrate).toMatchObject({ name: "ModelSpecError", edge: true, spec: true });
    expect(r.build).toMatchObject({ name: "FormatError", code: "E_FORMAT", edge: true, format: true });
    expect(r.load).toMatchObject({ name: "FormatError", edge: true, format: true });
    expect(r.modelIsOne).toBe(true);
    expect(r.calibrated).toBe(2); // pack ran the model through the runtime entry's Model
    expect((r.predict as unknown as number[]).length).toBe(2);
  });

  it("edgeinfer/build finds the package's assembly/ from dist/pkg and builds a module", () => {
    const r = child(`
      import { buildStandalone } from "edgeinfer/build";
      const { wasm } = await buildStandalone({ kind: "logistic_regression", coefficients: [[1, -1]], intercept: [0.5], classes: [0, 1] });
      const m = new WebAssembly.Module(wasm);
      process.stdout.write(JSON.stringify({ imports: WebAssembly.Module.imports(m).length, predict: WebAssembly.Module.exports(m).some((e) => e.name === "predict") }));
    `);
    expect(r).toEqual({ imports: 0, predict: true });
  });
});
