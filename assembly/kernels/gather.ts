// GATHER: y[j] = x[idx[j]], one u32 index per output (checked < nIn at load). ONNX Gather and
// ArrayFeatureExtractor with constant indices, Concat of several graph inputs, FeatureVectorizer:
// the columns picked from the one input row. Pure copies: both builds move the same bits.
// Layout: aux = u32[nOut]; x and y are disjoint.
import { S_AUX } from "../abi";

/** One row. */
export function gatherF32(x: usize, idx: usize, y: usize, nOut: i32): void {
  for (let j = 0; j < nOut; j++) {
    const i = <usize>load<u32>(idx + (<usize>j << 2));
    store<f32>(y + (<usize>j << 2), load<f32>(x + (i << 2)));
  }
}

// ---- Step entry (assembly/run.ts): aux holds the indices.

/** GATHER row by row. */
export function stepGather(s: usize, image: usize, src: usize, srcStep: usize, dst: usize, dstStep: usize, nIn: i32, nOut: i32, w: usize, b: usize, act: u32, alpha: f32, beta: f32, nRows: i32): void {
  const aux = image + <usize>load<u32>(s + S_AUX);
  for (let r = 0; r < nRows; r++) gatherF32(src + <usize>r * srcStep, aux, dst + <usize>r * dstStep, nOut);
}

