// Zero allocation per call, proven: a child process runs a million predictions (and a
// million-row predictBatch) under --trace-gc and must print no GC line and grow no heap.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";

const child = new URL("../../dist/test/gc/child.js", import.meta.url).pathname;

describe("predict allocates nothing", () => {
  it("1,000,000 predictions and a 1,000,000-row batch: no GC event, no heap growth", () => {
    expect(existsSync(child), "run `npm run build` first (npm test does)").toBe(true);
    const r = spawnSync(process.execPath, ["--trace-gc", "--expose-gc", child], { encoding: "utf8", timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split("\n");
    const start = lines.indexOf("START"), end = lines.indexOf("END");
    expect(start).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
    const gcLines = lines.slice(start + 1, end).filter((l) => /Scavenge|Mark-Compact|Minor|Mark-sweep/i.test(l));
    expect(gcLines).toEqual([]);
    const { before, after, sink } = JSON.parse(lines[end + 1]!) as { before: number; after: number; sink: boolean };
    expect(sink).toBe(true);
    // 2.2 million calls: one allocated byte per call would be 2 MB. What remains (about 0.1–0.3 MB,
    // the same with no calls at all) is console.log and memoryUsage themselves, plus predictBatch's
    // two views per 256 KiB chunk of plain-array rows (about 120 small objects here).
    expect(after - before).toBeLessThan(512 * 1024);
  });
});
