// Rows from CSV and JSON: the header rule, the one number grammar, 1-based row numbers, streaming.
import { describe, expect, it } from "vitest";
import { RowInputError } from "../../src/io/errors.js";
import { CsvRowParser, parseCsvRows, parseJsonRows, parseRows, readRowBatches } from "../../src/io/rows.js";

const named = { inputLength: 2, featureNames: ["x1", "x2"] };
const unnamed = { inputLength: 2 };
const rowsOf = (r: { nRows: number; values: Float32Array }) =>
  Array.from({ length: r.nRows }, (_, i) => Array.from(r.values.subarray(2 * i, 2 * i + 2)));

function refusal(f: () => unknown): RowInputError {
  try {
    f();
  } catch (e) {
    if (e instanceof RowInputError) return e;
    throw e;
  }
  throw new Error("not refused");
}

describe("CSV header", () => {
  it("a header naming every feature picks the columns in the model's order", () => {
    expect(rowsOf(parseCsvRows("x2,x1\n2,1\n4,3\n", named))).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });
  it.each([
    ["x2,foo\n1,2\n", "rows header, column 2", '"foo" is not a feature of the model (x1, x2)'],
    ["x1\n1\n", "rows header", 'no column for feature 2 ("x2")'],
    ["x1,x2,x1\n1,2,3\n", "rows header, column 3", '"x1" is named twice (columns 1 and 3)'],
  ])("%j is refused, naming the column", (text, where, detail) => {
    const e = refusal(() => parseCsvRows(text, named));
    expect(e.message).toBe(
      `${where}: ${detail}${detail.includes("not a feature") ? "; leave it out with --ignore-columns foo" : ""}`,
    );
  });
  it("a row with more or fewer cells than the header is refused (no cell is dropped)", () => {
    expect(refusal(() => parseCsvRows("x1,x2\n1,2\n1,2,3\n", named)).message).toBe(
      "rows row 2: 3 values; the header has 2 columns",
    );
  });
  it("ignoreColumns leaves named non-feature columns out", () => {
    expect(rowsOf(parseCsvRows("y,x2,x1\n9,2,1\n", named, { ignoreColumns: ["y"] }))).toEqual([[1, 2]]);
  });
  it("a header is refused for a model without feature names, unless positional", () => {
    expect(refusal(() => parseCsvRows("a,b\n1,2\n", unnamed)).message).toMatch(
      /^rows header: the model has no feature names/,
    );
    expect(rowsOf(parseCsvRows("a,b\n1,2\n", unnamed, { positional: true }))).toEqual([[1, 2]]);
    expect(rowsOf(parseCsvRows("x2,x1\n1,2\n", named, { positional: true }))).toEqual([[1, 2]]);
  });
  it("no header: columns by position; a BOM and CRLF are fine; trailing blank lines are not rows", () => {
    expect(rowsOf(parseCsvRows("\uFEFF1,2\r\n3,4\r\n\r\n\n", named))).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });
});

describe("one number grammar", () => {
  const one = (cell: string) => parseCsvRows(`${cell},0\n`, named).values[0];
  const json = (cell: unknown) => parseJsonRows(JSON.stringify([[cell, 0]]), named).values[0];
  it("accepts JSON numbers, a leading +, nan, empty and infinity words", () => {
    for (const [t, v] of [
      ["1.5", 1.5],
      ["+2", 2],
      ["-0.25e1", -2.5],
      [" 3 ", 3],
      ["inf", Infinity],
      ["-Infinity", -Infinity],
    ] as const) {
      expect(one(t)).toBe(v);
      expect(json(t)).toBe(v);
    }
    for (const t of ["nan", "NaN", ""]) {
      expect(one(t)).toBeNaN();
      expect(json(t)).toBeNaN();
    }
    expect(json(null)).toBeNaN();
  });
  it.each(["0x10", "-0x10", "1.", ".5", "1e", "01", "abc", "1_000"])("refuses %j in CSV and JSON", (t) => {
    expect(refusal(() => one(t)).message).toBe(`rows row 1, feature 1 ("x1"): ${JSON.stringify(t)} is not a number`);
    expect(refusal(() => json(t)).message).toBe(`rows row 1, feature 1 ("x1"): ${JSON.stringify(t)} is not a number`);
  });
  it.each(["1e400", "3.5e38", "-3.5e38"])("refuses %s: beyond float32, not Infinity", (t) => {
    expect(refusal(() => parseCsvRows(`0,0\n0,${t}\n`, named)).message).toMatch(
      /^rows row 2, feature 2 \("x2"\): .* is outside float32's range/,
    );
    expect(refusal(() => parseJsonRows(`[[0,0],[0,${t}]]`, named)).message).toMatch(
      /^rows row 2, feature 2 \("x2"\): .* is outside float32's range/,
    );
  });
  it("keeps the largest float32", () => {
    expect(one("3.4028234e38")).toBe(Math.fround(3.4028234e38));
  });
});

describe("JSON rows", () => {
  it("arrays, named objects, {rows}, and a BOM", () => {
    const r = parseRows('\uFEFF{"rows":[[1,2],{"x2":4,"x1":3}]}', named);
    expect(rowsOf(r)).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });
  it("an object row with a key that is not a feature, or without one, is refused; rows count from 1", () => {
    expect(refusal(() => parseJsonRows('[[1,2],{"x1":1,"x2":2,"y":0}]', named)).message).toMatch(
      /^rows row 2: "y" is not a feature of the model \(x1, x2\)/,
    );
    expect(refusal(() => parseJsonRows('[{"x1":1}]', named)).message).toBe('rows row 1: no value for feature 2 ("x2")');
  });
});

describe("streaming", () => {
  it("CSV fed in pieces of any size gives the same rows and batches as the whole text", async () => {
    const text = "x2,x1\n" + Array.from({ length: 1000 }, (_, i) => `${i},${-i}`).join("\n");
    const whole = parseCsvRows(text, named);
    const chunks = async function* () {
      const bytes = new TextEncoder().encode(text);
      for (let i = 0; i < bytes.length; i += 7) yield bytes.subarray(i, i + 7); // splits lines and CRLFs
    };
    const got: number[] = [];
    const offsets: number[] = [];
    for await (const b of readRowBatches(chunks(), named, { batchRows: 64 })) {
      offsets.push(b.rowOffset);
      got.push(...b.values.subarray(0, b.nRows * 2));
    }
    expect(got).toEqual(Array.from(whole.values));
    expect(offsets).toEqual(Array.from({ length: 16 }, (_, k) => 64 * k));
  });
  it("a row number in an error counts from the start of the file, not the batch", () => {
    const p = new CsvRowParser(named, { batchRows: 2 });
    p.push("1,2\n3,4\n5,6\n");
    expect(refusal(() => p.push("7,x\n")).message).toBe('rows row 4, feature 2 ("x2"): "x" is not a number');
  });
  it("an unclosed quote and an endless line are refused", () => {
    expect(refusal(() => parseCsvRows('1,"2\n', named)).message).toBe(
      "rows row 1: a quoted cell is not closed on its line",
    );
    const p = new CsvRowParser(named);
    expect(refusal(() => p.push("1".repeat(2 << 20))).message).toMatch(/^rows header: a line longer than/);
  });
});

describe("JSON rows as nested arrays", () => {
  it("reads an image row ([C][H][W]) row-major, and refuses one of the wrong size by its count", () => {
    const shape = { inputLength: 8 };
    const rows = parseJsonRows(
      JSON.stringify([
        [
          [
            [1, 2],
            [3, 4],
          ],
          [
            [5, 6],
            [7, 8],
          ],
        ],
        [1, 2, 3, 4, 5, 6, 7, 8],
      ]),
      shape,
    );
    expect(Array.from(rows.values)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(() => parseJsonRows(JSON.stringify([[[1, 2], [3]]]), shape)).toThrow(/row 1: 3 values; the model takes 8/);
  });
});
