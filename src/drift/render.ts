/** A drift report as text (a table and the bins side by side as bar charts) and as an SVG page. */
import type { ColumnDrift, DriftReport } from "./report.js";

const fmt = (v: number) =>
  Number.isNaN(v) ? "–" : v === 0 ? "0" : Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3 ? v.toExponential(2) : v.toFixed(4);
const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
const edge = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(4));

const TEST_NAMES = {
  ks: "KS p-value",
  chisquare: "chi² p-value",
  wasserstein: "Wasserstein/std",
  jensenshannon: "Jensen-Shannon",
};

/** The label of bin k: its range between the edges (closed on the left). */
export function binLabel(c: ColumnDrift, k: number): string {
  if (c.kind === "class") return `class ${k}`;
  const e = c.edges;
  if (k === 0) return `< ${edge(e[0]!)}`;
  if (k === e.length) return `>= ${edge(e[k - 1]!)}`;
  return `[${edge(e[k - 1]!)}, ${edge(e[k]!)})`;
}

function table(cols: ColumnDrift[]): string[] {
  const w = Math.max(7, ...cols.map((c) => c.name.length));
  const head = `  ${"column".padEnd(w)}  ${"test".padEnd(16)} ${"score".padStart(9)} ${"limit".padStart(6)}  drift  ${"PSI".padStart(7)} ${"KS".padStart(7)} ${"JS".padStart(7)} ${"W/std".padStart(7)}`;
  return [
    head,
    ...cols.map(
      (c) =>
        `  ${c.name.padEnd(w)}  ${TEST_NAMES[c.test].padEnd(16)} ${fmt(c.score).padStart(9)} ${String(c.threshold).padStart(6)}  ${(c.drift ? "YES" : "no").padEnd(5)}  ${fmt(c.psi).padStart(7)}${c.psiLevel === "ok" ? " " : c.psiLevel === "warn" ? "!" : "‼"}${fmt(c.ks).padStart(7)}${c.ksExact ? " " : "~"}${fmt(c.js).padStart(7)} ${fmt(c.wasserstein).padStart(7)}`,
    ),
  ];
}

function chart(c: ColumnDrift, barWidth = 24): string[] {
  const max = Math.max(...c.referenceShares, ...c.currentShares, 1e-9);
  const bar = (v: number, ch: string) => ch.repeat(Math.round((v / max) * barWidth));
  const labels = c.referenceShares.map((_, k) => binLabel(c, k));
  const lw = Math.max(...labels.map((l) => l.length));
  const lines = [
    `  ${c.name}: ${c.drift ? "DRIFT" : "no drift"} (${TEST_NAMES[c.test]} ${fmt(c.score)}, PSI ${fmt(c.psi)})   reference █  current ░`,
  ];
  labels.forEach((l, k) => {
    const r = c.referenceShares[k]!,
      u = c.currentShares[k]!;
    lines.push(
      `    ${l.padStart(lw)}  ${pct(r).padStart(7)} ${bar(r, "█").padEnd(barWidth)}  ${pct(u).padStart(7)} ${bar(u, "░")}`,
    );
  });
  if (c.referenceMissing || c.currentMissing)
    lines.push(
      `    ${"missing".padStart(lw)}  ${pct(c.referenceMissing / Math.max(1, c.referenceRows)).padStart(7)} ${"".padEnd(barWidth)}  ${pct(c.currentMissing / Math.max(1, c.currentRows)).padStart(7)}`,
    );
  return lines;
}

export function reportText(r: DriftReport, charts = true): string {
  const lines = [
    `${r.currentRows} current rows against a reference of ${r.referenceRows}: dataset drift ${r.datasetDrift ? "YES" : "no"} (${r.nDrifted} of ${r.features.length} features drift, ${pct(r.share)})`,
    "",
    "features:",
    ...table(r.features),
  ];
  if (r.outputs.length) lines.push("", "outputs:", ...table(r.outputs));
  lines.push("", "  PSI ! warn (≥ 0.1), ‼ alarm (≥ 0.2); KS ~ from the bins (give --reference for the exact one)");
  if (charts) {
    lines.push("", "bins (reference deciles):");
    for (const c of [...r.features, ...r.outputs]) lines.push(...chart(c), "");
  }
  return lines.join("\n");
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** An SVG page: one panel per column, reference and current shares per bin as paired bars. */
export function reportSvg(r: DriftReport): string {
  const cols = [...r.features, ...r.outputs];
  const panelW = 360,
    panelH = 180,
    perRow = 3,
    top = 50;
  const rows = Math.ceil(cols.length / perRow);
  const width = panelW * Math.min(perRow, cols.length),
    height = top + rows * panelH + 10;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">Data drift: ${r.datasetDrift ? "dataset drift detected" : "no dataset drift"} (${r.nDrifted} of ${r.features.length} features, ${esc(pct(r.share))})</text>`,
    `<text x="10" y="38" fill="#555">${r.currentRows} current rows against ${r.referenceRows} reference rows; <tspan fill="#4477aa">■ reference</tspan> <tspan fill="#ee6677">■ current</tspan></text>`,
  ];
  cols.forEach((c, i) => {
    const x0 = (i % perRow) * panelW + 10,
      y0 = top + Math.floor(i / perRow) * panelH;
    const plotH = panelH - 60,
      plotW = panelW - 30;
    const n = c.referenceShares.length;
    const max = Math.max(...c.referenceShares, ...c.currentShares, 1e-9);
    const bw = plotW / n;
    parts.push(
      `<text x="${x0}" y="${y0 + 14}" font-weight="bold" fill="${c.drift ? "#cc3311" : "#222"}">${esc(c.name)}: ${c.drift ? "drift" : "no drift"}</text>`,
      `<text x="${x0}" y="${y0 + 28}" fill="#555">${esc(TEST_NAMES[c.test])} ${esc(fmt(c.score))} · PSI ${esc(fmt(c.psi))} · KS ${esc(fmt(c.ks))}</text>`,
    );
    const base = y0 + 36 + plotH;
    for (let k = 0; k < n; k++) {
      const hr = (c.referenceShares[k]! / max) * plotH,
        hc = (c.currentShares[k]! / max) * plotH;
      const x = x0 + k * bw;
      parts.push(
        `<rect x="${(x + 1).toFixed(1)}" y="${(base - hr).toFixed(1)}" width="${(bw / 2 - 1).toFixed(1)}" height="${hr.toFixed(1)}" fill="#4477aa"><title>${esc(binLabel(c, k))}: reference ${esc(pct(c.referenceShares[k]!))}</title></rect>`,
        `<rect x="${(x + bw / 2).toFixed(1)}" y="${(base - hc).toFixed(1)}" width="${(bw / 2 - 1).toFixed(1)}" height="${hc.toFixed(1)}" fill="#ee6677"><title>${esc(binLabel(c, k))}: current ${esc(pct(c.currentShares[k]!))}</title></rect>`,
      );
    }
    parts.push(`<line x1="${x0}" y1="${base}" x2="${x0 + plotW}" y2="${base}" stroke="#999"/>`);
  });
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}
