/**
 * The Open Inference Protocol (KServe v2, as Triton and MLServer speak it), JSON form:
 * model metadata, and infer requests `{"inputs":[{"name","shape":[n,k],"datatype","data"}]}`
 * (data flat or nested, row-major) answered `{"model_name","model_version","outputs":[…]}`
 * with every named output of the model and, for classifiers, the label.
 * And its binary form here (edgeinfer's, not Triton's binary-tensor extension): a body of
 * little-endian float32 rows, answered with the output rows as little-endian float32.
 */
import type { Label } from "../format/types.js";
import { badRequest, RequestError } from "./errors.js";
import { defaultVersion, type ModelEntry, type Version } from "./models.js";
import { describe, inputNameOf, namedRow, rowValue, runRows } from "./values.js";

/** The datatypes a request may send (all read as float32). */
const NUMERIC = new Set([
  "FP32",
  "FP64",
  "FP16",
  "BF16",
  "INT8",
  "INT16",
  "INT32",
  "INT64",
  "UINT8",
  "UINT16",
  "UINT32",
  "UINT64",
]);

export interface OutputSpec {
  name: string;
  datatype: "FP32" | "INT64" | "BYTES";
  /** Values per row. */
  length: number;
  labels?: Label[];
}

const specs = new WeakMap<Version, OutputSpec[]>();

/** The outputs a version answers with: the model's named outputs, labels as their class, and "label" for classifiers. */
export function outputSpecs(v: Version): OutputSpec[] {
  let s = specs.get(v);
  if (s) return s;
  s = v.columns.map((c) => {
    const o = v.info.outputs.find((x) => x.name === c.name);
    const labels = o?.labels ?? (o ? undefined : v.info.outputs.find((x) => x.labels && x.length > 1)?.labels);
    const isLabel = !o || (o.length === 1 && o.labels !== undefined);
    const datatype = isLabel && labels ? (typeof labels[0] === "string" ? "BYTES" : "INT64") : "FP32";
    return { name: c.name, datatype, length: o?.length ?? 1, ...(labels && !isLabel ? { labels } : {}) };
  });
  specs.set(v, s);
  return s;
}

/** GET /v2/models/{name}[/versions/{v}]. */
export function modelMetadata(e: ModelEntry, v: Version | undefined): Record<string, unknown> {
  const failure = e.failure && {
    version: String(e.failure.version),
    code: (e.failure.error as { code?: string }).code ?? "E_INTERNAL",
    message: e.failure.error.message,
  };
  const versions = [...e.versions.keys()].sort((a, b) => a - b).map(String);
  if (!v)
    return {
      name: e.name,
      versions,
      platform: "edgeinfer",
      state: "UNAVAILABLE",
      inputs: [],
      outputs: [],
      error: failure,
    };
  const i = v.info;
  return {
    name: e.name,
    versions,
    platform: "edgeinfer",
    state: "READY",
    version: String(v.version),
    inputs: [
      {
        name: i.inputName,
        datatype: "FP32",
        shape: [-1, i.inputLength],
        ...(i.featureNames ? { feature_names: i.featureNames } : {}),
      },
    ],
    outputs: outputSpecs(v).map((o) => ({
      name: o.name,
      datatype: o.datatype,
      shape: [-1, o.length],
      ...(o.labels ? { labels: o.labels } : {}),
    })),
    kind: i.kind,
    producer: i.producer,
    image_bytes: i.imageBytes,
    memory_bytes: v.model.info.memoryBytes,
    parameter_count: i.parameterCount,
    quantization: i.quantization,
    nan_safe: i.nanSafe,
    ...(failure ? { error: failure } : {}),
  };
}

/** The default version when the request names none. */
export const pick = (e: ModelEntry) => defaultVersion(e);

interface Decoded {
  rows: Float32Array;
  nRows: number;
  /** Requested outputs by name (all when absent). */
  outputs?: string[];
}

/** An infer request's body (parsed JSON) as rows of the model's input. */
export function decodeInfer(body: unknown, v: Version): Decoded {
  const info = v.info;
  if (!body || typeof body !== "object" || Array.isArray(body))
    throw badRequest('the body must be an object {"inputs": [...]}');
  const req = body as { inputs?: unknown; outputs?: unknown };
  if (!Array.isArray(req.inputs) || req.inputs.length === 0)
    throw badRequest(`"inputs" must be a non-empty array; the model's input is ${JSON.stringify(inputNameOf(info))}`);
  for (const t of req.inputs as unknown[]) {
    const name = (t as { name?: unknown })?.name;
    if (typeof name !== "string") throw badRequest('every input needs a "name" (a string)');
    if (name !== inputNameOf(info))
      throw badRequest(`unknown input; the model's only input is ${JSON.stringify(inputNameOf(info))}`, {
        input: name,
      });
  }
  if (req.inputs.length > 1) throw badRequest("the input is given more than once", { input: inputNameOf(info) });
  const t = req.inputs[0] as { name: string; shape?: unknown; datatype?: unknown; data?: unknown };
  const input = t.name,
    k = info.inputLength;
  if (typeof t.datatype !== "string" || !NUMERIC.has(t.datatype))
    throw badRequest(`datatype ${describe(t.datatype)}: the model takes numbers (FP32, FP64 or an integer type)`, {
      input,
    });
  const shape = t.shape;
  if (
    !Array.isArray(shape) ||
    !shape.every((d) => Number.isInteger(d) && d >= 0) ||
    shape.length < 1 ||
    shape.length > 2
  )
    throw badRequest(`shape ${describe(shape)}: expected [rows, ${k}] (or [${k}] for one row)`, { input });
  const nRows = shape.length === 2 ? (shape[0] as number) : 1;
  const width = shape[shape.length - 1] as number;
  if (width !== k)
    throw badRequest(`shape ${describe(shape)}: rows have ${width} values; the model takes ${k}`, { input });
  if (!Array.isArray(t.data)) throw badRequest('"data" must be an array (flat or nested, row-major)', { input });
  const data = t.data as unknown[];
  // Rows are allocated only for as many values as the body holds (a shape of [1e9, k] with a
  // short data array is refused, not allocated).
  const flat = data.length === nRows * k && !Array.isArray(data[0]);
  const rows = new Float32Array(flat || data.length === nRows ? nRows * k : shape.length === 1 ? k : 0);
  if (flat) {
    for (let j = 0; j < data.length; j++) rows[j] = rowValue(data[j], info, input, (j / k) | 0, j % k);
  } else if (
    shape.length === 2 &&
    data.length === nRows &&
    data.every((r) => Array.isArray(r) || (r !== null && typeof r === "object"))
  ) {
    for (let r = 0; r < nRows; r++) {
      const row = data[r];
      if (!Array.isArray(row)) {
        namedRow(row as Record<string, unknown>, info, input, r, rows, r * k);
        continue;
      }
      if (row.length !== k) throw badRequest(`${row.length} values; the model takes ${k}`, { input, row: r });
      for (let i = 0; i < k; i++) rows[r * k + i] = rowValue(row[i], info, input, r, i);
    }
  } else if (shape.length === 1 && data.length === 1 && Array.isArray(data[0]) && data[0].length === k) {
    for (let i = 0; i < k; i++) rows[i] = rowValue((data[0] as unknown[])[i], info, input, 0, i);
  } else {
    throw badRequest(`"data" holds ${data.length} values; shape ${JSON.stringify(shape)} needs ${nRows * k}`, {
      input,
    });
  }
  let outputs: string[] | undefined;
  if (req.outputs !== undefined) {
    if (!Array.isArray(req.outputs)) throw badRequest('"outputs" must be an array of {"name"}');
    const known = outputSpecs(v).map((o) => o.name);
    outputs = (req.outputs as unknown[]).map((o) => {
      const n = (o as { name?: unknown })?.name;
      if (typeof n !== "string" || !known.includes(n))
        throw new RequestError(400, "E_INPUT", `unknown output ${describe(n)}; the model's are ${known.join(", ")}`);
      return n;
    });
  }
  return { rows, nRows, ...(outputs ? { outputs } : {}) };
}

/** The outputs of nRows output rows, each row-major. */
export function encodeOutputs(v: Version, y: Float32Array, nRows: number, only?: string[]): unknown[] {
  const out: unknown[] = [];
  const specsOf = outputSpecs(v);
  for (let c = 0; c < specsOf.length; c++) {
    const s = specsOf[c]!;
    if (only && !only.includes(s.name)) continue;
    const col = v.columns[c]!;
    const data: Array<number | Label> = [];
    for (let r = 0; r < nRows; r++) for (const x of col.values(y, r)) data.push(x);
    out.push({ name: s.name, datatype: s.datatype, shape: [nRows, s.length], data });
  }
  return out;
}

/** POST …/infer, JSON: the response body. */
export function inferJson(v: Version, body: unknown, id: unknown): { text: string; nRows: number } {
  const d = decodeInfer(body, v);
  const y = runRows(v, d.rows, d.nRows);
  const text = JSON.stringify({
    model_name: v.name,
    model_version: String(v.version),
    ...(typeof id === "string" ? { id } : {}),
    outputs: encodeOutputs(v, y, d.nRows, d.outputs),
  });
  return { text, nRows: d.nRows };
}

/** POST …/infer, application/octet-stream: float32 rows in, float32 output rows out. */
export function inferBinary(v: Version, body: Uint8Array): Uint8Array {
  const rowBytes = 4 * v.info.inputLength;
  if (body.length === 0 || body.length % rowBytes !== 0)
    throw badRequest(
      `the body holds ${body.length} bytes; rows of ${v.info.inputLength} float32 take ${rowBytes} bytes each`,
      { input: inputNameOf(v.info) },
    );
  const aligned = body.byteOffset % 4 === 0 ? body : body.slice();
  const rows = new Float32Array(aligned.buffer, aligned.byteOffset, aligned.length / 4);
  const y = runRows(v, rows, body.length / rowBytes);
  return new Uint8Array(y.buffer, y.byteOffset, y.byteLength);
}
