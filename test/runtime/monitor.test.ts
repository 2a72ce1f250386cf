// The drift monitor inside predict: its counts after a stream of predictions (one row at a
// time and in batches, both builds) are NumPy's np.searchsorted counts of the same rows.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { binOf, buildProfile } from "../../src/drift/profile.js";
import { annotateImage } from "../../src/format/annotate.js";
import { HostError, Model, Runtime } from "../../src/index.js";
import { pack } from "../../src/pack.js";
import { f32AtLeast } from "../../src/runtime/monitor.js";
import { expected, FEATURES, fixturePath, readCsv } from "../drift/fixtures.js";

const ref = readCsv("reference.csv");
const shift = readCsv("current_shift.csv");
const plain = pack(readFileSync(fixturePath("lr4.json"), "utf8"));

function profiled(image: Uint8Array): Uint8Array {
  const m = Model.load(image);
  const outputs = m.predictBatch(Float32Array.from(ref.flat()), ref.length);
  const info = m.info;
  m.dispose();
  const profile = buildProfile({
    rows: Float64Array.from(ref.flat()),
    nRows: ref.length,
    inputLength: info.inputLength,
    featureNames: info.featureNames,
    outputs,
    outputLength: info.outputLength,
    outputInfo: info.outputs,
  });
  return annotateImage(image, { profile });
}
const image = profiled(plain);

/** Offline: each output channel's value binned against the profile's edges, in float64. */
function offlineOutputCounts(m: Model, rows: number[][]): number[][] {
  const y = Model.load(plain).predictBatch(Float32Array.from(rows.flat()), rows.length);
  return m.info.profile!.outputs.map((o, i) => {
    const counts = new Array<number>(o.counts.length).fill(0);
    for (let r = 0; r < rows.length; r++) counts[binOf(o.edges, y[r * 2 + i]!)]!++;
    return counts;
  });
}

describe.each(["auto", "off"] as const)("the monitor (simd %s)", (simd) => {
  it("counts one row at a time and in batches as NumPy counts the same rows", () => {
    const m = Model.load(image, { simd, monitor: { window: 1000 } });
    for (const r of shift.slice(0, 120)) m.predict(r);
    m.predictBatch(Float32Array.from(shift.slice(120).flat()), shift.length - 120);
    const c = m.monitor!.counts();
    expect(c.rows).toBe(300);
    expect(c.features.map((f) => f.counts)).toEqual(FEATURES.map((f) => expected.sets.shift[f]!.current_counts));
    expect(c.features.every((f) => f.missing === 0)).toBe(true);
    expect(c.outputs.map((o) => o.counts)).toEqual(offlineOutputCounts(m, shift));
    expect(c.outputs.map((o) => o.name)).toEqual(["probabilities[0]", "probabilities[1]"]);
  });

  it("run() and predictInto count too; a model without monitor has none", () => {
    const m = Model.load(image, { simd, monitor: { window: 10, subWindows: 1 } });
    m.input.set(shift[0]!);
    m.run();
    m.predictInto(shift[1]!, new Float32Array(2));
    expect(m.monitor!.counts().rows).toBe(2);
    expect(Model.load(image, { simd }).monitor).toBeUndefined();
  });

  it("the window is the last N rows, in sub-windows: older rows leave it", () => {
    const m = Model.load(image, { simd, monitor: { window: 100, subWindows: 10 } });
    m.predictBatch(Float32Array.from(shift.slice(0, 155).flat()), 155);
    const c = m.monitor!.counts();
    // 15 full sub-windows of 10 rows went by, the ring keeps the last 9 and the current 5 rows
    expect(c.rows).toBe(95);
    const kept = shift.slice(60, 155);
    const p = m.info.profile!;
    expect(c.features.map((f) => f.counts)).toEqual(
      p.features.map((f, j) => {
        const counts = new Array<number>(10).fill(0);
        for (const r of kept) counts[binOf(f.edges, r[j]!)]!++;
        return counts;
      }),
    );
    m.monitor!.reset();
    expect(m.monitor!.counts().rows).toBe(0);
  });

  it("NaN (with allowNaN) is counted as missing, not in a bin", () => {
    const m = Model.load(image, { simd, allowNaN: true, monitor: { window: 10 } });
    m.predict([Number.NaN, 1, 2, 3]);
    m.predictBatch(Float32Array.of(Number.NaN, 1, 2, 3), 1);
    const a = m.monitor!.counts().features[0]!;
    expect(a.missing).toBe(2);
    expect(a.counts.reduce((s, n) => s + n)).toBe(0);
  });
});

describe("monitor options and memory", () => {
  it("refuses a model without a profile and bad options, naming them", () => {
    expect(() => Model.load(plain, { monitor: {} })).toThrow(/needs a reference profile/);
    expect(() => Model.load(image, { monitor: { window: 105, subWindows: 10 } })).toThrow(HostError);
    expect(() => Model.load(image, { monitor: { window: 0 } })).toThrow(/monitor.window/);
    expect(() => Model.load(image, { monitor: { seconds: -1 } })).toThrow(/monitor.seconds/);
    expect(() => Model.load(image, { monitor: { seconds: 1, window: 10 } })).toThrow(/not both/);
  });

  it("a window in seconds rotates by a timer (rotate() by hand here) and stops at dispose", () => {
    const m = Model.load(image, { monitor: { seconds: 3600, subWindows: 2 } });
    expect(m.monitor!.window).toBeUndefined();
    m.predict(shift[0]!);
    m.monitor!.rotate();
    m.predict(shift[1]!);
    expect(m.monitor!.counts().rows).toBe(2);
    m.monitor!.rotate(); // the first row's sub-window is cleared
    expect(m.monitor!.counts().rows).toBe(1);
    m.dispose();
  });

  it("its block follows the arena and is given back at dispose; the profile costs nothing unless monitored", () => {
    const rt = new Runtime();
    const a = rt.load(image);
    const b = rt.load(image, { monitor: { window: 1000 } });
    expect(b.info.memoryBytes).toBeGreaterThan(a.info.memoryBytes);
    b.dispose();
    const c = rt.load(image, { monitor: { window: 1000 } });
    expect(rt.memoryReport().freeBytes).toBe(0);
    c.dispose();
    a.dispose();
  });

  it("float32 edges: the smallest float32 at or above each reference edge", () => {
    const below = (f: number) => {
      if (f === 0) return -(2 ** -149);
      const a = new Float32Array([f]),
        bits = new Int32Array(a.buffer);
      bits[0] = bits[0]! + (f > 0 ? -1 : 1);
      return a[0]!;
    };
    for (const e of [0.1, -0.1, 1e-46, -1e-46, 3, 0.30000000000000004, -2.5]) {
      const f = f32AtLeast(e);
      expect(Math.fround(f)).toBe(f);
      expect(f).toBeGreaterThanOrEqual(e);
      expect(below(f)).toBeLessThan(e);
    }
  });
});
