// Module worker: the same check off the main thread (no DOM, no dynamic import).
import { runCases } from "./run-cases.mjs";

self.onmessage = async (e) => {
  const readFile = async (name) => new Uint8Array(await (await fetch(new URL(name, e.data.dir))).arrayBuffer());
  try {
    self.postMessage({ results: await runCases(readFile) });
  } catch (err) {
    self.postMessage({ error: String(err?.stack || err) });
  }
};
