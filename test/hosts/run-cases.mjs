// The cross-host check, in plain JavaScript that every host runs as it is (Node, Deno, Bun, a
// Chromium page, worker and service worker): each case's rows through the standalone modules
// (`edgeinfer build`) and through the library, as f32 bit patterns. No dynamic import, no
// filesystem: the host hands in a function that reads a file next to cases.json.
import { Model } from "../../dist/src/index.js";

const hex = (u) => u.toString(16).padStart(8, "0");
export const bitsOf = (f32) => Array.from(new Uint32Array(f32.buffer, f32.byteOffset, f32.length), hex);
export const rowOf = (bits) => new Float32Array(Uint32Array.from(bits).buffer);

function fromBase64(b64) {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

async function standalone(bytes, rows) {
  const { instance } = await WebAssembly.instantiate(bytes, {});
  const m = instance.exports;
  const nIn = m.input_len(),
    nOut = m.output_len();
  const single = rows.map((bits) => {
    new Float32Array(m.memory.buffer, m.input_ptr(), nIn).set(rowOf(bits));
    const status = m.predict();
    return [String(status), ...bitsOf(new Float32Array(m.memory.buffer, m.output_ptr(), nOut))];
  });
  const batch = [];
  for (let start = 0; start < rows.length; start += m.batch_capacity()) {
    const n = Math.min(m.batch_capacity(), rows.length - start);
    const input = new Float32Array(m.memory.buffer, m.batch_input_ptr(), n * nIn);
    for (let r = 0; r < n; r++) input.set(rowOf(rows[start + r]), r * nIn);
    const status = m.predict_batch(n);
    const out = new Float32Array(m.memory.buffer, m.batch_output_ptr(), n * nOut);
    for (let r = 0; r < n; r++) batch.push([String(status), ...bitsOf(out.subarray(r * nOut, r * nOut + nOut))]);
  }
  return { single, batch };
}

function library(image, rows, build) {
  const model = Model.load(image, { simd: build === "simd" ? "require" : "off" });
  const single = rows.map((bits) => ["0", ...bitsOf(model.predict(rowOf(bits)))]);
  const flat = new Float32Array(rows.length * model.info.inputLength);
  rows.forEach((bits, r) => flat.set(rowOf(bits), r * model.info.inputLength));
  const y = model.predictBatch(flat, rows.length);
  const n = model.info.outputLength;
  const batch = rows.map((_, r) => ["0", ...bitsOf(y.subarray(r * n, r * n + n))]);
  model.dispose();
  return { single, batch };
}

/**
 * readFile(name) → Promise<Uint8Array> for files beside cases.json. Returns
 * { [case]: { [build]: { standalone: {single, batch}, library: {single, batch} } } },
 * every row as [status, ...output bits in hex].
 */
export async function runCases(readFile, builds = ["simd", "scalar"]) {
  const cases = JSON.parse(new TextDecoder().decode(await readFile("cases.json")));
  const results = {};
  for (const c of cases) {
    results[c.name] = {};
    for (const build of builds) {
      results[c.name][build] = {
        standalone: await standalone(await readFile(c.wasm[build]), c.rows),
        library: library(fromBase64(c.image), c.rows, build),
      };
    }
  }
  return results;
}
