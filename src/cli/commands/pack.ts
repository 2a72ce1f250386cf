/** `edgeinfer pack`: a model → a packed image file (written whole or not at all). */
import { readImage } from "../../format/read.js";
import { writeFileAtomic } from "../../io/files.js";
import { describeQuantization } from "../describe.js";
import { modelImage, PACK_OPTIONS } from "../model-input.js";
import type { Command } from "../options.js";

export const packCommand: Command = {
  name: "pack",
  positionals: ["<model.onnx|model.json>"],
  summary: `Packs an ONNX model (docs/onnx.md) or a JSON model (docs/json-models.md) into a packed
image (docs/format.md). The model can be read from stdin ("-").`,
  options: [
    { name: "output", short: "o", value: "out.eim", required: true, help: "where pack writes the image" },
    ...PACK_OPTIONS.map((o) => ({ ...o, group: undefined })),
  ],
  async run(a, io) {
    const dest = String(a.values.output);
    const image = await modelImage(a.positionals[0]!, a, io);
    const info = readImage(image); // never write an image that would not load
    writeFileAtomic(dest, image);
    const out = [`${dest}: ${image.length} bytes`, ...describeQuantization(info)];
    io.stdout.write(out.join("\n") + "\n");
    return 0;
  },
};
