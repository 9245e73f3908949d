import test from 'ava';
import { Crc32cArena, crc32c, crc32cUpdate, crc32cUpdateAligned } from '../../src/journal/crc32c.js';

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

test('slicing-by-16 (byte path) equals the bitwise reference for every length and offset', (t) => {
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

/** Deterministic pseudo-random bytes (LCG), so a failure reproduces. */
function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

test('slicing-by-16 word path: every tail length (0..63) at aligned offsets, random data, continued CRCs', (t) => {
  const buf = randomBytes(1024, 99);
  const words = new Int32Array(buf.buffer);
  for (const off of [0, 4, 8, 12, 64, 100]) {
    for (let len = 0; len < 64; len++) {
      t.is(crc32cUpdateAligned(0, buf, words, off, len), reference(buf.subarray(off, off + len)), `off ${off} len ${len}`);
    }
  }
  t.is(crc32cUpdateAligned(0, buf, words, 0, 1024), reference(buf));
  const big = randomBytes(100_003, 7);
  t.is(crc32c(big), reference(big));
});

test('Crc32cArena (WebAssembly engine) equals the reference: check value, random data, every offset and tail', (t) => {
  const arena = Crc32cArena.create(1 << 20);
  t.truthy(arena, 'WebAssembly is available on Node 20, so the arena must be');
  if (!arena) return;
  const at = arena.alloc(200_000);
  t.is(at % 64, 0);
  const mem = new Uint8Array(arena.buffer, at, 200_000);
  mem.set(new TextEncoder().encode('123456789'));
  t.is(arena.update(0, at, 9), 0xe3069283);
  mem.set(randomBytes(200_000, 12345));
  for (let off = 0; off < 16; off++) {
    for (let len = 0; len + off <= 300; len += off % 2 === 0 ? 1 : 7) {
      t.is(arena.update(0, at + off, len), reference(mem.subarray(off, off + len)), `off ${off} len ${len}`);
    }
  }
  t.is(arena.update(0, at + 3, 199_990), crc32cUpdate(0, mem, 3, 199_990));
  // Continuation: any cut gives the same CRC as the whole, mixing the engines.
  const whole = arena.update(0, at, 777);
  for (const cut of [0, 1, 15, 16, 17, 300, 777]) {
    t.is(arena.update(arena.update(0, at, cut), at + cut, 777 - cut), whole, `cut ${cut}`);
    t.is(crc32cUpdate(arena.update(0, at, cut), mem, cut, 777 - cut), whole, `cut ${cut} (JS after wasm)`);
  }
  t.true(whole >= 0 && whole <= 0xffffffff, 'unsigned');
});

test('Crc32cArena allocation: aligned, bounded, mark/release; oversized arenas are refused', (t) => {
  const arena = Crc32cArena.create(4096);
  t.truthy(arena);
  if (!arena) return;
  const m = arena.mark();
  const a = arena.alloc(100);
  const b = arena.alloc(100);
  t.true(a >= 16384, 'allocations never overlap the tables');
  t.is(b - a, 128);
  t.is(arena.alloc(arena.buffer.byteLength), -1);
  arena.release(m);
  t.is(arena.alloc(100), a);
  // The tables survive any use of the allocations.
  new Uint8Array(arena.buffer, a, 100).fill(0xff);
  t.is(arena.update(0, a, 32), 0x62a8ab43);
  t.is(Crc32cArena.create(2 ** 31), null);
});

test('Crc32cArena.recycle: the next create of the same capacity gets it back, reset; another capacity does not', (t) => {
  const a = Crc32cArena.create(8192);
  t.truthy(a);
  if (!a) return;
  const first = a.alloc(100);
  a.alloc(100);
  a.recycle();
  t.not(Crc32cArena.create(4096), a, 'different capacity: a new arena');
  const b = Crc32cArena.create(8192);
  t.is(b, a, 'same capacity: the spare');
  t.is(b!.alloc(100), first, 'allocation starts over');
  t.not(Crc32cArena.create(8192), a, 'the spare is handed out once');
  t.is(b!.update(0, first, 0), 0);
});
