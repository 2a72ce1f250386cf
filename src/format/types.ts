import type { Act, Norm, Opcode } from "./abi.js";

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
  act: Act | Norm;
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
  quantization: "none" | "int8";
  steps: StepRecord[];
}
