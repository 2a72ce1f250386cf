// The layering of src/ (docs/architecture.md): which folder may import which, no import cycles
// between files, and the runtime entry reaching no importer or service code. Type-only imports
// are left out: they vanish from the JavaScript.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";

const src = new URL("../../src/", import.meta.url).pathname;

function sources(dir = src): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** The value imports of a file, as paths relative to src/. */
function imports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(/^(import|export)\s+(type\s+)?([^"';]*?)\s*from\s+["'](\.[^"']+)["']/gm)) {
    if (m[2]) continue; // import type / export type
    const names = m[3] ?? "";
    // `import { type A, type B }`: every name type-only.
    if (
      /^\{[^}]*\}$/.test(names.trim()) &&
      names
        .replace(/[{}\s]/g, "")
        .split(",")
        .every((n) => n === "" || n.startsWith("type"))
    )
      continue;
    out.push(relative(src, normalize(join(dirname(file), m[4]!.replace(/\.js$/, ".ts")))));
  }
  return out;
}

/** A file's layer: its folder, or for the format's base files (numbers and types), "format-base". */
function layer(path: string): string {
  if (/^format\/(abi|types|varint|crc32|labels|rows)\.ts$/.test(path)) return "format-base";
  const slash = path.indexOf("/");
  return slash < 0 ? path.replace(/\.ts$/, "") : path.slice(0, slash);
}

/** Which layers each layer may import (besides itself). Import → graph → plan → format ← runtime. */
const ALLOWED: Record<string, string[]> = {
  errors: [],
  host: [],
  "format-base": ["errors"],
  ops: ["format-base", "errors"],
  format: ["ops", "format-base", "errors"],
  runtime: ["format", "format-base", "ops", "errors", "host"],
  index: ["runtime", "format", "format-base", "ops", "errors"],
  io: ["index", "format-base", "errors"],
  plan: ["format", "format-base", "ops", "errors", "runtime"],
  graph: ["plan", "format-base", "errors"],
  json: ["graph", "plan", "format-base", "errors"],
  onnx: ["graph", "plan", "format-base", "errors"],
  pack: ["json", "onnx", "tflite", "format-base", "errors"],
  tflite: ["graph", "plan", "format-base", "errors"],
  build: ["pack", "format", "format-base", "ops", "errors"],
  internal: ["onnx", "plan", "graph", "json"],
  serve: ["pack", "io", "index", "format-base", "errors"],
  drift: ["format", "format-base", "errors"],
  batch: ["index", "io", "format-base", "errors"],
  stream: ["batch", "index", "io", "format-base", "errors"],
  cli: [
    "batch",
    "stream",
    "serve",
    "drift",
    "pack",
    "build",
    "io",
    "index",
    "runtime",
    "format",
    "format-base",
    "ops",
    "onnx",
    "tflite",
    "errors",
  ],
};

const files = sources().map((f) => relative(src, f));
const graph = new Map(files.map((f) => [f, imports(join(src, f))]));

describe("src/ layering", () => {
  it("every layer is known", () => {
    expect([...new Set(files.map(layer))].filter((l) => !(l in ALLOWED))).toEqual([]);
  });

  it("each import goes to an allowed layer", () => {
    const bad: string[] = [];
    for (const [f, deps] of graph) {
      for (const d of deps) {
        const a = layer(f),
          b = layer(d);
        if (a !== b && !ALLOWED[a]!.includes(b)) bad.push(`${f} -> ${d}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it("no import cycle between files", () => {
    const cycles: string[] = [];
    const state = new Map<string, 1 | 2>(); // 1: on the stack, 2: done
    for (const start of files) {
      if (state.has(start)) continue;
      // Iterative depth-first search, so that a long chain cannot overflow the stack.
      const stack: Array<{ f: string; i: number }> = [{ f: start, i: 0 }];
      state.set(start, 1);
      while (stack.length) {
        const top = stack[stack.length - 1]!;
        const deps = graph.get(top.f) ?? [];
        if (top.i === deps.length) {
          state.set(top.f, 2);
          stack.pop();
          continue;
        }
        const d = deps[top.i++]!;
        if (state.get(d) === 1)
          cycles.push([...stack.slice(stack.findIndex((s) => s.f === d)).map((s) => s.f), d].join(" -> "));
        else if (!state.has(d)) {
          state.set(d, 1);
          stack.push({ f: d, i: 0 });
        }
      }
    }
    expect(cycles).toEqual([]);
  });

  it("the runtime entry reaches no importer, planner, service or CLI code", () => {
    const seen = new Set<string>(["index.ts"]);
    const todo = ["index.ts"];
    while (todo.length) {
      for (const d of graph.get(todo.pop()!) ?? []) {
        if (seen.has(d)) continue;
        seen.add(d);
        todo.push(d);
      }
    }
    expect(
      [...seen].filter((f) => /^(plan|graph|onnx|tflite|json|pack|build|cli|io|internal|serve|batch|stream)\b/.test(f)),
    ).toEqual([]);
  });
});
