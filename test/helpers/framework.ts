// An ONNX fixture's graph outputs against the training framework's, by name (test/fixtures/onnx).
import { expect } from "vitest";
import type { OutputInfo } from "../../src/format/types.js";
import { expectAllClose, TOL } from "./close.js";

/** A fixture's JSON (make_fixtures.py): its rows and what the framework returned on them. */
export interface FixtureRef {
  /** A row's values; null is a missing value (NaN). */
  inputs: Array<Array<number | null>>;
  expected: Record<string, unknown[]>;
  onnx_outputs: Array<{ name: string; framework_output: string }>;
}

/** skl2onnx names a classifier's label output `label` or `output_label`; the others are values. */
export const isLabelOutput = (name: string) => /(^|_)label$/.test(name);

/**
 * Every output of ref.onnx_outputs in y (nRows rows of `stride` values): labels exactly, as the
 * class names or numbers themselves; probabilities within TOL.framework; regression values,
 * scores and network outputs within TOL.frameworkValues.
 */
export function expectFrameworkOutputs(ref: FixtureRef, outputs: OutputInfo[], y: Float32Array, stride: number): void {
  const nRows = ref.inputs.length;
  expect(y.length).toBe(nRows * stride);
  const columns = (o: FixtureRef["onnx_outputs"][number]) => {
    const info = outputs.find((x) => x.name === o.name);
    expect(info, o.name).toBeDefined();
    const want = ref.expected[o.framework_output]!;
    expect(want, o.name).toHaveLength(nRows);
    const at = info!.offset;
    const got = Array.from({ length: nRows }, (_, r) =>
      Array.from(y.subarray(r * stride + at, r * stride + at + info!.length)),
    );
    return { info: info!, got, want };
  };
  for (const o of ref.onnx_outputs.filter((x) => isLabelOutput(x.name))) {
    const { info, got, want } = columns(o);
    expect(info.length, `${o.name}: one value, the class index`).toBe(1);
    expect(
      got.map(([k]) => info.labels?.[k!]),
      o.name,
    ).toEqual(want);
  }
  for (const o of ref.onnx_outputs.filter((x) => !isLabelOutput(x.name))) {
    const { got, want } = columns(o);
    const tol = o.framework_output === "predict_proba" ? TOL.framework : TOL.frameworkValues;
    expectAllClose(got.flat(), want.flat(Infinity) as number[], tol, o.name);
  }
}
