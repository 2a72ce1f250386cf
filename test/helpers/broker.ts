// A real MQTT broker for the stream tests: Debian's mosquitto on a free loopback port, with
// persistence in a temporary folder (so that a restart keeps sessions and queued QoS-1
// messages); aedes in process where mosquitto is missing (no restart across which to keep them).
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { userInfo } from "node:os";
import { join } from "node:path";
import { startEmbeddedBroker } from "../../src/stream/broker.js";
import { tmp } from "./batch.js";

export const MOSQUITTO = "/usr/sbin/mosquitto";
export const hasMosquitto = existsSync(MOSQUITTO);

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function untilListening(port: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = createConnection(port, "127.0.0.1");
      c.once("connect", () => {
        c.destroy();
        resolve(true);
      });
      c.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no broker listening on ${port}`);
}

export interface TestBroker {
  url: string;
  /** Stops the broker (it saves its sessions) and starts it again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startBroker(): Promise<TestBroker> {
  const port = await freePort();
  if (!hasMosquitto) {
    let b = await startEmbeddedBroker(port);
    return {
      url: `mqtt://127.0.0.1:${port}`,
      async stop() {
        await b.close();
      },
      async start() {
        b = await startEmbeddedBroker(port);
      },
      async restart() {
        await b.close();
        b = await startEmbeddedBroker(port);
      },
      close: () => b.close(),
    };
  }
  const dir = tmp("mosquitto");
  const conf = join(dir, "mosquitto.conf");
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      "allow_anonymous true",
      // As root, mosquitto would switch to its own user, which cannot write our temporary folder.
      `user ${userInfo().username}`,
      "persistence true",
      `persistence_location ${dir}/`,
      "autosave_interval 0",
      "max_queued_messages 0",
      "max_inflight_messages 0",
      "log_dest none",
      "",
    ].join("\n"),
  );
  let proc: ChildProcess | undefined;
  const start = async () => {
    proc = spawn(MOSQUITTO, ["-c", conf], { stdio: "ignore" });
    await untilListening(port);
  };
  const stop = async () => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((r) => {
      p.once("exit", () => r());
      p.kill("SIGTERM");
    });
  };
  await start();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    start,
    stop,
    restart: async () => {
      await stop();
      await start();
    },
    close: stop,
  };
}
