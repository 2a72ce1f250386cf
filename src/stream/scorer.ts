/**
 * One message in, one prediction out: the payload's features and the key's window features
 * put in the model's order, predicted, and the prediction as JSON
 * `{"id", "model_version", "<output>": …, "label", "dup"}`.
 */
import { labelOf, labelSource } from "../format/labels.js";
import type { Model } from "../index.js";
import { f32String } from "../io/results.js";
import { type Message, PayloadError, readPayload } from "./payload.js";
import { StreamWindows, type WindowConfig, WindowConfigError, windowFeatureNames } from "./windows.js";

export interface ScorerOptions {
  binary?: boolean;
  windows?: WindowConfig | undefined;
  modelVersion: string;
}

const json = (v: number) => (Number.isFinite(v) ? f32String(v) : `"${v}"`);

export class MessageScorer {
  /** The features a message carries, in the order an array or binary payload gives them. */
  readonly messageFeatures: string[];
  readonly windows: StreamWindows | undefined;
  private readonly row: Float32Array;
  /** Row position of each message feature, and where the window features go (in order). */
  private readonly messageAt: number[];
  private readonly windowAt: number[];
  private readonly windowOut: Float32Array;
  private readonly keyLevel: number;
  private readonly keyField: string | undefined;
  private readonly format: (y: Float32Array) => string;

  constructor(
    private readonly model: Model,
    private readonly options: ScorerOptions,
  ) {
    const info = model.info;
    const w = options.windows;
    const windowNames = w ? w.windows.flatMap(windowFeatureNames) : [];
    const names = info.featureNames ?? [
      ...(w?.features ?? Array.from({ length: info.inputLength - windowNames.length }, (_, i) => `f${i}`)),
      ...windowNames,
    ];
    if (names.length !== info.inputLength)
      throw new WindowConfigError(
        "features",
        `the message's features and the windows give ${names.length} features; the model takes ${info.inputLength}`,
      );
    for (const n of windowNames)
      if (!names.includes(n))
        throw new WindowConfigError(`window feature ${JSON.stringify(n)}`, "is not one of the model's features");
    this.messageFeatures = names.filter((n) => !windowNames.includes(n));
    this.messageAt = this.messageFeatures.map((n) => names.indexOf(n));
    this.windowAt = windowNames.map((n) => names.indexOf(n));
    this.windowOut = new Float32Array(windowNames.length);
    this.windows = w ? new StreamWindows(w, this.messageFeatures) : undefined;
    this.row = new Float32Array(info.inputLength);
    this.keyLevel = w?.key.startsWith("topic:") ? Number(w.key.slice(6)) : 0;
    this.keyField = w?.key.startsWith("field:") ? w.key.slice(6) : undefined;
    const src = labelSource(info.outputs);
    const parts = info.outputs.map((o) => {
      const name = JSON.stringify(o.name);
      if (o.labels && o.length === 1) {
        const labels = o.labels;
        return (y: Float32Array) => `${name}:${JSON.stringify(labels[y[o.offset]!] ?? y[o.offset])}`;
      }
      if (o.length === 1) return (y: Float32Array) => `${name}:${json(y[o.offset]!)}`;
      return (y: Float32Array) => {
        let s = `${name}:[`;
        for (let i = 0; i < o.length; i++) s += `${i ? "," : ""}${json(y[o.offset + i]!)}`;
        return `${s}]`;
      };
    });
    if (src?.argmax && !info.outputs.some((o) => o.name === "label"))
      parts.push((y) => `"label":${JSON.stringify(labelOf(src, y))}`);
    this.format = (y) => parts.map((p) => p(y)).join(",");
  }

  /**
   * Scores one message: the prediction's JSON text. `bound`: the topic levels the filter's
   * wildcards bound (the key, for "topic:<n>"). Throws PayloadError for a bad payload.
   */
  score(topic: string, bound: readonly string[], payload: Uint8Array, dup: boolean, nowMs: number): string {
    const msg: Message = readPayload(payload, this.messageFeatures, topic, this.options.binary === true);
    const row = this.row;
    for (let i = 0; i < this.messageAt.length; i++) row[this.messageAt[i]!] = msg.values[i]!;
    if (this.windows) {
      let key: string;
      if (this.keyField !== undefined) {
        const k = msg.fields?.[this.keyField];
        if (k === undefined || k === null || typeof k === "object")
          throw new PayloadError(topic, "key", `no key field ${JSON.stringify(this.keyField)}`);
        key = String(k);
      } else key = bound[this.keyLevel - 1] ?? "";
      this.windows.update(key, msg.values, msg.timeMs ?? nowMs, this.windowOut, 0);
      for (let i = 0; i < this.windowAt.length; i++) row[this.windowAt[i]!] = this.windowOut[i]!;
    }
    let y: Float32Array;
    try {
      y = this.model.predict(row);
    } catch (e) {
      throw new PayloadError(topic, "model", (e as Error).message);
    }
    const head =
      msg.id !== undefined
        ? `{"id":${JSON.stringify(msg.id)},`
        : msg.timeMs !== undefined
          ? `{"ts":${msg.timeMs},`
          : "{";
    return `${head}"model_version":"${this.options.modelVersion}",${this.format(y)}${dup ? ',"dup":true' : ""}}`;
  }
}
