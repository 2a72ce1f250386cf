// edgeinfer/serve's createServer under another host (Deno, Bun): serves the folder given, prints its port.
const dir = (globalThis.Deno ? globalThis.Deno.args : process.argv.slice(2))[0];
const { createServer } = await import(new URL("../../dist/pkg/serve.js", import.meta.url).href);
const server = createServer({ dir, port: 0, pollMs: 20, watch: false });
const { port } = await server.listen();
console.log(`PORT ${port}`);
