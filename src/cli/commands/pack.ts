/** `edgeinfer pack`: a model → a packed image file (written whole or not at all). */
import { readImage } from "../../format/read.js";
import { writeFileAtomic } from "../../io/files.js";
import { describeQuantization } from "../describe.js";
import { modelImage, PACK_OPTIONS } from "../model-input.js";
import { type Command, UsageError } from "../options.js";

const BYTE_SUFFIXES: Record<string, number> = { "": 1, k: 2 ** 10, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30 };

/** "64k" → 65536: digits and an optional binary suffix (k or K, M, G); undefined unless that and at least 1. */
export function parseByteCount(text: string): number | undefined {
  const m = /^([0-9]+)([kKMG]?)$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]) * BYTE_SUFFIXES[m[2]!]!;
  return n >= 1 && Number.isSafeInteger(n) ? n : undefined;
}

export const packCommand: Command = {
  name: "pack",
  positionals: ["<model.onnx|model.tflite|model.json>"],
  summary: `Packs an ONNX model (docs/onnx.md), a TensorFlow Lite model (docs/tflite.md) or a JSON
model (docs/json-models.md) into a packed
image (docs/format.md). The model can be read from stdin ("-").`,
  options: [
    { name: "output", short: "o", value: "out.eim", required: true, help: "where pack writes the image" },
    ...PACK_OPTIONS.map((o) => ({ ...o, group: undefined })),
    {
      name: "max-bytes",
      value: "N",
      help: `a budget: refuse (error[E_TOO_LARGE], naming the tensor) a model whose
image and arena together would pass N bytes (4096, 64k, 16M, 1G), checked
before anything that large is allocated; default: only the format's limits`,
    },
  ],
  async run(a, io) {
    const dest = String(a.values.output);
    const budget = a.values["max-bytes"];
    if (budget !== undefined) {
      const n = parseByteCount(String(budget));
      if (n === undefined)
        throw new UsageError(`--max-bytes takes a number of bytes such as 4096, 64k, 16M or 1G, not ${budget}`);
      a.values["max-bytes"] = n; // packOptions() passes it on as maxBytes
    }
    const image = await modelImage(a.positionals[0]!, a, io);
    const info = readImage(image); // never write an image that would not load
    writeFileAtomic(dest, image);
    const out = [`${dest}: ${image.length} bytes`, ...describeQuantization(info)];
    io.stdout.write(out.join("\n") + "\n");
    return 0;
  },
};
