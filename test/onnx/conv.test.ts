// Convolutional nets from PyTorch (test/fixtures/onnx/make_conv_fixtures.py), end to end:
// torch.onnx.export of a Conv2d/MaxPool CNN with a Shape → Gather → Concat → Reshape flatten,
// a depthwise-separable DS-CNN with BatchNorm and ReLU6, a ResNet-8-like net with BatchNorm
// nodes kept, residual Adds and a padded ceil-mode AvgPool, and a Conv1d over signals; outputs
// within 1e-4 (+1e-5 relative) of PyTorch's forward(), the same bits in both builds, the
// batch norms and activations folded into the convolutions, the transposes folded away, the
// Pad before the average pool taken as its pads.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Model } from "../../src/index.js";
import { describeStep } from "../../src/ops/index.js";
import { listOnnxNodes, pack } from "../../src/pack.js";
import { bits } from "../assembly/same-bits.js";
import { expectAllClose } from "../helpers/close.js";

const dir = new URL("../fixtures/onnx/", import.meta.url);
const TOL = { atol: 1e-4, rtol: 1e-5 };

interface Ref {
  inputs: number[][];
  expected: { forward: number[][] };
}

const STEPS: Record<string, string[]> = {
  torch_conv_digits_cnn: [
    "CONV         64 → 512   relu",
    "POOL        512 → 128   max",
    "CONV        128 → 48    relu",
    "POOL         48 → 48    max",
    "DENSE        48 → 10",
  ],
  torch_conv_dscnn_digits: [
    "CONV         64 → 1024  relu",
    "CONV       1024 → 256   depthwise clip [0, 6]",
    "CONV        256 → 384   relu",
    "CONV        384 → 384   depthwise relu",
    "CONV        384 → 512   relu",
    "POOL        512 → 32    average",
    "DENSE        32 → 10",
  ],
  torch_conv_resnet_digits: [
    "CONV         64 → 768   relu",
    "CONV        768 → 768   relu",
    "CONV        768 → 768",
    "BINARY      768 → 768   add relu",
    "CONV        768 → 320   relu",
    "CONV        320 → 320",
    "CONV        768 → 320",
    "BINARY      320 → 320   add relu",
    "POOL        320 → 180   average (pads counted)",
    "DENSE       180 → 10",
  ],
  torch_conv1d_signal: [
    "TRANSPOSE   128 → 128",
    "CONV        128 → 256   relu",
    "POOL        256 → 128   max",
    "CONV        128 → 192   relu",
    "POOL        192 → 96    average",
    "DENSE_NARROW    96 → 3",
  ],
};

describe.each(Object.keys(STEPS))("%s (PyTorch)", (name) => {
  const bytes = new Uint8Array(readFileSync(new URL(`${name}.onnx`, dir)));
  const ref = JSON.parse(readFileSync(new URL(`${name}.json`, dir), "utf8")) as Ref;
  const image = pack(bytes);
  const rows = Float32Array.from(ref.inputs.flat());
  const predict = (simd: "require" | "off") => Model.load(image, { simd }).predictBatch(rows, ref.inputs.length);

  it("matches PyTorch's forward() within 1e-4 (+1e-5 relative), in both builds", () => {
    for (const simd of ["require", "off"] as const)
      expectAllClose(predict(simd), ref.expected.forward.flat(), TOL, simd);
  });

  it("gives the same bits in the scalar and the SIMD build, row by row as in a batch", () => {
    expect(bits(predict("off"))).toEqual(bits(predict("require")));
    const m = Model.load(image);
    const one = m.predict(rows.subarray(0, ref.inputs[0]!.length));
    expect(bits(one)).toEqual(bits(predict("require").subarray(0, one.length)));
  });

  it("folds batch norms and activations into the convolutions and the layout transposes away", () => {
    expect(Model.load(image).info.steps.map(describeStep)).toEqual(STEPS[name]);
  });

  it("inspect lists every node as supported", () => {
    const { nodes, error } = listOnnxNodes(bytes);
    expect(error).toBeUndefined();
    expect(nodes.filter((n) => !n.supported)).toEqual([]);
  });
});
