/**
 * Arena planning: where every value of a plan lives while the model runs.
 *
 * Layout (all offsets 16-aligned, each buffer holds batchRows rows):
 *   | input rows (inputLength wide) | output rows (all outputs side by side) | intermediates … |
 * An intermediate value lives from the step that writes it to the last step that reads it; a
 * step that can run in place and is its input's last reader writes over that input (one
 * buffer, a longer lifetime). Buffers are then placed greedy first-fit, largest first (TFLM's
 * GreedyMemoryPlanner idea), so buffers whose lifetimes do not overlap share bytes. Where that
 * leaves holes, a second placement tries the lower bound itself (the most bytes live at any one
 * step), putting each buffer at the end of the arena opposite its latest live neighbour: a deep
 * chain needs exactly its largest pair of adjacent activations (and scratch), not their sum.
 */

import type { Opcode } from "../format/abi.js";
import { inPlace as opRunsInPlace } from "../ops/index.js";

const align16 = (n: number) => Math.ceil(n / 16) * 16;

/** A row-vector value flowing between steps. */
export interface Value {
  readonly id: number;
  readonly width: number;
}

/** What the arena planner needs of a step. */
export interface ArenaStep {
  opcode: Opcode;
  act: number;
  src: Value;
  /** A second source (BINARY), read at its own offset, `width` floats apart. */
  src2?: Value;
  dst: Value;
  /** Scratch bytes per step (not per row); 0 when the step needs none. */
  scratchBytes: number;
}

export interface ArenaRequest {
  /** The model input is value id 0, `inputLength` wide. */
  inputLength: number;
  /** Floats in the output row: every output side by side. */
  outputLength: number;
  /** The values written into the output row, each at its column. */
  outputs: Array<{ value: Value; column: number }>;
  batchRows: number;
}

export interface ArenaLayout {
  /** Bytes of arena the plan needs: what the image header records. */
  arenaBytes: number;
  inputOffset: number;
  outputOffset: number;
  /** Where each value's rows are: byte offset in the arena and row stride in floats. */
  where: Map<number, { offset: number; stride: number }>;
  /** Byte offset of each step's scratch (0 for a step without). */
  scratch: number[];
}

interface Buffer {
  bytes: number;
  /** First and last step (inclusive) during which it holds live data. */
  start: number;
  end: number;
  offset: number;
  stride: number;
}

/** Offsets for the input, the outputs, every intermediate value and every step's scratch. */
export function planArena(steps: readonly ArenaStep[], request: ArenaRequest): ArenaLayout {
  const { inputLength, outputLength, batchRows } = request;
  const inputOffset = 0;
  const outputOffset = align16(batchRows * inputLength * 4);
  const fixedBytes = align16(outputOffset + batchRows * outputLength * 4);
  const where = new Map<number, { offset: number; stride: number }>();
  where.set(0, { offset: inputOffset, stride: inputLength });
  for (const o of request.outputs) where.set(o.value.id, { offset: outputOffset + o.column * 4, stride: outputLength });

  const { buffers, group, scratch } = lifetimes(steps, where, batchRows);
  const near = liveWith(buffers);
  let arenaBytes = placeFirstFit(buffers, fixedBytes, near);
  // First-fit by size can leave holes (about half of random 20-layer chains get more than
  // their largest live pair). When it did, try the bound itself, from both ends.
  const bound = fixedBytes + mostLiveBytes(buffers, steps.length);
  if (arenaBytes > bound) {
    const offsets = placeFromBothEnds(buffers, fixedBytes, bound, near);
    if (offsets) {
      buffers.forEach((b, i) => (b.offset = offsets[i]!));
      arenaBytes = bound;
    }
  }
  for (const [id, g] of group) where.set(id, { offset: buffers[g]!.offset, stride: buffers[g]!.stride });
  return {
    arenaBytes,
    inputOffset,
    outputOffset,
    where,
    scratch: scratch.map((b) => (b >= 0 ? buffers[b]!.offset : 0)),
  };
}

/**
 * The buffers of the intermediate values (a value merged with its input when its step runs in
 * place) and of the steps' scratch, with the steps during which each is live. `fixed` holds the
 * values already placed (the input and the outputs).
 */
function lifetimes(
  steps: readonly ArenaStep[],
  fixed: ReadonlyMap<number, unknown>,
  batchRows: number,
): { buffers: Buffer[]; group: Map<number, number>; scratch: number[] } {
  const lastUse = new Map<number, number>();
  steps.forEach((step, k) => {
    lastUse.set(step.src.id, k);
    if (step.src2) lastUse.set(step.src2.id, k);
  });
  const group = new Map<number, number>(); // value id → buffer index
  const buffers: Buffer[] = [];
  steps.forEach((step, k) => {
    if (fixed.has(step.dst.id) || group.has(step.dst.id)) return; // the input, an output, or a later part of a concat
    const inPlace =
      opRunsInPlace({ opcode: step.opcode, act: step.act, flags: 0 }) &&
      !fixed.has(step.src.id) &&
      lastUse.get(step.src.id) === k &&
      step.src.width === step.dst.width &&
      step.src2?.id !== step.src.id;
    if (inPlace) {
      const g = group.get(step.src.id)!;
      group.set(step.dst.id, g);
      buffers[g]!.end = Math.max(buffers[g]!.end, lastUse.get(step.dst.id) ?? k);
    } else {
      group.set(step.dst.id, buffers.length);
      buffers.push({
        bytes: align16(batchRows * step.dst.width * 4),
        start: k,
        end: lastUse.get(step.dst.id) ?? k,
        offset: 0,
        stride: step.dst.width,
      });
    }
  });
  const scratch = steps.map((step, k) =>
    step.scratchBytes > 0
      ? buffers.push({ bytes: align16(step.scratchBytes), start: k, end: k, offset: 0, stride: 0 }) - 1
      : -1,
  );
  return { buffers, group, scratch };
}

/**
 * For each buffer, the buffers live during some step it is live: a sweep over their starts, so
 * the cost is the number of such pairs (a chain's few neighbours each), not all pairs.
 */
export function liveWith(buffers: readonly Buffer[]): number[][] {
  const order = buffers.map((_, i) => i).sort((a, b) => buffers[a]!.start - buffers[b]!.start);
  const near: number[][] = buffers.map(() => []);
  let active: number[] = [];
  for (const i of order) {
    const start = buffers[i]!.start;
    active = active.filter((j) => buffers[j]!.end >= start);
    for (const j of active) {
      near[i]!.push(j);
      near[j]!.push(i);
    }
    active.push(i);
  }
  return near;
}

/**
 * Sets each buffer's offset, from `base` up: largest first, each at the lowest offset where it
 * overlaps no placed buffer that is live at the same time. Returns the end of the highest one.
 */
function placeFirstFit(buffers: Buffer[], base: number, near: readonly number[][]): number {
  let end = base;
  const placedAt = new Array<number>(buffers.length).fill(-1); // placement order, -1: not yet
  const bySize = buffers.map((_, i) => i).sort((a, b) => buffers[b]!.bytes - buffers[a]!.bytes);
  for (const [n, i] of bySize.entries()) {
    const buf = buffers[i]!;
    let offset = base;
    const others = near[i]!.filter((j) => placedAt[j]! >= 0);
    others.sort((a, b) => buffers[a]!.offset - buffers[b]!.offset || placedAt[a]! - placedAt[b]!);
    for (const other of others.map((j) => buffers[j]!)) {
      if (offset < other.offset + other.bytes && other.offset < offset + buf.bytes) offset = other.offset + other.bytes;
    }
    buf.offset = offset;
    placedAt[i] = n;
    end = Math.max(end, offset + buf.bytes);
  }
  return end;
}

/** The most bytes live during any one step: no placement can use fewer. */
function mostLiveBytes(buffers: readonly Buffer[], nSteps: number): number {
  const live = new Array<number>(nSteps).fill(0);
  for (const b of buffers) for (let k = b.start; k <= b.end; k++) live[k]! += b.bytes;
  return live.reduce((a, b) => Math.max(a, b), 0);
}

/**
 * Offsets within [base, limit) for every buffer, or undefined where it does not fit. Buffers are
 * taken in the order they become live (larger first on a tie); each goes to the lowest free
 * offset or to the highest one, away from the placed buffer that became live last among those it
 * is live with (a chain's activations alternate ends, so each pair fits side by side).
 */
function placeFromBothEnds(
  buffers: readonly Buffer[],
  base: number,
  limit: number,
  near: readonly number[][],
): number[] | undefined {
  const order = buffers
    .map((_, i) => i)
    .sort((a, b) => buffers[a]!.start - buffers[b]!.start || buffers[b]!.bytes - buffers[a]!.bytes);
  const offsets = new Array<number>(buffers.length);
  const top = new Array<boolean>(buffers.length);
  const placed = new Array<boolean>(buffers.length).fill(false);
  for (const i of order) {
    const buf = buffers[i]!;
    const busy = near[i]!.filter((j) => placed[j]).map((j) => ({
      j,
      from: offsets[j]!,
      to: offsets[j]! + buffers[j]!.bytes,
    }));
    const fits = (at: number) =>
      at >= base && at + buf.bytes <= limit && busy.every((o) => at >= o.to || o.from >= at + buf.bytes);
    // Candidates: the ends of the range and the edges of every live buffer.
    const candidates = [base, limit - buf.bytes, ...busy.flatMap((o) => [o.to, o.from - buf.bytes])].filter(fits);
    if (candidates.length === 0) return undefined;
    const latest = busy.reduce<number | undefined>(
      (l, o) => (l === undefined || buffers[o.j]!.start >= buffers[l]!.start ? o.j : l),
      undefined,
    );
    const wantTop = latest !== undefined && !top[latest];
    const at = wantTop ? Math.max(...candidates) : Math.min(...candidates);
    offsets[i] = at;
    top[i] = wantTop;
    placed[i] = true;
  }
  return offsets;
}
