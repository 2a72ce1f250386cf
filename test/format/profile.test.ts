// Metadata blocks 2 (reference profile) and 3 (provenance), format 1.2: written, read back,
// absent at no cost, and every inconsistent field refused with its name and byte offset.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildProfile } from "../../src/drift/profile.js";
import { FORMAT_MINOR, Header } from "../../src/format/abi.js";
import { annotateImage } from "../../src/format/annotate.js";
import { crc32 } from "../../src/format/crc32.js";
import type { ReferenceProfile } from "../../src/format/profile.js";
import { FormatError, inspect, Model } from "../../src/index.js";
import { pack } from "../../src/pack.js";
import { fixturePath, readCsv } from "../drift/fixtures.js";
import { everyOpModel } from "../helpers/models.js";

const plain = pack(readFileSync(fixturePath("lr4.json"), "utf8"));
const ref = readCsv("reference.csv");
const info = inspect(plain);
const profile: ReferenceProfile = buildProfile({
  rows: Float64Array.from(ref.flat()),
  nRows: ref.length,
  inputLength: 4,
  featureNames: info.featureNames,
  outputs: Model.load(plain).predictBatch(Float32Array.from(ref.flat()), ref.length),
  outputLength: 2,
  outputInfo: info.outputs,
});
const provenance = { packer: "edgeinfer test", sourceSha256: "ab".repeat(32), packedAt: 0 };

const refused = (f: () => unknown): FormatError => {
  try {
    f();
  } catch (e) {
    if (e instanceof FormatError) return e;
    throw e;
  }
  throw new Error("not refused");
};

describe("the reference profile and provenance blocks", () => {
  it("read back as written, in an image of format 1.2 that predicts the same bits", () => {
    const img = annotateImage(plain, { profile, provenance });
    const back = inspect(img);
    expect(back.formatVersion).toBe("1.2");
    expect(back.profile).toEqual(profile);
    expect(back.provenance).toEqual(provenance);
    const rows = Float32Array.from(ref.flat());
    expect(Model.load(img).predictBatch(rows, ref.length)).toEqual(Model.load(plain).predictBatch(rows, ref.length));
    // at most ~160 bytes per feature (10 bins), outputs included
    expect((img.length - plain.length) / 6).toBeLessThanOrEqual(160);
  });

  it("absent: 0 bytes. Re-writing an image without them gives its bytes back (format 1.1)", () => {
    expect(annotateImage(plain, {})).toEqual(plain);
    const q = pack(readFileSync(fixturePath("lr4.json"), "utf8"), { quantize: "int8", int8Layers: "all" });
    expect(annotateImage(q, {})).toEqual(q);
    expect(inspect(plain).formatVersion).toBe(`1.${FORMAT_MINOR}`);
  });

  it("is reproducible: the same image and profile give the same bytes", () => {
    expect(annotateImage(plain, { profile, provenance })).toEqual(annotateImage(plain, { profile, provenance }));
  });

  it("moves every step's parameters with the weights section (a many-step model)", () => {
    const img = everyOpModel();
    const withProv = annotateImage(img, { provenance });
    const rows = Float32Array.from({ length: 6 * 5 }, (_, i) => Math.sin(i));
    expect(Model.load(withProv).predictBatch(rows, 5)).toEqual(Model.load(img).predictBatch(rows, 5));
  });

  const bad = (edit: (p: ReferenceProfile) => void) => {
    const p = structuredClone(profile);
    edit(p);
    return refused(() => annotateImage(plain, { profile: p }));
  };

  it.each([
    ["meta.profile.version", (p: ReferenceProfile) => void (p.version = 2)],
    ["meta.profile.bins", (p: ReferenceProfile) => void (p.bins = 1)],
    ["meta.profile.outputs", (p: ReferenceProfile) => void p.outputs.pop()],
    ["meta.profile.features[1].edges[3]", (p: ReferenceProfile) => void (p.features[1]!.edges[3] = -5)],
    ["meta.profile.features[2].edges[0]", (p: ReferenceProfile) => void (p.features[2]!.edges[0] = Number.NaN)],
    ["meta.profile.features[0].counts", (p: ReferenceProfile) => void (p.features[0]!.counts[0]! += 1)],
    ["meta.profile.outputs[0].kind", (p: ReferenceProfile) => void (p.outputs[0]!.kind = "class")],
    ["meta.profile.features[3].mean", (p: ReferenceProfile) => void (p.features[3]!.mean = 99)],
  ])("refuses %s", (field, edit) => {
    const e = bad(edit);
    expect(e.field).toBe(field);
    expect(e.byteOffset).toBeGreaterThan(inspect(plain).steps.length * 52);
  });

  it("refuses an unknown block, a block out of order, a bad digest length and trailing bytes", () => {
    const img = annotateImage(plain, { provenance: { packer: "x", sourceSha256: "", packedAt: 0 } });
    const v = new DataView(img.buffer);
    const metaEnd = v.getUint32(Header.metaOffset, true) + v.getUint32(Header.metaBytes, true);
    const patch = (at: number, value: number) => {
      const b = img.slice();
      b[at] = value;
      new DataView(b.buffer).setUint32(Header.crc32, crc32(b, 12), true);
      return b;
    };
    // block 3: tag, length 4, then "x" (2 bytes), digest length 0, packedAt 0
    expect(img[metaEnd - 6]).toBe(3);
    expect(refused(() => inspect(patch(metaEnd - 6, 4))).field).toBe("meta.block");
    expect(refused(() => inspect(patch(metaEnd - 6, 1))).field).toMatch(/^meta\.quantReport/); // read as a quantization report
    expect(refused(() => inspect(patch(metaEnd - 2, 5))).field).toBe("meta.provenance.sourceSha256");
    expect(refused(() => inspect(patch(metaEnd - 5, 3))).field).toMatch(/^meta/);
  });
});
