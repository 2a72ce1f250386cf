// packJson against maxBytes: a layer whose parameters pass the budget is refused naming the
// layer; the image and its arena together are capped exactly.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { inspect, SizeLimitError } from "../../src/index.js";
import { packJson } from "../../src/pack.js";

/** A fixture's model (the file also holds rows and scikit-learn's outputs), as JSON text. */
const fixture = (name: string) =>
  JSON.stringify(JSON.parse(readFileSync(new URL(`../fixtures/json/${name}.json`, import.meta.url), "utf8")).model);

function refusal(json: string, maxBytes: number): SizeLimitError {
  try {
    packJson(json, { maxBytes });
  } catch (e) {
    expect(e).toBeInstanceOf(SizeLimitError);
    return e as SizeLimitError;
  }
  throw new Error("accepted");
}

describe("packJson with maxBytes", () => {
  it("caps the image and its arena together: the exact budget passes, a byte less is refused", () => {
    const json = fixture("mlp_digits");
    const info = inspect(packJson(json));
    const need = info.imageBytes + info.arenaBytes;
    expect(inspect(packJson(json, { maxBytes: need })).imageBytes).toBe(info.imageBytes);
    expect(refusal(json, need - 1)).toMatchObject({ code: "E_TOO_LARGE", what: "image", size: need });
  });

  it("names the layer whose parameters pass the budget", () => {
    const m = JSON.parse(fixture("mlp_digits"));
    const [l0, l1] = m.layers;
    const first = l0.weights.length * l0.weights[0].length * 4 + l0.bias.length * 4;
    const second = l1.weights.length * l1.weights[0].length * 4 + l1.bias.length * 4;
    expect(refusal(JSON.stringify(m), first + second - 1)).toMatchObject({
      what: "layers[1]",
      size: first + second,
      limit: first + second - 1,
      unit: "bytes",
    });
  });
});
