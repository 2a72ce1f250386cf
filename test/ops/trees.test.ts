// TREES: ABI 4, not in place; aux = nTrees, nNodes, nLeaves, roots, 16-byte nodes; w = leaf
// vectors, b = base values, flags = aggregate. Every crafted index out of range, a cycle and an
// over-deep tree are refused at load, naming the field and its byte offset.
import { describe, expect, it } from "vitest";
import { Header, Opcode } from "../../src/format/abi.js";
import { readImage } from "../../src/format/read.js";
import { Model } from "../../src/index.js";
import { describeStep } from "../../src/ops/index.js";
import { TREE_NODE_BYTES, TREE_NODE_LT, TREES_HEADER_BYTES, TREES_MAX_DEPTH, trees } from "../../src/ops/trees.js";
import { leafRef, packTrees, type TreeNode } from "../../src/plan/trees.js";
import { expectRefused, fixCrc, oneStep, refusal, withField } from "./image.js";

const node = (feature: number, threshold: number, yes: number, no: number): TreeNode => ({
  feature,
  threshold,
  lt: true,
  eq: true,
  nan: false,
  yes,
  no,
});

// Two trees on 2 features, 2 outputs; tree 0 is a DAG (nodes 1 and 2 share leaf 0 … and node 3).
const ENSEMBLE = {
  nodes: [
    node(0, 1, 1, 2),
    node(1, 0, 3, leafRef(0)),
    node(1, 5, 3, leafRef(1)),
    node(0, 0, leafRef(2), leafRef(0)),
    node(1, 2, leafRef(1), leafRef(2)),
  ],
  leaves: [Float64Array.of(1, 2), Float64Array.of(3, 4), Float64Array.of(5, 6)],
  roots: [0, 4],
  nOut: 2,
};
const packed = packTrees(ENSEMBLE, (n, d) => {
  throw new Error(`${n}: ${d}`);
});

const image = (aux = packed.aux, flags = 0) =>
  oneStep({
    opcode: Opcode.Trees,
    nIn: 2,
    nOut: 2,
    flags,
    aux,
    w: Float32Array.from(packed.w),
    b: Float32Array.of(0.5, -0.5),
  });

const auxAt = readImage(image()).steps[0]!.aux;
const nTrees = 2;
const nodeAt = (i: number) => auxAt + TREES_HEADER_BYTES + 4 * nTrees + TREE_NODE_BYTES * i;

/** A copy with the u32 at image byte `at` set. */
function patched(at: number, value: number, bytes = image()): Uint8Array {
  const b = bytes.slice();
  new DataView(b.buffer).setUint32(at, value >>> 0, true);
  return fixCrc(b);
}

function expectAuxRefused(bytes: Uint8Array, field: string, at: number, message: RegExp): void {
  const e = refusal(bytes);
  expect([e.field, e.byteOffset]).toEqual([`steps[0].aux.${field}`, at]);
  expect(e.message).toMatch(message);
}

describe("TREES", () => {
  it("loads; ABI 4; not in place; describes the aggregate and the activation", () => {
    const info = readImage(image());
    const s = info.steps[0]!;
    expect([trees.minAbi(s), info.abiVersion, trees.inPlace(s)]).toEqual([4, 4, false]);
    expect(describeStep(s)).toBe("TREES         2 → 2     sum");
    // 5 decision nodes (threshold and feature each), 3 leaf vectors of 2, 2 base values.
    expect(info.parameterCount).toBe(2 * 5 + 3 * 2 + 2);
    expect(describeStep(readImage(withField(image(undefined, 3), "act", 5)).steps[0]!)).toBe(
      "TREES         2 → 2     max, softmax",
    );
  });

  it("the DAG's shared nodes and leaves are stored once, every child past its parent", () => {
    const view = new DataView(packed.aux.buffer);
    expect([0, 4, 8].map((o) => view.getUint32(o, true))).toEqual([2, 5, 3]);
    for (let i = 0; i < 5; i++)
      for (const off of [8, 12]) {
        const ref = view.getUint32(TREES_HEADER_BYTES + 8 + TREE_NODE_BYTES * i + off, true);
        expect(ref >= 5 || ref > i).toBe(true);
      }
  });

  it("runs the trees: each row's walks, summed, plus the base values", () => {
    // x = (0, −1): tree 0: 0 → 1 → 3 → leaf 2 (5, 6); tree 1: x1 ≤ 2 → leaf 1 (3, 4)
    // x = (2, 6):  tree 0: 0 → 2 → leaf 1 (3, 4);     tree 1: x1 > 2 → leaf 2 (5, 6)
    // x = (2, 1):  tree 0: 0 → 2 → 3 → x0 > 0: leaf 0 (1, 2); tree 1: leaf 1 (3, 4)
    for (const simd of ["require", "off"] as const) {
      const y = Model.load(image(), { simd }).predictBatch(Float32Array.of(0, -1, 2, 6, 2, 1), 3);
      expect(Array.from(y), simd).toEqual([8.5, 9.5, 8.5, 9.5, 4.5, 5.5]);
    }
  });

  it.each([
    ["the act byte", withField(image(), "act", 99), "act", /unknown activation 99/],
    [
      "a flag past the aggregate and NaN routing",
      withField(image(), "flags", 8),
      "flags",
      /unknown flags 0x8 for TREES/,
    ],
    ["leaves past the end", withField(image(), "w", image().length - 8), "w", /inside the weights/],
    ["base values past the end", withField(image(), "b", image().length - 4), "b", /inside the weights/],
    ["no aux", withField(image(), "aux", 0), "aux", /inside the weights/],
    ["scratch", withField(image(), "scratch", 16), "scratch", /must be zero/],
  ])("refuses %s", (_, bytes, field, message) => expectRefused(bytes, field as "w", message));

  it("refuses nodes that run past the image", () => {
    expectRefused(patched(auxAt + 4, 1e6), "aux", /inside the weights/);
  });

  it.each([
    ["no tree", auxAt, 0, "nTrees", auxAt, /at least one tree/],
    ["no leaf", auxAt + 8, 0, "nLeaves", auxAt + 8, /at least one leaf/],
    ["a root past the leaves", auxAt + TREES_HEADER_BYTES + 4, 9, "roots[1]", auxAt + TREES_HEADER_BYTES + 4, /ref 9/],
    [
      "a feature past nIn",
      nodeAt(2) + 4,
      TREE_NODE_LT | 2,
      "nodes[2].feature",
      nodeAt(2) + 4,
      /feature 2 is not below nIn 2/,
    ],
    [
      "a child pointing back (a cycle)",
      nodeAt(3) + 8,
      1,
      "nodes[3].trueRef",
      nodeAt(3) + 8,
      /node 1 is not past its parent 3/,
    ],
    ["a child pointing at itself", nodeAt(2) + 12, 2, "nodes[2].falseRef", nodeAt(2) + 12, /not past its parent/],
    [
      "a leaf past the leaves",
      nodeAt(4) + 12,
      8,
      "nodes[4].falseRef",
      nodeAt(4) + 12,
      /neither a node \(< 5\) nor a leaf \(< 8\)/,
    ],
  ])("refuses %s, naming the field and its byte offset", (_, at, value, field, off, message) => {
    expectAuxRefused(patched(at, value), field, off, message);
  });

  it(`refuses a tree deeper than ${TREES_MAX_DEPTH} decisions, naming the node; ${TREES_MAX_DEPTH} load`, () => {
    /** One tree: a chain of n nodes, each sending x < 0 on to the next, the rest to the one leaf. */
    const chain = (n: number) => {
      const aux = new Uint8Array(TREES_HEADER_BYTES + 4 + TREE_NODE_BYTES * n);
      const v = new DataView(aux.buffer);
      v.setUint32(0, 1, true);
      v.setUint32(4, n, true);
      v.setUint32(8, 1, true);
      for (let i = 0; i < n; i++) {
        const at = TREES_HEADER_BYTES + 4 + TREE_NODE_BYTES * i;
        v.setUint32(at + 4, TREE_NODE_LT, true);
        v.setUint32(at + 8, i + 1, true); // the next node, or (i + 1 = n) the leaf
        v.setUint32(at + 12, n, true);
      }
      return image(aux);
    };
    expectAuxRefused(chain(TREES_MAX_DEPTH + 1), "nodes[0]", nodeAt(0) - 4, /more than 1024 decisions/);
    const y = Model.load(chain(TREES_MAX_DEPTH)).predict(Float32Array.of(-1, 0));
    expect(Array.from(y)).toEqual([1.5, 1.5]); // leaf 0 (1, 2) + base (0.5, −0.5)
  });

  it("refuses an ABI 1 header, naming the opcode", () => {
    const bytes = image().slice();
    new DataView(bytes.buffer).setUint32(Header.abiVersion, 1, true);
    expectRefused(fixCrc(bytes), "opcode", /needs kernel ABI 4, but the header says 1/);
  });

  it("the packer refuses a cycle, naming the node", () => {
    const cyclic = { ...ENSEMBLE, nodes: [node(0, 1, 1, leafRef(0)), node(0, 2, 0, leafRef(1))], roots: [0] };
    expect(() =>
      packTrees(cyclic, (n, d) => {
        throw new Error(`node ${n} ${d}`);
      }),
    ).toThrow("node 0 is its own descendant (the tree has a cycle)");
  });
});
