// Quantized ONNX graphs (test/fixtures/onnx-quant, made by make_fixtures.py from a torch MLP on
// digits and a scikit-learn MLP on breast cancer, in the forms onnxruntime's quantizers emit;
// reference outputs from onnxruntime-node by make_refs.mjs):
//   - dynamic graphs (DynamicQuantizeLinear → MatMulInteger → Cast → Mul → Add) against an
//     int8 emulation of the ONNX specification in plain JavaScript (exact integer products,
//     then the same f32 operations), and against the float original;
//   - QDQ and QLinearMatMul graphs against onnxruntime;
//   - partial patterns refused, naming the node where matching stopped.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { QuantDecision } from "../../src/format/abi.js";
import { Model, UnsupportedOpError } from "../../src/index.js";
import { decodeOnnx } from "../../src/onnx/decode.js";
import { pack } from "../../src/pack.js";
import { expectAllClose, TOL } from "../helpers/close.js";
import { type GraphSpec, onnxModel } from "../helpers/onnx-builder.js";
import { dynamicQuantize } from "../helpers/reference.js";

const dir = new URL("../fixtures/onnx-quant/", import.meta.url);
const data = JSON.parse(readFileSync(new URL("rows.json", dir), "utf8")) as Record<
  string,
  { rows: number[][]; calibration: number[][] }
>;
const refs = (JSON.parse(readFileSync(new URL("refs.json", dir), "utf8")) as { models: Record<string, number[][]> })
  .models;
const bytes = (name: string) => new Uint8Array(readFileSync(new URL(`${name}.onnx`, dir)));
const argmax = (v: ArrayLike<number>) => {
  let k = 0;
  for (let j = 1; j < v.length; j++) if (v[j]! > v[k]!) k = j;
  return k;
};

/** The dynamic graph as the ONNX operators define it, in plain JavaScript (f32 where ONNX is f32). */
function emulateDynamic(name: string, row: number[]): number[] {
  const m = decodeOnnx(bytes(name));
  const init = (n: string) => m.initializers.get(n)!;
  const f = Math.fround;
  let x = row.map(f);
  if (m.initializers.has("scaler_mean")) {
    const mean = init("scaler_mean").data as Float64Array,
      sc = init("scaler_scale").data as Float64Array;
    x = x.map((v, i) => f(f(v - mean[i]!) / sc[i]!));
  }
  for (let k = 0; m.initializers.has(`W${k}_quantized`); k++) {
    const W = init(`W${k}_quantized`),
      ws = init(`W${k}_scale`).data as Float64Array,
      wz = init(`W${k}_zero_point`).data as Float64Array;
    const b = init(`B${k}`).data as Float64Array;
    const [nIn, nOut] = W.dims as [number, number];
    const { q, scale, zp } = dynamicQuantize(x);
    const y: number[] = [];
    for (let o = 0; o < nOut; o++) {
      let acc = 0; // MatMulInteger: exact
      for (let i = 0; i < nIn; i++)
        acc += (q[i]! - zp) * ((W.data as Float64Array)[i * nOut + o]! - wz[wz.length === 1 ? 0 : o]!);
      const s = f(scale * ws[ws.length === 1 ? 0 : o]!); // Mul(x_scale, W_scale)
      y.push(f(f(f(acc) * s) + b[o]!)); // Cast, Mul, Add
    }
    x = m.initializers.has(`W${k + 1}_quantized`) ? y.map((v) => Math.max(0, v)) : y;
  }
  const mx = Math.max(...x),
    e = x.map((v) => Math.exp(v - mx)),
    sum = e.reduce((a, v) => a + v);
  return e.map((v) => v / sum);
}

describe.each(["auto", "off"] as const)("quantized ONNX graphs · simd %s", (simd) => {
  const run = (name: string) => {
    const model = Model.load(pack(bytes(name)), { simd });
    const set = data[name.split("_")[0]!]!;
    return { model, set, out: set.rows.map((r) => Array.from(model.predict(r))) };
  };

  it.each(["digits_dynamic", "digits_dynamic_pc", "cancer_dynamic", "cancer_dynamic_pc"])(
    "%s: one int8 step per layer, equal to the ONNX int8 emulation",
    (name) => {
      const { model, set, out } = run(name);
      expect(model.info.quantReport?.layers.filter((l) => l.decision === QuantDecision.Int8FromGraph)).toHaveLength(3);
      set.rows.forEach((row, r) => {
        const want = emulateDynamic(name, row);
        out[r]!.forEach((v, j) => expect(Math.abs(v - want[j]!), `row ${r}, column ${j}`).toBeLessThan(1e-6));
      });
    },
  );

  it.each([
    "digits_dynamic",
    "digits_dynamic_pc",
    "digits_dynamic_u8w",
    "cancer_dynamic",
    "cancer_dynamic_pc",
    "cancer_dynamic_u8w",
  ])("%s: close to the float original, same top class on ≥ 99 % of rows", (name) => {
    const { set, out } = run(name);
    const float = refs[`${name.split("_")[0]}_float`]!;
    let worst = 0,
      agree = 0;
    out.forEach((y, r) => {
      y.forEach((v, j) => {
        worst = Math.max(worst, Math.abs(v - float[r]![j]!));
      });
      if (argmax(y) === argmax(float[r]!)) agree++;
    });
    expect(worst).toBeLessThan(0.1); // measured 0.007 to 0.078 (onnxruntime's own run: up to 0.3)
    expect(agree / set.rows.length).toBeGreaterThanOrEqual(0.99);
  });

  it.each(["digits_qdq", "digits_qlinear", "cancer_qdq", "cancer_qlinear"])(
    "%s: int8 steps with static input scales, equal to onnxruntime",
    (name) => {
      const { model, out } = run(name);
      expect(model.info.quantReport?.layers.map((l) => l.decision)).toEqual([4, 4, 4]);
      out.forEach((y, r) =>
        y.forEach((v, j) => expect(Math.abs(v - refs[name]![r]![j]!), `row ${r}, column ${j}`).toBeLessThan(2e-5)),
      );
    },
  );

  it("the float original packs in f32 and agrees with onnxruntime", () => {
    for (const name of ["digits_float", "cancer_float"]) {
      const { model, out } = run(name);
      expect(model.info.quantization).toBe("none");
      out.forEach((y, r) => expectAllClose(y, refs[name]![r]!, TOL.framework, `${name} row ${r}`));
    }
  });
});

describe("quantized graphs: sizes and the report", () => {
  it("the dynamic graph's image holds int8 weights: about 31 % of the float image's weights (small layers: scales, row sums and biases weigh)", () => {
    const info = Model.load(pack(bytes("digits_dynamic"))).info;
    const r = info.quantReport!;
    expect(r.weightsBytes).toBe(info.weightsBytes);
    expect(r.weightsBytes / r.floatWeightsBytes).toBeLessThan(0.32);
    expect(r.floatWeightsBytes).toBe(Model.load(pack(bytes("digits_float"))).info.weightsBytes);
  });

  it("calibration rows with a quantized graph: the difference to its dequantized float model is measured and recorded", () => {
    const info = Model.load(pack(bytes("digits_dynamic"), { calibration: data.digits!.calibration })).info;
    const c = info.quantReport!.calibration!;
    expect(c.rows).toBe(200);
    expect(c.maxAbsDiff).toBeGreaterThan(0);
    expect(c.topClassAgreement).toBeGreaterThanOrEqual(0.99);
  });
});

// ---- partial patterns ----

const I8 = 3,
  U8 = 2;
function dynGraph(tail: GraphSpec["nodes"], outputs: string[], extra: Partial<GraphSpec> = {}): Uint8Array {
  return onnxModel({
    input: { name: "x", dims: ["N", 2] },
    initializers: {
      W: { dims: [2, 2], data: [1, -2, 3, 4], dataType: I8 },
      Wz: { dims: [], data: [0], dataType: I8 },
      Ws: { dims: [], data: [0.5] },
    },
    nodes: [
      { op: "DynamicQuantizeLinear", inputs: ["x"], outputs: ["xq", "xs", "xz"], name: "dql" },
      { op: "MatMulInteger", inputs: ["xq", "W", "xz", "Wz"], outputs: ["acc"], name: "mmi" },
      ...tail,
    ],
    outputs,
    opset: 13,
    ...extra,
  });
}
const refusal = (b: Uint8Array) => {
  try {
    pack(b);
  } catch (e) {
    return e as Error;
  }
  throw new Error("packed");
};

describe("partial quantized patterns are refused, naming the node where matching stopped", () => {
  it("the int32 product used without Cast", () => {
    const e = refusal(dynGraph([{ op: "Relu", inputs: ["acc"], outputs: ["y"], name: "relu_on_int" }], ["y"]));
    expect(e).toBeInstanceOf(UnsupportedOpError);
    expect(e.message).toMatch(/node "relu_on_int".*MatMulInteger node "mmi" stops here.*expected Cast to float/);
  });

  it("the float product not multiplied by the scales", () => {
    const e = refusal(
      dynGraph(
        [
          { op: "Cast", inputs: ["acc"], outputs: ["accf"], attrs: { to: 1 }, name: "cast" },
          { op: "Add", inputs: ["accf", "accf"], outputs: ["y"], name: "add_instead_of_mul" },
        ],
        ["y"],
      ),
    );
    expect(e).toBeInstanceOf(UnsupportedOpError);
    expect(e.message).toMatch(/node "add_instead_of_mul".*stops here/);
  });

  it("the product multiplied by the scale of another DynamicQuantizeLinear", () => {
    const e = refusal(
      dynGraph(
        [
          { op: "DynamicQuantizeLinear", inputs: ["x"], outputs: ["q2", "s2", "z2"], name: "dql2" },
          { op: "Mul", inputs: ["s2", "Ws"], outputs: ["scales"], name: "scales" },
          { op: "Cast", inputs: ["acc"], outputs: ["accf"], attrs: { to: 1 }, name: "cast" },
          { op: "Mul", inputs: ["accf", "scales"], outputs: ["y"], name: "wrong_scale" },
        ],
        ["y"],
      ),
    );
    expect(e.message).toMatch(/node "wrong_scale".*stops here/);
  });

  it("a MatMulInteger whose zero point is not its DynamicQuantizeLinear's", () => {
    const e = refusal(
      onnxModel({
        input: { name: "x", dims: ["N", 2] },
        initializers: {
          W: { dims: [2, 2], data: [1, -2, 3, 4], dataType: I8 },
          az: { dims: [], data: [3], dataType: U8 },
        },
        nodes: [
          { op: "DynamicQuantizeLinear", inputs: ["x"], outputs: ["xq", "xs", "xz"], name: "dql" },
          { op: "MatMulInteger", inputs: ["xq", "W", "az"], outputs: ["acc"], name: "mmi" },
        ],
        outputs: ["acc"],
        opset: 13,
      }),
    );
    expect(e.message).toMatch(/node "mmi".*DynamicQuantizeLinear node "dql" stops here.*a_zero_point/);
  });

  it("the complete pattern on the same weights packs into one int8 step", () => {
    const b = dynGraph(
      [
        { op: "Mul", inputs: ["xs", "Ws"], outputs: ["scales"], name: "scales" },
        { op: "Cast", inputs: ["acc"], outputs: ["accf"], attrs: { to: 1 }, name: "cast" },
        { op: "Mul", inputs: ["accf", "scales"], outputs: ["y"], name: "out" },
      ],
      ["y"],
    );
    const m = Model.load(pack(b));
    expect(m.info.steps.map((s) => s.opcode)).toEqual([2]);
    const x = [0.5, -1.5],
      { q, scale, zp } = dynamicQuantize(x);
    const f = Math.fround,
      W = [
        [1, -2],
        [3, 4],
      ];
    const want = [0, 1].map((o) => f(f((q[0]! - zp) * W[0]![o]! + (q[1]! - zp) * W[1]![o]!) * f(scale * 0.5)));
    expect(Array.from(m.predict(x))).toEqual(want);
  });
});
