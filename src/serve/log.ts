/**
 * Structured logs: one JSON object a line ({"time","level","event",…fields}), levels below the
 * chosen one dropped before any string is built.
 */

export const LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type Level = (typeof LEVELS)[number];

export interface Logger {
  /** Is a line of this level written? (Lets a caller skip building its fields.) */
  enabled(level: Exclude<Level, "silent">): boolean;
  log(level: Exclude<Level, "silent">, event: string, fields?: Record<string, unknown>): void;
}

const rank = (l: Level) => LEVELS.indexOf(l);

/** A logger writing JSON lines through `write` (stderr's, in the CLI). */
export function jsonLogger(write: (line: string) => void, minimum: Level = "info"): Logger {
  const min = rank(minimum);
  return {
    enabled: (level) => rank(level) >= min,
    log(level, event, fields) {
      if (rank(level) < min) return;
      write(`${JSON.stringify({ time: new Date().toISOString(), level, event, ...fields })}\n`);
    },
  };
}

/** Logs nothing (the library's default: an embedding program passes its own). */
export const silentLogger: Logger = { enabled: () => false, log() {} };

/** An error as log fields: its class, code and message, and its structured fields. */
export function errorFields(e: unknown): Record<string, unknown> {
  if (!(e instanceof Error)) return { error: { message: String(e) } };
  const { name, message } = e;
  const own: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) if (typeof v !== "object" || v === null) own[k] = v;
  return { error: { name, message, ...own } };
}
