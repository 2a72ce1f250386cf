/**
 * Rows on predict's hot path: copied into the model's input view with their types checked, and
 * the words its errors use for what was given instead. One rule at every width: a row is an
 * array or a typed array of numbers (Model.predict).
 */

/**
 * Copies a row of n values into the input view and returns their sum (NaN for a value that is
 * not a number, copied or not). Up to four values are copied without a loop: for the smallest
 * models the loop's own cost shows in bench/predict.bench.ts. V8 inlines the one in use.
 */
export function copyRow(n: number, input: Float32Array): (row: ArrayLike<number>) => number {
  // typeof costs nothing where V8 knows the elements are numbers (typed arrays, arrays of
  // doubles or small integers); elsewhere it keeps strings, undefined (holes), null, booleans,
  // objects and bigints out of the input, which the Float32Array would coerce or throw on.
  switch (n) {
    case 1:
      return (r) => {
        const a = r[0]!;
        if (typeof a !== "number") return NaN;
        return (input[0] = a);
      };
    case 2:
      return (r) => {
        const a = r[0]!,
          b = r[1]!;
        if (typeof a !== "number" || typeof b !== "number") return NaN;
        input[0] = a;
        input[1] = b;
        return a + b;
      };
    case 3:
      return (r) => {
        const a = r[0]!,
          b = r[1]!,
          c = r[2]!;
        if (typeof a !== "number" || typeof b !== "number" || typeof c !== "number") return NaN;
        input[0] = a;
        input[1] = b;
        input[2] = c;
        return a + b + c;
      };
    case 4:
      return (r) => {
        const a = r[0]!,
          b = r[1]!,
          c = r[2]!,
          d = r[3]!;
        if (typeof a !== "number" || typeof b !== "number" || typeof c !== "number" || typeof d !== "number")
          return NaN;
        input[0] = a;
        input[1] = b;
        input[2] = c;
        input[3] = d;
        return a + b + c + d;
      };
    default:
      return (r) => {
        let sum = 0;
        for (let i = 0; i < n; i++) {
          const v = r[i]!;
          if (typeof v !== "number") return NaN;
          sum += v;
          input[i] = v;
        }
        return sum;
      };
  }
}

/** A Float32Array of any realm (a worker's, a vm context's). */
export function isFloat32Array(v: unknown): v is Float32Array {
  return ArrayBuffer.isView(v) && (v as { [Symbol.toStringTag]?: string })[Symbol.toStringTag] === "Float32Array";
}

/** A Uint8Array of any realm (a Node Buffer is one). */
export function isUint8Array(v: unknown): v is Uint8Array {
  return ArrayBuffer.isView(v) && (v as { [Symbol.toStringTag]?: string })[Symbol.toStringTag] === "Uint8Array";
}

/** Copies an array's n values into the input; false at the first that is not a number (holes read as undefined). */
export function copyNumbers(row: ArrayLike<unknown>, n: number, input: Float32Array): boolean {
  for (let i = 0; i < n; i++) {
    const v = row[i];
    if (typeof v !== "number") return false;
    input[i] = v;
  }
  return true;
}

/** What a value is, for messages: "a string", "undefined", "null", "a Map", … */
export function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  const name = typeof v === "object" ? (v as object).constructor?.name : typeof v;
  if (!name || name === "Object") return "an object";
  return `${/^[aeiou]/i.test(name) ? "an" : "a"} ${name}`;
}

/** What row[i] is; a hole in a sparse array says so. */
export function valueKind(row: ArrayLike<unknown>, i: number): string {
  return Array.isArray(row) && !(i in row) ? "a hole (sparse array)" : kindOf(row[i]);
}
