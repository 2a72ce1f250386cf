/** `edgeinfer bench`: one model's latency, throughput and memory on this machine (src/cli/bench.ts). */
import type { SimdOption } from "../../runtime/wasm.js";
import { benchImage, describeBench } from "../bench.js";
import { modelImage, PACK_OPTIONS } from "../model-input.js";
import type { Command } from "../options.js";

export const SIMD_OPTION = {
  name: "simd",
  value: "build",
  choices: ["auto", "off", "require"],
  help: "kernel build to run (default auto)",
} as const;

export const benchCommand: Command = {
  name: "bench",
  positionals: ["<model>"],
  summary: `Measures the model on this machine: single-row latency (median, p99), batch
throughput, load time, and memory (image, arena, linear-memory pages, RSS, JS heap).`,
  options: [
    { name: "rows", value: "N", int: [1, 1_000_000], help: "rows per batch call (default 1000)" },
    { name: "time", value: "MS", int: [10, 600_000], help: "time per measurement in milliseconds (default 1000)" },
    { name: "json", help: "print JSON instead of text" },
    SIMD_OPTION,
    ...PACK_OPTIONS,
  ],
  async run(a, io) {
    const r = benchImage(await modelImage(a.positionals[0]!, a, io), {
      rows: a.values.rows as number | undefined,
      timeMs: a.values.time as number | undefined,
      simd: (a.values.simd ?? "auto") as SimdOption,
    });
    io.stdout.write((a.values.json ? JSON.stringify(r, null, 2) : describeBench(r)) + "\n");
    return 0;
  },
};
