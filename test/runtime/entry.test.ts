// The runtime entry ("edgeinfer") must stay free of importer code: a page or device that only
// predicts never loads the ONNX decoder, the JSON importer or the planner. Checked on the
// import graph of the sources, not on a bundle.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const src = new URL("../../src/", import.meta.url).pathname;

function importGraph(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>(),
    packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/gms)) {
      const spec = m[1]!;
      if (spec.startsWith(".")) visit(join(dirname(file), spec.replace(/\.js$/, ".ts")));
      else packages.add(spec);
    }
  };
  visit(join(src, entry));
  return { files: [...files].map((f) => relative(src, f)).sort(), packages: [...packages].sort() };
}

describe("the runtime entry", () => {
  it("imports no importer code and no package", () => {
    const { files, packages } = importGraph("index.ts");
    expect(files.filter((f) => /^(onnx|json|plan|cli)\//.test(f) || f === "pack.ts")).toEqual([]);
    expect(packages).toEqual([]);
    expect(files).toContain("runtime/model.ts");
  });
  it("the importer entry is where protobufjs comes in", () => {
    expect(importGraph("pack.ts").packages).toContain("protobufjs/light.js");
  });
});

describe("layers", () => {
  it("the model does not import the runtime that holds it (ModelHost is its side of the contract)", () => {
    expect(importGraph("runtime/model.ts").files).not.toContain("runtime/runtime.ts");
    expect(importGraph("runtime/runtime.ts").files).toContain("runtime/model.ts");
  });
  it("only the runtime makes models", () => {
    const sources = readdirSync(src, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
    const makers = sources.filter((f) => /\bnew Model\(/.test(readFileSync(join(src, f), "utf8")));
    expect(makers).toEqual(["runtime/runtime.ts"]);
  });
});
