// Packing off the main thread: the worker's image is byte for byte the one pack() makes on this
// thread, and a refused file's typed error comes back as the same class, code, message and fields.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { OnnxDecodeError } from "../../src/errors.js";
import { pack } from "../../src/pack.js";
import { Packer, packInThread, rebuildError } from "../../src/serve/packer.js";
import { modelFolder, ONNX } from "../helpers/serve.js";

const LR = join(ONNX, "skl_lr_iris_string_labels.onnx");
let packer: Packer | undefined;
afterEach(async () => {
  await packer?.close();
  packer = undefined;
});

const thrown = (f: () => unknown): Error => {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("did not throw");
};

describe("Packer", () => {
  it("packs an .onnx file in the worker into the image pack() makes here", async () => {
    const reasons: string[] = [];
    packer = new Packer(true, (r) => reasons.push(r));
    const got = await packer.packFile(LR);
    expect(got.packedIn).toBe("worker");
    expect("image" in got && Buffer.from(got.image).equals(Buffer.from(pack(new Uint8Array(readFileSync(LR)))))).toBe(
      true,
    );
    expect(reasons).toEqual([]);
  });

  it("a corrupt file's error crosses the thread as its class, code and message", async () => {
    const dir = modelFolder({ "bad.onnx": new Uint8Array([0x08, 0x07, 0xff, 0xff, 0x0f]) });
    const here = thrown(() => pack(new Uint8Array(readFileSync(join(dir, "bad.onnx")))));
    packer = new Packer();
    const got = await packer.packFile(join(dir, "bad.onnx"));
    expect(got.packedIn).toBe("worker");
    const err = "error" in got ? got.error : undefined;
    expect(err).toBeInstanceOf(OnnxDecodeError);
    expect({ ...err, name: err?.name, message: err?.message }).toEqual({
      ...here,
      name: here.name,
      message: here.message,
    });
    const missing = await packer.packFile(join(dir, "gone.onnx"));
    expect("error" in missing && (missing.error as NodeJS.ErrnoException).code).toBe("ENOENT");
  });

  it("an idle worker ends, and the next file starts another", async () => {
    const reasons: string[] = [];
    packer = new Packer(true, (r) => reasons.push(r), 1);
    expect((await packer.packFile(LR)).packedIn).toBe("worker");
    while (packer.running) await new Promise((r) => setTimeout(r, 5));
    expect((await packer.packFile(LR)).packedIn).toBe("worker");
    expect(reasons).toEqual([]);
  });

  it("packs in-thread when told to", async () => {
    packer = new Packer(false);
    expect((await packer.packFile(LR)).packedIn).toBe("thread");
    expect(packInThread(LR).packedIn).toBe("thread");
  });

  it("an error of a class unknown here keeps its name, message and fields", () => {
    const e = rebuildError({ name: "OddError", message: "odd", fields: { code: "E_ODD", at: 3 } });
    expect([e.name, e.message, (e as unknown as { code: string }).code, e instanceof Error]).toEqual([
      "OddError",
      "odd",
      "E_ODD",
      true,
    ]);
  });
});
