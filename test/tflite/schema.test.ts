// The flatbuffer reader: the structure of a real file, and hostile bytes (truncated, corrupted,
// not TFLite) refused with a TfliteFormatError naming the field and byte, never a RangeError.
import { describe, expect, it } from "vitest";
import { EdgeInferError } from "../../src/errors.js";
import { packTflite } from "../../src/pack.js";
import { decodeTflite, isTflite, TensorType, TfliteFormatError } from "../../src/tflite/schema.js";
import { seeded } from "../helpers/rng.js";
import { tfliteFixture } from "./fixtures.js";

describe("decodeTflite", () => {
  const { bytes } = tfliteFixture("kws_ref_model.tflite");

  it("reads the keyword-spotting DS-CNN: tensors, quantization, operators and options", () => {
    const m = decodeTflite(bytes);
    expect(m.version).toBe(3);
    const sg = m.subgraphs[0]!;
    expect(sg.operators.map((o) => o.builtin)).toEqual([3, 4, 3, 4, 3, 4, 3, 4, 3, 1, 22, 9, 25]);
    const x = sg.tensors[sg.inputs[0]!]!;
    expect([x.name, x.shape, x.type, x.data]).toEqual(["input_1", [1, 49, 10, 1], TensorType.INT8, undefined]);
    expect(x.quant!.zeroPoint).toEqual([83]);
    const conv = sg.operators[0]!;
    const w = sg.tensors[conv.inputs[1]!]!;
    expect([w.shape, w.data!.length, w.quant!.scale.length, w.quant!.quantizedDimension]).toEqual([
      [64, 10, 4, 1],
      2560,
      64,
      0,
    ]);
    // Conv2DOptions: 0 padding (SAME 0, VALID 1), 1 stride_w, 2 stride_h, 3 fused activation (RELU 1).
    expect([conv.options.int8(0), conv.options.int32(1), conv.options.int32(2), conv.options.int8(3)]).toEqual([
      0, 2, 2, 1,
    ]);
    expect(sg.operators[1]!.options.int32(3)).toBe(1); // depth_multiplier
  });

  it("isTflite looks for the TFL3 identifier", () => {
    expect(isTflite(bytes)).toBe(true);
    expect(isTflite(bytes.subarray(0, 7))).toBe(false);
    expect(() => decodeTflite(new Uint8Array(16))).toThrow(/not "TFL3"/);
  });

  it("every truncation is a TfliteFormatError (or, past the flatbuffer, a file that still decodes)", () => {
    const end = decodeTflite(bytes);
    for (let n = 8; n < bytes.length; n += 97) {
      try {
        const m = decodeTflite(bytes.subarray(0, n));
        expect(m.subgraphs.length).toBe(end.subgraphs.length);
      } catch (e) {
        expect(e, `${n} bytes`).toBeInstanceOf(TfliteFormatError);
      }
    }
  });

  it("corrupted bytes are refused with edgeinfer's typed errors, never a crash", () => {
    const rand = seeded("tflite corruption").next;
    const f = tfliteFixture("ad01_int8.tflite").bytes;
    let refused = 0;
    for (let k = 0; k < 200; k++) {
      const b = f.slice();
      for (let j = 0; j < 4; j++) b[Math.floor(rand() * 4096)] = Math.floor(rand() * 256); // tables sit at the start
      try {
        packTflite(b);
      } catch (e) {
        expect(e).toBeInstanceOf(EdgeInferError);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(0);
  });
});
