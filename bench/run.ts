/**
 * `npm run bench`: every benchmark in a process of its own, then the report.
 *
 * 1. edgeinfer's own benchmarks: every *.bench.ts (predict.bench.ts once per kernel build).
 * 2. The peer comparison (compare.ts): the SIMD build with every contender in one process; the
 *    scalar build with plain JavaScript in another (one kernel build per process); the scaling
 *    models (3 to ~1M parameters) with plain JavaScript and onnxruntime-web.
 * 3. Cold start and memory (cold.ts): a fresh `node` per contender and run.
 * 4. Bytes shipped, from the installed files.
 * Then bench/results/peers.json, and scripts/bench-report.mjs draws the tables and charts.
 *
 * `npm run bench -- --peers` skips step 1; `--no-report` skips the report. Peers that are not
 * installed (`npm run bench:setup`) are skipped, and said so.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { arch, cpus, platform, release, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { bundleRuntime, coldRounds, median, prepareColdDir } from "./cold-setup.js";
import { trainedModels } from "./models.js";
import { notInstalled, PEERS_DIR } from "./peer-load.js";
import { root } from "./suite.js";

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const args = process.argv.slice(2);
const RESULTS = root("bench/results");
mkdirSync(RESULTS, { recursive: true });
let failed = false;

function node(file: string, ...a: string[]): boolean {
  const r = spawnSync(process.execPath, [here(file), ...a], { stdio: "inherit" });
  if (r.status !== 0) {
    failed = true;
    console.error(`${file} ${a.join(" ")} failed (${r.status ?? r.signal})`);
  }
  return r.status === 0;
}
const readJson = (f: string) => (existsSync(f) ? JSON.parse(readFileSync(f, "utf8")) : undefined);

if (!args.includes("--peers")) {
  // Every *.bench.js here; the seed-model one once per kernel build (predict.bench.ts's header).
  const own = readdirSync(here("."))
    .filter((f) => f.endsWith(".bench.js"))
    .sort();
  for (const file of own) {
    node(file);
    if (file === "predict.bench.js") node(file, "off");
  }
}

const peerStatus = Object.fromEntries(
  ["onnxruntime-node", "onnxruntime-web", "@tensorflow/tfjs-backend-wasm"].map((p) => [
    p,
    notInstalled(p) ?? "installed",
  ]),
);
const missing = Object.entries(peerStatus).filter(([, s]) => s !== "installed");
if (missing.length)
  console.log(
    `\nPeers not installed, skipped: ${missing.map(([p]) => p).join(", ")}. Run \`npm run bench:setup\` to install them under bench/peers/.`,
  );

// ---------------------------------------------------------------- timing comparisons
const files = {
  simd: `${RESULTS}/compare-main-simd.json`,
  scalar: `${RESULTS}/compare-main-scalar.json`,
  scaling: `${RESULTS}/compare-scaling-simd.json`,
};
node("compare.js", "--build", "simd", "--set", "main", "--time", "600", "--out", files.simd);
node("compare.js", "--build", "scalar", "--set", "main", "--time", "600", "--out", files.scalar);
node(
  "compare.js",
  "--build",
  "simd",
  "--set",
  "scaling",
  "--only",
  "edgeinfer-simd,js,ort-web",
  "--out",
  files.scaling,
);

// ---------------------------------------------------------------- cold start and memory
/** Rounds of cold starts: every contender once a round, in a shuffled order (cold-setup.ts). */
const SPAWNS = 11;
const COLD_CONTENDERS = [
  "edgeinfer-simd",
  "edgeinfer-scalar",
  "edgeinfer-standalone",
  "js",
  "ort-node",
  "ort-web",
  "tfjs-wasm",
];
const available = (c: string) =>
  (c.endsWith("-bundle") ? bundle !== undefined : undefined) ??
  (
    {
      "ort-node": !notInstalled("onnxruntime-node"),
      "ort-web": !notInstalled("onnxruntime-web"),
      "tfjs-wasm": !notInstalled("@tensorflow/tfjs-backend-wasm"),
    } as Record<string, boolean>
  )[c] ??
  true;

const cold: Array<Record<string, unknown>> = [];
const bare: number[] = [];
for (let i = 0; i < SPAWNS; i++) {
  const r = spawnSync(
    process.execPath,
    ["--expose-gc", "-e", "for (let i = 0; i < 3; i++) gc(); process.stdout.write(String(process.memoryUsage().rss))"],
    { encoding: "utf8" },
  );
  bare.push(Number(r.stdout));
}
// The runtime bundled into one minified file, as a web or edge deployment ships it (rolldown is
// a devDependency; without it this contender is skipped).
const bundle = await bundleRuntime();
if (bundle) COLD_CONTENDERS.splice(1, 0, "edgeinfer-simd-bundle");
const trained = trainedModels().filter((m) => m.id === "blog_lr" || m.id === "mlp_784_256_128_10");
console.log(
  `\ncold start (import → first prediction) and memory added, fresh process each, median of ${SPAWNS} interleaved rounds`,
);
for (const m of trained) {
  const dir = await prepareColdDir(m);
  const present = COLD_CONTENDERS.filter(available);
  for (const c of COLD_CONTENDERS)
    if (!available(c)) cold.push({ model: m.id, contender: c, skipped: "not installed" });
  const all = coldRounds(dir, present, SPAWNS, (c, err) => {
    failed = true;
    console.error(`cold ${c} ${m.id}: ${err}`);
  });
  for (const c of present) {
    const runs = all.get(c)!;
    if (!runs.length) continue;
    const med = (k: string) => median(runs.map((x) => x[k]!));
    const row = {
      model: m.id,
      contender: c,
      spawns: runs.length,
      coldMs: med("coldMs"),
      coldMsAll: runs.map((x) => x.coldMs),
      sinceProcessStartMs: med("sinceProcessStartMs"),
      rssAdded: med("rssAdded"),
      heapAdded: med("heapAdded"),
      externalAdded: med("externalAdded"),
    };
    cold.push(row);
    console.log(
      `  ${m.id.padEnd(20)} ${c.padEnd(18)} ${row.coldMs.toFixed(1).padStart(8)} ms   RSS +${(row.rssAdded / 2 ** 20).toFixed(1).padStart(6)} MiB   heap +${(row.heapAdded / 2 ** 20).toFixed(2).padStart(6)} MiB`,
    );
  }
}

// ---------------------------------------------------------------- bytes shipped
function sizeOf(paths: string[]): { raw: number; gzip: number } {
  let raw = 0,
    gzip = 0;
  for (const p of paths) {
    const b = readFileSync(p);
    raw += b.length;
    gzip += gzipSync(b, { level: 9 }).length;
  }
  return { raw, gzip };
}
function du(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((s, f) => s + du(`${path}/${f}`), 0);
}
/** The module graph of an ES module (relative imports only): what a bundler would ship. */
function jsGraph(entry: string, seen = new Set<string>()): string[] {
  if (seen.has(entry)) return [];
  seen.add(entry);
  const text = readFileSync(entry, "utf8");
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g))
    jsGraph(fileURLToPath(new URL(m[1]!, `file://${entry}`)), seen);
  return [...seen];
}
const nm = (p: string) => `${PEERS_DIR}/node_modules/${p}`;
const sizes: Array<Record<string, unknown>> = [];
// The npm entry as shipped (dist/pkg/index.js, one module: scripts/build-dist.mjs).
const edgeJs = jsGraph(root("dist/pkg/index.js"));
const pk = spawnSync("npm", ["pack", "--dry-run", "--json", "--silent"], { cwd: root(""), encoding: "utf8" });
let edgePkg: number | undefined;
try {
  edgePkg = (JSON.parse(pk.stdout) as Array<{ unpackedSize: number }>)[0]!.unpackedSize;
} catch {
  /* npm missing */
}
sizes.push({
  contender: "edgeinfer",
  wasm: sizeOf([root("build/edgeinfer.simd.wasm")]),
  wasmScalar: sizeOf([root("build/edgeinfer.scalar.wasm")]),
  js: bundle ? sizeOf([bundle]) : sizeOf(edgeJs),
  jsModules: sizeOf(edgeJs),
  jsNote: `${bundle ? "the runtime entry minified (rolldown); " : ""}both wasm builds are embedded in it as base64. The npm entry as shipped (not minified): ${edgeJs.length} module${edgeJs.length === 1 ? "" : "s"}, ${sizeOf(edgeJs).raw} B`,
  native: null,
  disk: edgePkg,
  diskNote: "npm pack unpacked size (importer, CLI, docs included)",
});
if (available("ort-web")) {
  const d = nm("onnxruntime-web/dist");
  sizes.push({
    contender: "ort-web",
    wasm: sizeOf([`${d}/ort-wasm-simd-threaded.wasm`]),
    js: sizeOf([`${d}/ort.node.min.mjs`, `${d}/ort-wasm-simd-threaded.mjs`]),
    native: null,
    disk: du(nm("onnxruntime-web")) + du(nm("onnxruntime-common")),
  });
}
if (available("ort-node")) {
  const bin = nm(`onnxruntime-node/bin/napi-v6/${platform()}/${arch()}`);
  const natives = existsSync(bin) ? readdirSync(bin).map((f) => `${bin}/${f}`) : [];
  const jsIn = (d: string) =>
    existsSync(d)
      ? readdirSync(d)
          .filter((f) => f.endsWith(".js"))
          .map((f) => `${d}/${f}`)
      : [];
  const js = [...jsIn(nm("onnxruntime-node/dist")), ...jsIn(nm("onnxruntime-common/dist/cjs"))];
  sizes.push({
    contender: "ort-node",
    wasm: null,
    js: sizeOf(js),
    native: sizeOf(natives),
    disk: du(nm("onnxruntime-node")) + du(nm("onnxruntime-common")),
    diskNote: "npm package holds every platform's binaries",
  });
}
if (available("tfjs-wasm")) {
  const t = (p: string) => nm(`@tensorflow/${p}`);
  sizes.push({
    contender: "tfjs-wasm",
    wasm: sizeOf([t("tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm")]),
    js: sizeOf([
      t("tfjs-core/dist/tf-core.node.js"),
      t("tfjs-layers/dist/tf-layers.node.js"),
      t("tfjs-backend-wasm/dist/tf-backend-wasm.node.js"),
    ]),
    native: null,
    disk: du(t("tfjs-core")) + du(t("tfjs-layers")) + du(t("tfjs-backend-wasm")),
  });
}
sizes.push({
  contender: "js",
  wasm: null,
  js: null,
  native: null,
  disk: null,
  note: "the model's own code: nothing to install",
});

// ---------------------------------------------------------------- peers.json
const cpu = cpus()[0]?.model ?? "?";
const result = {
  machine: {
    cpu,
    cores: cpus().length,
    memGiB: +(totalmem() / 2 ** 30).toFixed(1),
    os: `${platform()} ${release()} ${arch()}`,
    node: process.version,
    v8: process.versions.v8,
  },
  date: new Date().toISOString(),
  peers: Object.fromEntries(
    [
      "onnxruntime-node",
      "onnxruntime-web",
      "@tensorflow/tfjs-core",
      "@tensorflow/tfjs-layers",
      "@tensorflow/tfjs-backend-wasm",
    ].map((p) => [p, readJson(nm(`${p}/package.json`))?.version ?? null]),
  ),
  compare: readJson(files.simd),
  scalar: readJson(files.scalar),
  scaling: readJson(files.scaling),
  cold: { spawns: SPAWNS, bareRss: median(bare), rows: cold },
  sizes,
  // edgeinfer's own kernel benchmark (kernels.bench.ts), when step 1 ran: the batched dense kernel's GFLOP/s.
  kernels: readJson(`${RESULTS}/kernels.json`),
  predict: readJson(`${RESULTS}/predict-simd.json`),
};
writeFileSync(`${RESULTS}/peers.json`, JSON.stringify(result, null, 1) + "\n");
console.log(`\nwrote ${RESULTS}/peers.json`);
if (!args.includes("--no-report")) {
  const r = spawnSync(process.execPath, [root("scripts/bench-report.mjs")], { stdio: "inherit" });
  failed ||= r.status !== 0;
}
process.exitCode = failed ? 1 : 0;
