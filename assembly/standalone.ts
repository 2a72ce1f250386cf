// One model's standalone module (`edgeinfer build`): the interpreter compiled with only the
// kernels that model uses (assembly/config.ts), its packed image as a data segment, and a
// C-style ABI over fixed buffers (docs/standalone.md). No imports; memory exported. A host
// writes a row at input_ptr(), calls predict(), and reads output_len() floats at output_ptr().
import { ABI_VERSION, STATUS_BAD_BATCH } from "./abi";
import { run, runBatch, lastErrorRow, lastErrorColumn, lastErrorStep } from "./run";
import {
  IMAGE, IMAGE_BYTES, ARENA, INPUT, INPUT_LEN, OUTPUT, OUTPUT_LEN,
  BATCH_INPUT, BATCH_OUTPUT, BATCH_CAPACITY, RUN_FLAGS,
} from "./standalone-layout";

export function input_ptr(): usize { return INPUT; }
export function input_len(): i32 { return INPUT_LEN; }
export function output_ptr(): usize { return OUTPUT; }
export function output_len(): i32 { return OUTPUT_LEN; }

/** One row, input_ptr() → output_ptr(). 0 = ok, 1 = NaN in the row (see last_error_column). */
export function predict(): i32 { return run(IMAGE, ARENA, RUN_FLAGS); }

export function batch_input_ptr(): usize { return BATCH_INPUT; }
export function batch_output_ptr(): usize { return BATCH_OUTPUT; }
export function batch_capacity(): i32 { return BATCH_CAPACITY; }

/** n rows, batch_input_ptr() → batch_output_ptr(); 3 when n is outside 0..batch_capacity(). */
export function predict_batch(n: i32): i32 {
  if (n < 0 || n > BATCH_CAPACITY) return STATUS_BAD_BATCH;
  return runBatch(IMAGE, ARENA, BATCH_INPUT, BATCH_OUTPUT, n, RUN_FLAGS);
}

/** Row (in the batch), column (feature) and step of the last non-zero status; −1 where none applies. */
export function last_error_row(): i32 { return lastErrorRow(); }
export function last_error_column(): i32 { return lastErrorColumn(); }
export function last_error_step(): i32 { return lastErrorStep(); }

/** The packed image, for hosts that want the metadata (names, labels: docs/format.md). */
export function model_ptr(): usize { return IMAGE; }
export function model_len(): i32 { return IMAGE_BYTES; }
export function abi_version(): u32 { return ABI_VERSION; }
