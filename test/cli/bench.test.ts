// edgeinfer bench: the footprint command (latency, throughput, memory of one model, here).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli } from "../helpers/cli.js";

const root = new URL("../../", import.meta.url).pathname;
const seed = join(root, "examples/logistic-regression/model.json");

describe("edgeinfer bench", () => {
  it("--json reports latency, throughput and memory of the model", async () => {
    const r = await cli(["bench", seed, "--json", "--time", "20", "--rows", "100"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.model).toMatchObject({ kind: "logistic_regression", inputs: 2, outputs: 2 });
    expect(j.latency.medianNs).toBeGreaterThan(0);
    expect(j.latency.p99Ns).toBeGreaterThanOrEqual(j.latency.medianNs);
    expect(j.throughput).toMatchObject({ rows: 100 });
    expect(j.throughput.rowsPerSec).toBeGreaterThan(0);
    expect(j.memory.imageBytes).toBeLessThanOrEqual(256);
    expect(j.memory.modelBytes).toBeGreaterThanOrEqual(j.memory.imageBytes + j.memory.arenaBytes);
    expect(j.memory.pages).toBe(j.memory.linearMemoryBytes / 65536);
    expect(j.memory.rss).toBeGreaterThan(0);
  });

  it("prints a text summary, runs the scalar build on request, and refuses bad options", async () => {
    const r = await cli(["bench", seed, "--time", "10", "--simd", "off"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/scalar build/);
    expect(r.out).toMatch(/one row: +median .+, p99 /);
    expect(r.out).toMatch(/batch: +.+ rows\/s \(1000 rows per call/);
    expect(r.out).toMatch(/pages of 64 KiB/);
    expect((await cli(["bench", seed, "--rows", "0"])).code).toBe(1);
    expect((await cli(["bench"])).code).toBe(1);
    expect((await cli(["--help"])).out).toContain("edgeinfer bench <model>");
  });
});
