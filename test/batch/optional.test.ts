// An optional package that is not installed: a typed error naming it and how to install it.
import { describe, expect, it } from "vitest";
import { MissingDependencyError } from "../../src/batch/errors.js";
import { importOptional, importPackage } from "../../src/batch/optional.js";

describe("optional packages", () => {
  it("a missing one is a MissingDependencyError with the install command", async () => {
    const e = (await importPackage("edgeinfer-no-such-package", "3", "edgeinfer batch on a test").catch(
      (x) => x,
    )) as Error;
    expect(e).toBeInstanceOf(MissingDependencyError);
    expect(e).toMatchObject({ code: "E_DEPENDENCY", packageName: "edgeinfer-no-such-package" });
    expect(e.message).toBe(
      "edgeinfer batch on a test needs the package edgeinfer-no-such-package, which is not installed; install it with: npm install edgeinfer-no-such-package@3",
    );
  });

  it("an installed one is imported", async () => {
    const m = await importOptional<{ default: unknown }>("better-sqlite3", "test");
    expect(typeof m.default).toBe("function");
  });
});
