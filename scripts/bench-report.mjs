#!/usr/bin/env node
/**
 * Tables and SVG charts from a peer benchmark run: reads bench/results/peers.json (written by
 * `npm run bench`), writes bench/results/README.md and bench/results/*.svg. No dependencies:
 * the SVG is written by hand. Run it again on the committed JSON to redraw the same charts:
 *
 *   node scripts/bench-report.mjs [bench/results/peers.json] [--out dir]
 *
 * With the default JSON and output folder it also rewrites the block between
 * <!-- bench:start --> and <!-- bench:end --> in the project README.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const argv = process.argv.slice(2);
const outAt = argv.indexOf("--out");
const outArg = outAt >= 0 ? argv.splice(outAt, 2)[1] : undefined;
const file = resolve(argv[0] ?? `${rootDir}/bench/results/peers.json`);
const outDir = resolve(outArg ?? dirname(file));
const R = JSON.parse(readFileSync(file, "utf8"));

const NAMES = {
  "edgeinfer-simd": "edgeinfer SIMD",
  "edgeinfer-scalar": "edgeinfer scalar",
  "edgeinfer-simd-int8": "edgeinfer SIMD int8",
  "edgeinfer-scalar-int8": "edgeinfer scalar int8",
  "edgeinfer-simd-bundle": "edgeinfer SIMD, bundled",
  "edgeinfer-standalone": "edgeinfer standalone module",
  js: "plain JavaScript",
  "ort-node": "onnxruntime-node",
  "ort-web": "onnxruntime-web (wasm)",
  "tfjs-wasm": "TensorFlow.js (wasm)",
  edgeinfer: "edgeinfer",
};
const COLORS = {
  "edgeinfer-simd": "#1b7f3b",
  "edgeinfer-simd-bundle": "#31a354",
  "edgeinfer-standalone": "#00441b",
  "edgeinfer-scalar": "#74c476",
  "edgeinfer-simd-int8": "#0b4d22",
  "edgeinfer-scalar-int8": "#a1d99b",
  edgeinfer: "#1b7f3b",
  js: "#f2b705",
  "ort-node": "#2c7fb8",
  "ort-web": "#7fcdbb",
  "tfjs-wasm": "#e6550d",
};
const ORDER = Object.keys(NAMES);
const name = (c) => NAMES[c] ?? c;
const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;");

// ------------------------------------------------------------------ formatting
const fmtNs = (ns) =>
  ns == null || !Number.isFinite(ns)
    ? "–"
    : ns < 1e3
      ? `${ns.toPrecision(3)} ns`
      : ns < 1e6
        ? `${(ns / 1e3).toPrecision(3)} µs`
        : ns < 1e9
          ? `${(ns / 1e6).toPrecision(3)} ms`
          : `${(ns / 1e9).toPrecision(3)} s`;
const fmtRate = (r) =>
  r == null
    ? "–"
    : r >= 1e9
      ? `${(r / 1e9).toPrecision(3)} G`
      : r >= 1e6
        ? `${(r / 1e6).toPrecision(3)} M`
        : r >= 1e3
          ? `${(r / 1e3).toPrecision(3)} k`
          : r.toPrecision(3);
const fmtBytes = (b) =>
  b == null
    ? "–"
    : b < 1024
      ? `${b} B`
      : b < 2 ** 20
        ? `${(b / 1024).toFixed(1)} KiB`
        : `${(b / 2 ** 20).toFixed(1)} MiB`;
const siBytes = (b) =>
  b >= 1e9 ? `${b / 1e9} GB` : b >= 1e6 ? `${b / 1e6} MB` : b >= 1e3 ? `${b / 1e3} kB` : `${b} B`;
const fmtMs = (ms) => (ms == null ? "–" : ms < 10 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(0)} ms`);
const ratio = (a, b) => (a && b ? b / a : NaN);
const x = (v) => (Number.isFinite(v) ? `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)}×` : "–");

// ------------------------------------------------------------------ SVG
const W = 820,
  FONT = `font-family="system-ui, -apple-system, Segoe UI, sans-serif"`;
function logTicks(lo, hi) {
  const t = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) t.push(10 ** e);
  return t;
}
function svgDoc(h, body, title, note) {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" ${FONT} font-size="12">
<rect width="${W}" height="${h}" fill="#fff"/>
<text x="12" y="22" font-size="15" font-weight="600">${esc(title)}</text>
${note ? `<text x="12" y="40" font-size="11" fill="#555">${esc(note)}</text>` : ""}
${body}
</svg>
`;
}
function legend(ids, y) {
  let lx = 12,
    out = "";
  for (const id of ids) {
    out += `<rect x="${lx}" y="${y - 9}" width="10" height="10" fill="${COLORS[id] ?? "#888"}"/><text x="${lx + 14}" y="${y}">${esc(name(id))}</text>`;
    lx += 24 + name(id).length * 6.4;
  }
  return out;
}
/** Grouped horizontal bars on a log axis. groups: [{label, bars: [{id, value, text}]}] */
function hbars({ title, note, groups, axisLabel, fmt, better, tickFmt = fmt }) {
  const left = 250,
    right = 110,
    top = 70,
    barH = 13,
    gap = 10;
  const vals = groups.flatMap((g) => g.bars.map((b) => b.value)).filter((v) => v > 0 && Number.isFinite(v));
  const ticks = logTicks(Math.min(...vals), Math.max(...vals));
  const lo = ticks[0],
    hi = ticks[ticks.length - 1];
  const px = (v) => left + ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (W - left - right);
  let y = top,
    body = "";
  for (const g of groups) {
    body += `<text x="12" y="${y + 10}" font-weight="600">${esc(g.label)}</text>`;
    y += 16;
    for (const b of g.bars) {
      const ok = b.value > 0 && Number.isFinite(b.value);
      body += `<text x="${left - 6}" y="${y + 10}" text-anchor="end" fill="#333">${esc(name(b.id))}</text>`;
      if (ok)
        body += `<rect x="${left}" y="${y}" width="${Math.max(1, px(b.value) - left).toFixed(1)}" height="${barH}" fill="${COLORS[b.id] ?? "#888"}"/><text x="${(px(b.value) + 4).toFixed(1)}" y="${y + 10}">${esc(b.text ?? fmt(b.value))}</text>`;
      else body += `<text x="${left + 4}" y="${y + 10}" fill="#999">${esc(b.text ?? "skipped")}</text>`;
      y += barH + 3;
    }
    y += gap;
  }
  let axis = `<line x1="${left}" y1="${top - 6}" x2="${left}" y2="${y}" stroke="#999"/>`;
  for (const t of ticks)
    axis += `<line x1="${px(t).toFixed(1)}" y1="${top - 6}" x2="${px(t).toFixed(1)}" y2="${y}" stroke="#e5e5e5"/><text x="${px(t).toFixed(1)}" y="${y + 14}" text-anchor="middle" fill="#555">${esc(tickFmt(t))}</text>`;
  axis += `<text x="${(left + W - right) / 2}" y="${y + 32}" text-anchor="middle" fill="#333">${esc(axisLabel)} (log scale${better ? `; ${better} is better` : ""})</text>`;
  return svgDoc(y + 44, axis + body, title, note);
}
/** Log-log lines. panels: [{title, yLabel, fmt, series: [{id, points: [[x, y]]}]}] side by side. */
function lines({ title, note, panels, xLabel, xfmt }) {
  const pw = (W - 20) / panels.length,
    top = 66,
    ph = 300;
  let body = "";
  panels.forEach((p, k) => {
    const x0 = 10 + k * pw + 62,
      x1 = 10 + (k + 1) * pw - 16,
      y0 = top + 20,
      y1 = top + ph;
    const xs = p.series.flatMap((s) => s.points.map((q) => q[0])),
      ys = p.series.flatMap((s) => s.points.map((q) => q[1])).filter((v) => v > 0);
    const xt = logTicks(Math.min(...xs), Math.max(...xs)),
      yt = logTicks(Math.min(...ys), Math.max(...ys));
    const X = (v) =>
      x0 + ((Math.log10(v) - Math.log10(xt[0])) / (Math.log10(xt[xt.length - 1]) - Math.log10(xt[0]))) * (x1 - x0);
    const Y = (v) =>
      y1 - ((Math.log10(v) - Math.log10(yt[0])) / (Math.log10(yt[yt.length - 1]) - Math.log10(yt[0]))) * (y1 - y0);
    body += `<text x="${x0}" y="${top - 2}" font-weight="600">${esc(p.title)}</text>`;
    for (const t of xt)
      body += `<line x1="${X(t).toFixed(1)}" y1="${y0}" x2="${X(t).toFixed(1)}" y2="${y1}" stroke="#eee"/><text x="${X(t).toFixed(1)}" y="${y1 + 14}" text-anchor="middle" fill="#555">${esc(xfmt(t))}</text>`;
    for (const t of yt)
      body += `<line x1="${x0}" y1="${Y(t).toFixed(1)}" x2="${x1}" y2="${Y(t).toFixed(1)}" stroke="#eee"/><text x="${x0 - 4}" y="${(Y(t) + 4).toFixed(1)}" text-anchor="end" fill="#555">${esc(p.fmt(t))}</text>`;
    body += `<rect x="${x0}" y="${y0}" width="${x1 - x0}" height="${y1 - y0}" fill="none" stroke="#999"/>`;
    body += `<text x="${(x0 + x1) / 2}" y="${y1 + 30}" text-anchor="middle">${esc(xLabel)}</text><text x="${x0 + 4}" y="${y0 + 14}" fill="#333">${esc(p.yLabel)}</text>`;
    for (const s of p.series) {
      const pts = s.points.filter((q) => q[1] > 0);
      body += `<polyline fill="none" stroke="${COLORS[s.id]}" stroke-width="2" points="${pts.map((q) => `${X(q[0]).toFixed(1)},${Y(q[1]).toFixed(1)}`).join(" ")}"/>`;
      for (const q of pts)
        body += `<circle cx="${X(q[0]).toFixed(1)}" cy="${Y(q[1]).toFixed(1)}" r="3" fill="${COLORS[s.id]}"/>`;
    }
  });
  body += legend([...new Set(panels.flatMap((p) => p.series.map((s) => s.id)))], top + ph + 56);
  return svgDoc(top + ph + 70, body, title, note);
}

// ------------------------------------------------------------------ data
const machine = R.machine;
const machineLine = `${machine.cpu}, ${machine.cores} cores, Node ${machine.node} (V8 ${machine.v8}), ${machine.os}, ${R.date.slice(0, 10)}`;
const cmp = R.compare,
  scalar = R.scalar,
  scaling = R.scaling;
const sortC = (a, b) => ORDER.indexOf(a) - ORDER.indexOf(b);
/** Rows of a compare file, plus the scalar file's edgeinfer rows (its own process). */
const allRows = [...(cmp?.rows ?? []), ...(scalar?.rows ?? []).filter((r) => r.contender.startsWith("edgeinfer"))];
const get = (model, c) => allRows.find((r) => r.model === model && r.contender === c);
const models = cmp?.models ?? [];
const contendersOf = (model) =>
  [...new Set(allRows.filter((r) => r.model === model).map((r) => r.contender))].sort(sortC);
const lat = (m, c) => get(m, c)?.latency?.medianNs;
const thr = (m, c) => get(m, c)?.throughput?.rowsPerSec;
const coldRow = (m, c) => R.cold?.rows?.find((r) => r.model === m && r.contender === c);
/** edgeinfer's other cold paths beside the runtime entry's: bundled, and the model built into its own module. */
const coldExtras = (m) => {
  const xs = [
    ["bundled", "edgeinfer-simd-bundle"],
    ["standalone module", "edgeinfer-standalone"],
  ]
    .filter(([, c]) => coldRow(m, c)?.coldMs)
    .map(([label, c]) => `${label}: ${fmtMs(coldRow(m, c).coldMs)}`);
  return xs.length ? ` (${xs.join("; ")})` : "";
};
const size = (c) => R.sizes?.find((s) => s.contender === c);

const md = [];
md.push(`# edgeinfer against its peers`, ``, `Measured by \`npm run bench\` on: **${machineLine}**.`);
md.push(
  `Peers: ${Object.entries(R.peers)
    .map(([p, v]) => `${p} ${v ?? "(not installed)"}`)
    .join(", ")}.`,
  ``,
);
md.push(
  `Every contender runs the same model (the same weights: ONNX for onnxruntime, dense layers for plain JavaScript and TensorFlow.js, the packed image for edgeinfer) on the same rows, and every answer is checked against the training framework's before it is timed. onnxruntime and TF.js run on one thread. Medians; single-row p99 is over samples of back-to-back calls grouped to ≥ 20 µs (bench/timing.ts). The edgeinfer scalar build runs in a process of its own (one kernel build per process). Regenerate these tables and charts from the JSON with \`node scripts/bench-report.mjs\`.`,
  ``,
);

// ---- bars of issue 5
// M784D: the same model on rows with no zeros (edgeinfer skips zero inputs; shown beside, and
// the one that measures the kernel's GFLOP/s, since skipped products are not computed).
const B = "blog_lr",
  M64 = "mlp_64_128_64_10",
  M784 = "mlp_784_256_128_10",
  M784D = "mlp_784_256_128_10_dense";
const onDense = (f) => (get(M784D, e) ? `; on dense rows (no zeros to skip): ${f(M784D)}` : "");
const bars = [];
const bar = (what, measured, need, ok) => bars.push({ what, measured, need, ok });
const e = "edgeinfer-simd";
if (cmp) {
  for (const [m, need, label] of [
    [B, 300, "blog's model"],
    [M64, 5, "MLP 64-128-64-10"],
  ]) {
    for (const p of ["ort-node", "ort-web"]) {
      const r = ratio(lat(m, e), lat(m, p));
      bar(
        `single row, ${label}: vs ${name(p)}`,
        `${fmtNs(lat(m, e))} vs ${fmtNs(lat(m, p))}: ${x(r)}`,
        `≥ ${need}×`,
        r >= need,
      );
    }
  }
  {
    const r = ratio(lat(B, e), lat(B, "js"));
    // predict.bench.ts also times a hand-specialized function (weights as closure constants, no arrays).
    const p = R.predict?.rows,
      hand = p?.find((q) => q.task.startsWith("plain JS"))?.nsPerUnit,
      ours = p?.find((q) => q.task.startsWith("edgeinfer predict,"))?.nsPerUnit;
    const handOk = !hand || hand >= ours;
    bar(
      "single row, blog's model: vs plain JavaScript",
      `${fmtNs(lat(B, e))} vs ${fmtNs(lat(B, "js"))}: ${x(r)}${hand ? ` (against a hand-specialized function with the two weights as constants, predict.bench.ts: ${fmtNs(ours)} vs ${fmtNs(hand)}: ${x(hand / ours)})` : ""}`,
      "≥ 1× (no slower)",
      r >= 1 && handOk
        ? true
        : r >= 1
          ? "against the Float32Array loop yes; against the hand-specialized function no"
          : false,
    );
  }
  for (const [p, need] of [
    ["ort-node", 1],
    ["ort-web", 2],
    ["js", 10],
  ]) {
    const r = ratio(lat(M784, e), lat(M784, p));
    const fig = (m) => `${fmtNs(lat(m, e))} vs ${fmtNs(lat(m, p))}: ${x(ratio(lat(m, e), lat(m, p)))}`;
    bar(
      `single row, MLP 784-256-128-10 f32: vs ${name(p)}`,
      `${fig(M784)}${onDense(fig)}`,
      need === 1 ? "> 1× (faster)" : `≥ ${need}×`,
      need === 1 ? r > 1 : r >= need,
    );
  }
  {
    // The bar names no precision (the single-row 784 bars say f32): f32 decides, int8 is shown beside it.
    const r = thr(M784, e) / thr(M784, "ort-web"),
      q = thr(M784, `${e}-int8`),
      rq = q && q / thr(M784, "ort-web");
    const fig = (m) =>
      `${fmtRate(thr(m, e))} vs ${fmtRate(thr(m, "ort-web"))} rows/s: ${x(thr(m, e) / thr(m, "ort-web"))}`;
    bar(
      "batch 1000, MLP 784-256-128-10: vs onnxruntime-web",
      `f32 ${fmtRate(thr(M784, e))} vs ${fmtRate(thr(M784, "ort-web"))} rows/s: ${x(r)}${onDense(fig)}${rq ? `; int8 (pack --quantize int8) ${fmtRate(q)} rows/s: ${x(rq)}` : ""}`,
      "≥ 1.5×",
      r >= 1.5 ? true : rq >= 1.5 ? "with int8 yes, in f32 no" : false,
    );
  }
  {
    // The batched dense kernel alone (kernels.bench.ts, 784×256 + ReLU, predictBatch), and the whole model.
    const k = R.kernels?.rows?.find((r) => r.task === "784×256 f32 simd, predictBatch");
    const mi = models.find((m) => m.id === M784);
    const whole = 2 * (mi ? mi.parameters : 235146) * thr(get(M784D, e) ? M784D : M784, e);
    const flops = k ? (2 * 784 * 256) / (k.nsPerUnit * 1e-9) : whole;
    const pct = (f) => `${((100 * f) / 54e9).toFixed(0)}–${((100 * f) / 44e9).toFixed(0)}%`;
    bar(
      "batched dense kernel vs the 128-bit multiply-add peak (44–54 GFLOP/s)",
      `${k ? `784×256 layer: ${(flops / 1e9).toFixed(1)} GFLOP/s = ${pct(flops)}; ` : ""}whole MLP 784 model${get(M784D, e) ? " on dense rows" : ""}, batch 1000: ${(whole / 1e9).toFixed(1)} GFLOP/s = ${pct(whole)}`,
      "≥ 60%",
      flops / 54e9 >= 0.6 ? true : flops / 44e9 >= 0.6 ? "partly" : false,
    );
  }
}
if (R.sizes) {
  const r = size("ort-web")?.wasm?.raw / size("edgeinfer")?.wasm?.raw;
  bar(
    "bytes shipped: wasm vs onnxruntime-web's",
    `${fmtBytes(size("edgeinfer")?.wasm?.raw)} vs ${fmtBytes(size("ort-web")?.wasm?.raw)}: ${x(r)} smaller`,
    "≥ 500×",
    r >= 500,
  );
}
if (R.cold) {
  for (const m of [B, M784])
    for (const p of ["ort-web", "ort-node"]) {
      const peer = coldRow(m, p)?.coldMs,
        r = peer / coldRow(m, e)?.coldMs;
      const bundled = coldRow(m, "edgeinfer-simd-bundle")?.coldMs,
        standalone = coldRow(m, "edgeinfer-standalone")?.coldMs;
      // Met when the runtime entry meets it; a standalone module alone meeting it is said so, not counted.
      const ok =
        r >= 10
          ? true
          : peer / standalone >= 10
            ? "with a standalone module (`edgeinfer build`); the runtime entry **no**"
            : false;
      bar(
        `cold start, ${m === B ? "blog's model" : "MLP 784"}: vs ${name(p)}`,
        `runtime entry ${fmtMs(coldRow(m, e)?.coldMs)} vs ${fmtMs(peer)}: ${x(r)}${bundled ? ` (minified into one file: ${fmtMs(bundled)}, ${x(peer / bundled)})` : ""}${standalone ? `; standalone module: ${fmtMs(standalone)}, ${x(peer / standalone)}` : ""}`,
        "≥ 10×",
        ok,
      );
    }
  const a = coldRow(M784, e)?.rssAdded,
    b = coldRow(M784, "ort-web")?.rssAdded;
  bar(
    "memory added after loading MLP 784 (RSS): vs onnxruntime-web",
    `+${fmtBytes(a)} vs +${fmtBytes(b)}: ${x(b / a)} less`,
    "≤ 1/10",
    a <= b / 10,
  );
}
md.push(`## The bars of issue 5`, ``, `| bar | measured | needed | met |`, `|---|---|---|---|`);
for (const b of bars)
  md.push(
    `| ${b.what} | ${b.measured} | ${b.need} | ${b.ok === true ? "yes" : b.ok === "partly" ? "against 54 no, against 44 yes" : typeof b.ok === "string" ? b.ok : "**no**"} |`,
  );
md.push(``);

// ---- tables
md.push(
  `## Single-row latency and batch throughput`,
  ``,
  `![single-row latency](latency.svg)`,
  ``,
  `![batch throughput](throughput.svg)`,
  ``,
);
for (const m of models) {
  md.push(
    `### ${m.label}`,
    ``,
    `${m.parameters.toLocaleString("en")} parameters; edgeinfer image ${fmtBytes(m.packedBytes)}${m.int8PackedBytes ? ` (int8: ${fmtBytes(m.int8PackedBytes)})` : ""}, working memory (arena) ${fmtBytes(m.arenaBytes)}, ${fmtBytes(m.memoryBytes)} of linear memory for the model, ${m.pages} pages (64 KiB) in a runtime of its own; ONNX ${fmtBytes(m.onnxBytes)}.`,
    ``,
  );
  md.push(
    `| contender | one row, median | one row, p99 | batch of ${cmp.batch}, rows/s | max diff to reference |`,
    `|---|---:|---:|---:|---:|`,
  );
  for (const c of contendersOf(m.id)) {
    const r = get(m.id, c);
    if (r.skipped) {
      md.push(`| ${name(c)} | skipped: ${r.skipped} | | | |`);
      continue;
    }
    md.push(
      `| ${name(c)} | ${fmtNs(r.latency.medianNs)} | ${fmtNs(r.latency.p99Ns)} | ${fmtRate(r.throughput.rowsPerSec)} | ${r.maxDiff.toExponential(1)} |`,
    );
  }
  md.push(``);
}
if (R.cold) {
  md.push(`## Cold start and memory`, ``, `![cold start](cold-start.svg)`, ``, `![memory](memory.svg)`, ``);
  md.push(
    `A fresh \`node\` per run (median of ${R.cold.spawns} rounds, every contender once a round in a shuffled order): the clock starts before the contender's first import and stops after its first (checked) prediction; then, after full GCs, RSS and JS heap are compared with the same process before the import. A bare Node process has ${fmtBytes(R.cold.bareRss)} RSS. edgeinfer loads its packed image (\`Model.loadFile\`), onnxruntime the ONNX file by path, plain JS and TF.js the weights. edgeinfer's standalone module is the same image built into one \`.wasm\` (\`edgeinfer build\`), read, compiled and instantiated as [docs/standalone.md](../../docs/standalone.md) shows, with no package to import.`,
    ``,
  );
  md.push(
    `| model | contender | import → first prediction | process start → first prediction | RSS added | JS heap added |`,
    `|---|---|---:|---:|---:|---:|`,
  );
  for (const r of R.cold.rows)
    md.push(
      r.skipped
        ? `| ${r.model} | ${name(r.contender)} | skipped | | | |`
        : `| ${r.model} | ${name(r.contender)} | ${fmtMs(r.coldMs)} | ${fmtMs(r.sinceProcessStartMs)} | ${fmtBytes(r.rssAdded)} | ${fmtBytes(r.heapAdded)} |`,
    );
  md.push(``);
}
if (R.sizes) {
  md.push(
    `## Bytes shipped`,
    ``,
    `![bytes shipped](size.svg)`,
    ``,
    `| contender | wasm (raw / gzip) | JavaScript (raw / gzip) | native library | installed package |`,
    `|---|---:|---:|---:|---:|`,
  );
  for (const s of R.sizes) {
    const rg = (v) => (v ? `${fmtBytes(v.raw)} / ${fmtBytes(v.gzip)}` : "–");
    md.push(
      `| ${name(s.contender)} | ${rg(s.wasm)}${s.wasmScalar ? ` (scalar build ${rg(s.wasmScalar)})` : ""} | ${rg(s.js)} | ${s.native ? fmtBytes(s.native.raw) : "–"} | ${fmtBytes(s.disk)} |`,
    );
  }
  md.push(
    ``,
    ...R.sizes
      .filter((s) => s.jsNote || s.diskNote || s.note)
      .map(
        (s) =>
          `- ${name(s.contender)}: ${[s.note, s.jsNote && `JS = ${s.jsNote}`, s.diskNote].filter(Boolean).join("; ")}.`,
      ),
    ``,
  );
}
if (scaling) {
  md.push(
    `## Scaling with model size`,
    ``,
    `![scaling](scaling.svg)`,
    ``,
    `Seeded MLPs (ReLU) from 3 to ${Math.max(...scaling.models.map((m) => m.parameters)).toLocaleString("en")} parameters; batch of ${scaling.batch}.`,
    ``,
  );
  md.push(
    `| model | parameters | ${["edgeinfer-simd", "js", "ort-web"].map((c) => `${name(c)} one row | ${name(c)} rows/s`).join(" | ")} |`,
    `|---|---:|${"---:|".repeat(6)}`,
  );
  for (const m of scaling.models) {
    const r = (c) => scaling.rows.find((q) => q.model === m.id && q.contender === c);
    md.push(
      `| ${m.label} | ${m.parameters.toLocaleString("en")} | ${["edgeinfer-simd", "js", "ort-web"].map((c) => `${fmtNs(r(c)?.latency?.medianNs)} | ${fmtRate(r(c)?.throughput?.rowsPerSec)}`).join(" | ")} |`,
    );
  }
  md.push(``);
}
writeFileSync(`${outDir}/README.md`, md.join("\n"));

// ------------------------------------------------------------------ charts
const shortLabel = (m) =>
  m.label.replace(/ \(2 features\)/, "").replace(/, edgeinfer packed from skl2onnx's ONNX/, " (edgeinfer from ONNX)");
const written = [];
const put = (f, svg) => {
  writeFileSync(`${outDir}/${f}`, svg);
  written.push(f);
};
if (cmp) {
  const groups = (metric) =>
    models.map((m) => ({
      label: shortLabel(m),
      bars: contendersOf(m.id)
        .filter((c) => !get(m.id, c).skipped)
        .map((c) => ({ id: c, value: metric(m.id, c) })),
    }));
  put(
    "latency.svg",
    hbars({
      title: "Single-row latency (median per prediction)",
      note: machineLine,
      groups: groups(lat),
      axisLabel: "time per prediction",
      fmt: fmtNs,
      better: "shorter",
    }),
  );
  put(
    "throughput.svg",
    hbars({
      title: `Batch throughput (rows per second, batch of ${cmp.batch})`,
      note: machineLine,
      groups: groups(thr),
      axisLabel: "rows per second",
      fmt: (v) => `${fmtRate(v)}/s`,
      better: "longer",
    }),
  );
}
if (R.cold) {
  const ms = [...new Set(R.cold.rows.map((r) => r.model))];
  const g = (metric, fmt) =>
    ms.map((m) => ({
      label: shortLabel(models.find((q) => q.id === m) ?? { label: m }),
      bars: R.cold.rows
        .filter((r) => r.model === m && !r.skipped)
        .map((r) => ({ id: r.contender, value: metric(r), text: fmt(metric(r)) })),
    }));
  put(
    "cold-start.svg",
    hbars({
      title: "Cold start: import to first prediction, fresh process",
      note: machineLine,
      groups: g((r) => r.coldMs, fmtMs),
      axisLabel: "milliseconds",
      fmt: fmtMs,
      better: "shorter",
    }),
  );
  put(
    "memory.svg",
    hbars({
      title: "Memory added over a bare Node process after loading (RSS)",
      note: `${machineLine}; bare process ${fmtBytes(R.cold.bareRss)}`,
      groups: g(
        (r) => Math.max(r.rssAdded, 1),
        (v) => `+${fmtBytes(v)}`,
      ),
      axisLabel: "RSS added",
      fmt: fmtBytes,
      better: "shorter",
      tickFmt: siBytes,
    }),
  );
}
if (R.sizes) {
  const groups = [
    { label: "wasm (raw)", bars: R.sizes.filter((s) => s.wasm).map((s) => ({ id: s.contender, value: s.wasm.raw })) },
    { label: "wasm (gzip)", bars: R.sizes.filter((s) => s.wasm).map((s) => ({ id: s.contender, value: s.wasm.gzip })) },
    { label: "JavaScript (raw)", bars: R.sizes.filter((s) => s.js).map((s) => ({ id: s.contender, value: s.js.raw })) },
    {
      label: "native library",
      bars: R.sizes.filter((s) => s.native).map((s) => ({ id: s.contender, value: s.native.raw })),
    },
    {
      label: "installed package",
      bars: R.sizes.filter((s) => s.disk).map((s) => ({ id: s.contender, value: s.disk })),
    },
  ];
  put(
    "size.svg",
    hbars({
      title: "Bytes shipped",
      note: machineLine,
      groups,
      axisLabel: "bytes",
      fmt: fmtBytes,
      better: "shorter",
      tickFmt: siBytes,
    }),
  );
}
if (scaling) {
  const ids = ["edgeinfer-simd", "js", "ort-web"].filter((c) =>
    scaling.rows.some((r) => r.contender === c && r.latency),
  );
  const series = (metric) =>
    ids.map((c) => ({
      id: c,
      points: scaling.models
        .map((m) => [m.parameters, metric(scaling.rows.find((r) => r.model === m.id && r.contender === c))])
        .filter((p) => p[1]),
    }));
  put(
    "scaling.svg",
    lines({
      title: "Scaling with model size: edgeinfer, plain JavaScript, onnxruntime-web",
      note: machineLine,
      xLabel: "parameters",
      xfmt: (v) => (v >= 1e6 ? `${v / 1e6}M` : v >= 1e3 ? `${v / 1e3}k` : String(v)),
      panels: [
        {
          title: "single-row latency (median)",
          yLabel: "per prediction",
          fmt: fmtNs,
          series: series((r) => r?.latency?.medianNs),
        },
        {
          title: `batch throughput (batch ${scaling.batch})`,
          yLabel: "rows/s",
          fmt: fmtRate,
          series: series((r) => r?.throughput?.rowsPerSec),
        },
      ],
    }),
  );
}
// ------------------------------------------------------------------ the project README's block
// Between <!-- bench:start --> and <!-- bench:end -->: the headline table of this run, so the
// README's numbers and charts always come from the same committed JSON.
const readme = `${rootDir}/README.md`;
if (cmp && outDir === resolve(`${rootDir}/bench/results`)) {
  const text = readFileSync(readme, "utf8");
  const a = text.indexOf("<!-- bench:start -->"),
    b = text.indexOf("<!-- bench:end -->");
  if (a >= 0 && b > a) {
    const cs = ["edgeinfer-simd", "js", "ort-node", "ort-web", "tfjs-wasm"].filter((c) =>
      allRows.some((r) => r.contender === c && r.latency),
    );
    const t = [
      `Measured on ${machineLine} ([all tables](bench/results/README.md)):`,
      ``,
      `| | ${cs.map(name).join(" | ")} |`,
      `|---|${"---:|".repeat(cs.length)}`,
      ...[B, M64, M784].map(
        (m) =>
          `| one row, ${shortLabel(models.find((q) => q.id === m) ?? { label: m })} | ${cs.map((c) => fmtNs(lat(m, c))).join(" | ")} |`,
      ),
      ...(get(M784D, e)
        ? [
            `| one row, MLP 784-256-128-10, dense rows (no zeros) | ${cs.map((c) => fmtNs(lat(M784D, c))).join(" | ")} |`,
          ]
        : []),
      `| rows/s, MLP 784 in batches of ${cmp.batch} | ${cs.map((c) => fmtRate(thr(M784, c))).join(" | ")} |`,
      ...(get(M784D, e)
        ? [`| rows/s, MLP 784, dense rows | ${cs.map((c) => fmtRate(thr(M784D, c))).join(" | ")} |`]
        : []),
      ...(R.cold
        ? [
            ...[
              [M784, "cold start, import → first prediction, MLP 784"],
              [B, "cold start, blog's model"],
            ].map(
              ([m, what]) =>
                `| ${what} | ${cs.map((c) => fmtMs(coldRow(m, c)?.coldMs) + (c === e ? coldExtras(m) : "")).join(" | ")} |`,
            ),
            `| RSS added by loading MLP 784 | ${cs.map((c) => (coldRow(M784, c) ? `+${fmtBytes(coldRow(M784, c).rssAdded)}` : "–")).join(" | ")} |`,
          ]
        : []),
      ...(R.sizes
        ? [
            `| wasm or native library shipped | ${cs
              .map((c) => {
                const z = size(c === "edgeinfer-simd" ? "edgeinfer" : c);
                return z?.wasm ? fmtBytes(z.wasm.raw) : z?.native ? fmtBytes(z.native.raw) : "–";
              })
              .join(" | ")} |`,
          ]
        : []),
      ``,
      `Bars of issue 5 met: ${bars.filter((q) => q.ok === true).length} of ${bars.length} in this run (the list, with the misses: [bench/results](bench/results/README.md#the-bars-of-issue-5)).`,
    ].join("\n");
    writeFileSync(readme, `${text.slice(0, a)}<!-- bench:start -->\n${t}\n${text.slice(b)}`);
    written.push("README.md block");
  }
}
console.log(`wrote ${outDir}/README.md and ${written.join(", ")}`);
for (const b of bars)
  console.log(
    `  ${b.ok === true ? "met    " : typeof b.ok === "string" ? "partly " : "NOT met"}  ${b.what}: ${b.measured} (needed ${b.need})`,
  );
