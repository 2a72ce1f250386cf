// The release module: the plan interpreter and nothing else. No imports, memory exported,
// integers and pointers only (docs/abi.md), so wasm3, WAMR or wasm2c-compiled C can drive it.
import { ABI_VERSION } from "./abi";

export { run, runBatch, runNarrowPair, runNarrow, lastErrorRow, lastErrorColumn, lastErrorStep } from "./run";
export { crc32Table, crc32Update } from "./crc32";
export { runNarrowPairMonitored, runNarrowMonitored } from "./run-monitored";
export { monitorRows, monitorRotate } from "./kernels/monitor";

/** Kernel ABI version this module implements; a packed image needs abiVersion ≤ this. */
export function abiVersion(): u32 { return ABI_VERSION; }

/** First byte a host may use for images and arenas (above the module's static data). */
export function heapBase(): usize { return __heap_base; }
