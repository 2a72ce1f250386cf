/** `npm run bench`: every benchmark file in turn, each in this one process. */
await import("./predict.bench.js");
await import("./kernels.bench.js");
