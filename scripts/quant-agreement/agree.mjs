// Top-class agreement of int8 against float, and the bytes, on MLPs not used for tuning
// (docs/quantization.md, "Accuracy"). After `npm run build`:
//   /usr/bin/python3 scripts/quant-agreement/make_mlps.py [dir]     (scikit-learn, torch; default /tmp/edgeinfer-quant-mlps)
//   node scripts/quant-agreement/agree.mjs [dir] [variants]         (variants: int8Layers/activations, comma-separated)
import { readdirSync, readFileSync } from "node:fs";

const root = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const dir = process.argv[2] ?? "/tmp/edgeinfer-quant-mlps";
const { pack } = await import(`${root}/dist/src/pack.js`);
const { Model } = await import(`${root}/dist/src/index.js`);
const argmax = (v) => {
  let k = 0;
  for (let j = 1; j < v.length; j++) if (v[j] > v[k]) k = j;
  return k;
};
function lcg(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}
function randomMlp(sizes, seed, nRows) {
  const rnd = lcg(seed);
  const model = {
    kind: "mlp",
    layers: sizes.slice(1).map((nOut, k) => ({
      weights: Array.from({ length: nOut }, () => Array.from({ length: sizes[k] }, rnd)),
      bias: Array.from({ length: nOut }, rnd),
      activation: k < sizes.length - 2 ? "relu" : "softmax",
    })),
  };
  const rows = Array.from({ length: nRows }, () => Array.from({ length: sizes[0] }, rnd));
  const f32 = Model.load(pack(model));
  return { model, rows, proba: rows.map((r) => Array.from(f32.predict(r))) };
}
const sets = [];
for (const f of readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .sort())
  sets.push([f.replace(".json", ""), JSON.parse(readFileSync(`${dir}/${f}`, "utf8"))]);
{
  const rowsJ = JSON.parse(readFileSync(`${root}/test/fixtures/onnx-quant/rows.json`, "utf8")),
    refs = JSON.parse(readFileSync(`${root}/test/fixtures/onnx-quant/refs.json`, "utf8")).models;
  for (const n of ["digits", "cancer"])
    sets.push([
      `fixture ${n}_float.onnx`,
      {
        model: new Uint8Array(readFileSync(`${root}/test/fixtures/onnx-quant/${n}_float.onnx`)),
        rows: rowsJ[n].rows,
        proba: refs[`${n}_float`],
      },
    ]);
  const j = JSON.parse(readFileSync(`${root}/test/fixtures/json/mlp_digits.json`, "utf8"));
  sets.push(["fixture json mlp_digits", { model: j.model, rows: j.rows, proba: j.expected.predict_proba }]);
}
for (const [sizes, seed] of [
  [[784, 256, 128, 10], 1],
  [[784, 256, 128, 10], 2],
  [[20, 64, 32, 5], 3],
  [[64, 32, 16, 10], 4],
  [[64, 32, 16, 10], 5],
  [[200, 512, 256, 20], 6],
])
  sets.push([`random ${sizes.join("-")} #${seed}`, randomMlp(sizes, seed, 1000)]);
const variants = (process.argv[3] ?? "auto/int16,all/int16,auto/uint8").split(",");
console.log(["model", "rows", ...variants.map((v) => `${v} agree (max|dp|) matrices`)].join(" | "));
for (const [name, fx] of sets) {
  const cells = [];
  for (const v of variants) {
    const [int8Layers, activations] = v.split("/");
    const m = Model.load(pack(fx.model, { quantize: "int8", int8Layers, activations }));
    let agree = 0,
      worst = 0;
    fx.rows.forEach((row, r) => {
      const y = m.predict(row);
      if (argmax(y) === argmax(fx.proba[r])) agree++;
      y.forEach((p, j) => {
        worst = Math.max(worst, Math.abs(p - fx.proba[r][j]));
      });
    });
    const q = m.info.quantReport;
    const mat = q.matrixBytes !== undefined ? `${((100 * q.matrixBytes) / q.floatMatrixBytes).toFixed(1)}%` : "-";
    cells.push(
      `${((100 * agree) / fx.rows.length).toFixed(2)}% ${agree}/${fx.rows.length} (${worst.toFixed(3)}) ${mat} sect ${((100 * q.weightsBytes) / q.floatWeightsBytes).toFixed(1)}%`,
    );
  }
  console.log([name, fx.rows.length, ...cells].join(" | "));
}
