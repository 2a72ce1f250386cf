// Results shaped as JSON and CSV: named outputs, class labels, the added "label", streamed CSV.
import { describe, expect, it } from "vitest";
import {
  csvHeader,
  ResultBuffer,
  resultsJsonPieces,
  resultsToCsv,
  resultsToCsvRows,
  resultsToJson,
} from "../../src/io/results.js";

const info = {
  outputLength: 3,
  outputs: [
    { name: "label", offset: 0, length: 1, labels: ["cat", "dog"] },
    { name: "proba", offset: 1, length: 2, labels: ["cat", "dog"] },
  ],
} as unknown as Parameters<typeof resultsToJson>[0];
const y = Float32Array.from([1, 0.25, 0.75, 0, 0.9, Number.NaN]);

describe("results", () => {
  it("JSON maps each output to per-row arrays, class indices as labels, NaN as a string", () => {
    expect(resultsToJson(info, y, 2)).toBe('{"label":[["dog"],["cat"]],"proba":[[0.25,0.75],[0.9,"NaN"]]}\n');
  });
  it("JSON in small pieces is the same text", () => {
    expect([...resultsJsonPieces(info, y, 2, 4)].join("")).toBe(resultsToJson(info, y, 2));
  });
  it("CSV: a header of output_label columns, then rows; batches concatenate", () => {
    expect(resultsToCsv(info, y, 2)).toBe("label,proba_cat,proba_dog\ndog,0.25,0.75\ncat,0.9,NaN\n");
    expect(
      csvHeader(info) + resultsToCsvRows(info, y.subarray(0, 3), 1) + resultsToCsvRows(info, y.subarray(3), 1),
    ).toBe(resultsToCsv(info, y, 2));
  });
  it("ResultBuffer keeps rows across batches", () => {
    const b = new ResultBuffer(3);
    for (let k = 0; k < 1000; k++) b.add(y, 2);
    expect(b.nRows).toBe(2000);
    expect(Array.from(b.values.subarray(5994))).toEqual(Array.from(y));
  });
});
