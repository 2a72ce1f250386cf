/**
 * PyTorch → ONNX → edgeinfer, end to end. For each model written by export.py: reads the .onnx
 * file (torch.onnx.export, opset 13, dynamic batch), packs it, loads the image into the wasm
 * runtime, predicts the held-out rows one at a time and in one batch, and prints the outputs
 * beside torch's forward() on the same float32 rows. Exits with 1 when any output is more than
 * 1e-5 away.
 *
 *   node dist/examples/pytorch/predict.js [model ...]     (default: every model below)
 */
import { existsSync, readFileSync } from "node:fs";
import { Model } from "../../src/index.js";
import { pack } from "../../src/pack.js";

const MODELS = ["iris_relu_softmax", "bc_tanh_sigmoid"];
const TOLERANCE = 1e-5;

/** What export.py writes next to each .onnx: the rows and torch's forward() on them. */
interface Reference {
  model: string;
  dataset: { loader: string; features: string; classes: string };
  held_out_accuracy: number;
  onnx: { output: string };
  rows: number[][];
  torch: { forward: number[][] };
}

// Works from the source folder and from dist/examples/pytorch/: find the folder holding the data.
const here = [new URL("./", import.meta.url), new URL("../../../examples/pytorch/", import.meta.url)].find((u) =>
  existsSync(new URL(`${MODELS[0]}.onnx`, u)),
);
if (!here) throw new Error(`cannot find ${MODELS[0]}.onnx; run \`/usr/bin/python3 examples/pytorch/export.py\` first`);

const e = (x: number) => x.toExponential(1);
const vec = (v: ArrayLike<number>) => `[${Array.from(v, (x) => x.toFixed(9)).join(", ")}]`;
/** The class a probability output stands for: argmax, or P(class 1) > 0.5 for a single sigmoid. */
const decide = (v: ArrayLike<number>) =>
  v.length === 1 ? Number(v[0]! > 0.5) : Array.from(v).indexOf(Math.max(...Array.from(v)));
let failed = false;

for (const name of process.argv.length > 2 ? process.argv.slice(2) : MODELS) {
  const onnx = readFileSync(new URL(`${name}.onnx`, here));
  const ref = JSON.parse(readFileSync(new URL(`${name}.rows.json`, here), "utf8")) as Reference;
  const image = pack(onnx);
  const model = Model.load(image);
  const nRows = ref.rows.length,
    nIn = model.info.inputLength,
    nOut = model.info.outputLength;
  if (nOut !== ref.torch.forward[0]!.length)
    throw new Error(`${name}: ${nOut} outputs, torch gives ${ref.torch.forward[0]!.length}`);

  console.log(`${name}: ${ref.model}`);
  console.log(
    `  data   ${ref.dataset.loader}, ${ref.dataset.features}; classes ${ref.dataset.classes}; ${nRows} held-out rows (held-out accuracy ${ref.held_out_accuracy.toFixed(4)})`,
  );
  console.log(
    `  size   .onnx ${onnx.length} B → packed ${image.length} B (${((100 * image.length) / onnx.length).toFixed(0)}%), ` +
      `weights ${model.info.weightsBytes} B, ${model.info.steps.length} steps, ${model.info.build} build`,
  );
  console.log(`  output ${model.info.outputs.map((o) => `${o.name}[${o.length}]`).join(", ")}: ${ref.onnx.output}`);
  console.log(
    `  row  class edgeinfer / torch  ${"edgeinfer".padEnd(13 * nOut)}  ${"torch forward()".padEnd(13 * nOut)}  max |Δ|`,
  );

  // One row at a time: predict() returns a reused view, so read it before the next call.
  let worstSingle = 0,
    classMismatches = 0;
  for (let r = 0; r < nRows; r++) {
    const want = ref.torch.forward[r]!;
    const y = model.predict(ref.rows[r]!);
    let rowDiff = 0;
    for (let k = 0; k < nOut; k++) rowDiff = Math.max(rowDiff, Math.abs(y[k]! - want[k]!));
    worstSingle = Math.max(worstSingle, rowDiff);
    const got = decide(y),
      exp = decide(want);
    if (got !== exp) classMismatches++;
    console.log(
      `  ${String(r).padStart(3)}  ${String(got).padStart(15)} / ${String(exp).padEnd(5)}${got === exp ? " " : "✗"}  ` +
        `${vec(y).padEnd(13 * nOut)}  ${vec(want).padEnd(13 * nOut)}  ${e(rowDiff)}`,
    );
  }

  // All rows in one call.
  const rows = Float32Array.from(ref.rows.flat());
  if (rows.length !== nRows * nIn)
    throw new Error(`${name}: rows have ${rows.length / nRows} values, the model takes ${nIn}`);
  const batch = model.predictBatch(rows, nRows);
  let worstBatch = 0;
  for (let r = 0; r < nRows; r++) {
    for (let k = 0; k < nOut; k++)
      worstBatch = Math.max(worstBatch, Math.abs(batch[r * nOut + k]! - ref.torch.forward[r]![k]!));
  }

  const ok = classMismatches === 0 && worstSingle <= TOLERANCE && worstBatch <= TOLERANCE;
  console.log(
    `  max |edgeinfer − torch forward()|: one row at a time ${e(worstSingle)}, batch ${e(worstBatch)}; ` +
      `class mismatches ${classMismatches} → ${ok ? "OK" : "FAIL"} (tolerance ${e(TOLERANCE)})\n`,
  );
  if (!ok) failed = true;
  model.dispose();
}

if (failed) {
  console.error(`FAIL: edgeinfer differs from torch by more than ${TOLERANCE}`);
  process.exitCode = 1;
}
