/**
 * Outbound messages of one session held until their journal records are durable: a FIFO of
 * (bytes, position) entries over one byte buffer and typed arrays. Holding a message copies its bytes
 * but allocates nothing in steady state: storage grows (doubling) only when more is held than ever
 * before, and the bytes are compacted when they reach the end of the buffer or the queue runs empty.
 *
 * Thread: owned by the session layer's JS thread (one queue per Session).
 */
import { copyToView } from './bytes.js';

export class PendingQueue {
  private bytes: Uint8Array = new Uint8Array(16 * 1024);
  private view: DataView = new DataView(this.bytes.buffer);
  /** End of the used bytes. */
  private used = 0;
  private offsets: Float64Array = new Float64Array(64);
  private lengths: Float64Array = new Float64Array(64);
  private positions: Float64Array = new Float64Array(64);
  private head = 0;
  private tail = 0;

  get length(): number {
    return this.tail - this.head;
  }

  /** Journal position of the first held message (-1: not stored; it waits only for what is before it). */
  get headPosition(): number {
    return this.positions[this.head]!;
  }
  /** The first held message is `bytesBuffer[headOffset, headOffset + headLength)`; valid until the next push. */
  get headOffset(): number {
    return this.offsets[this.head]!;
  }
  get headLength(): number {
    return this.lengths[this.head]!;
  }
  get bytesBuffer(): Uint8Array {
    return this.bytes;
  }

  /** Holds a copy of src[offset, offset + length) with journal position `position`. */
  push(src: Uint8Array, offset: number, length: number, position: number): void {
    if (this.used + length > this.bytes.length) this.makeRoom(length);
    if (this.tail === this.offsets.length) this.growEntries();
    copyToView(src, offset, this.view, this.used, length);
    const t = this.tail++;
    this.offsets[t] = this.used;
    this.lengths[t] = length;
    this.positions[t] = position;
    this.used += length;
  }

  /** Drops the first held message. */
  shift(): void {
    if (this.head === this.tail) return;
    this.head++;
    if (this.head === this.tail) this.clear();
  }

  clear(): void {
    this.head = 0;
    this.tail = 0;
    this.used = 0;
  }

  /** Moves the held bytes to the start of the buffer, growing it when they and `length` more do not fit. */
  private makeRoom(length: number): void {
    const from = this.head < this.tail ? this.offsets[this.head]! : this.used;
    const live = this.used - from;
    if (live + length <= this.bytes.length) {
      this.bytes.copyWithin(0, from, this.used);
    } else {
      let size = this.bytes.length;
      while (size < live + length) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.bytes.subarray(from, this.used));
      this.bytes = next;
      this.view = new DataView(next.buffer);
    }
    for (let i = this.head; i < this.tail; i++) this.offsets[i] = this.offsets[i]! - from;
    this.used = live;
  }

  private growEntries(): void {
    const n = this.tail - this.head;
    const cap = n * 2 > this.offsets.length ? this.offsets.length * 2 : this.offsets.length;
    this.offsets = moved(this.offsets, this.head, this.tail, cap);
    this.lengths = moved(this.lengths, this.head, this.tail, cap);
    this.positions = moved(this.positions, this.head, this.tail, cap);
    this.head = 0;
    this.tail = n;
  }
}

/** a[from, to) at the start of an array of `cap` entries (a itself when it has that size). */
function moved(a: Float64Array, from: number, to: number, cap: number): Float64Array {
  if (cap === a.length) {
    a.copyWithin(0, from, to);
    return a;
  }
  const b = new Float64Array(cap);
  b.set(a.subarray(from, to));
  return b;
}
