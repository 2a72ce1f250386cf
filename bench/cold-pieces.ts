/**
 * `npm run bench:pieces [-- --spawns N]`: pieces of a cold start that bench/README.md quotes, each
 * timed in fresh processes (interleaved, in a shuffled order per round: shuffledRounds), medians:
 *   - MLP 784-256-128-10's 940 KB image from file to model: readFileSync + load against loadFile
 *     (the package imported and the Runtime made before the clock starts);
 *   - the checksum of that image where loadFile leaves it (in wasm memory, read there by the
 *     kernel), cold: the runtime's wasm kernel against node:zlib, loaded and run; and the wasm
 *     kernel over the same bytes copied in by JavaScript;
 *   - MLP 784's standalone module (edgeinfer build, 947 KB): readFileSync, compile, instantiate;
 *   - import() of the runtime entry against a one-line module, its base64 emptied, its code only
 *     parsed (never run), and minified into one file (and the blog's model through it);
 *   - the blog's Runtime + loadFile first in a process against second (what V8 compiles on a
 *     first call); the JavaScript CRC's byte table computed, and the blog's image checked with it; the blog's model from import to
 *     first prediction against a minimal hand-written loader (the same kernels and image, no
 *     validation, no metadata, no API): the floor of Node and V8 here;
 *   - node:fs as an ES module (what a static `import … from "node:fs"` builds) against
 *     process.getBuiltinModule, in a program that has not used it;
 *   - the first run of the regular expression Node checks every "exports" target with (copied
 *     from Node 20's lib/internal/modules/esm/resolve.js).
 * Prints medians; writes nothing. Needs the cold-start directory `npm run bench` or
 * `npm run bench:cold` prepares.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { median, RESULTS, shuffledRounds } from "./cold-setup.js";
import { root } from "./suite.js";

const args = process.argv.slice(2);
const spawns = Number(args[args.indexOf("--spawns") + 1] || 21);
const image = `${RESULTS}/cold-mlp_784_256_128_10/model.eim`;
const standalone = `${RESULTS}/cold-mlp_784_256_128_10/model.wasm`;
const bundle = `${RESULTS}/edgeinfer.bundle.mjs`;
for (const f of [image, standalone, bundle])
  if (!existsSync(f)) throw new Error(`${f} is missing: run npm run bench:cold first`);
const entry = root("dist/pkg/index.js");
const blog = `${RESULTS}/cold-blog_lr/model.eim`;
const tmp = mkdtempSync(`${tmpdir()}/edgeinfer-pieces-`);
const oneLine = `${tmp}/one-line.mjs`;
writeFileSync(oneLine, "export const x = 1;\n");
// The runtime entry taken apart: without its embedded base64, and its code only parsed (the
// whole module as the body of a function that is never called).
const withoutBase64 = readFileSync(entry, "utf8").replace(/(const S(?:IMD|CALAR)_WASM_BASE64 = )"[^"]*"/g, '$1""');
const noBase64 = `${tmp}/no-base64.mjs`,
  parseOnly = `${tmp}/parse-only.mjs`;
writeFileSync(noBase64, withoutBase64);
writeFileSync(
  parseOnly,
  `function neverCalled() {\n${withoutBase64.slice(0, withoutBase64.lastIndexOf("export {"))}\n}\nexport const x = 1;\n`,
);

/**
 * A child's setup: the image read into a Runtime's memory (above its staging area) as loadFile
 * reads it, by readSync, as `v`. (Not copied in by JavaScript: here, pages the kernel filled
 * cost the first read from wasm about 1.5 ms more for 940 KB than pages JavaScript filled.)
 */
const inMemory = `
  import { closeSync, openSync, readSync, statSync } from "node:fs";
  const { Runtime } = await import(${JSON.stringify(entry)});
  const rt = new Runtime(), size = statSync(${JSON.stringify(image)}).size;
  rt.wasmCrc32(new Uint8Array(16), 0, 16); // makes the staging area, below the image
  const at = rt.memory.buffer.byteLength;
  rt.memory.grow(Math.ceil(size / 65536));
  const v = new Uint8Array(rt.memory.buffer, at, size);
  const fd = openSync(${JSON.stringify(image)}, "r");
  readSync(fd, v, 0, size, 0);
  closeSync(fd);`;

/** Child programs: each prints the milliseconds of the part it times. */
const pieces: Record<string, string> = {
  "940 KB image: readFileSync + load": `
    import { readFileSync } from "node:fs";
    const { Runtime } = await import(${JSON.stringify(entry)});
    const rt = new Runtime();
    const t = performance.now(); rt.load(readFileSync(${JSON.stringify(image)})); console.log(performance.now() - t);`,
  "940 KB image: loadFile": `
    import { readFileSync } from "node:fs";
    const { Runtime } = await import(${JSON.stringify(entry)});
    const rt = new Runtime();
    const t = performance.now(); rt.loadFile(${JSON.stringify(image)}); console.log(performance.now() - t);`,
  // Both over the image where loadFile leaves it: in the runtime's memory, its pages touched.
  "940 KB checksum in wasm memory: the wasm kernel": `
    ${inMemory}
    const t = performance.now(); rt.wasmCrc32(v, 12, v.length); console.log(performance.now() - t);`,
  "940 KB checksum, the image copied in by JavaScript instead": `
    ${inMemory.replace("readSync(fd, v, 0, size, 0);", "v.set(readFileSync(fd));").replace("import { closeSync,", "import { readFileSync, closeSync,")}
    const t = performance.now(); rt.wasmCrc32(v, 12, v.length); console.log(performance.now() - t);`,
  "940 KB checksum in wasm memory: node:zlib, loaded and run": `
    ${inMemory}
    const t = performance.now(); process.getBuiltinModule("node:zlib").crc32(v.subarray(12)); console.log(performance.now() - t);`,
  // MLP 784's standalone module (947 KB), step by step: each copies its bytes to fresh pages.
  "947 KB standalone module: readFileSync": `
    import { readFileSync } from "node:fs";
    const t = performance.now(); readFileSync(${JSON.stringify(standalone)}); console.log(performance.now() - t);`,
  "947 KB standalone module: new WebAssembly.Module": `
    import { readFileSync } from "node:fs";
    const b = readFileSync(${JSON.stringify(standalone)});
    const t = performance.now(); new WebAssembly.Module(b); console.log(performance.now() - t);`,
  "947 KB standalone module: new WebAssembly.Instance": `
    import { readFileSync } from "node:fs";
    const m = new WebAssembly.Module(readFileSync(${JSON.stringify(standalone)}));
    const t = performance.now(); new WebAssembly.Instance(m, {}); console.log(performance.now() - t);`,
  "import(): the runtime entry (by path)": `
    import { readFileSync } from "node:fs";
    const t = performance.now(); await import(${JSON.stringify(entry)}); console.log(performance.now() - t);`,
  "import(): the runtime entry, its embedded base64 emptied": `
    import { readFileSync } from "node:fs";
    const t = performance.now(); await import(${JSON.stringify(noBase64)}); console.log(performance.now() - t);`,
  "import(): the runtime entry's code only parsed (base64 emptied)": `
    import { readFileSync } from "node:fs";
    const t = performance.now(); await import(${JSON.stringify(parseOnly)}); console.log(performance.now() - t);`,
  "import(): the runtime entry minified into one file (by path)": `
    import { readFileSync } from "node:fs";
    const t = performance.now(); await import(${JSON.stringify(bundle)}); console.log(performance.now() - t);`,
  "import(): a one-line module": `
    import { readFileSync } from "node:fs";
    const t = performance.now(); await import(${JSON.stringify(oneLine)}); console.log(performance.now() - t);`,
  "blog's model, import → first prediction: edgeinfer (by path)": `
    import { readFileSync } from "node:fs";
    const t = performance.now();
    const { Model } = await import(${JSON.stringify(entry)});
    Model.loadFile(${JSON.stringify(blog)}).predict([0.5, -1]);
    console.log(performance.now() - t);`,
  "blog's model, import → first prediction: edgeinfer minified into one file (by path)": `
    import { readFileSync } from "node:fs";
    const t = performance.now();
    const { Model } = await import(${JSON.stringify(bundle)});
    Model.loadFile(${JSON.stringify(blog)}).predict([0.5, -1]);
    console.log(performance.now() - t);`,
  // What V8 compiles on the first call: the same work again in the same process.
  "blog's model, Runtime + loadFile, the first in the process": `
    const { Runtime } = await import(${JSON.stringify(entry)});
    const t = performance.now(); new Runtime().loadFile(${JSON.stringify(blog)}); console.log(performance.now() - t);`,
  "blog's model, Runtime + loadFile, the second in the process": `
    const { Runtime } = await import(${JSON.stringify(entry)});
    new Runtime().loadFile(${JSON.stringify(blog)});
    const t = performance.now(); new Runtime().loadFile(${JSON.stringify(blog)}); console.log(performance.now() - t);`,
  // The byte table of the JavaScript CRC (src/format/crc32.ts), computed against written out and used.
  "CRC byte table computed by the bit loop": `
    const t = performance.now();
    const table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; table[n] = c; }
    console.log(performance.now() - t);`,
  "blog's image checksummed with the written-out table": `
    import { readFileSync } from "node:fs";
    const { crc32 } = await import(${JSON.stringify(root("dist/src/format/crc32.js"))});
    const b = readFileSync(${JSON.stringify(blog)});
    const t = performance.now(); crc32(b, 12, b.length); console.log(performance.now() - t);`,
  // The floor: the same kernels and image with no validation, no metadata and no API.
  "blog's model, import → first prediction: a minimal loader": `
    import { closeSync, fstatSync, openSync, readFileSync, readSync } from "node:fs";
    const t = performance.now();
    await import(${JSON.stringify(oneLine)});
    const e = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(${JSON.stringify(root("build/edgeinfer.simd.wasm"))})), {}).exports;
    const fd = openSync(${JSON.stringify(blog)}, "r"), size = fstatSync(fd).size;
    const image = (e.heapBase() + 15) & ~15;
    e.memory.grow(1);
    readSync(fd, new Uint8Array(e.memory.buffer, image, size), 0, size, 0); closeSync(fd);
    const h = new DataView(e.memory.buffer, image), arena = image + ((size + 15) & ~15);
    new Float32Array(e.memory.buffer, arena + h.getUint32(56, true), 2).set([0.5, -1]);
    e.run(image, arena, 1);
    new Float32Array(e.memory.buffer, arena + h.getUint32(64, true), 2).slice();
    console.log(performance.now() - t);`,
  "node:fs as an ES module": `
    const t = performance.now(); await import("node:fs"); console.log(performance.now() - t);`,
  "node:fs by process.getBuiltinModule": `
    const t = performance.now(); process.getBuiltinModule("node:fs"); console.log(performance.now() - t);`,
  'Node\'s "exports" target regex, first run': `
    const re = /(^|\\\\|\\/)((\\.|%2e)(\\.|%2e)?|(n|%6e|%4e)(o|%6f|%4f)(d|%64|%44)(e|%65|%45)(_|%5f)(m|%6d|%4d)(o|%6f|%4f)(d|%64|%44)(u|%75|%55)(l|%6c|%4c)(e|%65|%45)(s|%73|%53))?(\\\\|\\/|$)/i;
    const t = performance.now(); re.exec("dist/pkg/index.js"); console.log(performance.now() - t);`,
};

const names = Object.keys(pieces);
const ms = new Map(names.map((n) => [n, [] as number[]]));
shuffledRounds(names, spawns, (n) => {
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", pieces[n]!], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${n}: ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`);
  ms.get(n)!.push(Number(r.stdout.trim().split("\n").pop()));
  return true;
});
console.log(`median of ${spawns} fresh processes each, interleaved`);
for (const n of names) console.log(`  ${n.padEnd(62)} ${median(ms.get(n)!).toFixed(2).padStart(7)} ms`);
rmSync(tmp, { recursive: true, force: true });
