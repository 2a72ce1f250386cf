// TREES: ABI 4, not in place; aux = nTrees, nNodes, nLeaves, roots, depths, 16-byte nodes; w = leaf
// vectors, b = base values, flags = aggregate. Every crafted index out of range, a cycle and an
// over-deep tree are refused at load, naming the field and its byte offset.
import { describe, expect, it } from "vitest";
import { Header, Opcode } from "../../src/format/abi.js";
import { readImage } from "../../src/format/read.js";
import { Model } from "../../src/index.js";
import { describeStep } from "../../src/ops/index.js";
import {
  TREE_NODE_BYTES,
  TREE_NODE_EQ,
  TREE_NODE_LT,
  TREE_NODE_PAIR,
  TREES_HEADER_BYTES,
  TREES_MAX_DEPTH,
  treeNodeChildren,
  trees,
} from "../../src/ops/trees.js";
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
const depthAt = (t: number) => auxAt + TREES_HEADER_BYTES + 4 * nTrees + 4 * t;
const nodeAt = (i: number) => auxAt + TREES_HEADER_BYTES + 8 * nTrees + TREE_NODE_BYTES * i;

/** A copy with the u32 (or u16) at image byte `at` set. */
function patched(at: number, value: number, bytes = image(), width: 2 | 4 = 4): Uint8Array {
  const b = bytes.slice();
  if (width === 2) new DataView(b.buffer).setUint16(at, value, true);
  else new DataView(b.buffer).setUint32(at, value >>> 0, true);
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
    // 6 stored nodes (5 decisions and a jump: threshold and feature each), 4 leaf vectors of 2
    // (the two bottom nodes' pairs), 2 base values.
    expect(info.parameterCount).toBe(2 * 6 + 4 * 2 + 2);
    expect(describeStep(readImage(withField(image(undefined, 3), "act", 5)).steps[0]!)).toBe(
      "TREES         2 → 2     max, softmax",
    );
  });

  it("pre-order: a DAG's shared node once, after both its parents; a jump where no child can follow", () => {
    const view = new DataView(packed.aux.buffer);
    expect([0, 4, 8].map((o) => view.getUint32(o, true))).toEqual([2, 6, 4]);
    const words = Array.from({ length: 6 }, (_, i) =>
      view.getUint32(TREES_HEADER_BYTES + 16 + TREE_NODE_BYTES * i + 4, true),
    );
    // IR node 1's children are the shared node 3 (its other parent, node 2, not placed yet) and a
    // leaf: the slot after it is a jump (no mode bit) to where node 3 is stored.
    expect(words[2]! >>> 27).toBe(0);
    words.forEach((w, i) => {
      for (const c of treeNodeChildren(i, w)) expect(c >= 6 || c > i, `slot ${i} → ${c}`).toBe(true);
    });
    // Every decision is x ≤ t: the header says so (LT | EQ), the jump's threshold is NaN.
    expect([view.getUint32(12, true), view.getFloat32(TREES_HEADER_BYTES + 16 + TREE_NODE_BYTES * 2, true)]).toEqual([
      3,
      NaN,
    ]);
    // Each tree's depth: tree 0 walks 0 → 1 → jump → 3 → leaf at most, tree 1 one decision.
    expect([0, 4].map((o) => view.getUint32(TREES_HEADER_BYTES + 8 + o, true))).toEqual([4, 1]);
  });

  it("five trees (a group of four walked together, then one): the sum in tree order", () => {
    const five = packTrees({ ...ENSEMBLE, roots: [0, 4, 0, 4, 0] }, () => {
      throw new Error("refused");
    });
    const bytes = oneStep({
      opcode: Opcode.Trees,
      nIn: 2,
      nOut: 2,
      flags: 0,
      aux: five.aux,
      w: Float32Array.from(five.w),
      b: Float32Array.of(0.5, -0.5),
    });
    // x = (0, −1): trees 0, 2, 4 give (5, 6), trees 1, 3 give (3, 4); x = (2, 1): 3 × (1, 2) + 2 × (3, 4).
    for (const simd of ["require", "off"] as const) {
      const y = Model.load(bytes, { simd }).predictBatch(Float32Array.of(0, -1, 2, 1), 2);
      expect(Array.from(y), simd).toEqual([21.5, 25.5, 9.5, 13.5]);
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
    ["a flag past the aggregate", withField(image(), "flags", 4), "flags", /unknown flags 0x4 for TREES/],
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
    [
      "a root past the leaves",
      auxAt + TREES_HEADER_BYTES + 4,
      10,
      "roots[1]",
      auxAt + TREES_HEADER_BYTES + 4,
      /ref 10/,
    ],
    [
      "a depth below the deepest walk (the walk would stop on a node)",
      depthAt(0),
      3,
      "depths[0]",
      depthAt(0),
      /depth 3 is not between the deepest walk from root 0 \(4\) and 1024/,
    ],
    ["a depth past the limit", depthAt(1), 1025, "depths[1]", depthAt(1), /depth 1025 is not between/],
    [
      "a child pointing back (a cycle)",
      nodeAt(3) + 4,
      TREE_NODE_LT | TREE_NODE_EQ | 1,
      "nodes[3].ref",
      nodeAt(3) + 4,
      /node 1 is not past its parent 3/,
    ],
    [
      "a node's mode bits other than the ensemble's",
      nodeAt(3) + 4,
      TREE_NODE_LT | 5,
      "nodes[3].mode",
      nodeAt(3) + 4,
      /mode bits 1 are not the ensemble's 3/,
    ],
    ["an unknown ensemble mode", auxAt + 12, 8, "mode", auxAt + 12, /mode 8 is not/],
    ["a jump to itself", nodeAt(2) + 4, 2, "nodes[2].ref", nodeAt(2) + 4, /node 2 is not past its parent 2/],
    [
      "a leaf pair past the leaves",
      nodeAt(5) + 4,
      TREE_NODE_PAIR | TREE_NODE_LT | TREE_NODE_EQ | 9,
      "nodes[5].ref",
      nodeAt(5) + 4,
      /ref 10 is neither a node \(< 6\) nor a leaf \(< 10\)/,
    ],
    [
      "a leaf pair on a node",
      nodeAt(4) + 4,
      TREE_NODE_PAIR | TREE_NODE_LT | TREE_NODE_EQ | 5,
      "nodes[4].ref",
      nodeAt(4) + 4,
      /a leaf pair at ref 5, which is a node/,
    ],
  ])("refuses %s, naming the field and its byte offset", (_, at, value, field, off, message) => {
    expectAuxRefused(patched(at, value), field, off, message);
  });

  it("under an ensemble mode, a jump needs a NaN threshold (else it could go either way)", () => {
    expectAuxRefused(patched(nodeAt(2), 0), "nodes[2].mode", nodeAt(2) + 4, /mode bits 0 are not the ensemble's 3/);
  });

  it("refuses a feature past nIn, naming the node and the byte offset", () => {
    expectAuxRefused(
      patched(nodeAt(3) + 8, 2, image(), 2),
      "nodes[3].feature",
      nodeAt(3) + 8,
      /feature 2 is not below nIn 2/,
    );
  });

  it(`refuses a tree deeper than ${TREES_MAX_DEPTH} decisions, naming the node; ${TREES_MAX_DEPTH} load`, () => {
    /** One tree: a chain of n nodes, each sending x < 0 on to the next, the rest to the one leaf. */
    const chain = (n: number) => {
      const aux = new Uint8Array(TREES_HEADER_BYTES + 8 + TREE_NODE_BYTES * n);
      const v = new DataView(aux.buffer);
      v.setUint32(0, 1, true);
      v.setUint32(4, n, true);
      v.setUint32(8, 1, true);
      v.setUint32(TREES_HEADER_BYTES + 4, n, true); // the depth
      for (let i = 0; i < n; i++) {
        // x < 0 on to the node after (for the last: ref n, the leaf), else to the leaf (ref n).
        v.setUint32(TREES_HEADER_BYTES + 8 + TREE_NODE_BYTES * i + 4, TREE_NODE_LT | n, true);
      }
      return image(aux);
    };
    expectAuxRefused(chain(TREES_MAX_DEPTH + 1), "nodes[0]", nodeAt(0) - 4 - 4, /more than 1024 decisions/);
    const y = Model.load(chain(TREES_MAX_DEPTH)).predict(Float32Array.of(-1, 0));
    expect(Array.from(y)).toEqual([5.5, 5.5]); // leaf 0 of packed.w (5, 6) + base (0.5, −0.5)
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
