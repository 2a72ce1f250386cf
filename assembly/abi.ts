// The numbers the wasm and its hosts agree on. src/format/abi.ts is the source of truth;
// test/format/abi-sync.test.ts checks that these copies match it.

/** Kernel ABI version: raised whenever an opcode, activation or record field is added or changed. */
export const ABI_VERSION: u32 = 4;

// Packed image header: byte offsets of the fields the interpreter reads.
export const H_N_STEPS: usize = 24;
export const H_STEPS_OFFSET: usize = 28;
export const H_BATCH_ROWS: usize = 52;
export const H_INPUT_OFFSET: usize = 56;
export const H_N_INPUT: usize = 60;
export const H_OUTPUT_OFFSET: usize = 64;
export const H_OUTPUT_STRIDE: usize = 68;

// Step record: 52 bytes, little-endian.
export const STEP_BYTES: usize = 52;
export const S_OPCODE: usize = 0;   // u8
export const S_ACT: usize = 1;      // u8
export const S_FLAGS: usize = 2;    // u16
export const S_SRC: usize = 4;      // u32 arena byte offset of row 0 of the input
export const S_SRC_STRIDE: usize = 8; // u32 floats between rows of the input
export const S_DST: usize = 12;
export const S_DST_STRIDE: usize = 16;
export const S_N_IN: usize = 20;
export const S_N_OUT: usize = 24;
export const S_W: usize = 28;       // u32 image byte offsets of the parameters
export const S_B: usize = 32;
export const S_AUX: usize = 36;
export const S_SCRATCH: usize = 40; // u32 arena byte offset of scratch
export const S_ALPHA: usize = 44;   // f32 activation parameters
export const S_BETA: usize = 48;

// Opcodes.
export const OP_DENSE: u32 = 1;
export const OP_DENSE_Q8: u32 = 2;
export const OP_AFFINE: u32 = 3;
export const OP_ACT: u32 = 4;
export const OP_ARGMAX: u32 = 5;
export const OP_NORMALIZE: u32 = 6;
export const OP_COPY: u32 = 7;
export const OP_DENSE_NARROW: u32 = 8; // nOut ≤ 4, weights transposed to [nIn][4]
export const OP_QUANTIZE: u32 = 9;      // act = QUANT_* mode
export const OP_IMPUTE: u32 = 10;       // ABI 4: w = imputed values, alpha = the replaced value (NaN: the NaNs)
export const OP_TREES: u32 = 11;        // ABI 4: aux = trees and nodes, w = leaf vectors, b = base values, flags = aggregate
export const OP_GATHER: u32 = 14;       // ABI 4: y[j] = x[aux[j]] (u32 indices)
export const OP_ONE_HOT: u32 = 15;       // ABI 4: y[i·K + k] = x[i] == w[k] ? 1 : 0 (flags 1: NaN row part when none matches)
export const OP_SVM_PROB: u32 = 17;     // ABI 4: pairwise decision values → class probabilities (Platt + coupling), w = A, b = B
export const OP_SVM_KERNEL: u32 = 16;   // ABI 4: y[j] = K(x, w[j]), act = kernel, alpha = gamma, beta = coef0, flags = degree
export const OP_CONV: u32 = 20;         // ABI 4: channels-last convolution, aux = geometry, w = weights, b = bias, act fused
export const OP_POOL: u32 = 21;         // ABI 4: channels-last max/average pooling, aux = geometry, act = POOL_* mode
export const OP_BINARY: u32 = 22;       // ABI 4: a + c or a · c of two rows, aux = arena offset of c, act fused
export const OP_TRANSPOSE: u32 = 23;    // ABI 4: axes permuted, aux = dims and axes
export const OP_PAD: u32 = 24;          // ABI 4: constant padding (alpha), aux = dims, pads before, output dims
export const OP_FC_I8: u32 = 30;        // ABI 4: TFLite int8 FULLY_CONNECTED; aux = requantization and int8 weights
export const OP_CONV_I8: u32 = 31;      // ABI 4: TFLite int8 CONV_2D / DEPTHWISE_CONV_2D, NHWC; aux = geometry, requantization, weights
export const OP_POOL_I8: u32 = 32;      // ABI 4: TFLite int8 AVERAGE_POOL_2D / MAX_POOL_2D, NHWC; aux = geometry
export const OP_SOFTMAX_I8: u32 = 33;   // ABI 4: TFLite int8 SOFTMAX; aux = exp table, output scale and zero point
export const OP_ADD_I8: u32 = 34;       // ABI 4: TFLite int8 ADD; the row is a then b; aux = multipliers, shift, clamp
export const OP_DEQUANT_I8: u32 = 35;   // ABI 4: TFLite DEQUANTIZE, y = (x − alpha) · beta

// Step flags.
export const STEP_FLAG_Q8_STATIC_INPUT: u32 = 1; // DENSE_Q8: the row's scale and zero point are in aux, after the scales and row sums
export const STEP_FLAG_Q8_I16_INPUT: u32 = 2;    // DENSE_Q8: the row is quantized to i16, symmetric (int8 weights × int16 activations)
export const STEP_FLAG_Q8_BF16_SCALES: u32 = 4;  // DENSE_Q8 (ABI 3): the scales are bf16, u16 each, 2·nOut bytes padded to 4
export const STEP_FLAG_TFL_FIXED_POINT: u32 = 1; // FC_I8 (and the other TFLite int8 steps): TFLite reference kernels' Q31 requantization, else XNNPACK's fp32
export const STEP_FLAG_Q8_NO_ROW_SUMS: u32 = 8;  // DENSE_Q8 (ABI 3): no row sums in aux (int16 rows)

// CONV and BINARY step flags.
export const STEP_FLAG_CONV_DEPTHWISE: u32 = 1; // CONV: one input and one output channel per group, weights [KH][KW][C4]
export const BINARY_MUL: u32 = 1;               // BINARY: the product (else the sum)

// POOL modes (in the act byte).
export const POOL_MAX: u32 = 0;
export const POOL_AVG: u32 = 1;     // divides by the taps inside the input
export const POOL_AVG_PAD: u32 = 2; // count_include_pad: by the window clipped to the padded input

// QUANTIZE modes (in the act byte).
export const QUANT_DIVIDE: u32 = 0;
export const QUANT_DYNAMIC_VALUES: u32 = 1;
export const QUANT_DYNAMIC_SCALE: u32 = 2;
export const QUANT_DYNAMIC_ZERO_POINT: u32 = 3;
export const QUANT_MULTIPLY: u32 = 4;

// Activations, fused into DENSE, DENSE_Q8, AFFINE and ACT.
export const ACT_NONE: u32 = 0;
export const ACT_RELU: u32 = 1;
export const ACT_LEAKY_RELU: u32 = 2; // alpha = slope for x < 0
export const ACT_SIGMOID: u32 = 3;
export const ACT_TANH: u32 = 4;
export const ACT_SOFTMAX: u32 = 5;
export const ACT_LOG_SOFTMAX: u32 = 6;
export const ACT_HARD_SIGMOID: u32 = 7; // max(0, min(1, alpha*x + beta))
export const ACT_LOGISTIC_PAIR: u32 = 8; // nOut = 2: p = sigmoid(output 1), y = [1 - p, p]
export const ACT_CLIP: u32 = 9;          // ABI 4: min(max(x, alpha), beta)
export const ACT_SOFTPLUS: u32 = 10;     // ABI 4: log(1 + exp(x))
export const ACT_ABS: u32 = 11;          // ABI 4: |x|
export const ACT_SOFTMAX_ZERO: u32 = 12; // ABI 4: row-wise softmax that leaves zeros zero (ONNX-ML)
export const ACT_PROBIT: u32 = 13;       // ABI 4: sqrt(2) * erfinv(2x - 1), Winitzki's erfinv (ONNX-ML)
export const ACT_BINARIZE: u32 = 14;     // ABI 4: x > alpha ? 1 : 0
export const ACT_TRUNC: u32 = 15;        // ABI 4: x rounded toward zero

// NORMALIZE modes (in the act byte).
export const NORM_MAX: u32 = 0;
export const NORM_L1: u32 = 1;
export const NORM_L2: u32 = 2;

// run / runBatch flags.
export const FLAG_CHECK_NAN: u32 = 1;

// Status codes returned by run / runBatch.
export const STATUS_OK: i32 = 0;
export const STATUS_NAN_INPUT: i32 = 1;
export const STATUS_BAD_OPCODE: i32 = 2;
export const STATUS_BAD_BATCH: i32 = 3;  // standalone modules: predict_batch(n) beyond batch_capacity()
