// ONNX external data (weights in a file beside the model, as onnx.save_model(...,
// save_as_external_data=True) writes them; test/fixtures/onnx-external/make_fixtures.py): read
// only from the model's own folder, through PackOptions.externalData or the CLI; a location
// with ".." or an absolute path is refused before anything is read, a missing file is named.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { OnnxDecodeError } from "../../src/errors.js";
import { Model } from "../../src/index.js";
import { packOnnx } from "../../src/pack.js";
import { cli } from "../helpers/cli.js";
import { expectAllClose, TOL } from "../helpers/close.js";

const ext = (f: string) => new URL(`../fixtures/onnx-external/${f}`, import.meta.url);
const bytes = (u: URL) => new Uint8Array(readFileSync(u));
const original = new URL("../fixtures/onnx/skl_mlp_iris_relu_nozipmap.onnx", import.meta.url);
const ref = JSON.parse(
  readFileSync(new URL("../fixtures/onnx/skl_mlp_iris_relu_nozipmap.json", import.meta.url), "utf8"),
) as { inputs: number[][]; expected: { predict: number[]; predict_proba: number[][] } };

function refusal(f: string, externalData?: (location: string) => Uint8Array | undefined): OnnxDecodeError {
  try {
    packOnnx(bytes(ext(f)), { externalData });
  } catch (e) {
    if (e instanceof OnnxDecodeError) return e;
    throw e;
  }
  throw new Error("accepted");
}

describe("external data", () => {
  const read = (asked: string[]) => (location: string) => {
    asked.push(location);
    return location === "mlp_iris_external.data" ? bytes(ext(location)) : undefined;
  };

  it("packs to the same image as the model with its weights inside (scikit-learn's MLPClassifier)", () => {
    const asked: string[] = [];
    const image = packOnnx(bytes(ext("mlp_iris_external.onnx")), { externalData: read(asked) });
    expect(new Set(asked)).toEqual(new Set(["mlp_iris_external.data"]));
    expect(Array.from(image)).toEqual(Array.from(packOnnx(bytes(original))));
    const y = Model.load(image).predictBatch(Float32Array.from(ref.inputs.flat()), ref.inputs.length);
    const w = y.length / ref.inputs.length;
    const proba = ref.inputs.map((_, r) => Array.from(y.subarray(r * w + 1, (r + 1) * w)));
    expectAllClose(proba.flat(), ref.expected.predict_proba.flat(), TOL.framework, "predict_proba");
  });

  it("without a reader, names the tensor, the file and what to do", () => {
    expect(refusal("mlp_iris_external.onnx").message).toMatch(
      /tensor ".*": external data "mlp_iris_external.data": the values are in another file; .*PackOptions.externalData/,
    );
  });

  it.each([
    ["escape_dotdot.onnx", "../mlp_iris_external.data"],
    ["escape_absolute.onnx", "/etc/hostname"],
  ])("%s: refused before anything is read", (f, location) => {
    const asked: string[] = [];
    const e = refusal(f, read(asked));
    expect(e.message).toContain(JSON.stringify(location));
    expect(e.message).toMatch(/only a file in the model's own folder is read/);
    expect(asked).toEqual([]);
  });

  it("a missing file is named", () => {
    expect(refusal("missing_file.onnx", read([])).message).toMatch(/"nowhere.data": the file is missing/);
  });

  it("the CLI reads the file from the model's folder, and refuses the others", async () => {
    const path = fileURLToPath(ext("mlp_iris_external.onnx"));
    const rows = JSON.stringify(ref.inputs);
    const ok = await cli(["predict", path, "-", "--format", "json"], rows);
    expect(ok.err).toBe("");
    expect((JSON.parse(ok.out).label as number[][]).map((l) => l[0])).toEqual(ref.expected.predict);
    for (const [f, message] of [
      ["escape_dotdot.onnx", /only a file in the model's own folder/],
      ["missing_file.onnx", /"nowhere.data": the file is missing/],
    ] as const) {
      const bad = await cli(["predict", fileURLToPath(ext(f)), "-"], rows);
      expect(bad.code).not.toBe(0);
      expect(bad.err).toMatch(message);
    }
  });
});
