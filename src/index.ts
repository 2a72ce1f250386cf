/**
 * edgeinfer runtime: load packed models and predict. This entry never imports importer code
 * (JSON or ONNX); `edgeinfer/pack` is the importer.
 */
export { Runtime, type RuntimeOptions, type MemoryReport } from "./runtime/runtime.js";
export { Model, type LoadOptions, type ModelInfo } from "./runtime/model.js";
export { hasSimd, kernelBytes, type Build, type SimdOption } from "./runtime/wasm.js";
export { readImage as inspect } from "./format/read.js";
export type { ImageInfo, OutputInfo, StepRecord, Label } from "./format/types.js";
export { ABI_VERSION, FORMAT_MAJOR, FORMAT_MINOR, Opcode, Act, Norm } from "./format/abi.js";
export {
  EdgeInferError, FormatError, VersionError, ModelSpecError, InputLengthError, NaNInputError, KernelError, HostError,
  OnnxDecodeError, UnsupportedOpError,
} from "./errors.js";
