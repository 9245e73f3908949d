/**
 * CRC-32C (Castagnoli; reflected polynomial 0x82F63B78, init and final xor 0xFFFFFFFF), as used by the
 * journal record header (schemas/gateway-internal.xml). Slicing-by-8 over eight 256-entry tables built
 * once at module load; no allocation per call.
 *
 * Stateless apart from the read-only tables: safe on any thread (each worker has its own module copy).
 */

const POLY = 0x82f63b78;
/** 8 tables of 256 entries, table t at [t * 256, t * 256 + 256). */
const T = new Int32Array(8 * 256);

for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  T[n] = c;
}
for (let n = 0; n < 256; n++) {
  let c = T[n]!;
  for (let t = 1; t < 8; t++) {
    c = T[c & 0xff]! ^ (c >>> 8);
    T[t * 256 + n] = c;
  }
}

/**
 * Continue a CRC: `crc` is a previous result (0 to start), returns the CRC-32C of everything fed so far
 * followed by `buf[offset, offset + length)`, as an unsigned 32-bit number.
 */
export function crc32cUpdate(crc: number, buf: Uint8Array, offset: number, length: number): number {
  let c = ~crc | 0;
  let i = offset;
  const end = offset + length;
  const end8 = end - 7;
  while (i < end8) {
    const lo = (c ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24))) | 0;
    c =
      T[1792 + (lo & 0xff)]! ^
      T[1536 + ((lo >>> 8) & 0xff)]! ^
      T[1280 + ((lo >>> 16) & 0xff)]! ^
      T[1024 + (lo >>> 24)]! ^
      T[768 + buf[i + 4]!]! ^
      T[512 + buf[i + 5]!]! ^
      T[256 + buf[i + 6]!]! ^
      T[buf[i + 7]!]!;
    i += 8;
  }
  while (i < end) {
    c = T[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
    i++;
  }
  return ~c >>> 0;
}

/** CRC-32C of `buf[offset, offset + length)`. */
export function crc32c(buf: Uint8Array, offset = 0, length = buf.length - offset): number {
  return crc32cUpdate(0, buf, offset, length);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * crc32cUpdate for an 8-byte aligned range of a buffer that `words` also views (same memory, from the
 * same byteOffset, which must be 4-aligned): reads 32-bit words instead of bytes (about 1.5x faster).
 * Falls back to the byte path on big-endian hosts or unaligned input.
 */
export function crc32cUpdateAligned(crc: number, buf: Uint8Array, words: Int32Array, offset: number, length: number): number {
  if (!LITTLE_ENDIAN || (offset & 7) !== 0 || (buf.byteOffset & 3) !== 0) return crc32cUpdate(crc, buf, offset, length);
  let c = ~crc | 0;
  let w = offset >> 2;
  const n8 = length >> 3;
  for (let k = 0; k < n8; k++) {
    const lo = c ^ words[w]!;
    const hi = words[w + 1]!;
    c =
      T[1792 + (lo & 0xff)]! ^
      T[1536 + ((lo >>> 8) & 0xff)]! ^
      T[1280 + ((lo >>> 16) & 0xff)]! ^
      T[1024 + (lo >>> 24)]! ^
      T[768 + (hi & 0xff)]! ^
      T[512 + ((hi >>> 8) & 0xff)]! ^
      T[256 + ((hi >>> 16) & 0xff)]! ^
      T[hi >>> 24]!;
    w += 2;
  }
  for (let i = offset + (n8 << 3), end = offset + length; i < end; i++) c = T[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
