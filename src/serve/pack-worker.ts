/**
 * The serve command's packing thread: reads a model file, packs it and posts the image back
 * (transferred), or the typed error's class name, message and fields (packer.ts rebuilds it).
 */
import { readFileSync } from "node:fs";
import { parentPort } from "node:worker_threads";
import { pack } from "../pack.js";

export interface PackRequest {
  id: number;
  file: string;
}

export type PackReply =
  | { id: number; image: Uint8Array }
  | { id: number; error: { name: string; message: string; fields: Record<string, unknown> } };

parentPort!.on("message", (m: PackRequest) => {
  try {
    const bytes = readFileSync(m.file);
    let image = pack(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    // Transfer only a buffer the image has to itself.
    if (image.byteOffset !== 0 || image.byteLength !== image.buffer.byteLength) image = image.slice();
    parentPort!.postMessage({ id: m.id, image } satisfies PackReply, [image.buffer as ArrayBuffer]);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(err)) {
      try {
        structuredClone(v);
        fields[k] = v;
      } catch {
        // a field that cannot cross threads stays behind
      }
    }
    parentPort!.postMessage({ id: m.id, error: { name: err.name, message: err.message, fields } } satisfies PackReply);
  }
});
