import { describe, expect, it } from "vitest";
import { Act } from "../../src/format/abi.js";
import { Graph, liveNodes, resolve } from "../../src/graph/ir.js";
import { optimize } from "../../src/graph/passes.js";

describe("graph passes", () => {
  it("fuse an activation into its dense layer, seeing through a reshape view", () => {
    const g = new Graph([2, 2]);
    const d = g.dense(g.input, new Float64Array(16).fill(1), new Float64Array(4), 4, 4, { shape: [2, 2] });
    const r = g.reshape(d, [4]);
    const a = g.act(r, Act.Relu, 0, 0);
    optimize(g, [a]);
    expect(resolve(a)).toBe(d);
    expect(d.act).toBe(Act.Relu);
    expect(liveNodes(g, [a]).map((n) => n.kind)).toEqual(["input", "dense"]);
  });

  it("do not fuse an activation into a dense layer that a reshape also hands to another reader", () => {
    const g = new Graph([4]);
    const d = g.dense(g.input, new Float64Array(16).fill(1), new Float64Array(4), 4, 4);
    const r = g.reshape(d, [2, 2]);
    const a = g.act(r, Act.Relu, 0, 0);
    optimize(g, [a, r]);
    expect(d.act).toBe(Act.None);
    expect(resolve(a).kind).toBe("act");
  });

  it("fold a scaler into the next dense layer by division: W / scale, b − (W / scale)·mean", () => {
    const g = new Graph([2]);
    const s = g.scaler(g.input, Float64Array.of(1, 2), Float64Array.of(3, 7));
    const d = g.dense(s, Float64Array.of(1, 1), Float64Array.of(0.5), 2, 1);
    optimize(g, [d]);
    expect(Array.from(d.w!)).toEqual([1 / 3, 1 / 7]);
    expect(d.b![0]).toBe(0.5 - (1 / 3 + (1 / 7) * 2));
    expect(d.srcs[0]).toBe(g.input);
  });

  it("keep the scaler a separate step when asked (int8 packing)", () => {
    const g = new Graph([2]);
    const s = g.scaler(g.input, Float64Array.of(1, 2), Float64Array.of(3, 7));
    const d = g.dense(s, Float64Array.of(1, 1), Float64Array.of(0.5), 2, 1);
    optimize(g, [d], { foldIntoDense: false });
    expect(d.srcs[0]).toBe(s);
  });

  it("walk a 100,000-node chain without recursion", () => {
    const g = new Graph([3]);
    let x = g.input;
    for (let i = 0; i < 100_000; i++) x = g.act(x, i % 2 ? Act.Relu : Act.Tanh, 0, 0);
    expect(liveNodes(g, [x])).toHaveLength(100_001);
  });
});
