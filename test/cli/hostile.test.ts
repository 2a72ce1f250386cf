// The CLI on hostile model inputs: an endless device or stream is read only as far as a model
// can need (a packed image's header says its size; bytes no model can start with need none
// more), and every failure is one `error[CODE]: …` line with exit status 2.
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { modelLengthOf } from "../../src/cli/model-input.js";
import { cli } from "../helpers/cli.js";
import { seedModel } from "../helpers/models.js";

describe("a model read from a device or stdin", () => {
  it.skipIf(!existsSync("/dev/zero"))("/dev/zero (it never ends) is refused at once, for every command", async () => {
    for (const args of [["inspect"], ["predict", "/dev/zero", "-"], ["pack", "/dev/zero", "-o", "/dev/null"]]) {
      const r = await cli(args.length === 1 ? [...args, "/dev/zero"] : args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err).toMatch(/^error\[E_ONNX\]: [^\n]*\n$/);
    }
  });

  it("stdin holding an image and more is read to the image's size and one byte, and refused as trailing data", async () => {
    const image = seedModel();
    const r = await cli(["inspect", "-"], new Uint8Array([...image, ...new Uint8Array(100_000)]));
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `error[E_FORMAT]: image byte 0x000C (header.imageBytes): the image is ${image.length} bytes but ${image.length + 1} were given (trailing data)\n`,
    );
    expect((await cli(["inspect", "-"], image)).code).toBe(0);
  });

  it("modelLengthOf: a packed image's size and one byte, none more for bytes no model starts with, else the whole stream", () => {
    const image = seedModel();
    expect(modelLengthOf(image.subarray(0, 80))).toBe(image.length + 1);
    expect(modelLengthOf(new Uint8Array(80))).toBe(80); // field 0: not a protobuf
    expect(modelLengthOf(new Uint8Array(80).fill(0x0f))).toBe(80); // wire type 7
    expect(modelLengthOf(new TextEncoder().encode(` {"kind": "mlp"${" ".repeat(70)}`))).toBeUndefined();
    expect(modelLengthOf(Uint8Array.of(0x08, 0x07, ...new Uint8Array(78)))).toBeUndefined(); // ir_version 7
  });
});
