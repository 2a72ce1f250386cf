// The ONNX importer against the official ONNX backend tests (Debian's libonnx-testdata):
// one vitest case per test directory. "pass" passes, "n/a" is skipped with its reason as the
// note, "fail" fails. The classification itself lives in classify.mjs, shared with
// scripts/conformance-report.mjs (which writes docs/conformance.md).
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EdgeInferError, Model } from "../../src/index.js";
import { decodeOnnx, decodeTensorProto } from "../../src/onnx/decode.js";
import { SUPPORTED_OPS } from "../../src/onnx/import.js";
import { packOnnx } from "../../src/pack.js";
import { type Case, DATA_ROOT, listCases, type Outcome, parseReport, runCase } from "./classify.mjs";

const api = { packOnnx, decodeOnnx, decodeTensorProto, SUPPORTED_OPS, Model, EdgeInferError };
const available = existsSync(DATA_ROOT);
const cases: Case[] = available ? listCases(api) : [];

// A test recorded as "pass" in docs/conformance.md that is now refused is a regression (if the
// refusal is intended, regenerate the report: npm run build && node scripts/conformance-report.mjs).
const reportPath = new URL("../../docs/conformance.md", import.meta.url);
const recorded: Map<string, string> = existsSync(reportPath)
  ? parseReport(readFileSync(reportPath, "utf8"))
  : new Map();

describe(`ONNX backend tests (${DATA_ROOT})`, () => {
  it("the test data is installed (apt-get install libonnx-testdata)", () => {
    expect(available, `${DATA_ROOT} is missing`).toBe(true);
  });

  it("selects the tests of every ai.onnx operator edgeinfer imports", () => {
    expect(cases.length).toBeGreaterThan(100);
    const covered = new Set(cases.flatMap((c) => [c.operator, ...c.ops]));
    const missing = Object.keys(SUPPORTED_OPS[""]!).filter((op) => !covered.has(op));
    expect(missing, "ai.onnx operators with no backend test").toEqual([]);
  });

  it.for(cases.map((c) => [c.id, c] as const))("%s", ([, c], { skip }) => {
    const r: Outcome = runCase(api, c);
    expect(r.result, `${c.id} [${c.ops.join(", ")}]: ${r.reason}`).not.toBe("fail");
    const regressed = r.result === "n/a" && recorded.get(c.id) === "pass";
    expect(regressed, `${c.id} passed in docs/conformance.md and is now refused: ${r.reason}`).toBe(false);
    if (r.result === "n/a") skip(`n/a: ${r.reason}`); // refused by design: reported as skipped
    expect(r.result).toBe("pass");
  });
});
