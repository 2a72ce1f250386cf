// Command-line entry of the cross-host check for Node, Deno and Bun:
//   <host> test/hosts/main.mjs <dir with cases.json> [simd,scalar]
// prints runCases' results as JSON on stdout, and each case's rows through Model.loadFile
// (<case>.eim beside cases.json: these hosts have node:fs).
import { Model } from "../../dist/src/index.js";
import { bitsOf, rowOf, runCases } from "./run-cases.mjs";

const args = globalThis.Deno ? Deno.args : process.argv.slice(2);
const dir = args[0];
const builds = (args[1] ?? "simd,scalar").split(",");
const readFile = globalThis.Deno
  ? (name) => Deno.readFile(`${dir}/${name}`)
  : globalThis.Bun
    ? async (name) => new Uint8Array(await Bun.file(`${dir}/${name}`).arrayBuffer())
    : async (name) => new Uint8Array(await (await import("node:fs/promises")).readFile(`${dir}/${name}`));
const results = await runCases(readFile, builds);
const host = globalThis.Deno
  ? `deno ${Deno.version.deno}`
  : globalThis.Bun
    ? `bun ${Bun.version}`
    : `node ${process.version}`;
const cases = JSON.parse(new TextDecoder().decode(await readFile("cases.json")));
const loadFile = Object.fromEntries(
  cases.map((c) => {
    const model = Model.loadFile(`${dir}/${c.name}.eim`);
    return [c.name, c.rows.map((bits) => ["0", ...bitsOf(model.predict(rowOf(bits)))])];
  }),
);
console.log(JSON.stringify({ host, results, loadFile }));
