// The TREES kernel (treesRow) in both builds against the layout's definition (src/ops/trees.ts)
// evaluated here in JavaScript with f32 rounding after every operation, bit for bit: random
// DAG-shaped ensembles (children past their parents, shared nodes and leaves), rows holding NaN
// and values equal to a threshold, every aggregate. One code path in both builds: the same bits.
import { describe, expect, it } from "vitest";
import { TreeAggregate } from "../../src/ops/trees.js";
import { leafRef, packTrees, type TreeEnsemble, type TreeNode } from "../../src/plan/trees.js";
import { BUILDS, KernelHarness } from "../helpers/kernels.js";
import { seeded } from "../helpers/rng.js";
import { bits } from "./same-bits.js";

const f = Math.fround;

/** The definition: walk every tree, aggregate the leaf vectors in tree order, add the base. */
function treesRef(e: TreeEnsemble, x: Float32Array, base: Float32Array, agg: TreeAggregate): Float32Array {
  const y = new Float32Array(e.nOut).fill(
    agg === TreeAggregate.Min ? Infinity : agg === TreeAggregate.Max ? -Infinity : 0,
  );
  for (const root of e.roots) {
    let r = root;
    while (r >= 0) {
      const n = e.nodes[r]!;
      const v = x[n.feature]!,
        t = f(n.threshold);
      const go = (n.lt && v < t) || (n.eq && v === t) || (n.nan && Number.isNaN(v));
      r = go ? n.yes : n.no;
    }
    const leaf = e.leaves[-r - 1]!;
    for (let k = 0; k < e.nOut; k++) {
      const a = y[k]!,
        v = f(leaf[k]!);
      y[k] = agg === TreeAggregate.Min ? Math.min(a, v) : agg === TreeAggregate.Max ? Math.max(a, v) : f(a + v);
    }
  }
  for (let k = 0; k < e.nOut; k++) {
    const a = agg === TreeAggregate.Average ? f(y[k]! / e.roots.length) : y[k]!;
    y[k] = f(a + base[k]!);
  }
  return y;
}

/** A random ensemble whose nodes point only forward (a DAG: some children shared). */
function randomEnsemble(r: ReturnType<typeof seeded>, nIn: number, nOut: number, uniform?: TreeNode): TreeEnsemble {
  const nNodes = r.int(0, 40),
    nLeaves = r.int(1, 12);
  const thresholds = [-1, 0, 0.5, 2, NaN, Infinity];
  const child = (i: number) =>
    r.next() < 0.4 || i + 1 >= nNodes ? leafRef(r.int(0, nLeaves - 1)) : r.int(i + 1, nNodes - 1);
  const nodes: TreeNode[] = Array.from({ length: nNodes }, (_, i) => ({
    feature: r.int(0, nIn - 1),
    threshold: thresholds[r.int(0, thresholds.length - 1)]!,
    lt: uniform?.lt ?? r.next() < 0.6,
    eq: uniform?.eq ?? r.next() < 0.6,
    nan: uniform?.nan ?? r.next() < 0.5,
    yes: child(i),
    no: child(i),
  }));
  const leaves = Array.from({ length: nLeaves }, () =>
    Float64Array.from({ length: nOut }, () => (r.next() - 0.5) * 10 ** r.int(-3, 3)),
  );
  const roots = Array.from({ length: r.int(1, 12) }, () =>
    nNodes > 0 && r.next() < 0.9 ? r.int(0, nNodes - 1) : leafRef(0),
  );
  return { nodes, leaves, roots, nOut };
}

describe.each(BUILDS)("treesRow · %s build", (build) => {
  const k = new KernelHarness(build);

  it("random DAG ensembles, rows with NaN and thresholds hit exactly, every aggregate: the definition's bits", () => {
    const r = seeded(`trees ${build}`);
    for (let c = 0; c < 300; c++) {
      const nIn = r.int(1, 6),
        nOut = r.int(1, 4),
        agg = (c % 4) as TreeAggregate;
      // One mode for every node (x ≤ t as scikit-learn, x < t as XGBoost, the kernel's one-
      // comparison walks) in two cases of three; per-node modes in the third.
      const uniform = [undefined, { lt: true, eq: true, nan: false }, { lt: true, eq: false, nan: false }][c % 3] as
        | TreeNode
        | undefined;
      const e = randomEnsemble(r, nIn, nOut, uniform);
      const { aux, w } = packTrees(e, (n, d) => {
        throw new Error(`${n} ${d}`);
      });
      const base = Float32Array.from({ length: nOut }, () => r.next() - 0.5);
      const x = Float32Array.from({ length: nIn }, () => [-1, 0, 0.5, 2, NaN, 3.25, -0][r.int(0, 6)]!);
      k.reset();
      const py = k.alloc(nOut * 4);
      k.fn("treesRow")(k.f32(x), k.bytes(aux), k.f32(w), k.f32(base), py, nOut, agg);
      const got = new Float32Array(k.read(py, nOut));
      expect(bits(got), `case ${c}`).toEqual(bits(treesRef(e, x, base, agg)));
    }
  });
});
