// CRC-32 (IEEE 802.3, zlib's) for hosts without a native one: the runtime checks every image at
// load, and the cold JavaScript loop takes about 12 ms a megabyte where this takes 3 (Liftoff,
// a byte at a time: slicing-by-8 would take 1.3 ms but 300 bytes more of the module). The table
// goes where the host says (1 KiB, 4-aligned): the module carries no data for it.

/** Writes the byte table (256 × u32) at `table`. */
export function crc32Table(table: usize): void {
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    store<u32>(table + ((<usize>n) << 2), c);
  }
}

/** zlib's crc32(crc, bytes [ptr, ptr + len)) with the table at `table`: the previous result to go on, 0 to start. */
export function crc32Update(crc: u32, ptr: usize, len: usize, table: usize): u32 {
  let c = ~crc;
  const end = ptr + len;
  while (ptr < end) {
    c = load<u32>(table + ((<usize>((c ^ load<u8>(ptr)) & 0xff)) << 2)) ^ (c >>> 8);
    ptr++;
  }
  return ~c;
}
