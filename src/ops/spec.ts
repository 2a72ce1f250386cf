/**
 * Everything the TypeScript side knows about one opcode: its name, what its act byte means, the
 * kernel ABI it needs, whether the planner may run it in place, its load-time checks and its
 * `inspect` text. One spec per opcode, one file per family; src/ops/index.ts lists them.
 * Runtime-safe: the reader (and so the runtime entry) imports this, the importers do not.
 */
import { FormatError } from "../errors.js";
import { ACT_NAMES, Act, type Opcode, Step, type StepField } from "../format/abi.js";
import type { StepRecord } from "../format/types.js";

/** The fields of a step that say what it is (enough for minAbi and inPlace, before any placement). */
export type StepHead = Pick<StepRecord, "opcode" | "act" | "flags">;

/** What a step's act byte holds. */
export type ActByte = "activation" | "norm" | "quantMode" | "svmKernel" | "none";

export interface OpSpec {
  readonly opcode: Opcode;
  /** "DENSE_Q8": inspect, build and error messages. */
  readonly name: string;
  readonly actByte: ActByte;
  /** The act byte's legal values (activations, norms or modes; [0] when unused). */
  readonly acts: readonly number[];
  /** Step flag bits this opcode may set (0: the flags must be zero). */
  readonly flagBits: number;
  /** Is this a dense layer (one decision each in the quantization report)? */
  readonly dense: boolean;
  /** The lowest kernel ABI that runs this step. */
  minAbi(s: StepHead): number;
  /**
   * May the step's output rows be exactly its input rows (same offset and stride)? The reader
   * accepts such a step and the arena planner may place it so; otherwise src and dst are disjoint.
   */
  inPlace(s: StepHead): boolean;
  /** Load-time checks of everything this opcode's kernel trusts (the reader checks the rows). */
  validate(s: StepRecord, v: StepValidator): void;
  /** The tail of an `inspect` step line: the activation, norm or mode and any detail ("" for none). */
  describe(s: StepRecord): string;
  /**
   * Weights and biases stored (int8 weights count one each). `view` is the whole image, for
   * an op whose counts are in its tensors (TREES); the step is validated before it is asked.
   */
  parameterCount(s: StepRecord, view: DataView): number;
  /**
   * Reading the model's input, does this step give every NaN a number (an imputer)? An image
   * whose every reader of the input does accepts NaN in its rows without `allowNaN`.
   */
  nanSafe?(s: StepRecord): boolean;
}

/** Where one step may point: what the header already fixed. */
export interface StepBounds {
  weightsOffset: number;
  imageBytes: number;
  arenaBytes: number;
}

/** A step field or "shape" (the record as a whole). */
export type StepFieldName = StepField | "shape";

/**
 * The checks a spec's validate() calls. Every failure is a FormatError naming `steps[k].field`
 * and the field's byte offset in the image.
 */
export class StepValidator {
  /** The arena range [scratch, scratchEnd) the step declared as its scratch, if any. */
  scratchEnd: number | undefined;

  constructor(
    /** The whole image (for specs that check weights). */
    readonly view: DataView,
    /** Byte offset of the step record in the image. */
    readonly at: number,
    /** Step index. */
    readonly k: number,
    readonly bounds: StepBounds,
    readonly step: StepRecord,
  ) {}

  bad(field: StepFieldName, detail: string): never {
    throw new FormatError(`steps[${this.k}].${field}`, field === "shape" ? this.at : this.at + Step[field], detail);
  }

  /** A parameter tensor of `bytes` bytes: 4-aligned, inside the weights section. */
  param(field: "w" | "b" | "aux", bytes: number): void {
    const off = this.step[field];
    const { weightsOffset, imageBytes } = this.bounds;
    if (off % 4 !== 0 || off < weightsOffset || off + bytes > imageBytes)
      this.bad(
        field,
        `[${off}, ${off + bytes}) is not a 4-aligned range inside the weights [${weightsOffset}, ${imageBytes})`,
      );
  }

  /**
   * The f32 tensor at `field` holds only finite values. The SIMD dense kernels skip inputs that
   * are zero, which is exact (the same bits as the scalar build's products) only for finite
   * weights: 0 · Inf is NaN. Call after param().
   */
  finite(field: "w" | "b", count: number): void {
    const off = this.step[field];
    const at = this.view.byteOffset + off;
    // Element reads where the bytes are aligned (always, for an image placed as the runtime
    // places it); a DataView call per weight otherwise. Two loops, each kept monomorphic.
    const i =
      at % 4 === 0
        ? firstNonFinite(new Float32Array(this.view.buffer, at, count))
        : firstNonFiniteAt(this.view, off, count);
    if (i >= 0) {
      const v = this.view.getFloat32(off + 4 * i, true);
      throw new FormatError(`steps[${this.k}].${field}[${i}]`, off + 4 * i, `${v}: dense weights must be finite`);
    }
  }

  /** Fields this opcode does not use: they must be zero. */
  unused(...fields: Array<"w" | "b" | "aux" | "scratch">): void {
    for (const f of fields) if (this.step[f] !== 0) this.bad(f, "must be zero for this opcode");
  }

  /** Element-wise: nOut = nIn. */
  sameShape(): void {
    const { nIn, nOut } = this.step;
    if (nIn !== nOut) this.bad("nOut", `${nOut} must equal nIn ${nIn} for this opcode`);
  }

  /** The act byte as an activation among `allowed` (logistic_pair needs two outputs). */
  act(allowed: readonly number[]): void {
    const { act, nOut } = this.step;
    if (!allowed.includes(act)) this.bad("act", `unknown activation ${act}`);
    if (act === Act.LogisticPair && nOut !== 2) this.bad("act", "logistic_pair needs nOut = 2");
  }

  /** Scratch of `bytes` bytes at step.scratch: 4-aligned inside the arena (the reader then checks overlaps). */
  scratch(bytes: number): void {
    const { scratch } = this.step;
    const end = scratch + bytes;
    if (scratch % 4 !== 0 || end > this.bounds.arenaBytes)
      this.bad("scratch", `[${scratch}, ${end}) is not 4-aligned inside the ${this.bounds.arenaBytes}-byte arena`);
    this.scratchEnd = end;
  }
}

/** Index of the first Inf or NaN, or −1. */
function firstNonFinite(values: Float32Array): number {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v - v !== 0) return i;
  }
  return -1;
}

function firstNonFiniteAt(view: DataView, off: number, count: number): number {
  for (let i = 0; i < count; i++) {
    const v = view.getFloat32(off + 4 * i, true);
    if (v - v !== 0) return i;
  }
  return -1;
}

/** Every activation a step may fuse (softmax, log-softmax, softmax-zero and logistic pair act on the whole row). */
export const ACTIVATIONS: readonly number[] = Object.values(Act).filter((v): v is number => typeof v === "number");

/** The act byte's name for `inspect`: "" when it is none or unused. */
export const actText = (names: Record<number, string>, act: number): string => {
  const name = names[act];
  return name && name !== "none" ? name : "";
};

/** The activations kernel ABI 4 added: a step that fuses one needs ABI 4, every other step keeps its ABI. */
const ABI4_ACTS: ReadonlySet<number> = new Set([
  Act.Clip,
  Act.Softplus,
  Act.Abs,
  Act.SoftmaxZero,
  Act.Probit,
  Act.Binarize,
  Act.Trunc,
]);

/** The lowest kernel ABI that knows the activation `act`. */
export const actMinAbi = (act: number): number => (ABI4_ACTS.has(act) ? 4 : 1);

/** A step's fused activation for `inspect`: its name, with the bounds for clip ("clip [0, 6]"). */
export const fusedActText = (s: Pick<StepRecord, "act" | "alpha" | "beta">): string =>
  s.act === Act.Clip
    ? `clip [${s.alpha}, ${s.beta}]`
    : s.act === Act.Binarize
      ? `binarize > ${s.alpha}`
      : actText(ACT_NAMES, s.act);
