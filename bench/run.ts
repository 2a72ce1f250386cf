/**
 * `npm run bench`: each benchmark in a process of its own (a single-row benchmark must not share
 * its process with the other kernel build: see predict.bench.ts).
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
let failed = false;
for (const [file, ...args] of [["predict.bench.js"], ["predict.bench.js", "off"], ["kernels.bench.js"], ["quant.bench.js"]]) {
  const r = spawnSync(process.execPath, [here(file!), ...args], { stdio: "inherit" });
  failed ||= r.status !== 0;
}
process.exitCode = failed ? 1 : 0;
