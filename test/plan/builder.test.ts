// The planner: arena reuse, in-place steps, copies for outputs that are the input or named
// twice, dead steps dropped, concatenation, shape checks at pack time.
import { describe, expect, it } from "vitest";
import { Act, inspect, Model, ModelSpecError, Opcode } from "../../src/index.js";
import { PlanBuilder } from "../../src/plan/builder.js";
import { seeded } from "../helpers/rng.js";

const meta = { producer: "test", kind: "mlp" };

describe("arena planning", () => {
  it("a deep MLP reuses activation buffers: the arena holds about two layers, not all of them", () => {
    const r = seeded("deep");
    const g = new PlanBuilder(64, meta);
    let x = g.input;
    for (let k = 0; k < 8; k++) x = g.dense(x, r.floats(64 * 64), r.floats(64), Act.Relu);
    g.output("y", g.dense(x, r.floats(64 * 5), r.floats(5)));
    const info = inspect(g.build({ batchRows: 4 }));
    const layerBytes = 4 * 64 * 4;
    expect(info.arenaBytes).toBeLessThanOrEqual(2 * layerBytes + 4 * 64 * 4 + 4 * 8 + 64); // input + 2 ping-pong + output
    // Still right: every row computes the same as one at a time.
    const m = Model.load(g.build({ batchRows: 4 }));
    const rows = r.floats(6 * 64);
    const batch = m.predictBatch(rows, 6);
    for (let k = 0; k < 6; k++)
      expect(Array.from(batch.subarray(5 * k, 5 * k + 5))).toEqual(
        Array.from(m.predict(rows.subarray(64 * k, 64 * k + 64))),
      );
  });

  it("an activation whose input dies there runs in place", () => {
    const r = seeded("inplace");
    const g = new PlanBuilder(8, meta);
    const h = g.dense(g.input, r.floats(64), r.floats(8));
    const a = g.act(h, Act.Tanh);
    g.output("y", g.dense(a, r.floats(16), r.floats(2)));
    const [dense, act] = inspect(g.build()).steps;
    expect(act!.opcode).toBe(Opcode.Act);
    expect(act!.src).toBe(act!.dst);
    expect(dense!.dst).toBe(act!.src);
  });

  it("an output that is the input, or a value named twice, gets a copy; unused steps are dropped", () => {
    const r = seeded("copy");
    const g = new PlanBuilder(3, meta);
    const y = g.dense(g.input, r.floats(6), r.floats(2));
    g.dense(g.input, r.floats(30), r.floats(10)); // read by nothing
    g.output("echo", g.input);
    g.output("y", y);
    g.output("y again", y);
    const info = inspect(g.build());
    expect(info.steps.map((s) => s.opcode)).toEqual([Opcode.DenseNarrow, Opcode.Copy, Opcode.Copy]);
    const out = Model.load(g.build()).predict([1, 2, 3]);
    expect(Array.from(out.subarray(0, 3))).toEqual([1, 2, 3]);
    expect(Array.from(out.subarray(5, 7))).toEqual(Array.from(out.subarray(3, 5)));
  });

  it("concat places its parts side by side", () => {
    const g = new PlanBuilder(2, meta);
    const a = g.affine(g.input, Float32Array.of(2, 3), Float32Array.of(0, 0));
    const b = g.act(g.input, Act.Relu);
    g.output("c", g.concat([a, b, g.input]));
    expect(Array.from(Model.load(g.build()).predict([1, -1]))).toEqual([2, -3, 1, 0, 1, -1]);
  });

  it("shapes are checked at pack time, naming the layer", () => {
    const g = new PlanBuilder(3, meta);
    expect(() => g.dense(g.input, new Float32Array(5), new Float32Array(2), Act.None, {}, "layers[0]")).toThrow(
      ModelSpecError,
    );
    expect(() => g.dense(g.input, new Float32Array(5), new Float32Array(2), Act.None, {}, "layers[0]")).toThrow(
      /^layers\[0\]: weights have 5 values; expected 2×3/,
    );
    expect(() => new PlanBuilder(0, meta)).toThrow(/length 0 must be a positive integer/);
    expect(() => g.build()).toThrow(/at least one output/);
  });

  it("batchRows defaults to a block of about 32 KiB of activations", () => {
    const small = new PlanBuilder(2, meta);
    small.output("y", small.act(small.input, Act.Relu));
    expect(inspect(small.build()).batchRows).toBe(64);
    const wide = new PlanBuilder(784, meta);
    wide.output("y", wide.dense(wide.input, new Float32Array(784 * 256), new Float32Array(256), Act.Relu));
    expect(inspect(wide.build()).batchRows).toBe(4);
  });
});

describe("weights", () => {
  it("a dense layer with a non-finite weight is refused at pack time, naming output and input", () => {
    // The SIMD kernels skip zero inputs, exact only when every weight is finite.
    for (const bad of [Infinity, -Infinity, NaN]) {
      const w = new Float32Array(6 * 8).fill(0.5);
      w[3 * 8 + 5] = bad;
      const g = new PlanBuilder(8, meta);
      expect(() => g.dense(g.input, w, new Float32Array(6), Act.Relu, {}, "layers[0]")).toThrow(ModelSpecError);
      expect(() => g.dense(g.input, w, new Float32Array(6), Act.Relu, {}, "layers[0]")).toThrow(
        `layers[0].weights[3][5]: ${bad} is not a finite number`,
      );
    }
  });
});

describe("a step with a second source (BINARY)", () => {
  const m = { producer: "test", kind: "test" };
  const eye = (n: number) => Float32Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));
  const zeros = (n: number) => new Float32Array(n);

  it("keeps its second source live until it runs: no step in between writes over it", () => {
    const g = new PlanBuilder(8, m);
    const a = g.dense(g.input, eye(8), zeros(8), Act.Relu);
    const b = g.dense(a, eye(8), zeros(8));
    const c = g.dense(b, eye(8), zeros(8));
    const y = g.op(c, { opcode: Opcode.Binary, src2: a, nOut: 8 });
    g.output("y", g.dense(y, eye(8), zeros(8)));
    const plan = g.plan({ batchRows: 1 });
    const at = plan.steps[3]!;
    expect(at.opcode).toBe(Opcode.Binary);
    const skip = (at as { auxArena?: number }).auxArena!;
    expect(skip).toBe(plan.steps[0]!.dst); // a's rows
    for (const s of plan.steps.slice(1, 3)) expect(s.dst + 32 <= skip || skip + 32 <= s.dst).toBe(true);
    const model = Model.load(g.build({ batchRows: 1 }));
    expect(Array.from(model.predict(Float32Array.of(1, -2, 3, -4, 5, -6, 7, -8)))).toEqual([2, 0, 6, 0, 10, 0, 14, 0]); // relu(x) twice;
  });

  it("the model input as the second source is swapped to be the first (runBatch reads it where it lies)", () => {
    const g = new PlanBuilder(4, m);
    const a = g.dense(g.input, eye(4), Float32Array.of(1, 1, 1, 1));
    g.output("y", g.op(a, { opcode: Opcode.Binary, src2: g.input, nOut: 4 }));
    const s = g.plan({ batchRows: 2 }).steps[1]!;
    expect([s.src, (s as { auxArena?: number }).auxArena]).toEqual([0, g.plan({ batchRows: 2 }).steps[0]!.dst]);
    const model = Model.load(g.build({ batchRows: 2 }));
    expect(Array.from(model.predictBatch(Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8), 2))).toEqual([
      3, 5, 7, 9, 11, 13, 15, 17,
    ]);
  });

  it("a second source that is also a named output is read through a copy (the output row has another stride)", () => {
    const g = new PlanBuilder(4, m);
    const a = g.dense(g.input, eye(4), zeros(4));
    const b = g.dense(g.input, eye(4), Float32Array.of(1, 2, 3, 4));
    g.output("a", a);
    g.output("y", g.op(b, { opcode: Opcode.Binary, src2: a, nOut: 4 }));
    const plan = g.plan({ batchRows: 2 });
    expect(plan.steps.map((s) => s.opcode)).toContain(Opcode.Copy);
    const model = Model.load(g.build({ batchRows: 2 }));
    expect(Array.from(model.predict(Float32Array.of(1, 2, 3, 4)))).toEqual([1, 2, 3, 4, 3, 6, 9, 12]);
  });
});
