/**
 * edgeinfer in Node: the three deployment patterns on the blog's logistic regression.
 *   online     one row, synchronous, into a reused view (no allocation per call)
 *   batch      many rows in one call
 *   streaming  rows arriving one by one (here: CSV lines on stdin), each scored as it comes
 *
 *   npm run build && node dist/examples/node/predict.js < examples/logistic-regression/data.csv
 */
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { Model } from "edgeinfer";
import { pack } from "edgeinfer/pack";

const json = readFileSync(new URL("../../../examples/logistic-regression/model.json", import.meta.url), "utf8");
const model = Model.load(pack(json));

// Online.
const y = model.predict([0.5, -1]);
console.log(`online: p = [${Array.from(y, (v) => v.toFixed(6)).join(", ")}], label ${model.predictLabel([0.5, -1])}`);

// Batch: a row-major Float32Array, outputs into one too.
const rows = Float32Array.of(0.5, -1, 1, 2, -2, 0);
const out = model.predictBatch(rows, 3);
console.log(`batch:  ${Array.from(out, (v) => v.toFixed(4)).join(" ")}`);

// Streaming: score each CSV line of stdin as it arrives (header and blank lines skipped).
if (!process.stdin.isTTY) {
  const row = new Float32Array(model.info.inputLength);
  let n = 0,
    positives = 0;
  for await (const line of createInterface({ input: process.stdin })) {
    const fields = line.split(",").slice(0, row.length).map(Number);
    if (fields.length < row.length || fields.some(Number.isNaN)) continue;
    row.set(fields);
    n++;
    if (model.predictLabel(row) === 1) positives++;
  }
  console.log(`stream: ${n} rows scored, ${positives} predicted 1`);
}
