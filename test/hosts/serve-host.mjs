// edgeinfer/serve's createServer under another host (Deno, Bun): serves the folder given, prints its port.
const dir = (globalThis.Deno ? globalThis.Deno.args : process.argv.slice(2))[0];
const { createServer } = await import(new URL("../../dist/pkg/serve.js", import.meta.url).href);
// Each load prints where its file was packed (the worker thread, or in-thread where there is none).
const logger = {
  enabled: () => true,
  log(_level, event, fields) {
    if (event === "load" || event === "swap") console.log(`PACKED ${fields.version} ${fields.packedIn}`);
  },
};
const server = createServer({ dir, port: 0, pollMs: 20, watch: false, logger });
const { port } = await server.listen();
console.log(`PORT ${port}`);
