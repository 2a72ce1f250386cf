/**
 * A built-in module of the host (Node ≥ 20.16, Bun, Deno) reached without a static import: the
 * runtime entry also runs in browsers and wasm-only engines, where this gives undefined.
 */
export function builtinModule<T>(id: string): T | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    return (proc?.getBuiltinModule?.(id) ?? undefined) as T | undefined;
  } catch {
    return undefined; // a host that has the function but not this module
  }
}
