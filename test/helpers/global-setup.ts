// Builds the wasm modules (skipped when they are newer than assembly/) before any test runs.
import { execFileSync } from "node:child_process";

export default function setup(): void {
  execFileSync(process.execPath, ["scripts/build-wasm.mjs"], { stdio: "ignore" });
}
