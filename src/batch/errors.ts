/**
 * Errors of batch scoring and of the SQL functions: each names the table, column, key or
 * package at fault, with the message built from those fields.
 */
import { EdgeInferError } from "../errors.js";
import type { Key } from "./columns.js";

/** An optional package a command needs is not installed: names it and the command to install it. */
export class MissingDependencyError extends EdgeInferError {
  readonly code = "E_DEPENDENCY";
  readonly installCommand: string;
  constructor(
    readonly packageName: string,
    /** What needed it ("edgeinfer batch on a .duckdb file"). */
    readonly neededBy: string,
    readonly version: string,
  ) {
    const install = `npm install ${packageName}@${version}`;
    super(`${neededBy} needs the package ${packageName}, which is not installed; install it with: ${install}`);
    this.installCommand = install;
  }
}

/** A table or column the job needs is not there (or not the shape it needs). */
export class TableShapeError extends EdgeInferError {
  readonly code = "E_INPUT";
  constructor(
    readonly table: string,
    readonly column: string | undefined,
    readonly detail: string,
  ) {
    super(
      `table ${JSON.stringify(table)}${column === undefined ? "" : `, column ${JSON.stringify(column)}`}: ${detail}`,
    );
  }
}

/** A row that cannot be scored (NULL, text, NaN, out of float32's range), under --strict. */
export class BadRowError extends EdgeInferError {
  readonly code = "E_INPUT";
  constructor(
    readonly table: string,
    readonly key: Key,
    readonly column: string,
    readonly reason: string,
  ) {
    super(`table ${JSON.stringify(table)}, row ${String(key)}, column ${JSON.stringify(column)}: ${reason}`);
  }
}

/** A SQL function's argument that is not a number (text, a blob). */
export class SqlArgumentError extends EdgeInferError {
  readonly code = "E_INPUT";
  constructor(
    readonly functionName: string,
    /** 1-based. */
    readonly argument: number,
    readonly got: string,
  ) {
    super(`${functionName}(): argument ${argument} is ${got}; expected a number (or NULL)`);
  }
}
