/**
 * kernel-source.ts for the package's "node" entry (dist/pkg/index.node.js, scripts/build-dist.mjs):
 * the release wasm read from the package's build/ directory, which ships beside dist/. Node,
 * Deno and Bun then parse no base64 (37 KB of string literal) and decode none: about 1 ms of a
 * cold start. node:fs comes through process.getBuiltinModule, not a static import: an ES module
 * importing node:fs makes Node build its whole ESM facade, 3 ms of a cold start in a program
 * that had not imported it yet (bench/cold.ts).
 */
import { HostError } from "../errors.js";
import { builtinModule } from "../host.js";
import type { Build } from "./wasm.js";

/** Relative to dist/pkg/index.node.js, the only file this module is bundled into. */
const BUILD_DIR = "../../build/";

export function kernelSource(build: Build): Uint8Array<ArrayBuffer> {
  const fs = builtinModule<{ readFileSync(path: URL): Uint8Array }>("node:fs");
  if (!fs) throw new HostError("edgeinfer's \"node\" entry needs process.getBuiltinModule (Node >= 20.16, Deno, Bun)");
  const b = fs.readFileSync(new URL(`${BUILD_DIR}edgeinfer.${build}.wasm`, import.meta.url));
  return new Uint8Array(b.buffer as ArrayBuffer, b.byteOffset, b.byteLength);
}
