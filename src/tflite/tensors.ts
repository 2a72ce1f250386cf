/** A constant tensor's values, copied out of the file (its bytes may be unaligned), with its length checked. */
import type { TfliteContext } from "./context.js";
import type { TfliteTensor } from "./schema.js";

function values<T>(ctx: TfliteContext, t: TfliteTensor, bytes: number, make: (b: ArrayBuffer) => T): T {
  const n = t.shape.reduce((a, b) => a * b, 1);
  const data = t.data ?? new Uint8Array(0);
  if (data.length !== n * bytes)
    ctx.refuse(`tensor ${JSON.stringify(t.name)} of shape [${t.shape}] has ${data.length} bytes, not ${n * bytes}`);
  return make(data.slice().buffer);
}

export const f32Of = (ctx: TfliteContext, t: TfliteTensor) => values(ctx, t, 4, (b) => new Float32Array(b));
export const i32Of = (ctx: TfliteContext, t: TfliteTensor) => values(ctx, t, 4, (b) => new Int32Array(b));
export const i8Of = (ctx: TfliteContext, t: TfliteTensor) => values(ctx, t, 1, (b) => new Int8Array(b));
