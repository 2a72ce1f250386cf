// CRC-32 (IEEE 802.3, zlib's) for the runtime's check of every image at load, the same code on
// every host. Eight bytes a turn (slicing-by-8): where loadFile has just read an image, as soon
// done as node:zlib loaded and run (npm run bench:pieces, "940 KB checksum in wasm memory").
// The tables go where the host says (8 KiB, 4-aligned): the module carries no data for them.

/** Writes the tables at `table`: table k (at k × 1 KiB) advances the CRC of a byte by k more zero bytes. */
export function crc32Table(table: usize): void {
  for (let n: usize = 0; n < 256; n++) {
    let c = <u32>n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    store<u32>(table + (n << 2), c);
  }
  for (let n: usize = 0; n < 256; n++) {
    let c = load<u32>(table + (n << 2));
    for (let k: usize = 1; k < 8; k++) {
      c = load<u32>(table + (<usize>(c & 0xff) << 2)) ^ (c >>> 8);
      store<u32>(table + (k << 10) + (n << 2), c);
    }
  }
}

/** zlib's crc32(crc, bytes [ptr, ptr + len)) with the tables at `table`: the previous result to go on, 0 to start. */
export function crc32Update(crc: u32, ptr: usize, len: usize, table: usize): u32 {
  let c = ~crc;
  const end = ptr + len;
  for (; ptr + 8 <= end; ptr += 8) {
    const a = c ^ load<u32>(ptr), b = load<u32>(ptr, 4);
    c = load<u32>(table + (<usize>(a & 0xff) << 2), 7 << 10) ^ load<u32>(table + (<usize>((a >>> 8) & 0xff) << 2), 6 << 10) ^
      load<u32>(table + (<usize>((a >>> 16) & 0xff) << 2), 5 << 10) ^ load<u32>(table + (<usize>(a >>> 24) << 2), 4 << 10) ^
      load<u32>(table + (<usize>(b & 0xff) << 2), 3 << 10) ^ load<u32>(table + (<usize>((b >>> 8) & 0xff) << 2), 2 << 10) ^
      load<u32>(table + (<usize>((b >>> 16) & 0xff) << 2), 1 << 10) ^ load<u32>(table + (<usize>(b >>> 24) << 2));
  }
  for (; ptr < end; ptr++) c = load<u32>(table + (<usize>((c ^ load<u8>(ptr)) & 0xff) << 2)) ^ (c >>> 8);
  return ~c;
}
