// wasm-interp runs exported functions with no arguments and prints what they return; it cannot
// write a row into memory. So each row gets an exported function appended to a copy of the
// module: row_<r>() stores the row's floats at input_ptr(), calls predict() and returns its
// status and the output bit patterns (multi-value). The model's own code is untouched.
import {
  addExportedFunction,
  exportedFunction,
  joinSections,
  sleb,
  splitSections,
  uleb,
} from "../../src/build/wasm-sections.js";

export function probeModule(
  wasm: Uint8Array,
  inputPtr: number,
  outputPtr: number,
  nOut: number,
  rows: number[][],
): Uint8Array {
  const sections = splitSections(wasm);
  const predict = exportedFunction(sections, "predict");
  rows.forEach((bits, r) => {
    const body: number[] = [0x00]; // no locals
    bits.forEach((u, i) => {
      body.push(
        0x41,
        ...sleb(inputPtr + 4 * i),
        0x43,
        u & 0xff,
        (u >>> 8) & 0xff,
        (u >>> 16) & 0xff,
        u >>> 24,
        0x38,
        0x02,
        0x00,
      ); // f32.store
    });
    body.push(0x10, ...uleb(predict)); // call predict
    for (let k = 0; k < nOut; k++) body.push(0x41, ...sleb(outputPtr + 4 * k), 0x28, 0x02, 0x00); // i32.load
    body.push(0x0b);
    addExportedFunction(sections, `row_${r}`, [], Array(1 + nOut).fill(0x7f), body);
  });
  return joinSections(sections);
}

/** Parses `row_<r>() => i32:S, i32:B, …` lines into [status, ...bits in hex] per row. */
export function parseProbeOutput(stdout: string, nRows: number): string[][] {
  const rows: string[][] = [];
  for (const line of stdout.split("\n")) {
    const m = /^row_(\d+)\(\) => (.*)$/.exec(line.trim());
    if (!m) continue;
    const values = m[2]!.split(",").map((v) => Number(v.trim().replace(/^i32:/, "")) >>> 0);
    rows[Number(m[1])] = [String(values[0]), ...values.slice(1).map((u) => u.toString(16).padStart(8, "0"))];
  }
  if (rows.length !== nRows)
    throw new Error(`wasm-interp printed ${rows.length} of ${nRows} rows:\n${stdout.slice(0, 2000)}`);
  return rows;
}
