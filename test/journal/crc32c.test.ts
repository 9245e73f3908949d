import test from 'ava';
import { crc32c, crc32cUpdate, crc32cUpdateAligned } from '../../src/journal/crc32c.js';

/** Bit-at-a-time reference (RFC 3720 definition). */
function reference(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

test('known vectors (RFC 3720 B.4 and the check value)', (t) => {
  t.is(crc32c(new TextEncoder().encode('123456789')), 0xe3069283);
  t.is(crc32c(new Uint8Array(32)), 0x8a9136aa);
  t.is(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  const inc = new Uint8Array(32);
  for (let i = 0; i < 32; i++) inc[i] = i;
  t.is(crc32c(inc), 0x46dd794e);
  const dec = new Uint8Array(32);
  for (let i = 0; i < 32; i++) dec[i] = 31 - i;
  t.is(crc32c(dec), 0x113fdb5c);
  t.is(crc32c(new Uint8Array(0)), 0);
});

test('slicing-by-8 equals the bitwise reference for every length and offset', (t) => {
  const buf = new Uint8Array(300);
  let x = 12345;
  for (let i = 0; i < buf.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    buf[i] = x >>> 24;
  }
  for (let off = 0; off < 9; off++) {
    for (let len = 0; len + off <= buf.length; len += 7) {
      t.is(crc32c(buf, off, len), reference(buf.subarray(off, off + len)), `off ${off} len ${len}`);
    }
  }
});

test('crc32cUpdate continues a CRC across pieces', (t) => {
  const buf = new TextEncoder().encode('The quick brown fox jumps over the lazy dog, twice over.');
  const whole = crc32c(buf);
  for (let cut = 0; cut <= buf.length; cut++) {
    t.is(crc32cUpdate(crc32cUpdate(0, buf, 0, cut), buf, cut, buf.length - cut), whole);
  }
});

test('word-wise aligned CRC equals the byte path (and falls back when unaligned)', (t) => {
  const buf = new Uint8Array(520);
  for (let i = 0; i < buf.length; i++) buf[i] = (i * 37 + 11) & 0xff;
  const words = new Int32Array(buf.buffer);
  for (let off = 0; off < 24; off++) {
    for (let len = 0; off + len <= buf.length; len += 13) {
      t.is(crc32cUpdateAligned(0x1234, buf, words, off, len), crc32cUpdate(0x1234, buf, off, len), `off ${off} len ${len}`);
    }
  }
  t.is(crc32cUpdateAligned(0, buf, words, 0, 9), crc32c(buf, 0, 9));
});
