// pack's arguments as a hostile caller gives them: every option is checked (a typo or a wrong
// type is a ModelSpecError naming it, never a TypeError or a silent default), null options are
// no options, and anything but a model's bytes, text or object is refused.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildStandalone } from "../src/build/standalone.js";
import { ModelSpecError } from "../src/index.js";
import { listOnnxNodes, type OnnxPackOptions, pack, packJson, packOnnx } from "../src/pack.js";

const json = readFileSync(new URL("../examples/logistic-regression/model.json", import.meta.url), "utf8");
const onnx = new Uint8Array(readFileSync(new URL("./fixtures/onnx/skl_mlp_iris_relu.onnx", import.meta.url)));

function refusal(f: () => unknown): ModelSpecError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ModelSpecError);
    return e as ModelSpecError;
  }
  throw new Error("accepted");
}

describe("pack options", () => {
  it.each([
    ["quantize", { quantize: "int4" }],
    ["int8Layers", { quantize: "int8", int8Layers: "some" }],
    ["activations", { quantize: "int8", activations: "int4" }],
    ["stripNames", { stripNames: "yes" }],
    ["batch", { batch: "no" }],
    ["calibration", { quantize: "int8", calibration: 5 }],
    ["calibration[1]", { quantize: "int8", calibration: [[1, 2], null] }],
  ])("%s: a value it does not take is refused naming it, for JSON and ONNX models", (path, options) => {
    for (const model of [json, onnx]) expect(refusal(() => pack(model, options as OnnxPackOptions)).path).toBe(path);
  });

  it("calibration values past float32's range are refused", () => {
    const e = refusal(() => packJson(json, { quantize: "int8", int8Layers: "all", calibration: [[1e39, 1]] }));
    expect(e.path).toBe("calibration[0][0]");
  });

  it("ONNX constants and input of the wrong shape are refused naming them", () => {
    expect(refusal(() => packOnnx(onnx, { constants: 5 as never })).path).toBe("constants");
    expect(refusal(() => packOnnx(onnx, { constants: { w: null as never } })).path).toBe("constants.w");
    expect(refusal(() => packOnnx(onnx, { constants: { w: { dims: 3 as never, data: [] } } })).path).toBe(
      "constants.w",
    );
    expect(refusal(() => packOnnx(onnx, { input: 5 as never })).path).toBe("input");
  });

  it("null options are no options", async () => {
    const none = null as unknown as OnnxPackOptions;
    expect(pack(json, none)).toEqual(pack(json));
    expect(pack(onnx, none)).toEqual(pack(onnx));
    expect(packOnnx(onnx, none)).toEqual(packOnnx(onnx));
    expect(listOnnxNodes(onnx, none).nodes.length).toBeGreaterThan(0);
    expect((await buildStandalone(json, null as never)).wasm.length).toBeGreaterThan(0);
  });

  it("edgeinfer build's simd option is true or false", async () => {
    await expect(buildStandalone(json, { simd: "maybe" as never })).rejects.toThrow(ModelSpecError);
  });
});

describe("pack's model argument", () => {
  it.each([
    ["null", null],
    ["a number", 5],
    ["a string", "x"],
    ["an ArrayBuffer", new ArrayBuffer(8)],
  ])("packOnnx of %s is a ModelSpecError", (_, bytes) => {
    refusal(() => packOnnx(bytes as unknown as Uint8Array));
  });
});
