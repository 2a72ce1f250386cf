// @ts-check
/**
 * ONNX backend conformance: which official backend tests (Debian's libonnx-testdata) the ONNX
 * importer is measured on, and how each one is classified. The ONE implementation, shared by
 * test/conformance/backend.test.ts (which passes the TypeScript sources) and
 * scripts/conformance-report.mjs (which passes the compiled dist/ files): the edgeinfer API is
 * a parameter, never imported here.
 *
 * Each test ends in exactly one of
 *   - "pass": packed, loaded on both kernel builds (simd "auto" and "off"), and every output of
 *     every test_data_set matches the expected .pb (shape N × per-row length; rtol 1e-5,
 *     atol 1e-6; NaN = NaN; ±Inf exact; integer outputs exact);
 *   - "n/a": the importer refused it with a typed EdgeInferError (its code and message are the
 *     reason), or the test lies outside edgeinfer's model before the importer is even asked
 *     (no float or integer input with data, sequence/optional inputs, string weights);
 *   - "fail": anything else: wrong numbers or shapes, an untyped exception (TypeError, …), an
 *     image the packer produced that the runtime rejects.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * @typedef {object} Api The parts of edgeinfer this module needs.
 * @property {(bytes: Uint8Array, options?: { constants?: Record<string, { dims: number[]; data: ArrayLike<number>; dataType?: number }>; input?: string; batch?: boolean }) => Uint8Array} packOnnx
 * @property {(bytes: Uint8Array) => any} decodeOnnx
 * @property {(bytes: Uint8Array) => { name: string; dims: number[]; dataType: number; data: ArrayLike<number> | string[] }} decodeTensorProto
 * @property {Record<string, Record<string, number>>} SUPPORTED_OPS
 * @property {{ load(image: Uint8Array, options?: object): any }} Model
 * @property {Function} EdgeInferError
 */

/**
 * @typedef {object} Case One backend test directory.
 * @property {string} suite     "node", "pytorch-converted", "pytorch-operator" or "simple"
 * @property {string} name      e.g. "test_gemm_default_vector_bias"
 * @property {string} id        suite/name
 * @property {string} dir
 * @property {string[]} ops     operator types in node order, deduplicated ("ai.onnx.ml::Scaler" for other domains)
 * @property {string} opset     e.g. "13" or "13, ai.onnx.ml 1"
 * @property {string} operator  the operator the test is counted under in the summary
 * @property {boolean} onlySupported  every node's operator is in SUPPORTED_OPS (at any opset)
 */

/**
 * @typedef {object} Outcome
 * @property {"pass" | "n/a" | "fail"} result
 * @property {string} reason
 * @property {string} [code]  the EdgeInferError code of a refusal
 */

export const DATA_ROOT = "/usr/share/libonnx-testdata/data";
/** Suites scanned (data/real holds no models in the Debian package). */
export const SUITES = ["node", "pytorch-converted", "pytorch-operator", "simple"];
export const TOLERANCE = { rtol: 1e-5, atol: 1e-6 };

const ML = "ai.onnx.ml";
/** TensorProto.DataType */
const T = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  BFLOAT16: 16,
};
const TYPE_NAMES = Object.fromEntries(Object.entries(T).map(([k, v]) => [v, k.toLowerCase()]));
const FLOAT_TYPES = new Set([T.FLOAT, T.FLOAT16, T.DOUBLE]);
/** Integer inputs the runtime takes as rows: their values are exact in f32. */
const INT_ROW_TYPES = new Set([T.UINT8, T.INT8, T.UINT16, T.INT16, T.INT32]);
const EXACT_TYPES = new Set([T.UINT8, T.INT8, T.UINT16, T.INT16, T.INT32, T.INT64, T.BOOL, T.UINT32, T.UINT64]);

const typeName = (/** @type {number} */ t) => TYPE_NAMES[t] ?? `type ${t}`;
const prod = (/** @type {number[]} */ d) => d.reduce((a, b) => a * b, 1);
const shape = (/** @type {ArrayLike<unknown>} */ d) => `[${Array.from(d).join(", ")}]`;

/** "BatchNormalization" → "batch_normalization". */
const snake = (/** @type {string} */ s) => s.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();

/**
 * Name prefixes (after "test_", lower case) that select a test, longest first, each with the
 * operator it belongs to: the lower-case and snake_case operator names, "batchnorm" for
 * BatchNormalization, and "ai_onnx_ml_<snake>" for the ai.onnx.ml operators.
 * @param {Api} api
 * @returns {Array<[string, string]>}
 */
export function namePrefixes(api) {
  /** @type {Array<[string, string]>} */
  const out = [];
  for (const [domain, ops] of Object.entries(api.SUPPORTED_OPS)) {
    for (const op of Object.keys(ops)) {
      const key = domain ? `${domain}::${op}` : op;
      const names = new Set([op.toLowerCase(), snake(op)]);
      if (op === "BatchNormalization") names.add("batchnorm");
      if (domain === ML) for (const n of [...names]) names.add(`ai_onnx_ml_${n}`);
      for (const n of names) out.push([n, key]);
    }
  }
  return out.sort((a, b) => b[0].length - a[0].length || a[0].localeCompare(b[0]));
}

/** @param {{ opType: string; domain: string }} n */
const opKey = (n) => (n.domain && n.domain !== "ai.onnx" ? `${n.domain}::${n.opType}` : n.opType);

/**
 * @param {Api} api
 * @param {{ opType: string; domain: string }} n
 */
const isSupported = (api, n) => api.SUPPORTED_OPS[n.domain === "ai.onnx" ? "" : n.domain]?.[n.opType] !== undefined;

/**
 * Every backend test to classify: those whose model uses only supported operators, plus every
 * test whose name starts with test_<operator> (lower or snake case) for a supported operator.
 * @param {Api} api
 * @param {string} [root]
 * @returns {Case[]}
 */
export function listCases(api, root = DATA_ROOT) {
  const prefixes = namePrefixes(api);
  /** @type {Case[]} */
  const cases = [];
  for (const suite of SUITES) {
    const base = join(root, suite);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base).sort()) {
      const dir = join(base, name);
      if (!existsSync(join(dir, "model.onnx"))) continue;
      const lname = name.toLowerCase().replace(/^test_/, "");
      const byName = prefixes.find(([p]) => lname.startsWith(p));
      /** @type {any} */
      let model;
      try {
        model = api.decodeOnnx(readFileSync(join(dir, "model.onnx")));
      } catch {
        model = undefined; // runCase reports the refusal (or the untyped exception)
      }
      /** @type {Array<{ opType: string; domain: string }>} */
      const nodes = model ? model.nodes : [];
      const onlySupported = model !== undefined && nodes.every((n) => isSupported(api, n));
      if (!onlySupported && !byName) continue;
      const ops = [...new Set(nodes.map(opKey))];
      /** @type {Map<string, number>} */
      const opsets = model ? model.opsets : new Map();
      const opset = [...opsets]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([d, v]) => (d === "" || d === "ai.onnx" ? String(v) : `${d} ${v}`))
        .join(", ");
      cases.push({
        suite,
        name,
        id: `${suite}/${name}`,
        dir,
        ops,
        opset,
        operator: primaryOperator(api, lname, nodes, prefixes),
        onlySupported,
      });
    }
  }
  return cases;
}

/**
 * The operator a test is counted under: the one its name starts with (followed by "_", a digit
 * or the end: test_logsoftmax_axis_0_expanded → LogSoftmax, test_BatchNorm2d_eval →
 * BatchNormalization, but test_castlike_* is not Cast); otherwise the first supported operator
 * of the model other than Constant; otherwise the model's first operator.
 * @param {Api} api
 * @param {string} lname
 * @param {Array<{ opType: string; domain: string }>} nodes
 * @param {Array<[string, string]>} prefixes
 */
function primaryOperator(api, lname, nodes, prefixes) {
  const named = prefixes.find(([p]) => lname.startsWith(p) && /^([_0-9]|$)/.test(lname.slice(p.length)));
  if (named) return named[1];
  const supported = nodes.filter((n) => isSupported(api, n));
  const pick = supported.find((n) => n.opType !== "Constant") ?? supported[0] ?? nodes[0];
  return pick ? opKey(pick) : "(none)";
}

/**
 * @param {Api} api
 * @param {unknown} e
 */
const isTyped = (api, e) =>
  e instanceof api.EdgeInferError &&
  typeof (/** @type {any} */ (e).code) === "string" &&
  /^E_/.test(/** @type {any} */ (e).code);

/** @param {unknown} e */
const describe = (e) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/**
 * Classifies one test. Never throws: an unexpected exception is a "fail" outcome.
 * @param {Api} api
 * @param {Case} c
 * @returns {Outcome}
 */
export function runCase(api, c) {
  try {
    return classify(api, c);
  } catch (e) {
    return { result: "fail", reason: `harness: unexpected ${describe(e)}` };
  }
}

/**
 * @param {Api} api
 * @param {Case} c
 * @returns {Outcome}
 */
function classify(api, c) {
  const bytes = new Uint8Array(readFileSync(join(c.dir, "model.onnx")));
  /** @type {any} */
  let model;
  try {
    model = api.decodeOnnx(bytes);
  } catch (e) {
    return refusal(api, e, "decodeOnnx");
  }
  const sets = readdirSync(c.dir)
    .filter((d) => d.startsWith("test_data_set_"))
    .sort();
  if (sets.length === 0) return outside(api, bytes, "no test_data_set_* directory");

  /** @type {Array<{ name: string; elemType: number; typeText: string }>} */
  const inputs = model.inputs;
  if (inputs.length === 0)
    return outside(api, bytes, "the graph has no inputs: its outputs are constants, not per-row");
  const nonTensor = inputs.find((i) => i.elemType < 0);
  if (nonTensor) return outside(api, bytes, `input ${nonTensor.name} is ${nonTensor.typeText}, not a tensor`);

  // Test data of every set, decoded up front (an undecodable file is an error message here).
  const data = sets.map((s) => inputs.map((_, k) => readTensor(api, join(c.dir, s, `input_${k}.pb`))));

  // The row input: the first float input whose test data has a batch dimension (≥ 2 dims); else
  // the first uint8/int8 (… int32) one, whose values f32 holds exactly. When the test data has no
  // batch dimension (1-D) or an expected output is not per row (a scalar such as
  // DynamicQuantizeLinear's scale), the whole tensor is one row: packed with batch: false.
  const first = data[0] ?? [];
  const rowTyped = (/** @type {Set<number>} */ types, /** @type {number} */ minDims) =>
    inputs.findIndex((inp, k) => {
      const t = first[k];
      return types.has(inp.elemType) && typeof t === "object" && t.dims.length >= minDims;
    });
  let rowIndex = -1;
  for (const [types, minDims] of /** @type {Array<[Set<number>, number]>} */ ([
    [FLOAT_TYPES, 2],
    [INT_ROW_TYPES, 2],
    [FLOAT_TYPES, 1],
    [INT_ROW_TYPES, 1],
  ])) {
    if (rowIndex < 0) rowIndex = rowTyped(types, minDims);
  }
  const row0 = inputs[rowIndex];
  const rowData = first[rowIndex];
  const expected0 = model.outputs.map((/** @type {unknown} */ _, /** @type {number} */ k) =>
    readTensor(api, join(c.dir, sets[0] ?? "", `output_${k}.pb`)),
  );
  const batch =
    typeof rowData === "object" &&
    rowData.dims.length >= 2 &&
    expected0.every((t) => typeof t !== "object" || (t.dims.length >= 1 && t.dims[0] === rowData.dims[0]));
  if (!row0) {
    const k = inputs.findIndex((inp) => FLOAT_TYPES.has(inp.elemType));
    const inp = inputs[k],
      t = first[k];
    if (!inp || t === undefined) {
      return outside(
        api,
        bytes,
        `no float input (${inputs.map((i) => `${i.name}: ${typeName(i.elemType)}`).join(", ")}): edgeinfer rows are float`,
      );
    }
    if (typeof t === "string") return outside(api, bytes, `test data of ${inp.name} cannot be read: ${t}`);
    return outside(
      api,
      bytes,
      `row input ${inp.name} has ${t.dims.length}-D test data ${shape(t.dims)}: no batch dimension`,
    );
  }
  const rowName = row0.name;

  /** @type {{ max: number; values: number }} */
  const err = { max: 0, values: 0 };
  for (const [s, tensors] of data.entries()) {
    const set = sets[s] ?? "";
    /** @type {Record<string, { dims: number[]; data: ArrayLike<number> }>} */
    const constants = {};
    /** @type {{ dims: number[]; data: ArrayLike<number> } | undefined} */
    let row;
    for (const [k, inp] of inputs.entries()) {
      const t = tensors[k];
      if (t === undefined || typeof t === "string")
        return outside(api, bytes, `test data of input ${inp.name} cannot be read: ${t}`);
      if (t.dataType === T.STRING)
        return outside(api, bytes, `input ${inp.name} is a string tensor: it cannot be bound as a constant`);
      const value = { dims: t.dims, data: /** @type {ArrayLike<number>} */ (t.data), dataType: t.dataType };
      if (k === rowIndex) row = value;
      else constants[inp.name] = value;
    }
    if (!row) throw new Error("internal: no row tensor");
    /** @type {Uint8Array} */
    let image;
    try {
      image = api.packOnnx(bytes, batch ? { constants, input: rowName } : { constants, input: rowName, batch: false });
    } catch (e) {
      return refusal(api, e, "packOnnx", s > 0 ? set : undefined);
    }
    const problem = runSet(
      api,
      image,
      batch ? row : { dims: [1, ...row.dims], data: row.data },
      model,
      join(c.dir, set),
      err,
      batch,
    );
    if (problem) return { result: "fail", reason: `${sets.length > 1 ? `${set}: ` : ""}${problem}` };
  }
  return {
    result: "pass",
    reason: `row input ${rowName}${batch ? "" : " (the whole tensor as one row)"}; ${err.values} values, max |err| ${err.max === 0 ? "0" : err.max.toExponential(1)}`,
  };
}

/**
 * Runs one data set on both builds; returns the first problem, or undefined.
 * @param {Api} api
 * @param {Uint8Array} image
 * @param {{ dims: number[]; data: ArrayLike<number> }} row
 * @param {any} model
 * @param {string} setDir
 * @param {{ max: number; values: number }} err
 * @param {boolean} batch  false: row is the whole tensor (dims [1, …]) and each output is compared whole
 * @returns {string | undefined}
 */
function runSet(api, image, row, model, setDir, err, batch) {
  const n = row.dims[0] ?? 0;
  const width = prod(row.dims.slice(1));
  /** @type {Array<{ name: string; typeText: string }>} */
  const outputs = model.outputs;
  const expected = outputs.map((_, k) => readTensor(api, join(setDir, `output_${k}.pb`)));
  for (const simd of ["auto", "off"]) {
    /** @type {any} */
    let m;
    try {
      m = api.Model.load(image, { simd, allowNaN: true });
    } catch (e) {
      return `the packed image does not load (simd ${simd}): ${describe(e)}`;
    }
    try {
      const build = `${m.info.build} build`;
      if (m.info.inputLength !== width)
        return `${build}: the model takes rows of ${m.info.inputLength}, the test data ${shape(row.dims)} has rows of ${width}`;
      /** @type {Float32Array} */
      let got;
      try {
        got = m.predictBatch(Float32Array.from(row.data), n);
      } catch (e) {
        return `${build}: predictBatch threw ${describe(e)}`;
      }
      const stride = m.info.outputLength;
      if (got.length !== n * stride)
        return `${build}: predictBatch returned ${got.length} values for ${n} rows of ${stride}`;
      for (const [k, o] of outputs.entries()) {
        const want = expected[k];
        if (want === undefined) return `output ${o.name}: no expected data`;
        if (typeof want === "string")
          return `output ${o.name} (${o.typeText}) was packed, but its expected data cannot be read: ${want}`;
        if (want.dataType === T.STRING) return `output ${o.name} is a string tensor, but the importer packed the model`;
        /** @type {{ name: string; offset: number; length: number } | undefined} */
        const info = m.info.outputs.find((/** @type {{ name: string }} */ x) => x.name === o.name);
        if (!info)
          return `output ${o.name} is missing from the packed image (it has ${m.info.outputs.map((/** @type {{ name: string }} */ x) => x.name).join(", ")})`;
        const per = batch ? prod(want.dims.slice(1)) : prod(want.dims);
        if (batch && (want.dims.length === 0 || want.dims[0] !== n)) {
          return `output ${o.name}: expected shape ${shape(want.dims)} is not per-row for N = ${n}, yet the importer packed the model (as ${info.length} per row)`;
        }
        if (per !== info.length)
          return `output ${o.name}: expected ${shape(want.dims)} (${per} ${batch ? "per row" : "in all"}), the image gives ${info.length} per row`;
        const exact = EXACT_TYPES.has(want.dataType);
        const wd = /** @type {ArrayLike<number>} */ (want.data);
        for (let r = 0; r < n; r++) {
          for (let j = 0; j < per; j++) {
            const g = got[r * stride + info.offset + j] ?? NaN;
            const w = wd[r * per + j] ?? NaN;
            const bad = exact ? g !== w : !close(g, w);
            if (bad) {
              const tol = exact
                ? "exact"
                : `rtol ${TOLERANCE.rtol.toExponential()}, atol ${TOLERANCE.atol.toExponential()}`;
              return `${build}: output ${o.name}${shape(want.dims)} row ${r}, column ${j}: got ${g}, expected ${w} (${tol}; ${countBad(got, wd, n, per, stride, info.offset, exact)} of ${n * per} values off)`;
            }
            if (Number.isFinite(w)) err.max = Math.max(err.max, Math.abs(g - w));
          }
        }
        if (simd === "auto") err.values += n * per;
      }
    } finally {
      m.dispose();
    }
  }
  return undefined;
}

/**
 * @param {number} g
 * @param {number} w
 */
function close(g, w) {
  if (Number.isNaN(w)) return Number.isNaN(g);
  if (!Number.isFinite(w)) return g === w;
  return Math.abs(g - w) <= TOLERANCE.atol + TOLERANCE.rtol * Math.abs(w);
}

/**
 * @param {Float32Array} got
 * @param {ArrayLike<number>} want
 * @param {number} n
 * @param {number} per
 * @param {number} stride
 * @param {number} offset
 * @param {boolean} exact
 */
function countBad(got, want, n, per, stride, offset, exact) {
  let bad = 0;
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < per; j++) {
      const g = got[r * stride + offset + j] ?? NaN,
        w = want[r * per + j] ?? NaN;
      if (exact ? g !== w : !close(g, w)) bad++;
    }
  }
  return bad;
}

/**
 * A test data file as a tensor, or the reason it cannot be read (a string).
 * @param {Api} api
 * @param {string} path
 */
function readTensor(api, path) {
  if (!existsSync(path)) return `${path.split("/").slice(-2).join("/")} is missing`;
  try {
    return api.decodeTensorProto(new Uint8Array(readFileSync(path)));
  } catch (e) {
    return describe(e);
  }
}

/**
 * A refusal by the importer: "n/a" when typed, "fail" otherwise.
 * @param {Api} api
 * @param {unknown} e
 * @param {string} where
 * @param {string} [set]
 * @returns {Outcome}
 */
function refusal(api, e, where, set) {
  if (isTyped(api, e)) {
    const code = /** @type {any} */ (e).code;
    return { result: "n/a", code, reason: `${set ? `${set}: ` : ""}${code}: ${/** @type {Error} */ (e).message}` };
  }
  return {
    result: "fail",
    reason: `${where} threw an untyped ${describe(e)}${e instanceof Error && e.stack ? ` at ${e.stack.split("\n")[1]?.trim()}` : ""}`,
  };
}

/**
 * Outside edgeinfer's model before the importer is asked. The importer still gets the model
 * (with no options): it may refuse it, typed, or pack it, but must not throw anything else.
 * @param {Api} api
 * @param {Uint8Array} bytes
 * @param {string} reason
 * @returns {Outcome}
 */
function outside(api, bytes, reason) {
  try {
    api.packOnnx(bytes);
  } catch (e) {
    if (!isTyped(api, e))
      return { result: "fail", reason: `${reason}; but packOnnx with no options threw an untyped ${describe(e)}` };
    return { result: "n/a", reason: `${reason} (importer: ${/** @type {any} */ (e).code})` };
  }
  return { result: "n/a", reason };
}

/**
 * Results recorded in a report written by scripts/conformance-report.mjs: id → result.
 * @param {string} markdown
 * @returns {Map<string, string>}
 */
export function parseReport(markdown) {
  /** @type {Map<string, string>} */
  const out = new Map();
  for (const line of markdown.split("\n")) {
    const [, id, result] = /^\| `([^`]+)` \|.*\| (pass|n\.a\.|FAIL) \|/.exec(line) ?? [];
    if (id && result) out.set(id, result === "n.a." ? "n/a" : result.toLowerCase());
  }
  return out;
}
