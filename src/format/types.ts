import type { Act, Norm, Opcode, QuantDecision, QuantMode, SvmKernel } from "./abi.js";
import type { Provenance, ReferenceProfile } from "./profile.js";

export type { ChannelProfile, Provenance, ReferenceProfile } from "./profile.js";

/** A class label: scikit-learn's int64 classes or string classes. */
export type Label = number | string;

/** One named output: a slice [offset, offset + length) of every output row. */
export interface OutputInfo {
  name: string;
  /** Column of this output's first value in the output row. */
  offset: number;
  length: number;
  /** For a label output (one value, a class index) or a probability/score vector: the classes. */
  labels?: Label[];
}

/** One step of the plan, as stored in the image. */
export interface StepRecord {
  opcode: Opcode;
  /** Activation (DENSE, DENSE_Q8, AFFINE, ACT) or norm (NORMALIZE). */
  act: Act | Norm | QuantMode | SvmKernel;
  /** Step flags: STEP_FLAG_Q8_STATIC_INPUT and STEP_FLAG_Q8_I16_INPUT on DENSE_Q8; 0 otherwise. */
  flags: number;
  src: number;
  srcStride: number;
  dst: number;
  dstStride: number;
  nIn: number;
  nOut: number;
  w: number;
  b: number;
  aux: number;
  scratch: number;
  alpha: number;
  beta: number;
}

/** What quantization did to a model: bytes, per-layer decisions, measured error (format 1.1 metadata). */
export interface QuantReport {
  /**
   * The dense layers' weight matrices with every layer in f32: 4·nIn·nOut bytes each (lane
   * padding aside). Derived from the step records.
   */
  floatMatrixBytes: number;
  /**
   * The same matrices in this image: an int8 layer's nIn·nOut bytes with its scales (and, where
   * present, its row sums and static input scale and zero point: everything in its aux tensor);
   * an f32 layer's 4·nIn·nOut.
   */
  matrixBytes: number;
  /** The dense layers' biases, f32 (exact) in both: 4·nOut bytes each. */
  biasBytes: number;
  /** Weights-section bytes of the same model with every dense layer in f32 (stored in the report). */
  floatWeightsBytes: number;
  /** Weights-section bytes of this image (biases, other steps' parameters and 16-byte alignment included). */
  weightsBytes: number;
  /** One entry per dense step (DENSE, DENSE_NARROW, DENSE_Q8), in step order. */
  layers: Array<{ step: number; nIn: number; nOut: number; decision: QuantDecision; name: string }>;
  /** Measured on the calibration rows given to pack, against the float model. */
  calibration?: {
    rows: number;
    /** Largest |int8 output − float output| over every output value (class-index outputs aside). */
    maxAbsDiff: number;
    /** Rows whose top class (argmax of the first multi-value output) agrees; absent when the model has no such output. */
    agreeingRows?: number;
    topClassAgreement?: number;
  };
}

/** Everything a packed image says about itself, validated. */
export interface ImageInfo {
  formatVersion: string;
  /** Lowest kernel ABI that runs this image. */
  abiVersion: number;
  producer: string;
  /** What the model is: `logistic_regression`, `mlp`, `onnx`, … */
  kind: string;
  inputName: string;
  /** Number of features in a row. */
  inputLength: number;
  featureNames?: string[];
  outputs: OutputInfo[];
  /** Floats per output row: the sum of the output lengths. */
  outputLength: number;
  imageBytes: number;
  weightsBytes: number;
  /** Working memory (activations, scratch) the image needs when loaded. */
  arenaBytes: number;
  /** Rows the arena holds at once; predictBatch works in blocks of this many rows. */
  batchRows: number;
  inputOffset: number;
  outputOffset: number;
  /** Weights and biases stored (int8 weights count one each). */
  parameterCount: number;
  /**
   * Every step that reads the input gives each NaN a number (an imputer in front): rows may
   * hold NaN without `allowNaN`. False for every other model, which refuses NaN by default.
   */
  nanSafe: boolean;
  quantization: "none" | "int8";
  /** Present when the image was quantized (pack --quantize int8, or a quantized ONNX graph). */
  quantReport?: QuantReport;
  /** Format 1.2: the training data's profile (pack --reference), for drift (docs/drift.md). */
  profile?: ReferenceProfile;
  /** Format 1.2: who packed the image from which source file (edgeinfer pack). */
  provenance?: Provenance;
  steps: StepRecord[];
}
