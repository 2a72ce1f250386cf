// The runtime: import-free modules, the predict family, memory that grows only at load,
// many models in one runtime, disposal, and typed errors for bad rows.
import { describe, expect, it } from "vitest";
import { ABI_VERSION, Act, Opcode } from "../../src/format/abi.js";
import { writeImage } from "../../src/format/write.js";
import {
  FormatError,
  HostError,
  InputLengthError,
  InputTypeError,
  kernelBytes,
  Model,
  NaNInputError,
  Runtime,
} from "../../src/index.js";
import { pack } from "../../src/pack.js";
import { everyOpModel, seedModel } from "../helpers/models.js";
import { sigmoid } from "../helpers/reference.js";
import { seeded } from "../helpers/rng.js";

const ABI_EXPORTS = [
  "abiVersion",
  "crc32Table",
  "crc32Update",
  "heapBase",
  "lastErrorColumn",
  "lastErrorRow",
  "lastErrorStep",
  "memory",
  "monitorRotate",
  "monitorRows",
  "run",
  "runBatch",
  "runNarrow",
  "runNarrowMonitored",
  "runNarrowPair",
  "runNarrowPairMonitored",
];

describe("the release modules", () => {
  it.each(["simd", "scalar"] as const)("%s: no imports, only the documented exports, small", (build) => {
    const m = new WebAssembly.Module(kernelBytes(build));
    expect(WebAssembly.Module.imports(m)).toEqual([]);
    expect(
      WebAssembly.Module.exports(m)
        .map((e) => e.name)
        .sort(),
    ).toEqual(ABI_EXPORTS);
    // int8 kernels (u8 rows as ONNX defines them, int16 rows one and two at a time for packed models,
    // bf16 scales, QUANTIZE) take ~4 KB of it; the zero-skipping run loops ~0.4 KB, the CRC-32 kernel 0.2 KB;
    // ABI 4's clip, softplus and abs ~0.4 KB (softplus lane by lane through its scalar form), IMPUTE 0.3 KB, TREES
    // 2.4 KB (the same scalar walks in both builds: eight trees unrolled, in a copy for x ≤ t ensembles beside
    // the general one; bench/results/trees.md), the softmax_zero and probit activations 0.8 KB (scalar
    // in both builds); the pipeline and SVM opcodes 2.5 KB (SIMD) and 2.2 KB (scalar): GATHER 0.3, ONE_HOT 0.1,
    // SVM_KERNEL 0.7, SVM_PROB 1.2 (libsvm's pairwise coupling, scalar in both builds); the convolutional kernels
    // (CONV, POOL, BINARY, TRANSPOSE, PAD) 4.3 KB SIMD, 2.6 KB scalar (issue 15's budget: 8 KB). A model's own
    // module (edgeinfer build) carries only the kernels and activations it uses. The drift monitor (its counting
    // loop and the monitored one-step shortcuts) ~1.2 KB SIMD, 0.8 KB scalar; standalone modules never hold it.
    // TFLite's int8 FC_I8, CONV_I8, POOL_I8, SOFTMAX_I8, ADD_I8, DEQUANT_I8: ~4.6 KB (SIMD), ~2.4 KB (scalar).
    const tflite = build === "simd" ? 4.75 * 1024 : 2.6 * 1024;
    expect(kernelBytes(build).length).toBeLessThanOrEqual(
      (build === "simd" ? 20.5 * 1024 + 1300 + 2560 + 4400 : 9 * 1024 + 850 + 2260 + 2700) + 2450 + 800 + tflite,
    );
    const inst = new WebAssembly.Instance(m, {}); // an empty import object is enough
    expect((inst.exports.abiVersion as () => number)()).toBe(ABI_VERSION);
  });
});

describe("predict, predictInto, predictBatch", () => {
  const w = [1.3954163099338572, -0.47393111533586635],
    b = 0.8457656325555406;
  const p1 = (x1: number, x2: number) => sigmoid(w[0]! * x1 + w[1]! * x2 + b);

  it.each(["auto", "off"] as const)("give the same answers (simd: %s), and predict reuses one view", (simd) => {
    const model = Model.load(seedModel(), { simd });
    const y = model.predict([0.5, -1]);
    expect(y[1]).toBeCloseTo(p1(0.5, -1), 6);
    expect(y[0]! + y[1]!).toBeCloseTo(1, 6);
    expect(model.predict([1, 1])).toBe(y); // the same object, overwritten
    const out = new Float32Array(2);
    expect(model.predictInto([0.5, -1], out)).toBe(out);
    expect(out[1]).toBeCloseTo(p1(0.5, -1), 6);
    const rows = Float32Array.of(0.5, -1, 1, 1, -2, 2);
    const batch = model.predictBatch(rows, 3);
    expect(batch.length).toBe(6);
    expect(batch[1]).toBe(out[1]);
    expect(batch[5]).toBeCloseTo(p1(-2, 2), 6);
    const into = new Float32Array(6);
    expect(model.predictBatch(rows, 3, into)).toBe(into);
    expect(Array.from(into)).toEqual(Array.from(batch));
  });

  it("batches of every length up to three blocks equal single predictions bit for bit, for every opcode", () => {
    for (const simd of ["auto", "off"] as const) {
      const model = Model.load(everyOpModel(), { simd });
      const n = model.info.outputLength,
        rows = new Float32Array(13 * 6).map((_, i) => Math.sin(i) * 2);
      for (let nRows = 0; nRows <= 13; nRows++) {
        const batch = model.predictBatch(rows, nRows);
        for (let r = 0; r < nRows; r++) {
          expect(Array.from(batch.subarray(r * n, r * n + n))).toEqual(
            Array.from(model.predict(rows.subarray(r * 6, r * 6 + 6))),
          );
        }
      }
    }
  });

  it("a batch larger than the staging area goes through in chunks", () => {
    const model = Model.load(seedModel());
    const nRows = 100_000;
    const rows = new Float32Array(2 * nRows).map((_, i) => ((i * 7919) % 401) / 100 - 2);
    const out = model.predictBatch(rows, nRows);
    for (const r of [0, 1, 32767, 32768, 65535, 99_999])
      expect(out[2 * r + 1]).toBeCloseTo(p1(rows[2 * r]!, rows[2 * r + 1]!), 6);
  });

  it("rows and outputs already in wasm memory are used in place", () => {
    const rt = new Runtime();
    const model = rt.load(seedModel());
    const input = model.input; // a view into wasm memory
    input.set([0.25, 0.75]);
    expect(model.run()[1]).toBeCloseTo(p1(0.25, 0.75), 6);
    const out = new Float32Array(rt.memory.buffer, model.output.byteOffset, 2);
    expect(model.predictBatch(input, 1, out)[1]).toBeCloseTo(p1(0.25, 0.75), 6);
  });

  it("named outputs, labels and several outputs", () => {
    const model = Model.load(everyOpModel());
    const y = model.predict([1, 2, 3, 4, 5, 6]);
    const { probabilities, label, l2 } = model.outputs;
    expect(probabilities!.length).toBe(3);
    expect(label![0]).toBe(probabilities!.indexOf(Math.max(...probabilities!)));
    expect(l2!.reduce((s, v) => s + v * v, 0)).toBeCloseTo(1, 5);
    expect(y.length).toBe(9);
    expect(model.predictLabel([1, 2, 3, 4, 5, 6])).toBe(["a", "b", "c"][label![0]!]);
    expect(Model.load(seedModel()).predictLabel([2, 0])).toBe(1);
  });
});

describe("predict's specialised paths", () => {
  // predict picks its code by row width (1–4 unrolled, a loop to 32, TypedArray.set above) and by
  // plan (one narrow step called directly, else run()); predictBatch always goes through
  // runBatch. Every combination must give predictBatch's bits and the same typed errors.
  const r = seeded("predict paths");
  const linear = (nIn: number, nOut: number, extra: object) => {
    const coefficients = Array.from({ length: nOut }, () => Array.from(r.floats(nIn, -2, 2)));
    return { coefficients, intercept: Array.from(r.floats(nOut)), ...extra };
  };
  const models: Array<[string, object]> = [];
  for (const nIn of [1, 2, 3, 4, 5, 40]) {
    models.push([
      `logistic pair, ${nIn} features`,
      { kind: "logistic_regression", classes: [0, 1], ...linear(nIn, 1, {}) },
    ]);
    models.push([`linear, ${nIn} features, 3 targets`, { kind: "linear_regression", ...linear(nIn, 3, {}) }]);
    models.push([
      `one-vs-rest sigmoid, ${nIn} features`,
      { kind: "logistic_regression", multiClass: "ovr", classes: [0, 1, 2], ...linear(nIn, 3, {}) },
    ]);
    models.push([
      `multinomial softmax, ${nIn} features`,
      { kind: "logistic_regression", classes: [0, 1, 2, 3], ...linear(nIn, 4, {}) },
    ]);
    models.push([
      `mlp (interpreter), ${nIn} features`,
      {
        kind: "mlp",
        layers: [
          { weights: [Array.from(r.floats(nIn))], bias: [0.1], activation: "tanh" },
          { weights: [[1.5], [-1]], bias: [0, 0.2], activation: "softmax" },
        ],
      },
    ]);
  }
  it.each(models)("%s", (_, json) => {
    for (const simd of ["auto", "off"] as const) {
      const model = Model.load(pack(json as Parameters<typeof pack>[0]), { simd });
      const n = model.info.inputLength,
        nOut = model.info.outputLength;
      const rows = Array.from({ length: 7 }, () => Array.from(r.floats(n, -3, 3)));
      rows.push(Array(n).fill(0), Array(n).fill(1e30));
      const batch = model.predictBatch(Float32Array.from(rows.flat()), rows.length);
      rows.forEach((row, i) => {
        expect(Array.from(model.predict(row)), `row ${i}`).toEqual(
          Array.from(batch.subarray(i * nOut, (i + 1) * nOut)),
        );
        expect(Array.from(model.predict(Float32Array.from(row)))).toEqual(
          Array.from(batch.subarray(i * nOut, (i + 1) * nOut)),
        );
      });
      expect(() => model.predict(Array(n + 1).fill(0))).toThrow(InputLengthError);
      expect(() => model.predict(Array(n - 1).fill(0))).toThrow(InputLengthError);
      const nan = Array(n).fill(0.5);
      nan[n - 1] = NaN;
      expect(() => model.predict(nan)).toThrow(`row 0, feature ${n - 1}`);
      const inf = Array(n).fill(0);
      inf[0] = Infinity;
      if (n > 1) inf[1] = -Infinity; // the row's sum is NaN, but no value is: not an error
      expect(() => model.predict(inf)).not.toThrow();
    }
  });
});

describe("bad rows get typed errors", () => {
  const model = Model.load(seedModel());
  it("wrong length", () => {
    expect(() => model.predict([1])).toThrow(InputLengthError);
    expect(() => model.predict([1, 2, 3])).toThrow("row has 3 values; the model takes 2");
    expect(() => model.predictBatch(new Float32Array(5), 3)).toThrow(InputLengthError);
    expect(() => model.predictInto([1, 2], new Float32Array(1))).toThrow(/output array has 1 values/);
  });
  it("NaN names the row and feature; allowNaN lets it through", () => {
    expect(() => model.predict([1, NaN])).toThrow(NaNInputError);
    expect(() => model.predict([1, NaN])).toThrow('row 0, feature 1 ("x2") is NaN');
    const rows = new Float32Array(2 * 200).fill(0.5);
    rows[2 * 150] = NaN;
    expect(() => model.predictBatch(rows, 200)).toThrow('row 150, feature 0 ("x1") is NaN');
    expect(() => model.predict([Infinity, -Infinity])).not.toThrow(); // infinities are values, not NaN
    expect(() => model.predict(Float32Array.of(NaN, 1))).toThrow('row 0, feature 0 ("x1") is NaN');
    const lax = Model.load(seedModel(), { allowNaN: true });
    expect(Array.from(lax.predict([NaN, 1])).every(Number.isNaN)).toBe(true);
  });
  it("a disposed model refuses to run", () => {
    const m = Model.load(seedModel());
    m.dispose();
    expect(() => m.predict([1, 2])).toThrow(HostError);
    expect(() => m.run()).toThrow("this model was disposed");
  });
});

describe("memory", () => {
  it("never changes during predict or predictBatch", () => {
    const model = Model.load(everyOpModel());
    const buffer = model.runtime.memory.buffer,
      bytes = buffer.byteLength;
    const rows = new Float32Array(600).fill(0.3);
    for (let i = 0; i < 10_000; i++) model.predict([i, 1, 2, 3, 4, 5]);
    model.predictBatch(rows, 100);
    expect(model.runtime.memory.buffer).toBe(buffer);
    expect(model.runtime.memory.buffer.byteLength).toBe(bytes);
  });

  it("200 models in one runtime: all predict right, total memory reported, views survive growth", () => {
    const rt = new Runtime();
    const models = Array.from({ length: 200 }, (_, i) =>
      rt.load(pack({ kind: "linear_regression", coefficients: [i, 1], intercept: [0.5] })),
    );
    const big = rt.load(
      pack({
        kind: "mlp",
        layers: [
          { weights: Array.from({ length: 512 }, () => new Array(512).fill(0.001)), bias: new Array(512).fill(0) },
        ],
      }),
    );
    models.forEach((m, i) => expect(m.predict([2, 3])[0]).toBe(2 * i + 3.5));
    expect(big.predict(new Float32Array(512).fill(1))[0]).toBeCloseTo(0.512, 5);
    const report = rt.memoryReport();
    expect(report.models).toHaveLength(201);
    expect(report.usedBytes).toBe(report.models.reduce((s, m) => s + m.blockBytes, 0) + 256 * 1024);
    expect(report.memoryBytes).toBeGreaterThanOrEqual(report.usedBytes + report.heapBaseBytes);
    expect(models[0]!.info.memoryBytes).toBeLessThan(1024 + 256);
  });

  it("disposed models' memory is reused: replacing a model repeatedly does not grow memory", () => {
    const rt = new Runtime();
    let m = rt.load(everyOpModel());
    const bytes = rt.memory.buffer.byteLength;
    for (let i = 0; i < 100; i++) {
      m.dispose();
      m = rt.load(everyOpModel());
      expect(m.predict([1, 2, 3, 4, 5, 6]).length).toBe(9);
    }
    expect(rt.memory.buffer.byteLength).toBe(bytes);
    expect(rt.memoryReport().freeBytes).toBe(0);
  });

  it("every model's arena starts zeroed: filled where the block was used before, fresh memory as it grew", () => {
    const rt = new Runtime();
    const arenaPtr = (m: Model) => (m as unknown as { arenaPtr: number }).arenaPtr;
    const zeros = (m: Model) => new Uint8Array(rt.memory.buffer, arenaPtr(m), m.info.arenaBytes).every((b) => b === 0);
    const a = rt.load(everyOpModel());
    expect(zeros(a)).toBe(true); // fresh memory, not filled
    a.predictBatch(new Float32Array(6 * 40).fill(3), 40); // dirties the arena and the staging area
    const arenaA = arenaPtr(a);
    a.dispose();
    const b = rt.load(everyOpModel()); // the same block
    expect(arenaPtr(b)).toBe(arenaA);
    expect(zeros(b)).toBe(true);
    const c = rt.load(everyOpModel()); // fresh memory again, above everything used
    expect(zeros(c)).toBe(true);
    expect(Array.from(c.predict([1, 2, 3, 4, 5, 6]))).toEqual(
      Array.from(Model.load(everyOpModel()).predict([1, 2, 3, 4, 5, 6])),
    );
  });

  it("a runtime's memory limit is enforced at load with a typed error", () => {
    const rt = new Runtime({ maximumMemoryBytes: 512 * 1024 });
    expect(() =>
      rt.load(
        pack({
          kind: "mlp",
          layers: [
            { weights: Array.from({ length: 400 }, () => new Array(400).fill(0)), bias: new Array(400).fill(0) },
          ],
        }),
      ),
    ).toThrow(HostError);
  });
});

describe("build selection", () => {
  it("auto picks SIMD where the engine has it; off forces scalar; require insists", () => {
    expect(new Runtime().build).toBe("simd"); // Node 20 has SIMD
    expect(new Runtime({ simd: "off" }).build).toBe("scalar");
    expect(new Runtime({ simd: "require" }).simd).toBe(true);
  });
});

describe("a one-step narrow plan reading fewer features than the row has", () => {
  // Validated at load: the step's nIn (2) need only fit the input row (6). Every entry point
  // must use the step's own lengths, not the header's: a fast path that passed nIn = 6 would
  // read past the step's 2 × 4 lanes of weights into whatever follows (here the next model).
  const crafted = (act: Act) => {
    const wt = Float32Array.of(0.5, -1.25, 0, 0, 2, 0.75, 0, 0); // [in][lane], two inputs, four lanes
    const bias = Float32Array.of(0.1, -0.2, 0, 0);
    const outputOffset = 4 * 6 * 16;
    return {
      wt,
      bias,
      image: writeImage({
        producer: "test",
        kind: "crafted",
        inputName: "",
        inputLength: 6,
        outputs: [{ name: "y", offset: 0, length: 2 }],
        outputLength: 2,
        batchRows: 1,
        arenaBytes: outputOffset + 16,
        inputOffset: 0,
        outputOffset,
        steps: [
          {
            opcode: Opcode.DenseNarrow,
            act,
            flags: 0,
            src: 0,
            srcStride: 6,
            dst: outputOffset,
            dstStride: 2,
            nIn: 2,
            nOut: 2,
            w: wt,
            b: bias,
            scratch: 0,
            alpha: 0,
            beta: 0,
          },
        ],
      }),
    };
  };
  it.each([
    ["no activation", Act.None],
    ["logistic pair", Act.LogisticPair],
  ])("%s: predict, run and predictBatch use the step's nIn", (_, act) => {
    for (const simd of ["auto", "off"] as const) {
      const { image, wt, bias } = crafted(act);
      const runtime = new Runtime({ simd });
      const model = runtime.load(image);
      runtime.load(everyOpModel()); // its block follows the crafted one
      const row = [0.75, -2, 3, -4, 5, 6];
      const z = [0, 1].map((o) => Math.fround(row[0]! * wt[o]! + row[1]! * wt[4 + o]! + bias[o]!));
      // logistic pair: the logit is lane 1, and the outputs are [1 − p, p] (predict_proba)
      const want = act === Act.LogisticPair ? [1 - sigmoid(z[1]!), sigmoid(z[1]!)] : z;
      // Each answer copied as it comes: predict and run return the same reused view.
      const answers = {
        predict: Array.from(model.predict(row)),
        run: Array.from(model.run()),
        predictBatch: Array.from(model.predictBatch(Float32Array.from(row), 1)),
      };
      for (const [entry, got] of Object.entries(answers)) {
        expect(got[0], entry).toBeCloseTo(want[0]!, 6);
        expect(got[1], entry).toBeCloseTo(want[1]!, 6);
      }
    }
  });
});

describe("one rule for rows at every width", () => {
  // A row is an array or a typed array of exactly inputLength numbers. Below 33 features predict
  // copies values itself and above it uses TypedArray.set: both must refuse the same rows.
  const r = seeded("row rule");
  const widths = [1, 2, 3, 4, 5, 32, 33, 40];
  const modelOf = (n: number, allowNaN = false) =>
    Model.load(
      pack({
        kind: "linear_regression",
        coefficients: [Array.from(r.floats(n))],
        intercept: [0.5],
        featureNames: Array.from({ length: n }, (_, i) => `f${i}`),
      }),
      { allowNaN },
    );
  const row = (n: number, at: number, v: unknown) => {
    const a: unknown[] = Array.from({ length: n }, (_, i) => i / n);
    a[at] = v;
    return a as number[];
  };

  it.each(widths)("%i features: a value that is not a number is an InputTypeError naming the feature", (n) => {
    for (const allowNaN of [false, true]) {
      const model = modelOf(n, allowNaN);
      const last = n - 1;
      for (const [v, found] of [
        [undefined, "undefined"],
        ["abc", "a string"],
        ["1", "a string"],
        [null, "null"],
        [true, "a boolean"],
        [{ valueOf: () => 1 }, "an object"],
        [1n, "a bigint"],
      ] as const) {
        const err = (() => {
          try {
            model.predict(row(n, last, v));
          } catch (e) {
            return e;
          }
        })();
        expect(err, `${String(v)}`).toBeInstanceOf(InputTypeError);
        expect(err).toMatchObject({ code: "E_INPUT", column: last, feature: `f${last}`, found });
      }
      const sparse = Array.from({ length: n }, () => 0.5);
      delete sparse[0];
      expect(() => model.predict(sparse)).toThrow(`row 0, feature 0 ("f0") is a hole (sparse array)`);
      expect(() => model.predict(BigInt64Array.from({ length: n }, () => 1n) as never)).toThrow(InputTypeError);
    }
  });

  it.each(widths)("%i features: a row that is not an array or a typed array is an InputTypeError", (n) => {
    const model = modelOf(n);
    const arrayLike = Object.fromEntries([["length", n], ...Array.from({ length: n }, (_, i) => [i, 0.5])]);
    for (const bad of ["9".repeat(n), undefined, null, 7, arrayLike, new DataView(new ArrayBuffer(4 * n))]) {
      expect(() => model.predict(bad as never), String(bad)).toThrow(InputTypeError);
      expect(() => model.predict(bad as never)).toThrow(/^row is .*; expected an array of numbers or a typed array$/);
    }
  });

  it.each(widths)("%i features: arrays and every numeric typed array give the same answer", (n) => {
    const model = modelOf(n);
    const values = Array.from({ length: n }, (_, i) => (i % 5) - 2);
    const want = Array.from(model.predictBatch(Float32Array.from(values), 1));
    for (const kind of [Float32Array, Float64Array, Int8Array, Int32Array, Uint8Array] as const) {
      const typed = kind.from(values.map((v) => (kind === Uint8Array ? Math.abs(v) : v)));
      const expected = Array.from(model.predictBatch(Float32Array.from(typed), 1));
      expect(Array.from(model.predict(typed)), kind.name).toEqual(expected);
    }
    expect(Array.from(model.predict(values))).toEqual(want);
    expect(() => model.predict(row(n, 0, NaN))).toThrow(NaNInputError);
  });

  it("predictBatch takes Float32Arrays only", () => {
    const model = Model.load(seedModel());
    expect(() => model.predictBatch([1, 2] as never, 1)).toThrow(InputTypeError);
    expect(() => model.predictBatch(Float64Array.of(1, 2) as never, 1)).toThrow("rows array is a Float64Array");
    expect(() => model.predictBatch(Float32Array.of(1, 2), 1, [0, 0] as never)).toThrow(InputTypeError);
  });
});

describe("the runtime's own memory through its API", () => {
  it("loading a view into the runtime's memory loads a copy, even when the load grows memory", () => {
    const rt = new Runtime();
    const host = rt.load(everyOpModel(1000)); // input rows of 16 KB: room for the image below
    const r = seeded("own memory");
    // Its 256-row arena (about 160 KB) cannot fit in the memory there is: loading it grows memory.
    const image = pack(
      {
        kind: "mlp",
        layers: [
          { weights: Array.from({ length: 40 }, () => Array.from(r.floats(40))), bias: new Array(40).fill(0.1) },
        ],
      },
      { batchRows: 256 },
    );
    const at = host.input.byteOffset;
    new Uint8Array(rt.memory.buffer, at, image.length).set(image);
    const before = rt.memoryReport();
    const model = rt.load(new Uint8Array(rt.memory.buffer, at, image.length));
    expect(rt.memoryReport().memoryBytes).toBeGreaterThan(before.memoryBytes);
    const row = Array.from(r.floats(40));
    expect(Array.from(model.predict(row))).toEqual(Array.from(Model.load(image).predict(row)));
    expect(rt.memoryReport().usedBytes).toBe(before.usedBytes + model.info.memoryBytes);
    const corrupt = new Uint8Array(rt.memory.buffer, host.input.byteOffset, image.length);
    corrupt[image.length - 1]! ^= 1; // still a view into the runtime's memory
    const after = rt.memoryReport();
    expect(() => rt.load(corrupt)).toThrow(FormatError);
    expect(rt.memoryReport()).toEqual(after);
  });

  it("predictBatch refuses an output array in another model's memory, and that model is unharmed", () => {
    const rt = new Runtime();
    const a = rt.load(seedModel()),
      b = rt.load(everyOpModel());
    const want = Array.from(b.predict([1, 2, 3, 4, 5, 6]));
    const report = rt.memoryReport();
    const intoB = new Float32Array(rt.memory.buffer, b.input.byteOffset - 64, 4);
    const rows = Float32Array.of(0.5, -1, 1, 1);
    expect(() => a.predictBatch(rows, 2, intoB)).toThrow(InputTypeError);
    const aInput = a.input; // rows in memory too: the in-place path is refused the same way
    expect(() => a.predictBatch(aInput, 1, intoB)).toThrow("outside this model's arena");
    const below = new Float32Array(rt.memory.buffer, 0, 4); // the module's own data
    expect(() => a.predictBatch(rows, 2, below)).toThrow(InputTypeError);
    expect(Array.from(b.predict([1, 2, 3, 4, 5, 6]))).toEqual(want);
    expect(rt.memoryReport()).toEqual(report);
  });

  it("a failed load leaves what is used and free as it was", () => {
    const rt = new Runtime({ maximumMemoryBytes: 1024 * 1024 });
    rt.load(seedModel());
    const wide = pack({
      kind: "mlp",
      layers: [{ weights: Array.from({ length: 600 }, () => new Array(600).fill(0.5)), bias: new Array(600).fill(0) }],
    });
    const corrupt = everyOpModel().slice();
    corrupt[corrupt.length - 1]! ^= 1;
    for (const [what, bytes, error] of [
      ["corrupt", corrupt, FormatError],
      ["over the memory limit", wide, HostError],
    ] as const) {
      const before = rt.memoryReport();
      expect(() => rt.load(bytes), what).toThrow(error);
      expect(rt.memoryReport(), what).toEqual(before);
    }
    const fresh = new Runtime({ maximumMemoryBytes: 1024 * 1024 });
    const empty = fresh.memoryReport();
    expect(() => fresh.load(wide)).toThrow(HostError); // staging was taken for it, and given back
    expect({ ...fresh.memoryReport(), memoryBytes: 0 }).toEqual({ ...empty, memoryBytes: 0 });
  });
});

describe("runtime options", () => {
  it("are checked: an unknown simd value or a bad memory limit is a HostError", () => {
    for (const options of [
      { simd: "bogus" },
      { simd: true },
      { simd: "" },
      { maximumMemoryBytes: -1 },
      { maximumMemoryBytes: "1e9" },
    ]) {
      expect(() => new Runtime(options as never), JSON.stringify(options)).toThrow(HostError);
      expect(() => Model.load(seedModel(), options as never)).toThrow(HostError);
    }
    expect(() => new Runtime({ simd: "bogus" as never })).toThrow(
      'simd must be "auto", "require" or "off"; got "bogus"',
    );
  });
});
