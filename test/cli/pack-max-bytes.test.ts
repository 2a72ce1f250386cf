// `edgeinfer pack --max-bytes N`: the budget, its suffixes, and the typed refusal (exit 2).
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseByteCount } from "../../src/cli/commands/pack.js";
import { cli } from "../helpers/cli.js";

const model = new URL("../../examples/logistic-regression/model.json", import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "edgeinfer-max-bytes-"));

describe("pack --max-bytes", () => {
  it("reads byte counts with binary suffixes and refuses anything else", () => {
    expect([parseByteCount("4096"), parseByteCount("64k"), parseByteCount("16M"), parseByteCount("1G")]).toEqual([
      4096,
      64 * 1024,
      16 * 2 ** 20,
      2 ** 30,
    ]);
    for (const bad of ["0", "", "12x", "1.5k", "-4", "64kb", " 64"]) expect(parseByteCount(bad)).toBeUndefined();
  });

  it("packs within the budget, and refuses past it with E_TOO_LARGE, exit 2, writing nothing", async () => {
    const ok = await cli(["pack", model, "-o", join(tmp, "ok.eim"), "--max-bytes", "64k"]);
    expect(ok.code).toBe(0);
    const dest = join(tmp, "refused.eim");
    const refused = await cli(["pack", model, "-o", dest, "--max-bytes", "64"]);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/^error\[E_TOO_LARGE\]: .*more than maxBytes.*\(64\)\n$/);
    expect(existsSync(dest)).toBe(false);
  });

  it("refuses a malformed budget as a usage error naming the option", async () => {
    const r = await cli(["pack", model, "-o", join(tmp, "x.eim"), "--max-bytes", "12x"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^error\[E_USAGE\]: --max-bytes takes a number of bytes such as 4096, 64k, 16M or 1G, not 12x\n/,
    );
  });

  it("is in pack's help", async () => {
    const r = await cli(["pack", "--help"]);
    expect(r.out).toMatch(/--max-bytes <N>\s+a budget/);
  });
});
