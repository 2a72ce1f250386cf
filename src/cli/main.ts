/**
 * `edgeinfer` command line: dispatch to one command of src/cli/commands/. Exit codes: 0 ok,
 * 1 usage, 2 bad model, input or output (printed as `error[CODE]: message`).
 */
import { EdgeInferError } from "../errors.js";
import { benchCommand } from "./commands/bench.js";
import { buildCommand } from "./commands/build.js";
import { driftCommand } from "./commands/drift.js";
import { inspectCommand } from "./commands/inspect.js";
import { packCommand } from "./commands/pack.js";
import { predictCommand } from "./commands/predict.js";
import { serveCommand } from "./commands/serve.js";
import { type Command, checkArgs, commandHelp, type Io, parseCommandArgs, UsageError, usageLine } from "./options.js";

export { f32String } from "../io/results.js";
export type { ModelInfo } from "../runtime/model.js";
export { describeQuantization } from "./describe.js";
export type { Io } from "./options.js";

const VERSION = "0.1.0";

export const COMMANDS: readonly Command[] = [
  packCommand,
  inspectCommand,
  predictCommand,
  buildCommand,
  benchCommand,
  serveCommand,
  driftCommand,
];

const EXIT_STATUS = "Exit status: 0 ok, 1 usage error, 2 bad model, input or output.";

export const HELP = [
  `edgeinfer ${VERSION}: pack trained models into small images and run them in WebAssembly`,
  "",
  "Usage:",
  ...COMMANDS.map((c) => `  ${usageLine(c).replace(/\n/g, "\n  ")}`),
  "  edgeinfer --help | --version",
  "",
  "Commands:",
  ...COMMANDS.map((c) => `  ${c.name.padEnd(9)} ${c.summary.replace(/\n/g, "\n            ")}`),
  "",
  'Run "edgeinfer <command> --help" for a command\'s options (and, for predict, the rows it reads).',
  "",
  EXIT_STATUS,
].join("\n");

export async function main(argv: string[], io: Io): Promise<number> {
  const out = (s: string) => io.stdout.write(s + "\n");
  try {
    const [first, ...rest] = argv;
    if (first === undefined || first === "--help" || first === "-h") {
      out(HELP);
      return first === undefined ? 1 : 0;
    }
    if (first === "--version") {
      out(VERSION);
      return 0;
    }
    const command = COMMANDS.find((c) => c.name === first);
    if (!command) throw new UsageError(first.startsWith("-") ? `unknown option ${first}` : `unknown command ${first}`);
    const args = parseCommandArgs(command, rest);
    if (args.values.help) {
      out(`${commandHelp(command)}\n\n${EXIT_STATUS}`);
      return 0;
    }
    checkArgs(command, args);
    return await command.run(args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`error[E_USAGE]: ${e.message}\nRun "edgeinfer --help" for usage.\n`);
      return 1;
    }
    if (e instanceof EdgeInferError) {
      io.stderr.write(`error[${e.code}]: ${e.message}\n`);
      return 2;
    }
    const sys = e as NodeJS.ErrnoException;
    if (typeof sys?.syscall === "string") {
      io.stderr.write(`error[E_IO]: ${sys.message}\n`); // a system error no command mapped (stdin unreadable, …)
      return 2;
    }
    // A bug, not bad input: still one line and a failing status, not a stack trace.
    io.stderr.write(`error[E_INTERNAL]: ${(e as Error)?.message ?? String(e)} (please report this)\n`);
    return 2;
  }
}
