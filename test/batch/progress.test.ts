// The batch job's progress line (a terminal only) and its one-line summary.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { ProgressLine, summaryLine } from "../../src/batch/progress.js";

function stream(tty: boolean) {
  const s = Object.assign(new PassThrough(), { isTTY: tty });
  let text = "";
  s.on("data", (c) => (text += c));
  return { s, text: () => text };
}

describe("batch progress", () => {
  it("draws rows, rows/s and ETA on a terminal, and ends its line", () => {
    const t = stream(true);
    const p = new ProgressLine(t.s);
    p.update(8192, 8192);
    p.finish();
    expect(t.text()).toMatch(/^\r {2}8,192 \/ 8,192 rows {2}[0-9,]+ rows\/s {2}ETA 0 s\x1b\[K\n$/);
  });

  it("writes nothing when stderr is not a terminal", () => {
    const t = stream(false);
    const p = new ProgressLine(t.s);
    p.update(10, 20);
    p.finish();
    expect(t.text()).toBe("");
  });

  it("sums up in one line", () => {
    const s = { total: 25, scored: 20, bad: 3, alreadyDone: 2, seconds: 0.5, interrupted: false };
    const names = { target: "preds", errors: "preds_errors", model: "iris", version: "0123456789ab" };
    expect(summaryLine(s, names)).toBe(
      'scored 20 rows into "preds", 3 refused into "preds_errors", 2 already done (model iris 0123456789ab, 0.50 s)',
    );
    expect(summaryLine({ ...s, interrupted: true }, names)).toMatch(/^interrupted: scored 20 rows/);
  });
});
