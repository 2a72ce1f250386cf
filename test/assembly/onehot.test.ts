// The ONE_HOT and GATHER kernels in both builds against their ONNX definitions: OneHotEncoder's
// indicators (x == category), with NaN for a value of no category when asked; Gather's picks.
import { describe, expect, it } from "vitest";
import { BUILDS, KernelHarness } from "../helpers/kernels.js";

function oneHotRef(x: number[], cats: number[], nanUnknown: boolean): number[] {
  return x.flatMap((v) => {
    const row = cats.map((c) => (v === c ? 1 : 0));
    return nanUnknown && !row.includes(1) ? row.map(() => NaN) : row;
  });
}

describe.each(BUILDS)("oneHotF32 and gatherF32 · %s build", (build) => {
  const k = new KernelHarness(build);
  const x = [1, 2, 7, -0, 0, NaN, 3, 2, 9];

  it.each([1, 2, 3, 4, 5, 8, 9])("%i categories, unknowns as zeros and as NaN, reference and fast", (nCats) => {
    const cats = [0, 1, 2, 3, 9, 11, 12, 13, 14].slice(0, nCats);
    for (const nanUnknown of [false, true])
      for (const name of ["oneHotF32", "oneHotF32Ref"]) {
        k.reset();
        const py = k.alloc(x.length * nCats * 4);
        k.fn(name)(
          k.f32(Float32Array.from(x)),
          k.f32(Float32Array.from(cats)),
          py,
          x.length,
          nCats,
          nanUnknown ? 1 : 0,
        );
        expect(Array.from(k.read(py, x.length * nCats)), `${name} ${nanUnknown}`).toEqual(
          oneHotRef(x, cats, nanUnknown),
        );
      }
  });

  it("gather picks, repeats and reorders elements", () => {
    k.reset();
    const idx = [8, 0, 0, 5, 3];
    const py = k.alloc(idx.length * 4);
    k.fn("gatherF32")(k.f32(Float32Array.from(x)), k.bytes(Int32Array.from(idx)), py, idx.length);
    expect(Array.from(k.read(py, idx.length))).toEqual(idx.map((i) => x[i]));
  });
});
