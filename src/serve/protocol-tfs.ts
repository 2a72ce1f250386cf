/**
 * TF Serving's REST predict: `POST /v1/models/{name}[/versions/{v}]:predict` with
 * `{"instances": [row, …]}` (a row: an array of numbers, or an object keyed by feature name)
 * answered `{"predictions": […]}` (one object of named outputs per row, or the bare value when
 * the model has one output), or the columnar `{"inputs": rows | {name: rows}}` answered
 * `{"outputs": …}`. And the model status, `GET /v1/models/{name}[/versions/{v}]`.
 */
import type { Label } from "../format/types.js";
import { badRequest } from "./errors.js";
import type { ModelEntry, Version } from "./models.js";
import { inputNameOf, namedRow, rowValue, runRows } from "./values.js";

function readRows(rowsIn: unknown, v: Version, input: string): { rows: Float32Array; nRows: number } {
  const info = v.info,
    k = info.inputLength;
  if (!Array.isArray(rowsIn) || rowsIn.length === 0) throw badRequest("expected a non-empty array of rows", { input });
  // One row given bare ([x1, …, xk]) rather than as a batch of one.
  const list = rowsIn.every((x) => typeof x === "number" || x === null) && rowsIn.length === k ? [rowsIn] : rowsIn;
  const rows = new Float32Array(list.length * k);
  for (let r = 0; r < list.length; r++) {
    const row = list[r] as unknown;
    if (Array.isArray(row)) {
      if (row.length !== k) throw badRequest(`${row.length} values; the model takes ${k}`, { input, row: r });
      for (let i = 0; i < k; i++) rows[r * k + i] = rowValue(row[i], info, input, r, i);
    } else if (row !== null && typeof row === "object")
      namedRow(row as Record<string, unknown>, info, input, r, rows, r * k);
    else
      throw badRequest("expected a row (an array of numbers, or an object keyed by feature name)", { input, row: r });
  }
  return { rows, nRows: list.length };
}

const one = (vals: Array<number | Label>, length: number) => (length === 1 ? vals[0] : vals);

/** POST …:predict: the response body. */
export function predictTfs(v: Version, body: unknown): { text: string; nRows: number } {
  if (!body || typeof body !== "object" || Array.isArray(body))
    throw badRequest('the body must be an object {"instances": [...]} or {"inputs": ...}');
  const req = body as { instances?: unknown; inputs?: unknown };
  const input = inputNameOf(v.info);
  let rowsIn: unknown;
  const columnar = req.instances === undefined;
  if (!columnar) rowsIn = req.instances;
  else if (req.inputs !== undefined) {
    rowsIn = req.inputs;
    if (rowsIn && typeof rowsIn === "object" && !Array.isArray(rowsIn)) {
      const keys = Object.keys(rowsIn);
      const unknown = keys.find((key) => key !== input);
      if (unknown !== undefined)
        throw badRequest(`unknown input; the model's only input is ${JSON.stringify(input)}`, { input: unknown });
      rowsIn = (rowsIn as Record<string, unknown>)[input];
    }
  } else throw badRequest('the body needs "instances" (rows) or "inputs"');
  const { rows, nRows } = readRows(rowsIn, v, input);
  const y = runRows(v, rows, nRows);
  const cols = v.columns;
  const lengths = cols.map((c) => v.info.outputs.find((o) => o.name === c.name)?.length ?? 1);
  const head = `{"model_name":${JSON.stringify(v.name)},"model_version":${JSON.stringify(String(v.version))},`;
  if (columnar) {
    const outputs: Record<string, unknown[]> = {};
    cols.forEach((c, j) => {
      outputs[c.name] = Array.from({ length: nRows }, (_, r) => one(c.values(y, r), lengths[j]!));
    });
    return { text: `${head}"outputs":${JSON.stringify(cols.length === 1 ? outputs[cols[0]!.name] : outputs)}}`, nRows };
  }
  const predictions = Array.from({ length: nRows }, (_, r) => {
    if (cols.length === 1) return one(cols[0]!.values(y, r), lengths[0]!);
    const o: Record<string, unknown> = {};
    cols.forEach((c, j) => {
      o[c.name] = one(c.values(y, r), lengths[j]!);
    });
    return o;
  });
  return { text: `${head}"predictions":${JSON.stringify(predictions)}}`, nRows };
}

/** GET /v1/models/{name}[/versions/{v}]: TF Serving's model status. */
export function statusTfs(e: ModelEntry, only?: Version): string {
  const versions = only ? [only] : [...e.versions.values()].sort((a, b) => b.version - a.version);
  const status = versions.map((v) => ({
    version: String(v.version),
    state: "AVAILABLE",
    status: { error_code: "OK", error_message: "" },
  }));
  if (!only && e.failure)
    status.push({
      version: String(e.failure.version),
      state: "END",
      status: { error_code: "INVALID_ARGUMENT", error_message: e.failure.error.message },
    });
  return JSON.stringify({ model_version_status: status });
}
