// edgeinfer stream against a real broker (mosquitto on a free loopback port, aedes without it):
// every message's prediction equal to scikit-learn's (test/fixtures/onnx), at QoS 0 and 1, and
// no QoS-1 message lost across a broker restart.
import { readFileSync } from "node:fs";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modelVersion } from "../../src/batch/version.js";
import { Model } from "../../src/index.js";
import { pack } from "../../src/pack.js";
import { startStream } from "../../src/stream/client.js";
import { MessageScorer } from "../../src/stream/scorer.js";
import { fixture } from "../helpers/batch.js";
import { hasMosquitto, startBroker, type TestBroker } from "../helpers/broker.js";
import { expectAllClose, TOL } from "../helpers/close.js";

const f = fixture("skl_lr_multinomial_iris");
const image = pack(readFileSync(f.onnxPath));
const labels = f.ref.expected.predict as number[];
const proba = f.ref.expected.predict_proba as number[][];

let broker: TestBroker;
beforeAll(async () => {
  broker = await startBroker();
});
afterAll(async () => {
  await broker.close();
});

interface Prediction {
  id: number;
  model_version: string;
  output_label: number;
  output_probability: number[];
  dup?: true;
}

/** A persistent subscriber of the predictions; resolves once `n` distinct ids have come. */
async function collector(url: string, filter: string, clientId: string) {
  const got = new Map<number, Prediction>();
  const topics = new Map<number, string>();
  let all = 0;
  let waiting: { n: number; resolve: () => void } | undefined;
  const c = mqtt.connect(url, { clientId, clean: false, reconnectPeriod: 100 });
  c.on("message", (topic, payload) => {
    const p = JSON.parse(payload.toString()) as Prediction;
    all++;
    got.set(p.id, p);
    topics.set(p.id, topic);
    if (waiting && got.size >= waiting.n) waiting.resolve();
  });
  await new Promise<void>((resolve, reject) =>
    c.once("connect", () => c.subscribe(filter, { qos: 1 }, (e) => (e ? reject(e) : resolve()))),
  );
  return {
    got,
    topics,
    get received() {
      return all;
    },
    until: (n: number) =>
      new Promise<void>((resolve) => {
        if (got.size >= n) resolve();
        else waiting = { n, resolve };
      }),
    close: () => c.endAsync(),
  };
}

function expectReference(got: Map<number, Prediction>, n: number): void {
  const ids = [...got.keys()].sort((a, b) => a - b);
  expect(ids).toEqual(Array.from({ length: n }, (_, i) => i));
  const rows = ids.map((i) => got.get(i)!);
  expect(rows.map((p) => p.output_label)).toEqual(ids.map((i) => labels[i % 20]));
  expectAllClose(
    rows.flatMap((p) => p.output_probability),
    ids.flatMap((i) => proba[i % 20]!),
    TOL.framework,
  );
  expect(new Set(rows.map((p) => p.model_version))).toEqual(new Set([modelVersion(image)]));
}

const payloadOf = (i: number, form: number) => {
  const x = f.ref.inputs[i % 20]!;
  if (form === 0) return JSON.stringify({ id: i, features: x });
  if (form === 1) return JSON.stringify({ id: i, ...Object.fromEntries(x.map((v, k) => [`f${k}`, v])) });
  return JSON.stringify({ id: i, features: Object.fromEntries(x.map((v, k) => [`f${k}`, v])) });
};

describe.each([0, 1] as const)("stream at QoS %s", (qos) => {
  it("publishes scikit-learn's prediction for every message, on the topic {1} names", async () => {
    const scorer = new MessageScorer(Model.load(image), {
      modelVersion: modelVersion(image),
      windows: { key: "topic:1", maxKeys: 10, history: 4, windows: [], features: f.columns },
    });
    const s = await startStream(scorer, {
      url: broker.url,
      inFilter: `q${qos}/sensors/+/reading`,
      outTemplate: `q${qos}/predictions/{1}`,
      qosIn: qos,
      qosOut: qos,
      clientId: `stream-q${qos}`,
      clean: true,
      maxQueue: 1000,
    });
    await s.ready;
    const out = await collector(broker.url, `q${qos}/predictions/#`, `collect-q${qos}`);
    const pub = mqtt.connect(broker.url, { clientId: `pub-q${qos}` });
    await new Promise((r) => pub.once("connect", r));
    const N = 200;
    for (let i = 0; i < N; i++)
      await pub.publishAsync(`q${qos}/sensors/s${i % 3}/reading`, payloadOf(i, i % 3), { qos: 1 });
    await pub.publishAsync(`q${qos}/sensors/s0/reading`, "not json", { qos: 1 });
    await pub.publishAsync(`q${qos}/sensors/s0/reading`, JSON.stringify([1, 2]), { qos: 1 });
    await out.until(N);
    for (let k = 0; k < 100 && s.metrics.messagesIn < N + 2; k++) await new Promise((r) => setTimeout(r, 20));
    expectReference(out.got, N);
    expect([...out.topics].every(([id, t]) => t === `q${qos}/predictions/s${id % 3}`)).toBe(true);
    expect(s.metrics.messagesIn).toBe(N + 2);
    expect(Object.fromEntries(s.metrics.errors)).toEqual({ json: 1, length: 1 });
    await pub.endAsync();
    await out.close();
    await s.close();
  });
});

describe.runIf(hasMosquitto)("QoS 1 across a broker restart", () => {
  it("loses no message: the persistent sessions and the clients' stores carry them over", async () => {
    const version = modelVersion(image);
    const scorer = new MessageScorer(Model.load(image), { modelVersion: version });
    const s = await startStream(scorer, {
      url: broker.url,
      inFilter: "restart/in/+",
      outTemplate: "restart/out/{1}",
      qosIn: 1,
      qosOut: 1,
      clientId: "stream-restart",
      clean: false,
      maxQueue: 1000,
      backoffMs: [50, 200],
    });
    await s.ready;
    const out = await collector(broker.url, "restart/out/#", "collect-restart");
    const pub = mqtt.connect(broker.url, { clientId: "pub-restart", clean: false, reconnectPeriod: 50 });
    await new Promise((r) => pub.once("connect", r));
    const N = 600;
    const sent: Array<Promise<unknown>> = [];
    for (let i = 0; i < N; i++) {
      // Published without waiting: while the broker is down they wait in the publisher's store.
      sent.push(
        pub.publishAsync(
          `restart/in/s${i % 4}`,
          JSON.stringify([...f.ref.inputs[i % 20]!]).replace("[", `{"id":${i},"features":[`) + "}",
          { qos: 1 },
        ),
      );
      if (i === 200) await out.until(100);
      if (i === 300) await broker.restart();
    }
    await Promise.all(sent);
    await out.until(N);
    expectReference(out.got, N);
    expect(out.received).toBeGreaterThanOrEqual(N);
    await pub.endAsync();
    await out.close();
    await s.close();
  });
});
