// Plain float64 references for the kernels, written from the definitions (ONNX and the
// frameworks), not from the kernels: a kernel that agrees with these is right.

/** y = W x + b, W nOut×nIn row-major. */
export function denseRef(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  b: ArrayLike<number>,
  nIn: number,
  nOut: number,
): Float64Array {
  const y = new Float64Array(nOut);
  for (let o = 0; o < nOut; o++) {
    let acc = b[o]!;
    for (let i = 0; i < nIn; i++) acc += w[o * nIn + i]! * x[i]!;
    y[o] = acc;
  }
  return y;
}

export const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
export const relu = (v: number) => Math.max(v, 0);

export function softmax(x: ArrayLike<number>): Float64Array {
  const m = Math.max(...Array.from(x));
  const e = Array.from(x, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return Float64Array.from(e, (v) => v / s);
}

export function logSoftmax(x: ArrayLike<number>): Float64Array {
  const m = Math.max(...Array.from(x));
  const s = Array.from(x, (v) => Math.exp(v - m)).reduce((a, b) => a + b, 0);
  return Float64Array.from(x, (v) => v - m - Math.log(s));
}

/** Round half to even (ONNX's rounding). */
export function rint(v: number): number {
  const f = Math.floor(v),
    d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** ONNX DynamicQuantizeLinear, computed the way the spec writes it (in f32 like onnxruntime). */
export function dynamicQuantize(x: ArrayLike<number>): { q: Uint8Array; scale: number; zp: number } {
  const f = Math.fround;
  let lo = 0,
    hi = 0;
  for (let i = 0; i < x.length; i++) {
    lo = Math.min(lo, x[i]!);
    hi = Math.max(hi, x[i]!);
  }
  const scale = f(f(hi - lo) / 255);
  const q = new Uint8Array(x.length);
  if (scale === 0) return { q, scale, zp: 0 };
  const zp = Math.max(0, Math.min(255, rint(f(0 - f(lo / scale)))));
  for (let i = 0; i < x.length; i++) q[i] = Math.max(0, Math.min(255, rint(f(x[i]! / scale)) + zp));
  return { q, scale, zp };
}

/** The int8 dense exactly as ORT's MatMulInteger → Cast → Mul → Add computes it. */
export function denseQ8Ref(
  x: ArrayLike<number>,
  wq: Int8Array,
  wScale: ArrayLike<number>,
  b: ArrayLike<number>,
  nIn: number,
  nOut: number,
): Float64Array {
  const f = Math.fround;
  const { q, scale, zp } = dynamicQuantize(x);
  const y = new Float64Array(nOut);
  for (let o = 0; o < nOut; o++) {
    let acc = 0;
    for (let i = 0; i < nIn; i++) acc += (q[i]! - zp) * wq[o * nIn + i]!;
    y[o] = f(f(f(acc) * f(scale * wScale[o]!)) + b[o]!);
  }
  return y;
}

/**
 * How far an f32 dot product may honestly be from the float64 one, per output: the running
 * error bound of f32 summation, 2·sqrt(n+1)·u·Σ|terms| (u = 2^-24), plus the final rounding.
 * A wrong index or a dropped term is off by about a whole term, far beyond this.
 */
export function denseErrorBound(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  b: ArrayLike<number>,
  nIn: number,
  nOut: number,
): Float64Array {
  const u = 2 ** -24;
  const bound = new Float64Array(nOut);
  for (let o = 0; o < nOut; o++) {
    let s = Math.abs(b[o]!);
    for (let i = 0; i < nIn; i++) s += Math.abs(w[o * nIn + i]! * x[i]!);
    bound[o] = 2 * Math.sqrt(nIn + 1) * u * s + 1e-30;
  }
  return bound;
}

/** One spatial axis of an ONNX window: input size, kernel, stride, dilation, pads before and after. */
export interface WindowAxis {
  size: number;
  k: number;
  s: number;
  d: number;
  pb: number;
  pe: number;
  out: number;
}

/** ONNX Conv on one NCHW (or NCL) image, from the operator's definition; W is [M][C/G][...k]. */
export function convRef(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  b: ArrayLike<number>,
  C: number,
  M: number,
  G: number,
  axes: WindowAxis[],
): Float64Array {
  const [ah, aw] = axes.length === 1 ? [{ size: 1, k: 1, s: 1, d: 1, pb: 0, pe: 0, out: 1 }, axes[0]!] : axes;
  const Cg = C / G,
    Mg = M / G;
  const y = new Float64Array(M * ah!.out * aw!.out);
  for (let m = 0; m < M; m++) {
    const g = Math.floor(m / Mg);
    for (let oh = 0; oh < ah!.out; oh++)
      for (let ow = 0; ow < aw!.out; ow++) {
        let acc = b[m]!;
        for (let ci = 0; ci < Cg; ci++)
          for (let kh = 0; kh < ah!.k; kh++)
            for (let kw = 0; kw < aw!.k; kw++) {
              const ih = oh * ah!.s - ah!.pb + kh * ah!.d,
                iw = ow * aw!.s - aw!.pb + kw * aw!.d;
              if (ih < 0 || ih >= ah!.size || iw < 0 || iw >= aw!.size) continue;
              const xv = x[((g * Cg + ci) * ah!.size + ih) * aw!.size + iw]!;
              acc += xv * w[((m * Cg + ci) * ah!.k + kh) * aw!.k + kw]!;
            }
        y[(m * ah!.out + oh) * aw!.out + ow] = acc;
      }
  }
  return y;
}

/**
 * ONNX MaxPool / AveragePool on one NCHW (or NCL) image: windows clipped to the input; an
 * average divides by the taps inside the input, or (countPad) inside the padded input.
 */
export function poolRef(
  x: ArrayLike<number>,
  C: number,
  axes: WindowAxis[],
  mode: "max" | "avg" | "avgPad",
): Float64Array {
  const [ah, aw] = axes.length === 1 ? [{ size: 1, k: 1, s: 1, d: 1, pb: 0, pe: 0, out: 1 }, axes[0]!] : axes;
  const y = new Float64Array(C * ah!.out * aw!.out);
  for (let c = 0; c < C; c++)
    for (let oh = 0; oh < ah!.out; oh++)
      for (let ow = 0; ow < aw!.out; ow++) {
        let acc = mode === "max" ? -Infinity : 0,
          n = 0,
          nPad = 0;
        for (let kh = 0; kh < ah!.k; kh++)
          for (let kw = 0; kw < aw!.k; kw++) {
            const ih = oh * ah!.s - ah!.pb + kh * ah!.d,
              iw = ow * aw!.s - aw!.pb + kw * aw!.d;
            const inPadded = ih >= -ah!.pb && ih < ah!.size + ah!.pe && iw >= -aw!.pb && iw < aw!.size + aw!.pe;
            if (inPadded) nPad++;
            if (ih < 0 || ih >= ah!.size || iw < 0 || iw >= aw!.size) continue;
            const v = x[(c * ah!.size + ih) * aw!.size + iw]!;
            acc = mode === "max" ? Math.max(acc, v) : acc + v;
            n++;
          }
        y[(c * ah!.out + oh) * aw!.out + ow] = mode === "max" ? acc : acc / (mode === "avg" ? n : nPad);
      }
  return y;
}
