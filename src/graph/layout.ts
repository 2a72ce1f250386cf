/**
 * The passes of convolutional nets (run by src/graph/passes.ts with the others): layouts are
 * chosen at pack time, so a net runs channels-last inside and the transposes at its edges
 * cancel, move or fold away:
 *   - a transpose of a transpose composes (to nothing, when it undoes it);
 *   - an element-wise step after a transpose moves in front of it (its parameters permuted),
 *     and a residual Add of two transposes becomes one transpose of the Add;
 *   - a dense layer after a transpose reads the untransposed row (its columns permuted);
 *   - an activation fuses into the convolution or BINARY step before it, a per-channel affine
 *     (a batch norm) folds into the convolution's weights and bias.
 */
import { Act } from "../format/abi.js";
import { canonicalPerm, type IrValue, permSource } from "./ir.js";

const ROW_ACTS = new Set<number>([Act.Softmax, Act.LogSoftmax, Act.LogisticPair]);

/** One rewrite of `n`, if one applies; `only(v)`: v has one reader and is no output. */
export function layoutStep(n: IrValue, only: (v: IrValue) => boolean): boolean {
  const src = n.srcs[0];
  if (!src) return false;
  if (n.kind === "transpose" && src.kind === "transpose") return composeTransposes(n, src);
  if (src.kind === "transpose" && only(src)) {
    const elementwise = (n.kind === "act" && !ROW_ACTS.has(n.act)) || (n.kind === "affine" && !n.scaler);
    if (elementwise) return moveBefore(n, src);
    const other = n.srcs[1];
    if (
      n.kind === "op" &&
      n.op!.fuseAct &&
      other?.kind === "transpose" &&
      other !== src &&
      only(other) &&
      samePerm(src.perm!, other.perm!)
    ) {
      // The later of the two hosts the step: nodes stay in creation (topological) order.
      return src.id > other.id ? moveBinaryBefore(n, src, other, 0) : moveBinaryBefore(n, other, src, 1);
    }
  }
  if (n.kind === "dense" && src.kind === "transpose") {
    const from = permSource(src.perm!),
      nIn = n.srcs[0]!.width,
      nOut = n.width;
    const w = new Float64Array(nOut * nIn);
    for (let o = 0; o < nOut; o++) for (let j = 0; j < nIn; j++) w[o * nIn + from[j]!] = n.w![o * nIn + j]!;
    n.w = w;
    n.srcs = [src.srcs[0]!];
    return true;
  }
  if (!only(src) || src.act !== Act.None) return false;
  const fusesAct = src.kind === "conv" || (src.kind === "op" && src.op!.fuseAct);
  if (n.kind === "act" && fusesAct && !ROW_ACTS.has(n.act)) {
    src.act = n.act;
    src.alpha = n.alpha;
    src.beta = n.beta;
    n.forward = src;
    return true;
  }
  if (n.kind === "affine" && src.kind === "conv" && !n.scaler) return foldAffineIntoConv(n, src);
  return false;
}

const samePerm = (p: IrValue["perm"] & {}, q: IrValue["perm"] & {}) =>
  p.dims.join() === q.dims.join() && p.axes.join() === q.axes.join();

function composeTransposes(n: IrValue, t: IrValue): boolean {
  const p = t.perm!,
    q = n.perm!;
  const mid = p.axes.map((a) => p.dims[a]!);
  if (mid.join() !== q.dims.join()) return false; // the inner result is grouped otherwise: leave both
  const c = canonicalPerm(
    p.dims,
    q.axes.map((a) => p.axes[a]!),
  );
  if (c.axes.length <= 1) n.forward = t.srcs[0]!;
  else {
    n.perm = c;
    n.srcs = [t.srcs[0]!];
  }
  return true;
}

/** e(T(x)) → T(e'(x)): t (read by n only) becomes the element-wise step, n the transpose. */
function moveBefore(n: IrValue, t: IrValue): boolean {
  const from = permSource(t.perm!);
  const unpermute = (a: Float64Array) => {
    const out = new Float64Array(a.length);
    for (let j = 0; j < a.length; j++) out[from[j]!] = a[j]!;
    return out;
  };
  const perm = t.perm!,
    shape = n.shape;
  t.kind = n.kind;
  t.shape = t.srcs[0]!.shape;
  t.perm = undefined;
  t.w = n.w && unpermute(n.w);
  t.b = n.b && unpermute(n.b);
  t.act = n.act;
  t.alpha = n.alpha;
  t.beta = n.beta;
  Object.assign(n, { kind: "transpose", perm, shape, w: undefined, b: undefined, act: Act.None, alpha: 0, beta: 0 });
  n.srcs = [t];
  return true;
}

/** op(T(a), T(c)) → T(op(a, c)) for an element-wise two-source step. */
function moveBinaryBefore(n: IrValue, ta: IrValue, tc: IrValue, taAt: 0 | 1): boolean {
  const perm = ta.perm!,
    shape = n.shape;
  ta.kind = "op";
  ta.shape = ta.srcs[0]!.shape;
  ta.perm = undefined;
  ta.op = n.op;
  ta.act = n.act;
  ta.alpha = n.alpha;
  ta.beta = n.beta;
  ta.srcs = taAt === 0 ? [ta.srcs[0]!, tc.srcs[0]!] : [tc.srcs[0]!, ta.srcs[0]!];
  Object.assign(n, { kind: "transpose", perm, shape, op: undefined, act: Act.None, alpha: 0, beta: 0 });
  n.srcs = [ta];
  return true;
}

/** affine(conv(x)) with one scale and shift per output channel: folded into the weights and bias. */
function foldAffineIntoConv(a: IrValue, c: IrValue): boolean {
  const M = c.conv!.M,
    s = a.w!,
    t = a.b!;
  for (let i = 0; i < s.length; i++) if (s[i] !== s[i % M] || t[i] !== t[i % M]) return false;
  const k = c.w!.length / M;
  const w = Float64Array.from(c.w!, (v, j) => v * s[Math.floor(j / k)]!);
  const b = Float64Array.from(c.b!, (v, m) => v * s[m]! + t[m]!);
  c.w = w;
  c.b = b;
  a.forward = c;
  return true;
}
