/**
 * The contenders of the peer benchmarks, behind one interface: load a BenchModel, predict one
 * row, predict a batch. The peers (onnxruntime-node, onnxruntime-web, TensorFlow.js) come from
 * bench/peers/node_modules (`npm run bench:setup`), never from edgeinfer's own dependencies;
 * when they are missing, `available` says so and the benchmark skips them.
 *
 * Fairness: onnxruntime on one thread (intraOpNumThreads 1 / env.wasm.numThreads 1), TF.js's
 * wasm backend on one thread; each contender is used the way its documentation shows.
 */
import { type Model, Runtime } from "../src/index.js";
import { pack } from "../src/pack.js";
import type { BenchModel } from "./models.js";
import {
  type Any,
  importOrtWeb,
  importTf,
  notInstalled,
  ORT_NODE_OPTIONS,
  peerRequire,
  tfSequential,
} from "./peer-load.js";
import { jsModel } from "./plain-js.js";

export { jsModel };

export type Out = ArrayLike<number>;

export interface Loaded {
  predict(row: Float32Array): Out | Promise<Out>;
  /** rows: nRows × nIn; returns nRows × nOut values (the contender's own array or `out`). */
  batch(rows: Float32Array, nRows: number, out: Float32Array): Out | Promise<Out>;
  /** Picks the checked output out of what predict/batch returned (per row, nOut values). */
  pick?(result: Out, row: number): Out;
}

export interface Contender {
  id: string;
  label: string;
  /** Why it cannot run here (peers not installed), or undefined. */
  unavailable(): string | undefined;
  /** Can it run this model? (plain JS and TF.js need the dense layers) */
  supports(m: BenchModel): boolean;
  load(m: BenchModel): Promise<Loaded>;
}

// ---------------------------------------------------------------- edgeinfer

/**
 * edgeinfer, one Runtime per build for all models of a process: every Model's predict then calls
 * the same wasm export, so the call site stays monomorphic (a second build in the same process
 * would not: see predict.bench.ts).
 */
const runtimes: Partial<Record<"simd" | "scalar", Runtime>> = {};
export function edgeinfer(build: "simd" | "scalar", quantize?: "int8"): Contender {
  return {
    id: `edgeinfer-${build}${quantize ? "-int8" : ""}`,
    label: `edgeinfer ${build === "simd" ? "SIMD" : "scalar"}${quantize ? " int8" : ""}`,
    unavailable: () => undefined,
    supports: () => true,
    async load(m) {
      const rt = (runtimes[build] ??= new Runtime({ simd: build === "simd" ? "require" : "off" }));
      const model: Model = rt.load(edgeinferImage(m, quantize));
      const o = model.info.outputs.find((x) => x.name === m.outputName) ?? model.info.outputs[0]!;
      const stride = model.info.outputLength,
        off = o.offset;
      // All outputs side by side (e.g. label and probabilities): a buffer of that width, made once.
      let own = new Float32Array(0);
      return {
        predict: (row) => model.predict(row),
        batch(rows, n, out) {
          if (out.length === n * stride) return model.predictBatch(rows, n, out);
          if (own.length !== n * stride) own = new Float32Array(n * stride);
          return model.predictBatch(rows, n, own);
        },
        pick: (y, r) => (y as Float32Array).subarray(r * stride + off, r * stride + off + o.length),
      };
    },
  };
}

export function edgeinferImage(m: BenchModel, quantize?: "int8"): Uint8Array {
  return pack(m.edgeinferSource ?? m.onnx, quantize ? { quantize } : {});
}

// ---------------------------------------------------------------- plain JavaScript

export const plainJs: Contender = {
  id: "js",
  label: "plain JavaScript",
  unavailable: () => undefined,
  supports: (m) => m.layers !== undefined,
  async load(m) {
    const js = jsModel(m.layers!);
    const nIn = m.nIn,
      nOut = js.nOut;
    return {
      predict: (row) => js.predict(row),
      batch(rows, n, out) {
        for (let r = 0; r < n; r++) {
          const y = js.predict(rows, r * nIn);
          for (let j = 0; j < nOut; j++) out[r * nOut + j] = y[j]!;
        }
        return out;
      },
      pick: (y, r) => (y as Float32Array).subarray(r * nOut, (r + 1) * nOut),
    };
  },
};

// ---------------------------------------------------------------- onnxruntime

function ortLoaded(ort: Any, session: Any, m: BenchModel): Loaded {
  const fetch = [m.outputName],
    nIn = m.nIn,
    nOut = m.nOut,
    name = m.inputName;
  return {
    async predict(row) {
      const r = await session.run({ [name]: new ort.Tensor("float32", row, [1, nIn]) }, fetch);
      return r[fetch[0]!].data as Float32Array;
    },
    async batch(rows, n) {
      const r = await session.run({ [name]: new ort.Tensor("float32", rows.subarray(0, n * nIn), [n, nIn]) }, fetch);
      return r[fetch[0]!].data as Float32Array;
    },
    pick: (y, r) => (y as Float32Array).subarray(r * nOut, (r + 1) * nOut),
  };
}

let ortNodeMod: Any;
export const ortNode: Contender = {
  id: "ort-node",
  label: "onnxruntime-node",
  unavailable: () => notInstalled("onnxruntime-node"),
  supports: () => true,
  async load(m) {
    ortNodeMod ??= peerRequire("onnxruntime-node");
    const s = await ortNodeMod.InferenceSession.create(m.onnx, ORT_NODE_OPTIONS);
    return ortLoaded(ortNodeMod, s, m);
  },
};

let ortWebMod: Any;
export const ortWeb: Contender = {
  id: "ort-web",
  label: "onnxruntime-web (wasm)",
  unavailable: () => notInstalled("onnxruntime-web"),
  supports: () => true,
  async load(m) {
    ortWebMod ??= await importOrtWeb();
    const s = await ortWebMod.InferenceSession.create(m.onnx, { executionProviders: ["wasm"] });
    return ortLoaded(ortWebMod, s, m);
  },
};

// ---------------------------------------------------------------- TensorFlow.js

let tfMod: Any;
export const tfjs: Contender = {
  id: "tfjs-wasm",
  label: "TensorFlow.js (wasm backend)",
  unavailable: () => notInstalled("@tensorflow/tfjs-backend-wasm") ?? notInstalled("@tensorflow/tfjs-layers"),
  supports: (m) => m.layers !== undefined,
  async load(m) {
    tfMod ??= await importTf();
    const { tf } = tfMod;
    const model = tfSequential(tfMod, m.layers!);
    const nIn = m.nIn,
      pair = m.layers![m.layers!.length - 1]!.act === "logistic_pair";
    const nOut = pair ? 1 : m.nOut;
    const run = (rows: Float32Array, n: number): Float32Array => {
      const x = tf.tensor2d(rows.subarray(0, n * nIn), [n, nIn]);
      const y = model.predict(x);
      const d = y.dataSync() as Float32Array;
      x.dispose();
      y.dispose();
      return d;
    };
    return {
      predict: (row) => run(row, 1),
      batch: (rows, n) => run(rows, n),
      // The logistic regression is one sigmoid unit here (p of class 1): checked against column 1.
      pick: (y, r) =>
        pair
          ? [1 - (y as Float32Array)[r]!, (y as Float32Array)[r]!]
          : (y as Float32Array).subarray(r * nOut, (r + 1) * nOut),
    };
  },
};

export const PEERS: Contender[] = [ortNode, ortWeb, tfjs];
