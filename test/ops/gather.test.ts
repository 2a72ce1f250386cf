// GATHER: ABI 4, aux = one u32 index per output, each below nIn; not in place; no w or b.
import { describe, expect, it } from "vitest";
import { Opcode } from "../../src/format/abi.js";
import { readImage } from "../../src/format/read.js";
import { gather } from "../../src/ops/gather.js";
import { describeStep } from "../../src/ops/index.js";
import { expectRefused, NO_VIEW, oneStep, refusal, withField } from "./image.js";

const aux = (...idx: number[]) => new Uint8Array(Uint32Array.from(idx).buffer);
const image = (idx = [3, 0, 0]) => oneStep({ opcode: Opcode.Gather, nIn: 4, nOut: idx.length, aux: aux(...idx) });

describe("GATHER", () => {
  it("loads: ABI 4, not in place, no parameters; inspect says what it picks", () => {
    const info = readImage(image());
    const s = info.steps[0]!;
    expect([gather.minAbi(s), info.abiVersion, gather.inPlace(s), gather.parameterCount(s, NO_VIEW)]).toEqual([
      4,
      4,
      false,
      0,
    ]);
    expect(describeStep(s)).toBe("GATHER        4 → 3     3 of 4 columns");
  });

  it("refuses an index not below nIn, naming aux[j] and its byte offset", () => {
    const bytes = image([1, 4]);
    const e = refusal(bytes);
    expect(e.field).toBe("steps[0].aux[1]");
    expect(e.message).toMatch(/index 4 is not below nIn 4/);
    const at = readImage(image([1, 2])).steps[0]!.aux + 4;
    expect(e.byteOffset).toBe(at);
  });

  it.each([
    ["an act byte", withField(image(), "act", 1), "act", /must be 0 for GATHER/],
    ["a w tensor", withField(image(), "w", 16), "w", /must be zero/],
    ["indices past the end", withField(image(), "aux", image().length - 4), "aux", /inside the weights/],
    ["flags", withField(image(), "flags", 1), "flags", /unknown flags 0x1 for GATHER/],
  ])("refuses %s", (_, bytes, field, message) => expectRefused(bytes, field as "w", message));
});
