// The MLPerf Tiny fixtures (test/fixtures/tflite) and their LiteRT.js references.
import { readFileSync } from "node:fs";

const dir = new URL("../fixtures/tflite/", import.meta.url);

export interface LiteRtRef {
  input: { name: string; shape: number[]; dtype: string };
  outputs: Array<{ name: string; shape: number[]; dtype: string }>;
  rows: Array<{ input: number[]; outputs: number[][] }>;
}

const refs = JSON.parse(readFileSync(new URL("references.json", dir), "utf8")) as {
  models: Record<string, LiteRtRef>;
};

export function tfliteFixture(file: string) {
  const bytes = new Uint8Array(readFileSync(new URL(file, dir)));
  const ref = refs.models[file]!;
  const rows = Float32Array.from(ref.rows.flatMap((r) => r.input));
  const expected = ref.rows.flatMap((r) => r.outputs[0]!);
  return { bytes, ref, rows, expected, nRows: ref.rows.length };
}
