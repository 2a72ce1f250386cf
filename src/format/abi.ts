/**
 * The numbers shared by the packed format, the TypeScript runtime and the wasm interpreter.
 * This file is the source of truth (docs/format.md describes it); assembly/abi.ts repeats the
 * numbers the wasm needs and test/format/abi-sync.test.ts checks that they agree.
 */

/** "EIM\0": edgeinfer model. */
export const MAGIC = 0x004d4945;
/** A reader refuses an image with another major version. */
export const FORMAT_MAJOR = 1;
/** A reader accepts a higher minor version (additions only: new opcodes need a newer ABI anyway). */
export const FORMAT_MINOR = 1;
/** The minor version of an image with a format 1.2 metadata block (reference profile, provenance). */
export const FORMAT_MINOR_BLOCKS = 2;
/** Kernel ABI of this package's wasm. An image records the lowest ABI that can run it. */
export const ABI_VERSION = 4;

/** The format's limits: the reader refuses past them, so the packer refuses earlier. */
/** Largest block of rows an image may ask for (bounds the arena and the overlap checks). */
export const MAX_BATCH_ROWS = 256;
/** Largest arena an image may ask for: 1 GiB. */
export const MAX_ARENA_BYTES = 1 << 30;
/** Widest row a step may read or write (nIn, nOut). */
export const MAX_ROW_FLOATS = 1 << 24;
/** Largest value of a u32 field, and so the largest image. */
export const MAX_U32 = 2 ** 32 - 1;
export const MAX_IMAGE_BYTES = MAX_U32;

export const HEADER_BYTES = 80;
export const STEP_BYTES = 52;
export const OUTPUT_RECORD_BYTES = 8;
/** Weights start 16-byte aligned in the image, and images are placed 16-byte aligned in memory. */
export const WEIGHTS_ALIGN = 16;

/** Header fields: byte offset and name, in file order. */
export const Header = {
  magic: 0,
  formatMajor: 4, // u16
  formatMinor: 6, // u16
  crc32: 8, // over bytes [12, imageBytes)
  imageBytes: 12,
  abiVersion: 16,
  flags: 20,
  nSteps: 24,
  stepsOffset: 28,
  metaOffset: 32,
  metaBytes: 36,
  weightsOffset: 40,
  weightsBytes: 44,
  arenaBytes: 48,
  batchRows: 52,
  inputOffset: 56,
  nInput: 60,
  outputOffset: 64,
  outputStride: 68,
  nOutputs: 72,
  outputsOffset: 76,
} as const;
export type HeaderField = keyof typeof Header;

/** Step record fields: byte offset within the 52-byte record. */
export const Step = {
  opcode: 0, // u8
  act: 1, // u8 (NORMALIZE: the norm)
  flags: 2, // u16: DENSE_Q8 may set the STEP_FLAG_Q8_* bits (ABI 2 and 3); zero otherwise
  src: 4, // arena byte offset of row 0 of the input
  srcStride: 8, // floats between input rows
  dst: 12,
  dstStride: 16,
  nIn: 20,
  nOut: 24,
  w: 28, // image byte offsets of the parameters (0 when unused)
  b: 32,
  aux: 36,
  scratch: 40, // arena byte offset of scratch (DENSE_Q8)
  alpha: 44, // f32
  beta: 48, // f32
} as const;
export type StepField = keyof typeof Step;

export enum Opcode {
  Dense = 1,
  DenseQ8 = 2,
  Affine = 3,
  Act = 4,
  Argmax = 5,
  Normalize = 6,
  Copy = 7,
  /** DENSE for nOut ≤ 4: weights transposed to [nIn][4], one SIMD vector of outputs per row. */
  DenseNarrow = 8,
  /** ABI 2. Element-wise quantization to integer values held in f32 (ONNX QuantizeLinear, DynamicQuantizeLinear); act = QuantMode. */
  Quantize = 9,
  /** ABI 4. y[i] = w[i] where x[i] is the replaced value alpha (NaN: where x[i] is NaN), else x[i]: ONNX-ML Imputer. */
  Impute = 10,
  /** ABI 4. Tree ensemble: aux = trees, roots and decision nodes, w = leaf vectors, b = base values; flags = aggregate. */
  Trees = 11,
  /** ABI 4. y[j] = x[aux[j]]: u32 indices, one per output (columns picked, graph inputs unpacked, Concat of them). */
  Gather = 14,
  /** ABI 4. y[i·K + k] = x[i] == w[k] ? 1 : 0 for K = nOut / nIn categories; flags bit 0: an element equal to none gives NaN. */
  OneHot = 15,
  /** ABI 4. y[j] = K(x, w[j]) for the support vectors w (nOut × nIn): act = SvmKernel, alpha = gamma, beta = coef0, flags = degree. */
  SvmKernel = 16,
  /** ABI 4. k class probabilities from nIn = k(k−1)/2 one-vs-one decision values: Platt (w = A, b = B) and libsvm's pairwise coupling; scratch (2k² + k) f32. */
  SvmProb = 17,
  /** ABI 4. Channels-last convolution (1-D, 2-D, grouped, depthwise): aux = geometry (convGeometry), w = weights, b = bias, act fused. */
  Conv = 20,
  /** ABI 4. Channels-last max or average pooling (global too): aux = geometry (poolGeometry), act = PoolMode. */
  Pool = 21,
  /** ABI 4. a + c or a · c of two rows (flags BINARY_MUL), c at arena offset aux, act fused. */
  Binary = 22,
  /** ABI 4. The row's axes permuted (up to four dims): aux = dims and axes. */
  Transpose = 23,
  /** ABI 4. Constant padding (value alpha) of up to four dims: aux = dims, pads before, output dims. */
  Pad = 24,
  /** ABI 4. TFLite int8 FULLY_CONNECTED: aux = zero point, clamp, folded i32 biases, Q31 multipliers, shifts, int8 weights. */
  FcI8 = 30,
  /** ABI 4. TFLite int8 CONV_2D and DEPTHWISE_CONV_2D on NHWC rows: aux = geometry, requantization, int8 weights. */
  ConvI8 = 31,
  /** ABI 4. TFLite int8 AVERAGE_POOL_2D and MAX_POOL_2D on NHWC rows: aux = geometry, kind, clamp. */
  PoolI8 = 32,
  /** ABI 4. TFLite int8 SOFTMAX: aux = the exp table TFLite builds, the output scale and zero point. */
  SoftmaxI8 = 33,
  /** ABI 4. TFLite int8 ADD of two activations (the row holds both): aux = XNNPACK's multipliers, shift, clamp. */
  AddI8 = 34,
  /** ABI 4. TFLite DEQUANTIZE of int8 values: y = (x − alpha) · beta. */
  DequantI8 = 35,
}

/** CONV: one input and one output channel per group; weights [KH][KW][C4]. */
export const STEP_FLAG_CONV_DEPTHWISE = 1;
/** BINARY: the product (else the sum). */
export const BINARY_MUL = 1;

/** POOL modes (in the act byte). */
export enum PoolMode {
  Max = 0,
  /** Divides by the taps inside the input. */
  Avg = 1,
  /** count_include_pad: divides by the window clipped to the padded input. */
  AvgPad = 2,
}

/** SVM_KERNEL kernels (the act byte), as ONNX-ML SVMClassifier / SVMRegressor name them. */
export enum SvmKernel {
  Linear = 0,
  Poly = 1,
  Rbf = 2,
  Sigmoid = 3,
}
export const SVM_KERNEL_NAMES: Record<number, string> = {
  [SvmKernel.Linear]: "linear",
  [SvmKernel.Poly]: "poly",
  [SvmKernel.Rbf]: "rbf",
  [SvmKernel.Sigmoid]: "sigmoid",
};
/** ONE_HOT flags bit 0: an element equal to no category makes its K outputs NaN (ONNX zeros = 0). */
export const STEP_FLAG_ONEHOT_NAN_UNKNOWN = 1;

/** How a dense layer was stored, per dense step, in a quantized image's report (metadata, format 1.1). */
export enum QuantDecision {
  /** int8 weights, the row quantized per row at run time. */
  Int8Dynamic = 1,
  /** int8 weights, the row quantized with a range calibrated from rows at pack time. */
  Int8Calibrated = 2,
  /** int8 as the ONNX graph quantized it (DynamicQuantizeLinear → MatMulInteger …). */
  Int8FromGraph = 3,
  /** int8 as the ONNX graph quantized it, with the graph's static input scale (QDQ, QLinearMatMul). */
  Int8FromGraphStatic = 4,
  /** Kept f32: the final layer is small (its error lands on the outputs; int8 would save little). */
  F32SmallFinal = 5,
  /** Kept f32: the layer is float in the ONNX graph. */
  F32InGraph = 6,
}

export const QUANT_DECISION_NAMES: Record<number, string> = {
  [QuantDecision.Int8Dynamic]: "int8 (dynamic row quantization)",
  [QuantDecision.Int8Calibrated]: "int8 (calibrated input range)",
  [QuantDecision.Int8FromGraph]: "int8 (quantized in the graph, dynamic)",
  [QuantDecision.Int8FromGraphStatic]: "int8 (quantized in the graph, static input scale)",
  [QuantDecision.F32SmallFinal]: "f32 (kept: small final layer)",
  [QuantDecision.F32InGraph]: "f32 (float in the graph)",
};

/** Step flags (the u16 at offset 2). */
export const STEP_FLAG_Q8_STATIC_INPUT = 1;
/** DENSE_Q8: the row is quantized to int16, symmetric (zero point 0), to ±i16Limit(nIn): int8 weights × int16 activations. */
export const STEP_FLAG_Q8_I16_INPUT = 2;

/** ABI 3. DENSE_Q8: the per-channel scales are bfloat16 (u16 each, the upper half of the f32), 2·nOut bytes padded to 4. */
export const STEP_FLAG_Q8_BF16_SCALES = 4;
/** ABI 3. DENSE_Q8 with int16 rows: aux holds no row sums (only the uint8 rows' zero point needs them). */
export const STEP_FLAG_Q8_NO_ROW_SUMS = 8;
/** FC_I8 (and the other TFLite int8 steps): requantize with TFLite's reference kernels' Q31 multiplier and shift; else XNNPACK's f32 scale (what TFLite and LiteRT.js run). */
export const STEP_FLAG_TFL_FIXED_POINT = 1;
/** QUANTIZE modes (in the act byte). */
export enum QuantMode {
  /** y = clamp(round(x / w[i]) + b[i], alpha, beta): QuantizeLinear. */
  Divide = 0,
  /** y = the row quantized to u8 as DynamicQuantizeLinear does (nIn = nOut). */
  DynamicValues = 1,
  /** y = DynamicQuantizeLinear's scale of the row (nOut = 1). */
  DynamicScale = 2,
  /** y = DynamicQuantizeLinear's zero point of the row (nOut = 1). */
  DynamicZeroPoint = 3,
  /** y = clamp(round(x · w[i]) + b[i], alpha, beta): requantization of an integer product (QLinearMatMul). */
  Multiply = 4,
}

export enum Act {
  None = 0,
  Relu = 1,
  LeakyRelu = 2,
  Sigmoid = 3,
  Tanh = 4,
  Softmax = 5,
  LogSoftmax = 6,
  HardSigmoid = 7,
  /** Two outputs only: p = sigmoid(output 1), y = [1 − p, p] (a binary classifier's predict_proba). */
  LogisticPair = 8,
  /** ABI 4. y = min(max(x, alpha), beta): ONNX Clip (PyTorch's ReLU6, Hardtanh); NaN stays NaN. */
  Clip = 9,
  /** ABI 4. y = log(1 + exp(x)), computed as max(x, 0) + log1p(exp(−|x|)). */
  Softplus = 10,
  /** ABI 4. y = |x|. */
  Abs = 11,
  /**
   * ABI 4. Row-wise, ONNX-ML's SOFTMAX_ZERO as onnxruntime computes it: m = max over the row;
   * a value v with |v| > 1e-7 gives exp(v − m), the others v · exp(−m) (zero stays zero and
   * takes no share); each is divided by the sum of the exp(v − m) terms.
   */
  SoftmaxZero = 12,
  /** ABI 4. ONNX-ML's PROBIT as onnxruntime computes it: √2 · erfinv(2x − 1), erfinv by Winitzki's formula (a = 0.147). */
  Probit = 13,
  /** ABI 4. y = x > alpha ? 1 : 0: ONNX-ML Binarizer (NaN gives 0). */
  Binarize = 14,
  /** ABI 4. y = x rounded toward zero: ONNX Cast of a float row to an integer type. */
  Trunc = 15,
}

export enum Norm {
  Max = 0,
  L1 = 1,
  L2 = 2,
}

export const FLAG_CHECK_NAN = 1;

export enum Status {
  Ok = 0,
  NanInput = 1,
  BadOpcode = 2,
  /** Standalone modules only: predict_batch(n) with n outside 0..batch_capacity(). */
  BadBatch = 3,
}

export const QUANT_MODE_NAMES: Record<number, string> = {
  [QuantMode.Divide]: "divide",
  [QuantMode.DynamicValues]: "dynamic_u8",
  [QuantMode.DynamicScale]: "dynamic_scale",
  [QuantMode.DynamicZeroPoint]: "dynamic_zero_point",
  [QuantMode.Multiply]: "multiply",
};

export const ACT_NAMES: Record<number, string> = {
  [Act.None]: "none",
  [Act.Relu]: "relu",
  [Act.LeakyRelu]: "leaky_relu",
  [Act.Sigmoid]: "sigmoid",
  [Act.Tanh]: "tanh",
  [Act.Softmax]: "softmax",
  [Act.LogSoftmax]: "log_softmax",
  [Act.HardSigmoid]: "hard_sigmoid",
  [Act.LogisticPair]: "logistic_pair",
  [Act.Clip]: "clip",
  [Act.Softplus]: "softplus",
  [Act.Abs]: "abs",
  [Act.SoftmaxZero]: "softmax_zero",
  [Act.Probit]: "probit",
  [Act.Binarize]: "binarize",
  [Act.Trunc]: "trunc",
};

export const NORM_NAMES: Record<number, string> = { [Norm.Max]: "max", [Norm.L1]: "l1", [Norm.L2]: "l2" };
