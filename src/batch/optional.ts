/**
 * The optional packages batch, sql and stream use, loaded when a command needs them (dynamic
 * import), so that the runtime's own install stays small. Missing: a MissingDependencyError
 * naming the package and the install command.
 */
import { MissingDependencyError } from "./errors.js";

/** The versions the commands are tested with (package.json's optional peer dependencies). */
export const OPTIONAL_VERSIONS = {
  "better-sqlite3": "12",
  "@duckdb/node-api": "1.5",
  mqtt: "5",
  aedes: "1",
} as const;

export type OptionalPackage = keyof typeof OPTIONAL_VERSIONS;

function isNotFound(e: unknown, name: string): boolean {
  const err = e as NodeJS.ErrnoException;
  return (
    (err?.code === "ERR_MODULE_NOT_FOUND" || err?.code === "MODULE_NOT_FOUND") && (err.message ?? "").includes(name)
  );
}

/** Imports a package, or throws a MissingDependencyError naming it, its version and `neededBy`. */
export async function importPackage<T>(name: string, version: string, neededBy: string): Promise<T> {
  try {
    // A variable specifier: bundlers leave it alone, and the package is looked up only here.
    const spec: string = name;
    return (await import(spec)) as T;
  } catch (e) {
    if (isNotFound(e, name)) throw new MissingDependencyError(name, neededBy, version);
    throw e;
  }
}

/** Imports an optional package; `neededBy` says which command wanted it. */
export function importOptional<T>(name: OptionalPackage, neededBy: string): Promise<T> {
  return importPackage<T>(name, OPTIONAL_VERSIONS[name], neededBy);
}
