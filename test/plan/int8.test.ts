// pack --quantize int8 against references: an int8 emulation in plain JavaScript (exact), the
// float model as its framework computed it (scikit-learn, torch through onnxruntime) within the
// difference the quantization report states, top-class agreement, and the bytes it saves.
import { readFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import { Act, QuantDecision } from "../../src/format/abi.js";
import { weightsSectionBytes } from "../../src/format/write.js";
import { inspect, Model, Runtime } from "../../src/index.js";
import { type JsonModel, pack } from "../../src/pack.js";
import { PlanBuilder } from "../../src/plan/builder.js";
import { quantizeRows } from "../../src/plan/quantize.js";
import { TOL } from "../helpers/close.js";
import { dynamicQuantize, rint } from "../helpers/reference.js";
import { seeded } from "../helpers/rng.js";

const argmax = (v: ArrayLike<number>) => {
  let k = 0;
  for (let j = 1; j < v.length; j++) if (v[j]! > v[k]!) k = j;
  return k;
};
const json = (path: string) => JSON.parse(readFileSync(new URL(path, import.meta.url), "utf8"));

describe("int8 emulation in plain JavaScript", () => {
  const fx = json("../fixtures/json/mlp_digits.json") as { model: JsonModel; rows: number[][] };
  const layers = fx.model.layers!.map((l) => ({
    ...l,
    w: l.weights[0]!.map((_, o) => l.weights.map((row) => row[o]!)),
  })); // in_out → out_in
  const f = Math.fround;

  /** The smallest bfloat16 (an f32 whose lower 16 bits are zero) ≥ x, through the f32's big-endian bytes. */
  function bf16Up(x: number): number {
    const d = new DataView(new ArrayBuffer(4));
    d.setFloat32(0, x);
    const up = d.getFloat32(0) < x || d.getUint16(2) !== 0;
    d.setUint16(0, d.getUint16(0) + (up ? 1 : 0));
    d.setUint16(2, 0);
    return d.getFloat32(0);
  }
  /**
   * Post-training weights: per output channel, scale = bf16Up(max|W| / 127), q = round_half_even(W / scale), no
   * clipping needed; or, as before ABI 3, scale = f32(max|W| / 127), q clamped to ±127.
   */
  function quantizeLayer(w: number[][], scaleType: "bf16" | "f32" = "bf16"): { q: number[][]; scales: number[] } {
    const scales = w.map((row) => (scaleType === "bf16" ? bf16Up : f)(Math.max(...row.map(Math.abs)) / 127));
    const raw = w.map((row, o) => row.map((v) => rint(v / scales[o]!)));
    // A scale rounded up to bf16 leaves every |q| ≤ 127: nothing to clip; an f32 scale may round down by an ulp.
    expect(Math.max(...raw.flat().map(Math.abs))).toBeLessThanOrEqual(scaleType === "bf16" ? 127 : 128);
    const q = raw.map((row) => row.map((r) => Math.max(-127, Math.min(127, r))));
    return { q, scales };
  }

  /** The model's probabilities for one row, every layer int8 as quantized: exact integer sums, then the f32 operations. */
  function forward(row: number[], quantized: Array<{ q: number[][]; scales: number[] }>, rows: "u8" | "i16"): number[] {
    let x = row.map(f);
    layers.forEach((l, k) => {
      const nOut = l.w.length,
        nIn = l.w[0]!.length;
      const q = quantized[k]!,
        d = quantizeRow(x, rows);
      x = Array.from({ length: nOut }, (_, o) => {
        let acc = 0; // exact integers
        for (let i = 0; i < nIn; i++) acc += d.q[i]! * q.q[o]![i]!;
        const y = f(f(f(acc) * f(d.scale * q.scales[o]!)) + f(l.bias[o]!));
        return l.activation === "relu" ? Math.max(0, y) : y;
      });
    });
    const mx = Math.max(...x),
      e = x.map((v) => Math.exp(v - mx)),
      s = e.reduce((a, v) => a + v);
    return e.map((v) => v / s);
  }

  /** The row as int8 layers quantize it: u8 as DynamicQuantizeLinear, or symmetric int16. */
  function quantizeRow(x: number[], rows: "u8" | "i16"): { q: number[]; scale: number } {
    if (rows === "u8") {
      const d = dynamicQuantize(x);
      return { q: Array.from(d.q, (v) => v - d.zp), scale: d.scale };
    }
    const limit = Math.min(32767, Math.floor(2147483647 / (127 * x.length)));
    const scale = f(Math.max(...x.map(Math.abs)) / limit);
    return { q: x.map((v) => (scale === 0 ? 0 : Math.max(-limit, Math.min(limit, rint(f(v / scale)))))), scale };
  }

  it.each([
    ["uint8", "u8"],
    ["int16", "i16"],
  ] as const)("the digits MLP, every layer int8, %s rows: equal to the emulation", (activations, rows) => {
    for (const simd of ["auto", "off"] as const) {
      const image = pack(fx.model, { quantize: "int8", int8Layers: "all", activations });
      const model = Model.load(image, { simd });
      expect(model.info.steps.map((s) => s.opcode)).toEqual([2, 2, 2]);
      const quantized = layers.map((l) => quantizeLayer(l.w));
      // The image holds exactly these weights and, as bf16 (the upper 16 bits), these scales; the int16 rows' steps no row sums.
      model.info.steps.forEach((s, k) => {
        const view = new DataView(image.buffer, image.byteOffset);
        expect(Array.from(new Int8Array(image.buffer, image.byteOffset + s.w, s.nIn * s.nOut))).toEqual(
          quantized[k]!.q.flat(),
        );
        expect(Array.from({ length: s.nOut }, (_, o) => view.getUint16(s.aux + 2 * o, true) * 65536)).toEqual(
          quantized[k]!.scales.map((v) => new DataView(Float32Array.of(v).buffer).getUint32(0, true)),
        );
        const last = k + 1 === model.info.steps.length;
        const auxBytes = (last ? image.length : model.info.steps[k + 1]!.w) - s.aux; // aux is each step's last tensor
        const want = 2 * s.nOut + (rows === "i16" ? 0 : 4 * s.nOut); // nOut is even here: no padding of the scales
        expect(auxBytes).toBe(last ? want : Math.ceil(want / 16) * 16);
      });
      for (const row of fx.rows) {
        const want = forward(row, quantized, rows);
        Array.from(model.predict(row)).forEach((v, j) => expect(Math.abs(v - want[j]!)).toBeLessThan(1e-6));
      }
      // A batch (int16 rows go two at a time) gives every row's single-row bits.
      const batch = model.predictBatch(Float32Array.from(fx.rows.flat()), fx.rows.length);
      fx.rows.forEach((row, r) =>
        expect(Array.from(batch.subarray(r * 10, r * 10 + 10))).toEqual(Array.from(model.predict(row))),
      );
    }
  });

  it("an ABI 2 image (int16 rows with row sums, f32 scales; written before ABI 3) still loads and equals the emulation", () => {
    // test/fixtures/abi2/README.md: mlp_digits.json packed by the ABI 2 packer, --quantize int8 --int8-layers all.
    const image = new Uint8Array(readFileSync(new URL("../fixtures/abi2/mlp_digits_int16.eim", import.meta.url)));
    const quantized = layers.map((l) => quantizeLayer(l.w, "f32"));
    for (const simd of ["auto", "off"] as const) {
      const model = Model.load(image, { simd });
      expect([model.info.abiVersion, ...model.info.steps.map((s) => s.flags)]).toEqual([2, 2, 2, 2]); // Q8_I16_INPUT only
      for (const row of fx.rows) {
        const want = forward(row, quantized, "i16");
        Array.from(model.predict(row)).forEach((v, j) => expect(Math.abs(v - want[j]!)).toBeLessThan(1e-6));
      }
    }
  });
});

describe("int8 against the float model as its framework computed it", () => {
  const data = json("../fixtures/onnx-quant/rows.json") as Record<
    string,
    { rows: number[][]; calibration: number[][] }
  >;
  const refs = (json("../fixtures/onnx-quant/refs.json") as { models: Record<string, number[][]> }).models;

  it.each([
    ["digits", "torch 64-32-16-10"],
    ["cancer", "scikit-learn 30-16-8-2"],
  ])("%s (%s) on its held-out rows: ≥ 99 % same top class, probabilities within 0.1", (name) => {
    const bytes = new Uint8Array(readFileSync(new URL(`../fixtures/onnx-quant/${name}_float.onnx`, import.meta.url)));
    const set = data[name]!,
      float = refs[`${name}_float`]!;
    for (const options of [
      { quantize: "int8" as const },
      { quantize: "int8" as const, calibration: set.calibration },
      { quantize: "int8" as const, int8Layers: "all" as const },
    ]) {
      const model = Model.load(pack(bytes, options));
      let worst = 0,
        agree = 0;
      set.rows.forEach((row, r) => {
        const y = model.predict(row);
        y.forEach((v, j) => {
          worst = Math.max(worst, Math.abs(v - float[r]![j]!));
        });
        if (argmax(y) === argmax(float[r]!)) agree++;
      });
      const what = `${name} ${options.calibration ? "calibrated" : JSON.stringify(options)}: max |diff| ${worst}, agree ${agree}/${set.rows.length}`;
      expect(agree / set.rows.length, what).toBeGreaterThanOrEqual(0.99);
      expect(worst, what).toBeLessThan(0.1); // measured 0.013 to 0.075 (probabilities; near-tied rows move most)
    }
  });

  it("calibrated on the held-out rows, the recorded difference bounds the difference to the framework's float model there", () => {
    for (const name of ["digits", "cancer"]) {
      const bytes = new Uint8Array(readFileSync(new URL(`../fixtures/onnx-quant/${name}_float.onnx`, import.meta.url)));
      const set = data[name]!,
        float = refs[`${name}_float`]!;
      const model = Model.load(pack(bytes, { quantize: "int8", calibration: set.rows }));
      const c = model.info.quantReport!.calibration!;
      expect(c.rows).toBe(set.rows.length);
      let worst = 0,
        agree = 0;
      set.rows.forEach((row, r) => {
        const y = model.predict(row);
        y.forEach((v, j) => {
          worst = Math.max(worst, Math.abs(v - float[r]![j]!));
        });
        if (argmax(y) === argmax(float[r]!)) agree++;
      });
      // Our float model is within TOL.framework of onnxruntime's (test/onnx/quantized.test.ts).
      expect(worst).toBeLessThanOrEqual(c.maxAbsDiff + TOL.framework.atol);
      expect(Math.abs(agree - c.agreeingRows!)).toBeLessThanOrEqual(1); // a tie in float may break either way
    }
  });

  /** A JSON fixture packed int8 (every layer, calibrated on its rows); each output within the recorded difference. */
  function int8Json(name: string, want: (fx: JsonFixture) => number[][]) {
    const fx = json(`../fixtures/json/${name}.json`) as JsonFixture;
    const model = Model.load(pack(fx.model, { quantize: "int8", int8Layers: "all", calibration: fx.rows }));
    const c = model.info.quantReport!.calibration!;
    const w = want(fx);
    const ys = fx.rows.map((row) => Array.from(model.predict(row)));
    expect(ys.map((y) => y.length)).toEqual(w.map((x) => x.length));
    ys.forEach((y, r) =>
      y.forEach((v, j) =>
        expect(Math.abs(v - w[r]![j]!), `row ${r}, output ${j}`).toBeLessThanOrEqual(
          c.maxAbsDiff * (1 + 1e-6) + 1e-5 * (1 + Math.abs(w[r]![j]!)),
        ),
      ),
    );
    return { c, ys, w };
  }
  interface JsonFixture {
    model: JsonModel;
    rows: number[][];
    expected: { predict_proba?: number[][]; predict: number[] };
  }

  it.each(["mlp_digits", "mlp_binary_tanh_scaled"])(
    "JSON classifier %s: int8 within the recorded difference of scikit-learn, same classes",
    (name) => {
      const { ys, w } = int8Json(name, (fx) => fx.expected.predict_proba!);
      expect(ys.map(argmax)).toEqual(w.map(argmax));
    },
  );

  it("JSON regressor mlp_regressor: int8 within the recorded difference of scikit-learn, no class agreement", () => {
    const { c } = int8Json("mlp_regressor", (fx) => fx.expected.predict.map((v) => [v]));
    expect(c.agreeingRows).toBeUndefined();
  });
});

describe("bytes", () => {
  it("a 784-256-128-10 MLP: int8 weights take at most 27 % of the f32 weights", () => {
    let s = 1;
    const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
    const sizes = [784, 256, 128, 10];
    const model: JsonModel = {
      kind: "mlp",
      layers: sizes.slice(1).map((nOut, k) => ({
        weights: Array.from({ length: nOut }, () => Array.from({ length: sizes[k]! }, rnd)),
        bias: Array.from({ length: nOut }, rnd),
        activation: k < 2 ? "relu" : "softmax",
      })),
    };
    const f32 = Model.load(pack(model)).info,
      int8 = Model.load(pack(model, { quantize: "int8" })).info;
    const r = int8.quantReport!;
    // The 128×10 final layer (0.5 % of the weights) stays f32; the others: int8 values and 2-byte scales, no row sums.
    expect(r.layers.map((l) => l.decision)).toEqual([
      QuantDecision.Int8Dynamic,
      QuantDecision.Int8Dynamic,
      QuantDecision.F32SmallFinal,
    ]);
    expect(r).toMatchObject({
      floatMatrixBytes: 4 * 234752,
      matrixBytes: 200704 + 32768 + 2 * 384 + 4 * 1280,
      biasBytes: 4 * 394,
      floatWeightsBytes: f32.weightsBytes,
      weightsBytes: int8.weightsBytes,
    });
    expect(r.matrixBytes / r.floatMatrixBytes).toBeLessThanOrEqual(0.255); // 25.47 %
    expect(int8.weightsBytes / f32.weightsBytes).toBeLessThanOrEqual(0.257); // the whole section, biases and alignment included: 25.6 %
    const all = Model.load(pack(model, { quantize: "int8", int8Layers: "all" })).info.quantReport!;
    expect(all.matrixBytes).toBe(234752 + 2 * 394);
    expect(all.matrixBytes / all.floatMatrixBytes).toBeLessThanOrEqual(0.251);
  });

  it.each([
    ["scikit-learn's digits MLP 64-32-16-10 (JSON)", () => json("../fixtures/json/mlp_digits.json").model as JsonModel],
    [
      "torch's digits MLP 64-32-16-10 (ONNX)",
      () => new Uint8Array(readFileSync(new URL("../fixtures/onnx-quant/digits_float.onnx", import.meta.url))),
    ],
  ])(
    "%s: every layer int8 by default; the weight matrices with their scales take at most 27 % of their f32 bytes",
    (_, model) => {
      const m = model();
      const f32 = Model.load(pack(m)).info,
        r = Model.load(pack(m, { quantize: "int8" })).info.quantReport!;
      expect(r.layers.map((l) => l.decision)).toEqual([
        QuantDecision.Int8Dynamic,
        QuantDecision.Int8Dynamic,
        QuantDecision.Int8Dynamic,
      ]);
      // 64·32 + 32·16 + 16·10 = 2720 weights and 58 outputs: 2720 B of int8 and 116 B of bf16 scales against 10 880 B.
      expect(r).toMatchObject({
        floatMatrixBytes: 10880,
        matrixBytes: 2836,
        biasBytes: 232,
        floatWeightsBytes: f32.weightsBytes,
      });
      expect(r.matrixBytes / r.floatMatrixBytes).toBeLessThanOrEqual(0.27); // 26.1 %
      // With the exact f32 biases, alignment and (ONNX) nothing else: the section as a whole.
      expect(r.weightsBytes / r.floatWeightsBytes).toBeLessThanOrEqual(0.28);
    },
  );
});

describe("rows that are not numbers", () => {
  it.each(["int16", "uint8"] as const)(
    "%s rows: a NaN or an infinity in the row gives NaN outputs (allowNaN), a zero row gives the biases' outputs",
    (activations) => {
      const fx = json("../fixtures/json/mlp_digits.json") as { model: JsonModel; rows: number[][] };
      for (const simd of ["auto", "off"] as const) {
        const model = Model.load(pack(fx.model, { quantize: "int8", int8Layers: "all", activations }), {
          simd,
          allowNaN: true,
        });
        for (const bad of [NaN, Infinity]) {
          const row = fx.rows[0]!.slice();
          row[9] = bad;
          expect(Array.from(model.predict(row)).every(Number.isNaN), `${bad}`).toBe(true);
          const rows = [fx.rows[1]!, row, fx.rows[2]!, row];
          const batch = model.predictBatch(Float32Array.from(rows.flat()), 4);
          expect(Array.from(batch.subarray(10, 20)).every(Number.isNaN)).toBe(true);
          expect(Array.from(batch.subarray(0, 10))).toEqual(Array.from(model.predict(fx.rows[1]!)));
        }
        const zero = Array.from(model.predict(new Array(64).fill(0)));
        expect(zero.every(Number.isFinite)).toBe(true);
        expect(zero.reduce((a, v) => a + v)).toBeCloseTo(1, 5);
      }
    },
  );
});

describe("no image round trips", () => {
  // The report's byte counts and the output layout come from the plans: an image is written
  // only to be run (one probe image to calibrate, the float and the int8 image to measure) and
  // once as the result.
  const fx = json("../fixtures/json/mlp_digits.json") as { model: JsonModel; rows: number[][] };
  const count = () => {
    const builds = vi.spyOn(PlanBuilder.prototype, "build"),
      loads = vi.spyOn(Runtime.prototype, "load");
    return {
      done: () => {
        const n = { builds: builds.mock.calls.length, loads: loads.mock.calls.length };
        builds.mockRestore();
        loads.mockRestore();
        return n;
      },
    };
  };

  it("calibrated int8: three images run, four written; without calibration one written, none run", () => {
    let c = count();
    pack(fx.model, { quantize: "int8", calibration: fx.rows.slice(0, 50) });
    expect(c.done()).toEqual({ builds: 4, loads: 3 });
    c = count();
    pack(fx.model, { quantize: "int8" });
    expect(c.done()).toEqual({ builds: 1, loads: 0 });
  });

  it("the float weights in the report are the float image's weights section", () => {
    for (const options of [{ quantize: "int8" as const }, { quantize: "int8" as const, int8Layers: "all" as const }]) {
      const r = inspect(pack(fx.model, options)).quantReport!;
      expect(r.floatWeightsBytes).toBe(inspect(pack(fx.model)).weightsBytes);
    }
  });

  it("weightsSectionBytes counts what writeImage lays out", () => {
    const r = seeded("weights section");
    const g = new PlanBuilder(3, { producer: "test", kind: "mlp" });
    const h = g.dense(g.input, r.floats(15), r.floats(5), Act.Relu); // DENSE: 60 B of weights, padded to 64, then the bias
    const q = quantizeRows(r.floats(7 * 5), 7, 5);
    const k = g.denseQ8(h, q.values, q.scales, r.floats(7)); // DENSE_Q8: 35 B of int8, then scales as aux
    g.output("y", g.dense(g.affine(k, r.floats(7), r.floats(7)), r.floats(14), r.floats(2))); // AFFINE, DENSE_NARROW
    expect(weightsSectionBytes(g.plan().steps)).toBe(inspect(g.build()).weightsBytes);
    const single = new PlanBuilder(3, { producer: "test", kind: "mlp" });
    single.output("y", single.dense(single.input, r.floats(15), r.floats(5)));
    expect(weightsSectionBytes(single.plan().steps)).toBe(64 + 5 * 4);
  });
});
