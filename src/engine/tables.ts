/**
 * Allocation-free hash tables for the engine's hot path.
 *
 * - `KeyedRows`: rows keyed by three int32s (e.g. member slot, security slot, settlement date),
 *   struct-of-arrays with a qty and a money column (Float64Array holding safe integers). Open
 *   addressing with linear probing over an Int32Array of row index + 1. Rows are never deleted (a row
 *   whose values return to zero stays; reads skip zero rows), so row indexes are stable.
 * - `ReportRegistry`: (int32 slot, string) → number, for report ids per submitter. Keys are kept by
 *   reference (no copy); the string hash is computed from the characters.
 *
 * Both grow by doubling (amortised; pre-size with the constructor's capacity to keep growth out of a
 * measurement). Owned by the engine's thread.
 */

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function hash3(a: number, b: number, c: number): number {
  return mix(Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77) ^ Math.imul(c + 0x165667b1, 0xc2b2ae3d));
}

/**
 * Touch every page of a fresh typed array now. Zero-filled memory is mapped lazily by the OS, and a
 * first write on the hot path costs a page fault (measured here at 100–500 ns per trade when every
 * table of a new engine faults in as it fills). Tables are pre-faulted when allocated or grown instead.
 */
export function prefault<T extends Int32Array | Float64Array | Uint8Array>(a: T, from = 0): T {
  a.fill(1 as never, from);
  a.fill(0 as never, from);
  return a;
}

function pow2AtLeast(n: number): number {
  let c = 16;
  while (c < n) c *= 2;
  return c;
}

export class KeyedRows {
  /** Number of rows. */
  n = 0;
  a: Int32Array;
  b: Int32Array;
  c: Int32Array;
  qty: Float64Array;
  money: Float64Array;
  /** A caller-defined int per row (e.g. the row of a related table + 1); 0 for a new row. */
  link: Int32Array;
  private index: Int32Array;
  private mask: number;

  constructor(capacity = 1024) {
    const cap = pow2AtLeast(capacity);
    this.a = prefault(new Int32Array(cap));
    this.b = prefault(new Int32Array(cap));
    this.c = prefault(new Int32Array(cap));
    this.qty = prefault(new Float64Array(cap));
    this.money = prefault(new Float64Array(cap));
    this.link = prefault(new Int32Array(cap));
    this.index = prefault(new Int32Array(cap * 2));
    this.mask = cap * 2 - 1;
  }

  /** Row of the key, or -1. */
  find(a: number, b: number, c: number): number {
    const index = this.index;
    const mask = this.mask;
    let i = hash3(a, b, c) & mask;
    for (;;) {
      const r = index[i] - 1;
      if (r < 0) return -1;
      if (this.a[r] === a && this.b[r] === b && this.c[r] === c) return r;
      i = (i + 1) & mask;
    }
  }

  /** Row of the key, created with zero values when absent. */
  upsert(a: number, b: number, c: number): number {
    const index = this.index;
    const mask = this.mask;
    let i = hash3(a, b, c) & mask;
    for (;;) {
      const r = index[i] - 1;
      if (r < 0) break;
      if (this.a[r] === a && this.b[r] === b && this.c[r] === c) return r;
      i = (i + 1) & mask;
    }
    if (this.n === this.a.length) {
      this.grow();
      return this.upsert(a, b, c);
    }
    const r = this.n++;
    this.a[r] = a;
    this.b[r] = b;
    this.c[r] = c;
    this.qty[r] = 0;
    this.money[r] = 0;
    index[i] = r + 1;
    return r;
  }

  private grow(): void {
    const cap = this.a.length * 2;
    const copy = <T extends Int32Array | Float64Array>(old: T, make: (n: number) => T): T => {
      const x = prefault(make(cap), old.length);
      x.set(old);
      return x;
    };
    this.a = copy(this.a, (n) => new Int32Array(n));
    this.b = copy(this.b, (n) => new Int32Array(n));
    this.c = copy(this.c, (n) => new Int32Array(n));
    this.qty = copy(this.qty, (n) => new Float64Array(n));
    this.money = copy(this.money, (n) => new Float64Array(n));
    this.link = copy(this.link, (n) => new Int32Array(n));
    this.index = prefault(new Int32Array(cap * 2));
    this.mask = cap * 2 - 1;
    for (let r = 0; r < this.n; r++) {
      let i = hash3(this.a[r], this.b[r], this.c[r]) & this.mask;
      while (this.index[i] !== 0) i = (i + 1) & this.mask;
      this.index[i] = r + 1;
    }
  }
}

/** FNV-1a over the UTF-16 code units of s, seeded with the slot. */
function hashKey(slot: number, s: string): number {
  let h = Math.imul(slot ^ 0x811c9dc5, 0x01000193);
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return mix(h);
}

export class ReportRegistry {
  /** Number of keys. */
  n = 0;
  private slots: Int32Array;
  private keys: string[];
  private values: Float64Array;
  /** Clearing business date of the report that set the key (yyyymmdd). */
  private dates: Int32Array;
  private mask: number;
  /** Where the last unsuccessful find stopped (its key's insertion point), valid for that key and layout. */
  private probeEmpty = -1;
  private probeSlot = -1;
  private probeKey = '';
  private probeLayout = 0;
  private layout = 0;

  constructor(capacity = 1024) {
    const cap = pow2AtLeast(capacity * 2);
    this.slots = new Int32Array(cap).fill(-1);
    this.keys = new Array<string>(cap).fill('');
    this.values = prefault(new Float64Array(cap));
    this.dates = prefault(new Int32Array(cap));
    this.mask = cap - 1;
  }

  /** Table position of the key, or -1 (remembering the insertion point for a following `set`). */
  find(slot: number, key: string): number {
    let i = hashKey(slot, key) & this.mask;
    for (;;) {
      const s = this.slots[i];
      if (s < 0) {
        this.probeEmpty = i;
        this.probeSlot = slot;
        this.probeKey = key;
        this.probeLayout = this.layout;
        return -1;
      }
      if (s === slot && this.keys[i] === key) return i;
      i = (i + 1) & this.mask;
    }
  }

  value(pos: number): number {
    return this.values[pos];
  }

  date(pos: number): number {
    return this.dates[pos];
  }

  setValue(pos: number, v: number): void {
    this.values[pos] = v;
  }

  /** Insert or overwrite (slot, key) → (value, date); returns its position. */
  set(slot: number, key: string, value: number, date: number): number {
    if ((this.n + 1) * 2 > this.slots.length) this.grow();
    // Fast path: the key was just looked up and not found; nothing filled its insertion point since.
    if (this.probeSlot === slot && this.probeKey === key && this.probeLayout === this.layout && this.slots[this.probeEmpty] < 0) {
      const j = this.probeEmpty;
      this.probeSlot = -1;
      this.n++;
      this.slots[j] = slot;
      this.keys[j] = key;
      this.values[j] = value;
      this.dates[j] = date;
      return j;
    }
    let i = hashKey(slot, key) & this.mask;
    for (;;) {
      const s = this.slots[i];
      if (s < 0) break;
      if (s === slot && this.keys[i] === key) break;
      i = (i + 1) & this.mask;
    }
    if (this.slots[i] < 0) {
      this.n++;
      this.slots[i] = slot;
      this.keys[i] = key;
    }
    this.values[i] = value;
    this.dates[i] = date;
    return i;
  }

  /** Every entry (reads; allocates). */
  entries(): { slot: number; key: string; value: number; date: number }[] {
    const out: { slot: number; key: string; value: number; date: number }[] = [];
    for (let i = 0; i < this.slots.length; i++)
      if (this.slots[i] >= 0) out.push({ slot: this.slots[i], key: this.keys[i], value: this.values[i], date: this.dates[i] });
    return out;
  }

  private grow(): void {
    const oldSlots = this.slots;
    const oldKeys = this.keys;
    const oldValues = this.values;
    const oldDates = this.dates;
    const cap = oldSlots.length * 2;
    this.layout++;
    this.slots = new Int32Array(cap).fill(-1);
    this.keys = new Array<string>(cap).fill('');
    this.values = prefault(new Float64Array(cap));
    this.dates = prefault(new Int32Array(cap));
    this.mask = cap - 1;
    for (let j = 0; j < oldSlots.length; j++) {
      const s = oldSlots[j];
      if (s < 0) continue;
      let i = hashKey(s, oldKeys[j]) & this.mask;
      while (this.slots[i] >= 0) i = (i + 1) & this.mask;
      this.slots[i] = s;
      this.keys[i] = oldKeys[j];
      this.values[i] = oldValues[j];
      this.dates[i] = oldDates[j];
    }
  }
}
