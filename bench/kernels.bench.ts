/**
 * Dense layers the size of real MLP layers, through the whole runtime: f32 and int8, SIMD and
 * scalar builds, one row at a time against predictBatch. Each model's answer is checked against
 * a float64 reference before it is timed.
 */
import { Bench } from "tinybench";
import { Act, Model } from "../src/index.js";
import { PlanBuilder } from "../src/plan/builder.js";
import { quantizeRows } from "../src/plan/quantize.js";
import { report } from "./suite.js";

function rand(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

/** The loop a user would write in plain JavaScript: the baseline. */
function jsDenseRelu(
  w: Float32Array,
  b: Float32Array,
  x: Float32Array,
  xOff: number,
  nIn: number,
  nOut: number,
  y: Float32Array,
): void {
  for (let o = 0; o < nOut; o++) {
    let acc = b[o]!;
    const row = o * nIn;
    for (let i = 0; i < nIn; i++) acc += w[row + i]! * x[xOff + i]!;
    y[o] = Math.max(acc, 0);
  }
}

const ROWS = 256;
const bench = new Bench({ name: `dense layers, ${ROWS} rows per task`, time: 1500, warmup: true, warmupTime: 300 });

for (const [nIn, nOut] of [
  [64, 128],
  [784, 256],
] as const) {
  const r = rand(nIn * 1000 + nOut);
  const w = Float32Array.from({ length: nIn * nOut }, r),
    b = Float32Array.from({ length: nOut }, r);
  const rows = Float32Array.from({ length: ROWS * nIn }, r);
  const want = new Float64Array(ROWS * nOut);
  for (let k = 0; k < ROWS; k++)
    for (let o = 0; o < nOut; o++) {
      let acc = b[o]!;
      for (let i = 0; i < nIn; i++) acc += w[o * nIn + i]! * rows[k * nIn + i]!;
      want[k * nOut + o] = Math.max(0, acc);
    }
  const f32 = new PlanBuilder(nIn, { producer: "bench", kind: "mlp" });
  f32.output("y", f32.dense(f32.input, w, b, Act.Relu));
  const q = quantizeRows(w, nOut, nIn);
  const q8 = new PlanBuilder(nIn, { producer: "bench", kind: "mlp" });
  q8.output("y", q8.denseQ8(q8.input, q.values, q.scales, b, Act.Relu));
  const images = { f32: f32.build(), int8: q8.build() };
  const out = new Float32Array(ROWS * nOut);
  const jsOut = new Float32Array(nOut);
  bench.add(`${nIn}×${nOut} plain JS, one row at a time`, () => {
    for (let k = 0; k < ROWS; k++) jsDenseRelu(w, b, rows, k * nIn, nIn, nOut, jsOut);
  });
  for (const [kind, image] of Object.entries(images)) {
    for (const simd of ["auto", "off"] as const) {
      const model = Model.load(image, { simd });
      const build = model.info.build;
      // Check before timing: f32 to its rounding, int8 to its quantization error.
      const got = model.predictBatch(rows, ROWS, out);
      const tol = kind === "f32" ? 1e-3 : 0.05 * Math.sqrt(nIn);
      let worst = 0;
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
      if (!(worst <= tol)) throw new Error(`${kind} ${build} ${nIn}×${nOut}: max difference ${worst} > ${tol}`);
      const rowViews = Array.from({ length: ROWS }, (_, k) => rows.subarray(k * nIn, (k + 1) * nIn));
      bench.add(`${nIn}×${nOut} ${kind} ${build}, one row at a time`, () => {
        for (let k = 0; k < ROWS; k++) model.predict(rowViews[k]!);
      });
      bench.add(`${nIn}×${nOut} ${kind} ${build}, predictBatch`, () => {
        model.predictBatch(rows, ROWS, out);
      });
    }
  }
}

await bench.run();
report(bench, { perTask: ROWS, unit: "row", baseline: "784×256 plain JS, one row at a time", json: "kernels" });
