/**
 * Just enough of the wasm binary format to add to a module asc has compiled: split it into
 * sections, append an active data segment, raise the memory's minimum, append a function with
 * its type and export. Only modules of our own making go through here (no imports, one memory),
 * so anything unexpected is a bug and throws.
 */

export enum SectionId {
  Custom = 0,
  Type = 1,
  Import = 2,
  Function = 3,
  Table = 4,
  Memory = 5,
  Global = 6,
  Export = 7,
  Start = 8,
  Element = 9,
  Code = 10,
  Data = 11,
  DataCount = 12,
}

export interface Section {
  id: number;
  body: Uint8Array;
}

export function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) b |= 0x80;
    out.push(b);
  } while (v > 0);
  return out;
}

export function sleb(v: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = ((v % 128) + 128) % 128;
    v = Math.floor(v / 128);
    const done = (v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0);
    out.push(done ? b : b | 0x80);
    if (done) return out;
  }
}

/** Reads an unsigned LEB128 at pos: [value, next position]. */
export function readUleb(bytes: Uint8Array, pos: number): [number, number] {
  let v = 0,
    scale = 1;
  for (;;) {
    if (pos >= bytes.length) throw new Error("wasm: varint runs past the end");
    const b = bytes[pos++]!;
    v += (b & 0x7f) * scale;
    if (!(b & 0x80)) return [v, pos];
    scale *= 128;
  }
}

export function splitSections(wasm: Uint8Array): Section[] {
  if (wasm.length < 8 || wasm[0] !== 0 || wasm[1] !== 0x61 || wasm[2] !== 0x73 || wasm[3] !== 0x6d || wasm[4] !== 1) {
    throw new Error("wasm: not a version-1 module");
  }
  const sections: Section[] = [];
  let pos = 8;
  while (pos < wasm.length) {
    const id = wasm[pos++]!;
    const [size, start] = readUleb(wasm, pos);
    if (start + size > wasm.length) throw new Error(`wasm: section ${id} runs past the end`);
    sections.push({ id, body: wasm.subarray(start, start + size) });
    pos = start + size;
  }
  return sections;
}

export function joinSections(sections: Section[]): Uint8Array {
  const parts: number[][] = [[0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]];
  let n = 8;
  for (const s of sections) {
    const head = [s.id, ...uleb(s.body.length)];
    parts.push(head);
    n += head.length + s.body.length;
  }
  const out = new Uint8Array(n);
  let pos = 0;
  out.set(parts[0]!, pos);
  pos += 8;
  sections.forEach((s, i) => {
    out.set(parts[i + 1]!, pos);
    pos += parts[i + 1]!.length;
    out.set(s.body, pos);
    pos += s.body.length;
  });
  return out;
}

/** A vector section's count and the bytes of its entries. */
function vector(body: Uint8Array): { count: number; entries: Uint8Array } {
  const [count, pos] = readUleb(body, 0);
  return { count, entries: body.subarray(pos) };
}

function withEntry(body: Uint8Array | undefined, entry: number[] | Uint8Array): Uint8Array {
  const { count, entries } = body ? vector(body) : { count: 0, entries: new Uint8Array(0) };
  const head = uleb(count + 1);
  const out = new Uint8Array(head.length + entries.length + entry.length);
  out.set(head, 0);
  out.set(entries, head.length);
  out.set(entry, head.length + entries.length);
  return out;
}

const ORDER = [
  SectionId.Type,
  SectionId.Import,
  SectionId.Function,
  SectionId.Table,
  SectionId.Memory,
  SectionId.Global,
  SectionId.Export,
  SectionId.Start,
  SectionId.Element,
  SectionId.DataCount,
  SectionId.Code,
  SectionId.Data,
];

/** Replaces the section with this id, or inserts it where the binary format orders it. */
function put(sections: Section[], id: SectionId, body: Uint8Array): void {
  const at = sections.findIndex((s) => s.id === id);
  if (at >= 0) {
    sections[at] = { id, body };
    return;
  }
  const rank = ORDER.indexOf(id);
  const after = sections.findIndex((s) => s.id !== SectionId.Custom && ORDER.indexOf(s.id) > rank);
  sections.splice(after < 0 ? sections.length : after, 0, { id, body });
}

const find = (sections: Section[], id: SectionId) => sections.find((s) => s.id === id)?.body;

/** Appends an active data segment for memory 0 at a constant address. */
export function addDataSegment(sections: Section[], address: number, bytes: Uint8Array): void {
  const head = [0x00, 0x41, ...sleb(address | 0), 0x0b, ...uleb(bytes.length)];
  const entry = new Uint8Array(head.length + bytes.length);
  entry.set(head, 0);
  entry.set(bytes, head.length);
  put(sections, SectionId.Data, withEntry(find(sections, SectionId.Data), entry));
  const dataCount = find(sections, SectionId.DataCount);
  if (dataCount) put(sections, SectionId.DataCount, Uint8Array.from(uleb(readUleb(dataCount, 0)[0] + 1)));
}

/** Memory 0's limits. */
export function memoryLimits(sections: Section[]): { minPages: number; maxPages?: number } {
  const body = find(sections, SectionId.Memory);
  if (!body) throw new Error("wasm: the module has no memory section");
  const { count, entries } = vector(body);
  if (count !== 1) throw new Error(`wasm: ${count} memories, expected 1`);
  const flags = entries[0]!;
  const [minPages, pos] = readUleb(entries, 1);
  return flags & 1 ? { minPages, maxPages: readUleb(entries, pos)[0] } : { minPages };
}

/** Raises memory 0's minimum to at least minPages (keeping a maximum, if there is one). */
export function ensureMemoryPages(sections: Section[], minPages: number): void {
  const limits = memoryLimits(sections);
  if (limits.minPages >= minPages) return;
  if (limits.maxPages !== undefined && limits.maxPages < minPages)
    throw new Error(`wasm: memory maximum ${limits.maxPages} pages < ${minPages} needed`);
  const body =
    limits.maxPages === undefined
      ? [1, 0x00, ...uleb(minPages)]
      : [1, 0x01, ...uleb(minPages), ...uleb(limits.maxPages)];
  put(sections, SectionId.Memory, Uint8Array.from(body));
}

export type ValType = 0x7f | 0x7e | 0x7d | 0x7c; // i32 i64 f32 f64

function countEntries(sections: Section[], id: SectionId): number {
  const body = find(sections, id);
  return body ? vector(body).count : 0;
}

/**
 * Appends a function (its body: locals declaration and code, ending in 0x0b) and exports it
 * under `name`. Returns its function index. The module must import no functions.
 */
export function addExportedFunction(
  sections: Section[],
  name: string,
  params: ValType[],
  results: ValType[],
  body: number[],
): number {
  if (countEntries(sections, SectionId.Import) !== 0)
    throw new Error("wasm: modules with imports are not supported here");
  const typeIndex = countEntries(sections, SectionId.Type);
  put(
    sections,
    SectionId.Type,
    withEntry(find(sections, SectionId.Type), [
      0x60,
      ...uleb(params.length),
      ...params,
      ...uleb(results.length),
      ...results,
    ]),
  );
  const funcIndex = countEntries(sections, SectionId.Function);
  put(sections, SectionId.Function, withEntry(find(sections, SectionId.Function), uleb(typeIndex)));
  put(sections, SectionId.Code, withEntry(find(sections, SectionId.Code), [...uleb(body.length), ...body]));
  const utf8 = new TextEncoder().encode(name);
  put(
    sections,
    SectionId.Export,
    withEntry(find(sections, SectionId.Export), [...uleb(utf8.length), ...utf8, 0x00, ...uleb(funcIndex)]),
  );
  return funcIndex;
}

/** The index of an exported function, by name. */
export function exportedFunction(sections: Section[], name: string): number {
  const body = find(sections, SectionId.Export);
  if (!body) throw new Error("wasm: no export section");
  const { count, entries } = vector(body);
  let pos = 0;
  for (let i = 0; i < count; i++) {
    const [len, p] = readUleb(entries, pos);
    const n = new TextDecoder().decode(entries.subarray(p, p + len));
    const kind = entries[p + len]!;
    const [index, next] = readUleb(entries, p + len + 1);
    if (n === name && kind === 0) return index;
    pos = next;
  }
  throw new Error(`wasm: no exported function ${name}`);
}
