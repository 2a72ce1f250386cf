/**
 * `npm run bench:cold [-- --spawns N --only a,b]`: only the cold starts (cold.ts), the contenders
 * interleaved in shuffled rounds (coldRounds) so that a drifting machine load hits them all
 * alike. Prints medians and each contender's ratio to onnxruntime-node; writes nothing.
 */
import { bundleRuntime, coldRounds, median, prepareColdDir } from "./cold-setup.js";
import { trainedModels } from "./models.js";
import { notInstalled } from "./peer-load.js";

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const spawns = Number(opt("spawns") ?? 21);
const bundle = await bundleRuntime();
const all = ["edgeinfer-simd", "edgeinfer-simd-bundle", "edgeinfer-standalone", "js", "ort-node"];
const contenders = (opt("only")?.split(",") ?? all).filter((c) =>
  c === "edgeinfer-simd-bundle" ? bundle !== undefined : c === "ort-node" ? !notInstalled("onnxruntime-node") : true,
);

for (const m of trainedModels().filter((x) => x.id === "blog_lr" || x.id === "mlp_784_256_128_10")) {
  const dir = await prepareColdDir(m);
  const runs = coldRounds(dir, contenders, spawns, (c, err) => {
    throw new Error(`cold ${c} ${m.id}: ${err}`);
  });
  const ms = new Map([...runs].map(([c, xs]) => [c, xs.map((x) => x.coldMs!)]));
  const ort = median(ms.get("ort-node") ?? []);
  console.log(`${m.id}: median of ${spawns} fresh processes, interleaved`);
  for (const [c, xs] of ms) {
    const s = [...xs].sort((a, b) => a - b);
    const q = (p: number) => s[Math.floor(p * (s.length - 1))]!;
    console.log(
      `  ${c.padEnd(22)} ${median(xs).toFixed(2).padStart(7)} ms  (p25 ${q(0.25).toFixed(2)}, p75 ${q(0.75).toFixed(2)})${Number.isNaN(ort) || c === "ort-node" ? "" : `  ${(ort / median(xs)).toFixed(1)}× faster than onnxruntime-node`}`,
    );
  }
}
