// Commands' options: parsed strictly by node:util parseArgs, and --help printed from the same table.
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/main.js";
import { checkArgs, commandHelp, parseCommandArgs, UsageError, usageLine } from "../../src/cli/options.js";

const predict = COMMANDS.find((c) => c.name === "predict")!;

describe("command options", () => {
  it.each(COMMANDS.map((c) => [c.name, c] as const))(
    "%s: help and usage list every option the parser takes",
    (_, c) => {
      const help = commandHelp(c);
      for (const o of c.options) {
        expect(help).toContain(`--${o.name}`);
        const shown = o.group && !o.required ? `[${o.group}]` : o.required && o.short ? `-${o.short} ` : `--${o.name}`;
        expect(usageLine(c)).toContain(shown);
        const value = o.choices?.[0] ?? (o.int ? String(o.int[0]) : "x");
        const a = parseCommandArgs(c, [...c.positionals.map(() => "p"), `--${o.name}`, ...(o.value ? [value] : [])]);
        const want = o.value ? (o.int ? o.int[0] : value) : true;
        expect(a.values[o.name]).toEqual(o.multiple ? [want] : want); // a repeatable option gives its values' array
      }
    },
  );
  it("refuses unknown options, missing values, bad choices and integers, as UsageErrors naming the option", () => {
    const bad = (argv: string[]) => {
      try {
        parseCommandArgs(predict, argv);
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return (e as Error).message;
      }
      return "accepted";
    };
    expect(bad(["m", "r", "--bogus"])).toBe("unknown option --bogus");
    expect(bad(["m", "r", "--format"])).toBe("--format needs a value");
    expect(bad(["m", "r", "--format", "xml"])).toBe("--format takes json or csv, not xml");
    expect(bad(["m", "r", "--batch-rows", "0x10"])).toBe("--batch-rows takes an integer from 1 to 256");
    expect(bad(["m", "r", "--batch-rows", "-5"])).toMatch(/^--batch-rows needs a value/);
    expect(bad(["m", "r", "--allow-nan=yes"])).toBe("--allow-nan is a flag and takes no value");
    expect(parseCommandArgs(predict, ["m", "r", "--format=csv"]).values.format).toBe("csv");
  });
  it("checks the positional count and the required options", () => {
    expect(() => checkArgs(predict, parseCommandArgs(predict, ["m"]))).toThrow(/^usage: edgeinfer predict <model>/);
    const pack = COMMANDS.find((c) => c.name === "pack")!;
    expect(() => checkArgs(pack, parseCommandArgs(pack, ["m"]))).toThrow("pack needs -o <out.eim>");
  });
});
