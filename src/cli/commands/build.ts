/** `edgeinfer build`: one model → a self-contained standalone .wasm (written whole or not at all). */
import { writeFileAtomic } from "../../io/files.js";
import { modelImage, PACK_OPTIONS } from "../model-input.js";
import type { Command } from "../options.js";

export const buildCommand: Command = {
  name: "build",
  positionals: ["<model>"],
  summary: `Compiles one model into a self-contained .wasm: only the kernels it uses, the packed
image as a data segment, no imports, and the C-style ABI of docs/standalone.md
(input_ptr, input_len, output_ptr, output_len, predict, predict_batch, …).`,
  options: [
    { name: "output", short: "o", value: "model.wasm", required: true, help: "where build writes the module" },
    { name: "no-simd", help: "the scalar module, for engines without SIMD (wasm2c, wasm3)" },
    {
      name: "batch-capacity",
      value: "N",
      int: [1, 1 << 20],
      help: "rows predict_batch takes at most (default: the image's batch rows)",
    },
    { name: "allow-nan", help: "predict lets NaN through instead of returning status 1" },
    ...PACK_OPTIONS,
  ],
  async run(a, io) {
    const dest = String(a.values.output);
    const image = await modelImage(a.positionals[0]!, a, io);
    const { buildStandalone } = await import("../../build/standalone.js"); // loads the compiler only when asked
    const m = await buildStandalone(image, {
      simd: a.values["no-simd"] !== true,
      batchCapacity: a.values["batch-capacity"] as number | undefined,
      allowNaN: a.values["allow-nan"] === true,
    });
    writeFileAtomic(dest, m.wasm);
    const l = m.layout;
    io.stdout.write(
      `${dest}: ${m.wasm.length} bytes (${a.values["no-simd"] ? "scalar" : "SIMD"}), no imports; kernels: ${m.opcodes.join(", ")}; activations: ${m.activations.join(", ")}\n` +
        `  input_ptr ${l.input} (${l.inputLength} f32), output_ptr ${l.output} (${l.outputLength} f32), batch ${l.batchCapacity} rows at ${l.batchInput} → ${l.batchOutput}, memory ${Math.ceil(l.memoryBase / 65536)} page(s)\n`,
    );
    return 0;
  },
};
