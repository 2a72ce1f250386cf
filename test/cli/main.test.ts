// The CLI: pack, inspect, predict, their outputs and exit codes. Most cases call main() in
// process; a few run the real bin to check exit codes and stdin.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { f32String, main } from "../../src/cli/main.js";
import { inspect, Model } from "../../src/index.js";
import { pack } from "../../src/pack.js";
import { cli } from "../helpers/cli.js";
import { maxAbsDiff } from "../helpers/close.js";
import { instantiateStandalone, predictRows } from "../helpers/standalone.js";

const root = new URL("../../", import.meta.url).pathname;
const ex = join(root, "examples/logistic-regression");
const tmp = mkdtempSync(join(tmpdir(), "edgeinfer-cli-"));

const proba = readFileSync(join(ex, "proba.csv"), "utf8")
  .trim()
  .split("\n")
  .slice(1)
  .map((l) => l.split(",").map(Number));

describe("edgeinfer pack and inspect", () => {
  it("packs the seed model and inspect describes it, as text and JSON", async () => {
    const dest = join(tmp, "lr.eim");
    const p = await cli(["pack", join(ex, "model.json"), "-o", dest]);
    expect(p.code).toBe(0);
    expect(p.out).toMatch(/lr\.eim: \d+ bytes/);
    expect(readFileSync(dest).length).toBeLessThanOrEqual(256);
    const text = await cli(["inspect", dest]);
    expect(text.out).toContain("logistic_regression model");
    expect(text.out).toContain("2 features (x1, x2)");
    expect(text.out).toMatch(/DENSE_NARROW\s+2 → 2\s+logistic_pair/);
    expect(text.out).toMatch(/memory:\s+arena/);
    const json = JSON.parse((await cli(["inspect", dest, "--json"])).out);
    expect(json).toMatchObject({ inputLength: 2, outputs: [{ name: "probabilities", labels: [0, 1] }] });
  });

  it("--quantize int8 packs int8 dense steps and prints the bytes and each layer's precision", async () => {
    const model = {
      kind: "mlp",
      layers: [
        {
          weights: [
            [1, 2],
            [3, 4],
          ],
          bias: [0, 1],
          activation: "relu",
        },
      ],
    };
    const src = join(tmp, "mlp.json"),
      dest = join(tmp, "mlp.eim");
    writeFileSync(src, JSON.stringify(model));
    const r = await cli(["pack", src, "-o", dest, "--quantize", "int8", "--int8-layers", "all"]);
    expect(r.code).toBe(0);
    expect(inspect(readFileSync(dest)).quantization).toBe("int8");
    // 2×2 weights: 16 B in f32, 4 B of int8 and 4 B of bf16 scales (2, padded to 4); the biases 8 B.
    expect(r.out).toMatch(
      /quantization: weight matrices 16 B in f32 → 8 B with int8 values and scales \(50\.0 %\)\n {2}biases 8 B, kept f32 \(exact\)\n {2}weights section \d+ B → \d+ B \(/,
    );
    expect(r.out).toMatch(/step +0 dense +2 → 2 +int8 \(dynamic row quantization\)/);
    expect((await cli(["inspect", dest])).out).toMatch(/DENSE_Q8 +2 → 2 +relu \(int16 rows, dynamic, bf16 scales\)/);
    // By default a final layer holding ≤ 1 % of the dense weights stays f32, and pack says so (here 20×2 after 200×20).
    const rnd = (n: number, k: number) => Array.from({ length: n }, (_, i) => Math.sin(i * 7 + k));
    const deep = {
      kind: "mlp",
      layers: [
        { weights: Array.from({ length: 20 }, (_, o) => rnd(200, o)), bias: rnd(20, 0), activation: "relu" },
        { weights: [rnd(20, 1), rnd(20, 2)], bias: [0, 1], activation: "softmax" },
      ],
    };
    writeFileSync(src, JSON.stringify(deep));
    const d = await cli(["pack", src, "-o", dest, "--quantize", "int8"]);
    expect(d.out).toMatch(/step +0 dense +200 → 20 +int8 \(dynamic row quantization\)/);
    expect(d.out).toMatch(/step +1 dense +20 → 2 +f32 \(kept: small final layer\)/);
    expect(d.out).toMatch(/weight matrices 16160 B in f32 → 4200 B with int8 values and scales \(26\.0 %\)/); // 4000 + 40 scale bytes + 160 in f32
  });

  it("--calibration: static ranges, and the measured difference and top-class agreement, printed and in inspect --json", async () => {
    const fx = JSON.parse(readFileSync(new URL("../fixtures/json/mlp_digits.json", import.meta.url), "utf8")) as {
      model: unknown;
      rows: number[][];
    };
    const src = join(tmp, "digits.json"),
      rows = join(tmp, "digits.csv"),
      dest = join(tmp, "digits.eim");
    writeFileSync(src, JSON.stringify(fx.model));
    writeFileSync(rows, fx.rows.map((r) => r.join(",")).join("\n"));
    const r = await cli(["pack", src, "-o", dest, "--quantize", "int8", "--calibration", rows]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/int8 \(calibrated input range\)/);
    expect(r.out).toMatch(
      /on 25 calibration rows: largest \|int8 − float\| output difference [0-9.e-]+; top class agrees on \d+\/25 rows/,
    );
    const json = JSON.parse((await cli(["inspect", dest, "--json"])).out);
    expect(json.quantReport.calibration.rows).toBe(25);
    expect(json.quantReport.calibration.maxAbsDiff).toBeGreaterThan(0);
    expect(json.quantReport.calibration.maxAbsDiff).toBeLessThan(0.01);
    expect(json.quantReport.calibration.agreeingRows).toBe(25);
    expect(json.quantReport.layers.map((l: { decision: number }) => l.decision)).toEqual([2, 2, 2]);
    // 64-32-16-10: 2720 weights; int8 with bf16 scales (58 outputs × 2 B) and the static input scales (3 × 8 B).
    expect(json.quantReport).toMatchObject({
      floatMatrixBytes: 4 * 2720,
      matrixBytes: 2720 + 2 * 58 + 3 * 8,
      biasBytes: 4 * 58,
    });
    expect(json.quantReport.floatWeightsBytes).toBeGreaterThan(2.5 * json.quantReport.weightsBytes);
    // Calibration without quantization is a usage error.
    expect((await cli(["pack", src, "-o", dest, "--calibration", rows])).code).toBe(1);
  });
});

describe("edgeinfer predict", () => {
  it("JSON output maps each output name to per-row arrays, plus labels, matching scikit-learn", async () => {
    const r = await cli(["predict", join(ex, "model.json"), join(ex, "data.csv"), "--ignore-columns", "y"]);
    expect(r.code).toBe(0);
    const y = JSON.parse(r.out) as { probabilities: number[][]; label: number[][] };
    expect(y.probabilities).toHaveLength(1000);
    expect(maxAbsDiff(y.probabilities.flat(), proba.flat())).toBeLessThanOrEqual(1e-6);
    expect(y.label[0]).toEqual([proba[0]![1]! > 0.5 ? 1 : 0]);
  });

  it("CSV output, JSON rows (arrays and named objects), stdin", async () => {
    const csv = await cli([
      "predict",
      join(ex, "model.json"),
      join(ex, "data.csv"),
      "--format",
      "csv",
      "--ignore-columns",
      "y",
    ]);
    const lines = csv.out.trim().split("\n");
    expect(lines[0]).toBe("probabilities_0,probabilities_1,label");
    expect(lines).toHaveLength(1001);
    const rowsFile = join(tmp, "rows.json");
    writeFileSync(rowsFile, JSON.stringify([[0.5, -1], { x1: 0.5, x2: -1 }]));
    const j = JSON.parse((await cli(["predict", join(ex, "model.json"), rowsFile])).out);
    expect(j.probabilities[0]).toEqual(j.probabilities[1]);
    const piped = await cli(["predict", join(ex, "model.json"), "-"], "x2,x1\n-1,0.5\n");
    expect(JSON.parse(piped.out).probabilities[0]).toEqual(j.probabilities[0]); // columns picked by name
  });

  it.each([
    [["predict", "nope.eim", "x.csv"], 2, /error\[E_IO\]: nope\.eim: no such file/],
    [
      ["predict", join(ex, "model.json"), "-"],
      2,
      /error\[E_INPUT\]: stdin row 2: 3 values; the model takes 2/,
      "1,2\n1,2,3\n",
    ],
    [["predict", join(ex, "model.json"), "-"], 2, /error\[E_INPUT\]: stdin row 1, feature 2 \("x2"\): NaN/, "1,nan\n"],
    [
      ["predict", join(ex, "model.json"), "-"],
      2,
      /error\[E_INPUT\]: stdin row 1, feature 2 \("x2"\): "abc" is not a number/,
      "1,abc\n",
    ],
    [["predict", join(ex, "data.csv"), "-"], 2, /error\[E_ONNX\]: ONNX byte \d+: not a readable ONNX model/],
    [["pack", join(ex, "model.json")], 1, /error\[E_USAGE\]: pack needs -o/],
    [["frobnicate"], 1, /unknown command frobnicate/],
    [["predict", join(ex, "model.json"), "-", "--format", "xml"], 1, /--format takes json or csv/],
    [["inspect", join(ex, "model.json"), "--bogus"], 1, /unknown option --bogus/],
  ])("%j exits %i with a typed message", async (args, code, message, stdin = "") => {
    const r = await cli(args as string[], stdin as string);
    expect(r.code).toBe(code);
    expect(r.err).toMatch(message as RegExp);
  });

  it("--allow-nan lets NaN through to the output", async () => {
    const r = await cli(["predict", join(ex, "model.json"), "-", "--allow-nan"], "1,nan\n");
    expect(JSON.parse(r.out).probabilities[0]).toEqual(["NaN", "NaN"]);
  });
});

describe("the installed bin", () => {
  const bin = join(root, "bin/edgeinfer.js");
  it("--help documents every command and exits 0; bad usage exits 1; bad input exits 2", () => {
    const help = execFileSync(process.execPath, [bin, "--help"], { encoding: "utf8" });
    for (const word of [
      "pack",
      "inspect",
      "predict",
      "build",
      "--no-simd",
      "--batch-capacity",
      "--quantize",
      "--format",
      "--allow-nan",
      "Exit status",
    ])
      expect(help).toContain(word);
    expect(spawnSync(process.execPath, [bin, "pack"], { encoding: "utf8" }).status).toBe(1);
    const bad = spawnSync(process.execPath, [bin, "inspect", join(ex, "data.csv")], { encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^error\[E_ONNX\]/);
  });
  it("reads rows from stdin", () => {
    const r = spawnSync(process.execPath, [bin, "predict", join(ex, "model.json"), "-", "--format", "csv"], {
      input: "0.5,-1\n",
      encoding: "utf8",
    });
    expect(r.status).toBe(0);
    expect(r.stdout.split("\n")[1]).toMatch(/^0\.\d+,0\.\d+,[01]$/);
  });
});

describe("edgeinfer build", () => {
  it("writes a standalone .wasm that imports nothing and predicts through its ABI", async () => {
    const dest = join(tmp, "lr.wasm");
    const r = await cli(["build", join(ex, "model.json"), "-o", dest, "--no-simd", "--batch-capacity", "8"]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/lr\.wasm: \d+ bytes \(scalar\), no imports; kernels: DenseNarrow/);
    const wasm = readFileSync(dest);
    expect(WebAssembly.Module.imports(new WebAssembly.Module(wasm))).toEqual([]);
    const e = instantiateStandalone(wasm);
    expect(e.batch_capacity()).toBe(8);
    const { status, y } = predictRows(e, [[0.5, -1]]);
    expect(status).toEqual([0]);
    const model = Model.load(pack(readFileSync(join(ex, "model.json"), "utf8")), { simd: "off" });
    expect(Array.from(y)).toEqual(Array.from(model.predict([0.5, -1]))); // the same build: the same bits
  });
  it("usage errors exit 1, a bad model exits 2", async () => {
    expect((await cli(["build", join(ex, "model.json")])).code).toBe(1);
    expect(
      (await cli(["build", join(ex, "model.json"), "-o", join(tmp, "x.wasm"), "--batch-capacity", "0"])).code,
    ).toBe(1);
    const bad = await cli(["build", join(ex, "data.csv"), "-o", join(tmp, "x.wasm")]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^error\[E_ONNX\]/);
  });
});

describe("f32String", () => {
  it("prints the shortest text that reads back as the same f32", () => {
    for (const v of [0.1, 1 / 3, 1e-30, 123456.789, -2.5, 0]) {
      const f = Math.fround(v);
      expect(Math.fround(Number(f32String(f)))).toBe(f);
      expect(
        f32String(f)
          .replace(/^-?0?\.?0*/, "")
          .replace(/e.*/, "")
          .replace(".", "").length,
      ).toBeLessThanOrEqual(9);
    }
  });
});

describe("ONNX through the CLI", () => {
  const fx = join(root, "test/fixtures/onnx");
  it("inspect lists every node and the packed result; pack writes an image; predict prints every output by name", async () => {
    const text = await cli(["inspect", join(fx, "skl_scaler_lr_binary_bc.onnx")]);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/ONNX model by skl2onnx/);
    expect(text.out).toMatch(/ok\s+ai\.onnx\.ml::LinearClassifier/);
    expect(text.out).toMatch(/packed:\nonnx model/);
    const dest = join(tmp, "bc.eim");
    expect((await cli(["pack", join(fx, "skl_scaler_lr_binary_bc.onnx"), "-o", dest])).code).toBe(0);
    const ref = JSON.parse(readFileSync(join(fx, "skl_scaler_lr_binary_bc.json"), "utf8")) as {
      inputs: number[][];
      expected: { predict: number[]; predict_proba: number[][] };
    };
    const rows = join(tmp, "bc.json");
    writeFileSync(rows, JSON.stringify(ref.inputs));
    for (const model of [dest, join(fx, "skl_scaler_lr_binary_bc.onnx")]) {
      const r = await cli(["predict", model, rows, "--format", "json"]);
      expect(r.code).toBe(0);
      const y = JSON.parse(r.out) as Record<string, unknown[][]>;
      expect(Object.keys(y)).toEqual(["output_label", "output_probability"]);
      expect(y.output_label!.map((l) => l[0])).toEqual(ref.expected.predict);
      expect(
        maxAbsDiff((y.output_probability as number[][]).flat(), ref.expected.predict_proba.flat()),
      ).toBeLessThanOrEqual(1e-5);
    }
  });

  it("an unsupported node is listed by inspect and refused with exit 2", async () => {
    const { onnxModel } = await import("../helpers/onnx-builder.js");
    const file = join(tmp, "conv.onnx");
    writeFileSync(
      file,
      onnxModel({
        nodes: [{ op: "ConvTranspose", name: "conv1", inputs: ["x", "W"], outputs: ["y"] }],
        outputs: ["y"],
        initializers: { W: { dims: [1], data: [1] } },
      }),
    );
    const r = await cli(["inspect", file]);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/NO\s+ConvTranspose\s+conv1: operator not supported/);
    expect(r.err).toMatch(/^error\[E_UNSUPPORTED\]: node "conv1" \(ai\.onnx::ConvTranspose, opset 13\)/);
  });
});

describe("progress", () => {
  it("draws a progress bar on stderr when it is a terminal and the input is long, and not otherwise", async () => {
    const rows = Array.from({ length: 60_000 }, (_, i) => `${(i % 400) / 100 - 2},${((i * 7) % 400) / 100 - 2}`).join(
      "\n",
    );
    for (const tty of [true, false]) {
      const stdout = new PassThrough(),
        stderr = Object.assign(new PassThrough(), { isTTY: tty }),
        input = new PassThrough();
      let err = "",
        out = "";
      stderr.on("data", (c) => (err += c));
      stdout.on("data", (c) => (out += c));
      input.end(rows);
      expect(
        await main(["predict", join(ex, "model.json"), "-", "--format", "csv"], { stdout, stderr, stdin: input }),
      ).toBe(0);
      expect(out.trim().split("\n")).toHaveLength(60_001);
      expect(err, `isTTY ${tty}`).toMatch(tty ? /\[#{30}\] 100% 60000\/60000 rows\n$/ : /^$/);
    }
  });
});
