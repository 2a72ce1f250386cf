// The packed format at load: what a valid image says about itself, and every way a corrupt,
// truncated or inconsistent one is refused with the field and byte offset named.
import { describe, expect, it } from "vitest";
import {
  Act,
  HEADER_BYTES,
  Header,
  Opcode,
  QuantDecision,
  QuantMode,
  STEP_BYTES,
  STEP_FLAG_Q8_BF16_SCALES,
  STEP_FLAG_Q8_I16_INPUT,
  STEP_FLAG_Q8_NO_ROW_SUMS,
  STEP_FLAG_Q8_STATIC_INPUT,
  Step,
} from "../../src/format/abi.js";
import { crc32 } from "../../src/format/crc32.js";
import { readImage } from "../../src/format/read.js";
import { FormatError, InputTypeError, inspect, Model, VersionError } from "../../src/index.js";
import { PlanBuilder, type Value } from "../../src/plan/builder.js";
import { quantizeRows } from "../../src/plan/quantize.js";
import { everyOpModel, seedModel } from "../helpers/models.js";

/** Copy of an image with one u32 (or u8) changed and the checksum made right again. */
function patched(image: Uint8Array, at: number, value: number, width: 1 | 2 | 4 = 4, fixCrc = true): Uint8Array {
  const b = image.slice();
  const v = new DataView(b.buffer);
  if (width === 4) v.setUint32(at, value >>> 0, true);
  else if (width === 2) v.setUint16(at, value, true);
  else v.setUint8(at, value);
  if (fixCrc) v.setUint32(Header.crc32, crc32(b, 12), true);
  return b;
}

function formatError(image: Uint8Array): FormatError {
  try {
    inspect(image);
  } catch (e) {
    if (e instanceof FormatError) return e;
    throw e;
  }
  throw new Error("image was accepted");
}

describe("a valid image", () => {
  it("describes the seed model: sizes, names, labels, one fused step", () => {
    const info = inspect(seedModel());
    expect(info).toMatchObject({
      formatVersion: "1.1",
      abiVersion: 1,
      kind: "logistic_regression",
      producer: "scikit-learn 1.2.1",
      inputLength: 2,
      featureNames: ["x1", "x2"],
      outputLength: 2,
      quantization: "none",
      parameterCount: 6,
      outputs: [{ name: "probabilities", offset: 0, length: 2, labels: [0, 1] }],
    });
    expect(info.steps).toHaveLength(1);
    expect(info.steps[0]).toMatchObject({ opcode: Opcode.DenseNarrow, nIn: 2, nOut: 2 });
    expect(info.imageBytes).toBeLessThanOrEqual(256);
  });

  it("round-trips every opcode, string labels and several outputs", () => {
    const info = inspect(everyOpModel());
    expect(info.outputs.map((o) => [o.name, o.offset, o.length])).toEqual([
      ["probabilities", 0, 3],
      ["label", 3, 1],
      ["l2", 4, 5],
    ]);
    expect(info.outputs[0]!.labels).toEqual(["a", "b", "c"]);
    expect(info.steps.map((s) => s.opcode).sort()).toEqual([1, 2, 3, 4, 5, 6, 8]);
    expect(info.quantization).toBe("int8");
    expect(info.batchRows).toBe(4);
  });
});

describe("anything but an image's bytes", () => {
  it.each([
    ["null", null],
    ["an ArrayBuffer", new ArrayBuffer(80)],
    ["a number", 5],
  ])("%s is an InputTypeError", (_, bytes) => {
    expect(() => inspect(bytes as unknown as Uint8Array)).toThrow(InputTypeError);
  });
});

describe("refusals name the field and byte offset", () => {
  const image = everyOpModel();
  const info = inspect(image);
  const stepsAt = new DataView(image.buffer).getUint32(Header.stepsOffset, true);
  const step = (k: number, f: keyof typeof Step) => stepsAt + k * STEP_BYTES + Step[f];
  const denseQ8 = info.steps.findIndex((s) => s.opcode === Opcode.DenseQ8);
  const dense = info.steps.findIndex((s) => s.opcode === Opcode.Dense);
  const lastDense = info.steps.findIndex((s) => s.opcode === Opcode.DenseNarrow && s.nOut < s.nIn);
  const inPlaceDense = patched(
    patched(image, step(lastDense, "dst"), info.steps[lastDense]!.src, 4, false),
    step(lastDense, "dstStride"),
    info.steps[lastDense]!.srcStride,
  );

  it.each([
    ["empty file", new Uint8Array(0), "header", 0, /truncated/],
    ["short header", image.slice(0, 40), "header", 40, /truncated/],
    ["bad magic", patched(image, 0, 0x12345678, 4, false), "header.magic", 0, /not an edgeinfer model/],
    [
      "truncated body",
      image.slice(0, image.length - 5),
      "header.imageBytes",
      Header.imageBytes,
      /truncated: the image is \d+ bytes, only \d+/,
    ],
    ["trailing data", Uint8Array.from([...image, 0, 0]), "header.imageBytes", Header.imageBytes, /trailing data/],
    [
      "flipped weight bit",
      (() => {
        const b = image.slice();
        b[b.length - 3]! ^= 4;
        return b;
      })(),
      "header.crc32",
      Header.crc32,
      /checksum mismatch/,
    ],
    ["unknown flags", patched(image, Header.flags, 2), "header.flags", Header.flags, /unknown flag bits/],
    [
      "steps past the end",
      patched(image, Header.stepsOffset, image.length - 10),
      "header.stepsOffset",
      Header.stepsOffset,
      /outside the image body/,
    ],
    [
      "misaligned weights",
      patched(image, Header.weightsOffset, 161),
      "header.weightsOffset",
      Header.weightsOffset,
      /aligned/,
    ],
    [
      "arena too small for the input",
      patched(image, Header.arenaBytes, 16),
      "header.inputOffset",
      Header.inputOffset,
      /inside the 16-byte arena/,
    ],
    ["zero batch rows", patched(image, Header.batchRows, 0), "header.batchRows", Header.batchRows, /outside 1\.\.256/],
    ["output record", patched(image, HEADER_BYTES, 99), "outputs[0]", HEADER_BYTES, /outside the output row/],
    [
      "unknown opcode",
      patched(image, step(0, "opcode"), 99, 1),
      "steps[0].opcode",
      step(0, "opcode"),
      /unknown opcode 99/,
    ],
    [
      "unknown activation",
      patched(image, step(dense, "act"), 42, 1),
      `steps[${dense}].act`,
      step(dense, "act"),
      /unknown activation 42/,
    ],
    [
      "weights outside the weights section",
      patched(image, step(dense, "w"), 0),
      `steps[${dense}].w`,
      step(dense, "w"),
      /inside the weights/,
    ],
    [
      "weights past the end",
      patched(image, step(dense, "w"), image.length - 16),
      `steps[${dense}].w`,
      step(dense, "w"),
      /inside the weights/,
    ],
    [
      "huge nIn",
      patched(image, step(dense, "nIn"), 0xffffffff),
      `steps[${dense}].nIn`,
      step(dense, "nIn"),
      /outside 1\.\.2\^24/,
    ],
    [
      "src past the arena",
      patched(image, step(dense, "src"), info.arenaBytes),
      `steps[${dense}].src`,
      step(dense, "src"),
      /inside the \d+-byte arena/,
    ],
    [
      "stride narrower than the row",
      patched(image, step(dense, "srcStride"), 1),
      `steps[${dense}].srcStride`,
      step(dense, "srcStride"),
      /less than the row width/,
    ],
    [
      "dense writing over its own input",
      inPlaceDense,
      `steps[${lastDense}].dst`,
      step(lastDense, "dst"),
      /output rows overlap the input rows/,
    ],
    [
      "int8 scratch outside the arena",
      patched(image, step(denseQ8, "scratch"), info.arenaBytes),
      `steps[${denseQ8}].scratch`,
      step(denseQ8, "scratch"),
      /arena/,
    ],
    // runBatch reads a batch's rows where they lie, in place of the input rows: nothing may write
    // those, and a step may read them only whole (the image's input offset and stride).
    [
      "a step writing the input rows",
      patched(image, step(dense, "dst"), info.inputOffset),
      `steps[${dense}].dst`,
      step(dense, "dst"),
      /write into the input rows/,
    ],
    [
      "the input rows read at another stride",
      patched(image, step(0, "srcStride"), info.inputLength + 1),
      "steps[0].src",
      step(0, "src"),
      /reach into the input rows/,
    ],
    [
      "int8 scratch over the input rows",
      patched(image, step(denseQ8, "scratch"), info.inputOffset),
      `steps[${denseQ8}].scratch`,
      step(denseQ8, "scratch"),
      /writes into the input rows/,
    ],
    [
      "metadata string past its end",
      patched(image, Header.metaBytes, 3),
      "meta.producer",
      new DataView(image.buffer, image.byteOffset).getUint32(Header.metaOffset, true), // its length prefix
      /past the end of the metadata/,
    ],
  ])("%s", (_, bytes, field, offset, message) => {
    const e = formatError(bytes as Uint8Array);
    expect(e.field).toBe(field);
    expect(e.byteOffset).toBe(offset);
    expect(e.message).toMatch(message as RegExp);
    expect(e.message).toContain(`(${field})`);
    expect(e.code).toBe("E_FORMAT");
  });

  it("a newer major format or kernel ABI is a VersionError", () => {
    expect(() => inspect(patched(image, Header.formatMajor, 2, 2, false))).toThrow(VersionError);
    expect(() => inspect(patched(image, Header.abiVersion, 99))).toThrow(/needs abi version 99/);
  });
});

describe("metadata strings", () => {
  // ASCII names up to 64 bytes skip the UTF-8 decoder; the rest go through it, and bytes that are
  // not UTF-8 are refused with the string's field named.
  const names = ["x", "température", "湿度 (%)", "a".repeat(64), "b".repeat(65), "é".repeat(40), ""];
  const model = () => {
    const b = new PlanBuilder(names.length, { producer: "prod ✓", kind: "test", featureNames: names });
    b.output("y", b.act(b.input, Act.Relu), names);
    return b.build();
  };

  it("read back as written, ASCII or not, short or long", () => {
    const info = inspect(model());
    expect(info.featureNames).toEqual(names);
    expect(info.outputs[0]!.labels).toEqual(names);
    expect(info.producer).toBe("prod ✓");
  });

  it("a name that is not UTF-8 is a FormatError naming it", () => {
    const image = model();
    const at = image.findIndex((_, i) => image[i] === 0x78 && image[i - 1] === 1); // "x": length 1, then the byte
    const bad = patched(image, at, 0xff, 1);
    const e = formatError(bad);
    expect(e.field).toBe("meta.featureNames[0]");
    expect(e.message).toMatch(/not valid UTF-8/);
  });
});

describe("ten thousand random corruptions never crash the process", () => {
  // Each corrupted image either loads and predicts safely or throws a typed EdgeInferError.
  // Half keep a correct checksum, so the structural checks behind the CRC are exercised too.
  const image = everyOpModel();
  const row = [0.1, -0.2, 0.3, 0.4, -0.5, 0.6];
  it("bit flips, byte stores, u32 stores and truncations, with and without a fixed checksum", () => {
    let s = 12345;
    const rnd = (n: number) => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s % n;
    };
    const counts = { loaded: 0, refused: 0 };
    for (let i = 0; i < 10000; i++) {
      let b = image.slice();
      const kind = rnd(4);
      if (kind === 0) b[rnd(b.length)]! ^= 1 << rnd(8);
      else if (kind === 1) b[rnd(b.length)] = rnd(256);
      else if (kind === 2) {
        const at = rnd(b.length - 4) & ~3;
        new DataView(b.buffer).setUint32(at, [0, 1, 0xffffffff, 0x7fffffff, rnd(4096), rnd(1 << 20)][rnd(6)]!, true);
      } else b = b.slice(0, rnd(b.length));
      if (i % 2 === 0 && b.length >= HEADER_BYTES) new DataView(b.buffer).setUint32(Header.crc32, crc32(b, 12), true);
      try {
        const m = Model.load(b);
        const y = m.predict(row);
        expect(y.length).toBe(m.info.outputLength);
        m.predictBatch(Float32Array.from([...row, ...row, ...row, ...row, ...row]), 5);
        counts.loaded++;
      } catch (e) {
        expect((e as { code?: string }).code, String(e)).toMatch(/^E_(FORMAT|VERSION|INPUT)$/);
        counts.refused++;
      }
    }
    expect(counts.loaded + counts.refused).toBe(10000);
    expect(counts.refused).toBeGreaterThan(5000);
  });
});

describe("ABI 2: step flags, static int8 inputs, QUANTIZE and the quantization report", () => {
  const g = new PlanBuilder(4, { producer: "test", kind: "mlp" });
  const q = quantizeRows(
    Float32Array.from({ length: 12 }, (_, i) => i / 7 - 0.8),
    3,
    4,
  );
  const h = g.denseQ8(g.input, q.values, q.scales, Float32Array.of(0.1, 0.2, 0.3), Act.Relu, {}, "dense", {
    scale: 0.02,
    zeroPoint: 7,
  });
  g.output(
    "y",
    g.quantize(h, QuantMode.Divide, {
      scale: Float32Array.of(0.5, 0.5, 0.5),
      zeroPoint: Float32Array.of(0, 0, 0),
      lo: -128,
      hi: 127,
    }),
  );
  const image = g.build();
  const info = inspect(image);
  const stepsAt = new DataView(image.buffer).getUint32(Header.stepsOffset, true);
  const step = (k: number, f: keyof typeof Step) => stepsAt + k * STEP_BYTES + Step[f];
  const staticAt = info.steps[0]!.aux + 3 * 8;

  it("round-trips: ABI 2, the static flag, the QUANTIZE mode and bounds, the report", () => {
    expect(info.abiVersion).toBe(2);
    expect(info.steps.map((s) => [s.opcode, s.flags, s.act])).toEqual([
      [Opcode.DenseQ8, STEP_FLAG_Q8_STATIC_INPUT, Act.Relu],
      [Opcode.Quantize, 0, QuantMode.Divide],
    ]);
    expect([info.steps[1]!.alpha, info.steps[1]!.beta]).toEqual([-128, 127]);
    expect(info.quantReport).toMatchObject({ layers: [{ step: 0, decision: QuantDecision.Int8Calibrated }] });
    const m = Model.load(image, { simd: "off" });
    const x = [1, -0.5, 0.25, 2];
    const xq = x.map((v) => Math.max(0, Math.min(255, Math.round(Math.fround(v / Math.fround(0.02))) + 7)));
    const want = [0, 1, 2].map((o) => {
      let acc = 0;
      for (let i = 0; i < 4; i++) acc += (xq[i]! - 7) * q.values[o * 4 + i]!;
      const y = Math.max(
        0,
        Math.fround(
          Math.fround(acc) * Math.fround(Math.fround(0.02) * q.scales[o]!) + Math.fround([0.1, 0.2, 0.3][o]!),
        ),
      );
      return Math.max(-128, Math.min(127, Math.round(y / 0.5)));
    });
    expect(Array.from(m.predict(x))).toEqual(want);
  });

  it.each([
    [
      "flags on a dense step",
      patched(image, step(1, "flags"), 1, 2),
      "steps[1].flags",
      step(1, "flags"),
      /unknown flags/,
    ],
    [
      "an unknown flag on DENSE_Q8",
      patched(image, step(0, "flags"), 0x11, 2),
      "steps[0].flags",
      step(0, "flags"),
      /unknown flags 0x11/,
    ],
    [
      "an ABI 3 flag in an ABI 2 image",
      patched(image, step(0, "flags"), STEP_FLAG_Q8_STATIC_INPUT | STEP_FLAG_Q8_BF16_SCALES, 2),
      "steps[0].flags",
      step(0, "flags"),
      /needs kernel ABI 3, but the header says 2/,
    ],
    [
      "an int16 row with a zero point",
      patched(image, step(0, "flags"), 3, 2),
      "steps[0].aux",
      step(0, "aux"),
      /int16 rows are symmetric/,
    ],
    ["a static input scale of 0", patched(image, staticAt, 0), "steps[0].aux", step(0, "aux"), /static input scale 0/],
    [
      "a static zero point past 255",
      patched(image, staticAt + 4, 256),
      "steps[0].aux",
      step(0, "aux"),
      /zero point 256/,
    ],
    [
      "an ABI 1 header with ABI 2 steps",
      patched(image, Header.abiVersion, 1),
      "steps[0].flags",
      step(0, "flags"),
      /needs kernel ABI 2/,
    ],
    [
      "an unknown quantization mode",
      patched(image, step(1, "act"), 9, 1),
      "steps[1].act",
      step(1, "act"),
      /unknown quantization mode 9/,
    ],
    [
      "non-integer saturation bounds",
      patched(image, step(1, "alpha"), 0x3f000000),
      "steps[1].alpha",
      step(1, "alpha"),
      /saturation bounds/,
    ],
  ])("%s", (_, bytes, field, offset, message) => {
    const e = formatError(bytes as Uint8Array);
    expect(e.field).toBe(field);
    expect(e.byteOffset).toBe(offset);
    expect(e.message).toMatch(message as RegExp);
  });

  it("a report decision that does not describe its step is refused", () => {
    const metaAt = new DataView(image.buffer).getUint32(Header.metaOffset, true),
      metaBytes = new DataView(image.buffer).getUint32(Header.metaBytes, true);
    // The report closes the metadata: tag 1, float bytes (varint), 1 decision, 0 calibration rows.
    const decisionAt = metaAt + metaBytes - 2;
    expect(image[decisionAt]).toBe(QuantDecision.Int8Calibrated);
    const e = formatError(patched(image, decisionAt, QuantDecision.F32SmallFinal, 1));
    expect(e.field).toBe("meta.quantReport.layers[0]");
    expect(e.message).toMatch(/does not describe step 0/);
  });
});

const stepAt = (image: Uint8Array, f: keyof typeof Step, k = 0) =>
  new DataView(image.buffer).getUint32(Header.stepsOffset, true) + k * STEP_BYTES + Step[f];

describe("int16 rows", () => {
  const g = new PlanBuilder(9, { producer: "test", kind: "mlp" });
  const q = quantizeRows(
    Float32Array.from({ length: 27 }, (_, i) => Math.sin(i)),
    3,
    9,
  );
  g.output(
    "y",
    g.denseQ8(g.input, q.values, q.scales, Float32Array.of(0, 0, 0), Act.None, {}, "dense", undefined, "pack", "i16"),
  );
  const image = g.build();
  const info = inspect(image);

  it("no row sums (the zero point is 0): ABI 3, aux holds only the 3 f32 scales", () => {
    expect(info.abiVersion).toBe(3);
    expect(info.steps[0]!.flags).toBe(STEP_FLAG_Q8_I16_INPUT | STEP_FLAG_Q8_NO_ROW_SUMS);
    expect(image.length - info.steps[0]!.aux).toBe(12); // aux is the last tensor
  });

  it("a −128 weight is refused at load (it could overflow the i32 sums)", () => {
    const e = formatError(patched(image, info.steps[0]!.w + 4, 0x80, 1));
    expect(e.field).toBe("steps[0].w");
    expect(e.message).toMatch(/−127\.\.127/);
  });

  it.each([
    [
      "no row sums on uint8 rows",
      (b: Uint8Array) => patched(b, stepAt(b, "flags"), STEP_FLAG_Q8_NO_ROW_SUMS, 2),
      "steps[0].flags",
      /uint8 rows need their row sums/,
    ],
    [
      "ABI 3 steps in an ABI 2 header",
      (b: Uint8Array) => patched(b, Header.abiVersion, 2),
      "steps[0].flags",
      /needs kernel ABI 3, but the header says 2/,
    ],
    [
      "row sums claimed where there are none (aux past the weights)",
      (b: Uint8Array) => patched(b, stepAt(b, "flags"), STEP_FLAG_Q8_I16_INPUT, 2),
      "steps[0].aux",
      /inside the weights/,
    ],
  ])("%s: refused", (_, corrupt, field, message) => {
    const e = formatError(corrupt(image));
    expect(e.field).toBe(field);
    expect(e.byteOffset).toBe(stepAt(image, field.split(".")[1] as keyof typeof Step));
    expect(e.message).toMatch(message);
  });

  it("the builder refuses them too", () => {
    const b = new PlanBuilder(2, { producer: "test", kind: "mlp" });
    expect(() =>
      b.denseQ8(
        b.input,
        Int8Array.of(-128, 1),
        Float32Array.of(1),
        Float32Array.of(0),
        Act.None,
        {},
        "d",
        undefined,
        "pack",
        "i16",
      ),
    ).toThrow(/−127\.\.127/);
  });
});

describe("bf16 scales (post-training quantization)", () => {
  const g = new PlanBuilder(9, { producer: "test", kind: "mlp" });
  const q = quantizeRows(
    Float32Array.from({ length: 27 }, (_, i) => Math.cos(i)),
    3,
    9,
    "bf16",
  );
  const x = [0.5, -1, 2, 0, 0.25, 1.5, -0.75, 3, -2];
  g.output(
    "y",
    g.denseQ8(
      g.input,
      q.values,
      q.scales,
      Float32Array.of(0.1, -0.2, 0.3),
      Act.None,
      {},
      "dense",
      { scale: 0.001, zeroPoint: 0 },
      "pack",
      "i16",
      "bf16",
    ),
  );
  const image = g.build();
  const info = inspect(image);
  const aux = info.steps[0]!.aux;

  it("aux: three bf16 scales in 6 bytes padded to 8, then the static scale and zero point; ABI 3; the outputs as computed by hand", () => {
    expect(info.abiVersion).toBe(3);
    expect(info.steps[0]!.flags).toBe(
      STEP_FLAG_Q8_I16_INPUT | STEP_FLAG_Q8_NO_ROW_SUMS | STEP_FLAG_Q8_BF16_SCALES | STEP_FLAG_Q8_STATIC_INPUT,
    );
    const v = new DataView(image.buffer);
    expect([0, 1, 2].map((o) => v.getUint16(aux + 2 * o, true) * 65536)).toEqual(
      Array.from(new Uint32Array(q.scales.buffer)),
    );
    expect([v.getFloat32(aux + 8, true), v.getInt32(aux + 12, true), image.length - aux]).toEqual([
      Math.fround(0.001),
      0,
      16,
    ]);
    const f = Math.fround,
      limit = Math.floor(2147483647 / (127 * 9));
    const xq = x.map((t) => Math.max(-limit, Math.min(limit, Math.round(f(t / f(0.001))))));
    const want = [0, 1, 2].map((o) => {
      let acc = 0;
      for (let i = 0; i < 9; i++) acc += xq[i]! * q.values[o * 9 + i]!;
      return f(f(f(acc) * f(f(0.001) * q.scales[o]!)) + f([0.1, -0.2, 0.3][o]!));
    });
    for (const simd of ["auto", "off"] as const)
      expect(Array.from(Model.load(image, { simd }).predict(x))).toEqual(want);
  });

  it.each([
    [
      "the static scale read where the bf16 layout puts it",
      (b: Uint8Array) => patched(b, aux + 8, 0),
      "steps[0].aux",
      /static input scale 0/,
    ],
    [
      "a static zero point on int16 rows, at its bf16-layout offset",
      (b: Uint8Array) => patched(b, aux + 12, 5),
      "steps[0].aux",
      /int16 rows are symmetric/,
    ],
    [
      "f32 scales claimed on a bf16 step (aux past the weights)",
      (b: Uint8Array) => patched(b, stepAt(b, "flags"), info.steps[0]!.flags & ~STEP_FLAG_Q8_BF16_SCALES, 2),
      "steps[0].aux",
      /inside the weights/,
    ],
  ])("%s: refused", (_, corrupt, field, message) => {
    const e = formatError(corrupt(image));
    expect(e.field).toBe(field);
    expect(e.byteOffset).toBe(stepAt(image, "aux"));
    expect(e.message).toMatch(message);
  });

  it("the builder refuses bf16 scales that are not bfloat16 values", () => {
    const b = new PlanBuilder(2, { producer: "test", kind: "mlp" });
    expect(() =>
      b.denseQ8(
        b.input,
        Int8Array.of(1, 1),
        Float32Array.of(0.1),
        Float32Array.of(0),
        Act.None,
        {},
        "d",
        undefined,
        "pack",
        "i16",
        "bf16",
      ),
    ).toThrow(/bfloat16/);
  });
});

describe("overflowing header fields: the field at fault is named (sums past 2^32 included)", () => {
  const image = everyOpModel();
  const info = inspect(image);
  const u32 = (f: keyof typeof Header) => new DataView(image.buffer).getUint32(Header[f], true);
  it.each([
    ["metadata longer than the image", "metaBytes", 0xfffffff0, "metaBytes", /cannot fit in \d+ bytes/],
    ["metadata offset past 2^32 − its length", "metaOffset", 0xffffff00, "metaOffset", /\[4294967040, 42949/],
    ["steps longer than the image", "nSteps", 0x10000000, "nSteps", /268435456 step records/],
    ["outputs longer than the image", "nOutputs", 0xffffffff, "nOutputs", /output records \(34359738360 bytes\)/],
    ["no outputs", "nOutputs", 0, "nOutputs", /at least one/],
    ["weights offset past the image", "weightsOffset", 0xfffffff0, "weightsOffset", /outside the image body/],
    ["weights offset inside the header", "weightsOffset", 64, "weightsOffset", /outside the image body/],
    ["weights bytes past 2^32", "weightsBytes", 0xfffffff0, "weightsBytes", /must end the image/],
    ["input rows wider than any arena", "nInput", 0x40000000, "nInput", /more than the largest arena/],
    ["output rows wider than any arena", "outputStride", 0x20000000, "outputStride", /more than the largest arena/],
    ["input offset past 2^32 − its rows", "inputOffset", 0xfffffff0, "inputOffset", /\[4294967280, 42949/],
  ])("%s", (_, f, value, field, message) => {
    const e = formatError(patched(image, Header[f as keyof typeof Header], value));
    expect(e.field).toBe(`header.${field}`);
    expect(e.byteOffset).toBe(Header[field as keyof typeof Header]);
    expect(e.message).toMatch(message as RegExp);
  });

  it("a step whose rows cannot fit at any offset names its stride; one that starts too late names the offset", () => {
    const stepsAt = u32("stepsOffset");
    const dense = info.steps.findIndex((s) => s.opcode === Opcode.Dense);
    const at = (f: keyof typeof Step) => stepsAt + dense * STEP_BYTES + Step[f];
    const stride = formatError(patched(image, at("dstStride"), 0xffffffff));
    expect([stride.field, stride.byteOffset]).toEqual([`steps[${dense}].dstStride`, at("dstStride")]);
    expect(stride.message).toMatch(/span 51539607\d+ bytes/);
    const late = formatError(patched(image, at("dst"), 0xfffffffc));
    expect([late.field, late.byteOffset]).toEqual([`steps[${dense}].dst`, at("dst")]);
    expect(late.message).toMatch(/rows \[4294967292, 42949\d+\)/);
  });
});

describe("nanSafe looks through the GATHERs that unpack the input", () => {
  const gatherAux = (idx: number[]) => new Uint8Array(Uint32Array.from(idx).buffer);
  const plan = (after: (g: PlanBuilder, picked: Value) => Value) => {
    const g = new PlanBuilder(3, { producer: "test", kind: "op" });
    const picked = g.op(g.input, { opcode: Opcode.Gather, aux: gatherAux([2, 0]), nOut: 2 });
    g.output("y", after(g, picked));
    return readImage(g.build());
  };
  const impute = (g: PlanBuilder, x: Value) =>
    g.op(x, { opcode: Opcode.Impute, w: Float32Array.of(1, 2), alpha: NaN, nOut: 2 });

  it("yes when every reader of the gathered row imputes NaN", () => {
    expect(plan(impute).nanSafe).toBe(true);
  });

  it("no when the gathered row is also read otherwise, or is itself an output", () => {
    expect(plan((g, x) => g.concat([impute(g, x), g.act(x, Act.Relu)])).nanSafe).toBe(false);
    expect(plan((_, x) => x).nanSafe).toBe(false);
  });
});
