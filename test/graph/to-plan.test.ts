// The generic step path: Graph.op → the passes (which leave it alone) → graphToImage → PlanBuilder.op.
// A step made this way is the step the opcode's own builder method makes, to the byte.
import { describe, expect, it } from "vitest";
import { Act, Opcode } from "../../src/format/abi.js";
import { readImage } from "../../src/format/read.js";
import { Graph } from "../../src/graph/ir.js";
import { graphToImage } from "../../src/graph/to-plan.js";
import { PlanBuilder } from "../../src/plan/builder.js";

const meta = { producer: "test", kind: "op" };
const s = Float64Array.of(0.1, -2, 3.5), // 0.1 is not an f32: rounded once, at the hand-off
  t = Float64Array.of(1, 0.2, -0.3);

describe("Graph.op, the generic step", () => {
  it("packs to the same bytes as the opcode's own builder method (parameters rounded to f32 at the hand-off)", () => {
    const g = new Graph([3]);
    const y = g.op(g.input, { opcode: Opcode.Affine, act: Act.Tanh, w: s, b: t, shape: [3] });
    const image = graphToImage(g, meta, [{ name: "y", v: y }], {});

    const p = new PlanBuilder(3, meta);
    p.output("y", p.affine(p.input, Float32Array.from(s), Float32Array.from(t), Act.Tanh));
    expect(image).toEqual(p.build());
  });

  it("is left alone by the passes: no activation fused into it, no affine folded into it or composed with it", () => {
    const g = new Graph([3]);
    const a = g.affine(g.input, s.slice(), t.slice()); // would compose with a plain affine
    const o = g.op(a, { opcode: Opcode.Affine, w: s, b: t, shape: [3] });
    const r = g.act(o, Act.Relu, 0, 0); // would fuse into a plain affine
    const d = g.dense(r, new Float64Array(6).fill(0.5), new Float64Array(2), 3, 2);
    const steps = readImage(graphToImage(g, meta, [{ name: "y", v: d }], {})).steps;
    expect(steps.map((x) => [x.opcode, x.act])).toEqual([
      [Opcode.Affine, Act.None],
      [Opcode.Affine, Act.None],
      [Opcode.Act, Act.Relu],
      [Opcode.DenseNarrow, Act.None],
    ]);
  });

  it("is dead when nothing reads it: no step", () => {
    const g = new Graph([3]);
    g.op(g.input, { opcode: Opcode.Act, act: Act.Relu, shape: [3] });
    const y = g.op(g.input, { opcode: Opcode.Argmax, shape: [1] });
    expect(readImage(graphToImage(g, meta, [{ name: "y", v: y }], {})).steps.map((x) => x.opcode)).toEqual([
      Opcode.Argmax,
    ]);
  });

  it("counts its parameters and aux bytes against the budget", () => {
    const g = new Graph([3]);
    g.op(g.input, { opcode: Opcode.Affine, w: s, b: t, aux: new Uint8Array(8), shape: [3] });
    expect(g.parameterBytes).toBe(4 * 6 + 8);
  });
});

describe("PlanBuilder.op", () => {
  it("pushes every field as is: act, alpha, beta, flags, w, b, aux, scratch; nOut from the step", () => {
    const p = new PlanBuilder(4, meta);
    const w = Float32Array.of(1, 2, 3, 4),
      aux = Uint8Array.of(9, 8, 7, 6);
    const y = p.op(p.input, {
      opcode: Opcode.Quantize,
      act: 4,
      alpha: -128,
      beta: 127,
      w,
      aux,
      flags: 2,
      scratchBytes: 64,
      nOut: 4,
    });
    p.output("y", y);
    const [step] = p.plan().steps;
    expect(step).toMatchObject({ opcode: Opcode.Quantize, act: 4, alpha: -128, beta: 127, flags: 2, nIn: 4, nOut: 4 });
    expect([step!.w, step!.b, step!.aux]).toEqual([w, undefined, aux]);
    expect(step!.scratch).toBeGreaterThan(0); // placed in the arena, after the input and output rows
  });

  it("refuses an unknown opcode (internal) and a width that is not a positive integer", () => {
    const p = new PlanBuilder(4, meta);
    expect(() => p.op(p.input, { opcode: 200 as Opcode, nOut: 4 })).toThrow(/internal: unknown opcode 200/);
    expect(() => p.op(p.input, { opcode: Opcode.Act, nOut: 0, where: "layer" })).toThrow(/layer: 0 outputs/);
  });
});
