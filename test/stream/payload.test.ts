// Message payloads: JSON arrays, objects by name, {"id", "features"}, binary float32, and the
// typed refusals of everything else.
import { describe, expect, it } from "vitest";
import { PayloadError, readPayload } from "../../src/stream/payload.js";

const names = ["a", "b"];
const json = (v: unknown) => Buffer.from(JSON.stringify(v));

describe("payloads", () => {
  it("read the accepted forms", () => {
    expect(Array.from(readPayload(json([1, 2]), names, "t", false).values)).toEqual([1, 2]);
    expect(Array.from(readPayload(json({ b: 2, a: 1, ts: 1.7e9 }), names, "t", false).values)).toEqual([1, 2]);
    const m = readPayload(json({ id: "x7", features: [3, 4], ts: 1.7e9 }), names, "t", false);
    expect([m.id, m.timeMs, Array.from(m.values)]).toEqual(["x7", 1.7e12, [3, 4]]);
    const bin = Buffer.alloc(8);
    bin.writeFloatLE(0.5, 0);
    bin.writeFloatLE(-2, 4);
    expect(Array.from(readPayload(bin, names, "t", true).values)).toEqual([0.5, -2]);
  });

  it.each([
    [json([1]), false, "length", "message on t: 1 features; the message must carry 2 (a, b)"],
    [json({ a: 1 }), false, "feature", 'message on t: no feature "b"'],
    [json([1, "x"]), false, "type", 'message on t: feature "b" is text "x"; expected a number'],
    [Buffer.from("{"), false, "json", "message on t: not JSON"],
    [Buffer.alloc(7), true, "length", "message on t: 7 bytes; 2 float32 features take 8"],
  ])("refuse %s", (payload, binary, reason, message) => {
    const e = (() => {
      try {
        readPayload(payload, names, "t", binary);
      } catch (x) {
        return x as PayloadError;
      }
    })();
    expect(e).toBeInstanceOf(PayloadError);
    expect(e!.reason).toBe(reason);
    expect(e!.message.startsWith(message)).toBe(true);
  });
});
