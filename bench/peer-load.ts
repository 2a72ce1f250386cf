/**
 * Loading the peers from bench/peers/node_modules (`npm run bench:setup`), never from
 * edgeinfer's own dependencies. Dependency-free, so cold-start children can import it alone.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import type { Layer } from "./models.js";
import { root } from "./suite.js";

// biome-ignore lint/suspicious/noExplicitAny: the peers' packages come untyped
export type Any = any;

export const PEERS_DIR = root("bench/peers");
export const peerRequire = createRequire(`${PEERS_DIR}/package.json`);
export const peerInstalled = (name: string) => existsSync(`${PEERS_DIR}/node_modules/${name}/package.json`);
export const notInstalled = (name: string) =>
  peerInstalled(name) ? undefined : `${name} is not installed (npm run bench:setup)`;

/** onnxruntime-node, for CPU on one thread: pass these session options. */
export const ORT_NODE_OPTIONS = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: "sequential",
  executionProviders: ["cpu"],
};

/** onnxruntime-web (its Node entry, wasm backend) on one thread. */
export async function importOrtWeb(): Promise<Any> {
  const ort = await import(pathToFileURL(peerRequire.resolve("onnxruntime-web").replace(/\.js$/, ".mjs")).href);
  ort.env.wasm.numThreads = 1;
  return ort;
}

/** TensorFlow.js core + layers on the wasm backend, one thread. */
export async function importTf(): Promise<{ tf: Any; layers: Any }> {
  const tf = peerRequire("@tensorflow/tfjs-core");
  const layers = peerRequire("@tensorflow/tfjs-layers");
  const wasm = peerRequire("@tensorflow/tfjs-backend-wasm");
  wasm.setThreadsCount?.(1);
  await tf.setBackend("wasm");
  await tf.ready();
  return { tf, layers };
}

/** tf.sequential dense layers with the same weights (kernel [nIn, nOut] = Wᵀ). */
export function tfSequential(t: { tf: Any; layers: Any }, ls: Layer[]): Any {
  const { tf, layers } = t;
  const model = layers.sequential();
  ls.forEach((l, k) => {
    const act = l.act === "logistic_pair" ? "sigmoid" : l.act === "none" ? "linear" : l.act;
    model.add(layers.layers.dense({ units: l.nOut, activation: act, inputShape: k === 0 ? [l.nIn] : undefined }));
  });
  model.setWeights(
    ls.flatMap((l) => {
      const wt = new Float32Array(l.nIn * l.nOut);
      for (let o = 0; o < l.nOut; o++) for (let i = 0; i < l.nIn; i++) wt[i * l.nOut + o] = l.W[o * l.nIn + i]!;
      return [tf.tensor2d(wt, [l.nIn, l.nOut]), tf.tensor1d(l.b)];
    }),
  );
  return model;
}
