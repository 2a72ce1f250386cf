import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Adwin, PageHinkley } from "../../src/drift/detectors.js";

// River's docstrings' streams, regenerated with Python's and NumPy's generators, and the change
// points River prints for them (test/fixtures/drift/make_drift_fixtures.py).
const streams = JSON.parse(readFileSync(new URL("../fixtures/drift/streams.json", import.meta.url), "utf8")) as Record<
  "page_hinkley" | "adwin",
  { stream: number[]; documented_changes: number[] }
>;

const changes = (d: { update(x: number): boolean }, xs: number[]) => xs.flatMap((x, i) => (d.update(x) ? [i] : []));

describe("change detectors, River's defaults", () => {
  it("Page-Hinkley detects the change at index 1006, as River's docs show", () => {
    const s = streams.page_hinkley;
    expect(changes(new PageHinkley(), s.stream)).toEqual(s.documented_changes);
  });

  it("ADWIN detects at 1023, 1055, 1087 and 1119, as River's docs show", () => {
    const s = streams.adwin;
    expect(changes(new Adwin(), s.stream)).toEqual(s.documented_changes);
  });

  it("no change on a stream without one; the window then holds every value", () => {
    const xs = streams.adwin.stream.slice(0, 1000);
    const a = new Adwin();
    expect(changes(a, xs)).toEqual([]);
    expect(a.width).toBe(1000);
    expect(a.estimation).toBeCloseTo(xs.reduce((s, x) => s + x, 0) / 1000, 12);
    expect(changes(new PageHinkley(), xs)).toEqual([]);
  });

  it("Page-Hinkley in mode up ignores a drop that mode down and both detect", () => {
    const xs = [...Array(200).fill(10), ...Array(200).fill(0)];
    expect(changes(new PageHinkley({ mode: "up" }), xs)).toEqual([]);
    expect(changes(new PageHinkley({ mode: "down" }), xs).length).toBeGreaterThan(0);
    expect(changes(new PageHinkley(), xs)[0]).toBe(changes(new PageHinkley({ mode: "down" }), xs)[0]);
  });
});
