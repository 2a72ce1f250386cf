// edgeinfer pack --reference, inspect and drift, end to end on the drift fixtures (NumPy and
// SciPy's numbers in test/fixtures/drift/expected.json).
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { inspect } from "../../src/index.js";
import { expected, FEATURES, fixturePath } from "../drift/fixtures.js";
import { cli } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "edgeinfer-drift-"));
const model = fixturePath("lr4.json"),
  reference = fixturePath("reference.csv");
const eim = join(dir, "lr4.eim");

interface DriftJson {
  features: Record<
    string,
    { psi: number; ks: number; js: number; wasserstein: number; drift: boolean; ks_exact: boolean }
  >;
  outputs: Record<string, { drift: boolean }>;
  dataset_drift: boolean;
  share: number;
}

describe("edgeinfer pack --reference and inspect", () => {
  it("packs the profile (deciles of the reference) and the provenance; the same inputs give the same bytes", async () => {
    const p = await cli(["pack", model, "-o", eim, "--reference", reference]);
    expect(p.code).toBe(0);
    expect(p.out).toContain("reference profile: 400 rows, 10 quantile bins");
    const first = readFileSync(eim);
    expect((await cli(["pack", model, "-o", join(dir, "again.eim"), "--reference", reference])).code).toBe(0);
    expect(readFileSync(join(dir, "again.eim"))).toEqual(first);
    const info = inspect(new Uint8Array(first));
    FEATURES.forEach((f, j) => expect(info.profile!.features[j]!.edges).toEqual(expected.sets.same[f]!.edges));
    const sha = (await import("node:crypto")).createHash("sha256").update(readFileSync(model)).digest("hex");
    expect(info.provenance).toEqual({ packer: "edgeinfer 0.1.0", sourceSha256: sha, packedAt: 0 });
    const text = await cli(["inspect", eim]);
    expect(text.out).toContain(`from source sha256 ${sha} (no time recorded)`);
    expect(text.out).toMatch(/ {2}c +mean 5\.99\d* std 2\.43\d* \[1, 15\] edges 3 4 5 5 6 6 7 8 9/);
    const json = JSON.parse((await cli(["inspect", eim, "--json"])).out);
    expect(json.profile.rows).toBe(400);
  });

  it("--bins, --timestamp; --bins without --reference is a usage error; a bad reference names its row", async () => {
    const p = await cli([
      "pack",
      model,
      "-o",
      join(dir, "b4.eim"),
      "--reference",
      reference,
      "--bins",
      "4",
      "--timestamp",
    ]);
    expect(p.code).toBe(0);
    const info = inspect(new Uint8Array(readFileSync(join(dir, "b4.eim"))));
    expect(info.profile!.features[0]!.edges.length).toBe(3);
    expect(info.provenance!.packedAt).toBeGreaterThan(1.7e9);
    expect((await cli(["pack", model, "-o", join(dir, "x.eim"), "--bins", "4"])).code).toBe(1);
    const badRows = join(dir, "bad.csv");
    writeFileSync(badRows, "a,b,c,d\n1,2,3,4\n1,2,x,4\n");
    const bad = await cli(["pack", model, "-o", join(dir, "x.eim"), "--reference", badRows]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/row 2.*"x" is not a number/);
  });

  it("a model without feature names takes them from the reference's header", async () => {
    const json = JSON.parse(readFileSync(model, "utf8"));
    delete json.featureNames;
    const noNames = join(dir, "nonames.json");
    writeFileSync(noNames, JSON.stringify(json));
    const named = join(dir, "named.csv");
    writeFileSync(
      named,
      readFileSync(reference, "utf8")
        .replace(/^a,b,c,d,y\n/, "a,b,c,d\n")
        .replace(/,[01]\n/g, "\n"),
    );
    expect((await cli(["pack", noNames, "-o", join(dir, "nn.eim"), "--reference", named])).code).toBe(0);
    expect(inspect(new Uint8Array(readFileSync(join(dir, "nn.eim")))).featureNames).toEqual([...FEATURES]);
  });
});

describe("edgeinfer drift", () => {
  const drift = async (...args: string[]) => {
    const r = await cli(["drift", ...args, "--json"]);
    expect(r.code).toBe(0);
    return JSON.parse(r.out) as DriftJson;
  };

  it("with --reference: SciPy's KS and the PSI formula on NumPy's deciles; flags the shifted features", async () => {
    const j = await drift(eim, fixturePath("current_shift.csv"), "--reference", reference);
    for (const f of FEATURES) {
      const e = expected.sets.shift[f]!;
      expect(Math.abs(j.features[f]!.ks - e.ks)).toBeLessThan(1e-9);
      expect(Math.abs(j.features[f]!.psi - e.psi)).toBeLessThan(1e-6);
      expect(j.features[f]!.wasserstein).toBeCloseTo(e.wasserstein_normed, 9);
      expect(j.features[f]!.ks_exact).toBe(true);
    }
    expect(FEATURES.filter((f) => j.features[f]!.drift)).toEqual(expected.shifted);
    expect(j.dataset_drift).toBe(true);
    expect(j.share).toBe(0.5);
    expect(Object.keys(j.outputs)).toEqual(["probabilities[0]", "probabilities[1]"]);
  });

  it("from the image's profile alone: the same PSI, KS from the bins, no dataset drift on the unshifted set", async () => {
    const j = await drift(eim, fixturePath("current_same.csv"));
    for (const f of FEATURES) expect(Math.abs(j.features[f]!.psi - expected.sets.same[f]!.psi)).toBeLessThan(1e-6);
    expect(j.dataset_drift).toBe(false);
    expect(FEATURES.filter((f) => j.features[f]!.drift).length).toBeLessThanOrEqual(2);
  });

  it("text with the bins side by side, and an SVG report", async () => {
    const svg = join(dir, "drift.svg");
    const r = await cli(["drift", eim, fixturePath("current_shift.csv"), "--svg", svg]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("dataset drift YES (2 of 4 features drift, 50.0 %)");
    expect(r.out).toMatch(/ {2}b: DRIFT \(KS p-value/);
    expect(r.out).toMatch(/>= 1\.824 +10\.0 % █+ +36\.3 % ░+/);
    const page = readFileSync(svg, "utf8");
    expect(page).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(page).toContain("dataset drift detected");
  });

  it("refuses a model without a profile when no --reference is given", async () => {
    const r = await cli(["drift", model, fixturePath("current_same.csv")]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("has no reference profile");
    const ok = await drift(model, fixturePath("current_same.csv"), "--reference", reference);
    expect(ok.dataset_drift).toBe(false);
  });

  it("--stattest and --threshold decide drift with one test for every column", async () => {
    const j = await drift(
      eim,
      fixturePath("current_same.csv"),
      "--reference",
      reference,
      "--stattest",
      "wasserstein",
      "--threshold",
      "0.05",
    );
    expect(FEATURES.every((f) => j.features[f]!.drift)).toBe(true); // every W/std on the unshifted set exceeds 0.05
  });
});

describe("--ignore-columns for a model without feature names", () => {
  it("leaves the named columns out of the header the names come from", async () => {
    const json = JSON.parse(readFileSync(model, "utf8"));
    delete json.featureNames;
    const noNames = join(dir, "nonames2.json");
    writeFileSync(noNames, JSON.stringify(json));
    const out = join(dir, "nn2.eim");
    const refused = await cli(["pack", noNames, "-o", out, "--reference", reference]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain("--ignore-columns");
    expect((await cli(["pack", noNames, "-o", out, "--reference", reference, "--ignore-columns", "y"])).code).toBe(0);
    expect(inspect(new Uint8Array(readFileSync(out))).featureNames).toEqual([...FEATURES]);
    const r = await cli([
      "drift",
      noNames,
      fixturePath("current_shift.csv"),
      "--reference",
      reference,
      "--ignore-columns",
      "y",
      "--json",
    ]);
    expect(r.code).toBe(0);
    expect(Object.keys(JSON.parse(r.out).features)).toEqual([...FEATURES]);
  });
});
