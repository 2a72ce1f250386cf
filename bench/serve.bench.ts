/**
 * `edgeinfer serve` under load (autocannon 8 on loopback, keep-alive), one process per contender:
 *   bare            node:http answering the model's answer as a constant (the ceiling of HTTP in Node)
 *   edgeinfer serve the real server (both protocols, metrics, auth checks, hot swap): KServe v2 JSON
 *   same+edgeinfer  bench/serve-peer.ts's minimal server with Model.predict
 *   same+ort        the very same minimal server with onnxruntime-node's session.run
 * for the blog's model, MLP 64-128-64-10 and MLP 784-256-128-10, single-row JSON predict, at 1, 10
 * and 100 connections. Then 100 swaps under load, RSS with 200 models, and process start to ready.
 * Answers are checked against onnxruntime-node before timing. Latencies are each response's own
 * (autocannon's per-response hook, sub-millisecond), not autocannon's whole-millisecond histogram.
 * Run: npm run build && node dist/bench/serve.bench.js  (SERVE_BENCH_SECONDS=1.5 per run, SERVE_BENCH_REPS=3)
 * SERVE_BENCH_ONLY=swaps runs only the swaps and rewrites only their rows of bench/results/serve.md.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { type Any, peerRequire } from "./peer-load.js";
import { root } from "./suite.js";

const autocannon: Any = peerRequire("autocannon");
const loadAtStart = loadavg()[0]!;
const SECONDS = Number(process.env.SERVE_BENCH_SECONDS ?? 1.5);
const SWAPS_ONLY = process.env.SERVE_BENCH_ONLY === "swaps";
const CONNECTIONS = [1, 10, 100];
const MODELS = [
  { id: "blog_lr", name: "blog", label: "blog LR (2 features)" },
  { id: "mlp_64_128_64_10", name: "mlp64", label: "MLP 64-128-64-10" },
  { id: "mlp_784_256_128_10", name: "mlp784", label: "MLP 784-256-128-10" },
];
const file = (id: string) => root(`bench/models/${id}.onnx`);
const firstRow = (id: string, k: number) =>
  Array.from(new Float32Array(readFileSync(root(`bench/models/${id}.rows.f32`)).buffer.slice(0, 4 * k) as ArrayBuffer));
const inputNames: Record<string, [string, number]> = {
  blog_lr: ["float_input", 2],
  mlp_64_128_64_10: ["input", 64],
  mlp_784_256_128_10: ["input", 784],
};
const bodyOf = (id: string) => {
  const [name, k] = inputNames[id]!;
  return JSON.stringify({ inputs: [{ name, shape: [1, k], datatype: "FP32", data: firstRow(id, k) }] });
};

interface Server {
  child: ChildProcess;
  port: number;
  stop(): Promise<void>;
}

/** Spawns a server and resolves once it says its port (stdout "PORT n", or the serve log's listen line). */
function spawnServer(args: string[]): Promise<Server> {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    const found = (port: number) =>
      resolve({
        child,
        port,
        stop: () =>
          new Promise<void>((r) => {
            child.once("exit", () => r());
            child.kill("SIGTERM");
          }),
      });
    createInterface({ input: child.stdout! }).on("line", (l) => {
      const m = /^PORT (\d+)/.exec(l);
      if (m) found(Number(m[1]));
    });
    createInterface({ input: child.stderr! }).on("line", (l) => {
      if (l.includes('"event":"listen"')) found(JSON.parse(l).port);
      else if (!l.startsWith("{")) process.stderr.write(`${l}\n`);
    });
    child.once("exit", (code) => reject(new Error(`${args.join(" ")} exited ${code}`)));
  });
}

const serveArgs = (dir: string) => [
  root("bin/edgeinfer.js"),
  "serve",
  dir,
  "--port",
  "0",
  "--poll",
  "0",
  "--log-level",
  "info",
];
const peerArgs = (backend: string, id: string) => [root("dist/bench/serve-peer.js"), backend, file(id)];

interface Run {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  requests: number;
}

const quantile = (xs: Float64Array, q: number) => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

async function load(url: string, body: string, connections: number, seconds = SECONDS): Promise<Run> {
  const lat: number[] = [];
  const r = await autocannon({
    url,
    connections,
    duration: seconds,
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    setupClient: (client: Any) => client.on("response", (_s: number, _b: number, ms: number) => lat.push(ms)),
  });
  const sorted = Float64Array.from(lat).sort();
  return {
    rps: r.requests.average,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    requests: r.requests.total,
  };
}

async function answer(port: number, path: string, body: string): Promise<Record<string, number[]>> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  const j = (await r.json()) as { outputs: Array<{ name: string; data: Array<number | string> }> };
  return Object.fromEntries(j.outputs.map((o) => [o.name, o.data.map(Number)]));
}

function agree(a: Record<string, number[]>, b: Record<string, number[]>, what: string): void {
  for (const [name, ref] of Object.entries(b)) {
    const got = a[name];
    if (
      !got ||
      got.length !== ref.length ||
      got.some((v, i) => Math.abs(v - ref[i]!) > 1e-5 + 1e-5 * Math.abs(ref[i]!))
    )
      throw new Error(
        `${what}: output ${name} ${JSON.stringify(got)} differs from onnxruntime-node's ${JSON.stringify(ref)}`,
      );
  }
}

const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;
const mib = (b: number) => (b / 1048576).toFixed(1);

// ---- the folder edgeinfer serve reads
const dir = mkdtempSync(join(tmpdir(), "edgeinfer-serve-bench-"));
for (const m of MODELS) copyFileSync(file(m.id), join(dir, `${m.name}.onnx`));

const CONTENDERS = ["bare", "edgeinfer serve", "same+edgeinfer", "same+ort"] as const;
type Contender = (typeof CONTENDERS)[number];
const results: Record<string, Record<Contender, Record<number, Run>>> = {};

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const REPS = Number(process.env.SERVE_BENCH_REPS ?? 3);
// Contenders take turns (REPS rounds of each, medians kept), so that a change in the shared
// machine's load falls on all of them alike.
const served = await spawnServer(serveArgs(dir)); // one edgeinfer serve for every model, as a gateway runs
for (const m of SWAPS_ONLY ? [] : MODELS) {
  const body = bodyOf(m.id);
  const servers: Record<Contender, Server> = {
    bare: await spawnServer(peerArgs("bare", m.id)),
    "edgeinfer serve": served,
    "same+edgeinfer": await spawnServer(peerArgs("edgeinfer", m.id)),
    "same+ort": await spawnServer(peerArgs("ort", m.id)),
  };
  const urlOf = (c: Contender) =>
    `http://127.0.0.1:${servers[c].port}${c === "edgeinfer serve" ? `/v2/models/${m.name}/infer` : "/"}`;
  const ref = await answer(servers["same+ort"].port, "/", body);
  for (const c of ["same+edgeinfer", "edgeinfer serve"] as const)
    agree(await answer(servers[c].port, new URL(urlOf(c)).pathname, body), ref, `${c} ${m.id}`);
  results[m.id] = { bare: {}, "edgeinfer serve": {}, "same+edgeinfer": {}, "same+ort": {} };
  for (const c of CONTENDERS) await load(urlOf(c), body, 10, 1); // warm-up
  for (const n of CONNECTIONS) {
    const runs: Record<string, Run[]> = {};
    for (let rep = 0; rep < REPS; rep++)
      for (const c of CONTENDERS) (runs[c] ??= []).push(await load(urlOf(c), body, n));
    for (const c of CONTENDERS) {
      const rs = runs[c]!;
      const r: Run = {
        rps: median(rs.map((x) => x.rps)),
        p50: median(rs.map((x) => x.p50)),
        p99: median(rs.map((x) => x.p99)),
        errors: rs.reduce((t, x) => t + x.errors, 0),
        non2xx: rs.reduce((t, x) => t + x.non2xx, 0),
        requests: rs.reduce((t, x) => t + x.requests, 0),
      };
      results[m.id]![c][n] = r;
      console.log(
        `${m.id.padEnd(20)} ${c.padEnd(16)} ${String(n).padStart(3)} conn: ${Math.round(r.rps)} req/s, p50 ${r.p50.toFixed(3)} ms, p99 ${r.p99.toFixed(3)} ms, errors ${r.errors}, non-2xx ${r.non2xx}`,
      );
    }
  }
  for (const c of ["bare", "same+edgeinfer", "same+ort"] as const) await servers[c].stop();
}
await served.stop();

// ---- 100 swaps under load (MLP 64, 10 connections), as .onnx (packed in the worker thread, and
// on the server's thread for comparison) and as .eim: every request must succeed
interface SwapRun {
  model: string;
  ext: string;
  packedIn: "worker" | "thread";
  swaps: number;
  steady: Run;
  under: Run;
  rssBefore: number;
  rssAfter: number;
}
const SWAPS = 100;
const { pack } = await import("../src/pack.js");
/** createServer({ packWorker: false }) as the CLI would serve the folder (its listen line on stderr). */
const threadPackingArgs = (dir: string) => [
  "--input-type=module",
  "-e",
  `import { createServer, jsonLogger } from ${JSON.stringify(root("dist/pkg/serve.js"))};
const s = createServer({ dir: ${JSON.stringify(dir)}, port: 0, pollMs: 0, packWorker: false,
  logger: jsonLogger((l) => process.stderr.write(l), "info") });
await s.listen();
process.once("SIGTERM", () => s.close().then(() => process.exit(0)));`,
];
async function swapRun(
  ext: "onnx" | "eim",
  packedIn: "worker" | "thread" = "worker",
  id = "mlp_64_128_64_10",
): Promise<SwapRun> {
  const swapDir = mkdtempSync(join(tmpdir(), "edgeinfer-swap-bench-"));
  const onnxBytes = new Uint8Array(readFileSync(file(id)));
  const bytes = ext === "onnx" ? onnxBytes : pack(onnxBytes);
  writeFileSync(join(swapDir, `mlp64.${ext}`), bytes);
  const srv = await spawnServer(packedIn === "thread" ? threadPackingArgs(swapDir) : serveArgs(swapDir));
  const body = bodyOf(id);
  const url = `http://127.0.0.1:${srv.port}/v2/models/mlp64/infer`; // the folder's one model, whichever it is
  await load(url, body, 10, 1);
  const steady = await load(url, body, 10, 4);
  const rssBefore = rssOf(srv.child.pid!);
  const swapper = (async () => {
    for (let i = 0; i < SWAPS; i++) {
      const tmp = join(swapDir, ".next.tmp");
      writeFileSync(tmp, bytes);
      renameSync(tmp, join(swapDir, `mlp64.${ext}`)); // a new inode: a new version of the file
      await new Promise((r) => setTimeout(r, 80)); // past the watcher's 50 ms settle
    }
  })();
  const under = await load(url, body, 10, Math.ceil((SWAPS * 85) / 1000) + 1);
  await swapper;
  await new Promise((r) => setTimeout(r, 200));
  const metrics = await (await fetch(`http://127.0.0.1:${srv.port}/metrics`)).text();
  const swaps = Number(/^edgeinfer_model_swaps_total\{model="mlp64"\} (\d+)/m.exec(metrics)?.[1] ?? 0);
  await load(url, body, 10, 1);
  await new Promise((r) => setTimeout(r, 2_500)); // past the packing worker's 2 s idle end
  const rssAfter = rssOf(srv.child.pid!);
  await srv.stop();
  rmSync(swapDir, { recursive: true, force: true });
  console.log(
    `swaps (${id}.${ext}, ${ext === "eim" ? "loaded as is" : `packed in the ${packedIn === "worker" ? "worker" : "server's thread"}`}): ${swaps}, requests ${under.requests}, errors ${under.errors}, non-2xx ${under.non2xx}, p99 ${under.p99.toFixed(3)} ms (steady ${steady.p99.toFixed(3)} ms), RSS ${mib(rssBefore)} -> ${mib(rssAfter)} MiB`,
  );
  return { model: MODELS.find((m) => m.id === id)!.label, ext, packedIn, swaps, steady, under, rssBefore, rssAfter };
}
const swapRuns = [
  await swapRun("onnx"),
  await swapRun("onnx", "thread"),
  await swapRun("eim"),
  // A model whose packing takes milliseconds: where moving it off the server's thread shows.
  await swapRun("onnx", "worker", "mlp_784_256_128_10"),
  await swapRun("onnx", "thread", "mlp_784_256_128_10"),
];

function swapRows(): string[] {
  const f0 = (x: number) => Math.round(x).toLocaleString("en-US");
  const f3 = (x: number) => x.toFixed(3);
  const rows: string[] = [];
  for (const w of swapRuns) {
    const how =
      w.ext === "eim"
        ? "loaded as it is"
        : w.packedIn === "worker"
          ? "packed in the worker thread"
          : "packed on the server's thread, `packWorker: false`";
    rows.push(
      `- ${w.swaps} swaps of ${w.model}'s .${w.ext} file (${how}; a new file renamed over it every ~80 ms, seen by fs.watch) during`,
    );
    rows.push(
      `  ${f0(w.under.requests)} requests at 10 connections: ${w.under.errors} errors, ${w.under.non2xx} non-2xx answers;`,
    );
    rows.push(
      `  p99 ${f3(w.under.p99)} ms against ${f3(w.steady.p99)} ms steady (${(((w.under.p99 - w.steady.p99) / w.steady.p99) * 100).toFixed(0)} %);`,
    );
    rows.push(
      `  req/s ${f0(w.under.rps)} against ${f0(w.steady.rps)}; RSS ${mib(w.rssBefore)} MiB before, ${mib(w.rssAfter)} MiB 2.5 s after (${((w.rssAfter - w.rssBefore) / 1048576).toFixed(2)} MiB).`,
    );
  }
  return rows;
}
if (SWAPS_ONLY) {
  // Only the swap rows of the committed results change (with the conditions of this run).
  rmSync(dir, { recursive: true, force: true });
  const path = root("bench/results/serve.md");
  const md = readFileSync(path, "utf8").split("\n");
  const from = md.findIndex((l) => l.startsWith("## Swaps under load"));
  const to = md.findIndex((l, i) => i > from && l.startsWith("- 200 models"));
  if (from < 0 || to < 0) throw new Error("bench/results/serve.md has no swap rows to replace");
  const when = `Swap rows from \`SERVE_BENCH_ONLY=swaps\` (${new Date().toISOString().slice(0, 10)}, Node ${process.version}, load average ${loadAtStart.toFixed(1)} at the start, 2 cores shared with other jobs; the other rows are from the full run above).`;
  md.splice(from + 1, to - from - 1, "", when, "", ...swapRows());
  writeFileSync(path, md.join("\n"));
  process.exit(0);
}

// ---- RSS: 200 models in one process (as .onnx, packed at load, and as .eim), against the bare server
const manyDir = mkdtempSync(join(tmpdir(), "edgeinfer-many-bench-"));
const manyEimDir = mkdtempSync(join(tmpdir(), "edgeinfer-many-eim-bench-"));
const manyId = (i: number) => (i % 2 ? "mlp_64_128_64_10" : "blog_lr");
for (let i = 0; i < 200; i++) {
  copyFileSync(file(manyId(i)), join(manyDir, `m${i}.onnx`));
  writeFileSync(join(manyEimDir, `m${i}.eim`), pack(new Uint8Array(readFileSync(file(manyId(i))))));
}
const bare = await spawnServer(peerArgs("bare", "blog_lr"));
await load(`http://127.0.0.1:${bare.port}/`, bodyOf("blog_lr"), 10, 1);
const rssBare = rssOf(bare.child.pid!);
await bare.stop();
async function rssWith200(folder: string): Promise<number> {
  const many = await spawnServer(serveArgs(folder));
  for (let i = 0; i < 200; i++) await answer(many.port, `/v2/models/m${i}/infer`, bodyOf(manyId(i)));
  await load(`http://127.0.0.1:${many.port}/v2/models/m0/infer`, bodyOf("blog_lr"), 10, 1);
  const rss = rssOf(many.child.pid!);
  await many.stop();
  return rss;
}
const rssMany = await rssWith200(manyDir);
const rssManyEim = await rssWith200(manyEimDir);
console.log(
  `RSS: bare ${mib(rssBare)} MiB, edgeinfer serve with 200 models: .onnx ${mib(rssMany)} MiB (+${mib(rssMany - rssBare)}), .eim ${mib(rssManyEim)} MiB (+${mib(rssManyEim - rssBare)})`,
);

// ---- process start to ready (first answered predict), blog model, median of 7
const blogDir = mkdtempSync(join(tmpdir(), "edgeinfer-start-bench-"));
copyFileSync(file("blog_lr"), join(blogDir, "blog.onnx"));
const blogImageDir = mkdtempSync(join(tmpdir(), "edgeinfer-start-eim-"));
writeFileSync(join(blogImageDir, "blog.eim"), pack(new Uint8Array(readFileSync(file("blog_lr")))));
async function startToReady(args: string[], path: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    const s = await spawnServer(args);
    await answer(s.port, path, bodyOf("blog_lr"));
    times.push(performance.now() - t0);
    await s.stop();
  }
  return times.sort((a, b) => a - b)[3]!;
}
const startBare = await startToReady(peerArgs("bare", "blog_lr"), "/");
const startOnnx = await startToReady(serveArgs(blogDir), "/v2/models/blog/infer");
const startEim = await startToReady(serveArgs(blogImageDir), "/v2/models/blog/infer");
console.log(
  `start to first answer: bare ${startBare.toFixed(0)} ms, serve .onnx ${startOnnx.toFixed(0)} ms, serve .eim ${startEim.toFixed(0)} ms`,
);
for (const d of [dir, manyDir, manyEimDir, blogDir, blogImageDir]) rmSync(d, { recursive: true, force: true });

// ---- the report
const out: string[] = [];
const f0 = (x: number) => Math.round(x).toLocaleString("en-US");
const f3 = (x: number) => x.toFixed(3);
out.push("# edgeinfer serve under load");
out.push("");
out.push(
  `Load average (1 min) at the start of the run ${loadAtStart.toFixed(1)}, at its end ${loadavg()[0]!.toFixed(1)}.`,
);
out.push("");
out.push(
  `From one run of \`node dist/bench/serve.bench.js\` (${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${SECONDS} s per`,
);
out.push("measurement after a 1 s warm-up, autocannon 8 on loopback, keep-alive, one process per contender, on a");
out.push("2-core machine shared with other jobs: ratios within one run mean more than absolute numbers). Single-row");
out.push("KServe v2 JSON infer. Answers were checked against onnxruntime-node (1e-5) before timing. p50/p99 are");
out.push("each response's own latency (sub-millisecond), as autocannon's client measures it.");
out.push("");
out.push("- **bare**: node:http answering a constant body (the model's answer): the ceiling of HTTP in Node.");
out.push(
  "- **edgeinfer serve**: the real server (`edgeinfer serve <dir>`, all three models in one process, metrics on).",
);
out.push("- **same+edgeinfer / same+ort**: one minimal server (bench/serve-peer.ts), predicting with edgeinfer's");
out.push("  `Model.predict` or with onnxruntime-node's `session.run` (one thread): the very same server code.");
out.push("");
for (const m of MODELS) {
  out.push(`## ${m.label}`);
  out.push("");
  out.push("| contender | conn | req/s | p50 ms | p99 ms | errors | vs bare | vs same+ort |");
  out.push("|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const c of CONTENDERS)
    for (const n of CONNECTIONS) {
      const r = results[m.id]![c][n]!;
      const bareR = results[m.id]!.bare[n]!.rps,
        ortR = results[m.id]!["same+ort"][n]!.rps;
      out.push(
        `| ${c} | ${n} | ${f0(r.rps)} | ${f3(r.p50)} | ${f3(r.p99)} | ${r.errors + r.non2xx} | ${((100 * r.rps) / bareR).toFixed(0)} % | ${(r.rps / ortR).toFixed(2)}× |`,
      );
    }
  out.push("");
}
out.push("## Swaps under load, memory, start");
out.push("");
out.push(...swapRows());
out.push(
  `- 200 models (100 × blog LR, 100 × MLP 64, each answered once) in one \`edgeinfer serve\`: RSS ${mib(rssMany)} MiB`,
);
out.push(
  `  from .onnx files (packed at load: the importer's code and garbage stay), ${mib(rssManyEim)} MiB from .eim files;`,
);
out.push(
  `  the bare node:http server: ${mib(rssBare)} MiB (+${mib(rssMany - rssBare)} and +${mib(rssManyEim - rssBare)} MiB).`,
);
out.push(
  `- Process start to first answered predict (median of 7): bare ${startBare.toFixed(0)} ms; \`edgeinfer serve\` with the`,
);
out.push(`  blog model as .onnx (packed at load) ${startOnnx.toFixed(0)} ms, as .eim ${startEim.toFixed(0)} ms.`);
out.push("");
out.push("![requests/s and p99 against connections](serve.svg)");
out.push("");
writeFileSync(root("bench/results/serve.md"), out.join("\n"));
writeFileSync(
  root("bench/results/serve.json"),
  JSON.stringify(
    {
      results,
      swapRuns,
      rssBare,
      rssManyEim,
      rssMany,
      startBare,
      startOnnx,
      startEim,
    },
    null,
    1,
  ),
);

// ---- chart: requests/s and p99 against connections, MLP 64, per contender
const W = 360,
  H = 220,
  P = 45;
const colors: Record<Contender, string> = {
  bare: "#888",
  "edgeinfer serve": "#0a7",
  "same+edgeinfer": "#07c",
  "same+ort": "#c50",
};
function panel(x0: number, title: string, value: (r: Run) => number, unit: string): string {
  const id = "mlp_64_128_64_10";
  const max = Math.max(...CONTENDERS.flatMap((c) => CONNECTIONS.map((n) => value(results[id]![c][n]!)))) * 1.1;
  const px = (i: number) => x0 + P + (i * (W - 2 * P)) / (CONNECTIONS.length - 1);
  const py = (v: number) => H - P + 10 - (v / max) * (H - 2 * P);
  let s = `<text x="${x0 + W / 2}" y="18" text-anchor="middle" font-weight="bold">${title}</text>`;
  s += `<line x1="${x0 + P}" y1="${H - P + 10}" x2="${x0 + W - P}" y2="${H - P + 10}" stroke="#000"/><line x1="${x0 + P}" y1="${py(0)}" x2="${x0 + P}" y2="${py(max)}" stroke="#000"/>`;
  CONNECTIONS.forEach((n, i) => {
    s += `<text x="${px(i)}" y="${H - P + 26}" text-anchor="middle">${n}</text>`;
  });
  s += `<text x="${x0 + W / 2}" y="${H - 4}" text-anchor="middle">connections</text>`;
  for (const t of [0, 0.5, 1])
    s += `<text x="${x0 + P - 4}" y="${py(t * max) + 4}" text-anchor="end">${unit === "ms" ? (t * max).toFixed(2) : f0(t * max)}</text>`;
  for (const c of CONTENDERS)
    s += `<polyline fill="none" stroke="${colors[c]}" stroke-width="2" points="${CONNECTIONS.map((n, i) => `${px(i)},${py(value(results[id]![c][n]!))}`).join(" ")}"/>`;
  return s;
}
let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${H + 30}" font-family="sans-serif" font-size="11">`;
svg += panel(0, "MLP 64: requests/s", (r) => r.rps, "req/s") + panel(W, "MLP 64: p99 latency (ms)", (r) => r.p99, "ms");
CONTENDERS.forEach((c, i) => {
  svg += `<rect x="${60 + i * 160}" y="${H + 12}" width="12" height="4" fill="${colors[c]}"/><text x="${76 + i * 160}" y="${H + 18}">${c}</text>`;
});
svg += "</svg>\n";
writeFileSync(root("bench/results/serve.svg"), svg);
console.log("wrote bench/results/serve.md, serve.json, serve.svg");
