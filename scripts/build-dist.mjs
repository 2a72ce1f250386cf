#!/usr/bin/env node
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
// The package's entries as single files (rolldown), from tsc's output in dist/src:
//   dist/pkg/index.js  "edgeinfer": the runtime, one ES module with the kernels embedded
//   dist/pkg/pack.js   "edgeinfer/pack": the importer
//   dist/pkg/build.js  "edgeinfer/build": standalone modules
//   dist/pkg/serve.js  "edgeinfer/serve": the HTTP server (Node)
//   dist/pkg/serve-fetch.js "edgeinfer/serve/fetch": its routes as a fetch handler (workerd)
//   dist/pkg/drift.js  "edgeinfer/drift": drift statistics and change detectors (docs/drift.md)
//   dist/pkg/cli.js    bin/edgeinfer.js
// One file instead of the runtime's 11 modules: each module costs Node's ESM loader a resolve,
// a read and a compile, most of a cold start (bench/cold.ts).
// Exactly one copy of each class with an identity (the errors, Model, Runtime, the compiled
// kernels): pack.js and build.js import them from index.js instead of bundling their own, so
// `err instanceof FormatError` holds whichever entry threw it. build.js takes pack() from pack.js.
// The package ships these and only the .d.ts files of dist/src.
import { rolldown } from "rolldown";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = (p) => join(root, "dist/src", p);
const out = join(root, "dist/pkg");

/** Modules the importer entries take from the runtime entry (they must import only public names from them). */
export const SHARED = ["errors.js", "runtime/model.js", "runtime/runtime.js", "runtime/wasm.js"].map(src);

/**
 * Non-ASCII characters (in messages: ×, −, ≥) escaped: an all-ASCII source is read and scanned
 * as a one-byte string, 1 ms less to import the runtime cold than the UTF-8 file (bench/cold.ts).
 */
const asciiOnly = (file) =>
  writeFileSync(
    file,
    readFileSync(file, "utf8").replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`),
  );

function shareWith(entries) {
  return {
    name: "edgeinfer-shared",
    resolveId(spec, importer) {
      if (!importer || !spec.startsWith(".")) return null;
      const target = resolve(dirname(importer), spec);
      for (const [path, to] of entries) if (target === path) return { id: to, external: true };
      return null;
    },
  };
}

const bare = (id) => !id.startsWith(".") && !id.startsWith("/");
const builds = [
  { input: src("index.js"), file: "index.js", share: [] },
  { input: src("pack.js"), file: "pack.js", share: SHARED.map((p) => [p, "./index.js"]) },
  {
    input: src("build/standalone.js"),
    file: "build.js",
    share: [...SHARED.map((p) => [p, "./index.js"]), [src("pack.js"), "./pack.js"]],
  },
  {
    input: src("serve/index.js"),
    file: "serve.js",
    share: [...SHARED.map((p) => [p, "./index.js"]), [src("pack.js"), "./pack.js"]],
  },
  // The routes as a fetch handler over images (workerd, bundlers): no node: module inside.
  {
    input: src("serve/fetch.js"),
    file: "serve-fetch.js",
    share: SHARED.map((p) => [p, "./index.js"]),
  },
  { input: src("drift/index.js"), file: "drift.js", share: SHARED.map((p) => [p, "./index.js"]) },
  // The CLI (bin/edgeinfer.js): the entries above, and its own code.
  {
    input: src("cli/main.js"),
    file: "cli.js",
    share: [
      ...SHARED.map((p) => [p, "./index.js"]),
      [src("pack.js"), "./pack.js"],
      [src("build/standalone.js"), "./build.js"],
      [src("serve/server.js"), "./serve.js"],
      [src("serve/log.js"), "./serve.js"],
    ],
  },
  // "edgeinfer/sql": models as SQL functions (registerSqlite, registerDuckDB).
  {
    input: src("batch/udf.js"),
    file: "sql.js",
    share: [...SHARED.map((p) => [p, "./index.js"]), [src("index.js"), "./index.js"]],
  },
  // The serve command's packing thread (src/serve/packer.ts finds it beside serve.js and cli.js).
  {
    input: src("serve/pack-worker.js"),
    file: "serve-pack-worker.js",
    share: [...SHARED.map((p) => [p, "./index.js"]), [src("pack.js"), "./pack.js"]],
  },
  // The batch command's worker thread (src/batch/workers.ts finds it beside cli.js).
  {
    input: src("batch/worker.js"),
    file: "batch-worker.js",
    share: [...SHARED.map((p) => [p, "./index.js"]), [src("index.js"), "./index.js"]],
  },
];
for (const b of builds) {
  const bundle = await rolldown({ input: b.input, external: bare, plugins: [shareWith(b.share)], logLevel: "warn" });
  // Not minified: minifying saves 0.5–0.9 ms of the blog model's 13 ms cold start (npm run
  // bench:pieces), and a stack trace that reads like the source is worth more. Class names stay as
  // written (errors name themselves after their class); comments go (the d.ts files keep them).
  // No source maps: the code reads like dist/src, and they would double the package.
  await bundle.write({ file: join(out, b.file), format: "esm", comments: false });
  await bundle.close();
  asciiOnly(join(out, b.file));
}
