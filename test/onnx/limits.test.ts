// pack against the format's limits and the maxBytes budget (issue 19 item 5): tiny hostile
// files are refused with a typed error naming the tensor, before anything of the declared
// size is allocated. The fields are checked in process; the same files are then packed in a
// child whose address space is capped a little above what a tiny pack needs, so that an
// allocation of the declared size would crash it (a RangeError, not the typed error).
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EdgeInferError, inspect, ModelSpecError, OnnxDecodeError, SizeLimitError } from "../../src/index.js";
import { MAX_EXPANDED_WEIGHTS } from "../../src/onnx/ops/dense.js";
import { packOnnx } from "../../src/pack.js";
import { onnxModel } from "../helpers/onnx-builder.js";
import { HOSTILE } from "./hostile.js";

function refusal(bytes: Uint8Array, options = {}): EdgeInferError {
  try {
    packOnnx(bytes, options);
  } catch (e) {
    if (e instanceof EdgeInferError) return e;
    throw e;
  }
  throw new Error("accepted");
}

const sizeRefusal = (bytes: Uint8Array, options = {}): SizeLimitError => {
  const e = refusal(bytes, options);
  expect(e).toBeInstanceOf(SizeLimitError);
  return e as SizeLimitError;
};

describe("the format's limits", () => {
  it("refuses the issue's 117-byte [N, 2^27] input at the input, naming it", () => {
    const bytes = HOSTILE.wideInput!();
    expect(bytes.length).toBeLessThanOrEqual(117);
    const e = sizeRefusal(bytes);
    expect(e).toMatchObject({ code: "E_TOO_LARGE", what: "inputs.x", size: 2 ** 27, limit: 2 ** 24, unit: "floats" });
    expect(e.message).toBe("inputs.x: 134217728 floats, more than the widest row the format holds (16777216)");
  });

  it("refuses a row past 2^28 floats, and dims whose product is past 2^53, as sizes", () => {
    expect(sizeRefusal(HOSTILE.rowPast2to28!())).toMatchObject({ what: "inputs.x", size: 2 ** 28 + 16 });
    expect(sizeRefusal(HOSTILE.unsafeDims!())).toMatchObject({ what: "inputs.x", size: 2 ** 90, limit: 2 ** 24 });
  });

  it("refuses a row that grows past 2^24 floats inside the graph, naming the node's tensor", () => {
    expect(sizeRefusal(HOSTILE.wideConcat!())).toMatchObject({
      what: 'tensor "y" (node "Concat_0", Concat)',
      size: 3 * 2 ** 23,
      limit: 2 ** 24,
    });
  });

  it("accepts the widest row (2^24 floats) and the image loads", () => {
    const image = packOnnx(
      onnxModel({
        nodes: [{ op: "Relu", inputs: ["x"], outputs: ["y"] }],
        input: { name: "x", dims: ["N", 2 ** 24] },
        outputs: ["y"],
      }),
    );
    expect(inspect(image).inputLength).toBe(2 ** 24);
  });

  it("refuses a block-diagonal MatMul past 2^22 weights, and four that pass it together", () => {
    expect(sizeRefusal(HOSTILE.blockDiagonalOne!())).toMatchObject({
      what: 'tensor "h0" (node "MatMul_0", MatMul): a block-diagonal dense of 8192×8192 (8192 blocks of 1×1)',
      size: 2 ** 26,
      limit: MAX_EXPANDED_WEIGHTS,
      unit: "weights",
    });
    // 2048 × 2048 = 2^22 each: the first fits exactly, the second takes the total past the bound.
    expect(sizeRefusal(HOSTILE.blockDiagonalFour!())).toMatchObject({
      what: 'tensor "h1" (node "MatMul_1", MatMul): a block-diagonal dense of 2048×2048 (2048 blocks of 1×1)',
      size: 2 ** 23,
      limit: 2 ** 22,
    });
  });

  it("refuses an initializer whose dims promise more values than it holds, before allocating them", () => {
    const short = refusal(HOSTILE.hugeInitializerShortRaw!());
    expect(short).toBeInstanceOf(OnnxDecodeError);
    expect(short.message).toBe('ONNX byte 0: tensor "c": raw_data has 4 bytes for 1073741824 values of 4 bytes');
    const none = refusal(HOSTILE.hugeInitializerNoData!());
    expect(none).toBeInstanceOf(OnnxDecodeError);
    expect(none.message).toBe('ONNX byte 0: tensor "c": 0 values for shape [32768,32768] of 1073741824');
  });

  it("refuses negative dims, whose product would look like a small tensor", () => {
    const e = refusal(HOSTILE.negativeDims!());
    expect(e).toBeInstanceOf(OnnxDecodeError);
    expect(e.message).toBe('ONNX byte 0: tensor "c": dimension 0 is -2, not a size');
  });

  it("refuses constants given to pack whose data does not match their dims", () => {
    const g = onnxModel({
      nodes: [{ op: "Add", inputs: ["x", "c"], outputs: ["y"] }],
      input: { name: "x", dims: ["N", 4] },
      extraInputs: [{ name: "c", dims: [4] }],
      outputs: ["y"],
    });
    const e = refusal(g, { constants: { c: { dims: [2 ** 30], data: [1] } } });
    expect(e).toBeInstanceOf(ModelSpecError);
    expect(e).toMatchObject({ path: "constants.c" });
  });
});

describe("maxBytes", () => {
  const linear = (k: number, m: number) =>
    onnxModel({
      nodes: [{ op: "MatMul", inputs: ["x", "W"], outputs: ["y"] }],
      input: { name: "x", dims: ["N", k] },
      outputs: ["y"],
      initializers: { W: { dims: [k, m], data: Array.from({ length: k * m }, (_, i) => i % 7) } },
    });

  it("refuses a weight tensor past the budget when it is read", () => {
    expect(sizeRefusal(linear(100, 10), { maxBytes: 3999 })).toMatchObject({
      what: 'tensor "W"',
      size: 4000,
      limit: 3999,
      unit: "bytes",
      limitName: "maxBytes",
    });
  });

  it("refuses a row whose arena rows pass the budget at the input", () => {
    expect(sizeRefusal(linear(100, 1), { maxBytes: 1000, batchRows: 4 })).toMatchObject({
      what: "inputs.x",
      size: 4 * 100 * 4,
      limit: 1000,
    });
  });

  it("refuses parameters past the budget before the node allocates them, naming the node's tensor", () => {
    const g = onnxModel({
      nodes: [{ op: "Add", inputs: ["x", "c"], outputs: ["y"] }],
      input: { name: "x", dims: ["N", 1000] },
      outputs: ["y"],
      initializers: { c: { dims: [1], data: [1] } },
    });
    expect(sizeRefusal(g, { maxBytes: 7999 })).toMatchObject({
      what: 'tensor "y" (node "Add_0", Add): an element-wise scale and shift',
      size: 8000,
      limit: 7999,
    });
  });

  it("caps the image and its arena together, exactly: the budget that fits passes, one byte less is refused", () => {
    const bytes = linear(8, 3);
    const info = inspect(packOnnx(bytes));
    const need = info.imageBytes + info.arenaBytes;
    expect(inspect(packOnnx(bytes, { maxBytes: need })).imageBytes).toBe(info.imageBytes);
    expect(sizeRefusal(bytes, { maxBytes: need - 1 })).toMatchObject({ what: "image", size: need, limit: need - 1 });
  });

  it("counts dense weights at a byte each when pack quantizes to int8", () => {
    const bytes = linear(128, 128);
    const int8 = { quantize: "int8", int8Layers: "all", batchRows: 1 } as const;
    const info = inspect(packOnnx(bytes, int8));
    const need = info.imageBytes + info.arenaBytes;
    expect(need).toBeLessThan(128 * 128 * 4); // less than the f32 weights alone
    expect(inspect(packOnnx(bytes, { ...int8, maxBytes: need })).quantization).toBe("int8");
    expect(sizeRefusal(bytes, { ...int8, maxBytes: need - 1 })).toMatchObject({ what: "image" });
  });

  it("is a positive number of bytes", () => {
    for (const maxBytes of [0, -1, Number.NaN, "64k"])
      expect(refusal(linear(2, 2), { maxBytes })).toMatchObject({ code: "E_MODEL", path: "maxBytes" });
  });
});

// The child packs with the dist bundle (built by `npm run build`, as the other child-process
// tests use it) and prints what it caught.
const packUrl = new URL("../../dist/pkg/pack.js", import.meta.url).href;
const CHILD = `
const [mode, arg] = process.argv.slice(1);
const { readFileSync } = await import("node:fs");
const { pack } = await import(${JSON.stringify(packUrl)});
const peak = () => Number(/VmPeak:\\s+(\\d+)/.exec(readFileSync("/proc/self/status", "utf8"))[1]) * 1024;
let result;
try {
  if (mode === "alloc") new Float64Array(Number(arg)).fill(1);
  else pack(new Uint8Array(readFileSync(arg)));
  result = { ok: true };
} catch (e) {
  result = { name: e.constructor.name, code: e.code, what: e.what, message: e.message };
}
console.log(JSON.stringify({ ...result, peakBytes: peak() }));
`;

function child(limitKiB: number | undefined, ...args: string[]) {
  const node = [process.execPath, "--max-old-space-size=64", "--input-type=module", "-e", CHILD, ...args];
  const cmd = limitKiB === undefined ? node : ["prlimit", `--as=${limitKiB * 1024}`, ...node];
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: "utf8", timeout: 60_000 });
  const last = r.stdout.trim().split("\n").pop() ?? "";
  return { status: r.status, stderr: r.stderr, out: last.startsWith("{") ? JSON.parse(last) : undefined };
}

// prlimit (util-linux) caps the child's address space; /proc gives its peak.
const canCap = process.platform === "linux" && spawnSync("prlimit", ["--version"]).status === 0;

describe.skipIf(!canCap)("hostile files under a memory cap", () => {
  const dir = mkdtempSync(join(tmpdir(), "edgeinfer-limits-"));
  const tiny = join(dir, "tiny.onnx");
  writeFileSync(tiny, onnxModel({ nodes: [{ op: "Relu", inputs: ["x"], outputs: ["y"] }], outputs: ["y"] }));
  // What a tiny pack takes, plus 256 MiB: room for the work, none for a declared size.
  const probe = child(undefined, "pack", tiny);
  const capKiB = Math.ceil(probe.out.peakBytes / 1024) + 256 * 1024;

  it("the cap bites: a 512 MiB allocation under it fails, a tiny pack passes", () => {
    expect(probe.out).toMatchObject({ ok: true });
    expect(child(capKiB, "pack", tiny).out).toMatchObject({ ok: true });
    expect(child(capKiB, "alloc", String(2 ** 26)).out).toMatchObject({ name: "RangeError" });
  });

  it.each(Object.keys(HOSTILE))("%s is refused with a typed error under the cap", (name) => {
    const file = join(dir, `${name}.onnx`);
    writeFileSync(file, HOSTILE[name]!());
    const r = child(capKiB, "pack", file);
    expect(r.stderr).toBe("");
    expect(["SizeLimitError", "OnnxDecodeError"]).toContain(r.out.name);
  });
});
