/** A batch worker thread: loads the model it is given and scores the chunks it is sent. */
import { parentPort, workerData } from "node:worker_threads";
import { Model } from "../index.js";

const { image, allowNaN } = workerData as { image: Uint8Array; allowNaN: boolean };
const model = Model.load(image, { allowNaN });
parentPort!.on("message", (m: { id: number; values: Float32Array; nRows: number }) => {
  try {
    const y = model.predictBatch(m.values, m.nRows);
    parentPort!.postMessage({ id: m.id, y }, [y.buffer as ArrayBuffer]);
  } catch (e) {
    parentPort!.postMessage({ id: m.id, error: (e as Error).message });
  }
});
