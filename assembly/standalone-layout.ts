// Where one model's standalone module keeps its image and buffers. `edgeinfer build`
// (src/build/standalone.ts) replaces this file with the model's own numbers before compiling
// assembly/standalone.ts; these placeholders only make the entry compile on its own.
// Every address is a byte offset in linear memory, 16-aligned; all of it lies below the
// module's own static data (asc --memoryBase), so the layout is fixed before compilation.

export const IMAGE: usize = 16;          // the packed image (an active data segment)
export const IMAGE_BYTES: i32 = 0;
export const ARENA: usize = 16;          // its working memory
export const INPUT: usize = 16;          // = ARENA + image inputOffset: predict() reads the row here
export const INPUT_LEN: i32 = 0;         // f32 values
export const OUTPUT: usize = 16;         // = ARENA + image outputOffset: predict() writes here
export const OUTPUT_LEN: i32 = 0;        // f32 values (all outputs side by side)
export const BATCH_INPUT: usize = 16;    // predict_batch(n): f32[n][INPUT_LEN] from here
export const BATCH_OUTPUT: usize = 16;   // f32[n][OUTPUT_LEN] to here
export const BATCH_CAPACITY: i32 = 0;    // rows
export const RUN_FLAGS: u32 = 1;         // FLAG_CHECK_NAN unless built with NaN allowed
