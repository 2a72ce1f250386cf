/**
 * edgeinfer/serve: online prediction over HTTP from a model repository folder (docs/serve.md).
 * Node-only code (node:http, node:fs); the runtime entry never imports it.
 */
export { RequestError, type RequestPlace } from "./errors.js";
export { jsonLogger, LEVELS, type Level, type Logger, silentLogger } from "./log.js";
export { Metrics } from "./metrics.js";
export { outputSpecs } from "./protocol-v2.js";
export {
  isModelName,
  type LoadFailure,
  type ModelEntry,
  Repository,
  type RepositoryOptions,
  type Version,
} from "./repository.js";
export { type Answer, type ModelSource, Router, type RouterOptions } from "./router.js";
export { createServer, DEFAULT_MAX_BODY_BYTES, type EdgeInferServer, type ServeOptions } from "./server.js";
