/**
 * An embedded MQTT broker (aedes, loaded only here) on a loopback port: the broker of a
 * one-command demo, and of the tests where Debian's mosquitto is missing. In memory: it keeps
 * sessions while it runs, not across its own restart (mosquitto with persistence does).
 */
import { createServer, type Socket } from "node:net";
import { importOptional } from "../batch/optional.js";

export interface EmbeddedBroker {
  port: number;
  close(): Promise<void>;
}

/** Starts aedes on host:port (0: a free port). */
export async function startEmbeddedBroker(port: number, host = "127.0.0.1"): Promise<EmbeddedBroker> {
  // aedes 1.x: `Aedes.createBroker()` (async); 0.x: a factory function.
  const mod = await importOptional<Record<string, unknown>>("aedes", "edgeinfer stream --embedded-broker");
  const A = (mod.Aedes ?? (mod.default as Record<string, unknown>)?.Aedes ?? mod.default) as {
    createBroker?: () => Promise<{ handle: (s: unknown) => void; close: (cb: () => void) => void }>;
  } & ((...a: unknown[]) => { handle: (s: unknown) => void; close: (cb: () => void) => void });
  const broker = A.createBroker ? await A.createBroker() : A();
  const server = createServer(broker.handle as never);
  const sockets = new Set<Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as { port: number }).port;
  return {
    port: bound,
    async close() {
      // Clients still connected would keep the server open: closing is closing them.
      await new Promise<void>((r) => broker.close(() => r()));
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
