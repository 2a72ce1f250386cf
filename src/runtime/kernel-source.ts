/**
 * Where the release wasm comes from: the base64 embedded in this module, which any host and any
 * bundler can load. Node, Deno and Bun resolve the package's "node" entry instead
 * (dist/pkg/index.node.js), built with kernel-source.node.ts in place of this file.
 */
import { SCALAR_WASM_BASE64, SIMD_WASM_BASE64 } from "./wasm-binary.js";
import type { Build } from "./wasm.js";

export function kernelSource(build: Build): Uint8Array<ArrayBuffer> {
  const b64 = build === "simd" ? SIMD_WASM_BASE64 : SCALAR_WASM_BASE64;
  // Node and Bun decode natively: 0.05 ms, where the loop below takes 2 ms on a cold start.
  const NodeBuffer = (globalThis as { Buffer?: { from(s: string, enc: string): Uint8Array } }).Buffer;
  if (NodeBuffer) {
    const b = NodeBuffer.from(b64, "base64");
    return new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
  }
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
