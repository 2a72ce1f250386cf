/** A batch job's progress line on a terminal (rows, rows/s, ETA) and its one-line summary. */
import type { BatchSummary } from "./engine.js";

/** Redraws `  12,288 / 100,000 rows  45,120 rows/s  ETA 2 s` on a TTY stream, at most ~10 times a second. */
export class ProgressLine {
  private readonly t0 = performance.now();
  private lastDraw = 0;
  private drawn = false;
  constructor(private readonly stream: NodeJS.WritableStream & { isTTY?: boolean }) {}

  update(done: number, pending: number): void {
    if (this.stream.isTTY !== true) return;
    const now = performance.now();
    if (now - this.lastDraw < 100 && done < pending) return;
    this.lastDraw = now;
    const rate = done / Math.max(1e-3, (now - this.t0) / 1000);
    const eta = rate > 0 ? Math.ceil((pending - done) / rate) : 0;
    const n = (x: number) => Math.round(x).toLocaleString("en-US");
    this.stream.write(`\r  ${n(done)} / ${n(pending)} rows  ${n(rate)} rows/s  ETA ${eta} s\x1b[K`);
    this.drawn = true;
  }

  /** Ends the line (so the summary starts on its own). */
  finish(): void {
    if (this.drawn) this.stream.write("\n");
    this.drawn = false;
  }
}

export interface SummaryText {
  target: string;
  errors: string;
  model: string;
  version: string;
}

/** `scored 1000 rows into "preds", 3 refused into "preds_errors", 20 already done (model m 1a2b3c4d5e6f), 0.41 s` */
export function summaryLine(s: BatchSummary, t: SummaryText): string {
  const parts = [
    `${s.interrupted ? "interrupted: " : ""}scored ${s.scored} rows into ${JSON.stringify(t.target)}`,
    `${s.bad} refused into ${JSON.stringify(t.errors)}`,
    `${s.alreadyDone} already done`,
  ];
  return `${parts.join(", ")} (model ${t.model} ${t.version}, ${s.seconds.toFixed(2)} s)`;
}
