/**
 * The stream's MQTT side (mqtt.js, loaded only here): subscribe to the input filter, score
 * each message, publish its prediction. Delivery: QoS 0 or 1 each way; a persistent session
 * (clean: false, a fixed client id) so that the broker keeps QoS-1 messages across our
 * reconnects and its own restarts; reconnection with exponential backoff; an incoming QoS-1
 * message is acknowledged only once its prediction is handed to the client (whose outgoing
 * store resends it after a reconnect); a bounded outgoing queue: when full, QoS-1 input waits
 * (the broker holds the rest) and QoS-0 input is dropped and counted.
 */
import type * as Mqtt from "mqtt";
import { importOptional } from "../batch/optional.js";
import { StreamMetrics } from "./metrics.js";
import { PayloadError } from "./payload.js";
import type { MessageScorer } from "./scorer.js";
import { matchTopic, outputTopic } from "./topics.js";

export interface StreamOptions {
  url: string;
  inFilter: string;
  outTemplate: string;
  qosIn: 0 | 1;
  qosOut: 0 | 1;
  clientId: string;
  /** A clean session (the broker forgets the subscription and queued messages when we go). */
  clean: boolean;
  /** Predictions not yet acknowledged by the broker, at most. */
  maxQueue: number;
  /** Reconnect backoff: the first wait and the largest, in ms. */
  backoffMs?: [number, number];
  username?: string | undefined;
  password?: string | undefined;
}

export interface StreamHandle {
  readonly metrics: StreamMetrics;
  readonly client: Mqtt.MqttClient;
  /** Resolves at the first connection (and subscription). */
  readonly ready: Promise<void>;
  /** Stops: waits for the predictions in flight, then disconnects. */
  close(): Promise<void>;
}

export async function startStream(scorer: MessageScorer, o: StreamOptions): Promise<StreamHandle> {
  const mqtt = await importOptional<typeof Mqtt>("mqtt", "edgeinfer stream");
  const metrics = new StreamMetrics();
  const [firstWait, maxWait] = o.backoffMs ?? [250, 30_000];
  const client = mqtt.connect(o.url, {
    clientId: o.clientId,
    clean: o.clean,
    reconnectPeriod: firstWait,
    connectTimeout: 10_000,
    queueQoSZero: false, // QoS 0 offline is dropped and counted, not queued without bound
    resubscribe: true,
    ...(o.username !== undefined ? { username: o.username } : {}),
    ...(o.password !== undefined ? { password: o.password } : {}),
  });
  let wait = firstWait;
  let drained: Array<() => void> = [];
  const release = () => {
    if (metrics.queueDepth < o.maxQueue) {
      const d = drained;
      drained = [];
      for (const f of d) f();
    }
  };
  client.on("close", () => {
    metrics.connected = false;
    client.options.reconnectPeriod = wait;
    wait = Math.min(maxWait, wait * 2);
  });
  client.on("reconnect", () => metrics.reconnects++);
  client.on("error", () => metrics.error("connection"));
  let subscribed = false;
  const ready = new Promise<void>((resolve, reject) => {
    client.on("connect", (ack) => {
      metrics.connected = true;
      wait = firstWait;
      client.options.reconnectPeriod = firstWait;
      if (subscribed && ack.sessionPresent) return resolve();
      client.subscribe(o.inFilter, { qos: o.qosIn }, (err) => {
        if (err) return reject(err);
        subscribed = true;
        resolve();
      });
    });
  });
  client.handleMessage = (packet, done) => {
    const t0 = performance.now();
    metrics.messagesIn++;
    if (packet.dup) metrics.duplicates++;
    const bound = matchTopic(o.inFilter, packet.topic);
    if (!bound) {
      metrics.error("topic");
      return done();
    }
    let text: string;
    try {
      const payload = typeof packet.payload === "string" ? Buffer.from(packet.payload) : packet.payload;
      text = scorer.score(packet.topic, bound, payload, packet.dup === true, Date.now());
    } catch (e) {
      metrics.error(e instanceof PayloadError ? e.reason : "internal");
      return done();
    } finally {
      if (scorer.windows) {
        metrics.keys = scorer.windows.nKeys;
        metrics.evictedKeys = scorer.windows.evictions;
      }
    }
    const send = () => {
      if (!client.connected && o.qosOut === 0) {
        metrics.dropped++;
        return done();
      }
      metrics.queueDepth++;
      client.publish(outputTopic(o.outTemplate, bound), text, { qos: o.qosOut }, (err) => {
        metrics.queueDepth--;
        if (err) metrics.error("publish");
        else {
          metrics.messagesOut++;
          metrics.observe((performance.now() - t0) / 1000);
        }
        release();
      });
      done(); // acknowledged: the prediction is in the client's outgoing store
    };
    if (metrics.queueDepth < o.maxQueue) send();
    else if ((packet.qos ?? 0) === 0) {
      metrics.dropped++;
      done();
    } else drained.push(send);
  };
  return {
    metrics,
    client,
    ready,
    async close() {
      for (let i = 0; i < 200 && metrics.queueDepth > 0 && client.connected; i++)
        await new Promise((r) => setTimeout(r, 10));
      await client.endAsync();
    },
  };
}
