/**
 * A message's payload as a model's own features: JSON (an array in the model's order, an
 * object by feature name, or {"id": …, "features": […] or {…}}) or binary float32
 * (little-endian, 4 bytes a feature). What the message carries besides (its id, its
 * timestamp, a key field) is kept for the prediction and the streaming windows.
 */
import { EdgeInferError } from "../errors.js";

/** A payload that is not one of the accepted forms: names the topic and what is wrong. */
export class PayloadError extends EdgeInferError {
  readonly code = "E_INPUT";
  constructor(
    readonly topic: string,
    /** A short word for the metrics (json, length, feature, type). */
    readonly reason: string,
    readonly detail: string,
  ) {
    super(`message on ${topic}: ${detail}`);
  }
}

export interface Message {
  /** The message's own features, in order (`names` of readPayload). */
  values: Float64Array;
  id?: unknown;
  /** Milliseconds since the epoch, from a "ts"/"timestamp" field, when there is one. */
  timeMs?: number;
  /** The JSON object, for a key field (undefined for arrays and binary). */
  fields?: Record<string, unknown>;
}

function numberOf(v: unknown, topic: string, name: string): number {
  if (typeof v === "number") return v;
  if (v === null) return NaN;
  throw new PayloadError(
    topic,
    "type",
    `feature ${JSON.stringify(name)} is ${typeof v === "string" ? `text ${JSON.stringify(v)}` : typeof v}; expected a number`,
  );
}

function timeOf(o: Record<string, unknown>): number | undefined {
  const t = o.ts ?? o.timestamp;
  if (typeof t === "number") return t < 1e11 ? t * 1000 : t; // seconds or milliseconds
  if (typeof t === "string") {
    const ms = Date.parse(t);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/**
 * Reads the message's features, `names` in order (the model's features the message itself
 * carries). `binary`: float32 values; otherwise JSON.
 */
export function readPayload(payload: Uint8Array, names: readonly string[], topic: string, binary: boolean): Message {
  const n = names.length;
  const values = new Float64Array(n);
  if (binary) {
    if (payload.byteLength !== n * 4)
      throw new PayloadError(topic, "length", `${payload.byteLength} bytes; ${n} float32 features take ${n * 4}`);
    const dv = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    for (let i = 0; i < n; i++) values[i] = dv.getFloat32(i * 4, true);
    return { values };
  }
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString("utf8"));
  } catch (e) {
    throw new PayloadError(topic, "json", `not JSON: ${(e as Error).message}`);
  }
  let fields: Record<string, unknown> | undefined;
  if (data !== null && typeof data === "object" && !Array.isArray(data)) {
    fields = data as Record<string, unknown>;
    if ("features" in fields) data = fields.features;
  }
  if (Array.isArray(data)) {
    if (data.length !== n)
      throw new PayloadError(
        topic,
        "length",
        `${data.length} features; the message must carry ${n} (${names.join(", ")})`,
      );
    for (let i = 0; i < n; i++) values[i] = numberOf(data[i], topic, names[i]!);
  } else if (data !== null && typeof data === "object") {
    const o = data as Record<string, unknown>;
    for (let i = 0; i < n; i++) {
      const name = names[i]!;
      if (!(name in o)) throw new PayloadError(topic, "feature", `no feature ${JSON.stringify(name)}`);
      values[i] = numberOf(o[name], topic, name);
    }
  } else
    throw new PayloadError(
      topic,
      "json",
      'expected an array of features, an object by feature name, or {"features": …}',
    );
  const msg: Message = { values };
  if (fields) {
    msg.fields = fields;
    if ("id" in fields) msg.id = fields.id;
    const t = timeOf(fields);
    if (t !== undefined) msg.timeMs = t;
  }
  return msg;
}
