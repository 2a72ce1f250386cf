/**
 * Commands and their options, declared once: node:util parseArgs (strict) reads the arguments
 * from the declarations, values are checked against them (choices, integer ranges), and each
 * command's usage line and --help are printed from them, so help cannot drift from the parser.
 */
import { parseArgs } from "node:util";

/** The streams a command uses (process's in the bin, PassThroughs in tests). */
export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream;
}

/** Bad arguments: printed as `error[E_USAGE]: …`, exit status 1. */
export class UsageError extends Error {
  readonly code = "E_USAGE";
}

export interface OptionSpec {
  /** Long name without the dashes. */
  readonly name: string;
  readonly short?: string;
  /** The value's placeholder in help (`file`, `N`); absent for a flag. */
  readonly value?: string;
  /** The values a string option takes (shown in help and checked). */
  readonly choices?: readonly string[];
  /** An integer option's inclusive range (checked; the value is then a number). */
  readonly int?: readonly [number, number];
  /** The command refuses to run without it. */
  readonly required?: boolean;
  /** May be given more than once: the value is then a string[]. */
  readonly multiple?: boolean;
  /** Shown in the usage line as `[<group>]` instead of one entry per option. */
  readonly group?: string;
  readonly help: string;
}

export type OptionValue = string | number | boolean | string[] | undefined;

export interface ParsedArgs {
  positionals: string[];
  values: Record<string, OptionValue>;
}

export interface Command {
  readonly name: string;
  /** The positional arguments' placeholders, e.g. ["<model>", "<rows.csv|rows.json|->"]. */
  readonly positionals: readonly string[];
  /** One paragraph for `edgeinfer --help` and the top of the command's help. */
  readonly summary: string;
  readonly options: readonly OptionSpec[];
  /** Further help text (input grammar, memory), printed after the options. */
  readonly notes?: string;
  run(args: ParsedArgs, io: Io): Promise<number>;
}

export const HELP_OPTION: OptionSpec = { name: "help", short: "h", help: "show this help" };

const flagText = (o: OptionSpec) =>
  `${o.short ? `-${o.short}, ` : ""}--${o.name}${o.value ? ` ${o.choices ? o.choices.join("|") : `<${o.value}>`}` : ""}`;

const orList = (xs: readonly string[]) =>
  xs.length === 1 ? xs[0]! : `${xs.slice(0, -1).join(", ")} or ${xs[xs.length - 1]}`;

/** `edgeinfer <name> <positionals> <required options> [optional ones]`, wrapped at 100 columns. */
export function usageLine(c: Command): string {
  const parts = [`edgeinfer ${c.name}`, ...c.positionals];
  const groups = new Set<string>();
  for (const o of c.options) {
    const t = `${o.short && o.required ? `-${o.short}` : `--${o.name}`}${o.value ? ` ${o.choices ? o.choices.join("|") : `<${o.value}>`}` : ""}`;
    if (o.required) parts.push(t);
    else if (o.group) {
      if (!groups.has(o.group)) parts.push(`[${o.group}]`);
      groups.add(o.group);
    } else parts.push(`[${t}]`);
  }
  const lines: string[] = [];
  let line = "";
  for (const p of parts) {
    if (line && line.length + 1 + p.length > 100) {
      lines.push(line);
      line = " ".repeat(c.name.length + 11) + p;
    } else line = line ? `${line} ${p}` : p;
  }
  lines.push(line);
  return lines.join("\n");
}

/** A command's --help: usage, summary, every option with its help, notes. */
export function commandHelp(c: Command): string {
  const opts = [...c.options, HELP_OPTION];
  const width = Math.min(30, Math.max(...opts.map((o) => flagText(o).length)) + 2);
  const optionLines = opts.map((o) => {
    const f = flagText(o);
    const pad = f.length + 2 > width ? `\n${" ".repeat(width + 2)}` : " ".repeat(width - f.length);
    return `  ${f}${pad}${o.help.replace(/\n/g, `\n${" ".repeat(width + 2)}`)}`;
  });
  return [
    `Usage: ${usageLine(c)}`,
    "",
    c.summary,
    "",
    "Options:",
    ...optionLines,
    ...(c.notes ? ["", c.notes] : []),
  ].join("\n");
}

/** Turns node:util's parse errors into usage errors that name the option. */
function usageErrorOf(e: unknown): UsageError {
  const err = e as { code?: string; message?: string };
  const name = /'(-[^' ]+)/.exec(err.message ?? "")?.[1];
  if (err.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return new UsageError(`unknown option ${name ?? ""}`.trim());
  if (err.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    if (/argument missing/.test(err.message ?? "")) return new UsageError(`${name} needs a value`);
    if (/ambiguous/.test(err.message ?? ""))
      return new UsageError(`${name} needs a value (write ${name}=<value> for one that starts with "-")`);
    return new UsageError(`${name} is a flag and takes no value`);
  }
  return new UsageError(err.message ?? String(e));
}

/** Parses a command's arguments (strict: an unknown option is a UsageError), checks and types the values. */
export function parseCommandArgs(c: Command, argv: string[]): ParsedArgs {
  const options: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {};
  for (const o of [...c.options, HELP_OPTION])
    options[o.name] = {
      type: o.value ? "string" : "boolean",
      ...(o.short ? { short: o.short } : {}),
      ...(o.multiple ? { multiple: true } : {}),
    };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (e) {
    throw usageErrorOf(e);
  }
  const values: Record<string, OptionValue> = {};
  for (const o of c.options) {
    const v = parsed.values[o.name] as string | boolean | string[] | undefined;
    if (v === undefined) continue;
    if (Array.isArray(v)) {
      values[o.name] = v;
      continue;
    }
    if (typeof v === "string" && o.choices && !o.choices.includes(v))
      throw new UsageError(`--${o.name} takes ${orList(o.choices)}, not ${v}`);
    if (typeof v === "string" && o.int) {
      const [lo, hi] = o.int;
      const n = /^[0-9]+$/.test(v) ? Number(v) : Number.NaN;
      if (!(n >= lo && n <= hi)) throw new UsageError(`--${o.name} takes an integer from ${lo} to ${hi}`);
      values[o.name] = n;
    } else values[o.name] = v;
  }
  if (parsed.values.help) values.help = true;
  return { positionals: parsed.positionals, values };
}

/** Checks the positional count and the required options (after --help has had its chance). */
export function checkArgs(c: Command, a: ParsedArgs): void {
  if (a.positionals.length !== c.positionals.length) throw new UsageError(`usage: ${usageLine(c)}`);
  for (const o of c.options)
    if (o.required && a.values[o.name] === undefined)
      throw new UsageError(`${c.name} needs ${o.short ? `-${o.short}` : `--${o.name}`} <${o.value}>`);
}
