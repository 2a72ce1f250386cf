/**
 * edgeinfer runtime: load packed models and predict. This entry never imports importer code
 * (JSON or ONNX); `edgeinfer/pack` is the importer.
 */

export {
  EdgeInferError,
  FormatError,
  HostError,
  InputLengthError,
  InputTypeError,
  KernelError,
  ModelSpecError,
  NaNInputError,
  OnnxDecodeError,
  SizeLimitError,
  UnsupportedOpError,
  VersionError,
} from "./errors.js";
export { ABI_VERSION, Act, FORMAT_MAJOR, FORMAT_MINOR, Norm, Opcode } from "./format/abi.js";
export { readImage as inspect } from "./format/read.js";
export type {
  ChannelProfile,
  ImageInfo,
  Label,
  OutputInfo,
  Provenance,
  ReferenceProfile,
  StepRecord,
} from "./format/types.js";
export { type LoadOptions, Model, type ModelInfo } from "./runtime/model.js";
export type { Monitor, MonitorColumn, MonitorCounts, MonitorOptions } from "./runtime/monitor.js";
export { type MemoryReport, Runtime, type RuntimeOptions } from "./runtime/runtime.js";
export { type Build, hasSimd, kernelBytes, type SimdOption } from "./runtime/wasm.js";
