/**
 * The nodes of a graph in dependency order, whatever order the file stores them in (ONNX
 * requires a sorted list; exporters such as keras2onnx do not always write one, and
 * onnxruntime runs them anyway). Kahn's algorithm, iterative, taking among the ready nodes the
 * one stored first: a file already in order keeps its order exactly.
 */

import { ModelSpecError, UnsupportedOpError } from "../errors.js";
import type { OnnxModel, OnnxNode } from "./decode.js";

/** Graphs with more nodes than this are refused before any work (every model edgeinfer runs is far below). */
export const MAX_ONNX_NODES = 100_000;

export interface NodeOrder {
  /** Nodes whose inputs can all be produced, in dependency order. */
  order: OnnxNode[];
  /** Nodes on a cycle (or fed by one), in file order: none of them can run. */
  cyclic: OnnxNode[];
}

export function orderNodes(model: OnnxModel): NodeOrder {
  const nodes = model.nodes;
  if (nodes.length > MAX_ONNX_NODES)
    throw new ModelSpecError(
      "graph.node",
      `${nodes.length} nodes; edgeinfer imports graphs of up to ${MAX_ONNX_NODES}`,
    );
  const producer = new Map<string, number>();
  const given = new Set([...model.initializers.keys(), ...model.inputs.map((x) => x.name)]);
  nodes.forEach((n, i) => {
    for (const out of n.outputs) {
      if (!out) continue;
      const other = producer.get(out);
      if (other !== undefined)
        throw refusal(
          model,
          n,
          `output ${JSON.stringify(out)} is also produced by node ${JSON.stringify(nodes[other]!.name)}`,
        );
      if (given.has(out))
        throw refusal(model, n, `output ${JSON.stringify(out)} overwrites a graph input or initializer of that name`);
      producer.set(out, i);
    }
  });
  // Edges from each producer to its readers; a missing input is left for the lowering to refuse.
  const waiting = new Int32Array(nodes.length);
  const readers: number[][] = nodes.map(() => []);
  nodes.forEach((n, i) => {
    const deps = new Set<number>();
    for (const name of n.inputs) {
      const p = name ? producer.get(name) : undefined;
      if (p !== undefined) deps.add(p);
    }
    for (const p of deps) readers[p]!.push(i);
    waiting[i] = deps.size;
  });
  const ready = new MinHeap();
  waiting.forEach((w, i) => {
    if (w === 0) ready.push(i);
  });
  const order: OnnxNode[] = [];
  const done = new Uint8Array(nodes.length);
  while (ready.size > 0) {
    const i = ready.pop();
    done[i] = 1;
    order.push(nodes[i]!);
    for (const r of readers[i]!) if (--waiting[r]! === 0) ready.push(r);
  }
  return { order, cyclic: nodes.filter((_, i) => !done[i]) };
}

/** The typed refusal for a node on a cycle. */
export function cycleRefusal(model: OnnxModel, n: OnnxNode): UnsupportedOpError {
  return refusal(model, n, "its inputs depend on its own outputs (the graph has a cycle)");
}

function refusal(model: OnnxModel, n: OnnxNode, detail: string): UnsupportedOpError {
  const domain = n.domain === "ai.onnx" ? "" : n.domain;
  return new UnsupportedOpError(n.name, n.opType, n.domain || "ai.onnx", model.opsets.get(domain) ?? 0, detail);
}

/** A binary min-heap of node indices: the ready node stored first comes out first. */
class MinHeap {
  private readonly a: number[] = [];

  get size(): number {
    return this.a.length;
  }

  push(v: number): void {
    const a = this.a;
    let k = a.push(v) - 1;
    while (k > 0) {
      const p = (k - 1) >> 1;
      if (a[p]! <= v) break;
      a[k] = a[p]!;
      k = p;
    }
    a[k] = v;
  }

  pop(): number {
    const a = this.a;
    const top = a[0]!,
      last = a.pop()!;
    if (a.length > 0) {
      let k = 0;
      for (;;) {
        const l = 2 * k + 1;
        if (l >= a.length) break;
        const c = l + 1 < a.length && a[l + 1]! < a[l]! ? l + 1 : l;
        if (a[c]! >= last) break;
        a[k] = a[c]!;
        k = c;
      }
      a[k] = last;
    }
    return top;
  }
}
