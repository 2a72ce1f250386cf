// Driving a standalone model module (`edgeinfer build`) through its documented ABI, as any host would.

/** The exports docs/standalone.md promises. */
export interface StandaloneExports {
  memory: WebAssembly.Memory;
  input_ptr(): number;
  input_len(): number;
  output_ptr(): number;
  output_len(): number;
  predict(): number;
  batch_input_ptr(): number;
  batch_output_ptr(): number;
  batch_capacity(): number;
  predict_batch(n: number): number;
  last_error_row(): number;
  last_error_column(): number;
  last_error_step(): number;
  model_ptr(): number;
  model_len(): number;
  abi_version(): number;
}

export const ABI_EXPORTS = [
  "memory",
  "input_ptr",
  "input_len",
  "output_ptr",
  "output_len",
  "predict",
  "batch_input_ptr",
  "batch_output_ptr",
  "batch_capacity",
  "predict_batch",
  "last_error_row",
  "last_error_column",
  "last_error_step",
  "model_ptr",
  "model_len",
  "abi_version",
];

export function instantiateStandalone(wasm: Uint8Array): StandaloneExports {
  return new WebAssembly.Instance(new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>), {})
    .exports as unknown as StandaloneExports;
}

/** Each row through predict(): the statuses and the outputs side by side (NaN where a row failed). */
export function predictRows(e: StandaloneExports, rows: ArrayLike<number>[]): { status: number[]; y: Float32Array } {
  const nOut = e.output_len();
  const y = new Float32Array(rows.length * nOut).fill(NaN);
  const status = rows.map((row, r) => {
    new Float32Array(e.memory.buffer, e.input_ptr(), e.input_len()).set(row);
    const s = e.predict();
    if (s === 0) y.set(new Float32Array(e.memory.buffer, e.output_ptr(), nOut), r * nOut);
    return s;
  });
  return { status, y };
}

/** All rows through predict_batch in blocks of batch_capacity(). */
export function predictBatchRows(e: StandaloneExports, rows: ArrayLike<number>[]): Float32Array {
  const nIn = e.input_len(),
    nOut = e.output_len(),
    cap = e.batch_capacity();
  const y = new Float32Array(rows.length * nOut);
  for (let start = 0; start < rows.length; start += cap) {
    const n = Math.min(cap, rows.length - start);
    const input = new Float32Array(e.memory.buffer, e.batch_input_ptr(), n * nIn);
    for (let r = 0; r < n; r++) input.set(rows[start + r]!, r * nIn);
    const s = e.predict_batch(n);
    if (s !== 0) throw new Error(`predict_batch: status ${s} (row ${start + e.last_error_row()})`);
    y.set(new Float32Array(e.memory.buffer, e.batch_output_ptr(), n * nOut), start * nOut);
  }
  return y;
}

/** The f32 bit patterns, for bit-for-bit comparisons that also hold for NaN payloads. */
export const bitsOf = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
