// Test-only module: the release entry plus every kernel and its scalar reference, so the tests
// can compare both builds against a float64 JavaScript reference one kernel at a time.
export * from "./index";
export { denseF32Ref, denseF32, denseF32BatchRef, denseF32Batch, denseNarrowF32Ref, denseNarrowF32 } from "./kernels/dense";
export { quantizeRowU8, quantizeRowU8Ref, quantizeRowStatic, quantizeRowStaticRef, denseQ8DotRef, denseQ8Dot, denseQ8Ref, denseQ8,
  quantizeRowI16, quantizeRowI16Ref, denseQ8DotI16, denseQ8DotI16Ref, denseQ8DotI16x2, denseQ8Rows } from "./kernels/dense-q8";
export { quantizeF32 } from "./kernels/quantize";
export { affineF32Ref, affineF32 } from "./kernels/affine";
export { applyActRef, applyAct, softmaxRef, softmax, logSoftmaxRef } from "./kernels/activations";
export { argmaxF32, normalizeF32, findNaNF32 } from "./kernels/reduce";
export { imputeF32Ref, imputeF32 } from "./kernels/impute";
export { treesRow } from "./kernels/trees";
export { gatherF32 } from "./kernels/gather";
export { oneHotF32Ref, oneHotF32 } from "./kernels/onehot";
export { svmKernelRef, svmKernel } from "./kernels/svm";
export { svmProbRow } from "./kernels/svm-prob";
export { fcI8Ref, fcI8 } from "./kernels/tfl-fc";
export { convI8, convI8Ref, poolI8 } from "./kernels/tfl-conv";
export { softmaxI8 } from "./kernels/tfl-softmax";
export { addI8 } from "./kernels/tfl-add";
export { dequantI8 } from "./kernels/tfl-dequantize";
export { expF32, expm1F32, logF32, log1pF32 } from "./kernels/math";
export { convF32Ref, convF32 } from "./kernels/conv";
export { poolF32Ref, poolF32 } from "./kernels/pool";
export { binaryF32Ref, binaryF32 } from "./kernels/binary";
export { transposeF32 } from "./kernels/transpose";
export { padF32 } from "./kernels/pad";
