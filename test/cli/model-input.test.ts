// The packing options every command shares: --input-shape's grammar, and predict on a
// multi-input skl2onnx pipeline whose JSON rows name their columns (scikit-learn's predict).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseInputShape } from "../../src/cli/model-input.js";
import { UsageError } from "../../src/cli/options.js";
import { cli } from "../helpers/cli.js";

const fixture = (f: string) => fileURLToPath(new URL(`../fixtures/onnx/${f}`, import.meta.url));

describe("--input-shape", () => {
  it("is one list of dims, or name=dims pairs separated by ;", () => {
    expect(parseInputShape("30")).toEqual([30]);
    expect(parseInputShape("3, 32,32")).toEqual([3, 32, 32]);
    expect(parseInputShape("a=4;b=1,2")).toEqual({ a: [4], b: [1, 2] });
  });

  it.each(["0", "x", "3,,2", "=4", "a=4;b"])("refuses %j as a usage error", (t) => {
    expect(() => parseInputShape(t)).toThrow(UsageError);
  });
});

describe("predict on a ColumnTransformer pipeline of ten inputs", () => {
  const name = "skl_pipe_columns_lr_diabetes";
  const ref = JSON.parse(readFileSync(fixture(`${name}.json`), "utf8")) as {
    inputs: unknown[];
    expected: { predict: number[] };
  };

  it("JSON rows keyed by column name give scikit-learn's labels", async () => {
    const r = await cli(
      ["predict", fixture(`${name}.onnx`), "-", "--format", "json", "--allow-nan"],
      JSON.stringify(ref.inputs),
    );
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out).output_label as number[][]).map((l) => l[0])).toEqual(ref.expected.predict);
  });

  it("a row without a column names the missing feature", async () => {
    const rows = [{ ...(ref.inputs[0] as object), sex: undefined }];
    const r = await cli(["predict", fixture(`${name}.onnx`), "-", "--allow-nan"], JSON.stringify(rows));
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/no value for feature 10 \("sex"\)/);
  });
});
