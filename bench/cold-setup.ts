/**
 * What the cold-start children (cold.ts) read: one directory per model, and the runtime bundled
 * into one minified file. Shared by `npm run bench` (run.ts) and `npm run bench:cold` (cold-run.ts).
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { edgeinferImage } from "./contenders.js";
import type { BenchModel } from "./models.js";
import { root } from "./suite.js";

export const RESULTS = root("bench/results");

/** Writes model.onnx, model.eim, layers.json + layers.f32, row.f32 and want.json for cold.ts. */
export function prepareColdDir(m: BenchModel): string {
  const dir = `${RESULTS}/cold-${m.id}`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/model.onnx`, m.onnx);
  writeFileSync(`${dir}/model.eim`, edgeinferImage(m));
  let offset = 0;
  const meta = m.layers!.map((l) => { const e = { nIn: l.nIn, nOut: l.nOut, act: l.act, offset }; offset += l.W.length + l.b.length; return e; });
  const all = new Float32Array(offset);
  m.layers!.forEach((l, k) => { all.set(l.W, meta[k]!.offset); all.set(l.b, meta[k]!.offset + l.W.length); });
  writeFileSync(`${dir}/layers.json`, JSON.stringify(meta));
  writeFileSync(`${dir}/layers.f32`, new Uint8Array(all.buffer));
  writeFileSync(`${dir}/row.f32`, new Uint8Array(m.rows.slice(0, m.nIn).buffer));
  const pair = m.layers![m.layers!.length - 1]!.act === "logistic_pair";
  writeFileSync(`${dir}/want.json`, JSON.stringify({ output: m.outputName, input: m.inputName, values: m.expected[0], pairFromOne: pair }));
  return dir;
}

/**
 * The runtime entry bundled into one minified file (rolldown, a devDependency), as a web or
 * edge deployment ships it, the kernels embedded; undefined (and said why) without rolldown.
 * (The npm entries, dist/pkg/index.js and under the "node" condition index.node.js, are one
 * file each too, not minified: scripts/build-dist.mjs.)
 */
export async function bundleRuntime(): Promise<string | undefined> {
  try {
    const { build } = await import("rolldown");
    await build({ input: root("dist/src/index.js"), output: { file: `${RESULTS}/edgeinfer.bundle.mjs`, format: "esm", minify: true }, logLevel: "silent" });
    return `${RESULTS}/edgeinfer.bundle.mjs`;
  } catch (err) {
    console.log(`no bundled runtime (${(err as Error).message}): edgeinfer-simd-bundle skipped`);
    return undefined;
  }
}

export const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length ? (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2 : NaN; };
