/**
 * Internals for this repository's scripts, benches and tests (dist/src/internal.js after tsc).
 * Not a package entry and not a stable surface: the public entries are "edgeinfer",
 * "edgeinfer/pack" and "edgeinfer/build".
 */

export { decodeOnnx, decodeTensorProto, type OnnxModel, type Tensor } from "./onnx/decode.js";
export { MAX_OPSET, SUPPORTED_OPS } from "./onnx/import.js";
export { ONNX_OPS } from "./onnx/ops/index.js";
export { type BuildOptions, type ModelMeta, PlanBuilder, type Value } from "./plan/builder.js";
export { quantizeRows, roundHalfEven } from "./plan/quantize.js";
