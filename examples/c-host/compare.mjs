// Compares a C host's predictions with the framework's (a CSV with a header), column by
// column: prints the largest absolute difference and fails above the tolerance (or on a value
// that is not a number). Lines starting with "#" (a host's summary) are skipped. Used by both
// C hosts (this Makefile and ../c-host-interpreter/build.sh).
import { readFileSync } from "node:fs";

const [got, want, tol] = process.argv.slice(2);
// A plain decimal number, or NaN: Number("") would be 0, and "inf" or "nan" must fail.
const number = (v) => (/^-?[0-9.]+([eE][-+]?[0-9]+)?$/.test(v.trim()) ? Number(v) : NaN);
const rows = (p, header) =>
  readFileSync(p, "utf8")
    .trim()
    .split("\n")
    .slice(header ? 1 : 0)
    .filter((l) => !l.startsWith("#"))
    .map((l) => l.split(",").map(number));
const g = rows(got, false),
  w = rows(want, true);
if (g.length !== w.length) throw new Error(`${g.length} predictions, ${w.length} reference rows`);
let worst = 0,
  where = "";
g.forEach((row, r) => {
  if (row.length !== w[r].length) throw new Error(`row ${r + 1}: ${row.length} outputs, reference has ${w[r].length}`);
  row.forEach((v, c) => {
    const d = Math.abs(v - w[r][c]);
    if (!(d <= worst)) {
      worst = d;
      where = `row ${r + 1} column ${c + 1}`;
    }
  });
});
const ok = worst <= Number(tol);
console.log(
  `max |C host - reference| = ${worst.toPrecision(3)} over ${g.length} rows (${where || "-"}); tolerance ${tol}: ${ok ? "OK" : "FAIL"}`,
);
process.exit(ok ? 0 : 1);
