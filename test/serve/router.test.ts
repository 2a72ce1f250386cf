// The token comparison: equal only for the same string, whatever the given one's length.
import { expect, it } from "vitest";
import { sameToken } from "../../src/serve/router.js";

it("sameToken is true for the token only", () => {
  expect(sameToken("s3cret", "s3cret")).toBe(true);
  for (const t of ["", "s", "s3cre", "s3cret!", "S3cret", "s3cret".repeat(2), "t3cret"])
    expect([t, sameToken(t, "s3cret")]).toEqual([t, false]);
});
