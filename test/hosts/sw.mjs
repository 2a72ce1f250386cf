// Module service worker: where dynamic import() is forbidden, the library must load with
// static imports only.
import { runCases } from "./run-cases.mjs";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (e) => e.waitUntil(self.clients.claim()));
self.addEventListener("message", (e) => {
  const port = e.ports[0];
  const readFile = async (name) => new Uint8Array(await (await fetch(new URL(name, e.data.dir))).arrayBuffer());
  e.waitUntil(
    runCases(readFile).then(
      (results) => port.postMessage({ results }),
      (err) => port.postMessage({ error: String(err?.stack || err) }),
    ),
  );
});
