/**
 * kernel-source.ts for the package's "node" entry (dist/pkg/index.node.js, scripts/build-dist.mjs):
 * the release wasm read from the package's build/ directory, which ships beside dist/. Node,
 * Deno and Bun then parse no base64 (37 KB of string literal) and decode none: about 1 ms of a
 * cold start (bench/cold.ts).
 */
import { readFileSync } from "node:fs";
import type { Build } from "./wasm.js";

/** Relative to dist/pkg/index.node.js, the only file this module is bundled into. */
const BUILD_DIR = "../../build/";

export function kernelSource(build: Build): Uint8Array<ArrayBuffer> {
  const b = readFileSync(new URL(`${BUILD_DIR}edgeinfer.${build}.wasm`, import.meta.url));
  return new Uint8Array(b.buffer as ArrayBuffer, b.byteOffset, b.byteLength);
}
