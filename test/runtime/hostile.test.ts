// Hostile arguments to Runtime and Model: every one is refused with a typed error or answered
// right, and no model's memory (or the module's own data) is written by another's call.
import { describe, expect, it } from "vitest";
import { Act } from "../../src/format/abi.js";
import { HostError, InputLengthError, InputTypeError, Model, Runtime } from "../../src/index.js";
import { PlanBuilder } from "../../src/plan/builder.js";
import { everyOpModel, seedModel } from "../helpers/models.js";

/** Rows of n features, deterministic. */
const rowsOf = (n: number, nRows: number) => Float32Array.from({ length: n * nRows }, (_, i) => ((i * 7) % 13) / 6 - 1);

describe("predictInto's output array", () => {
  const rt = new Runtime();
  const other = rt.load(everyOpModel());
  const model = rt.load(seedModel());
  const row = [0.25, -1];
  const want = Array.from(Model.load(seedModel()).predict(row));

  it.each([
    ["a plain array", () => [0, 0]],
    ["a Float64Array", () => new Float64Array(2)],
    ["an Int32Array (would truncate)", () => new Int32Array(2)],
    ["a BigInt64Array", () => new BigInt64Array(2)],
    ["a DataView", () => new DataView(new ArrayBuffer(8))],
    ["null", () => null],
  ])("%s is refused with InputTypeError", (_, make) => {
    expect(() => model.predictInto(row, make() as unknown as Float32Array)).toThrow(InputTypeError);
  });

  it("a view into another model's memory or the module's data is refused, and nothing is written", () => {
    const before = new Uint8Array(rt.memory.buffer).slice();
    const otherInput = new Float32Array(rt.memory.buffer, other.input.byteOffset, 2);
    const moduleData = new Float32Array(rt.memory.buffer, 0, 2);
    expect(() => model.predictInto(row, otherInput)).toThrow("outside this model's arena");
    expect(() => model.predictInto(row, moduleData)).toThrow("outside this model's arena");
    expect(new Uint8Array(rt.memory.buffer).every((b, i) => b === before[i])).toBe(true);
  });

  it("a Float32Array of its own, or this model's output view, gets the answer", () => {
    expect(Array.from(model.predictInto(row, new Float32Array(3))).slice(0, 2)).toEqual(want);
    expect(Array.from(model.predictInto(row, model.output))).toEqual(want);
  });

  it("a too short array is an InputLengthError; after dispose a HostError", () => {
    expect(() => model.predictInto(row, new Float32Array(1))).toThrow(InputLengthError);
    const m = rt.load(seedModel());
    m.dispose();
    expect(() => m.predictInto(row, new Float32Array(2))).toThrow(HostError);
  });
});

describe("predictBatch with rows and outputs that overlap", () => {
  const image = everyOpModel(40);
  const nIn = 40;
  const reference = Model.load(image);
  const nOut = reference.info.outputLength;
  const nRows = reference.info.batchRows * 3 + 1; // several blocks
  const rows = rowsOf(nIn, nRows);
  const want = Array.from(reference.predictBatch(rows, nRows));

  it("an output array over the rows themselves (one buffer), past the staging area's chunk, gets the answer", () => {
    // One feature, nine outputs: the outputs of the first chunk would overwrite the rows of the next.
    const narrow = Model.load(everyOpModel(1));
    const n = 8000;
    const x = rowsOf(1, n);
    const expected = Array.from(narrow.predictBatch(x, n));
    for (const outFromRows of [0, 1, -9]) {
      const buffer = new Float32Array(16 + 9 * n + 16);
      buffer.set(x, 16);
      const out = buffer.subarray(16 + outFromRows, 16 + outFromRows + 9 * n);
      const got = narrow.predictBatch(buffer.subarray(16, 16 + n), n, out);
      expect(
        Array.from(got).every((v, i) => v === expected[i]),
        `output ${outFromRows} floats from the rows`,
      ).toBe(true);
    }
  });

  it("rows in the runtime's memory (another model's arena) with the output in this model's arena", () => {
    const rt = new Runtime();
    const big = rt.load(everyOpModel(nIn * nRows)); // its input view holds all the rows
    const m = rt.load(image);
    const inMemory = new Float32Array(rt.memory.buffer, big.input.byteOffset, nRows * nIn);
    inMemory.set(rows);
    // Every position of this model's arena that can hold the outputs, the intermediate
    // buffers among them (the blocks after the first would overwrite them).
    const arenaAt = m.input.byteOffset - m.info.inputOffset;
    for (let at = 0; at + nRows * nOut * 4 <= m.info.arenaBytes; at += 16) {
      const out = new Float32Array(rt.memory.buffer, arenaAt + at, nRows * nOut);
      expect(Array.from(m.predictBatch(inMemory, nRows, out)), `output at arena byte ${at}`).toEqual(want);
      inMemory.set(rows);
    }
  });

  it("rows in this model's arena outside its input rows are read before any block writes there", () => {
    const rt = new Runtime();
    const m = rt.load(image);
    const arenaAt = m.input.byteOffset - m.info.inputOffset;
    const n = m.info.batchRows;
    for (let at = 0; at + n * nIn * 4 <= m.info.arenaBytes; at += 16) {
      const inArena = new Float32Array(rt.memory.buffer, arenaAt + at, n * nIn);
      inArena.set(rows.subarray(0, n * nIn));
      expect(Array.from(m.predictBatch(inArena, n)), `rows at arena byte ${at}`).toEqual(want.slice(0, n * nOut));
    }
  });

  it("the model's own input and output views still go straight through", () => {
    const m = Model.load(image);
    m.input.set(rows.subarray(0, nIn));
    expect(Array.from(m.predictBatch(m.input, 1, m.output))).toEqual(want.slice(0, nOut));
  });
});

describe("Runtime.load and Model.load arguments", () => {
  it.each([
    ["null", null],
    ["undefined", undefined],
    ["an ArrayBuffer", new ArrayBuffer(256)],
    ["a string", "EIM"],
    ["a plain array", [0x45, 0x49, 0x4d, 0]],
    ["a Float32Array", new Float32Array(64)],
  ])("%s as the image is an InputTypeError", (_, bytes) => {
    expect(() => new Runtime().load(bytes as unknown as Uint8Array)).toThrow(InputTypeError);
    expect(() => Model.load(bytes as unknown as Uint8Array)).toThrow(InputTypeError);
  });

  it("null options are no options", () => {
    const rt = new Runtime();
    expect(rt.load(seedModel(), null as never).predict([1, 2]).length).toBe(2);
    expect(Model.load(seedModel(), null as never).predict([1, 2]).length).toBe(2);
  });

  it.each([
    ["null", null],
    ["a number", 5],
    ["an object", {}],
  ])("loadFile of %s is an InputTypeError", (_, path) => {
    expect(() => new Runtime().loadFile(path as unknown as string)).toThrow(InputTypeError);
  });
});

describe("memory the engine cannot give", () => {
  it("a load past wasm32's 4 GiB (a limit set higher) is a HostError, and the models loaded keep working", () => {
    // 2^20 features, 127 rows a block: an arena of almost 1 GiB, never touched by a load.
    const g = new PlanBuilder(2 ** 20, { producer: "test", kind: "wide" });
    g.output("y", g.act(g.input, Act.Relu));
    const wide = g.build({ batchRows: 127 });
    const rt = new Runtime({ maximumMemoryBytes: 2 ** 33 });
    const small = rt.load(seedModel());
    const want = Array.from(small.predict([1, 2]));
    let error: unknown;
    try {
      for (let i = 0; i < 5; i++) rt.load(wide);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HostError);
    expect((error as HostError).message).toMatch(/the engine cannot grow it/);
    expect(Array.from(small.predict([1, 2]))).toEqual(want);
  });
});
