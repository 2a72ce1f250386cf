/**
 * scikit-learn → ONNX → edgeinfer, end to end. For each model written by train.py: reads the
 * .onnx file, packs it, loads the image into the wasm runtime, predicts the held-out rows one at
 * a time and in one batch, and prints the labels and probabilities beside scikit-learn's own
 * predict / predict_proba on the same float32 rows. Exits with 1 when a label differs or a
 * probability is more than 1e-5 away.
 *
 *   node dist/examples/sklearn/predict.js [model ...]     (default: every model below)
 */
import { existsSync, readFileSync } from "node:fs";
import { type Label, Model, type OutputInfo } from "../../src/index.js";
import { pack } from "../../src/pack.js";

const MODELS = ["breast_cancer_lr", "digits_mlp"];
const TOLERANCE = 1e-5;

/** What train.py writes next to each .onnx: the rows and scikit-learn's answers on them. */
interface Reference {
  model: string;
  dataset: { loader: string; features: string };
  held_out_accuracy: number;
  onnx: { emulates: string };
  rows: number[][];
  sklearn: { classes: Label[]; predict: Label[]; predict_proba: number[][] };
}

// Works from the source folder and from dist/examples/sklearn/: find the folder holding the data.
const here = [new URL("./", import.meta.url), new URL("../../../examples/sklearn/", import.meta.url)].find((u) =>
  existsSync(new URL(`${MODELS[0]}.onnx`, u)),
);
if (!here) throw new Error(`cannot find ${MODELS[0]}.onnx; run \`/usr/bin/python3 examples/sklearn/train.py\` first`);

const e = (x: number) => x.toExponential(1);
let failed = false;

for (const name of process.argv.length > 2 ? process.argv.slice(2) : MODELS) {
  const onnx = readFileSync(new URL(`${name}.onnx`, here));
  const ref = JSON.parse(readFileSync(new URL(`${name}.rows.json`, here), "utf8")) as Reference;
  const image = pack(onnx);
  const model = Model.load(image);

  // skl2onnx's outputs: a label (one value: the class index) and the probabilities (one per class).
  const outputs = model.info.outputs;
  const labelOut: OutputInfo | undefined = outputs.find((o) => o.labels && o.length === 1);
  const probaOut: OutputInfo | undefined = outputs.find(
    (o) => o.labels && o.length > 1 && o.length === o.labels.length,
  );
  if (!labelOut || !probaOut)
    throw new Error(`${name}: expected a label and a probability output, got ${outputs.map((o) => o.name).join(", ")}`);
  const classes = probaOut.labels!;
  if (JSON.stringify(classes) !== JSON.stringify(ref.sklearn.classes)) {
    throw new Error(
      `${name}: classes ${JSON.stringify(classes)} differ from scikit-learn's ${JSON.stringify(ref.sklearn.classes)}`,
    );
  }

  const nRows = ref.rows.length,
    nIn = model.info.inputLength,
    nOut = model.info.outputLength;
  console.log(`${name}: ${ref.model}`);
  console.log(
    `  data   ${ref.dataset.loader}, ${ref.dataset.features}; ${nRows} held-out rows (held-out accuracy ${ref.held_out_accuracy.toFixed(4)})`,
  );
  console.log(
    `  size   .onnx ${onnx.length} B → packed ${image.length} B (${((100 * image.length) / onnx.length).toFixed(0)}%), ` +
      `weights ${model.info.weightsBytes} B, ${model.info.steps.length} steps, ${model.info.build} build`,
  );
  console.log(
    `  outputs ${outputs.map((o) => `${o.name}[${o.length}]`).join(", ")}; classes ${JSON.stringify(classes)}`,
  );
  console.log(
    `  row  ${"label edgeinfer / sklearn".padEnd(28)}  ${"P(label) edgeinfer".padStart(18)}  ${"P(label) sklearn".padStart(18)}  max |Δ| over classes`,
  );

  // One row at a time: predict() returns a reused view, so read it before the next call.
  let worstSingle = 0,
    labelMismatches = 0;
  for (let r = 0; r < nRows; r++) {
    const row = ref.rows[r]!,
      want = ref.sklearn.predict_proba[r]!,
      wantLabel = ref.sklearn.predict[r]!;
    const label = model.predictLabel(row);
    const y = model.predict(row);
    let rowDiff = 0;
    for (let k = 0; k < classes.length; k++) rowDiff = Math.max(rowDiff, Math.abs(y[probaOut.offset + k]! - want[k]!));
    worstSingle = Math.max(worstSingle, rowDiff);
    const same = String(label) === String(wantLabel);
    if (!same) labelMismatches++;
    const k = classes.findIndex((c) => String(c) === String(wantLabel));
    console.log(
      `  ${String(r).padStart(3)}  ${String(label).padStart(15)} / ${String(wantLabel).padEnd(9)}${same ? " " : "✗"}  ` +
        `${y[probaOut.offset + k]!.toFixed(9).padStart(18)}  ${want[k]!.toFixed(9).padStart(18)}  ${e(rowDiff)}`,
    );
  }

  // All rows in one call.
  const rows = Float32Array.from(ref.rows.flat());
  if (rows.length !== nRows * nIn)
    throw new Error(`${name}: rows have ${rows.length / nRows} values, the model takes ${nIn}`);
  const batch = model.predictBatch(rows, nRows);
  let worstBatch = 0;
  for (let r = 0; r < nRows; r++) {
    const base = r * nOut;
    if (String(classes[batch[base + labelOut.offset]!]) !== String(ref.sklearn.predict[r])) labelMismatches++;
    for (let k = 0; k < classes.length; k++)
      worstBatch = Math.max(
        worstBatch,
        Math.abs(batch[base + probaOut.offset + k]! - ref.sklearn.predict_proba[r]![k]!),
      );
  }

  const ok = labelMismatches === 0 && worstSingle <= TOLERANCE && worstBatch <= TOLERANCE;
  console.log(
    `  max |edgeinfer − scikit-learn predict_proba|: one row at a time ${e(worstSingle)}, batch ${e(worstBatch)}; ` +
      `label mismatches ${labelMismatches} → ${ok ? "OK" : "FAIL"} (tolerance ${e(TOLERANCE)})\n`,
  );
  if (!ok) failed = true;
  model.dispose();
}

if (failed) {
  console.error(`FAIL: edgeinfer differs from scikit-learn by more than ${TOLERANCE} or on a label`);
  process.exitCode = 1;
}
