// Arena planning: a deep chain needs its largest live pair of activations (and scratch), not
// their sum; the header records exactly what the planner computed; the placement is right
// (predictions through it match a plain float64 forward pass).
import { describe, expect, it } from "vitest";
import { Act, inspect, Model, Opcode } from "../../src/index.js";
import { type ArenaStep, liveWith, planArena, type Value } from "../../src/plan/arena.js";
import { PlanBuilder } from "../../src/plan/builder.js";
import { quantizeRows } from "../../src/plan/quantize.js";
import { expectAllClose, TOL } from "../helpers/close.js";
import { denseRef, relu } from "../helpers/reference.js";
import { seeded } from "../helpers/rng.js";

const meta = { producer: "test", kind: "mlp" };
const align16 = (n: number) => Math.ceil(n / 16) * 16;
const BATCH_ROWS = 4;
const rowsBytes = (width: number) => align16(BATCH_ROWS * width * 4);
/** The input and output rows, before the intermediates. */
const fixedBytes = (nIn: number, nOut: number) => align16(rowsBytes(nIn) + BATCH_ROWS * nOut * 4);

describe("planArena", () => {
  const r = seeded("deep chain");
  const nIn = 16,
    nOut = 3;
  const widths = Array.from({ length: 20 }, () => r.int(5, 120));
  const layers = widths.map((w, k) => {
    const fanIn = k === 0 ? nIn : widths[k - 1]!;
    return { w: r.floats(w * fanIn, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn)), b: r.floats(w, -0.1, 0.1) };
  });
  const head = { w: r.floats(nOut * widths[19]!), b: r.floats(nOut) };
  const g = new PlanBuilder(nIn, meta);
  let x = g.input;
  layers.forEach((l) => (x = g.dense(x, l.w, l.b, Act.Relu)));
  g.output("y", g.dense(x, head.w, head.b));

  it("20 dense layers of varying widths: the arena holds the largest adjacent pair, not the sum", () => {
    let pair = 0;
    for (let k = 1; k < widths.length; k++) pair = Math.max(pair, rowsBytes(widths[k - 1]!) + rowsBytes(widths[k]!));
    const sum = widths.reduce((s, w) => s + rowsBytes(w), 0);
    const plan = g.plan({ batchRows: BATCH_ROWS });
    expect(plan.arena.arenaBytes).toBe(fixedBytes(nIn, nOut) + pair);
    expect(pair).toBeLessThan(sum / 4); // what a buffer per value would take
  });

  it("the image header's arenaBytes is what the planner computed", () => {
    const plan = g.plan({ batchRows: BATCH_ROWS });
    const info = inspect(g.build({ batchRows: BATCH_ROWS }));
    expect(info.arenaBytes).toBe(plan.arena.arenaBytes);
    expect(info.steps.map((s) => [s.src, s.dst])).toEqual(plan.steps.map((s) => [s.src, s.dst]));
  });

  it("predictions through that placement match a float64 forward pass, one row and in blocks", () => {
    const model = Model.load(g.build({ batchRows: BATCH_ROWS }));
    const rows = Array.from({ length: 9 }, () => r.floats(nIn));
    const want = rows.map((row) => {
      let v: ArrayLike<number> = row,
        fanIn = nIn;
      for (const [k, l] of layers.entries()) {
        v = Float32Array.from(denseRef(v, l.w, l.b, fanIn, widths[k]!), relu); // each layer's output is f32, as in the arena
        fanIn = widths[k]!;
      }
      return denseRef(v, head.w, head.b, fanIn, nOut);
    });
    const batch = model.predictBatch(Float32Array.from(rows.flatMap((row) => Array.from(row))), rows.length);
    rows.forEach((row, i) => {
      expectAllClose(model.predict(row), want[i]!, TOL.f32, `predict, row ${i}`);
      expectAllClose(batch.subarray(i * nOut, (i + 1) * nOut), want[i]!, TOL.f32, `predictBatch, row ${i}`);
    });
  });

  it("int8 layers: the arena holds the most that is live at one step, scratch included", () => {
    const q = seeded("int8 chain");
    const w8 = [40, 7, 96, 12, 64, 33];
    const b = new PlanBuilder(24, meta);
    let v = b.input;
    w8.forEach((w, k) => {
      const fanIn = k === 0 ? 24 : w8[k - 1]!;
      const qr = quantizeRows(q.floats(w * fanIn), w, fanIn);
      v = b.denseQ8(v, qr.values, qr.scales, q.floats(w), Act.Tanh);
    });
    b.output("y", b.dense(v, q.floats(2 * 33), q.floats(2)));
    const plan = b.plan({ batchRows: BATCH_ROWS });
    // At step k: its input (an intermediate from step 1 on), its output and its scratch.
    let most = 0;
    plan.steps.forEach((s, k) => {
      if (s.scratch === 0) return;
      const scratchBytes = align16(Math.ceil(s.nIn / 4) * 4 + 4); // u8 rows: the quantized row and its zero point
      const live = (k > 0 ? rowsBytes(s.nIn) : 0) + rowsBytes(s.nOut) + scratchBytes;
      most = Math.max(most, live);
    });
    expect(plan.arena.arenaBytes).toBe(fixedBytes(24, 2) + most);
    expect(inspect(b.build({ batchRows: BATCH_ROWS })).arenaBytes).toBe(plan.arena.arenaBytes);
  });
});

describe("planArena on random chains", () => {
  // Dense, int8 dense (scratch), element-wise steps (in place where their input dies) and
  // values read twice: no two buffers live at the same step may share a byte.
  it("200 chains: every step's input, output and scratch are disjoint from everything else live", () => {
    const r = seeded("random chains");
    let stepsWithScratch = 0;
    for (let trial = 0; trial < 200; trial++) {
      const steps: ArenaStep[] = [];
      let prev: Value = { id: 0, width: r.int(1, 50) },
        id = 1;
      const older: Value[] = [];
      for (let k = 0; k < r.int(2, 25); k++) {
        const kind = r.int(0, 3);
        const src = older.length > 0 && r.int(0, 4) === 0 ? older[r.int(0, older.length - 1)]! : prev;
        const width = kind === 2 ? src.width : r.int(1, 80);
        const dst = { id: id++, width };
        steps.push({
          opcode: kind === 2 ? Opcode.Act : kind === 1 ? Opcode.DenseQ8 : Opcode.Dense,
          act: 0,
          src,
          dst,
          scratchBytes: kind === 1 ? r.int(8, 200) : 0,
        });
        older.push(src);
        prev = dst;
      }
      const out = { id: id++, width: 3 };
      steps.push({ opcode: Opcode.Dense, act: 0, src: prev, dst: out, scratchBytes: 0 });
      const batchRows = r.int(1, 8);
      const a = planArena(steps, {
        inputLength: steps[0]!.src.width,
        outputLength: 3,
        outputs: [{ value: out, column: 0 }],
        batchRows,
      });
      // A value is live from the step writing it to the last step reading it.
      const lastRead = new Map<number, number>();
      steps.forEach((s, k) => lastRead.set(s.src.id, k));
      const span = (v: Value) => {
        const at = a.where.get(v.id)!.offset;
        return [at, at + batchRows * v.width * 4] as const;
      };
      steps.forEach((s, k) => {
        const live = steps
          .filter((d, j) => j <= k && (lastRead.get(d.dst.id) ?? j) >= k && d.dst.id !== s.dst.id)
          .map((d) => d.dst)
          .filter((v, i, all) => all.findIndex((u) => u.id === v.id) === i);
        const scratch: Array<readonly [number, number]> =
          s.scratchBytes > 0 ? [[a.scratch[k]!, a.scratch[k]! + s.scratchBytes]] : [];
        const mine = [span(s.dst), ...scratch];
        const inPlace = span(s.src)[0] === span(s.dst)[0];
        for (const v of live) {
          if (v.id === s.src.id && inPlace) continue; // an element-wise step writing over its dying input
          const [from, to] = span(v);
          for (const [f, t] of mine)
            expect(from >= t || f >= to, `trial ${trial}, step ${k}, value ${v.id}`).toBe(true);
        }
        const [from, to] = span(s.src);
        for (const [f, t] of scratch)
          expect(from >= t || f >= to, `trial ${trial}, step ${k}: scratch over the input`).toBe(true);
        stepsWithScratch += scratch.length;
      });
    }
    expect(stepsWithScratch).toBeGreaterThan(200); // the scratch checks above ran, on many steps
  });
});

describe("lifetimes of a deep chain", () => {
  // Placement asks only a buffer's live neighbours, so a deep net packs in linear time: a chain's
  // buffers each overlap the one before and the one after, never all the others.
  it("liveWith finds exactly the overlapping pairs, a few per buffer in a 20,000-step chain", () => {
    const n = 20_000;
    const buffers = Array.from({ length: n }, (_, k) => ({ bytes: 16, start: k, end: k + 1, offset: 0, stride: 4 }));
    const near = liveWith(buffers);
    expect(near.reduce((a, l) => a + l.length, 0)).toBe(2 * (n - 1));
    expect(near[0]).toEqual([1]);
    expect([...near[500]!].sort((a, b) => a - b)).toEqual([499, 501]);
  });

  it("liveWith agrees with comparing every pair on random lifetimes", () => {
    const r = seeded("liveWith");
    const buffers = Array.from({ length: 300 }, () => {
      const start = r.int(0, 100);
      return { bytes: 16, start, end: start + r.int(0, 10), offset: 0, stride: 4 };
    });
    const near = liveWith(buffers).map((l) => [...l].sort((a, b) => a - b));
    const brute = buffers.map((a, i) =>
      buffers.flatMap((b, j) => (j !== i && a.start <= b.end && b.start <= a.end ? [j] : [])),
    );
    expect(near).toEqual(brute);
  });
});
