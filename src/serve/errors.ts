/**
 * What a request can get wrong, as one typed error: the HTTP status, a stable code, and where
 * in the request (input, row, feature: 0-based, as the runtime's NaNInputError counts them).
 * The response body is `{"error": {code, message, …where}}`, built from these fields.
 */
import { EdgeInferError, InputLengthError, InputTypeError, NaNInputError } from "../errors.js";

export interface RequestPlace {
  input?: string;
  /** 0-based row of the request. */
  row?: number;
  /** 0-based feature of the row, and its name when the model has feature names. */
  feature?: number;
  featureName?: string;
}

function placeText(p: RequestPlace): string {
  const parts: string[] = [];
  if (p.input !== undefined) parts.push(`input ${JSON.stringify(p.input)}`);
  if (p.row !== undefined) parts.push(`row ${p.row}`);
  if (p.feature !== undefined)
    parts.push(`feature ${p.feature}${p.featureName === undefined ? "" : ` (${JSON.stringify(p.featureName)})`}`);
  return parts.join(", ");
}

export class RequestError extends EdgeInferError {
  readonly code: string;
  constructor(
    /** The HTTP status it is answered with. */
    readonly status: number,
    code: string,
    readonly detail: string,
    readonly place: RequestPlace = {},
  ) {
    const where = placeText(place);
    super(where ? `${where}: ${detail}` : detail);
    this.code = code;
  }

  /** The response body. */
  body(): string {
    return JSON.stringify({ error: { code: this.code, message: this.message, ...this.place } });
  }
}

export const badRequest = (detail: string, place?: RequestPlace) => new RequestError(400, "E_INPUT", detail, place);
export const notFound = (detail: string) => new RequestError(404, "E_NOT_FOUND", detail);

/** The runtime's refusal of a row (NaN, a non-number, a wrong length) as a 400 naming the row and feature. */
export function fromRuntimeError(e: unknown, input: string, firstRow = 0): RequestError | undefined {
  if (e instanceof NaNInputError)
    return badRequest("NaN, which the model refuses", {
      input,
      row: firstRow + e.row,
      feature: e.column,
      featureName: e.feature,
    });
  if (e instanceof InputTypeError || e instanceof InputLengthError) return badRequest(e.message, { input });
  return undefined;
}
