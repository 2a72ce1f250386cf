// @ts-check
/**
 * Corruptions of ONNX files and the property every corrupted file must have: packOnnx + load +
 * predict succeed (with a row of info.inputLength values), or something throws an
 * EdgeInferError whose code starts with "E_". Anything else (TypeError, RangeError, …) is a
 * finding. Deterministic: a seed gives the same corruptions on every run. The edgeinfer API is
 * a parameter (the worker passes the TypeScript sources, bundled).
 */

/** mulberry32: a small, fast, seedable PRNG. */
export function rng(/** @type {number} */ seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    /** integer in [0, n) */
    int: (/** @type {number} */ n) => Math.floor(next() * n),
    pick: (/** @type {readonly any[]} */ xs) => xs[Math.floor(next() * xs.length)],
  };
}
/** @typedef {ReturnType<typeof rng>} Rng */

/**
 * @param {Uint8Array} b
 * @param {number} p
 * @returns {[value: number, next: number] | undefined}
 */
function readVarint(b, p) {
  let v = 0,
    mul = 1;
  for (let i = 0; i < 10; i++) {
    const byte = b[p++];
    if (byte === undefined) return undefined;
    v += (byte & 0x7f) * mul;
    mul *= 128;
    if (byte < 0x80) return [v, p];
  }
  return undefined;
}

/** @param {number} v a non-negative integer (up to 2^53) */
function encodeVarint(v) {
  /** @type {number[]} */
  const out = [];
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/**
 * @typedef {object} Field A protobuf field found by walking the wire format.
 * @property {number} at    offset of the value (the length prefix for wire type 2)
 * @property {number} size  bytes of that varint
 * @property {number} value
 * @property {0 | 2} wire
 */

/**
 * Every varint and length-delimited field of a message, descending into payloads that parse
 * as messages themselves (the ONNX graph, nodes, tensors, attributes…).
 * @param {Uint8Array} b
 * @param {number} [start]
 * @param {number} [end]
 * @param {number} [depth]
 * @returns {Field[] | undefined} undefined when [start, end) is not a well-formed message
 */
export function wireFields(b, start = 0, end = b.length, depth = 0) {
  /** @type {Field[]} */
  const out = [];
  let p = start;
  while (p < end) {
    const tag = readVarint(b, p);
    if (!tag || tag[1] > end || tag[0] < 8) return undefined;
    p = tag[1];
    const wire = tag[0] % 8;
    if (wire === 0) {
      const v = readVarint(b, p);
      if (!v || v[1] > end) return undefined;
      out.push({ at: p, size: v[1] - p, value: v[0], wire: 0 });
      p = v[1];
    } else if (wire === 1 || wire === 5) {
      p += wire === 1 ? 8 : 4;
      if (p > end) return undefined;
    } else if (wire === 2) {
      const len = readVarint(b, p);
      if (!len || len[1] + len[0] > end) return undefined;
      out.push({ at: p, size: len[1] - p, value: len[0], wire: 2 });
      const inner = depth < 12 && len[0] > 0 ? wireFields(b, len[1], len[1] + len[0], depth + 1) : undefined;
      if (inner) out.push(...inner);
      p = len[1] + len[0];
    } else {
      return undefined;
    }
  }
  return out;
}

/** Replaces the varint at f with v (its size may change: what follows shifts). */
function setVarint(/** @type {Uint8Array} */ b, /** @type {Field} */ f, /** @type {number} */ v) {
  const enc = encodeVarint(v);
  const out = new Uint8Array(b.length - f.size + enc.length);
  out.set(b.subarray(0, f.at), 0);
  out.set(enc, f.at);
  out.set(b.subarray(f.at + f.size), f.at + enc.length);
  return out;
}

const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x08, 0x10, 0x12, 0x1a, 0x22, 0x3a, 0x42];
const INTERESTING_VARINTS = [
  0,
  1,
  2,
  3,
  7,
  8,
  11,
  16,
  127,
  128,
  255,
  65535,
  2 ** 24,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32 - 1,
  2 ** 32,
  2 ** 40,
  2 ** 53 - 1,
  2 ** 64 - 1,
];

/**
 * One corruption of `b`: [new bytes, description]. Kinds: bit flip, byte store, truncation,
 * length bump (a length prefix ± a little, or anything up to 2^32), varint store (a dimension,
 * type, attribute or count set to an edge value).
 * @param {Uint8Array} b
 * @param {Field[]} fields fields of the ORIGINAL file (used only when b is still the original)
 * @param {Rng} r
 * @param {boolean} pristine b is the original file (its fields are valid)
 * @returns {[Uint8Array, string]}
 */
export function corrupt(b, fields, r, pristine) {
  const kind = r.int(pristine && fields.length ? 5 : 3);
  if (b.length === 0) return [b, "empty"];
  switch (kind) {
    case 0: {
      const at = r.int(b.length),
        bit = r.int(8);
      const out = b.slice();
      out[at] = (out[at] ?? 0) ^ (1 << bit);
      return [out, `flip bit ${bit} of byte ${at}`];
    }
    case 1: {
      const at = r.int(b.length),
        v = r.next() < 0.5 ? r.pick(INTERESTING_BYTES) : r.int(256);
      const out = b.slice();
      out[at] = v;
      return [out, `store 0x${v.toString(16)} at byte ${at}`];
    }
    case 2: {
      const len = r.int(b.length);
      return [b.slice(0, len), `truncate to ${len} bytes`];
    }
    case 3: {
      const lengths = fields.filter((f) => f.wire === 2);
      const f = /** @type {Field} */ (r.pick(lengths.length ? lengths : fields));
      const choices = [
        f.value + 1,
        f.value - 1,
        f.value + 2,
        f.value - 2,
        f.value + 4,
        f.value - 8,
        0,
        r.int(2 * f.value + 2),
        r.int(2 ** 32),
      ];
      const v = Math.max(0, r.pick(choices));
      return [setVarint(b, f, v), `length at byte ${f.at}: ${f.value} → ${v}`];
    }
    default: {
      const ints = fields.filter((f) => f.wire === 0);
      const f = /** @type {Field} */ (r.pick(ints.length ? ints : fields));
      const v = r.next() < 0.7 ? r.pick(INTERESTING_VARINTS) : f.value + r.pick([-1, 1, 2, 1000]);
      return [setVarint(b, f, Math.max(0, v)), `varint at byte ${f.at}: ${f.value} → ${v}`];
    }
  }
}

/**
 * @typedef {object} FuzzApi
 * @property {(bytes: Uint8Array) => Uint8Array} packOnnx
 * @property {{ load(image: Uint8Array, options?: object): any }} Model
 * @property {Function} EdgeInferError
 */

/**
 * Packs, loads and predicts one (corrupted) file. Returns the outcome: "ok", "refused E_…"
 * (typed, at pack), "load refused E_…" (typed, at load: the packer wrote an image the runtime
 * rejects), or "BAD …" for anything else.
 * @param {FuzzApi} api
 * @param {Uint8Array} bytes
 * @param {Rng} r
 * @returns {string}
 */
export function attempt(api, bytes, r) {
  const typed = (/** @type {unknown} */ e) =>
    e instanceof api.EdgeInferError &&
    typeof (/** @type {any} */ (e).code) === "string" &&
    /^E_/.test(/** @type {any} */ (e).code);
  const what = (/** @type {unknown} */ e) =>
    e instanceof Error ? `${e.name}: ${e.message}${e.stack ? ` ${e.stack.split("\n")[1]?.trim()}` : ""}` : String(e);
  /** @type {Uint8Array} */
  let image;
  try {
    image = api.packOnnx(bytes);
  } catch (e) {
    return typed(e) ? `refused ${/** @type {any} */ (e).code}` : `BAD packOnnx threw ${what(e)}`;
  }
  /** @type {any} */
  let m;
  try {
    m = api.Model.load(image, { allowNaN: true });
  } catch (e) {
    return typed(e) ? `load refused ${/** @type {any} */ (e).code}` : `BAD Model.load threw ${what(e)}`;
  }
  try {
    const n = m.info.inputLength,
      nOut = m.info.outputLength;
    const row = new Float32Array(n);
    for (let i = 0; i < n; i++) row[i] = (r.next() - 0.5) * 8;
    /** @type {Float32Array} */
    const y = m.predict(row);
    if (y.length !== nOut) return `BAD predict returned ${y.length} values, info.outputLength is ${nOut}`;
    const batch = m.predictBatch(new Float32Array(3 * n).fill(0.5), 3);
    if (batch.length !== 3 * nOut) return `BAD predictBatch returned ${batch.length} values for 3 rows of ${nOut}`;
    return "ok";
  } catch (e) {
    return typed(e) ? `predict refused ${/** @type {any} */ (e).code}` : `BAD predict threw ${what(e)}`;
  } finally {
    m.dispose();
  }
}
