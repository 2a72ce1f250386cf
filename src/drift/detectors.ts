/**
 * Change detectors for one signal (a score, a label rate, an error stream), with River's
 * defaults and River's algorithms step for step (river.drift.PageHinkley and ADWIN, whose
 * AdaptiveWindowing keeps exponential-histogram buckets of totals and variances).
 * test/drift/detectors.test.ts checks the change points River documents for its streams.
 */

export interface PageHinkleyOptions {
  /** Values seen before a change may be signalled (30). */
  minInstances?: number;
  /** Magnitude of changes ignored (0.005). */
  delta?: number;
  /** λ, the detection threshold (50). */
  threshold?: number;
  /** Forgetting factor of the cumulative sums (1 − 0.0001). */
  alpha?: number;
  /** Changes looked for: "up", "down" or "both" (default). */
  mode?: "up" | "down" | "both";
}

export class PageHinkley {
  readonly minInstances: number;
  readonly delta: number;
  readonly threshold: number;
  readonly alpha: number;
  readonly mode: "up" | "down" | "both";
  /** The last update signalled a change (the next one starts afresh, as River's). */
  driftDetected = false;
  private n = 0;
  private mean = 0;
  private sumIncrease = 0;
  private sumDecrease = 0;
  private minIncrease = Infinity;
  private maxDecrease = -1;

  constructor(o: PageHinkleyOptions = {}) {
    this.minInstances = o.minInstances ?? 30;
    this.delta = o.delta ?? 0.005;
    this.threshold = o.threshold ?? 50;
    this.alpha = o.alpha ?? 1 - 0.0001;
    this.mode = o.mode ?? "both";
  }

  private reset(): void {
    this.driftDetected = false;
    this.n = 0;
    this.mean = 0;
    this.sumIncrease = this.sumDecrease = 0;
    this.minIncrease = Infinity;
    this.maxDecrease = -1;
  }

  /** Adds a value; returns driftDetected. */
  update(x: number): boolean {
    if (this.driftDetected) this.reset();
    this.n += 1;
    this.mean += (1 / this.n) * (x - this.mean);
    const dev = x - this.mean;
    this.sumIncrease = this.alpha * this.sumIncrease + dev - this.delta;
    this.sumDecrease = this.alpha * this.sumDecrease + dev + this.delta;
    if (this.sumIncrease < this.minIncrease) this.minIncrease = this.sumIncrease;
    if (this.sumDecrease > this.maxDecrease) this.maxDecrease = this.sumDecrease;
    if (this.n >= this.minInstances) {
      const up = this.sumIncrease - this.minIncrease > this.threshold;
      const down = this.maxDecrease - this.sumDecrease > this.threshold;
      this.driftDetected = this.mode === "up" ? up : this.mode === "down" ? down : up || down;
    }
    return this.driftDetected;
  }
}

export interface AdwinOptions {
  /** Confidence δ (0.002). */
  delta?: number;
  /** Values between window checks (32). */
  clock?: number;
  /** Buckets per row before two merge (5). */
  maxBuckets?: number;
  /** Smallest sub-window compared (5). */
  minWindowLength?: number;
  /** Values before the first check (10). */
  gracePeriod?: number;
}

/** One row of the exponential histogram: up to maxBuckets + 1 buckets of 2^row values each. */
class BucketRow {
  readonly total: Float64Array;
  readonly variance: Float64Array;
  n = 0;
  constructor(size: number) {
    this.total = new Float64Array(size);
    this.variance = new Float64Array(size);
  }
  insert(total: number, variance: number): void {
    this.total[this.n] = total;
    this.variance[this.n] = variance;
    this.n++;
  }
  /** Drops the k oldest buckets. */
  compress(k: number): void {
    this.total.copyWithin(0, k);
    this.variance.copyWithin(0, k);
    this.total.fill(0, this.total.length - k);
    this.variance.fill(0, this.variance.length - k);
    this.n -= k;
  }
}

export class Adwin {
  readonly delta: number;
  readonly clock: number;
  readonly maxBuckets: number;
  readonly minWindowLength: number;
  readonly gracePeriod: number;
  driftDetected = false;
  /** Values in the window now. */
  width = 0;
  total = 0;
  variance = 0;
  nDetections = 0;
  private rows: BucketRow[] = [];
  private tick = 0;

  constructor(o: AdwinOptions = {}) {
    this.delta = o.delta ?? 0.002;
    this.clock = o.clock ?? 32;
    this.maxBuckets = o.maxBuckets ?? 5;
    this.minWindowLength = o.minWindowLength ?? 5;
    this.gracePeriod = o.gracePeriod ?? 10;
    this.rows = [new BucketRow(this.maxBuckets + 1)];
  }

  /** The window's mean. */
  get estimation(): number {
    return this.width === 0 ? 0 : this.total / this.width;
  }

  update(x: number): boolean {
    this.insert(x);
    this.driftDetected = this.detect();
    return this.driftDetected;
  }

  private insert(x: number): void {
    this.rows[0]!.insert(x, 0);
    this.width += 1;
    if (this.width > 1) {
      const d = x - this.total / (this.width - 1);
      this.variance += ((this.width - 1) * d * d) / this.width;
    }
    this.total += x;
    this.compressRows();
  }

  private compressRows(): void {
    for (let idx = 0; idx < this.rows.length; idx++) {
      const row = this.rows[idx]!;
      if (row.n !== this.maxBuckets + 1) break;
      if (idx + 1 === this.rows.length) this.rows.push(new BucketRow(this.maxBuckets + 1));
      const next = this.rows[idx + 1]!;
      const n = 2 ** idx;
      const mu1 = row.total[0]! / n,
        mu2 = row.total[1]! / n;
      const t = (n * n * (mu1 - mu2) * (mu1 - mu2)) / (n + n);
      next.insert(row.total[0]! + row.total[1]!, row.variance[0]! + row.variance[1]! + t);
      row.compress(2);
      if (next.n <= this.maxBuckets) break;
    }
  }

  private deleteOldest(): number {
    const idx = this.rows.length - 1;
    const row = this.rows[idx]!;
    const n = 2 ** idx;
    const u = row.total[0]!,
      v = row.variance[0]!;
    const mu = u / n;
    this.width -= n;
    this.total -= u;
    const muWindow = this.total / this.width;
    this.variance -= v + (n * this.width * (mu - muWindow) * (mu - muWindow)) / (n + this.width);
    row.compress(1);
    if (row.n === 0) this.rows.pop();
    return n;
  }

  private cut(n0: number, n1: number, deltaMean: number): boolean {
    const deltaPrime = Math.log((2 * Math.log(this.width)) / this.delta);
    const m = 1 / (n0 - this.minWindowLength + 1) + 1 / (n1 - this.minWindowLength + 1);
    const eps = Math.sqrt(2 * m * (this.variance / this.width) * deltaPrime) + (2 / 3) * deltaPrime * m;
    return Math.abs(deltaMean) > eps;
  }

  private detect(): boolean {
    let change = false;
    this.tick += 1;
    if (this.tick % this.clock === 0 && this.width > this.gracePeriod) {
      let reduce = true;
      while (reduce) {
        reduce = false;
        let exit = false;
        let n0 = 0,
          n1 = this.width,
          u0 = 0,
          u1 = this.total;
        for (let idx = this.rows.length - 1; idx >= 0 && !exit; idx--) {
          const row = this.rows[idx]!;
          for (let k = 0; k < row.n - 1; k++) {
            const n2 = 2 ** idx;
            n0 += n2;
            n1 -= n2;
            u0 += row.total[k]!;
            u1 -= row.total[k]!;
            if (idx === 0 && k === row.n - 1) {
              exit = true;
              break;
            }
            const deltaMean = u0 / n0 - u1 / n1;
            if (n1 >= this.minWindowLength && n0 >= this.minWindowLength && this.cut(n0, n1, deltaMean)) {
              reduce = true;
              change = true;
              if (this.width > 0) {
                n0 -= this.deleteOldest();
                exit = true;
                break;
              }
            }
          }
        }
      }
    }
    if (change) this.nDetections++;
    return change;
  }
}
