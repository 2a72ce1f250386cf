// Types of classify.mjs (plain JavaScript, shared by backend.test.ts and scripts/conformance-report.mjs).
export interface Api {
  packOnnx(
    bytes: Uint8Array,
    options?: {
      constants?: Record<string, { dims: number[]; data: ArrayLike<number>; dataType?: number }>;
      input?: string;
      batch?: boolean;
    },
  ): Uint8Array;
  decodeOnnx(bytes: Uint8Array): unknown;
  decodeTensorProto(bytes: Uint8Array): {
    name: string;
    dims: number[];
    dataType: number;
    data: ArrayLike<number> | string[];
  };
  SUPPORTED_OPS: Record<string, Record<string, number>>;
  Model: { load(image: Uint8Array, options?: object): unknown };
  EdgeInferError: abstract new (...args: never[]) => Error;
}
export interface Case {
  suite: string;
  name: string;
  id: string;
  dir: string;
  ops: string[];
  opset: string;
  operator: string;
  onlySupported: boolean;
}
export interface Outcome {
  result: "pass" | "n/a" | "fail";
  reason: string;
  code?: string;
}
export const DATA_ROOT: string;
export const SUITES: string[];
export const TOLERANCE: { rtol: number; atol: number };
export function namePrefixes(api: Api): Array<[string, string]>;
export function listCases(api: Api, root?: string): Case[];
export function runCase(api: Api, c: Case): Outcome;
export function parseReport(markdown: string): Map<string, string>;
