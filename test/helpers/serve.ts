// A model folder in a temporary directory and an edgeinfer server on a loopback ephemeral port.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createServer, type EdgeInferServer, type ServeOptions } from "../../src/serve/server.js";

export const ONNX = new URL("../fixtures/onnx/", import.meta.url).pathname;

/** A scikit-learn fixture's reference (test/fixtures/onnx/<name>.json): inputs and expected outputs. */
export interface Reference {
  inputs: number[][];
  expected: { predict: Array<number | string>; predict_proba?: number[][] };
}
export const reference = (name: string): Reference => JSON.parse(readFileSync(join(ONNX, `${name}.json`), "utf8"));

export function modelFolder(files: Record<string, string | Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), "edgeinfer-serve-"));
  for (const [to, from] of Object.entries(files)) place(dir, to, from);
  return dir;
}

/** Writes a file into the folder the way a deployment should: a hidden temporary file, then a rename. */
export function place(dir: string, to: string, from: string | Uint8Array): void {
  const dest = join(dir, to);
  mkdirSync(dirname(dest), { recursive: true });
  const tmp = join(dirname(dest), `.${Math.random().toString(36).slice(2)}.tmp`);
  if (typeof from === "string") copyFileSync(from, tmp);
  else writeFileSync(tmp, from);
  renameSync(tmp, dest);
}

export interface Running {
  server: EdgeInferServer;
  url: string;
  port: number;
  dir: string;
  close(): Promise<void>;
}

export async function serve(dir: string, options: Partial<ServeOptions> = {}): Promise<Running> {
  const server = createServer({ dir, port: 0, pollMs: 0, watch: false, ...options });
  const { url, port } = await server.listen();
  return {
    server,
    url,
    port,
    dir,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: (typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body)) as BodyInit,
  });
}

/** The KServe v2 request of rows. */
export const v2Request = (rows: number[][], name = "float_input") => ({
  inputs: [{ name, shape: [rows.length, rows[0]!.length], datatype: "FP32", data: rows }],
});

/** |a - e| <= 1e-5 + 1e-5 |e|, elementwise (the fixtures' suggested tolerance). */
export function close(actual: number[], expected: number[]): boolean {
  return (
    actual.length === expected.length &&
    actual.every((a, i) => Math.abs(a - expected[i]!) <= 1e-5 + 1e-5 * Math.abs(expected[i]!))
  );
}
