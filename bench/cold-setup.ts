/**
 * What the cold-start children (cold.ts) read: one directory per model, and the runtime bundled
 * into one minified file. Shared by `npm run bench` (run.ts) and `npm run bench:cold` (cold-run.ts).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildStandalone } from "../src/build/standalone.js";
import { readImage } from "../src/format/read.js";
import { edgeinferImage } from "./contenders.js";
import type { BenchModel } from "./models.js";
import { root } from "./suite.js";

export const RESULTS = root("bench/results");

/**
 * Writes model.onnx, model.eim, model.wasm (`edgeinfer build` of the same image), layers.json +
 * layers.f32, row.f32 and want.json for cold.ts.
 */
export async function prepareColdDir(m: BenchModel): Promise<string> {
  const dir = `${RESULTS}/cold-${m.id}`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/model.onnx`, m.onnx);
  const image = edgeinferImage(m);
  writeFileSync(`${dir}/model.eim`, image);
  writeFileSync(`${dir}/model.wasm`, (await buildStandalone(image)).wasm);
  // A standalone module writes every output side by side: where the checked one starts.
  const outputs = readImage(image).outputs,
    checked = outputs.find((o) => o.name === m.outputName) ?? outputs[0]!;
  let offset = 0;
  const meta = m.layers!.map((l) => {
    const e = { nIn: l.nIn, nOut: l.nOut, act: l.act, offset };
    offset += l.W.length + l.b.length;
    return e;
  });
  const all = new Float32Array(offset);
  m.layers!.forEach((l, k) => {
    all.set(l.W, meta[k]!.offset);
    all.set(l.b, meta[k]!.offset + l.W.length);
  });
  writeFileSync(`${dir}/layers.json`, JSON.stringify(meta));
  writeFileSync(`${dir}/layers.f32`, new Uint8Array(all.buffer));
  writeFileSync(`${dir}/row.f32`, new Uint8Array(m.rows.slice(0, m.nIn).buffer));
  const pair = m.layers![m.layers!.length - 1]!.act === "logistic_pair";
  writeFileSync(
    `${dir}/want.json`,
    JSON.stringify({
      output: m.outputName,
      input: m.inputName,
      values: m.expected[0],
      pairFromOne: pair,
      standaloneOffset: checked.offset,
    }),
  );
  return dir;
}

/**
 * The runtime entry bundled into one minified file (rolldown, a devDependency), as a web or
 * edge deployment ships it; undefined (and said why) without rolldown. (The npm entry,
 * dist/pkg/index.js, is one file too, not minified: scripts/build-dist.mjs.)
 */
export async function bundleRuntime(): Promise<string | undefined> {
  try {
    const { build } = await import("rolldown");
    await build({
      input: root("dist/src/index.js"),
      output: { file: `${RESULTS}/edgeinfer.bundle.mjs`, format: "esm", minify: true },
      logLevel: "silent",
    });
    return `${RESULTS}/edgeinfer.bundle.mjs`;
  } catch (err) {
    console.log(`no bundled runtime (${(err as Error).message}): edgeinfer-simd-bundle skipped`);
    return undefined;
  }
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2 : NaN;
};

/**
 * `rounds` rounds over `items`, each once a round in an order shuffled per round (seeded), so
 * that a machine drifting between fast and slow states (this one does, within minutes) hits
 * every item alike and none always follows the same neighbour. `visit` returns false to drop
 * an item from the later rounds.
 */
export function shuffledRounds<T>(items: T[], rounds: number, visit: (item: T) => boolean): void {
  const live = new Set(items);
  let seed = 0x5eed;
  for (let i = 0; i < rounds; i++) {
    const order = [...live];
    for (let k = order.length - 1; k > 0; k--) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const j = seed % (k + 1);
      [order[k], order[j]] = [order[j]!, order[k]!];
    }
    for (const item of order) if (!visit(item)) live.delete(item);
  }
}

/**
 * Cold starts of `contenders` on the model in `dir`: one fresh process per contender and round
 * (shuffledRounds). Returns each contender's parsed cold.ts lines; a contender that fails is
 * reported to `onError` and dropped from the later rounds.
 */
export function coldRounds(
  dir: string,
  contenders: string[],
  rounds: number,
  onError: (contender: string, stderr: string) => void,
): Map<string, Array<Record<string, number>>> {
  const script = fileURLToPath(new URL("cold.js", import.meta.url));
  const runs = new Map(contenders.map((c) => [c, [] as Array<Record<string, number>>]));
  shuffledRounds(contenders, rounds, (c) => {
    const r = spawnSync(process.execPath, ["--expose-gc", script, c, dir], { encoding: "utf8" });
    if (r.status !== 0) {
      onError(c, r.stderr.trim().split("\n").slice(-3).join(" | "));
      return false;
    }
    runs.get(c)!.push(JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, number>);
    return true;
  });
  return runs;
}
