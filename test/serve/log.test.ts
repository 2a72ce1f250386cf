// JSON log lines: one object per line, levels below the minimum dropped, a typed error's fields kept.
import { expect, it } from "vitest";
import { FormatError } from "../../src/errors.js";
import { errorFields, jsonLogger } from "../../src/serve/log.js";

it("writes one JSON object a line from the minimum level up, with a typed error's fields", () => {
  const lines: string[] = [];
  const log = jsonLogger((l) => lines.push(l), "warn");
  log.log("info", "skipped");
  log.log("error", "refuse", { model: "m", ...errorFields(new FormatError("header.crc32", 12, "checksum mismatch")) });
  expect(log.enabled("debug")).toBe(false);
  expect(lines.length).toBe(1);
  expect(lines[0]!.endsWith("\n")).toBe(true);
  const o = JSON.parse(lines[0]!);
  expect(o).toMatchObject({
    level: "error",
    event: "refuse",
    model: "m",
    error: { name: "FormatError", code: "E_FORMAT", field: "header.crc32", byteOffset: 12 },
  });
  expect(Number.isNaN(Date.parse(o.time))).toBe(false);
});
