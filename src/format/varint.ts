/** LEB128 varints and length-prefixed UTF-8 strings: the encoding of the metadata section. */

export class ByteWriter {
  private bytes: number[] = [];
  u8(v: number): void {
    this.bytes.push(v & 0xff);
  }
  uvar(v: number): void {
    do {
      let b = v % 128;
      v = Math.floor(v / 128);
      if (v > 0) b |= 0x80;
      this.bytes.push(b);
    } while (v > 0);
  }
  /** Signed LEB128 for integers up to ±2^53. */
  svar(v: number): void {
    for (;;) {
      const b = ((v % 128) + 128) % 128;
      v = Math.floor(v / 128);
      const done = (v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0);
      this.bytes.push(done ? b : b | 0x80);
      if (done) return;
    }
  }
  str(s: string): void {
    const utf8 = new TextEncoder().encode(s);
    this.uvar(utf8.length);
    for (const b of utf8) this.bytes.push(b);
  }
  f32(v: number): void {
    const b = new Uint8Array(Float32Array.of(v).buffer);
    for (const x of b) this.bytes.push(x);
  }
  f64(v: number): void {
    const b = new Uint8Array(Float64Array.of(v).buffer);
    for (const x of b) this.bytes.push(x);
  }
  raw(b: Uint8Array): void {
    for (const x of b) this.bytes.push(x);
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

/** Reads within [pos, end); `fail(field, offset, detail)` must throw. */
export class ByteReader {
  constructor(
    private readonly bytes: Uint8Array,
    public pos: number,
    private readonly end: number,
    private readonly fail: (field: string, offset: number, detail: string) => never,
  ) {}
  get remaining(): number {
    return this.end - this.pos;
  }
  u8(field: string): number {
    if (this.pos >= this.end) this.fail(field, this.pos, "runs past the end of the metadata section");
    return this.bytes[this.pos++]!;
  }
  uvar(field: string, max = 0xffffffff): number {
    const at = this.pos;
    let v = 0,
      scale = 1;
    for (let i = 0; ; i++) {
      const b = this.u8(field);
      v += (b & 0x7f) * scale;
      if (!(b & 0x80)) break;
      scale *= 128;
      if (i >= 7) this.fail(field, at, "varint longer than 8 bytes");
    }
    if (v > max) this.fail(field, at, `${v} exceeds the limit ${max}`);
    return v;
  }
  f32(field: string): number {
    const b = Uint8Array.of(this.u8(field), this.u8(field), this.u8(field), this.u8(field));
    return new Float32Array(b.buffer)[0]!;
  }
  f64(field: string): number {
    const b = new Uint8Array(8);
    for (let i = 0; i < 8; i++) b[i] = this.u8(field);
    return new Float64Array(b.buffer)[0]!;
  }
  raw(field: string, n: number): Uint8Array {
    if (n > this.remaining) this.fail(field, this.pos, `${n} bytes run past the end of the metadata section`);
    const b = this.bytes.slice(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  svar(field: string): number {
    const at = this.pos;
    let v = 0,
      scale = 1,
      b = 0;
    for (let i = 0; ; i++) {
      b = this.u8(field);
      v += (b & 0x7f) * scale;
      scale *= 128;
      if (!(b & 0x80)) break;
      if (i >= 7) this.fail(field, at, "varint longer than 8 bytes");
    }
    return b & 0x40 ? v - scale : v;
  }
  str(field: string): string {
    const at = this.pos;
    const n = this.uvar(field);
    if (n > this.remaining) this.fail(field, at, `string of ${n} bytes runs past the end of the metadata section`);
    const s = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    // Names are mostly ASCII and short (a name per feature, output and label): those are read
    // without a TextDecoder, one shared decoder takes the rest.
    if (n <= 64 && s.every((b) => b < 0x80)) return String.fromCharCode(...s);
    try {
      return (utf8 ??= new TextDecoder("utf-8", { fatal: true })).decode(s);
    } catch {
      return this.fail(field, at, "is not valid UTF-8");
    }
  }
}

let utf8: TextDecoder | undefined;
