/**
 * The drift monitor of a model loaded with `monitor`: a block of wasm memory after the
 * model's arena where every predicted row (predict, predictInto, predictLabel, run and
 * predictBatch) is counted into the reference bins of its features and output channels, by
 * the wasm (assembly/kernels/monitor.ts) in the same call as the prediction. The window is a
 * ring of sub-windows: the last `window` rows (rotated by row count inside the wasm) or the
 * last `seconds` (rotated by a timer). Reading the counts is the only JavaScript involved.
 */
import { HostError } from "../errors.js";
import { outputChannels, type ReferenceProfile } from "../format/profile.js";
import type { ImageInfo } from "../format/types.js";

export interface MonitorOptions {
  /** Rows in the window (default 10 000 when `seconds` is not given). */
  window?: number;
  /** A window of the last this many seconds instead of a row count. */
  seconds?: number;
  /** Sub-windows in the ring (default 10): the window moves by window / subWindows rows or seconds. */
  subWindows?: number;
}

/** One column's counts in the window, as driftReport takes them. */
export interface MonitorColumn {
  name: string;
  /** Rows per reference bin (numeric: edges + 1; class: one per class). */
  counts: number[];
  missing: number;
}

export interface MonitorCounts {
  /** Rows in the window now. */
  rows: number;
  features: MonitorColumn[];
  outputs: MonitorColumn[];
}

const HEADER_BYTES = 64;
const align16 = (n: number) => Math.ceil(n / 16) * 16;
const ROTATE_BY_HOST = 0xffffffff;

interface Channel {
  name: string;
  edges: number[];
  bins: number;
}

/** Where everything lies in the block (assembly/kernels/monitor.ts), and what it holds. */
export interface MonitorLayout {
  bytes: number;
  nFeat: number;
  channels: Channel[];
  outColumns: number[];
  nFeatGroups: number;
  nOutGroups: number;
  nEdges: number;
  stride: number;
  nSubs: number;
  rowsPerSub: number;
  seconds: number | undefined;
  colsOffset: number;
  basesOffset: number;
  edgesOffset: number;
  countsOffset: number;
  subBytes: number;
  subRowsOffset: number;
}

const f32 = new Float32Array(1),
  i32 = new Int32Array(f32.buffer);
/** The smallest float32 ≥ e: for float32 values v, v ≥ it exactly when v ≥ e. */
export function f32AtLeast(e: number): number {
  const f = Math.fround(e);
  if (f >= e) return f;
  if (f === 0) return 2 ** -149;
  f32[0] = f;
  i32[0] = i32[0]! + (f > 0 ? 1 : -1);
  return f32[0]!;
}

function positiveInt(v: unknown, what: string, max: number): number {
  if (!(typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= max))
    throw new HostError(`monitor.${what} must be an integer from 1 to ${max}; got ${String(v)}`);
  return v;
}

export function monitorLayout(info: ImageInfo, options: MonitorOptions): MonitorLayout {
  const profile: ReferenceProfile | undefined = info.profile;
  if (!profile)
    throw new HostError("monitor needs a reference profile in the image: pack it with --reference train.csv");
  if (typeof options !== "object" || options === null) throw new HostError("monitor must be an object");
  const nSubs = positiveInt(options.subWindows ?? 10, "subWindows", 1024);
  let rowsPerSub = ROTATE_BY_HOST,
    seconds: number | undefined;
  if (options.seconds !== undefined) {
    if (options.window !== undefined) throw new HostError("monitor takes a window of rows or of seconds, not both");
    if (!(typeof options.seconds === "number" && options.seconds > 0 && Number.isFinite(options.seconds)))
      throw new HostError(`monitor.seconds must be a positive number; got ${String(options.seconds)}`);
    seconds = options.seconds;
  } else {
    const window = positiveInt(options.window ?? 10_000, "window", 2 ** 31);
    if (window % nSubs !== 0)
      throw new HostError(`monitor.window (${window}) must be a multiple of monitor.subWindows (${nSubs})`);
    rowsPerSub = window / nSubs;
  }
  const outs = outputChannels(info.outputs);
  const channels: Channel[] = [
    ...profile.features.map((f) => ({ name: f.name, edges: f.edges, bins: f.counts.length })),
    ...profile.outputs.map((o) => ({
      name: o.name,
      edges: o.kind === "class" ? Array.from({ length: o.counts.length - 1 }, (_, k) => k + 0.5) : o.edges,
      bins: o.counts.length,
    })),
  ];
  // Padded to a multiple of three: the SIMD kernel compares three edges per loop turn.
  const nEdges = 3 * Math.ceil(Math.max(1, ...channels.map((c) => c.edges.length)) / 3);
  const stride = nEdges + 2; // bins 0 … nEdges, then the missing slot
  const nFeat = profile.features.length;
  const nFeatGroups = Math.ceil(nFeat / 4),
    nOutGroups = Math.ceil(outs.length / 4);
  const nGroups = nFeatGroups + nOutGroups;
  const colsOffset = HEADER_BYTES;
  const basesOffset = colsOffset + 16 * nOutGroups;
  const edgesOffset = basesOffset + 16 * nGroups;
  const countsOffset = edgesOffset + 16 * nEdges * nGroups;
  const subBytes = align16(4 * (channels.length + 1) * stride); // and a spare channel for padding lanes
  const subRowsOffset = countsOffset + nSubs * subBytes;
  const bytes = align16(subRowsOffset + 4 * nSubs);
  return {
    bytes,
    nFeat,
    channels,
    outColumns: outs.map((c) => c.column),
    nFeatGroups,
    nOutGroups,
    nEdges,
    stride,
    nSubs,
    rowsPerSub,
    seconds,
    colsOffset,
    basesOffset,
    edgesOffset,
    countsOffset,
    subBytes,
    subRowsOffset,
  };
}

export class Monitor {
  /** Rows per window, or undefined for a window in seconds. */
  readonly window: number | undefined;
  readonly seconds: number | undefined;
  readonly subWindows: number;
  readonly #timer: ReturnType<typeof setInterval> | undefined;

  /** @internal Lays the block out at `ptr` (zeroed memory) for the runtime. */
  constructor(
    private readonly memory: WebAssembly.Memory,
    /** @internal */ readonly ptr: number,
    private readonly layout: MonitorLayout,
    private readonly rotateFn: (mon: number) => void,
  ) {
    const L = layout;
    const u32 = new Uint32Array(memory.buffer, ptr, L.bytes / 4);
    const f = new Float32Array(memory.buffer, ptr, L.bytes / 4);
    u32.set([L.nFeatGroups, L.nOutGroups, L.nEdges, L.stride, L.rowsPerSub, 0, L.nSubs, 0]);
    u32.set([L.colsOffset, L.basesOffset, L.edgesOffset, L.countsOffset, L.subRowsOffset, L.subBytes, L.nFeat], 8);
    const nChan = L.channels.length;
    // Lane l of group g: feature 4g + l, or output channel 4(g − nFeatGroups) + l; past the end, the spare channel.
    const channelOf = (g: number, l: number) => {
      const k = g < L.nFeatGroups ? 4 * g + l : 4 * (g - L.nFeatGroups) + l;
      const n = g < L.nFeatGroups ? L.nFeat : nChan - L.nFeat;
      return k < n ? (g < L.nFeatGroups ? k : L.nFeat + k) : nChan;
    };
    for (let g = 0; g < L.nFeatGroups + L.nOutGroups; g++) {
      for (let l = 0; l < 4; l++) {
        const ch = channelOf(g, l);
        u32[L.basesOffset / 4 + 4 * g + l] = 4 * ch * L.stride;
        if (g >= L.nFeatGroups) u32[L.colsOffset / 4 + 4 * (g - L.nFeatGroups) + l] = L.outColumns[ch - L.nFeat] ?? 0;
        const edges = L.channels[ch]?.edges ?? [];
        for (let j = 0; j < L.nEdges; j++)
          f[L.edgesOffset / 4 + 4 * (g * L.nEdges + j) + l] = j < edges.length ? f32AtLeast(edges[j]!) : Number.NaN;
      }
    }
    this.subWindows = L.nSubs;
    this.seconds = L.seconds;
    this.window = L.rowsPerSub === ROTATE_BY_HOST ? undefined : L.rowsPerSub * L.nSubs;
    if (L.seconds !== undefined) {
      const t = setInterval(() => this.rotate(), (1000 * L.seconds) / L.nSubs);
      (t as { unref?: () => void }).unref?.();
      this.#timer = t;
    }
  }

  /** The counts of the window now: per feature and output channel, rows per bin and missing. */
  counts(): MonitorCounts {
    const L = this.layout;
    const u32 = new Uint32Array(this.memory.buffer, this.ptr, L.bytes / 4);
    let rows = 0;
    for (let s = 0; s < L.nSubs; s++) rows += u32[L.subRowsOffset / 4 + s]!;
    const cols = L.channels.map((c, i) => {
      const counts = new Array<number>(c.bins).fill(0);
      let missing = 0;
      for (let s = 0; s < L.nSubs; s++) {
        const at = (L.countsOffset + s * L.subBytes) / 4 + i * L.stride;
        for (let k = 0; k < c.bins; k++) counts[k]! += u32[at + k]!;
        missing += u32[at + L.stride - 1]!;
      }
      return { name: c.name, counts, missing };
    });
    return { rows, features: cols.slice(0, L.nFeat), outputs: cols.slice(L.nFeat) };
  }

  /** Starts the next sub-window now (its oldest rows leave the window). */
  rotate(): void {
    this.rotateFn(this.ptr);
  }

  /** Empties the window. */
  reset(): void {
    const L = this.layout;
    new Uint32Array(this.memory.buffer, this.ptr + L.countsOffset, (L.bytes - L.countsOffset) / 4).fill(0);
    new Uint32Array(this.memory.buffer, this.ptr, 8).set([0], 5); // rows in the current sub-window
  }

  /** @internal Called by Model.dispose(). */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
  }
}
