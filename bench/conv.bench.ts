/**
 * The PyTorch convolutional fixtures (test/fixtures/onnx/torch_conv*) against onnxruntime-node
 * (CPU, one thread) and onnxruntime-web (wasm, one thread) in one process: single-row latency
 * and a batch of 20 rows, medians. Every contender's answers are checked against PyTorch's
 * before it is timed. Writes bench/results/conv.md.
 *
 *   npm run build && node dist/bench/conv.bench.js
 */
import { readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { Model } from "../src/index.js";
import { CONV_GEOMETRY, readGeometry } from "../src/ops/conv.js";
import { pack } from "../src/pack.js";
import { type Any, importOrtWeb, notInstalled, ORT_NODE_OPTIONS, peerRequire } from "./peer-load.js";
import { root } from "./suite.js";
import { fmtNs, measure } from "./timing.js";

const NAMES = ["torch_conv_digits_cnn", "torch_conv_dscnn_digits", "torch_conv_resnet_digits", "torch_conv1d_signal"];
const TOL = { atol: 1e-4, rtol: 1e-5 };

function check(what: string, got: ArrayLike<number>, want: number[]): void {
  for (let i = 0; i < want.length; i++)
    if (!(Math.abs(got[i]! - want[i]!) <= TOL.atol + TOL.rtol * Math.abs(want[i]!)))
      throw new Error(`${what}: output ${i} = ${got[i]}, PyTorch ${want[i]}: not timing a wrong answer`);
}

const missing = notInstalled("onnxruntime-node") ?? notInstalled("onnxruntime-web");
if (missing) throw new Error(missing);
const ortNode: Any = peerRequire("onnxruntime-node");
const ortWeb: Any = await importOrtWeb();

const lines: string[] = [];
const table: string[] = [];
const verdicts: Array<[string, number, number]> = [];
for (const name of NAMES) {
  const dir = root("test/fixtures/onnx/");
  const onnx = new Uint8Array(readFileSync(`${dir}${name}.onnx`));
  const ref = JSON.parse(readFileSync(`${dir}${name}.json`, "utf8")) as {
    inputs: number[][];
    expected: { forward: number[][] };
    input: { shape: Array<number | string> };
  };
  const n = ref.inputs.length,
    nIn = ref.inputs[0]!.length;
  const rows = Float32Array.from(ref.inputs.flat());
  const want = ref.expected.forward.flat(),
    nOut = ref.expected.forward[0]!.length;
  const dims = ref.input.shape.slice(1).map(Number);
  const image = pack(onnx);
  const model = Model.load(image);
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const macs = model.info.steps
    .filter((s) => s.opcode === 20)
    .reduce((a, s) => {
      const g = readGeometry(view, s.aux, CONV_GEOMETRY);
      return a + g.OH * g.OW * g.M * g.KH * g.KW * (g.C / g.G);
    }, 0);
  const out = new Float32Array(n * nOut);
  check(`${name} edgeinfer batch`, model.predictBatch(rows, n, out), want);
  const row0 = rows.subarray(0, nIn);
  check(`${name} edgeinfer row`, model.predict(row0), want.slice(0, nOut));

  const sessions: Array<[string, Any, Any]> = [
    ["onnxruntime-node", ortNode, await ortNode.InferenceSession.create(onnx, ORT_NODE_OPTIONS)],
    ["onnxruntime-web", ortWeb, await ortWeb.InferenceSession.create(onnx, { executionProviders: ["wasm"] })],
  ];
  const results: Array<[string, number, number]> = [];
  const one = await measure(`${name} edgeinfer row`, () => model.predict(row0), false);
  const batch = await measure(`${name} edgeinfer batch`, () => model.predictBatch(rows, n, out), false);
  results.push(["edgeinfer", one.medianNs, batch.medianNs]);
  for (const [label, ort, s] of sessions) {
    const input = s.inputNames[0],
      output = s.outputNames[0];
    const t1 = new ort.Tensor("float32", row0, [1, ...dims]);
    const tn = new ort.Tensor("float32", rows, [n, ...dims]);
    check(`${name} ${label} batch`, (await s.run({ [input]: tn }))[output].data, want);
    const r1 = await measure(`${name} ${label} row`, () => s.run({ [input]: t1 }), true);
    const rn = await measure(`${name} ${label} batch`, () => s.run({ [input]: tn }), true);
    results.push([label, r1.medianNs, rn.medianNs]);
  }
  const base = results[0]!;
  for (const [label, r1, rn] of results) {
    const ratio = label === "edgeinfer" ? "–" : `${(r1 / base[1]).toFixed(2)} / ${(rn / base[2]).toFixed(2)}`;
    if (label !== "edgeinfer") verdicts.push([`${name} vs ${label}`, r1 / base[1], rn / base[2]]);
    table.push(`| ${name} | ${label} | ${fmtNs(r1)} | ${fmtNs(rn / n)} | ${ratio} |`);
  }
  lines.push(
    `- ${name}: ${model.info.steps.length} steps, ${(macs / 1e6).toFixed(3)} M multiply-adds in its convolutions, ` +
      `${model.info.parameterCount} parameters, image ${model.info.imageBytes} B, arena ${model.info.arenaBytes} B ` +
      `(${model.info.batchRows} rows); edgeinfer one row: ${(((macs / one.medianNs) * 1e9) / 1e9).toFixed(2)} G multiply-adds/s`,
  );
  console.log(table.slice(-3).join("\n"));
}

const md = `# Convolutional nets: edgeinfer against onnxruntime

Written by \`bench/conv.bench.ts\` (\`npm run build && node dist/bench/conv.bench.js\`) on ${new Date().toISOString().slice(0, 10)},
Node ${process.version}, ${cpus()[0]?.model ?? "?"}, one thread each (the machine was shared with other jobs: compare
the ratios, measured in the same process, more than the absolute times).

The models are the PyTorch fixtures of \`test/fixtures/onnx/make_conv_fixtures.py\` (\`torch.onnx.export\`), the same
\`.onnx\` files for every contender. Before timing, every contender's outputs on the fixture's 20 held-out rows were
checked against PyTorch's \`forward()\` (within 1e-4 + 1e-5 relative). onnxruntime-node runs its CPU provider with
\`intraOpNumThreads: 1\`; onnxruntime-web its wasm backend with \`numThreads = 1\`, in Node. Medians (tinybench).

| model | runtime | one row | per row in a batch of 20 | its time ÷ edgeinfer's, one row / batch (> 1: edgeinfer is faster) |
|---|---|---|---|---|
${table.join("\n")}

${lines.join("\n")}

What this run shows: edgeinfer was faster on one row in ${verdicts.filter((v) => v[1] > 1).length} of ${verdicts.length} comparisons
(slower: ${
  verdicts
    .filter((v) => v[1] <= 1)
    .map((v) => v[0])
    .join(", ") || "none"
}), and per row in a batch in
${verdicts.filter((v) => v[2] > 1).length} of ${verdicts.length} (slower: ${
  verdicts
    .filter((v) => v[2] <= 1)
    .map((v) => v[0])
    .join(", ") || "none"
}).
onnxruntime-node is native code (its CPU provider's own vectorized kernels); the wasm contenders are edgeinfer and
onnxruntime-web.
`;
writeFileSync(root("bench/results/conv.md"), md);
console.log(md);
