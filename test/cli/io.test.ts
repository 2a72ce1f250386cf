// The CLI's inputs and outputs: models on stdin, write failures (typed, exit 2, no partial file),
// the rows rules end to end, and predict streaming a large CSV in a small heap.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli } from "../helpers/cli.js";

const root = new URL("../../", import.meta.url).pathname;
const bin = join(root, "bin/edgeinfer.js");
const seed = join(root, "examples/logistic-regression/model.json");
const onnx = join(root, "test/fixtures/onnx/skl_scaler_lr_binary_bc.onnx");
const tmp = mkdtempSync(join(tmpdir(), "edgeinfer-cli-io-"));

/** Runs the bin in a shell (for redirections and ulimit); stdout and stderr as text. */
function sh(script: string) {
  return spawnSync("bash", ["-c", script], {
    encoding: "utf8",
    env: { ...process.env, BIN: bin, NODE: process.execPath },
  });
}

// An MLP whose packed image is about 16 KiB (more than a 1-block file-size limit).
const bigModel = join(tmp, "big.json");
const w = (n: number, k: number) => Array.from({ length: n }, (_, i) => Math.sin(i * 7 + k));
writeFileSync(
  bigModel,
  JSON.stringify({
    kind: "mlp",
    layers: [{ weights: Array.from({ length: 20 }, (_, o) => w(200, o)), bias: w(20, 0), activation: "relu" }],
  }),
);

describe("models on stdin", () => {
  it("inspect - reads a JSON model, an ONNX model and a packed image from stdin", async () => {
    const json = await cli(["inspect", "-"], readFileSync(seed));
    expect(json.code, json.err).toBe(0);
    expect(json.out).toMatch(/^logistic_regression model/);
    const o = await cli(["inspect", "-"], readFileSync(onnx));
    expect(o.code, o.err).toBe(0);
    expect(o.out).toMatch(/^ONNX model by skl2onnx[\s\S]*packed:\nonnx model/);
    const dest = join(tmp, "seed.eim");
    expect((await cli(["pack", seed, "-o", dest])).code).toBe(0);
    const packed = await cli(["inspect", "-", "--json"], readFileSync(dest));
    expect(JSON.parse(packed.out)).toMatchObject({ inputLength: 2, featureNames: ["x1", "x2"] });
  });
  it("through the bin too, and pack - writes the same image as pack <file>", () => {
    const r = sh(`"$NODE" "$BIN" inspect - < "${onnx}"`);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ok\s+ai\.onnx\.ml::LinearClassifier/);
    const a = join(tmp, "a.eim"),
      b = join(tmp, "b.eim");
    expect(sh(`"$NODE" "$BIN" pack - -o "${a}" < "${seed}" && "$NODE" "$BIN" pack "${seed}" -o "${b}"`).status).toBe(0);
    expect(readFileSync(a)).toEqual(readFileSync(b));
  });
  it("an empty stdin is a bad model (exit 2), and two arguments on stdin a usage error (exit 1)", async () => {
    const empty = await cli(["inspect", "-"], "");
    expect([empty.code, empty.err]).toEqual([2, "error[E_MODEL]: model: empty file: not a model\n"]);
    const both = await cli(["predict", "-", "-"], readFileSync(seed));
    expect(both.code).toBe(1);
    expect(both.err).toMatch(/^error\[E_USAGE\]: only one argument can be read from stdin/);
    const r = sh(`"$NODE" "$BIN" predict - - < "${seed}"`);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error\[E_USAGE\]/);
  });
});

describe("write failures: error[E_IO], exit 2, no stack trace, no partial file", () => {
  const packTo = (dest: string, pre = "") => sh(`${pre}"$NODE" "$BIN" pack "${bigModel}" -o "${dest}"`);
  it.each([
    ["a directory", () => tmp, /is a directory/],
    ["a missing folder", () => join(tmp, "no/such/folder/x.eim"), /no such file or folder/],
    ["a full disk (/dev/full)", () => "/dev/full", /no space left on the device/],
  ])("%s", (_, dest, detail) => {
    const r = packTo(dest());
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error\[E_IO\]: cannot write .*: /);
    expect(r.stderr).toMatch(detail);
    expect(r.stderr.split("\n")).toHaveLength(2); // one line, then the final newline
  });
  it("a file-size limit (ulimit -f; node ignores SIGXFSZ, so the write fails with EFBIG) keeps the old file whole", () => {
    const dir = join(tmp, "limited");
    mkdirSync(dir);
    const dest = join(dir, "out.eim");
    writeFileSync(dest, "old contents");
    const r = packTo(dest, "ulimit -f 8; "); // 8 blocks of 1 KiB (bash), under the ~16 KiB image
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error\[E_IO\]: cannot write .*out\.eim: file too large/);
    expect(readFileSync(dest, "utf8")).toBe("old contents");
    expect(readdirSync(dir)).toEqual(["out.eim"]); // the temporary file is gone
    expect(packTo(dest).status).toBe(0);
    expect(readFileSync(dest).length).toBeGreaterThan(16_000);
  });
  it("build reports the same way, and predict's stdout on a full disk", () => {
    const b = sh(`"$NODE" "$BIN" build "${seed}" -o "${join(tmp, "missing/x.wasm")}"`);
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/^error\[E_IO\]: cannot write .*x\.wasm: no such file or folder/);
    expect(existsSync(join(tmp, "missing"))).toBe(false);
    const p = sh(`printf '1,2\\n' | "$NODE" "$BIN" predict "${seed}" - > /dev/full`);
    expect(p.status).toBe(2);
    expect(p.stderr).toMatch(/^error\[E_IO\]: cannot write stdout: no space left on the device/);
  });
  it("an unreadable rows file or model is E_IO too", async () => {
    const r = await cli(["predict", seed, tmp]);
    expect([r.code, r.err]).toEqual([2, `error[E_IO]: ${tmp}: is a directory\n`]);
    expect((await cli(["inspect", join(tmp, "nope.json")])).err).toBe(
      `error[E_IO]: ${join(tmp, "nope.json")}: no such file\n`,
    );
  });
});

describe("rows through predict", () => {
  it("a header that does not name every feature is refused, naming the column; --no-header reads by position", async () => {
    const bad = await cli(["predict", seed, "-"], "x2,foo\n1,2\n");
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(
      /^error\[E_INPUT\]: stdin header, column 2: "foo" is not a feature of the model \(x1, x2\)/,
    );
    const byPos = await cli(["predict", seed, "-", "--no-header"], "x2,foo\n1,2\n");
    const plain = await cli(["predict", seed, "-"], "1,2\n");
    expect(byPos.code).toBe(0);
    expect(byPos.out).toBe(plain.out);
  });
  it("JSON rows with a BOM are read like CSV with one; 1e400 is refused naming row and feature", async () => {
    const j = await cli(["predict", seed, "-"], "\uFEFF[[1,2]]");
    expect(j.out).toBe((await cli(["predict", seed, "-"], "1,2\n")).out);
    const big = await cli(["predict", seed, "-", "--format", "csv"], "1,2\n3,1e400\n");
    expect(big.code).toBe(2);
    expect(big.err).toMatch(/^error\[E_INPUT\]: stdin row 2, feature 2 \("x2"\): 1e400 is outside float32's range/);
  });
  it("a NaN in a later batch is reported with its row in the file", async () => {
    const rows = Array.from({ length: 70_000 }, () => "1,2");
    rows[69_999] = "1,nan";
    const r = await cli(["predict", seed, "-", "--format", "csv"], rows.join("\n"));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error\[E_INPUT\]: stdin row 70000, feature 2 \("x2"\): NaN/);
  });
});

describe("predict streams", () => {
  it("a 400,000-row CSV runs in a 16 MiB heap (the whole-text reader needed more than 24), every row predicted, in CSV and in JSON", () => {
    const file = join(tmp, "big.csv");
    const n = 400_000;
    const lines = ["x1,x2"];
    for (let i = 0; i < n; i++)
      lines.push(`${((i % 400) / 100 - 2).toFixed(2)},${(((i * 7) % 400) / 100 - 2).toFixed(2)}`);
    writeFileSync(file, lines.join("\n") + "\n");
    const small = ["--max-old-space-size=16", bin, "predict", seed, file];
    const csv = spawnSync(process.execPath, [...small, "--format", "csv"], { encoding: "utf8", maxBuffer: 1 << 26 });
    expect(csv.status, csv.stderr).toBe(0);
    const out = csv.stdout.trimEnd().split("\n");
    expect(out).toHaveLength(n + 1);
    expect(out[0]).toBe("probabilities_0,probabilities_1,label");
    // Row 401 (index 400) repeats row 1's inputs: the same result.
    expect(out[401]).toBe(out[1]);
    const json = spawnSync(process.execPath, small, { encoding: "utf8", maxBuffer: 1 << 26 });
    expect(json.status, json.stderr).toBe(0);
    const y = JSON.parse(json.stdout) as { probabilities: number[][]; label: number[][] };
    expect(y.probabilities).toHaveLength(n);
    expect(y.label).toHaveLength(n);
  });
});
