/**
 * edgeinfer importer: model descriptions → packed images. Node, CLI and build tools use this;
 * devices and pages that only predict import "edgeinfer" and never load this code.
 */

import { ModelSpecError } from "./errors.js";
import { MAGIC } from "./format/abi.js";
import { type JsonModel, packJson } from "./json/import.js";
import { packOnnx } from "./onnx/import.js";
import type { QuantizeOptions } from "./plan/int8.js";
import { isTflite, packTflite } from "./tflite/import.js";

export { type JsonLayer, type JsonModel, type JsonScaler, packJson } from "./json/import.js";
export { listOnnxNodes, type NodeSupport, packOnnx } from "./onnx/import.js";
export { UnsupportedTfliteOpError } from "./tflite/context.js";
export { isTflite, listTfliteOps, packTflite, type TfliteOpSupport } from "./tflite/import.js";
export { TfliteFormatError } from "./tflite/schema.js";

/** Options of pack(), packJson() and packOnnx(). */
/**
 * pack()'s options. The int8 ones (quantize, calibration, int8Layers, activations) and batchRows
 * are the planner's QuantizeOptions (src/plan/int8.ts, docs/quantization.md), defined there once.
 */
export interface PackOptions extends QuantizeOptions {
  /** Leave feature names out of the image. */
  stripNames?: boolean;
  /**
   * A budget: the most bytes the packed image and its arena (the memory loading it takes) may
   * have together. Pack checks each size against it as soon as it is known (a tensor when it
   * is read, a row when its shape is, the parameters as the graph holds them) and refuses
   * with a SizeLimitError naming the tensor or layer before allocating it. Default: only the
   * format's limits (docs/onnx.md).
   */
  maxBytes?: number;
}

/** pack()'s options for an ONNX model. */
export interface OnnxPackOptions extends PackOptions {
  /**
   * Values for graph inputs other than the row (weights fed as inputs, as the ONNX backend
   * tests do): they become constants at pack time. dataType (ONNX TensorProto.DataType)
   * defaults to FLOAT; integer zero points need theirs (it decides uint8 or int8).
   */
  constants?: Record<string, { dims: number[]; data: ArrayLike<number>; dataType?: number }>;
  /**
   * Which graph input is the row. Default: every graph input that is not a constant, side by
   * side in the graph's order as one row whose features are the inputs' names (docs/onnx.md).
   */
  input?: string;
  /**
   * The row dims (after the batch) of an input whose graph shape leaves them unknown: one list
   * for a graph of one input, or one per input name.
   */
  inputShape?: number[] | Record<string, number[]>;
  /**
   * The bytes of an external data file by its location (a relative path inside the model's
   * folder: the decoder refuses absolute paths and ".."), or undefined when it is missing. The
   * CLI reads them from the model's own folder.
   */
  externalData?: (location: string) => Uint8Array | undefined;
  /**
   * false: the row input has no batch dimension: the whole tensor, as declared, is one row
   * (per-tensor quantization and element-wise operators only). Default true: dim 0 is the batch.
   */
  batch?: boolean;
}

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
 * Packs a model: an ONNX or TFLite file's bytes, or a JSON model (object, or its text or UTF-8 bytes).
 * A packed image is returned unchanged.
 */
export function pack(model: JsonModel | string | Uint8Array, options: OnnxPackOptions = {}): Uint8Array {
  options ??= {};
  if (model instanceof Uint8Array) {
    if (isPackedImage(model)) return model;
    if (isJsonModel(model)) return packJson(new TextDecoder().decode(model), options);
    if (model.length === 0) throw new ModelSpecError("", "empty file: not a model");
    if (isTflite(model)) return packTflite(model, options);
    return packOnnx(model, options);
  }
  return packJson(model, options);
}
