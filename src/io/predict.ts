/**
 * Predicting a stream of row batches: one predictBatch per batch, outputs handed out as they
 * come, so rows of any number pass through in the memory of one batch. A NaN the model refuses
 * is reported in the source's numbering (1-based data rows, as every RowInputError).
 */
import { NaNInputError } from "../errors.js";
import type { Model } from "../index.js";
import { RowInputError } from "./errors.js";
import type { RowBatch } from "./rows.js";

/** One batch's outputs: rows `rowOffset + 1 …`, `outputLength` values per row. */
export interface ResultBatch {
  rowOffset: number;
  nRows: number;
  y: Float32Array;
}

/** Predicts one batch; a refused NaN becomes a RowInputError naming the source's row. */
export function predictRowBatch(model: Model, batch: RowBatch, source: string, out?: Float32Array): ResultBatch {
  try {
    return { rowOffset: batch.rowOffset, nRows: batch.nRows, y: model.predictBatch(batch.values, batch.nRows, out) };
  } catch (e) {
    if (!(e instanceof NaNInputError)) throw e;
    throw new RowInputError(
      source,
      { row: batch.rowOffset + e.row + 1, feature: e.column + 1, featureName: e.feature },
      "NaN, which the model refuses (load it with allowNaN to let NaN through)",
    );
  }
}

/** Predicts every batch of `batches` in order. The yielded `y` is reused: copy it to keep it. */
export async function* predictRowBatches(
  model: Model,
  batches: AsyncIterable<RowBatch> | Iterable<RowBatch>,
  source = "rows",
): AsyncGenerator<ResultBatch> {
  let out = new Float32Array(0);
  const nOut = model.info.outputLength;
  for await (const b of batches) {
    if (out.length < b.nRows * nOut) out = new Float32Array(b.nRows * nOut);
    yield predictRowBatch(model, b, source, out.subarray(0, b.nRows * nOut));
  }
}
