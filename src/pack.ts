/**
 * edgeinfer importer: model descriptions → packed images. Node, CLI and build tools use this;
 * devices and pages that only predict import "edgeinfer" and never load this code.
 */

import { ModelSpecError } from "./errors.js";
import { MAGIC } from "./format/abi.js";
import { type JsonModel, packJson } from "./json/import.js";
import { type OnnxPackOptions, packOnnx } from "./onnx/import.js";

export { type JsonLayer, type JsonModel, type JsonScaler, type PackOptions, packJson } from "./json/import.js";
export { decodeOnnx, decodeTensorProto, type OnnxModel, type Tensor } from "./onnx/decode.js";
export { listOnnxNodes, type NodeSupport, type OnnxPackOptions, packOnnx, SUPPORTED_OPS } from "./onnx/import.js";
export { type BuildOptions, type ModelMeta, PlanBuilder, type Value } from "./plan/builder.js";
export { quantizeRows, roundHalfEven } from "./plan/quantize.js";

/** Is this already a packed image (starts with "EIM\0")? */
export function isPackedImage(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) === MAGIC;
}

/** Does this look like a JSON model (text starting with "{")? */
export function isJsonModel(bytes: Uint8Array): boolean {
  for (const b of bytes.subarray(0, 64)) {
    if (b === 0x7b) return true; // "{"
    if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09 && b !== 0xef && b !== 0xbb && b !== 0xbf) return false;
  }
  return false;
}

/**
 * Packs a model: an ONNX file's bytes, or a JSON model (object, or its text or UTF-8 bytes).
 * A packed image is returned unchanged.
 */
export function pack(model: JsonModel | string | Uint8Array, options: OnnxPackOptions = {}): Uint8Array {
  if (model instanceof Uint8Array) {
    if (isPackedImage(model)) return model;
    if (isJsonModel(model)) return packJson(new TextDecoder().decode(model), options);
    if (model.length === 0) throw new ModelSpecError("", "empty file: not a model");
    return packOnnx(model, options);
  }
  return packJson(model, options);
}
