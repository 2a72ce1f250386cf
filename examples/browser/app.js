// Builds a form from the model's own metadata (feature names, outputs, labels) and predicts on
// submit: one synchronous call, a few nanoseconds. Plain ES modules, no bundler.
import { Model } from "../../dist/src/index.js";

const form = document.getElementById("features");
const result = document.getElementById("result");

const model = Model.load(new Uint8Array(await (await fetch("./model.eim")).arrayBuffer()));
const { featureNames, outputs } = model.info;
const row = new Float32Array(model.info.inputLength);

for (const name of featureNames) {
  const label = document.createElement("label");
  label.textContent = name;
  const input = Object.assign(document.createElement("input"), {
    type: "number",
    step: "any",
    name,
    value: "0",
    required: true,
  });
  label.append(input);
  form.append(label);
}
form.append(Object.assign(document.createElement("button"), { type: "submit", textContent: "Predict" }));

function show() {
  featureNames.forEach((name, i) => (row[i] = Number(form.elements[name].value)));
  try {
    const label = model.predictLabel(row);
    const lines = outputs.map((o) => `${o.name}: ${Array.from(model.outputs[o.name], (v) => v.toFixed(6)).join(", ")}`);
    result.textContent = [...lines, `label: ${label}`].join("\n");
  } catch (e) {
    result.textContent = `error: ${e.message}`;
  }
}
form.addEventListener("submit", (e) => {
  e.preventDefault();
  show();
});
show();
