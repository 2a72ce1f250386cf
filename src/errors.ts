/**
 * Every error edgeinfer throws. Each class has a stable `code` (what the CLI prints as
 * `error[CODE]`) and structured fields; the message is built from those fields in the
 * constructor, so what a program reads and what a person reads cannot disagree.
 */

export abstract class EdgeInferError extends Error {
  abstract readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

const hex = (n: number) => "0x" + n.toString(16).toUpperCase().padStart(4, "0");

/** A packed image that is corrupt, truncated or inconsistent: names the field and its byte offset. */
export class FormatError extends EdgeInferError {
  readonly code = "E_FORMAT";
  constructor(
    /** The field at fault, e.g. `header.crc32` or `steps[2].w`. */
    readonly field: string,
    /** Byte offset of that field in the image. */
    readonly byteOffset: number,
    readonly detail: string,
  ) {
    super(`image byte ${hex(byteOffset)} (${field}): ${detail}`);
  }
}

/** The image needs a newer format or kernel ABI than this runtime has. */
export class VersionError extends EdgeInferError {
  readonly code = "E_VERSION";
  constructor(
    readonly what: "format" | "abi",
    readonly found: number,
    readonly supported: string,
  ) {
    super(`image needs ${what} version ${found}; this runtime supports ${supported}`);
  }
}

/** A model description (JSON, or an option of pack) that cannot be packed: names the field. */
export class ModelSpecError extends EdgeInferError {
  readonly code = "E_MODEL";
  constructor(
    /** Path of the offending field, e.g. `layers[1].weights[3]`. */
    readonly path: string,
    readonly detail: string,
  ) {
    super(`${path || "model"}: ${detail}`);
  }
}

/** A row with the wrong number of features. */
export class InputLengthError extends EdgeInferError {
  readonly code = "E_INPUT";
  constructor(
    readonly expected: number,
    readonly actual: number,
    readonly what = "row",
  ) {
    super(`${what} has ${actual} values; the model takes ${expected}`);
  }
}

/** A NaN in an input row (refused unless the model was loaded with `allowNaN`). */
export class NaNInputError extends EdgeInferError {
  readonly code = "E_INPUT";
  constructor(
    readonly row: number,
    readonly column: number,
    readonly feature: string | undefined,
  ) {
    super(`row ${row}, feature ${column}${feature === undefined ? "" : ` (${JSON.stringify(feature)})`} is NaN`);
  }
}

/**
 * An argument of the wrong kind: a row that is not an array of numbers or a typed array, a
 * value in it that is not a number, or an output array the runtime may not write.
 */
export class InputTypeError extends EdgeInferError {
  readonly code = "E_INPUT";
  constructor(
    /** What was given, e.g. `row`, `output array`. */
    readonly what: string,
    /** What it is, e.g. `a string`. */
    readonly found: string,
    readonly expected: string,
    /** The feature at fault (-1: the argument as a whole), and its name when the model has one. */
    readonly column = -1,
    readonly feature?: string,
  ) {
    const at = column < 0 ? "" : `, feature ${column}${feature === undefined ? "" : ` (${JSON.stringify(feature)})`}`;
    super(`${what}${at} is ${found}; expected ${expected}`);
  }
}

/** The wasm returned a status the validated plan should never produce (a bug, not bad input). */
export class KernelError extends EdgeInferError {
  readonly code = "E_KERNEL";
  constructor(
    readonly status: number,
    readonly step: number,
  ) {
    super(`kernel status ${status} at step ${step}`);
  }
}

/** The host cannot run the requested build (e.g. `simd: "require"` where SIMD is missing). */
export class HostError extends EdgeInferError {
  readonly code = "E_HOST";
  constructor(readonly detail: string) {
    super(detail);
  }
}

/** A file that is not a readable ONNX protobuf: names the byte offset where decoding failed. */
export class OnnxDecodeError extends EdgeInferError {
  readonly code = "E_ONNX";
  constructor(
    readonly byteOffset: number,
    readonly detail: string,
  ) {
    super(`ONNX byte ${byteOffset}: ${detail}`);
  }
}

/** An ONNX node edgeinfer cannot run: names the node, operator, domain and opset. */
export class UnsupportedOpError extends EdgeInferError {
  readonly code = "E_UNSUPPORTED";
  constructor(
    readonly node: string,
    readonly opType: string,
    readonly domain: string,
    readonly opset: number,
    readonly detail: string,
  ) {
    super(`node ${JSON.stringify(node)} (${domain || "ai.onnx"}::${opType}, opset ${opset}): ${detail}`);
  }
}

/**
 * A size past the packed format's limits or past pack's `maxBytes` budget: names the tensor,
 * layer or header field. pack refuses it before allocating anything of that size.
 */
export class SizeLimitError extends EdgeInferError {
  readonly code = "E_TOO_LARGE";
  constructor(
    /** What is too large: `inputs.x`, `tensor "h" (node "MatMul_0")`, `layers[1]`, `header.arenaBytes`. */
    readonly what: string,
    /** Its size, in `unit` (a plain number: it may be past 2^32 or even 2^53). */
    readonly size: number,
    /** The limit it passes, in `unit`. */
    readonly limit: number,
    /** "bytes", "floats", "weights", "rows", or "" for a count. */
    readonly unit: string,
    /** Which limit, e.g. "the format's widest row" or "maxBytes". */
    readonly limitName: string,
  ) {
    super(`${what}: ${size}${unit ? ` ${unit}` : ""}, more than ${limitName} (${limit})`);
  }
}
