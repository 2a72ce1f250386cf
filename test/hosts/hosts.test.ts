// The same bytes, the same bits, everywhere: each case's rows through its standalone modules
// (`edgeinfer build`, SIMD and scalar) and through the library, in Node, Deno, Bun and headless
// Chromium (page, module worker, module service worker), and through the standalone modules
// with no JavaScript at all: WABT's reference interpreter (both builds) and wasm2c + gcc (scalar:
// wasm2c 1.0.32 cannot translate SIMD). Every host must print exactly Node's bit patterns, and
// the scalar build exactly the SIMD build's (issue 19: a C host on the scalar build answers what
// a browser on the SIMD build answers).
//
// Hosts come from test/hosts/package.json (deno, bun, playwright-core: `cd test/hosts &&
// npm install`), Debian's chromium, wabt and gcc; `.ci/run` installs them all. A host that is
// missing is skipped, by name, and listed on stderr.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import { extname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildStandalone } from "../../src/build/standalone.js";
import { readImage } from "../../src/format/read.js";
import { Model } from "../../src/index.js";
import { pack } from "../../src/pack.js";
import { everyOpModel, seedModel } from "../helpers/models.js";
import { seeded } from "../helpers/rng.js";
import { instantiateStandalone } from "../helpers/standalone.js";
import { parseProbeOutput, probeModule } from "./interp-probe.js";
// @ts-expect-error: plain JavaScript shared with the other hosts
import { runCases } from "./run-cases.mjs";

const root = new URL("../../", import.meta.url).pathname;
const dir = join(root, "build/hosts");
const hostModules = join(root, "test/hosts/node_modules");

type Rows = string[][];
type Results = Record<
  string,
  Record<string, { standalone: { single: Rows; batch: Rows }; library: { single: Rows; batch: Rows } }>
>;
interface Case {
  name: string;
  image: string;
  rows: number[][];
  wasm: Record<string, string>;
}

function which(cmd: string): string | undefined {
  const local = join(hostModules, ".bin", cmd);
  if (existsSync(local)) return local;
  const r = spawnSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}
const deno = which("deno"),
  bun = which("bun"),
  wasmInterp = which("wasm-interp"),
  wasm2c = which("wasm2c"),
  gcc = which("gcc"),
  make = which("make");
const chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find(existsSync);
const playwright = existsSync(join(hostModules, "playwright-core")) ? join(hostModules, "playwright-core") : undefined;
const missing = [
  !deno && "deno (cd test/hosts && npm install)",
  !bun && "bun (cd test/hosts && npm install)",
  !(chromium && playwright) && "chromium (apt-get install chromium; cd test/hosts && npm install for playwright-core)",
  !wasmInterp && "wasm-interp (apt-get install wabt)",
  !(wasm2c && gcc && make) && "wasm2c + gcc + make (apt-get install wabt gcc make)",
].filter(Boolean);
if (missing.length) process.stderr.write(`test/hosts: skipping hosts not installed here: ${missing.join("; ")}\n`);

/** f32 bit patterns of a row of numbers. */
const f32Bits = (row: number[]) => Array.from(new Uint32Array(Float32Array.from(row).buffer));

function fixtureRows(name: string, n: number): number[][] {
  const ref = JSON.parse(readFileSync(join(root, `test/fixtures/onnx/${name}.json`), "utf8")) as { inputs: number[][] };
  return ref.inputs.slice(0, n).map((r) => r.flat(Infinity) as number[]);
}

/**
 * A 4-class multinomial logistic regression with seeded weights, and rows for it: its softmax
 * adds four comparable exps, where a sum in another order than the SIMD lanes' shows first.
 */
function logreg4(): { image: Uint8Array; rows: number[][] } {
  const r = seeded("hosts logreg4");
  const nIn = 9;
  const model = {
    kind: "logistic_regression",
    coefficients: Array.from({ length: 4 }, () => Array.from(r.floats(nIn, -0.6, 0.6))),
    intercept: Array.from(r.floats(4, -0.5, 0.5)),
    classes: [0, 1, 2, 3],
  };
  const rows = Array.from({ length: 40 }, () => Array.from(r.floats(nIn, -2, 2)));
  return {
    image: pack(JSON.stringify(model)),
    rows: [...rows, Array(nIn).fill(0), [1e30, ...Array(nIn - 1).fill(-0)]],
  };
}

/** The models and rows every host runs. Rows include extremes (±1e30, ±Inf, −0, subnormals). */
function cases(): Array<{ name: string; image: Uint8Array; rows: number[][] }> {
  const blog = readFileSync(join(root, "examples/logistic-regression/data.csv"), "utf8")
    .trim()
    .split("\n")
    .slice(1, 41)
    .map((l) => l.split(",").slice(0, 2).map(Number));
  const onnx = (name: string) => pack(readFileSync(join(root, `test/fixtures/onnx/${name}.onnx`)));
  return [
    {
      name: "seed",
      image: seedModel(),
      rows: [...blog, [1e30, -1e30], [Infinity, 0], [-Infinity, 1], [-0, 1e-40], [88, -88]],
    },
    {
      name: "digits_mlp",
      image: onnx("skl_mlp_digits_logistic_nozipmap"),
      rows: fixtureRows("skl_mlp_digits_logistic_nozipmap", 20),
    },
    {
      name: "torch_bn_tanh",
      image: onnx("torch_bn_tanh_sigmoid_bc_op17"),
      rows: [...fixtureRows("torch_bn_tanh_sigmoid_bc_op17", 15), Array(30).fill(1e6)],
    },
    { name: "logreg4", ...logreg4() },
    {
      // A tree ensemble: every host (the C hosts too) runs the TREES kernel.
      name: "trees_gb_bc",
      image: onnx("skl_tree_gb_clf_bc_nozipmap"),
      rows: fixtureRows("skl_tree_gb_clf_bc_nozipmap", 20),
    },
    {
      name: "every_op",
      image: everyOpModel(),
      rows: Array.from({ length: 9 }, (_, r) =>
        Array.from({ length: 6 }, (_, i) => Math.sin(r * 7 + i) * 10 ** ((r % 5) - 1)),
      ),
    },
  ];
}

let node: Results;
let caseList: Case[];

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  caseList = [];
  for (const c of cases()) {
    readImage(c.image);
    const wasm: Record<string, string> = {};
    for (const build of ["simd", "scalar"]) {
      const m = await buildStandalone(c.image, { simd: build === "simd", batchCapacity: 8 }); // several blocks per batch
      wasm[build] = `${c.name}.${build}.wasm`;
      writeFileSync(join(dir, wasm[build]!), m.wasm);
    }
    writeFileSync(join(dir, `${c.name}.eim`), c.image); // for Model.loadFile in main.mjs
    caseList.push({ name: c.name, image: Buffer.from(c.image).toString("base64"), rows: c.rows.map(f32Bits), wasm });
  }
  writeFileSync(join(dir, "cases.json"), JSON.stringify(caseList));
  node = (await runCases((name: string) => Promise.resolve(new Uint8Array(readFileSync(join(dir, name)))))) as Results;
}, 180_000);

describe("Node: the reference every other host must match", () => {
  it("examples/node: online, batch and streaming", () => {
    const out = execFileSync(process.execPath, [join(root, "dist/examples/node/predict.js")], {
      input: readFileSync(join(root, "examples/logistic-regression/data.csv")),
      encoding: "utf8",
    });
    expect(out).toMatch(
      /^online: p = \[0\.117388, 0\.882612\], label 1\nbatch: .*\nstream: 1000 rows scored, \d+ predicted 1\n$/,
    );
  });
  it("standalone modules and library agree with each other, single rows and batches", () => {
    for (const [name, builds] of Object.entries(node)) {
      for (const [build, r] of Object.entries(builds)) {
        expect(r.standalone.single, `${name} ${build}`).toEqual(r.library.single);
        expect(r.standalone.batch, `${name} ${build}`).toEqual(r.standalone.single);
        expect(r.library.batch, `${name} ${build}`).toEqual(r.library.single);
        expect(r.standalone.single.every((row) => row[0] === "0")).toBe(true);
      }
    }
  });
  it("the scalar build gives the SIMD build's bits: standalone modules and library, rows and batches", () => {
    for (const [name, builds] of Object.entries(node)) expect(builds.scalar, name).toEqual(builds.simd);
  });
});

/** A CLI host's run of main.mjs: its results, after checking its Model.loadFile rows against the library's (SIMD) in Node. */
function runHost(cmd: string, args: string[]): Results {
  const out = execFileSync(cmd, args, { cwd: root, encoding: "utf8", maxBuffer: 64 << 20, timeout: 120_000 });
  const { results, loadFile } = JSON.parse(out) as { results: Results; loadFile: Record<string, Rows> };
  expect(Object.keys(loadFile).sort()).toEqual(Object.keys(node).sort());
  for (const [name, rows] of Object.entries(loadFile))
    expect(rows, `${cmd} loadFile ${name}`).toEqual(node[name]!.simd!.library.single);
  return results;
}

describe("JavaScript hosts", () => {
  it.skipIf(!deno)("Deno: the library unbundled and the standalone modules, bit for bit", () => {
    expect(runHost(deno!, ["run", "--allow-read", "--no-prompt", "test/hosts/main.mjs", dir])).toEqual(node);
  });
  it.skipIf(!deno)(
    "examples/deno/gateway.js: JSON lines in, the library's predictions out, bad readings reported",
    () => {
      const input = '{"x1":0.5,"x2":-1}\n[1,2]\n{"x1":1}\n[0.2]\n';
      const out = execFileSync(
        deno!,
        ["run", "--allow-read", "--no-prompt", "examples/deno/gateway.js", "examples/deno/model.eim"],
        { cwd: root, input, encoding: "utf8" },
      );
      const model = Model.load(new Uint8Array(readFileSync(join(root, "examples/deno/model.eim"))));
      const want = [
        [0.5, -1],
        [1, 2],
      ].map((r) => ({ probabilities: Array.from(model.predict(r)), label: model.predictLabel(r) }));
      expect(
        out
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l) as unknown),
      ).toEqual([...want, { error: 'missing feature "x2"' }, { error: "expected 2 values, got 1" }]);
    },
  );
  it.skipIf(!bun)("Bun: bit for bit", () => {
    expect(runHost(bun!, ["test/hosts/main.mjs", dir])).toEqual(node);
  });

  describe.skipIf(!(chromium && playwright))("headless Chromium", () => {
    let server: Server;
    let url: string;
    let browser: import("playwright-core").Browser;
    beforeAll(async () => {
      const { chromium: pw } = createRequire(import.meta.url)(playwright!) as typeof import("playwright-core");
      browser = await pw.launch({ executablePath: chromium, args: ["--no-sandbox"] });
      const types: Record<string, string> = {
        ".html": "text/html",
        ".mjs": "text/javascript",
        ".js": "text/javascript",
        ".json": "application/json",
        ".wasm": "application/wasm",
      };
      server = createServer((req, res) => {
        let path = join(root, decodeURIComponent(new URL(req.url!, "http://x").pathname));
        if (path.endsWith("/")) path += "index.html";
        if (!path.startsWith(root) || !existsSync(path) || statSync(path).isDirectory()) {
          res.writeHead(404).end();
          return;
        }
        res
          .writeHead(200, { "content-type": types[extname(path)] ?? "application/octet-stream" })
          .end(readFileSync(path));
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      url = `http://127.0.0.1:${(server.address() as { port: number }).port}/test/hosts/page.html`;
    });
    afterAll(async () => {
      await browser?.close();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    });

    it("a page, a module worker and a module service worker: bit for bit", async () => {
      const page = await browser.newPage();
      try {
        const errors: string[] = [];
        page.on("pageerror", (e) => errors.push(String(e)));
        await page.goto(url);
        await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true, undefined, {
          timeout: 30_000,
        });
        const got = await page.evaluate(() =>
          (window as unknown as { check: () => Promise<Record<string, unknown>> }).check(),
        );
        expect(errors).toEqual([]);
        expect(got.userAgent).toMatch(/Chrome/);
        expect(got.page).toEqual(node);
        expect(got.worker).toEqual(node);
        expect(got.serviceWorker).toEqual(node);
      } finally {
        await page.close();
      }
    });

    it("examples/browser: the form predicts what the library predicts in Node", async () => {
      const page = await browser.newPage();
      try {
        await page.goto(url.replace("/test/hosts/page.html", "/examples/browser/"));
        await page.fill("input[name=x1]", "0.5");
        await page.fill("input[name=x2]", "-1");
        await page.click("button[type=submit]");
        const model = Model.load(new Uint8Array(readFileSync(join(root, "examples/browser/model.eim"))));
        const p = Array.from(model.predict([0.5, -1]), (v) => v.toFixed(6)).join(", ");
        await page.waitForFunction((want) => document.getElementById("result")!.textContent!.includes(want), p, {
          timeout: 10_000,
        });
        expect(await page.textContent("#result")).toBe(`probabilities: ${p}\nlabel: ${model.predictLabel([0.5, -1])}`);
      } finally {
        await page.close();
      }
    });
  });
});

describe("no JavaScript at all", () => {
  it.skipIf(!wasmInterp)("WABT's reference interpreter runs both standalone modules: bit for bit", () => {
    for (const c of caseList) {
      for (const build of ["simd", "scalar"]) {
        const wasm = readFileSync(join(dir, c.wasm[build]!));
        const e = instantiateStandalone(wasm);
        const probe = join(dir, `${c.name}.${build}.probe.wasm`);
        writeFileSync(probe, probeModule(wasm, e.input_ptr(), e.output_ptr(), e.output_len(), c.rows));
        const out = execFileSync(wasmInterp!, [probe, "--run-all-exports"], { encoding: "utf8", maxBuffer: 64 << 20 });
        const got = parseProbeOutput(out, c.rows.length);
        expect(got, `${c.name} ${build}`).toEqual(node[c.name]![build]!.standalone.single);
        expect(got, `${c.name} ${build} against Node's SIMD build`).toEqual(node[c.name]!.simd!.standalone.single);
      }
    }
  });

  it.skipIf(!(wasm2c && gcc && make))(
    "wasm2c + gcc (examples/c-host) runs the scalar modules: the SIMD build's bits",
    () => {
      for (const c of caseList) {
        const out = join(dir, `c-${c.name}`);
        execFileSync(
          make!,
          [
            "-s",
            "-C",
            join(root, "examples/c-host"),
            `OUT=${out}`,
            `WASM=${join(dir, c.wasm.scalar!)}`,
            `${out}/predict`,
          ],
          { stdio: "pipe" },
        );
        const text =
          c.rows
            .map((bits) =>
              Array.from(new Float32Array(Uint32Array.from(bits).buffer), (v) =>
                Object.is(v, -0) ? "-0" : String(v),
              ).join(","),
            )
            .join("\n") + "\n";
        const r = spawnSync(join(out, "predict"), ["-", "--bits"], { input: text, encoding: "utf8" });
        expect(r.status, r.stderr).toBe(0);
        const rows = r.stdout
          .trim()
          .split("\n")
          .map((l) => ["0", ...l.split(",")]);
        expect(rows, c.name).toEqual(node[c.name]!.scalar!.standalone.single);
        expect(rows, `${c.name} against Node's SIMD build`).toEqual(node[c.name]!.simd!.standalone.single);
      }
    },
  );
});
