/**
 * Streaming prediction through a real broker (bench/results/stream.md): Debian's mosquitto on
 * a free loopback port, `edgeinfer stream` (the CLI, a process of its own) scoring the blog's
 * logistic regression; a publisher in this process sends M messages as fast as the broker
 * takes them and a subscriber here receives the predictions. Messages/s: M over the time from the first publish to the last
 * prediction received; latency: publish to prediction received, per message (p50, p99).
 * QoS 0 and 1 each way. Every prediction is checked against the framework's before it counts.
 * M: STREAM_MESSAGES (default 20000); the median of 3 runs.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { cpus, loadavg } from "node:os";
import mqtt from "mqtt";
import { pack } from "../src/pack.js";
import { trainedModels } from "./models.js";
import { root } from "./suite.js";

const M = Number(process.env.STREAM_MESSAGES ?? 20_000);
const REPS = 3;
const MOSQUITTO = "/usr/sbin/mosquitto";
if (!existsSync(MOSQUITTO)) {
  console.log("stream bench: skipped, no mosquitto at /usr/sbin/mosquitto");
  process.exit(0);
}
const m = trainedModels().find((x) => x.id === "blog_lr")!;
const modelFile = `/tmp/edgeinfer-stream-bench-${process.pid}.eim`;
writeFileSync(modelFile, pack(m.onnx));

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
const port = await freePort();
const conf = `/tmp/edgeinfer-stream-bench-${port}.conf`;
writeFileSync(
  conf,
  `listener ${port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\nmax_inflight_messages 0\nlog_dest none\n`,
);
const broker: ChildProcess = spawn(MOSQUITTO, ["-c", conf], { stdio: "ignore" });
for (let up = false; !up; ) {
  up = await new Promise<boolean>((resolve) => {
    const c = createConnection(port, "127.0.0.1");
    c.once("connect", () => {
      c.destroy();
      resolve(true);
    });
    c.once("error", () => resolve(false));
  });
  if (!up) await new Promise((r) => setTimeout(r, 20));
}
const url = `mqtt://127.0.0.1:${port}`;
const quantile = (xs: Float64Array, q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

/** One run of n messages: as fast as the broker takes them, or one every paceMs. */
async function run(qos: 0 | 1, rep: number | string, n = M, paceMs = 0) {
  const cli = spawn(
    process.execPath,
    [
      root("bin/edgeinfer.js"),
      "stream",
      modelFile,
      "--mqtt",
      url,
      "--in",
      `b${qos}${rep}/in/+`,
      "--out",
      `b${qos}${rep}/out/{1}`,
      "--qos",
      String(qos),
      "--clean",
      "--client-id",
      `bench-stream-${qos}-${rep}`,
      "--max-queue",
      "100000",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  await new Promise<void>((resolve, reject) => {
    let err = "";
    cli.stderr!.on("data", (x) => {
      err += x;
      if (err.includes("stream: ")) resolve();
    });
    cli.once("exit", (code) => reject(new Error(`edgeinfer stream exited (${code}): ${err}`)));
  });
  const sentAt = new Float64Array(n);
  const latency = new Float64Array(n).fill(Number.NaN);
  let received = 0,
    last = 0,
    worst = 0;
  const sub = mqtt.connect(url, { clientId: `bench-sub-${qos}-${rep}` });
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  sub.on("message", (_t, payload) => {
    const now = performance.now();
    const p = JSON.parse(payload.toString()) as { id: number; probabilities: number[] };
    if (Number.isNaN(latency[p.id]!)) {
      latency[p.id] = now - sentAt[p.id]!;
      received++;
      last = now;
      const want = m.expected[p.id % m.nRows]!;
      for (let k = 0; k < want.length; k++) worst = Math.max(worst, Math.abs(p.probabilities[k]! - want[k]!));
    }
    if (received === n) done();
  });
  await sub.subscribeAsync(`b${qos}${rep}/out/#`, { qos });
  const pub = mqtt.connect(url, { clientId: `bench-pub-${qos}-${rep}` });
  await new Promise((r) => pub.once("connect", r));
  const payloads = Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      id: i,
      features: Array.from(m.rows.subarray((i % m.nRows) * m.nIn, ((i % m.nRows) + 1) * m.nIn)),
    }),
  );
  const t0 = performance.now();
  // At QoS 1 the publisher keeps up to 1,000 messages in flight; at QoS 0 it writes in bursts
  // of 1,000 and lets the socket drain between them.
  if (paceMs > 0)
    for (let k = 0; k < n; k++) {
      const wait = t0 + k * paceMs - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      sentAt[k] = performance.now();
      pub.publish(`b${qos}${rep}/in/s${k % 8}`, payloads[k]!, { qos });
    }
  for (let i = 0; paceMs === 0 && i < n; i += 1000) {
    const batch: Array<Promise<unknown>> = [];
    for (let k = i; k < Math.min(n, i + 1000); k++) {
      sentAt[k] = performance.now();
      batch.push(pub.publishAsync(`b${qos}${rep}/in/s${k % 8}`, payloads[k]!, { qos }));
    }
    await Promise.all(batch);
  }
  const timeout = setTimeout(done, 10_000);
  await all;
  clearTimeout(timeout);
  await pub.endAsync();
  await sub.endAsync();
  const exited = new Promise((r) => cli.once("exit", r));
  cli.kill("SIGTERM");
  await exited;
  if (worst > 1e-5) throw new Error(`QoS ${qos}: max difference ${worst}; not timing a wrong answer`);
  const got = latency.filter((x) => !Number.isNaN(x));
  return {
    perSecond: received / ((last - t0) / 1000),
    received,
    p50: quantile(got, 0.5),
    p99: quantile(got, 0.99),
  };
}

const rows: string[] = [];
const paced: string[] = [];
for (const qos of [0, 1] as const) {
  const runs = [];
  for (let rep = 0; rep < REPS; rep++) runs.push(await run(qos, rep));
  runs.sort((a, b) => a.perSecond - b.perSecond);
  const r = runs[Math.floor(REPS / 2)]!;
  console.log(`QoS ${qos}:`, r);
  rows.push(
    `| ${qos} | ${Math.round(r.perSecond).toLocaleString("en-US")} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.received.toLocaleString("en-US")} of ${M.toLocaleString("en-US")} |`,
  );
  // Latency without a backlog: 2,000 messages at 500/s.
  const p = await run(qos, "paced", 2000, 2);
  console.log(`QoS ${qos} paced:`, p);
  paced.push(
    `| ${qos} | 500 | ${p.p50.toFixed(2)} | ${p.p99.toFixed(2)} | ${p.received.toLocaleString("en-US")} of 2,000 |`,
  );
}
broker.kill("SIGTERM");
const text = [
  "# Streaming prediction over MQTT",
  "",
  `\`node dist/bench/stream.bench.js\` (bench/stream.bench.ts): ${M.toLocaleString("en-US")} messages per run through mosquitto on loopback, the blog's logistic regression, median of ${REPS} runs (by messages/s), ${cpus()[0]?.model ?? "?"} × ${cpus().length} (shared with other jobs: load average ${loadavg()[0]!.toFixed(1)} at the end), Node ${process.version}.`,
  "Publisher, broker, stream client and subscriber share the machine's cores. Latency: publish to prediction received, in ms. Every prediction was checked against scikit-learn's (within 1e-5).",
  "",
  "| QoS in and out | predictions/s | p50 ms | p99 ms | predictions received |",
  "|---:|---:|---:|---:|---:|",
  ...rows,
  "",
  "At full speed the latency is mostly the backlog's. Paced (a message every 2 ms):",
  "",
  "| QoS in and out | messages/s sent | p50 ms | p99 ms | predictions received |",
  "|---:|---:|---:|---:|---:|",
  ...paced,
  "",
  "No QoS-1 message lost across a broker restart: test/stream/client.test.ts (mosquitto with persistence).",
];
writeFileSync(root("bench/results/stream.md"), `${text.join("\n")}\n`);
console.log(text.join("\n"));
process.exit(0);
