/** CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320): the one zlib and PNG use. */
let tables: Uint32Array | undefined;

/** Table k (at k × 256) advances the CRC of a byte by k more zero bytes: slicing-by-8. */
function makeTables(): Uint32Array {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let k = 1; k < 8; k++) t[k * 256 + n] = c = t[c & 0xff]! ^ (c >>> 8);
  }
  return t;
}

/**
 * Eight bytes per turn (slicing-by-8): a model's weights are checked at every load. For a 1 MB
 * image on a cold start (bench/cold.ts) this takes 5 ms where a byte at a time took 9 (warm:
 * 1.1 against 4.5 ms).
 */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const t = (tables ??= makeTables());
  let c = 0xffffffff;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const a = c ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    c = t[1792 + (a & 0xff)]! ^ t[1536 + ((a >>> 8) & 0xff)]! ^ t[1280 + ((a >>> 16) & 0xff)]! ^ t[1024 + (a >>> 24)]! ^
      t[768 + bytes[i + 4]!]! ^ t[512 + bytes[i + 5]!]! ^ t[256 + bytes[i + 6]!]! ^ t[bytes[i + 7]!]!;
  }
  for (; i < end; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
