/**
 * Streaming window features: per-key state (a topic level or a JSON field) holding the last
 * readings of some features in fixed-size ring buffers, and the values computed from them for
 * each message: the last N readings side by side, and the mean, std, min or max over the last
 * N readings or the last T seconds. The set of keys is capped; the least recently seen is
 * evicted (and counted). Nothing is allocated per message once a key exists.
 */
import { EdgeInferError } from "../errors.js";

export class WindowConfigError extends EdgeInferError {
  readonly code = "E_INPUT";
  constructor(
    readonly where: string,
    readonly detail: string,
  ) {
    super(`windows config${where ? ` ${where}` : ""}: ${detail}`);
  }
}

type Stat = "last" | "mean" | "std" | "min" | "max";
const STATS: readonly Stat[] = ["last", "mean", "std", "min", "max"];

export interface WindowSpec {
  feature: string;
  stat: Stat;
  /** Over the last n readings (undefined: over `seconds`). */
  n?: number;
  seconds?: number;
}

export interface WindowConfig {
  /** "topic:<i>" (the i-th level a `+` bound, 1-based) or "field:<name>" (a JSON field). */
  key: string;
  maxKeys: number;
  /** Readings kept per key for windows over seconds. */
  history: number;
  windows: WindowSpec[];
  /** Names of the message's own features, for a model without feature names. */
  features?: string[];
}

/** Reads and checks the small JSON config (docs/stream.md). */
export function parseWindowConfig(text: string): WindowConfig {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new WindowConfigError("", `not JSON: ${(e as Error).message}`);
  }
  const key = o.key === undefined ? "topic:1" : o.key;
  if (typeof key !== "string" || !/^(topic:[1-9][0-9]*|field:.+)$/.test(key))
    throw new WindowConfigError("key", `${JSON.stringify(key)}: expected "topic:<n>" or "field:<name>"`);
  const int = (v: unknown, name: string, dflt: number) => {
    if (v === undefined) return dflt;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > 1 << 24)
      throw new WindowConfigError(name, `${JSON.stringify(v)}: expected an integer from 1 to ${1 << 24}`);
    return v;
  };
  const maxKeys = int(o.maxKeys, "maxKeys", 10_000);
  const history = int(o.history, "history", 256);
  if (!Array.isArray(o.windows)) throw new WindowConfigError("windows", "expected an array");
  const windows = o.windows.map((w: Record<string, unknown>, i: number): WindowSpec => {
    const where = `windows[${i}]`;
    if (typeof w?.feature !== "string") throw new WindowConfigError(where, "needs a feature name");
    const stats = STATS.filter((s) => s in w);
    if (stats.length !== 1) throw new WindowConfigError(where, `needs exactly one of ${STATS.join(", ")}`);
    const stat = stats[0]!;
    const v = w[stat];
    if (typeof v === "string" && /^[0-9]+(\.[0-9]+)?s$/.test(v) && stat !== "last") {
      const seconds = Number(v.slice(0, -1));
      if (!(seconds > 0)) throw new WindowConfigError(where, "a window of 0 seconds");
      return { feature: w.feature, stat, seconds };
    }
    return { feature: w.feature, stat, n: int(v, `${where}.${stat}`, 1) };
  });
  const features = o.features;
  if (features !== undefined && !(Array.isArray(features) && features.every((f) => typeof f === "string")))
    throw new WindowConfigError("features", "expected an array of names");
  return { key, maxKeys, history, windows, ...(features ? { features: features as string[] } : {}) };
}

/** The names of the features a window gives: f_last_1 (this reading) … f_last_N, f_mean_10, f_std_30s. */
export function windowFeatureNames(w: WindowSpec): string[] {
  if (w.stat === "last") return Array.from({ length: w.n! }, (_, i) => `${w.feature}_last_${i + 1}`);
  return [`${w.feature}_${w.stat}_${w.n ?? `${w.seconds}s`}`];
}

/** One key's readings of one feature: a ring of values and their times. */
class Ring {
  readonly values: Float64Array;
  readonly times: Float64Array;
  count = 0;
  head = 0; // where the next reading goes
  constructor(readonly capacity: number) {
    this.values = new Float64Array(capacity);
    this.times = new Float64Array(capacity);
  }
  push(v: number, t: number): void {
    this.values[this.head] = v;
    this.times[this.head] = t;
    this.head = (this.head + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }
  /** The k-th most recent reading (0: the newest); k < count. */
  at(k: number): number {
    return this.values[(this.head - 1 - k + this.capacity * 2) % this.capacity]!;
  }
  timeAt(k: number): number {
    return this.times[(this.head - 1 - k + this.capacity * 2) % this.capacity]!;
  }
}

/**
 * The windows of a stream: `update` records a message's readings under its key and writes the
 * window features into `out` (in windowFeatureNames order, window after window).
 */
export class StreamWindows {
  readonly names: string[];
  /** Keys evicted to keep at most maxKeys. */
  evictions = 0;
  private readonly keys = new Map<string, Ring[]>();
  /** Which message feature each ring records (index into the message's values). */
  private readonly ringFeature: number[];
  private readonly ringOf: number[];
  private readonly capacity: number[];

  constructor(
    readonly config: WindowConfig,
    /** The message's own features, to find each window's feature in. */
    messageFeatures: readonly string[],
  ) {
    this.names = config.windows.flatMap(windowFeatureNames);
    const features = [...new Set(config.windows.map((w) => w.feature))];
    this.ringFeature = features.map((f) => {
      const i = messageFeatures.indexOf(f);
      if (i < 0)
        throw new WindowConfigError(
          `feature ${JSON.stringify(f)}`,
          `not one of the message's features (${messageFeatures.join(", ")})`,
        );
      return i;
    });
    this.ringOf = config.windows.map((w) => features.indexOf(w.feature));
    this.capacity = features.map((f) =>
      Math.max(1, ...config.windows.filter((w) => w.feature === f).map((w) => w.n ?? config.history)),
    );
  }

  get nKeys(): number {
    return this.keys.size;
  }

  /** Records the message's readings under `key` at time `timeMs`, and writes the window features to out[at…]. */
  update(key: string, values: ArrayLike<number>, timeMs: number, out: Float32Array, at: number): void {
    let rings = this.keys.get(key);
    if (rings) {
      this.keys.delete(key); // re-inserted below: the Map's order is the recency order
    } else {
      if (this.keys.size >= this.config.maxKeys) {
        this.keys.delete(this.keys.keys().next().value!);
        this.evictions++;
      }
      rings = this.capacity.map((c) => new Ring(c));
    }
    this.keys.set(key, rings);
    for (let r = 0; r < rings.length; r++) rings[r]!.push(values[this.ringFeature[r]!]!, timeMs);
    let o = at;
    const ws = this.config.windows;
    for (let w = 0; w < ws.length; w++) {
      const spec = ws[w]!;
      const ring = rings[this.ringOf[w]!]!;
      if (spec.stat === "last") {
        // Before N readings have come, the missing earlier ones repeat the oldest there is.
        for (let k = 0; k < spec.n!; k++) out[o++] = ring.at(Math.min(k, ring.count - 1));
        continue;
      }
      let n = ring.count;
      if (spec.n !== undefined) n = Math.min(n, spec.n);
      else {
        const from = timeMs - spec.seconds! * 1000;
        let k = 0;
        while (k < n && ring.timeAt(k) >= from) k++;
        n = Math.max(1, k); // the message's own reading is always in its window
      }
      out[o++] = stat(spec.stat, ring, n);
    }
  }
}

/** mean, population std, min or max of the n newest readings. */
function stat(s: Stat, ring: Ring, n: number): number {
  if (s === "min" || s === "max") {
    let m = ring.at(0);
    for (let k = 1; k < n; k++) {
      const v = ring.at(k);
      if (s === "min" ? v < m : v > m) m = v;
    }
    return m;
  }
  let sum = 0;
  for (let k = 0; k < n; k++) sum += ring.at(k);
  const mean = sum / n;
  if (s === "mean") return mean;
  let ss = 0;
  for (let k = 0; k < n; k++) ss += (ring.at(k) - mean) ** 2;
  return Math.sqrt(ss / n);
}
