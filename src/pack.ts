/**
 * edgeinfer importer: model descriptions → packed images. Node, CLI and build tools use this;
 * devices and pages that only predict import "edgeinfer" and never load this code.
 */
import { packJson, type JsonModel, type PackOptions } from "./json/import.js";
import { ModelSpecError } from "./errors.js";
import { MAGIC } from "./format/abi.js";

export { PlanBuilder, type Value, type ModelMeta, type BuildOptions } from "./plan/builder.js";
export { packJson, type JsonModel, type JsonLayer, type JsonScaler, type PackOptions } from "./json/import.js";
export { quantizeRows, roundHalfEven } from "./plan/quantize.js";

/** Is this already a packed image (starts with "EIM\0")? */
export function isPackedImage(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) === MAGIC;
}

/**
 * Packs a model: a JSON model (object, or its text or UTF-8 bytes). A packed image is
 * returned unchanged.
 */
export function pack(model: JsonModel | string | Uint8Array, options: PackOptions = {}): Uint8Array {
  if (model instanceof Uint8Array) {
    if (isPackedImage(model)) return model;
    const text = new TextDecoder().decode(model);
    if (!/^\s*\{/.test(text)) throw new ModelSpecError("", "not a JSON model or a packed image");
    return packJson(text, options);
  }
  return packJson(model, options);
}
