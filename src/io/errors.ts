/**
 * Errors of reading rows and files and writing results. They belong with the others in
 * src/errors.ts; they live here until that file takes them (same base class, same codes).
 */
import { EdgeInferError } from "../errors.js";

/** Where in a rows file: a 1-based data row (the header is not counted), or the header. */
export interface RowPlace {
  /** 1-based data row; the header line, when there is one, is not counted. */
  row?: number;
  /** The CSV header line. */
  header?: true;
  /** 1-based column of the file (header cells). */
  column?: number;
  /** 1-based feature of the model (data cells, in the model's order). */
  feature?: number;
  featureName?: string;
}

function placeText(p: RowPlace): string {
  const parts: string[] = [];
  if (p.header) parts.push("header");
  if (p.row !== undefined) parts.push(`row ${p.row}`);
  if (p.column !== undefined) parts.push(`column ${p.column}`);
  if (p.feature !== undefined)
    parts.push(`feature ${p.feature}${p.featureName === undefined ? "" : ` (${JSON.stringify(p.featureName)})`}`);
  return parts.join(", ");
}

/** A row file (CSV or JSON) that cannot be read as the model's input: names the row and feature. */
export class RowInputError extends EdgeInferError {
  readonly code = "E_INPUT";
  constructor(
    /** The file ("stdin" or its path). */
    readonly source: string,
    readonly place: RowPlace,
    readonly detail: string,
  ) {
    const where = placeText(place);
    super(`${source}${where ? ` ${where}` : ""}: ${detail}`);
  }
}

/** Plain words for the system errors a file operation meets most. */
function errnoText(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case "ENOENT":
      return "no such file or folder";
    case "EISDIR":
      return "is a directory";
    case "ENOTDIR":
      return "a parent of it is not a folder";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "ENOSPC":
      return "no space left on the device";
    case "EFBIG":
      return "file too large (a file-size limit was reached)";
    case "EDQUOT":
      return "disk quota exceeded";
    case "EROFS":
      return "read-only file system";
    case "EPIPE":
      return "the reader closed the pipe";
    default:
      return e.message;
  }
}

/** A file that cannot be read: names the path and the system error. */
export class FileReadError extends EdgeInferError {
  readonly code = "E_IO";
  /** The system error code (ENOENT, EISDIR, …), when there is one. */
  readonly errno: string | undefined;
  constructor(
    readonly path: string,
    cause: NodeJS.ErrnoException | string,
  ) {
    super(
      `${path}: ${typeof cause === "string" ? cause : cause.code === "ENOENT" ? "no such file" : errnoText(cause)}`,
    );
    this.errno = typeof cause === "string" ? undefined : cause.code;
  }
}

/** An output that cannot be written (a directory, a missing folder, a full disk, a size limit…). */
export class OutputWriteError extends EdgeInferError {
  readonly code = "E_IO";
  /** The system error code (ENOSPC, EFBIG, EISDIR, …), when there is one. */
  readonly errno: string | undefined;
  constructor(
    readonly path: string,
    cause: NodeJS.ErrnoException | string,
  ) {
    super(`cannot write ${path}: ${typeof cause === "string" ? cause : errnoText(cause)}`);
    this.errno = typeof cause === "string" ? undefined : cause.code;
  }
}
