// Streaming window features against NumPy's (test/fixtures/stream/windows.json, made by
// make_windows.py): the last readings side by side and mean, std, min, max over readings and
// over seconds, per key; the key cap and its evictions; the config's refusals.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseWindowConfig, StreamWindows, WindowConfigError } from "../../src/stream/windows.js";
import { expectAllClose, TOL } from "../helpers/close.js";

const ref = JSON.parse(readFileSync(new URL("../fixtures/stream/windows.json", import.meta.url), "utf8")) as {
  config: unknown;
  names: string[];
  messages: Array<{ key: string; ts: number; temp: number; hum: number }>;
  expected: number[][];
};

describe("stream windows", () => {
  it("give NumPy's values for every message, key by key", () => {
    const w = new StreamWindows(parseWindowConfig(JSON.stringify(ref.config)), ["temp", "hum"]);
    expect(w.names).toEqual(ref.names);
    const out = new Float32Array(w.names.length);
    const got = ref.messages.flatMap((m) => {
      w.update(m.key, [m.temp, m.hum], m.ts, out, 0);
      return Array.from(out);
    });
    expectAllClose(got, ref.expected.flat(), TOL.frameworkValues);
    expect(w.nKeys).toBe(3);
    expect(w.evictions).toBe(0);
  });

  it("evict the least recently seen key at the cap, and count it", () => {
    const w = new StreamWindows(parseWindowConfig('{"maxKeys": 2, "windows": [{"feature": "x", "last": 2}]}'), ["x"]);
    const out = new Float32Array(2);
    const see = (k: string, x: number) => {
      w.update(k, [x], 0, out, 0);
      return Array.from(out);
    };
    see("a", 1);
    see("b", 2);
    expect(see("a", 3)).toEqual([3, 1]);
    see("c", 4); // b is the least recent
    expect(w.evictions).toBe(1);
    expect(see("b", 5)).toEqual([5, 5]); // b starts again; a goes
    expect(see("c", 6)).toEqual([6, 4]);
    expect(w.evictions).toBe(2);
  });

  it.each([
    [
      '{"windows": [{"feature": "x", "last": 0}]}',
      "windows config windows[0].last: 0: expected an integer from 1 to 16777216",
    ],
    [
      '{"windows": [{"feature": "x", "mean": 2, "max": 2}]}',
      "windows config windows[0]: needs exactly one of last, mean, std, min, max",
    ],
    ['{"key": "topic:0", "windows": []}', 'windows config key: "topic:0": expected "topic:<n>" or "field:<name>"'],
    ["{", "windows config: not JSON"],
  ])("refuse %s", (text, message) => {
    expect(() => parseWindowConfig(text)).toThrow(WindowConfigError);
    expect(() => parseWindowConfig(text)).toThrow(message);
  });

  it("refuse a window over a feature the message does not carry", () => {
    expect(() => new StreamWindows(parseWindowConfig('{"windows": [{"feature": "y", "max": 3}]}'), ["x"])).toThrow(
      'windows config feature "y": not one of the message\'s features (x)',
    );
  });
});
