// A message through the scorer: its own features and its key's window features (NumPy's, from
// test/fixtures/stream/windows.json) placed by the model's feature names, the prediction as
// JSON. The model is a linear regression (y = b + Σ wᵢxᵢ), checked against that sum in float64.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Model } from "../../src/index.js";
import { pack } from "../../src/pack.js";
import { PayloadError } from "../../src/stream/payload.js";
import { MessageScorer } from "../../src/stream/scorer.js";
import { parseWindowConfig } from "../../src/stream/windows.js";
import { expectAllClose } from "../helpers/close.js";

const ref = JSON.parse(readFileSync(new URL("../fixtures/stream/windows.json", import.meta.url), "utf8")) as {
  config: unknown;
  names: string[];
  messages: Array<{ key: string; ts: number; temp: number; hum: number }>;
  expected: number[][];
};
// The window features first, the message's own after them: the model's order places them all.
const features = [...ref.names, "hum", "temp"];
const w = features.map((_, i) => ((i % 5) - 2) / 4);
const b = 0.5;
const model = Model.load(
  pack(JSON.stringify({ kind: "linear_regression", coefficients: [w], intercept: [b], featureNames: features })),
);

describe("message scorer", () => {
  it("feeds the windows beside the message's features, in the model's order", () => {
    const s = new MessageScorer(model, { modelVersion: "v1", windows: parseWindowConfig(JSON.stringify(ref.config)) });
    expect(s.messageFeatures).toEqual(["hum", "temp"]);
    const got = ref.messages.map((m, i) => {
      const out = JSON.parse(s.score("sensors/x", ["x"], Buffer.from(JSON.stringify({ id: i, ...m })), false, 0));
      expect(out.id).toBe(i);
      expect(out.model_version).toBe("v1");
      return out.predictions as number;
    });
    const want = ref.messages.map((m, i) => {
      const x = [...ref.expected[i]!, m.hum, m.temp];
      return x.reduce((acc, v, k) => acc + w[k]! * v, b);
    });
    expectAllClose(got, want, { rtol: 1e-5, atol: 1e-4 });
  });

  it("marks a redelivered message and refuses a message without its key field", () => {
    const s = new MessageScorer(model, { modelVersion: "v1", windows: parseWindowConfig(JSON.stringify(ref.config)) });
    const m = Buffer.from(JSON.stringify({ key: "k1", temp: 20, hum: 50 }));
    expect(JSON.parse(s.score("t", [], m, true, 0)).dup).toBe(true);
    expect(() => s.score("t", [], Buffer.from('{"temp": 1, "hum": 2}'), false, 0)).toThrow(PayloadError);
    expect(() => s.score("t", [], Buffer.from('{"temp": 1, "hum": 2}'), false, 0)).toThrow(
      'message on t: no key field "key"',
    );
  });
});
