/**
 * Do a step's input rows and output rows overlap anywhere in a block? The rows of src are
 * [src + r·srcStride·4, + nIn·4) and those of dst [dst + q·dstStride·4, + nOut·4), r and q in
 * 0..nRows−1; rows may interleave inside a wide buffer. With strides ≥ 0 each set of rows is
 * sorted by start and by end, so one merge walk over the two sets is exact: O(nRows) per step,
 * where comparing every pair was O(nRows²).
 */
export function rowsOverlap(
  src: number,
  srcStride: number,
  nIn: number,
  dst: number,
  dstStride: number,
  nOut: number,
  nRows: number,
): boolean {
  let r = 0,
    q = 0;
  while (r < nRows && q < nRows) {
    const a0 = src + r * srcStride * 4,
      a1 = a0 + nIn * 4;
    const b0 = dst + q * dstStride * 4,
      b1 = b0 + nOut * 4;
    if (a0 < b1 && b0 < a1) return true;
    // The row that ends first cannot overlap any later row of the other set.
    if (a1 <= b0) r++;
    else q++;
  }
  return false;
}
