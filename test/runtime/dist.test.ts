// The package's entries as shipped (dist/pkg, scripts/build-dist.mjs, run by `npm run build`):
// "edgeinfer" is one file that exports what src/index.ts exports: index.js with the kernels
// embedded, or under the "node" condition index.node.js, which reads them from build/.
// "edgeinfer/pack" and "edgeinfer/build" take the runtime's classes from "edgeinfer", so there
// is one copy of each and `instanceof` holds whichever entry threw. Imported by the package's
// own name, in a child Node, the way a user's program resolves them.
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

describe("the shipped runtime entries (dist/pkg/index.js, index.node.js)", () => {
  it("index.js is one module that imports nothing, with the kernels embedded", () => {
    const text = dist("index.js");
    expect(text).not.toMatch(/\bimport\b/); // neither static nor dynamic
    expect(text).not.toMatch(/\bfrom\s*["']/);
    expect(text).not.toMatch(/protobuf|packOnnx|PlanBuilder/); // no importer code (entry.test.ts checks the sources)
    expect([...text].every((c) => c.charCodeAt(0) < 128)).toBe(true); // read as a one-byte string
    expect(text).toContain(readFileSync(`${root}build/edgeinfer.simd.wasm`).toString("base64"));
  });

  it("index.node.js is the same module but for the kernels: it imports nothing either, and holds no base64", () => {
    const text = dist("index.node.js");
    expect(text).not.toMatch(/^\s*import\b|\bimport\s*\(|\bfrom\s*["']/m); // node:fs comes through process.getBuiltinModule
    expect(text).toMatch(/getBuiltinModule/);
    expect(text).not.toMatch(/[A-Za-z0-9+/]{1000}/);
    expect([...text].every((c) => c.charCodeAt(0) < 128)).toBe(true);
    // Module by module (rolldown marks each with its path), all but where the kernels come from are the same.
    const modules = (t: string) => Object.fromEntries(t.split(/^(?=\/\/ dist\/src\/)/m).filter((m) => m.startsWith("// dist/src/") && !/^\/\/ dist\/src\/runtime\/(wasm-binary|kernel-source)/.test(m)).map((m) => [m.slice(0, m.indexOf("\n")), m.replace(/^export \{[\s\S]*$/m, "").trim()]));
    const node = modules(text), embedded = modules(dist("index.js"));
    expect(Object.keys(node)).toContain("// dist/src/runtime/model.js");
    expect(node).toEqual(embedded); // nothing else differs
  });

  it("Node resolves \"edgeinfer\" to index.node.js, whose kernels are the build/ files; both entries export what src/index.ts exports", () => {
    const r = child(`
      import { readFileSync } from "node:fs";
      const m = await import("edgeinfer"), d = await import("./dist/pkg/index.js");
      const same = (build) => Buffer.compare(Buffer.from(m.kernelBytes(build)), readFileSync("build/edgeinfer." + build + ".wasm")) === 0;
      const eq = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);
      process.stdout.write(JSON.stringify({ url: import.meta.resolve("edgeinfer"), simd: same("simd"), scalar: same("scalar"),
        embedded: eq(d.kernelBytes("simd"), m.kernelBytes("simd")) && eq(d.kernelBytes("scalar"), m.kernelBytes("scalar")),
        names: Object.keys(m).sort(), embeddedNames: Object.keys(d).sort() }));
    `) as { url: string; simd: boolean; scalar: boolean; embedded: boolean; names: string[]; embeddedNames: string[] };
    expect(r.url).toMatch(/\/dist\/pkg\/index\.node\.js$/);
    expect(r).toMatchObject({ simd: true, scalar: true, embedded: true });
    expect(r.names).toEqual(Object.keys(src).sort());
    expect(r.embeddedNames).toEqual(Object.keys(src).sort());
  });

  it("has one copy of each class per host: pack.js and build.js import them from \"edgeinfer\"", () => {
    for (const cls of ["EdgeInferError", "FormatError", "ModelSpecError", "Model", "Runtime"]) {
      const where = ["index.js", "index.node.js", "pack.js", "build.js", "cli.js"].filter((f) => new RegExp(`\\bclass ${cls}\\b|\\b${cls}\\s*=\\s*class\\b`).test(dist(f)));
      expect(where, cls).toEqual(["index.js", "index.node.js"]); // one of the two, by the host's conditions
    }
    expect(dist("pack.js")).toMatch(/\bimport\s*\{[^}]*\bModel\b[^}]*\}\s*from\s*"edgeinfer"/);
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
