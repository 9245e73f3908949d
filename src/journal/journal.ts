/**
 * The append-only journal (ARCHITECTURE.md "The journal"; record format in schemas/gateway-internal.xml).
 *
 * Layout: one byte stream of records, cut into segment files `<dir>/<start position, 20 digits>.journal`
 * of `segmentBytes` each, created full size up front (ftruncate: zero-filled, sparse). A record is
 * RecordHeader (32 bytes) + one SBE message, at an 8-byte aligned position; its position is its byte
 * offset in the stream. Records never straddle segments: when a record does not fit, a Padding record
 * (header only, length 32) closes the segment and the stream continues at the next segment's start
 * (if fewer than 32 bytes are left, the segment simply ends).
 *
 * Writing and group commit. Appends encode into a large in-memory buffer (no allocation per record)
 * and return the position at once. The first append after an idle period schedules a flush on the next
 * event-loop turn (setImmediate). A flush hands exactly one buffer to libuv's thread pool
 * (fs.write, then fs.fdatasync under "fsync"), so the event loop never blocks on the disk; appends made
 * meanwhile go to another buffer and form the next group, which is flushed as soon as the previous flush
 * completes. Only when a flush completes does durablePosition() advance, and onDurable callbacks fire in
 * position order. Why libuv and not a worker thread or native code: it gives the same non-blocking
 * fdatasync with no second JS heap, no SharedArrayBuffer protocol and no addon dependency; a flush
 * costs two thread-pool round trips per group, not per record.
 * "os" durability stops after write(): the data survives a process crash (page cache) but not a power
 * loss. A failed write or fdatasync puts the journal in the failed state for good: appends throw
 * JOURNAL_FAILED, durablePosition() stops, pending onDurable callbacks never fire (the gateway must
 * never acknowledge what is not durable); onFailure listeners are told once. (After a failed fsync the
 * page cache state is unknown, so retrying would be a lie.)
 *
 * CRC engine. The CRC-32C of every record is computed on the JS thread as the record is committed; it
 * is the largest single cost of an append. With crcEngine "auto" the journal owns one WebAssembly
 * memory (Crc32cArena) that holds the recovery scan buffer (while Journal.open runs), then the resend
 * read window and up to 16 group-commit buffers; buffers there get their CRCs from the wasm loop
 * (~1.6x the JS one; no native code, no build step). The arena never grows (that would detach buffers
 * held by writers and by in-flight writes): a buffer needed beyond it (a long disk stall) is an
 * ordinary Buffer with the JS CRC. Either way the bytes written are the same.
 *
 * Recovery (Journal.open): scans every segment, verifies length, position, record type and CRC of each
 * record, visits valid records in order, and stops at the first record that is not valid (length 0 or
 * bad CRC or misplaced). What follows that point decides between the two cases:
 * - Torn tail: nothing valid, or valid records only within `bufferBytes` after it. A flush writes at
 *   most one buffer, and the next flush starts only after the previous one completed, so after a crash
 *   only the last flush can be partial (in any order of its pages). The tail is truncated (zeroed to
 *   the end of the segment, later segments removed) and reported (RecoveryReport.truncatedAt,
 *   discardedBytes, discardedRecords). Never replayed.
 * - Corruption: a valid record further than `bufferBytes` after the bad one. Then the bad record was
 *   followed by a completed flush, so it had been durable (and maybe acknowledged): this is media
 *   corruption, not a crash. Open throws GatewayError JOURNAL_CORRUPT (position in context) unless
 *   `onCorruption: "truncate"` (an operator's repair decision), because silently dropping acknowledged
 *   records is worse than refusing to start. The rule assumes `bufferBytes` is not reduced between runs.
 *
 * Thread: a Journal belongs to the JS thread that created it (all methods, callbacks and the flush
 * completions run there). File I/O runs on libuv's thread pool; a buffer handed to it is not touched
 * until the write completes.
 */
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import { GatewayError } from '../codec/errors.js';
import { Crc32cArena, crc32cUpdateAligned, crc32cUpdateAlignedI32 } from './crc32c.js';

export const JournalErrorCode = {
  /** A write or fdatasync failed earlier; the journal accepts nothing more. */
  JOURNAL_FAILED: 'JOURNAL_FAILED',
  /** A record in the middle of the journal is damaged (see the module comment). */
  JOURNAL_CORRUPT: 'JOURNAL_CORRUPT',
  /** A record larger than a segment or the buffer, or a bad option. */
  JOURNAL_CONFIG: 'JOURNAL_CONFIG',
  /** The journal was closed. */
  JOURNAL_CLOSED: 'JOURNAL_CLOSED',
} as const;

export const RECORD_HEADER_LENGTH = 32;
/** RecordType codes (generated enum values, repeated here as constants for the hot path). */
export const RT_PADDING = 0;
export const RT_INBOUND = 1;
export const RT_OUTBOUND = 2;
export const RT_ENGINE = 3;
export const RT_SESSION = 4;
const RT_MAX = 4;
/** RecordFlags.batchEnd bit. */
export const FLAG_BATCH_END = 1;

/** The subset of node:fs the journal uses; tests inject failures through it. */
export interface JournalFs {
  openSync: typeof nodeFs.openSync;
  closeSync: typeof nodeFs.closeSync;
  readSync: typeof nodeFs.readSync;
  fstatSync: typeof nodeFs.fstatSync;
  ftruncateSync: typeof nodeFs.ftruncateSync;
  fsyncSync: typeof nodeFs.fsyncSync;
  readdirSync: typeof nodeFs.readdirSync;
  unlinkSync: typeof nodeFs.unlinkSync;
  mkdirSync: typeof nodeFs.mkdirSync;
  write: (fd: number, buffer: Uint8Array, offset: number, length: number, position: number, cb: (err: NodeJS.ErrnoException | null, written: number) => void) => void;
  fdatasync: (fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => void;
}

export const defaultFs: JournalFs = {
  openSync: nodeFs.openSync,
  closeSync: nodeFs.closeSync,
  readSync: nodeFs.readSync,
  fstatSync: nodeFs.fstatSync,
  ftruncateSync: nodeFs.ftruncateSync,
  fsyncSync: nodeFs.fsyncSync,
  readdirSync: nodeFs.readdirSync,
  unlinkSync: nodeFs.unlinkSync,
  mkdirSync: nodeFs.mkdirSync,
  write: (fd, buffer, offset, length, position, cb) => nodeFs.write(fd, buffer, offset, length, position, cb),
  fdatasync: (fd, cb) => nodeFs.fdatasync(fd, cb),
};

export type Durability = 'fsync' | 'os';

export interface JournalOptions {
  dir: string;
  /** Default "fsync". */
  durability?: Durability;
  /** Segment file size, a multiple of 8, >= 4096. Default 256 MiB. Must not change for an existing journal. */
  segmentBytes?: number;
  /** Size of one group-commit buffer (the most one flush writes), multiple of 8. Default 4 MiB. */
  bufferBytes?: number;
  /** What to do on mid-journal corruption at open. Default "throw". */
  onCorruption?: 'throw' | 'truncate';
  fs?: JournalFs;
  /** Wall clock in nanoseconds since the Unix epoch (a double: ~0.25 us resolution). */
  nowNs?: () => number;
  /**
   * CRC-32C engine. "auto" (default): record CRCs are computed in WebAssembly over buffers that live in
   * its memory (see "CRC engine" in the module comment), in JS where the runtime has no WebAssembly.
   * "js": always the JS tables. The bytes on disk are the same either way.
   */
  crcEngine?: 'auto' | 'js';
}

export interface RecoveryReport {
  segments: number;
  records: number;
  /** Position where the next record goes. */
  endPosition: number;
  /** Position of the last valid record, -1 when empty. */
  lastPosition: number;
  /** Where invalid data began and was truncated; -1 for a clean end. */
  truncatedAt: number;
  /** Non-zero bytes discarded from truncatedAt onwards. */
  discardedBytes: number;
  /** Valid-looking records found inside the discarded tail (parts of the last, unfinished flush). */
  discardedRecords: number;
  /** True when the truncated part was classified as corruption (only with onCorruption "truncate"). */
  corruption: boolean;
  durationMs: number;
}

/**
 * Called for every valid record during recovery, in position order. `buf[offset, offset + length)` is
 * the whole record (header included); valid only during the call.
 */
export type RecordVisitor = (recordType: number, sessionId: number, position: number, buf: Uint8Array, offset: number, length: number) => void;

/** A buffer and how its ranges get their CRC (see crcOf). */
interface CrcBuffer {
  readonly bytes: Buffer;
  /** Int32 view of `bytes` for the word-wise JS CRC (and the little-endian header stores). */
  readonly words: Int32Array;
  /** Offset of bytes[0] in the journal's Crc32cArena, or -1 when the buffer is not in it (JS CRC). */
  readonly arenaOffset: number;
}

interface WriteBuffer extends CrcBuffer {
  readonly view: DataView;
  /** Stream position of bytes[0]. */
  start: number;
  used: number;
  /** Offset of the last record in `bytes`, -1 when none. */
  lastRecord: number;
  segment: Segment;
}

interface Segment {
  readonly index: number;
  readonly start: number;
  fd: number;
  /** Buffers of this segment not yet flushed (the fd is closed when 0 and the writer moved on). */
  pending: number;
}

const align8 = (n: number): number => (n + 7) & ~7;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const SEGMENT_RE = /^(\d{20})\.journal$/;

function segmentName(start: number): string {
  return `${String(start).padStart(20, '0')}.journal`;
}

/** Segment files in `dir`, sorted by start position. */
export function listSegments(fs: JournalFs, dir: string): { start: number; file: string }[] {
  const out: { start: number; file: string }[] = [];
  for (const name of fs.readdirSync(dir) as string[]) {
    const m = SEGMENT_RE.exec(name);
    if (m) out.push({ start: Number(m[1]), file: path.join(dir, name) });
  }
  return out.sort((a, b) => a.start - b.start);
}

export class Journal {
  readonly dir: string;
  readonly durability: Durability;
  readonly segmentBytes: number;
  readonly bufferBytes: number;
  readonly report: RecoveryReport;

  /** Buffer the current record is encoded into; valid between beginRecord and commitRecord. */
  buffer: Buffer;
  /** DataView over `buffer` (same bytes; replaced together with it): allocation-free record encoding. */
  bufferView: DataView;
  /** Offset in `buffer` where the record body (the SBE message header) goes. */
  bodyOffset = 0;

  readonly #fs: JournalFs;
  readonly #nowNs: () => number;
  #active: WriteBuffer;
  readonly #free: WriteBuffer[] = [];
  /** Sealed buffers waiting to be flushed, in order. */
  readonly #sealed: WriteBuffer[] = [];
  #inFlight: WriteBuffer | null = null;
  #segment: Segment;
  /** Next record position. */
  #end: number;
  /** Position of the last appended record, -1 when none. */
  #lastAppended: number;
  #durable: number;
  #flushScheduled = false;
  #failure: Error | null = null;
  #closed = false;
  #recordStart = -1;
  readonly #waitPos: number[] = [];
  readonly #waitCb: (() => void)[] = [];
  readonly #failureListeners: ((err: Error) => void)[] = [];
  readonly #idleWaiters: (() => void)[] = [];
  readonly #flushNow = (): void => this.#flush();
  readonly #onWritten = (err: NodeJS.ErrnoException | null, written: number): void => this.#written(err, written);
  readonly #onSynced = (err: NodeJS.ErrnoException | null): void => this.#synced(err);
  /** Bytes of the in-flight buffer written so far (partial writes are continued). */
  #inFlightWritten = 0;
  /** Read-side file descriptors per segment index (resend reads). */
  readonly #readFds = new Map<number, number>();
  /** Records up to here (exclusive) have been written to the files (page cache at least). */
  #writtenEnd: number;
  /** Statistics (arenaBuffers: how many of the bufferAllocations live in the wasm arena). */
  readonly stats = { flushes: 0, bufferAllocations: 0, arenaBuffers: 0, records: 0 };

  readonly #arena: Crc32cArena | null;
  /** Arena room reserved for the resend read window (taken at the first read from a file), -1 when none. */
  readonly #windowAt: number;

  private constructor(options: JournalOptions, report: RecoveryReport, segment: Segment, arena: Crc32cArena | null) {
    this.dir = options.dir;
    this.durability = options.durability ?? 'fsync';
    this.segmentBytes = options.segmentBytes ?? 256 * 1024 * 1024;
    this.bufferBytes = options.bufferBytes ?? 4 * 1024 * 1024;
    this.#fs = options.fs ?? defaultFs;
    this.#nowNs = options.nowNs ?? defaultNowNs;
    this.report = report;
    this.#segment = segment;
    this.#end = report.endPosition;
    this.#writtenEnd = report.endPosition;
    this.#lastAppended = report.lastPosition;
    this.#durable = report.lastPosition;
    this.#arena = arena;
    this.#windowAt = arena !== null ? arena.alloc(windowBytes(this.bufferBytes)) : -1;
    this.#active = this.#newBuffer();
    this.#active.start = this.#end;
    this.#active.segment = segment;
    segment.pending++;
    this.buffer = this.#active.bytes;
    this.bufferView = this.#active.view;
  }

  /**
   * Open (or create) the journal in options.dir: recover what is there (visiting every valid record),
   * truncate a torn tail, and return a journal ready to append after the last valid record.
   * Synchronous: start-up only.
   */
  static open(options: JournalOptions, visit?: RecordVisitor): Journal {
    const fs = options.fs ?? defaultFs;
    const segmentBytes = options.segmentBytes ?? 256 * 1024 * 1024;
    const bufferBytes = options.bufferBytes ?? 4 * 1024 * 1024;
    if (!Number.isSafeInteger(segmentBytes) || segmentBytes < 4096 || segmentBytes % 8 !== 0) {
      throw new GatewayError(JournalErrorCode.JOURNAL_CONFIG, 'segmentBytes must be a multiple of 8 and >= 4096', { segmentBytes });
    }
    if (!Number.isSafeInteger(bufferBytes) || bufferBytes < 4096 || bufferBytes % 8 !== 0) {
      throw new GatewayError(JournalErrorCode.JOURNAL_CONFIG, 'bufferBytes must be a multiple of 8 and >= 4096', { bufferBytes });
    }
    fs.mkdirSync(options.dir, { recursive: true });
    const arena = (options.crcEngine ?? 'auto') === 'auto' ? Crc32cArena.create(arenaCapacity(segmentBytes, bufferBytes)) : null;
    const mark = arena?.mark() ?? 0;
    const report = recover(fs, options.dir, segmentBytes, bufferBytes, options.onCorruption ?? 'throw', arena, visit);
    arena?.release(mark); // the scan buffer's room goes to the write buffers
    const index = Math.floor(report.endPosition / segmentBytes);
    const segment = openSegment(fs, options.dir, index, segmentBytes);
    return new Journal(options, report, segment, arena);
  }

  /** Start of the last record that is durable (under the configured durability); -1 when none. */
  durablePosition(): number {
    return this.#durable;
  }

  /** Start of the last appended record; -1 when none. */
  lastPosition(): number {
    return this.#lastAppended;
  }

  /** Position the next record will get (before segment padding). */
  endPosition(): number {
    return this.#end;
  }

  failure(): Error | null {
    return this.#failure;
  }

  /** `listener` is called once if the journal fails (write or fsync error). */
  onFailure(listener: (err: Error) => void): void {
    if (this.#failure) listener(this.#failure);
    else this.#failureListeners.push(listener);
  }

  /**
   * Call `callback` once the record at `position` (and all before it) is durable; at once when it
   * already is. Callbacks fire in position order (equal positions: in registration order).
   */
  onDurable(position: number, callback: () => void): void {
    if (position <= this.#durable) {
      callback();
      return;
    }
    const q = this.#waitPos;
    let i = q.length;
    if (i > 0 && q[i - 1]! > position) {
      // Out of order registration (rare): insert after the last entry <= position.
      while (i > 0 && q[i - 1]! > position) i--;
      q.splice(i, 0, position);
      this.#waitCb.splice(i, 0, callback);
      return;
    }
    q.push(position);
    this.#waitCb.push(callback);
  }

  /**
   * Reserve room for a record whose body (SBE message header + message) is at most `maxBodyLength`
   * bytes; afterwards encode the body into `this.buffer` at `this.bodyOffset` and call commitRecord.
   * Throws JOURNAL_FAILED / JOURNAL_CLOSED / JOURNAL_CONFIG (record cannot fit).
   */
  beginRecord(maxBodyLength: number): void {
    if (this.#failure) throw new GatewayError(JournalErrorCode.JOURNAL_FAILED, 'journal failed; nothing more is accepted', { cause: this.#failure.message });
    if (this.#closed) throw new GatewayError(JournalErrorCode.JOURNAL_CLOSED, 'journal is closed');
    const need = align8(RECORD_HEADER_LENGTH + maxBodyLength);
    if (need > this.segmentBytes - RECORD_HEADER_LENGTH || need > this.bufferBytes) {
      throw new GatewayError(JournalErrorCode.JOURNAL_CONFIG, 'record larger than a segment or a buffer', { need, segmentBytes: this.segmentBytes, bufferBytes: this.bufferBytes });
    }
    const segEnd = this.#segment.start + this.segmentBytes;
    if (this.#end + need > segEnd) this.#rollSegment(segEnd);
    let a = this.#active;
    if (a.used + need > a.bytes.length) {
      this.#seal();
      a = this.#active;
    }
    this.#recordStart = a.used;
    this.bodyOffset = a.used + RECORD_HEADER_LENGTH;
    this.recordTimeNs = this.#nowNs();
  }

  /** Time stamped into the record being built (set by beginRecord), ns since the epoch as a double. */
  recordTimeNs = 0;

  /**
   * Writes recordTimeNs as a uint64 LE at `at` in `buffer` (a timestamp field of the record being
   * built). Here rather than by the caller: a double read from this object and passed to a call that is
   * not inlined would be boxed (a heap number per record).
   */
  putRecordTimeNs(at: number): void {
    const t = this.recordTimeNs;
    const hi = Math.floor(t / 4294967296);
    this.bufferView.setUint32(at, t - hi * 4294967296, true);
    this.bufferView.setUint32(at + 4, hi, true);
  }

  /**
   * Finish the record begun by beginRecord: `bodyLength` bytes were encoded at bodyOffset. Writes the
   * header and CRC, and returns the record's position.
   */
  commitRecord(recordType: number, sessionId: number, flags: number, bodyLength: number): number {
    const a = this.#active;
    const at = this.#recordStart;
    const length = RECORD_HEADER_LENGTH + bodyLength;
    const position = this.#end;
    const padded = align8(length);
    const bytes = a.bytes;
    for (let i = at + length; i < at + padded; i++) bytes[i] = 0; // at most 7 bytes: cheaper than fill()
    if (LITTLE_ENDIAN) {
      // Header through the Int32 view (`at` is 8-aligned): stores wrap modulo 2^32, as the uint32 fields need.
      const w = a.words;
      const i = at >> 2;
      const t = this.recordTimeNs;
      const tHi = Math.floor(t / 4294967296);
      w[i] = length;
      w[i + 1] = 0;
      w[i + 2] = position;
      w[i + 3] = Math.floor(position / 4294967296);
      w[i + 4] = t - tHi * 4294967296;
      w[i + 5] = tHi;
      w[i + 6] = (recordType & 0xffff) | (flags << 16);
      w[i + 7] = sessionId;
      w[i + 1] = a.arenaOffset >= 0 ? this.#arena!.updateI32(0, a.arenaOffset + at, length) : crc32cUpdateAlignedI32(0, bytes, w, at, length);
    } else {
      writeHeader(a.view, at, length, position, this.recordTimeNs, recordType, flags, sessionId);
      a.view.setUint32(at + 4, crcOf(this.#arena, a, 0, at, length), true);
    }
    a.used = at + padded;
    a.lastRecord = at;
    this.#end = position + padded;
    this.#lastAppended = position;
    this.#recordStart = -1;
    this.stats.records++;
    if (!this.#flushScheduled && this.#inFlight === null) {
      this.#flushScheduled = true;
      setImmediate(this.#flushNow);
    }
    return position;
  }

  /** Append a record whose body is `body[offset, offset + length)` (convenience, copies). */
  appendRaw(recordType: number, sessionId: number, body: Uint8Array, offset: number, length: number): number {
    this.beginRecord(length);
    this.buffer.set(body.subarray(offset, offset + length), this.bodyOffset);
    return this.commitRecord(recordType, sessionId, 0, length);
  }

  /**
   * Make the whole record at `position` (header included) available: returns the buffer and sets
   * `readOffset`/`readLength`. Serves unflushed records from memory and the rest from the segment
   * files through a read window. The bytes are valid until the next read, append or close. CRC
   * verified; throws JOURNAL_CORRUPT when the stored record does not check, JOURNAL_CLOSED after close.
   */
  readRecord(position: number): Uint8Array {
    if (this.#closed) throw new GatewayError(JournalErrorCode.JOURNAL_CLOSED, 'journal is closed');
    const mem = this.#findBuffer(position);
    if (mem) {
      const off = position - mem.start;
      this.readOffset = off;
      this.readLength = mem.view.getUint32(off, true);
      return mem.bytes;
    }
    return this.#readFromFile(position);
  }

  readOffset = 0;
  readLength = 0;

  /** Resolves when everything appended so far has been flushed (or the journal failed). */
  whenIdle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Flush what is buffered, wait for it, then close the files. Appends and reads afterwards throw. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.whenIdle();
    this.#closed = true;
    for (const fd of this.#readFds.values()) this.#fs.closeSync(fd);
    this.#readFds.clear();
    if (this.#segment.fd >= 0) {
      this.#fs.closeSync(this.#segment.fd);
      this.#segment.fd = -1;
    }
    // The arena may serve the next journal opened on this thread. Not after a failure: a write may still
    // be reading a buffer. `buffer` and reads (readRecord throws JOURNAL_CLOSED) no longer reach it.
    this.buffer = Buffer.alloc(0);
    this.bufferView = new DataView(this.buffer.buffer, this.buffer.byteOffset, 0);
    if (this.#failure === null) this.#arena?.recycle();
  }

  // ---- writer internals

  #newBuffer(): WriteBuffer {
    this.stats.bufferAllocations++;
    const { bytes, words, arenaOffset } = allocCrcBuffer(this.#arena, this.bufferBytes);
    if (arenaOffset >= 0) this.stats.arenaBuffers++;
    return { bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), words, arenaOffset, start: 0, used: 0, lastRecord: -1, segment: this.#segment };
  }

  /** Close the active buffer (if it holds anything) and start a new one at #end. */
  #seal(): void {
    const a = this.#active;
    if (a.used === 0) {
      a.start = this.#end;
      if (a.segment !== this.#segment) {
        a.segment.pending--;
        this.#maybeCloseSegment(a.segment);
        a.segment = this.#segment;
        this.#segment.pending++;
      }
      return;
    }
    this.#sealed.push(a);
    this.#rotateActive();
    if (!this.#flushScheduled && this.#inFlight === null) {
      this.#flushScheduled = true;
      setImmediate(this.#flushNow);
    }
  }

  /** Replace the active buffer by an empty one starting at #end (the caller keeps the old one). */
  #rotateActive(): void {
    const b = this.#free.pop() ?? this.#newBuffer();
    b.start = this.#end;
    b.used = 0;
    b.lastRecord = -1;
    b.segment = this.#segment;
    this.#segment.pending++;
    this.#active = b;
    this.buffer = b.bytes;
    this.bufferView = b.view;
  }

  /** Pad the current segment and continue the stream in the next one. */
  #rollSegment(segEnd: number): void {
    const rem = segEnd - this.#end;
    if (rem >= RECORD_HEADER_LENGTH) {
      const a = this.#active.used + RECORD_HEADER_LENGTH > this.#active.bytes.length ? (this.#seal(), this.#active) : this.#active;
      const at = a.used;
      writeHeader(a.view, at, RECORD_HEADER_LENGTH, this.#end, this.#nowNs(), RT_PADDING, 0, 0xffffffff);
      a.view.setUint32(at + 4, crcOf(this.#arena, a, 0, at, RECORD_HEADER_LENGTH), true);
      a.used += RECORD_HEADER_LENGTH;
      a.lastRecord = at;
    }
    this.#end = segEnd;
    let next: Segment;
    try {
      next = openSegment(this.#fs, this.dir, this.#segment.index + 1, this.segmentBytes);
    } catch (err) {
      // The padding is already in the stream; without the next segment the journal cannot go on.
      this.#fail(err as Error);
      throw this.#failure!;
    }
    const prev = this.#segment;
    this.#segment = next;
    this.#seal();
    this.#maybeCloseSegment(prev);
  }

  #maybeCloseSegment(seg: Segment): void {
    if (seg !== this.#segment && seg.pending === 0 && seg.fd >= 0) {
      this.#fs.closeSync(seg.fd);
      seg.fd = -1;
    }
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#inFlight !== null || this.#failure) return;
    let b = this.#sealed.shift();
    if (!b) {
      if (this.#active.used === 0) {
        this.#notifyIdle();
        return;
      }
      b = this.#active;
      this.#rotateActive();
    }
    // Mark the group's last record (batchEnd) and re-seal its CRC.
    if (b.lastRecord >= 0) {
      const at = b.lastRecord;
      const len = b.view.getUint32(at, true);
      b.view.setUint16(at + 26, b.view.getUint16(at + 26, true) | FLAG_BATCH_END, true);
      b.view.setUint32(at + 4, 0, true);
      b.view.setUint32(at + 4, crcOf(this.#arena, b, 0, at, len), true);
    }
    this.#inFlight = b;
    this.#inFlightWritten = 0;
    this.stats.flushes++;
    this.#writeMore();
  }

  #writeMore(): void {
    const b = this.#inFlight!;
    const fileOffset = b.start - b.segment.start + this.#inFlightWritten;
    this.#fs.write(b.segment.fd, b.bytes, this.#inFlightWritten, b.used - this.#inFlightWritten, fileOffset, this.#onWritten);
  }

  #written(err: NodeJS.ErrnoException | null, written: number): void {
    if (this.#failure) return; // failed meanwhile (e.g. segment creation): this group never becomes durable
    if (err) return this.#fail(err);
    const b = this.#inFlight!;
    this.#inFlightWritten += written;
    if (this.#inFlightWritten < b.used) {
      if (written === 0) return this.#fail(new Error('journal write made no progress'));
      return this.#writeMore();
    }
    this.#writtenEnd = b.start + b.used;
    if (this.durability === 'fsync') this.#fs.fdatasync(b.segment.fd, this.#onSynced);
    else this.#synced(null);
  }

  #synced(err: NodeJS.ErrnoException | null): void {
    if (this.#failure) return;
    if (err) return this.#fail(err);
    const b = this.#inFlight!;
    this.#inFlight = null;
    if (b.lastRecord >= 0) this.#durable = b.start + b.lastRecord;
    b.segment.pending--;
    this.#maybeCloseSegment(b.segment);
    b.used = 0;
    b.lastRecord = -1;
    this.#free.push(b);
    // Fire callbacks whose positions are now durable, in order.
    const q = this.#waitPos;
    let n = 0;
    while (n < q.length && q[n]! <= this.#durable) n++;
    if (n > 0) {
      const cbs = this.#waitCb.splice(0, n);
      q.splice(0, n);
      for (let i = 0; i < cbs.length; i++) cbs[i]!();
    }
    if (this.#sealed.length > 0 || this.#active.used > 0) this.#flush();
    else this.#notifyIdle();
  }

  #fail(err: Error): void {
    if (this.#failure) return;
    this.#failure = new GatewayError(JournalErrorCode.JOURNAL_FAILED, `journal I/O failed: ${err.message}`, { dir: this.dir }, { cause: err });
    this.#inFlight = null;
    const ls = this.#failureListeners.splice(0);
    for (const l of ls) l(this.#failure);
    this.#notifyIdle();
  }

  #isIdle(): boolean {
    return this.#failure !== null || (this.#inFlight === null && this.#sealed.length === 0 && this.#active.used === 0);
  }

  #notifyIdle(): void {
    if (!this.#isIdle()) return;
    const ws = this.#idleWaiters.splice(0);
    for (const w of ws) w();
  }

  // ---- reader internals

  #findBuffer(position: number): WriteBuffer | null {
    const a = this.#active;
    if (position >= a.start && position < a.start + a.used) return a;
    const f = this.#inFlight;
    if (f && position >= f.start && position < f.start + f.used) return f;
    for (const s of this.#sealed) if (position >= s.start && position < s.start + s.used) return s;
    return null;
  }

  #window: CrcBuffer = { bytes: Buffer.alloc(0), words: new Int32Array(0), arenaOffset: -1 };
  #windowStart = 0;
  #windowEnd = 0;

  #readFromFile(position: number): Uint8Array {
    if (position < 0 || position >= this.#writtenEnd) {
      throw new GatewayError(JournalErrorCode.JOURNAL_CORRUPT, 'no record at this position', { position });
    }
    if (position < this.#windowStart || position + RECORD_HEADER_LENGTH > this.#windowEnd) this.#fillWindow(position, RECORD_HEADER_LENGTH);
    let off = position - this.#windowStart;
    const len = this.#window.bytes.readUInt32LE(off);
    if (len < RECORD_HEADER_LENGTH || position + len > this.#writtenEnd) {
      throw new GatewayError(JournalErrorCode.JOURNAL_CORRUPT, 'bad record length', { position, len });
    }
    if (position + len > this.#windowEnd) {
      this.#fillWindow(position, len);
      off = 0;
    }
    const w = this.#window.bytes;
    const stored = w.readUInt32LE(off + 4);
    w.writeUInt32LE(0, off + 4);
    const crc = crcOf(this.#arena, this.#window, 0, off, len);
    w.writeUInt32LE(stored, off + 4);
    if (crc !== stored || w.readUIntLE(off + 8, 6) !== position) {
      throw new GatewayError(JournalErrorCode.JOURNAL_CORRUPT, 'record does not check (CRC or position)', { position });
    }
    this.readOffset = off;
    this.readLength = len;
    return w;
  }

  /** Read from `position` to (at most) the end of its segment and of written data, at least `min` bytes. */
  #fillWindow(position: number, min: number): void {
    const segIndex = Math.floor(position / this.segmentBytes);
    const segStart = segIndex * this.segmentBytes;
    let fd = this.#readFds.get(segIndex);
    if (fd === undefined) {
      fd = this.#fs.openSync(path.join(this.dir, segmentName(segStart)), 'r');
      this.#readFds.set(segIndex, fd);
    }
    if (this.#window.bytes.length < min) {
      // Once, at the size every record fits (records are at most bufferBytes); larger only for a damaged length.
      const size = Math.max(min, windowBytes(this.bufferBytes));
      this.#window = size === windowBytes(this.bufferBytes) && this.#windowAt >= 0 ? crcBufferAt(this.#arena!, this.#windowAt, size) : allocCrcBuffer(null, size);
    }
    const win = this.#window.bytes;
    const limit = Math.min(segStart + this.segmentBytes, this.#writtenEnd);
    const want = Math.min(win.length, limit - position);
    let got = 0;
    while (got < want) {
      const n = this.#fs.readSync(fd, win, got, want - got, position - segStart + got);
      if (n === 0) break;
      got += n;
    }
    this.#windowStart = position;
    this.#windowEnd = position + got;
    if (got < min) throw new GatewayError(JournalErrorCode.JOURNAL_CORRUPT, 'short read', { position, got, min });
  }
}

const TIME_ORIGIN_MS = performance.timeOrigin;
function defaultNowNs(): number {
  return (TIME_ORIGIN_MS + performance.now()) * 1e6;
}

/** Write a record header; crc32c is left zero (computed by the caller over the whole record). */
function writeHeader(v: DataView, at: number, length: number, position: number, nowNs: number, recordType: number, flags: number, sessionId: number): void {
  v.setUint32(at, length, true);
  v.setUint32(at + 4, 0, true);
  v.setUint32(at + 8, position >>> 0, true);
  v.setUint32(at + 12, Math.floor(position / 4294967296), true);
  writeU64(v, at + 16, nowNs);
  v.setUint16(at + 24, recordType, true);
  v.setUint16(at + 26, flags, true);
  v.setUint32(at + 28, sessionId, true);
}

/** Write a non-negative double as uint64 LE (exact below 2^53; above, the double's own value). */
export function writeU64(v: DataView, at: number, value: number): void {
  const hi = Math.floor(value / 4294967296);
  v.setUint32(at, (value - hi * 4294967296) >>> 0, true);
  v.setUint32(at + 4, hi >>> 0, true);
}

/**
 * Group-commit buffers the arena has room for: 16 (a disk stall of 16 buffers before any falls back to
 * the JS CRC), fewer when buffers are very large (the arena stays within ~256 MiB). Room is address
 * space only until a buffer is first used, as with plain buffers, which are never freed either.
 */
function arenaWriteBuffers(bufferBytes: number): number {
  return Math.max(2, Math.min(16, Math.floor((256 * 1024 * 1024) / bufferBytes)));
}

/** Size of the resend read window: at least 1 MiB, and every record fits. */
function windowBytes(bufferBytes: number): number {
  return Math.max(1024 * 1024, bufferBytes);
}

/**
 * Arena room: the recovery scan buffer first (released after open), then the resend window and at least
 * arenaWriteBuffers() write buffers.
 */
function arenaCapacity(segmentBytes: number, bufferBytes: number): number {
  const scan = scanBufferBytes(segmentBytes, bufferBytes) + 64;
  const run = arenaWriteBuffers(bufferBytes) * (bufferBytes + 64) + windowBytes(bufferBytes) + 64;
  return Math.max(scan, run);
}

/** A buffer of `length` bytes, in `arena` when it has room (then not zeroed: callers write before they read). */
function allocCrcBuffer(arena: Crc32cArena | null, length: number): CrcBuffer {
  const at = arena !== null ? arena.alloc(length) : -1;
  if (at >= 0) return crcBufferAt(arena!, at, length);
  const bytes = Buffer.alloc(length);
  return { bytes, words: new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2), arenaOffset: -1 };
}

function crcBufferAt(arena: Crc32cArena, at: number, length: number): CrcBuffer {
  const bytes = Buffer.from(arena.buffer, at, length);
  return { bytes, words: new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2), arenaOffset: at };
}

/** crc32cUpdate over `b.bytes[at, at + length)`, `at` 4-aligned: the wasm engine when `b` is in the arena. */
function crcOf(arena: Crc32cArena | null, b: CrcBuffer, crc: number, at: number, length: number): number {
  return b.arenaOffset >= 0 ? arena!.update(crc, b.arenaOffset + at, length) : crc32cUpdateAligned(crc, b.bytes, b.words, at, length);
}

/** Open segment `index`, creating it full size (zero-filled) and syncing the directory when new. */
function openSegment(fs: JournalFs, dir: string, index: number, segmentBytes: number): Segment {
  const start = index * segmentBytes;
  const file = path.join(dir, segmentName(start));
  const fd = fs.openSync(file, nodeFs.constants.O_RDWR | nodeFs.constants.O_CREAT, 0o644);
  const size = fs.fstatSync(fd).size;
  if (size > segmentBytes) {
    fs.closeSync(fd);
    throw new GatewayError(JournalErrorCode.JOURNAL_CONFIG, 'existing segment is larger than segmentBytes', { file, size, segmentBytes });
  }
  if (size < segmentBytes) {
    fs.ftruncateSync(fd, segmentBytes);
    fs.fsyncSync(fd);
    syncDir(fs, dir);
  }
  return { index, start, fd, pending: 0 };
}

function syncDir(fs: JournalFs, dir: string): void {
  const d = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(d);
  } finally {
    fs.closeSync(d);
  }
}

// ---- recovery

const SCAN_CHUNK = 8 * 1024 * 1024;

/** Recovery's chunk buffer: a chunk plus the largest record (a record is never larger than a buffer). */
function scanBufferBytes(segmentBytes: number, bufferBytes: number): number {
  return Math.min(SCAN_CHUNK, segmentBytes) + bufferBytes + RECORD_HEADER_LENGTH;
}

/**
 * Is there a valid record at `off` in `cb.bytes` for stream position `pos`? Returns its length or 0.
 * (The stored CRC is zeroed for the check and put back: the buffer is recovery's own.)
 */
function validRecordAt(arena: Crc32cArena | null, cb: CrcBuffer, off: number, avail: number, pos: number, segRemain: number): number {
  const buf = cb.bytes;
  if (avail < RECORD_HEADER_LENGTH) return 0;
  const len = buf.readUInt32LE(off);
  if (len < RECORD_HEADER_LENGTH || len > avail || len > segRemain) return 0;
  if (buf.readUInt32LE(off + 8) !== pos >>> 0 || buf.readUInt32LE(off + 12) !== Math.floor(pos / 4294967296)) return 0;
  const rt = buf.readUInt16LE(off + 24);
  if (rt > RT_MAX || (rt === RT_PADDING && len !== RECORD_HEADER_LENGTH)) return 0;
  const stored = cb.words[(off >> 2) + 1]!;
  cb.words[(off >> 2) + 1] = 0;
  const crc = crcOf(arena, cb, 0, off, len);
  cb.words[(off >> 2) + 1] = stored;
  return crc === stored >>> 0 ? len : 0;
}

function recover(fs: JournalFs, dir: string, segmentBytes: number, window: number, onCorruption: 'throw' | 'truncate', arena: Crc32cArena | null, visit?: RecordVisitor): RecoveryReport {
  const t0 = performance.now();
  const segs = listSegments(fs, dir);
  const report: RecoveryReport = { segments: segs.length, records: 0, endPosition: 0, lastPosition: -1, truncatedAt: -1, discardedBytes: 0, discardedRecords: 0, corruption: false, durationMs: 0 };
  for (let i = 0; i < segs.length; i++) {
    if (segs[i]!.start !== i * segmentBytes) {
      throw new GatewayError(JournalErrorCode.JOURNAL_CORRUPT, 'segment files are not contiguous for this segmentBytes', { file: segs[i]!.file, expectedStart: i * segmentBytes });
    }
  }
  const chunk = Math.min(SCAN_CHUNK, segmentBytes);
  const cb = allocCrcBuffer(arena, scanBufferBytes(segmentBytes, window));
  const buf = cb.bytes;
  let end = -1; // stream position of the first invalid byte, when found
  let segIdx = 0;
  for (; segIdx < segs.length && end < 0; segIdx++) {
    const seg = segs[segIdx]!;
    const fd = fs.openSync(seg.file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      if (size > segmentBytes) {
        throw new GatewayError(JournalErrorCode.JOURNAL_CONFIG, 'existing segment is larger than segmentBytes', { file: seg.file, size, segmentBytes });
      }
      let bufStart = 0; // file offset of buf[0]
      let bufLen = 0;
      let off = 0; // file offset of the next record
      for (;;) {
        if (off + RECORD_HEADER_LENGTH > size) {
          // Segment exhausted (fewer than 32 bytes left). Continue with the next segment.
          if (size < segmentBytes) end = seg.start + off; // a short (unfinished) segment ends the stream
          break;
        }
        // Make sure buf holds [off, off + 32) and, if possible, the whole record.
        let rel = off - bufStart;
        if (rel + RECORD_HEADER_LENGTH > bufLen || (rel + buf.readUInt32LE(rel) > bufLen && bufStart + bufLen < size)) {
          bufStart = off;
          bufLen = readFully(fs, fd, buf, 0, Math.min(buf.length, size - off), off);
          // (buf holds a chunk plus the largest possible record, so the record at `off` fits.)
          rel = 0;
        }
        const len = validRecordAt(arena, cb, rel, bufLen - rel, seg.start + off, size - off);
        if (len === 0) {
          end = seg.start + off;
          break;
        }
        const rt = buf.readUInt16LE(rel + 24);
        const pos = seg.start + off;
        report.records++;
        report.lastPosition = pos;
        if (rt === RT_PADDING) {
          off = size; // rest of the segment is filler
          if (size < segmentBytes) end = seg.start + size;
          break;
        }
        if (visit) visit(rt, buf.readUInt32LE(rel + 28), pos, buf, rel, len);
        off += align8(len);
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  if (end < 0) end = segs.length * segmentBytes; // every segment full (or none)
  report.endPosition = end;
  // Look at everything after `end`: non-zero bytes are discarded; a valid record beyond the window is corruption.
  const tail = scanTail(fs, segs, segmentBytes, end, arena, cb, chunk);
  if (tail.lastNonZero >= end) {
    report.truncatedAt = end;
    report.discardedBytes = tail.lastNonZero + 1 - end;
    report.discardedRecords = tail.validRecords;
    if (tail.farthestValid >= end + window) {
      if (onCorruption === 'throw') {
        throw new GatewayError(JournalErrorCode.JOURNAL_CORRUPT, 'damaged record followed by valid records: corruption, not a torn tail', {
          position: end,
          validRecordAt: tail.farthestValid,
          window,
        });
      }
      report.corruption = true;
    }
    truncate(fs, dir, segs, segmentBytes, end);
  } else if (segs.length > Math.floor(end / segmentBytes) + 1) {
    truncate(fs, dir, segs, segmentBytes, end); // empty segments past the end
  }
  report.durationMs = performance.now() - t0;
  return report;
}

function readFully(fs: JournalFs, fd: number, buf: Buffer, at: number, length: number, position: number): number {
  let got = 0;
  while (got < length) {
    const n = fs.readSync(fd, buf, at + got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

/** From `end` to the end of all segments: last non-zero byte, count and farthest position of valid-looking records. */
function scanTail(fs: JournalFs, segs: { start: number; file: string }[], segmentBytes: number, end: number, arena: Crc32cArena | null, cb: CrcBuffer, chunk: number): { lastNonZero: number; validRecords: number; farthestValid: number } {
  const buf = cb.bytes;
  let lastNonZero = -1;
  let validRecords = 0;
  let farthestValid = -1;
  const zero = Buffer.alloc(chunk);
  for (let i = Math.floor(end / segmentBytes); i < segs.length; i++) {
    const seg = segs[i]!;
    const fd = fs.openSync(seg.file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      let off = Math.max(0, end - seg.start);
      while (off < size) {
        const n = readFully(fs, fd, buf, 0, Math.min(buf.length, size - off), off);
        if (n === 0) break;
        const step = Math.min(n, chunk);
        if (!(step === chunk ? buf.subarray(0, step).equals(zero) : buf.subarray(0, step).equals(zero.subarray(0, step)))) {
          for (let j = 0; j < step; j += 8) {
            if (buf.readUInt32LE(j) === 0 && buf.readUInt32LE(j + 4) === 0) continue;
            const pos = seg.start + off + j;
            lastNonZero = pos + 7;
            // Candidate record: cheap position check first.
            if (buf.readUInt32LE(j + 8) === pos >>> 0 && validRecordAt(arena, cb, j, n - j, pos, size - off - j) > 0) {
              validRecords++;
              farthestValid = pos;
            }
          }
        }
        off += step;
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  return { lastNonZero, validRecords, farthestValid };
}

/** Make `end` the end of the stream: zero its segment from there, remove later segments, sync. */
function truncate(fs: JournalFs, dir: string, segs: { start: number; file: string }[], segmentBytes: number, end: number): void {
  const index = Math.floor(end / segmentBytes);
  for (let i = segs.length - 1; i > index; i--) fs.unlinkSync(segs[i]!.file);
  if (index < segs.length) {
    const fd = fs.openSync(segs[index]!.file, 'r+');
    try {
      fs.ftruncateSync(fd, end - index * segmentBytes);
      fs.ftruncateSync(fd, segmentBytes);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
  syncDir(fs, dir);
}
