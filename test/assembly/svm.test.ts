// The SVM_KERNEL kernel in both builds against libsvm's kernels in float64 (linear x·v, poly
// (γ x·v + c)^d, rbf exp(−γ|x − v|²), sigmoid tanh(γ x·v + c)), and the scalar build giving the
// SIMD build's bits (the sums are formed in the same four lanes) on awkward widths.
import { describe, expect, it } from "vitest";
import { SvmKernel } from "../../src/format/abi.js";
import { BUILDS, KernelHarness } from "../helpers/kernels.js";
import { seeded } from "../helpers/rng.js";

function kernelRef(kind: SvmKernel, x: Float32Array, v: Float32Array, g: number, c: number, d: number): number {
  let dot = 0,
    dist = 0;
  for (let i = 0; i < x.length; i++) {
    dot += x[i]! * v[i]!;
    dist += (x[i]! - v[i]!) ** 2;
  }
  if (kind === SvmKernel.Linear) return dot;
  if (kind === SvmKernel.Rbf) return Math.exp(-g * dist);
  if (kind === SvmKernel.Poly) return (g * dot + c) ** d;
  return Math.tanh(g * dot + c);
}

const KINDS = [SvmKernel.Linear, SvmKernel.Poly, SvmKernel.Rbf, SvmKernel.Sigmoid];
const WIDTHS = [1, 2, 3, 4, 5, 7, 8, 13, 30, 64];

describe("svmKernel", () => {
  const builds = BUILDS.map((b) => new KernelHarness(b));
  const run = (k: KernelHarness, name: string, x: Float32Array, sv: Float32Array, nOut: number, kind: SvmKernel) => {
    k.reset();
    const py = k.alloc(nOut * 4);
    k.fn(name)(k.f32(x), k.f32(sv), py, x.length, nOut, kind, 0.1, 0.5, 3);
    return k.read(py, nOut);
  };

  it.each(WIDTHS)("every kernel within 2e-6 relative of float64, both builds the same bits · nIn=%i", (n) => {
    const r = seeded(`svm ${n}`);
    const nOut = 5;
    const x = r.floats(n, -2, 2),
      sv = r.floats(n * nOut, -2, 2);
    for (const kind of KINDS) {
      const want = Array.from({ length: nOut }, (_, j) =>
        kernelRef(kind, x, sv.subarray(j * n, (j + 1) * n), Math.fround(0.1), 0.5, 3),
      );
      const outs = builds.flatMap((k) => [
        run(k, "svmKernel", x, sv, nOut, kind),
        run(k, "svmKernelRef", x, sv, nOut, kind),
      ]);
      for (const got of outs)
        got.forEach((g, j) =>
          expect(Math.abs(g - want[j]!)).toBeLessThanOrEqual(2e-6 * Math.max(1, Math.abs(want[j]!))),
        );
      for (const got of outs.slice(1)) expect(Array.from(got)).toEqual(Array.from(outs[0]!));
    }
  });
});
