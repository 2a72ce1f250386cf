// Runtime.loadFile: the file read straight into wasm memory and validated there. The answers are
// scikit-learn's; a corrupt or truncated file is the same FormatError load() gives, and leaves
// nothing behind; the arena follows the image in place, or the image moves where it fits.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EdgeInferError, FormatError, HostError, Model, Runtime } from "../../src/index.js";
import { pack } from "../../src/pack.js";
import { WASM_CRC_MIN_BYTES } from "../../src/runtime/runtime.js";
import { expectAllClose, TOL } from "../helpers/close.js";
import { seedModel } from "../helpers/models.js";
import { seeded } from "../helpers/rng.js";

interface Fixture {
  model: unknown;
  rows: number[][];
  expected: { predict_proba: number[][] };
}
const digits = JSON.parse(
  readFileSync(new URL("../fixtures/json/mlp_digits.json", import.meta.url), "utf8"),
) as Fixture;
const dir = mkdtempSync(join(tmpdir(), "edgeinfer-load-file-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, bytes: Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};

/** A one-layer model of n × n weights: n² · 4 bytes, to land on either side of the checksum thresholds. */
function square(n: number, seed: string): Uint8Array {
  const rand = seeded(seed).next;
  return pack({
    kind: "mlp",
    layers: [
      {
        weights: Array.from({ length: n }, () => Array.from({ length: n }, () => rand() - 0.5)),
        bias: new Array(n).fill(0.1),
        activation: "relu",
      },
    ],
  });
}

describe("Runtime.loadFile", () => {
  it.each(["auto", "off"] as const)("predicts what scikit-learn does on the digits MLP (simd: %s)", (simd) => {
    const path = file(`digits-${simd}.eim`, pack(digits.model as never));
    const model = Model.loadFile(path, { simd });
    digits.rows.forEach((row, r) =>
      expectAllClose(model.predict(row), digits.expected.predict_proba[r]!, TOL.framework, `row ${r}`),
    );
    expect(Model.loadFile(new URL(`file://${path}`), { simd }).predict(digits.rows[0]!)).toEqual(
      model.predict(digits.rows[0]!),
    );
  });

  it("places the arena right after the image: one block, as load() makes it", () => {
    const bytes = pack(digits.model as never);
    const a = new Runtime(),
      b = new Runtime();
    const viaFile = a.loadFile(file("digits-place.eim", bytes)),
      viaBytes = b.load(bytes);
    expect(a.memoryReport()).toEqual(b.memoryReport());
    expect(viaFile.info).toEqual(viaBytes.info);
  });

  it("moves the image when the arena cannot follow it, and keeps every model's answers", () => {
    const rt = new Runtime();
    const first = rt.load(seedModel()),
      second = rt.load(seedModel());
    const want = Array.from(second.predict([0.5, -1]));
    first.dispose(); // a free block below `second`: the seed image fits in it, its arena does not after it
    const third = rt.loadFile(file("seed-move.eim", seedModel()));
    expect(Array.from(third.predict([0.5, -1]))).toEqual(want);
    expect(Array.from(second.predict([0.5, -1]))).toEqual(want);
    const mlp = rt.loadFile(file("digits-move.eim", pack(digits.model as never))); // grows memory: views re-made
    expectAllClose(mlp.predict(digits.rows[1]!), digits.expected.predict_proba[1]!, TOL.framework);
    expect(Array.from(third.predict([0.5, -1]))).toEqual(want);
    const report = rt.memoryReport();
    expect(report.usedBytes + report.freeBytes + report.heapBaseBytes).toBeLessThanOrEqual(report.memoryBytes);
  });

  it.each([
    ["JavaScript", 20], // below WASM_CRC_MIN_BYTES
    ["wasm, in place", 90], // the wasm kernel over the image where it lies
    ["wasm, in place, many calls", 300], // 360 KB: six 64 KiB calls
  ] as const)(
    "checks the checksum (%s): a flipped weight is a FormatError at header.crc32, and nothing stays loaded",
    (_, n) => {
      const bytes = square(n, `load file ${n}`);
      expect(bytes.length < WASM_CRC_MIN_BYTES).toBe(n === 20);
      const rt = new Runtime();
      const row = Array.from({ length: n }, (_, i) => Math.cos(i));
      const good = rt.loadFile(file(`square-${n}.eim`, bytes));
      expect(Array.from(good.predict(row))).toEqual(Array.from(Model.load(bytes).predict(row)));
      const before = rt.memoryReport();
      const bad = bytes.slice();
      bad[bytes.length - 3]! ^= 0x04;
      expect(() => rt.loadFile(file(`square-${n}-bad.eim`, bad))).toThrow(
        expect.objectContaining({ field: "header.crc32", byteOffset: 8 }),
      );
      expect(rt.models.size).toBe(1);
      const after = rt.memoryReport();
      expect(after.usedBytes).toBe(before.usedBytes);
      expect(rt.loadFile(file(`square-${n}-again.eim`, bytes)).predict(row)).toEqual(good.predict(row)); // the freed block serves again
    },
  );

  it("refuses a truncated or empty file with the field and offset, like load()", () => {
    const bytes = pack(digits.model as never);
    for (const cut of [0, 10, 200, bytes.length - 1]) {
      const part = bytes.subarray(0, cut);
      let viaBytes: unknown, viaFile: unknown;
      try {
        Model.load(part);
      } catch (e) {
        viaBytes = e;
      }
      try {
        Model.loadFile(file(`cut-${cut}.eim`, part));
      } catch (e) {
        viaFile = e;
      }
      expect(viaFile).toBeInstanceOf(FormatError);
      expect(viaFile).toEqual(viaBytes);
    }
  });

  it("a missing file is the host's ENOENT, and the runtime is unchanged", () => {
    const rt = new Runtime();
    const before = rt.memoryReport();
    expect(() => rt.loadFile(join(dir, "no-such.eim"))).toThrow(expect.objectContaining({ code: "ENOENT" }));
    expect(rt.memoryReport()).toEqual(before);
  });

  it("is a HostError on a host without node:fs", () => {
    const proc = globalThis.process as { getBuiltinModule?: unknown };
    const saved = proc.getBuiltinModule;
    proc.getBuiltinModule = undefined;
    try {
      expect(() => new Runtime().loadFile(join(dir, "x.eim"))).toThrow(HostError);
    } finally {
      proc.getBuiltinModule = saved;
    }
  });

  it("checks the header against the file's size before reading the body", () => {
    const rt = new Runtime();
    rt.load(seedModel());
    const before = rt.memoryReport();
    // A 256-byte image at the start of a 64 MiB sparse file: refused before the body is read.
    const path = file("trailing-huge.eim", seedModel());
    truncateSync(path, 64 * 1024 * 1024);
    expect(() => rt.loadFile(path)).toThrow(
      expect.objectContaining({ field: "header.imageBytes", detail: expect.stringMatching(/trailing data/) }),
    );
    expect(rt.memoryReport()).toEqual(before); // not even memory grew
  });

  it("header refusals are the errors load() gives for the same bytes", () => {
    const seed = seedModel();
    const withTail = new Uint8Array(seed.length + 100);
    withTail.set(seed);
    const badMagic = seed.slice();
    badMagic[0] = 0x42;
    const newerMajor = seed.slice();
    newerMajor[4] = 9;
    for (const [name, bytes] of [
      ["trailing", withTail],
      ["magic", badMagic],
      ["major", newerMajor],
      ["truncated body", seed.subarray(0, 200)],
    ] as const) {
      let viaBytes: unknown, viaFile: unknown;
      try {
        Model.load(bytes);
      } catch (e) {
        viaBytes = e;
      }
      try {
        Model.loadFile(file(`header-${name}.eim`, bytes));
      } catch (e) {
        viaFile = e;
      }
      expect(viaBytes, name).toBeDefined();
      expect(viaFile, name).toEqual(viaBytes);
      expect(viaFile, name).toBeInstanceOf((viaBytes as object).constructor);
    }
  });

  it("a failed loadFile leaves what is used and free as it was", () => {
    const rt = new Runtime();
    rt.load(seedModel());
    const corrupt = pack(digits.model as never);
    corrupt[corrupt.length - 5]! ^= 0x10;
    for (const [what, path] of [
      ["corrupt body", file("failed-corrupt.eim", corrupt)],
      ["truncated", file("failed-cut.eim", corrupt.subarray(0, 300))],
      ["a directory", dir],
    ] as const) {
      const before = rt.memoryReport();
      expect(() => rt.loadFile(path), what).toThrow(EdgeInferError);
      expect(rt.memoryReport(), what).toEqual(before);
    }
    expect(() => rt.loadFile(dir)).toThrow(HostError);
  });

  it.skipIf(process.platform === "win32")("reads a FIFO to its end and loads what came through it", () => {
    const fifo = join(dir, "model.fifo");
    execFileSync("mkfifo", [fifo]);
    const source = file("fifo-source.eim", pack(digits.model as never));
    // The writer is another process: opening a FIFO blocks until both ends are open.
    const writer = spawn("sh", ["-c", 'cat "$0" > "$1"', source, fifo], { stdio: "ignore" });
    try {
      const model = new Runtime().loadFile(fifo);
      expectAllClose(model.predict(digits.rows[0]!), digits.expected.predict_proba[0]!, TOL.framework);
    } finally {
      writer.kill();
    }
  });
});
