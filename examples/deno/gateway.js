// An IoT gateway in Deno: sensor readings in as JSON lines on stdin, predictions out as JSON
// lines on stdout, one synchronous predict per reading (no allocation per call). A reading
// that cannot be scored gets an error line and the stream goes on.
//
//   deno run --allow-read examples/deno/gateway.js examples/deno/model.eim < readings.jsonl
//   {"x1": 0.5, "x2": -1}       → {"probabilities":[0.117…,0.882…],"label":1}
//   [0.5, -1]                   → the same, features in the model's order
//
// The library is imported unbundled from dist/ (after `npm run build`); nothing here is
// Node-specific (loadFile reads through Deno's own node:fs). model.eim is the blog's logistic regression (`edgeinfer pack`).
import { Model } from "../../dist/src/index.js";

const [path] = Deno.args;
if (!path) {
  console.error("usage: deno run --allow-read examples/deno/gateway.js <model.eim> < readings.jsonl");
  Deno.exit(1);
}
const model = Model.loadFile(path); // read straight into the runtime's memory (Deno's node:fs)
const { featureNames, inputLength, outputs } = model.info;
const row = new Float32Array(inputLength); // reused for every reading
const classifier = outputs.some((o) => o.labels);

function score(reading) {
  if (Array.isArray(reading)) {
    if (reading.length !== inputLength) throw new Error(`expected ${inputLength} values, got ${reading.length}`);
    row.set(reading);
  } else {
    featureNames.forEach((name, i) => {
      if (typeof reading[name] !== "number") throw new Error(`missing feature ${JSON.stringify(name)}`);
      row[i] = reading[name];
    });
  }
  // One prediction; the label (for classifiers) comes from the same outputs.
  const label = classifier ? model.predictLabel(row) : undefined;
  if (!classifier) model.predict(row);
  const result = {};
  for (const o of outputs) {
    const v = model.outputs[o.name];
    result[o.name] = o.labels && o.length === 1 ? o.labels[v[0]] : o.length === 1 ? v[0] : Array.from(v);
  }
  if (label !== undefined) result.label = label;
  return result;
}

const encoder = new TextEncoder();
let pending = "";
for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
  const lines = (pending + chunk).split("\n");
  pending = lines.pop();
  for (const line of lines) handle(line);
}
handle(pending);

function handle(line) {
  if (!line.trim()) return;
  let out;
  try {
    out = score(JSON.parse(line));
  } catch (e) {
    out = { error: e.message };
  }
  Deno.stdout.writeSync(encoder.encode(JSON.stringify(out) + "\n"));
}
