// Command-line entry of the cross-host check for Node, Deno and Bun:
//   <host> test/hosts/main.mjs <dir with cases.json> [simd,scalar]
// prints runCases' results as JSON on stdout.
import { runCases } from "./run-cases.mjs";

const args = globalThis.Deno ? Deno.args : process.argv.slice(2);
const dir = args[0];
const builds = (args[1] ?? "simd,scalar").split(",");
const readFile = globalThis.Deno
  ? (name) => Deno.readFile(`${dir}/${name}`)
  : globalThis.Bun
    ? async (name) => new Uint8Array(await Bun.file(`${dir}/${name}`).arrayBuffer())
    : async (name) => new Uint8Array(await (await import("node:fs/promises")).readFile(`${dir}/${name}`));
const results = await runCases(readFile, builds);
const host = globalThis.Deno ? `deno ${Deno.version.deno}` : globalThis.Bun ? `bun ${Bun.version}` : `node ${process.version}`;
console.log(JSON.stringify({ host, results }));
