/** The window geometry the TFLite convolutions and poolings share. */
import type { TfliteContext } from "../context.js";

/** TFLite's output size and leading padding of one spatial axis (Padding: SAME 0, VALID 1). */
export function axis(ctx: TfliteContext, padding: number, size: number, k: number, stride: number, dil: number) {
  const eff = (k - 1) * dil + 1;
  if (padding !== 0 && padding !== 1) ctx.refuse(`padding ${padding} is not SAME (0) or VALID (1)`);
  if (!(stride >= 1 && dil >= 1)) ctx.refuse(`stride ${stride} and dilation ${dil} must be ≥ 1`);
  const out = padding === 0 ? Math.floor((size + stride - 1) / stride) : Math.floor((size + stride - eff) / stride);
  const total = Math.max(0, (out - 1) * stride + eff - size);
  return { out, pad: Math.floor(total / 2) };
}
