/**
 * Which output gives a model's class label, and the label of one output row. Shared by
 * Model.predictLabel and the CLI's "label" column, so both read the metadata the same way.
 */
import type { Label, OutputInfo } from "./types.js";

export interface LabelSource {
  output: OutputInfo;
  labels: Label[];
  /** true: the output holds per-class scores (take the largest); false: it holds a class index. */
  argmax: boolean;
}

/** An output holding a class index if there is one, else an output of per-class scores. */
export function labelSource(outputs: readonly OutputInfo[]): LabelSource | undefined {
  const index = outputs.find((o) => o.labels && o.length === 1);
  const scores = outputs.find((o) => o.labels && o.length === o.labels.length && o.length > 1);
  const src = index ?? scores;
  return src && { output: src, labels: src.labels!, argmax: src !== index };
}

/** The label in output row y (which starts at `base`); the first largest score wins ties. */
export function labelOf(src: LabelSource, y: ArrayLike<number>, base = 0): Label {
  const at = base + src.output.offset;
  if (!src.argmax) return src.labels[y[at]!]!;
  let best = 0;
  for (let i = 1; i < src.output.length; i++) if (y[at + i]! > y[at + best]!) best = i;
  return src.labels[best]!;
}
