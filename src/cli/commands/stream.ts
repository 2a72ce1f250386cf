/** `edgeinfer stream`: score MQTT messages as they arrive and publish the predictions. */
import type { Server } from "node:http";
import { modelVersion } from "../../batch/version.js";
import { MAX_READ_BYTES, readFileBytes } from "../../io/files.js";
import { Model } from "../../runtime/runtime.js";
import type { SimdOption } from "../../runtime/wasm.js";
import { startEmbeddedBroker } from "../../stream/broker.js";
import { startStream } from "../../stream/client.js";
import { serveMetrics } from "../../stream/metrics.js";
import { MessageScorer } from "../../stream/scorer.js";
import { templateProblem } from "../../stream/topics.js";
import { parseWindowConfig } from "../../stream/windows.js";
import { modelImage, PACK_OPTIONS } from "../model-input.js";
import { type Command, UsageError } from "../options.js";
import { SIMD_OPTION } from "./bench.js";

export const streamCommand: Command = {
  name: "stream",
  positionals: ["<model>"],
  summary: `Subscribes to MQTT topics, scores each message as it arrives (with per-key streaming
window features) and publishes its prediction; runs until interrupted (or --count).`,
  options: [
    { name: "mqtt", value: "url", required: true, help: "the broker (mqtt://127.0.0.1:1883)" },
    { name: "in", value: "filter", required: true, help: "topic filter to subscribe to ('sensors/+/reading')" },
    {
      name: "out",
      value: "topic",
      required: true,
      help: "output topic; {1}, {2}… are the levels the filter's wildcards bound",
    },
    { name: "qos", value: "n", choices: ["0", "1"], help: "QoS in and out (default 1)" },
    { name: "windows", value: "config.json", help: "streaming window features (docs/stream.md)" },
    { name: "binary", help: "payloads are little-endian float32 features, not JSON" },
    { name: "client-id", value: "id", help: "MQTT client id (default edgeinfer-<model version>)" },
    { name: "clean", help: "a clean session: the broker keeps nothing for us while we are away" },
    {
      name: "max-queue",
      value: "N",
      int: [1, 1 << 24],
      help: "predictions awaiting the broker's ack, at most (default 10000)",
    },
    { name: "metrics-port", value: "port", int: [0, 65535], help: "serve /metrics and /health on 127.0.0.1:<port>" },
    { name: "embedded-broker", help: "start an embedded broker (aedes) on the --mqtt port first: a one-command demo" },
    { name: "count", value: "N", int: [1, 2 ** 31], help: "stop after N messages" },
    SIMD_OPTION,
    ...PACK_OPTIONS,
  ],
  notes: `Payloads (JSON): an array of the message's features in order, an object by feature name,
  or {"id": …, "features": [...] or {...}}; "ts"/"timestamp" (seconds, ms or ISO) times a
  reading. --binary: 4 bytes (float32 LE) per feature.
Predictions: {"id" (or "ts"), "model_version", "<output>": …, "label"} on the output topic;
  "dup": true marks a message the broker sent again after a reconnect (QoS 1).
Windows: {"key": "topic:1" | "field:<name>", "maxKeys": 10000, "history": 256,
  "windows": [{"feature": "temp", "last": 3}, {"feature": "temp", "mean": 10},
  {"feature": "temp", "std": "30s"}, …]} gives the model features temp_last_1…temp_last_3,
  temp_mean_10, temp_std_30s (min, max alike), matched to the model's feature names.
Delivery: a persistent session (unless --clean) so no QoS-1 message is lost while we or the
  broker restart; reconnects back off from 250 ms to 30 s; when --max-queue predictions
  await the broker, QoS-1 input waits and QoS-0 input is dropped (counted in the metrics).
Needs mqtt (npm install mqtt); --embedded-broker needs aedes (npm install aedes).`,
  async run(a, io) {
    const v = a.values;
    const problem = templateProblem(String(v.in), String(v.out));
    if (problem) throw new UsageError(problem);
    const image = await modelImage(a.positionals[0]!, a, io);
    const model = Model.load(image, { simd: (v.simd ?? "auto") as SimdOption });
    const version = modelVersion(image);
    const windows =
      v.windows === undefined
        ? undefined
        : parseWindowConfig(new TextDecoder().decode(readFileBytes(String(v.windows), MAX_READ_BYTES)));
    const scorer = new MessageScorer(model, { binary: v.binary === true, windows, modelVersion: version });
    const broker =
      v["embedded-broker"] === true
        ? await startEmbeddedBroker(Number(new URL(String(v.mqtt)).port || 1883))
        : undefined;
    const qos = v.qos === "0" ? 0 : 1;
    const handle = await startStream(scorer, {
      url: String(v.mqtt),
      inFilter: String(v.in),
      outTemplate: String(v.out),
      qosIn: qos,
      qosOut: qos,
      clientId: (v["client-id"] as string | undefined) ?? `edgeinfer-${version}`,
      clean: v.clean === true,
      maxQueue: (v["max-queue"] as number | undefined) ?? 10_000,
    });
    let server: Server | undefined;
    if (v["metrics-port"] !== undefined) server = await serveMetrics(handle.metrics, v["metrics-port"] as number);
    await handle.ready;
    io.stderr.write(`stream: ${v.in} -> ${v.out} (model ${version}, QoS ${qos})\n`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      const limit = v.count as number | undefined;
      if (limit !== undefined) {
        const t = setInterval(() => {
          const m = handle.metrics;
          if (m.messagesIn >= limit && m.queueDepth === 0) {
            clearInterval(t);
            resolve();
          }
        }, 20);
      }
    });
    await handle.close();
    server?.close();
    await broker?.close();
    model.dispose();
    const m = handle.metrics;
    const errors = [...m.errors].filter(([r]) => r !== "connection").reduce((n, [, k]) => n + k, 0);
    io.stdout.write(
      `${JSON.stringify({ in: m.messagesIn, out: m.messagesOut, errors, dropped: m.dropped, duplicates: m.duplicates, evictedKeys: m.evictedKeys })}\n`,
    );
    return 0;
  },
};
