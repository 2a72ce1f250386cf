/**
 * edgeinfer/serve: online prediction over HTTP from a model repository folder (docs/serve.md).
 * Node-only code (node:http, node:fs); the runtime entry never imports it.
 */
export { RequestError, type RequestPlace } from "./errors.js";
export { type FetchOptions, fetchHandler, ImageModels } from "./fetch.js";
export { jsonLogger, LEVELS, type Level, type Logger, silentLogger } from "./log.js";
export { Metrics } from "./metrics.js";
export { defaultVersion, isModelName, type LoadFailure, ModelEntry, type Version } from "./models.js";
export { outputSpecs } from "./protocol-v2.js";
export { Repository, type RepositoryEvent, type RepositoryOptions } from "./repository.js";
export { type Answer, type ModelSource, Router, type RouterOptions } from "./router.js";
export { createServer, DEFAULT_MAX_BODY_BYTES, type EdgeInferServer, type ServeOptions } from "./server.js";
