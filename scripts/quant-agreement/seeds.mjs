// Random MLPs over many seeds: top-class agreement of int8 (int16 rows, bf16 scales) with the
// f32 model, with the final layer kept f32 and with it int8 (docs/quantization.md, "Which
// layers become int8"). After `npm run build`: node scripts/quant-agreement/seeds.mjs
const root = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const { PlanBuilder } = await import(`${root}/dist/src/internal.js`);
const { Model } = await import(`${root}/dist/src/index.js`);
const RELU = 1,
  SOFTMAX = 5,
  F32_SMALL_FINAL = 5;
const argmax = (v) => {
  let k = 0;
  for (let j = 1; j < v.length; j++) if (v[j] > v[k]) k = j;
  return k;
};
function lcg(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}
for (const sizes of [
  [20, 64, 32, 5],
  [64, 32, 16, 10],
  [13, 32, 16, 3],
  [784, 256, 128, 10],
]) {
  const res = { finalF32: [], finalInt8: [] };
  for (let seed = 100; seed < (sizes[0] > 500 ? 104 : 120); seed++) {
    const rnd = lcg(seed);
    const g = new PlanBuilder(sizes[0], { producer: "seeds", kind: "mlp" });
    let x = g.input;
    sizes.slice(1).forEach((nOut, k) => {
      const w = Float32Array.from({ length: nOut * sizes[k] }, rnd),
        b = Float32Array.from({ length: nOut }, rnd);
      x = g.dense(x, w, b, k < sizes.length - 2 ? RELU : SOFTMAX);
    });
    g.output("probabilities", x);
    const rows = Array.from({ length: 1000 }, () => Array.from({ length: sizes[0] }, rnd));
    const f32 = Model.load(g.build());
    const ref = rows.map((r) => argmax(f32.predict(r)));
    const variants = {
      finalF32: (l) => (l.final ? F32_SMALL_FINAL : { rows: "i16" }),
      finalInt8: () => ({ rows: "i16" }),
    };
    for (const [v, choose] of Object.entries(variants)) {
      const m = Model.load(g.withInt8(choose).build());
      res[v].push(rows.filter((r, i) => argmax(m.predict(r)) === ref[i]).length / 10);
    }
  }
  const s = (a) =>
    `min ${Math.min(...a).toFixed(1)} % mean ${(a.reduce((x, y) => x + y) / a.length).toFixed(2)} % (${a.length} seeds; under 99 %: ${a.filter((x) => x < 99).length})`;
  console.log(`${sizes.join("-")}  final layer f32: ${s(res.finalF32)} | final layer int8: ${s(res.finalInt8)}`);
}
