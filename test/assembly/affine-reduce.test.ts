// Element-wise affine, argmax, normalize and the NaN finder of both builds.
import { describe, expect, it } from "vitest";
import { Norm } from "../../src/format/abi.js";
import { expectAllClose, TOL } from "../helpers/close.js";
import { BUILDS, KernelHarness } from "../helpers/kernels.js";
import { seeded } from "../helpers/rng.js";

const SIZES = [1, 3, 4, 5, 7, 15, 16, 17, 64, 784];

describe.each(BUILDS)("affine, argmax, normalize · %s build", (build) => {
  const k = new KernelHarness(build);

  it.each(SIZES)("affine n=%i: x·s + t, fast, reference and in place", (n) => {
    const rand = seeded(`affine ${n}`);
    const x = rand.floats(n, -5, 5),
      s = rand.floats(n),
      t = rand.floats(n);
    const want = Float64Array.from(x, (v, i) => Math.fround(v * s[i]!) + t[i]!);
    for (const name of ["affineF32", "affineF32Ref"]) {
      k.reset();
      const py = k.alloc(n * 4);
      k.fn(name)(k.f32(x), k.f32(s), k.f32(t), py, n);
      expectAllClose(k.read(py, n), want, TOL.f32, name);
    }
    k.reset();
    const px = k.f32(x);
    k.fn("affineF32")(px, k.f32(s), k.f32(t), px, n);
    expectAllClose(k.read(px, n), want, TOL.f32, "in place");
  });

  it.each([
    [[0.1, 0.7, 0.2], 1],
    [[3, 3, 1], 0], // ties: the first
    [[-Infinity, -5, -Infinity], 1],
    [[1, NaN, 5, NaN], 1], // NaN counts as largest, the first one wins (numpy)
    [[7], 0],
  ])("argmax of %j is %i", (values, at) => {
    k.reset();
    const py = k.alloc(4);
    k.fn("argmaxF32")(k.f32(values as number[]), py, (values as number[]).length);
    expect(k.read(py, 1)[0]).toBe(at);
  });

  it.each([
    [Norm.L1, [1, -3, 4], [1 / 8, -3 / 8, 4 / 8]],
    [Norm.L2, [3, 4], [0.6, 0.8]],
    [Norm.Max, [2, 8, 4], [0.25, 1, 0.5]],
    [Norm.L1, [0, 0], [0, 0]],
  ])("normalize mode %i of %j", (mode, values, want) => {
    k.reset();
    const px = k.f32(values as number[]),
      py = k.alloc(16);
    k.fn("normalizeF32")(mode, px, py, (values as number[]).length);
    expectAllClose(k.read(py, (values as number[]).length), want as number[], TOL.f32);
  });

  it.each(SIZES)("findNaN n=%i finds the first NaN at every position", (n) => {
    k.reset();
    const x = seeded(`nan ${n}`).floats(n);
    const px = k.f32(x);
    expect(k.fn("findNaNF32")(px, n)).toBe(-1);
    for (const at of new Set([0, n >> 1, n - 1])) {
      const copy = Float32Array.from(x);
      copy[at] = NaN;
      if (at + 1 < n) copy[n - 1] = NaN;
      expect(k.fn("findNaNF32")(k.f32(copy), n)).toBe(at);
    }
    const inf = Float32Array.from(x).fill(Infinity);
    expect(k.fn("findNaNF32")(k.f32(inf), n)).toBe(-1);
  });
});
