/** `edgeinfer inspect`: validates a model and describes it (for ONNX, every node first). */
import { EdgeInferError } from "../../errors.js";
import { readImage } from "../../format/read.js";
import type { ImageInfo } from "../../format/types.js";
import { isJsonModel, isPackedImage, isTflite, listOnnxNodes, listTfliteOps } from "../../pack.js";
import { describeImage, describeOnnx, describeTflite } from "../describe.js";
import { externalDataIn, imageOf, modelLengthOf, PACK_OPTIONS, readInputBytes } from "../model-input.js";
import type { Command } from "../options.js";

export const inspectCommand: Command = {
  name: "inspect",
  positionals: ["<model>"],
  summary: `Validates a model (a file, or stdin "-") and shows its inputs, outputs, sizes, steps and
the memory it needs; for an ONNX or TFLite file, first every node (operator) and whether
edgeinfer supports it. An ONNX, TFLite or JSON model is packed in memory with the packing options.`,
  options: [{ name: "json", help: "print JSON instead of text" }, ...PACK_OPTIONS],
  async run(a, io) {
    const out = (s: string) => io.stdout.write(s + "\n");
    const bytes = await readInputBytes(a.positionals[0]!, io, modelLengthOf); // read once: stdin cannot be read twice
    const externalData = externalDataIn(a.positionals[0]!);
    const tflite = isTflite(bytes) ? listTfliteOps(bytes) : undefined;
    const onnx =
      bytes.length > 0 && !tflite && !isPackedImage(bytes) && !isJsonModel(bytes)
        ? listOnnxNodes(bytes, { externalData })
        : undefined;
    let info: ImageInfo | undefined, error: unknown;
    try {
      info = readImage(await imageOf(bytes, a, io, externalData));
    } catch (e) {
      if (!(onnx || tflite) || !(e instanceof EdgeInferError)) throw e;
      error = e; // the node list is printed first, then the refusal
    }
    if (a.values.json) {
      const onnxJson = onnx && {
        onnx: { producer: onnx.model.producer, opsets: Object.fromEntries(onnx.model.opsets), nodes: onnx.nodes },
        packed: info ?? null,
      };
      const tfliteJson = tflite && {
        tflite: { version: tflite.model.version, operators: tflite.ops },
        packed: info ?? null,
      };
      out(JSON.stringify(onnxJson ?? tfliteJson ?? info, null, 2));
    } else {
      if (onnx) out(describeOnnx(onnx));
      if (tflite) out(describeTflite(tflite));
      if (info) out((onnx || tflite ? "\npacked:\n" : "") + describeImage(info));
    }
    if (error) throw error;
    return 0;
  },
};
