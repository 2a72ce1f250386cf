// The CLI's main() run in process, with its stdout and stderr collected and stdin given.
import { PassThrough } from "node:stream";
import { main } from "../../src/cli/main.js";

export async function cli(
  args: string[],
  stdin: string | Uint8Array = "",
): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough(),
    stderr = new PassThrough(),
    input = new PassThrough();
  let out = "",
    err = "";
  stdout.on("data", (c) => (out += c));
  stderr.on("data", (c) => (err += c));
  input.end(typeof stdin === "string" ? stdin : Buffer.from(stdin));
  const code = await main(args, { stdout, stderr, stdin: input });
  return { code, out, err };
}
