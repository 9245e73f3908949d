/**
 * CRC-32C (Castagnoli; reflected polynomial 0x82F63B78, init and final xor 0xFFFFFFFF), as used by the
 * journal record header (schemas/gateway-internal.xml). Slicing-by-16 over sixteen 256-entry tables
 * (16 KiB, built once at module load); no allocation per call.
 *
 * Table t (at [t * 256, t * 256 + 256)) maps a byte to the CRC of that byte followed by t zero bytes,
 * so a 16-byte step looks up byte k of the step in table 15 - k and xors the sixteen results; the 8-
 * and 4-byte steps for the tail use tables 7..0 and 3..0 the same way. (V8 keeps a bounds check on
 * every table load; Crc32cArena below runs the same loop in WebAssembly without them.)
 *
 * Stateless apart from the read-only tables: safe on any thread (each worker has its own module copy).
 */

const POLY = 0x82f63b78;
const T = new Int32Array(16 * 256);

for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  T[n] = c;
}
for (let n = 0; n < 256; n++) {
  let c = T[n]!;
  for (let t = 1; t < 16; t++) {
    c = T[c & 0xff]! ^ (c >>> 8);
    T[t * 256 + n] = c;
  }
}

/**
 * Continue a CRC: `crc` is a previous result (0 to start), returns the CRC-32C of everything fed so far
 * followed by `buf[offset, offset + length)`, as an unsigned 32-bit number. Any alignment (bytes are
 * read one by one and assembled; see crc32cUpdateAligned for the faster word path).
 */
export function crc32cUpdate(crc: number, buf: Uint8Array, offset: number, length: number): number {
  let c = ~crc | 0;
  let i = offset;
  const end = offset + length;
  const end16 = end - 15;
  while (i < end16) {
    const a = c ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24));
    c =
      T[3840 | (a & 0xff)]! ^
      T[3584 | ((a >>> 8) & 0xff)]! ^
      T[3328 | ((a >>> 16) & 0xff)]! ^
      T[3072 | (a >>> 24)]! ^
      T[2816 | buf[i + 4]!]! ^
      T[2560 | buf[i + 5]!]! ^
      T[2304 | buf[i + 6]!]! ^
      T[2048 | buf[i + 7]!]! ^
      T[1792 | buf[i + 8]!]! ^
      T[1536 | buf[i + 9]!]! ^
      T[1280 | buf[i + 10]!]! ^
      T[1024 | buf[i + 11]!]! ^
      T[768 | buf[i + 12]!]! ^
      T[512 | buf[i + 13]!]! ^
      T[256 | buf[i + 14]!]! ^
      T[buf[i + 15]!]!;
    i += 16;
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
 * crc32cUpdate for a range of a buffer that `words` also views (same memory, from the same byteOffset,
 * which must be 4-aligned) starting at a 4-aligned `offset`: reads 32-bit words instead of bytes.
 * Falls back to the byte path on big-endian hosts or unaligned input, so any input gives the same
 * result as crc32cUpdate.
 */
export function crc32cUpdateAligned(crc: number, buf: Uint8Array, words: Int32Array, offset: number, length: number): number {
  return crc32cUpdateAlignedI32(crc, buf, words, offset, length) >>> 0;
}

/**
 * crc32cUpdateAligned's result as an int32 (the same 32 bits, signed): for stores into an Int32Array on
 * the append path, where a uint32 of 2^31 or more returned from a call would be boxed (a heap number).
 */
export function crc32cUpdateAlignedI32(crc: number, buf: Uint8Array, words: Int32Array, offset: number, length: number): number {
  if (!LITTLE_ENDIAN || (offset & 3) !== 0 || (buf.byteOffset & 3) !== 0) return crc32cUpdate(crc, buf, offset, length) | 0;
  let c = ~crc | 0;
  let w = offset >> 2;
  const w16 = w + ((length >> 4) << 2);
  for (; w < w16; w += 4) {
    const a = c ^ words[w]!;
    const b = words[w + 1]!;
    const d = words[w + 2]!;
    const e = words[w + 3]!;
    c =
      T[3840 | (a & 0xff)]! ^
      T[3584 | ((a >>> 8) & 0xff)]! ^
      T[3328 | ((a >>> 16) & 0xff)]! ^
      T[3072 | (a >>> 24)]! ^
      T[2816 | (b & 0xff)]! ^
      T[2560 | ((b >>> 8) & 0xff)]! ^
      T[2304 | ((b >>> 16) & 0xff)]! ^
      T[2048 | (b >>> 24)]! ^
      T[1792 | (d & 0xff)]! ^
      T[1536 | ((d >>> 8) & 0xff)]! ^
      T[1280 | ((d >>> 16) & 0xff)]! ^
      T[1024 | (d >>> 24)]! ^
      T[768 | (e & 0xff)]! ^
      T[512 | ((e >>> 8) & 0xff)]! ^
      T[256 | ((e >>> 16) & 0xff)]! ^
      T[e >>> 24]!;
  }
  if ((length & 8) !== 0) {
    const a = c ^ words[w]!;
    const b = words[w + 1]!;
    c =
      T[1792 | (a & 0xff)]! ^
      T[1536 | ((a >>> 8) & 0xff)]! ^
      T[1280 | ((a >>> 16) & 0xff)]! ^
      T[1024 | (a >>> 24)]! ^
      T[768 | (b & 0xff)]! ^
      T[512 | ((b >>> 8) & 0xff)]! ^
      T[256 | ((b >>> 16) & 0xff)]! ^
      T[b >>> 24]!;
    w += 2;
  }
  if ((length & 4) !== 0) {
    const a = c ^ words[w]!;
    c = T[768 | (a & 0xff)]! ^ T[512 | ((a >>> 8) & 0xff)]! ^ T[256 | ((a >>> 16) & 0xff)]! ^ T[a >>> 24]!;
    w++;
  }
  for (let i = w << 2, end = offset + length; i < end; i++) c = T[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return ~c | 0;
}

// ---- WebAssembly engine

/**
 * The same slicing-by-16 loop as crc32cUpdateAligned, as a WebAssembly function
 * `update(crc, offset, length) -> crc` over its own linear memory, whose first 16 KiB hold the tables.
 * Wasm loads need no bounds checks (guard pages) and the table address arithmetic folds into the load
 * offset: about 80 ns for a 256-byte record against about 130 ns for the JS word path (this machine).
 * Any alignment (wasm loads may be unaligned). The module (about 600 bytes) is assembled here at load
 * time, so there is no binary blob, no native code and no build step; `wasmUpdateCode` below is the
 * whole program, and the tests check it against the bitwise reference.
 */
const WASM_TABLE_BYTES = 16 * 256 * 4;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** Body of `update`: params 0 crc, 1 p, 2 n; locals 3..6 = the words a, b, d, e of a step. */
function wasmUpdateCode(): number[] {
  const get = (i: number): number[] => [0x20, i];
  const set = (i: number): number[] => [0x21, i];
  const k = (v: number): number[] => [0x41, ...sleb(v)];
  const load = (offset: number): number[] => [0x28, 0, ...uleb(offset)]; // i32.load align=1
  const [XOR, AND, SHL, SHRU, ADD, SUB, LT_U, EQZ] = [0x73, 0x71, 0x74, 0x76, 0x6a, 0x6b, 0x49, 0x45];
  const [BLOCK, LOOP, IF, END, BR, BR_IF, VOID] = [0x02, 0x03, 0x04, 0x0b, 0x0c, 0x0d, 0x40];
  // Table `t` at byte offset t * 1024; byte j of word `w` scaled by 4: ((w >>> 8j) & 255) << 2.
  const byteOf = [[SHL, 2], [SHRU, 6], [SHRU, 14], [SHRU, 22]] as const;
  const lookups = (local: number, firstTable: number): number[] => {
    const out: number[] = [];
    for (let j = 0; j < 4; j++) out.push(...get(local), ...k(byteOf[j]![1]), byteOf[j]![0], ...k(0x3fc), AND, ...load((firstTable - j) * 1024));
    out.push(XOR, XOR, XOR);
    return out;
  };
  const words = (count: number): number[] => {
    // a = c ^ [p]; b = [p + 4]; ... ; c = xor of the lookups, tables count*4-1 down to 0.
    const out = [...get(0), ...get(1), ...load(0), XOR, ...set(3)];
    for (let i = 1; i < count; i++) out.push(...get(1), ...load(i * 4), ...set(3 + i));
    for (let i = 0; i < count; i++) {
      out.push(...lookups(3 + i, count * 4 - 1 - i * 4));
      if (i > 0) out.push(XOR);
    }
    out.push(...set(0), ...get(1), ...k(count * 4), ADD, ...set(1));
    return out;
  };
  return [
    ...get(0), ...k(-1), XOR, ...set(0),
    // while (n >= 16) { 16-byte step; n -= 16 }
    BLOCK, VOID, LOOP, VOID,
    ...get(2), ...k(16), LT_U, BR_IF, 1,
    ...words(4), ...get(2), ...k(16), SUB, ...set(2),
    BR, 0, END, END,
    // if (n & 8) 8-byte step; if (n & 4) 4-byte step
    ...get(2), ...k(8), AND, IF, VOID, ...words(2), END,
    ...get(2), ...k(4), AND, IF, VOID, ...words(1), END,
    // n &= 3; while (n != 0) { c = T0[(c ^ [p]) & 255] ^ (c >>> 8); p++; n-- }
    ...get(2), ...k(3), AND, ...set(2),
    BLOCK, VOID, LOOP, VOID,
    ...get(2), EQZ, BR_IF, 1,
    ...get(0), ...get(1), 0x2d, 0, 0, XOR, ...k(255), AND, ...k(2), SHL, ...load(0), ...get(0), ...k(8), SHRU, XOR, ...set(0),
    ...get(1), ...k(1), ADD, ...set(1), ...get(2), ...k(1), SUB, ...set(2),
    BR, 0, END, END,
    ...get(0), ...k(-1), XOR,
    END,
  ];
}

function wasmModuleBytes(): Uint8Array {
  const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
  const name = (s: string): number[] => [s.length, ...Array.from(s, (ch) => ch.charCodeAt(0))];
  const I32 = 0x7f;
  const body = [1, 4, I32, ...wasmUpdateCode()]; // one local group: 4 x i32
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, // magic, version 1
    ...section(1, [1, 0x60, 3, I32, I32, I32, 1, I32]), // type 0: (i32, i32, i32) -> i32
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 1]), // import env.memory, min 1 page
    ...section(3, [1, 0]), // function 0 has type 0
    ...section(7, [1, ...name('update'), 0x00, 0]), // export function 0 as "update"
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

/** The part of the WebAssembly JS API used here (the project's lib settings do not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
}
interface WasmModule {
  readonly __wasmModule?: never;
}
declare const WebAssembly: WasmApi | undefined;

let wasmModule: WasmModule | null | undefined;

function compiledModule(): WasmModule | null {
  if (wasmModule === undefined) {
    try {
      wasmModule = typeof WebAssembly === 'object' && WebAssembly !== null ? new WebAssembly.Module(wasmModuleBytes()) : null;
    } catch {
      wasmModule = null; // e.g. --jitless
    }
  }
  return wasmModule;
}

/** Where arena allocations start (after the tables, on a 64 KiB page). */
const ARENA_BASE = 65536;

/** The arena last recycled (see Crc32cArena), or null. */
let spareArena: Crc32cArena | null = null;

/**
 * A fixed-size region of memory whose ranges get their CRC-32C from the WebAssembly engine. Callers
 * carve buffers out of it (alloc) and view them with `Buffer.from(arena.buffer, offset, length)`.
 * It never grows: growing would detach every view of it, including buffers that writers hold and that
 * in-flight I/O reads. Allocation is a bump pointer with `mark`/`release` (stack discipline).
 *
 * Reuse: the first touch of each page of a fresh memory is a page fault, and on this project's VMs a
 * fault costs microseconds, so an arena given back with recycle() is kept (one per thread) and handed
 * to the next create() of the same capacity: a journal closed and reopened in one process (tests,
 * benchmarks, tools) does not pay the faults again. A long-running gateway opens its journal once.
 *
 * Thread: the creating thread (the memory is not shared; the spare is per module instance).
 */
export class Crc32cArena {
  readonly buffer: ArrayBuffer;
  /** The capacity asked of create(). */
  readonly capacity: number;
  readonly #update: (crc: number, offset: number, length: number) => number;
  #next = ARENA_BASE;

  private constructor(buffer: ArrayBuffer, capacity: number, update: (crc: number, offset: number, length: number) => number) {
    this.buffer = buffer;
    this.capacity = capacity;
    this.#update = update;
  }

  /**
   * An arena with room for `capacity` bytes of allocations, or null when WebAssembly is unavailable,
   * the memory cannot be reserved, or the capacity is over 1 GiB (callers then use the JS path).
   */
  static create(capacity: number): Crc32cArena | null {
    if (!(capacity >= 0 && capacity <= 1 << 30)) return null;
    const spare = spareArena;
    if (spare !== null && spare.capacity === capacity) {
      spareArena = null;
      spare.#next = ARENA_BASE;
      return spare;
    }
    const mod = compiledModule();
    if (mod === null || WebAssembly === undefined) return null;
    try {
      const memory = new WebAssembly.Memory({ initial: Math.ceil((ARENA_BASE + capacity) / 65536) });
      const instance = new WebAssembly.Instance(mod, { env: { memory } });
      new Int32Array(memory.buffer, 0, WASM_TABLE_BYTES >> 2).set(T);
      return new Crc32cArena(memory.buffer, capacity, instance.exports['update'] as (crc: number, offset: number, length: number) => number);
    } catch {
      return null;
    }
  }

  /** Reserve `length` bytes, 64-byte aligned: the offset in `buffer`, or -1 when there is no room. */
  alloc(length: number): number {
    const at = this.#next;
    if (length < 0 || at + length > this.buffer.byteLength) return -1;
    this.#next = (at + length + 63) & ~63;
    return at;
  }

  /** Current allocation point; release(mark) frees everything allocated after it. */
  mark(): number {
    return this.#next;
  }

  release(mark: number): void {
    this.#next = mark;
  }

  /**
   * Give the arena back for reuse by a later create() of the same capacity (it replaces any spare).
   * The caller guarantees that nothing uses its memory any more: no views read or written, no I/O in
   * flight. Its content is not cleared.
   */
  recycle(): void {
    spareArena = this;
  }

  /** crc32cUpdate over `buffer[offset, offset + length)` (which must lie inside an allocation). */
  update(crc: number, offset: number, length: number): number {
    return this.#update(crc, offset, length) >>> 0;
  }

  /** update() as an int32 (same 32 bits, signed: never boxed; see crc32cUpdateAlignedI32). */
  updateI32(crc: number, offset: number, length: number): number {
    return this.#update(crc, offset, length) | 0;
  }
}
