#!/usr/bin/env node
// Runs the ONNX backend conformance classification (test/conformance/classify.mjs, the same
// code backend.test.ts runs) on the compiled importer and runtime in dist/, and writes
// docs/conformance.md. Usage: npm run build && node scripts/conformance-report.mjs [out.md]
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DATA_ROOT, listCases, runCase, SUITES, TOLERANCE } from "../test/conformance/classify.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = process.argv[2] ?? join(root, "docs", "conformance.md");
const dist = join(root, "dist", "src");

if (!existsSync(join(dist, "pack.js")) || !existsSync(join(dist, "index.js"))) {
  console.error("dist/src/pack.js or dist/src/index.js is missing: run `npm run build` first");
  process.exit(2);
}
if (!existsSync(DATA_ROOT)) {
  console.error(`${DATA_ROOT} is missing: install the Debian package libonnx-testdata`);
  process.exit(2);
}
warnIfStale();

const pack = await import(pathToFileURL(join(dist, "pack.js")).href);
const internal = await import(pathToFileURL(join(dist, "internal.js")).href);
const runtime = await import(pathToFileURL(join(dist, "index.js")).href);
const api = {
  packOnnx: pack.packOnnx,
  decodeOnnx: internal.decodeOnnx,
  decodeTensorProto: internal.decodeTensorProto,
  SUPPORTED_OPS: internal.SUPPORTED_OPS,
  Model: runtime.Model,
  EdgeInferError: runtime.EdgeInferError,
};

const t0 = performance.now();
const cases = listCases(api);
const results = cases.map((c) => ({ c, r: runCase(api, c) }));
const seconds = ((performance.now() - t0) / 1000).toFixed(1);

const label = { pass: "pass", "n/a": "n.a.", fail: "FAIL" };
const count = (/** @type {string} */ what, /** @type {typeof results} */ rs = results) =>
  rs.filter((x) => x.r.result === what).length;
const cell = (/** @type {string} */ s) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
/** The importer lists every supported operator when it refuses one: the report leaves that out. */
const short = (/** @type {string} */ s) => s.replace(/ \(supported: [^)]*\)/, "");

// Operators in the order of SUPPORTED_OPS, then whatever else tests were counted under.
const listed = Object.entries(api.SUPPORTED_OPS).flatMap(([d, ops]) =>
  Object.keys(ops).map((op) => (d ? `${d}::${op}` : op)),
);
const others = [...new Set(cases.map((c) => c.operator))].filter((op) => !listed.includes(op)).sort();

/** @type {string[]} */
const lines = [];
const w = (/** @type {string} */ s = "") => lines.push(s);

w("# ONNX backend conformance");
w();
w("<!-- Written by scripts/conformance-report.mjs: do not edit by hand. -->");
w();
w(`How the ONNX importer (\`packOnnx\`) does on the official ONNX backend tests, as shipped by the Debian package`);
w(
  `\`libonnx-testdata\` ${testdataVersion()} (\`${DATA_ROOT}/{${SUITES.join(",")}}\`; \`data/real\` holds no models there).`,
);
w();
w("**Which tests.** Every test whose model uses only operators edgeinfer imports (`SUPPORTED_OPS`, at any opset), and");
w(
  "every test whose name starts with `test_<operator>` for an imported operator (lower or snake case, e.g. `test_leakyrelu*`,",
);
w(
  "`test_log_softmax*`, `test_batchnorm*`; case-insensitive, so `test_BatchNorm2d_eval` counts), whatever else its model holds.",
);
w("The ONNX 1.12 data has no `ai.onnx.ml` backend tests.");
w();
w(
  "**How.** The row input is the first graph input whose element type is float (float, double or float16) and whose test data",
);
w(
  "has at least 2 dimensions; failing that, the first uint8/int8/uint16/int16/int32 one (its values are exact in f32: how",
);
w(
  "integer tensors reach edgeinfer's f32 rows); failing that, a 1-D one. Its dimension 0 is the batch N, the rest one row —",
);
w(
  "unless the data has one dimension or an expected output is not per row (a scalar such as DynamicQuantizeLinear's scale):",
);
w(
  "then the whole tensor is one row (`batch: false`, N = 1) and each output is compared whole. Every other graph input is bound",
);
w(
  "with `packOnnx(model, { constants, input })` to its value and data type in the test data (the backend tests feed weights such",
);
w(
  'as Gemm\'s B and C, and quantization parameters, as inputs). The image is loaded on both kernel builds (`simd: "auto"` and',
);
w(
  '`"off"`, `allowNaN: true`), `predictBatch` runs the N rows of every `test_data_set_*`, and every graph output is compared with',
);
w("its `output_*.pb`: same shape (N × the per-row length in `info.outputs`), values within");
w(
  `rtol ${TOLERANCE.rtol.toExponential()} and atol ${TOLERANCE.atol.toExponential()} (|got − expected| ≤ atol + rtol·|expected|), NaN equal to NaN, ±Inf exact, integer outputs`,
);
w("(ArgMax's int64, the uint8/int8/int32 outputs of the quantization operators, held in f32) exact.");
w();
w("**Results.**");
w("- **pass**: all of the above holds.");
w(
  "- **n.a.**: the importer refused the model with a typed `EdgeInferError` (its code and message are the reason), or the test is",
);
w("  outside edgeinfer's model before the importer is asked: no float or integer input with data (0-D data, string");
w("  inputs), sequence or optional inputs, a string input that cannot be bound, no input at all. The importer is then");
w("  still given the bare model and must refuse it typed or pack it; its code is noted in brackets.");
w(
  "- **FAIL**: wrong numbers or shapes, an untyped exception (TypeError, …) from the importer, or an image it packed that does not",
);
w("  load or run. A packed model is never n.a.");
w();
w("**Rerun.**");
w();
w("```sh");
w("npm run build && node scripts/conformance-report.mjs        # this file");
w(
  "npx vitest run --config vitest.conformance.config.ts         # the same classification as vitest cases, and the ONNX corruption fuzz",
);
w("```");
w();
w(
  "In the vitest run a pass passes, an n.a. is skipped (its reason is the skip note) and a FAIL fails; a test listed as pass below",
);
w("that the importer now refuses also fails, as a regression (regenerate this file when such a change is intended).");
w();
w("## Summary");
w();
w(
  `${results.length} tests: **${count("pass")} pass**, ${count("n/a")} n.a., **${count("fail")} FAIL** (run on ${buildsRun()}).`,
);
w();
w("| operator | tests | pass | n.a. | FAIL |");
w("| --- | ---: | ---: | ---: | ---: |");
for (const op of [...listed, ...others]) {
  const rs = results.filter((x) => x.c.operator === op);
  const note = !listed.includes(op) ? " (not imported; name matched)" : rs.length === 0 ? " (no backend test)" : "";
  w(`| ${op}${note} | ${rs.length} | ${count("pass", rs)} | ${count("n/a", rs)} | ${count("fail", rs)} |`);
}
w(`| **all** | **${results.length}** | **${count("pass")}** | **${count("n/a")}** | **${count("fail")}** |`);
w();
w(
  "A test is counted under the operator its name starts with, else under the first imported operator of its model other than",
);
w("Constant (`test_operator_mm` → Gemm), else under its model's first operator.");
w();
const na = results.filter((x) => x.r.result === "n/a");
const why = new Map();
for (const { r } of na) {
  const k = r.code
    ? `refused by the importer: ${r.code}${/operator not supported/.test(r.reason) ? ", operator not supported" : /supported from opset/.test(r.reason) ? ", opset outside the supported range" : ", an attribute, shape or operand it cannot run"}`
    : "outside edgeinfer's model (decided before packing)";
  why.set(k, (why.get(k) ?? 0) + 1);
}
w("| why n.a. | tests |");
w("| --- | ---: |");
for (const [k, n] of [...why].sort((a, b) => b[1] - a[1])) w(`| ${k} | ${n} |`);
w();
const failures = results.filter((x) => x.r.result === "fail");
if (failures.length) {
  w("## Failures");
  w();
  for (const { c, r } of failures) w(`- \`${c.id}\` (${c.ops.join(", ")}; opset ${c.opset}): ${cell(r.reason)}`);
  w();
}
w("## All tests");
w();
w("| test | operators | opset | result | reason |");
w("| --- | --- | --- | --- | --- |");
for (const { c, r } of results) {
  w(
    `| \`${c.id}\` | ${cell(c.ops.join(", ") || "?")} | ${c.opset || "?"} | ${label[r.result]} | ${cell(short(r.reason))} |`,
  );
}

writeFileSync(out, lines.join("\n") + "\n");
console.log(
  `${relative(process.cwd(), out)}: ${results.length} tests, ${count("pass")} pass, ${count("n/a")} n.a., ${count("fail")} FAIL (${seconds} s)`,
);
for (const { c, r } of failures) console.log(`  FAIL ${c.id}: ${r.reason}`);

function testdataVersion() {
  try {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
    return execFileSync("dpkg-query", ["-W", "-f", "${Version}", "libonnx-testdata"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return "(version unknown)";
  }
}

function buildsRun() {
  return runtime.hasSimd() ? "both builds, simd and scalar" : "the scalar build only: this host has no wasm SIMD";
}

/** Warns when a source file is newer than its compiled counterpart in dist/. */
function warnIfStale() {
  /** @type {string[]} */
  const stale = [];
  const walk = (/** @type {string} */ dir) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) {
        const js = join(root, "dist", relative(root, p)).replace(/\.ts$/, ".js");
        if (!existsSync(js) || statSync(js).mtimeMs < statSync(p).mtimeMs) stale.push(relative(root, p));
      }
    }
  };
  walk(join(root, "src"));
  if (stale.length) console.warn(`warning: dist/ is older than ${stale.join(", ")}: run \`npm run build\` first`);
}
