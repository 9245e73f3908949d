/**
 * Operator tools over a journal directory: `journal verify`, `journal dump`, `journal replay`.
 *
 * Read-only by construction: segment files are opened with O_RDONLY and nothing is ever written,
 * truncated or removed, so the tools are safe against the directory of a running gateway (they then
 * see a snapshot: the group being flushed at that moment may show as a torn tail). Journal.open is not
 * used because it repairs (truncates) what it finds; the scan here is a second implementation of the
 * documented layout (src/journal/journal.ts module comment, schemas/gateway-internal.xml RecordHeader):
 * - segments `<20-digit start>.journal`, contiguous at multiples of segmentBytes (inferred from the
 *   file names, or from the single segment's size);
 * - a record = RecordHeader (length u32, crc32c u32, position u64, timestampNs u64, recordType u16,
 *   flags u16, sessionId u32) + one SBE message, at 8-aligned positions, never straddling segments; a
 *   Padding record (header only) ends a segment; fewer than 32 bytes left also end it;
 * - a record is valid when length >= 32 and fits, position equals where it lies, recordType <= 4
 *   (Padding only with length 32), and CRC-32C over the record with the crc field as zero matches.
 *
 * Scan = two phases, with the same rule as recovery (Journal.open):
 * 1. Follow the chain of valid records from the start; stop at the first invalid one (`endPosition`).
 *    What comes before it is what recovery keeps (`records`, `byType`, first/last position).
 * 2. Look at everything after it to the end of the last segment: the last non-zero byte, every
 *    8-aligned position holding a valid record (counted, skipped over) or a record whose header is
 *    plausible but whose CRC does not match (a CRC failure: expected = CRC stored in the header,
 *    found = CRC computed over the bytes now).
 * Result: nothing non-zero after the end: clean (exit 0). Otherwise a torn tail (exit 3: `start`
 * truncates it) unless a valid record lies `bufferBytes` (the writer's group-commit buffer, default
 * 4 MiB as the gateway uses) or more past the end: then a completed flush followed damaged data,
 * which is corruption (exit 4: `start` refuses to open). Structural problems (segment names not
 * contiguous, a segment larger than segmentBytes) are corruption too.
 *
 * Thread: everything here runs synchronously on the calling thread (CLI and offline tools).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GatewayError } from '../codec/errors.js';
import { formatFixed } from '../codec/decimal.js';
import { civilFromDays, LOCAL_MKT_DATE_NULL } from '../codec/timestamp.js';
import { Crc32cArena, crc32cUpdateAligned } from '../journal/crc32c.js';
import { defaultFs, listSegments, RECORD_HEADER_LENGTH, type RecordVisitor, RT_ENGINE, RT_INBOUND, RT_OUTBOUND, RT_PADDING, RT_SESSION } from '../journal/journal.js';
import { MessageHeaderDecoder } from '../generated/gateway-internal/MessageHeader.js';
import { InboundMessageDecoder } from '../generated/gateway-internal/InboundMessage.js';
import { OutboundMessageDecoder } from '../generated/gateway-internal/OutboundMessage.js';
import { SessionLogonDecoder } from '../generated/gateway-internal/SessionLogon.js';
import { SessionLogoutDecoder } from '../generated/gateway-internal/SessionLogout.js';
import { SequenceResetDecoder } from '../generated/gateway-internal/SequenceReset.js';
import { TradeStageChangedDecoder } from '../generated/gateway-internal/TradeStageChanged.js';
import { PositionChangedDecoder } from '../generated/gateway-internal/PositionChanged.js';
import { MarginCalculatedDecoder } from '../generated/gateway-internal/MarginCalculated.js';
import { CollateralMovedDecoder } from '../generated/gateway-internal/CollateralMoved.js';
import { TradeStage } from '../generated/gateway-internal/TradeStage.js';
import { LogoutReason } from '../generated/gateway-internal/LogoutReason.js';
import { SessionProtocol } from '../generated/gateway-internal/SessionProtocol.js';
import { SeqDirection } from '../generated/gateway-internal/SeqDirection.js';
import { MarginAmtType } from '../generated/gateway-internal/MarginAmtType.js';
import { CollateralDirection } from '../generated/gateway-internal/CollateralDirection.js';
import { CollateralKind } from '../generated/gateway-internal/CollateralKind.js';
import { MessageEncoding } from '../generated/gateway-internal/MessageEncoding.js';
import { type Progress, progress, type ProgressStream, formatBytes, formatCount } from './progress.js';

/** Exit codes of the journal commands (cli.ts convention: 1 runtime failure, 2 bad usage). */
export const JournalExit = { CLEAN: 0, FAILURE: 1, USAGE: 2, TORN_TAIL: 3, CORRUPT: 4 } as const;

export const JournalToolsErrorCode = {
  /** The directory does not exist or is not a directory. */
  JOURNAL_TOOLS_DIR: 'JOURNAL_TOOLS_DIR',
  /** A bad option (segmentBytes, bufferBytes, from, type, ...). */
  JOURNAL_TOOLS_OPTION: 'JOURNAL_TOOLS_OPTION',
} as const;

const DEFAULT_BUFFER_BYTES = 4 * 1024 * 1024;
const CHUNK = 8 * 1024 * 1024;
const TAIL_BLOCK = 64 * 1024;
const TWO32 = 4294967296;

export type RecordTypeName = 'padding' | 'inbound' | 'outbound' | 'engine' | 'session';
const TYPE_NAMES: readonly RecordTypeName[] = ['padding', 'inbound', 'outbound', 'engine', 'session'];
const TYPE_CODES: Readonly<Record<string, number>> = { inbound: RT_INBOUND, outbound: RT_OUTBOUND, engine: RT_ENGINE, session: RT_SESSION };

/** Why the chain of valid records stopped. */
export type StopReason = 'end' | 'zero' | 'length' | 'position' | 'type' | 'crc' | 'short-segment' | 'segment-size';

export interface CrcFailure {
  position: number;
  length: number;
  /** CRC-32C stored in the record header (what the writer computed), 0x-hex. */
  expected: string;
  /** CRC-32C computed over the record's bytes now, 0x-hex. */
  found: string;
}

export interface ScanReport {
  dir: string;
  segmentBytes: number;
  segments: { file: string; start: number; size: number }[];
  /** Valid records before the first invalid one (Padding included), from the scan start. */
  records: number;
  byType: Record<RecordTypeName, number>;
  /** First and last valid record position of the intact part; -1 when none. */
  firstPosition: number;
  lastPosition: number;
  /** Where the intact part ends (the position the next record would take). */
  endPosition: number;
  /** Why the chain stopped at endPosition ('end': all segments full, or the scan was stopped early). */
  stopReason: StopReason;
  /** Records with a plausible header whose CRC does not match (at most `maxCrcFailures` listed). */
  crcFailures: CrcFailure[];
  crcFailureCount: number;
  /** Non-zero data after endPosition that recovery would truncate; null when none or corrupt. */
  tornTail: { position: number; bytes: number; records: number } | null;
  /** Damage followed by valid data further than bufferBytes: recovery refuses to open. */
  corruption: { position: number; validRecordAt: number; recordsAfter: number; bytes: number; problem?: string } | null;
  status: 'clean' | 'torn-tail' | 'corrupt';
  exitCode: 0 | 3 | 4;
  /** The visitor stopped the scan (dump --limit): nothing after was looked at, status is 'clean'. */
  stoppedEarly: boolean;
  durationMs: number;
}

/** Like RecordVisitor; returning false stops the scan. `buf[offset, offset + length)` is valid during the call only. */
export type ScanVisitor = (recordType: number, sessionId: number, position: number, buf: Uint8Array, offset: number, length: number) => boolean | void;

export interface ScanOptions {
  /** Segment size; default inferred from the segment files. */
  segmentBytes?: number;
  /** The writer's group-commit buffer size: the torn-tail window (default 4 MiB, the gateway's). */
  bufferBytes?: number;
  /** Visit records from this position on; scanning starts at the segment holding it. Default 0. */
  from?: number;
  /** Called for each valid non-Padding record of the intact part at or after `from`, in order. */
  visit?: ScanVisitor;
  /** Progress, fed with bytes covered since the scan start (total = sizes of the scanned segments). */
  progress?: (totalBytes: number) => Progress;
  /** Most CRC failures listed (all are counted). Default 1000. */
  maxCrcFailures?: number;
}

/** Sequential reader over one segment at a time, with a buffer that holds a chunk plus the largest record. */
class SegmentReader {
  readonly buf: Buffer;
  readonly words: Int32Array;
  readonly #arena: Crc32cArena | null;
  readonly #arenaAt: number;
  #fd = -1;
  /** Stream position of the open segment's byte 0, and the file's size. */
  segStart = 0;
  size = 0;
  /** Stream position of buf[0] and valid bytes in buf. */
  #bufPos = 0;
  #bufLen = 0;
  /** Incremented on every (re)load: offsets from before are stale. */
  loads = 0;

  constructor(capacity: number) {
    // The wasm CRC engine when available (as the journal's own recovery), else the JS tables.
    const arena = Crc32cArena.create(capacity + 128);
    const at = arena !== null ? arena.alloc(capacity) : -1;
    this.#arena = at >= 0 ? arena : null;
    this.#arenaAt = at;
    this.buf = at >= 0 ? Buffer.from(arena!.buffer, at, capacity) : Buffer.alloc(capacity);
    this.words = new Int32Array(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength >> 2);
  }

  open(file: string, start: number): void {
    this.close();
    this.#fd = fs.openSync(file, fs.constants.O_RDONLY);
    this.size = fs.fstatSync(this.#fd).size;
    this.segStart = start;
    this.#bufPos = start;
    this.#bufLen = 0;
  }

  /** Offset in buf of stream position `pos` with `n` bytes after it loaded (pos + n within the file). */
  at(pos: number, n: number): number {
    const rel = pos - this.#bufPos;
    if (rel >= 0 && rel + n <= this.#bufLen) return rel;
    const fileOff = pos - this.segStart;
    const want = Math.min(this.buf.length, this.size - fileOff);
    let got = 0;
    while (got < want) {
      const k = fs.readSync(this.#fd, this.buf, got, want - got, fileOff + got);
      if (k === 0) break;
      got += k;
    }
    this.#bufPos = pos;
    this.#bufLen = got;
    this.loads++;
    if (got < n) throw new GatewayError('JOURNAL_TOOLS_IO', 'short read (the segment file shrank while being read?)', { position: pos, got, want: n });
    return 0;
  }

  /** CRC-32C of buf[off, off + len) with the header's crc field read as zero (off 8-aligned). */
  crc(off: number, len: number): number {
    const i = (off >> 2) + 1;
    const stored = this.words[i]!;
    this.words[i] = 0;
    const c = this.#arena !== null ? this.#arena.update(0, this.#arenaAt + off, len) : crc32cUpdateAligned(0, this.buf, this.words, off, len);
    this.words[i] = stored;
    return c >>> 0;
  }

  close(): void {
    if (this.#fd >= 0) fs.closeSync(this.#fd);
    this.#fd = -1;
  }

  release(): void {
    this.close();
    this.#arena?.recycle();
  }
}

const R_ZERO = -1;
const R_LENGTH = -2;
const R_POSITION = -3;
const R_TYPE = -4;
const R_CRC = -5;
const REASONS: Record<number, StopReason> = { [R_ZERO]: 'zero', [R_LENGTH]: 'length', [R_POSITION]: 'position', [R_TYPE]: 'type', [R_CRC]: 'crc' };

const align8 = (n: number): number => (n + 7) & ~7;

/**
 * Scan a journal directory read-only (see the module comment). Throws GatewayError
 * JOURNAL_TOOLS_DIR when `dir` is not a directory, JOURNAL_TOOLS_OPTION for bad options.
 */
export function scanJournal(dir: string, options: ScanOptions = {}): ScanReport {
  const t0 = performance.now();
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch (e) {
    throw new GatewayError(JournalToolsErrorCode.JOURNAL_TOOLS_DIR, `journal directory ${dir} ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be read'}`, { dir });
  }
  if (!st.isDirectory()) throw new GatewayError(JournalToolsErrorCode.JOURNAL_TOOLS_DIR, `${dir} is not a directory`, { dir });
  const window = options.bufferBytes ?? DEFAULT_BUFFER_BYTES;
  const from = options.from ?? 0;
  if (!Number.isSafeInteger(window) || window < 4096) throw new GatewayError(JournalToolsErrorCode.JOURNAL_TOOLS_OPTION, 'bufferBytes must be an integer >= 4096', { bufferBytes: window });
  if (!Number.isSafeInteger(from) || from < 0) throw new GatewayError(JournalToolsErrorCode.JOURNAL_TOOLS_OPTION, 'from must be a non-negative integer position', { from });
  const segs = listSegments(defaultFs, dir).map((s) => ({ ...s, size: fs.statSync(s.file).size }));
  const segmentBytes = options.segmentBytes ?? (segs.length >= 2 ? segs[1]!.start - segs[0]!.start : segs.length === 1 ? Math.max(segs[0]!.size, 4096) : 0);
  const report: ScanReport = {
    dir,
    segmentBytes,
    segments: segs.map((s) => ({ file: path.basename(s.file), start: s.start, size: s.size })),
    records: 0,
    byType: { padding: 0, inbound: 0, outbound: 0, engine: 0, session: 0 },
    firstPosition: -1,
    lastPosition: -1,
    endPosition: 0,
    stopReason: 'end',
    crcFailures: [],
    crcFailureCount: 0,
    tornTail: null,
    corruption: null,
    status: 'clean',
    exitCode: 0,
    stoppedEarly: false,
    durationMs: 0,
  };
  const finish = (): ScanReport => {
    report.durationMs = performance.now() - t0;
    return report;
  };
  if (segs.length === 0) return finish();
  if (!Number.isSafeInteger(segmentBytes) || segmentBytes <= 0 || segmentBytes % 8 !== 0) {
    return corrupt(report, 0, `segment size ${segmentBytes} inferred from the file names is not a positive multiple of 8`, finish);
  }
  for (let i = 0; i < segs.length; i++) {
    if (segs[i]!.start !== i * segmentBytes) {
      return corrupt(report, i * segmentBytes, `segment files are not contiguous: ${path.basename(segs[i]!.file)} where the segment starting at ${i * segmentBytes} should be`, finish);
    }
  }
  const startSeg = Math.min(Math.floor(from / segmentBytes), segs.length);
  const scanStart = startSeg * segmentBytes;
  let totalBytes = 0;
  for (let i = startSeg; i < segs.length; i++) totalBytes += segs[i]!.size;
  const prog = options.progress?.(totalBytes);
  const maxRecord = Math.min(CHUNK, segmentBytes) + Math.max(window, DEFAULT_BUFFER_BYTES) + RECORD_HEADER_LENGTH;
  const reader = new SegmentReader(maxRecord + Math.min(CHUNK, segmentBytes));
  const buf = reader.buf;
  let crcStored = 0;
  let crcComputed = 0;
  /** The record at `pos` (fileAvail bytes of the segment file from pos): its length, or an R_* reason. Sets recOff. */
  let recOff = 0;
  const check = (pos: number, fileAvail: number): number => {
    let o = reader.at(pos, RECORD_HEADER_LENGTH);
    const len = buf.readUInt32LE(o);
    if (len === 0) return R_ZERO;
    if (len < RECORD_HEADER_LENGTH || len > fileAvail || len > maxRecord) return R_LENGTH;
    if (buf.readUInt32LE(o + 8) !== pos >>> 0 || buf.readUInt32LE(o + 12) !== Math.floor(pos / TWO32)) return R_POSITION;
    const rt = buf.readUInt16LE(o + 24);
    if (rt > RT_SESSION || (rt === RT_PADDING && len !== RECORD_HEADER_LENGTH)) return R_TYPE;
    o = reader.at(pos, len);
    crcStored = buf.readUInt32LE(o + 4);
    crcComputed = reader.crc(o, len);
    recOff = o;
    return crcComputed === crcStored ? len : R_CRC;
  };
  try {
    // ---- phase 1: the chain of valid records
    let end = -1;
    const visit = options.visit;
    for (let si = startSeg; si < segs.length && end < 0; si++) {
      const seg = segs[si]!;
      reader.open(seg.file, seg.start);
      const size = reader.size;
      if (size > segmentBytes) {
        reader.close();
        return corrupt(report, seg.start, `segment ${path.basename(seg.file)} is ${size} bytes, larger than the segment size ${segmentBytes}`, finish);
      }
      let off = 0;
      for (;;) {
        if (off + RECORD_HEADER_LENGTH > size) {
          if (size < segmentBytes) {
            end = seg.start + off; // a short (unfinished) segment ends the stream
            report.stopReason = 'short-segment';
          }
          break;
        }
        const pos = seg.start + off;
        const len = check(pos, size - off);
        if (len < 0) {
          end = pos;
          report.stopReason = REASONS[len]!;
          break;
        }
        const rt = buf.readUInt16LE(recOff + 24);
        report.records++;
        report.byType[TYPE_NAMES[rt]!]++;
        if (report.firstPosition < 0) report.firstPosition = pos;
        report.lastPosition = pos;
        if (rt === RT_PADDING) {
          if (size < segmentBytes) {
            end = seg.start + size;
            report.stopReason = 'short-segment';
          }
          break; // the rest of the segment is filler
        }
        if (visit !== undefined && pos >= from && visit(rt, buf.readUInt32LE(recOff + 28), pos, buf, recOff, len) === false) {
          report.stoppedEarly = true;
          report.endPosition = pos + align8(len);
          prog?.finish('stopped');
          return finish();
        }
        off += align8(len);
        prog?.update(pos + len - scanStart);
      }
    }
    if (end < 0) end = segs.length * segmentBytes;
    report.endPosition = end;

    // ---- phase 2: everything after the end
    const maxList = options.maxCrcFailures ?? 1000;
    let lastNonZero = -1;
    let validAfter = 0;
    let farthestValid = -1;
    const zero = Buffer.alloc(TAIL_BLOCK + RECORD_HEADER_LENGTH);
    for (let si = Math.floor(end / segmentBytes); si < segs.length; si++) {
      const seg = segs[si]!;
      reader.open(seg.file, seg.start);
      const fileEnd = seg.start + reader.size;
      let p = Math.max(end, seg.start);
      while (p + 8 <= fileEnd) {
        const n = Math.min(TAIL_BLOCK, fileEnd - p);
        const nn = Math.min(TAIL_BLOCK + RECORD_HEADER_LENGTH, fileEnd - p); // + a header for candidates at the block's end
        let base = reader.at(p, nn);
        prog?.update(p - scanStart);
        if (buf.compare(zero, 0, n, base, base + n) === 0) {
          p += n;
          continue;
        }
        const blockStart = p;
        const blockEnd = p + n;
        let q = p;
        while (q + 8 <= blockEnd) {
          const o = base + (q - blockStart);
          if (buf.readUInt32LE(o) === 0 && buf.readUInt32LE(o + 4) === 0) {
            q += 8;
            continue;
          }
          lastNonZero = q + 7;
          if (q + RECORD_HEADER_LENGTH <= fileEnd && buf.readUInt32LE(o + 8) === q >>> 0 && buf.readUInt32LE(o + 12) === Math.floor(q / TWO32)) {
            const r = check(q, fileEnd - q);
            if (r > 0) {
              validAfter++;
              farthestValid = q;
              // The last non-zero word of the record (its end may be zero bytes).
              for (let k = align8(r) - 8; k >= 0; k -= 8) {
                if (k + 8 > r ? nonZero(buf, recOff + k, r - k) : buf.readUInt32LE(recOff + k) !== 0 || buf.readUInt32LE(recOff + k + 4) !== 0) {
                  lastNonZero = q + k + 7;
                  break;
                }
              }
              q += align8(r);
              if (q >= blockEnd) break;
              base = reader.at(blockStart, nn);
              continue;
            }
            if (r === R_CRC) {
              report.crcFailureCount++;
              if (report.crcFailures.length < maxList) report.crcFailures.push({ position: q, length: buf.readUInt32LE(recOff), expected: hex8(crcStored), found: hex8(crcComputed) });
            }
            base = reader.at(blockStart, nn);
          }
          q += 8;
        }
        p = Math.max(q, blockEnd);
      }
    }
    prog?.update(totalBytes);
    if (lastNonZero >= end) {
      const bytes = lastNonZero + 1 - end;
      if (farthestValid >= end + window) {
        report.corruption = { position: end, validRecordAt: farthestValid, recordsAfter: validAfter, bytes };
        report.status = 'corrupt';
        report.exitCode = 4;
      } else {
        report.tornTail = { position: end, bytes, records: validAfter };
        report.status = 'torn-tail';
        report.exitCode = 3;
      }
    }
    prog?.finish(report.status);
    return finish();
  } finally {
    reader.release();
  }
}

function nonZero(buf: Buffer, at: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (buf[at + i] !== 0) return true;
  return false;
}

function corrupt(report: ScanReport, position: number, problem: string, finish: () => ScanReport): ScanReport {
  report.endPosition = position;
  report.stopReason = 'segment-size';
  report.corruption = { position, validRecordAt: -1, recordsAfter: 0, bytes: 0, problem };
  report.status = 'corrupt';
  report.exitCode = 4;
  return finish();
}

const hex8 = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

// ---------------------------------------------------------------------------------------------- replay

export interface ReplayOptions {
  segmentBytes?: number;
  bufferBytes?: number;
  /** Progress on stderr (bar on a TTY, lines otherwise): true, or the options for it. Default off. */
  progress?: boolean | { stream?: ProgressStream; everyPercent?: number; now?: () => number; delayMs?: number };
}

export interface ReplayResult {
  /** Records handed to the visitor (Padding is not visited). */
  records: number;
  /** Journal bytes of the intact part (its end position). */
  bytes: number;
  durationMs: number;
  recordsPerSecond: number;
  /** The full scan report: status, torn tail or corruption after the replayed part. */
  report: ScanReport;
}

/**
 * Stream the journal's intact records in position order to `visit` (the same RecordVisitor contract
 * as Journal.open, so the engine's rebuild visitor works offline unchanged), read-only, then classify
 * what follows (torn tail / corruption: see scanJournal). Records after the first invalid one are never
 * visited, as in recovery. Returns the counts and the rate (records/s over the whole call).
 */
export function replayJournal(dir: string, visit: RecordVisitor, options: ReplayOptions = {}): ReplayResult {
  const t0 = performance.now();
  let records = 0;
  const p = options.progress;
  const report = scanJournal(dir, {
    segmentBytes: options.segmentBytes,
    bufferBytes: options.bufferBytes,
    visit: (rt, sid, pos, buf, off, len) => {
      records++;
      visit(rt, sid, pos, buf, off, len);
    },
    progress: p ? (total) => progress(total, 'journal replay', { unit: 'bytes', ...(p === true ? {} : p) }) : undefined,
  });
  const durationMs = performance.now() - t0;
  return { records, bytes: report.endPosition, durationMs, recordsPerSecond: durationMs > 0 ? (records * 1000) / durationMs : 0, report };
}

// ---------------------------------------------------------------------------------------------- decoding

export interface DumpRecord {
  position: number;
  /** Append time (RecordHeader.timestampNs), ISO 8601 UTC with nanoseconds. */
  time: string;
  type: RecordTypeName | 'unknown';
  /** RecordHeader.sessionId; null for engine events (the null value). */
  session: number | null;
  /** RecordFlags set: batchEnd, possDup, gapFill. */
  flags: string[];
  /** Template name, "unknown" when not of this schema. */
  message: string;
  /** Decoded fields: exact decimals as strings, dates as YYYY-MM-DD, 64-bit integers exact. */
  fields: Record<string, unknown>;
  /** FIX text of inbound/outbound messages, SOH shown as '|', passwords masked. */
  fix?: string;
}

const MASKED_TAGS = new Set([554, 925]); // Password, NewPassword
const NULL_U32 = 0xffffffff;

/** Reused flyweights (the dump is single-threaded). */
const dec = {
  header: new MessageHeaderDecoder(),
  inbound: new InboundMessageDecoder(),
  outbound: new OutboundMessageDecoder(),
  logon: new SessionLogonDecoder(),
  logout: new SessionLogoutDecoder(),
  reset: new SequenceResetDecoder(),
  stage: new TradeStageChangedDecoder(),
  position: new PositionChangedDecoder(),
  margin: new MarginCalculatedDecoder(),
  collateral: new CollateralMovedDecoder(),
};

/** Decode the record `buf[off, off + len)` (header included) for display. Never throws on bad bodies. */
export function decodeRecord(buf: Uint8Array, off: number, len: number): DumpRecord {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const position = v.getUint32(off + 8, true) + v.getUint32(off + 12, true) * TWO32;
  const rt = v.getUint16(off + 24, true);
  const flagBits = v.getUint16(off + 26, true);
  const sid = v.getUint32(off + 28, true);
  const flags: string[] = [];
  if (flagBits & 1) flags.push('batchEnd');
  if (flagBits & 2) flags.push('possDup');
  if (flagBits & 4) flags.push('gapFill');
  const rec: DumpRecord = {
    position,
    time: isoNs(v.getUint32(off + 16, true), v.getUint32(off + 20, true)),
    type: TYPE_NAMES[rt] ?? 'unknown',
    session: sid === NULL_U32 ? null : sid,
    flags,
    message: rt === RT_PADDING ? 'Padding' : 'unknown',
    fields: {},
  };
  if (rt === RT_PADDING || len < RECORD_HEADER_LENGTH + MessageHeaderDecoder.ENCODED_LENGTH) return rec;
  const body = off + RECORD_HEADER_LENGTH;
  const bodyEnd = off + len;
  // Decoders bounds-check against the buffer, so view exactly this record.
  const rb = buf.subarray(0, bodyEnd);
  try {
    const h = dec.header.wrap(rb, body);
    if (h.schemaId() !== InboundMessageDecoder.SCHEMA_ID) {
      rec.fields = { schemaId: h.schemaId(), templateId: h.templateId() };
      return rec;
    }
    const bl = h.blockLength();
    const ver = h.version();
    const at = body + MessageHeaderDecoder.ENCODED_LENGTH;
    const f = rec.fields;
    switch (h.templateId()) {
      case InboundMessageDecoder.TEMPLATE_ID: {
        const d = dec.inbound.wrap(rb, at, bl, ver);
        rec.message = 'InboundMessage';
        f['seq'] = u64(d.seqNum());
        f['msgType'] = d.msgType();
        f['connectionId'] = d.connectionId();
        f['receivedTime'] = isoNsBig(d.receivedNs());
        putRaw(rec, d.encoding(), d.rawMessage());
        break;
      }
      case OutboundMessageDecoder.TEMPLATE_ID: {
        const d = dec.outbound.wrap(rb, at, bl, ver);
        rec.message = 'OutboundMessage';
        f['seq'] = u64(d.seqNum());
        f['msgType'] = d.msgType();
        f['causePosition'] = d.causePositionIsNull() ? null : u64(d.causePosition());
        putRaw(rec, d.encoding(), d.rawMessage());
        break;
      }
      case SessionLogonDecoder.TEMPLATE_ID: {
        const d = dec.logon.wrap(rb, at, bl, ver);
        rec.message = 'SessionLogon';
        f['nextInSeqNum'] = u64(d.nextInSeqNum());
        f['nextOutSeqNum'] = u64(d.nextOutSeqNum());
        f['connectionId'] = d.connectionId();
        f['heartBtInt'] = d.heartBtInt();
        f['protocol'] = SessionProtocol.name(d.protocol()) ?? d.protocol();
        f['senderCompID'] = d.senderCompID();
        f['targetCompID'] = d.targetCompID();
        f['member'] = d.memberId();
        break;
      }
      case SessionLogoutDecoder.TEMPLATE_ID: {
        const d = dec.logout.wrap(rb, at, bl, ver);
        rec.message = 'SessionLogout';
        f['reason'] = LogoutReason.name(d.reason()) ?? d.reason();
        f['text'] = d.text();
        break;
      }
      case SequenceResetDecoder.TEMPLATE_ID: {
        const d = dec.reset.wrap(rb, at, bl, ver);
        rec.message = 'SequenceReset';
        f['direction'] = SeqDirection.name(d.direction()) ?? d.direction();
        f['newSeqNo'] = u64(d.newSeqNo());
        f['previousSeqNo'] = u64(d.previousSeqNo());
        f['gapFill'] = d.gapFill() === 1;
        break;
      }
      case TradeStageChangedDecoder.TEMPLATE_ID: {
        const d = dec.stage.wrap(rb, at, bl, ver);
        rec.message = 'TradeStageChanged';
        f['tradeId'] = u64(d.tradeId());
        f['stage'] = TradeStage.name(d.stage()) ?? d.stage();
        f['previousStage'] = d.previousStageIsNull() ? null : (TradeStage.name(d.previousStage()) ?? d.previousStage());
        f['reasonCode'] = d.reasonCodeIsNull() ? null : d.reasonCode();
        f['eventTime'] = isoNsBig(d.timestampNs());
        break;
      }
      case PositionChangedDecoder.TEMPLATE_ID: {
        const d = dec.position.wrap(rb, at, bl, ver);
        rec.message = 'PositionChanged';
        f['member'] = d.memberId();
        f['security'] = d.securityId();
        f['settlDate'] = date(d.settlDate());
        f['netQty'] = formatFixed(d.netQty().mantissa(), 0);
        const m = d.netMoney();
        f['netMoney'] = formatFixed(m.amount().mantissa(), -4);
        f['currency'] = m.currency();
        f['tradeId'] = d.tradeIdIsNull() ? null : u64(d.tradeId());
        f['eventTime'] = isoNsBig(d.timestampNs());
        break;
      }
      case MarginCalculatedDecoder.TEMPLATE_ID: {
        const d = dec.margin.wrap(rb, at, bl, ver);
        rec.message = 'MarginCalculated';
        f['member'] = d.memberId();
        // clearing-journal.ts convention: no member = the business-date marker.
        if (f['member'] === '') f['marker'] = 'businessDate';
        f['currency'] = d.currency();
        f['businessDate'] = date(d.clearingBusinessDate());
        f['totalRequirement'] = formatFixed(d.totalRequirement().mantissa(), -4);
        f['collateralValue'] = formatFixed(d.collateralValue().mantissa(), -4);
        f['excessDeficit'] = formatFixed(d.excessDeficit().mantissa(), -4);
        const accounts: { account: string; requirement: string; components: { type: string | number; amount: string }[] }[] = [];
        const g = d.accounts();
        while (g.hasNext()) {
          g.next();
          const account = g.account();
          const requirement = formatFixed(g.requirement().mantissa(), -4);
          const components: { type: string | number; amount: string }[] = [];
          const c = g.components();
          while (c.hasNext()) {
            c.next();
            components.push({ type: MarginAmtType.name(c.marginAmtType()) ?? c.marginAmtType(), amount: formatFixed(c.amount().mantissa(), -4) });
          }
          accounts.push({ account, requirement, components });
        }
        f['accounts'] = accounts;
        f['eventTime'] = isoNsBig(d.timestampNs());
        break;
      }
      case CollateralMovedDecoder.TEMPLATE_ID: {
        const d = dec.collateral.wrap(rb, at, bl, ver);
        rec.message = 'CollateralMoved';
        f['member'] = d.memberId();
        f['movementId'] = d.movementId();
        f['direction'] = CollateralDirection.name(d.direction()) ?? d.direction();
        f['kind'] = CollateralKind.name(d.kind()) ?? d.kind();
        const a = d.amount();
        f['amount'] = formatFixed(a.amount().mantissa(), -4);
        f['currency'] = a.currency();
        f['valueAfterHaircut'] = formatFixed(d.valueAfterHaircut().mantissa(), -4);
        const q = d.quantity();
        f['quantity'] = q.mantissaIsNull() ? null : formatFixed(q.mantissa(), 0);
        f['security'] = d.securityId() === '' ? null : d.securityId();
        f['eventTime'] = isoNsBig(d.timestampNs());
        break;
      }
      default:
        rec.fields = { templateId: h.templateId() };
    }
  } catch (e) {
    rec.fields['error'] = `undecodable body: ${(e as Error).message}`;
  }
  return rec;
}

function putRaw(rec: DumpRecord, encoding: number, raw: Uint8Array): void {
  if (encoding === MessageEncoding.FixTagValue) rec.fix = fixText(raw);
  else rec.fields['sbe'] = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('hex');
  rec.fields['rawLength'] = raw.length;
}

/**
 * FIX tag=value bytes as one line: SOH as '|', values of Password (554) and NewPassword (925) as
 * '***' (whatever the journal holds: it masks 554 already; this never relies on it), bytes outside
 * printable ASCII as \xNN.
 */
export function fixText(raw: Uint8Array): string {
  let out = '';
  let i = 0;
  const n = raw.length;
  while (i < n) {
    // One field: the tag digits, '=', the value up to SOH.
    let tag = 0;
    let j = i;
    while (j < n && raw[j]! >= 0x30 && raw[j]! <= 0x39 && j - i < 9) tag = tag * 10 + (raw[j++]! - 0x30);
    if (j > i && j < n && raw[j] === 0x3d && MASKED_TAGS.has(tag)) {
      out += `${tag}=***`;
      while (j < n && raw[j] !== 1) j++;
      i = j;
      continue;
    }
    for (; i < n; i++) {
      const c = raw[i]!;
      if (c === 1) {
        out += '|';
        i++;
        break;
      }
      out += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
    }
  }
  return out;
}

function u64(v: bigint): number | string {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

function date(days: number): string | null {
  if (days === LOCAL_MKT_DATE_NULL) return null;
  const c = civilFromDays(days, { year: 0, month: 0, day: 0 });
  return `${String(c.year).padStart(4, '0')}-${String(c.month).padStart(2, '0')}-${String(c.day).padStart(2, '0')}`;
}

function isoNs(lo: number, hi: number): string {
  return isoNsBig((BigInt(hi) << 32n) | BigInt(lo));
}

/** ISO 8601 UTC with nanoseconds; the raw number when outside what Date shows (e.g. the null value). */
function isoNsBig(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  if (!(ms >= 0 && ms < 253402300800000)) return ns.toString(); // before year 10000
  const d = new Date(ms).toISOString();
  return `${d.slice(0, 19)}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}Z`;
}

/** One plain line: position, time, type, session, message, fields (key=value), FIX text last. */
export function formatRecordLine(r: DumpRecord): string {
  const parts = [String(r.position), r.time, r.type, `session=${r.session ?? '-'}`, r.message];
  if (r.flags.length > 0) parts.push(`flags=${r.flags.join(',')}`);
  for (const [k, val] of Object.entries(r.fields)) parts.push(`${k}=${plain(val)}`);
  if (r.fix !== undefined) parts.push(r.fix);
  return parts.join(' ');
}

function plain(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (Array.isArray(v)) return `[${v.map(plain).join('; ')}]`;
  if (typeof v === 'object') {
    return Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${k}:${plain(x)}`)
      .join(' ');
  }
  const s = String(v);
  return s === '' ? '""' : /\s/.test(s) ? JSON.stringify(s) : s;
}

/** JSON line: the DumpRecord with its fields flattened into the top level. */
export function formatRecordJson(r: DumpRecord): string {
  const { fields, fix, ...head } = r;
  return JSON.stringify({ ...head, ...fields, ...(fix !== undefined ? { fix } : {}) });
}

// ---------------------------------------------------------------------------------------------- CLI runners

/** Where a command writes: data lines to `out` (stdout), diagnostics to `err` (stderr). */
export interface ToolIo {
  /** Returns false once the reader went away (e.g. `| head`): the command stops producing. */
  out: (line: string) => boolean | void;
  err: (line: string) => void;
  /** Write out what `out` buffered (called by the commands before they return). */
  flush?: () => void;
  /** Progress stream (default process.stderr). */
  progressStream?: ProgressStream;
  /** Progress quiet period in ms (default 1000: quick runs show no progress). */
  progressDelayMs?: number;
}

/**
 * stdout/stderr for the CLI. stdout is written synchronously in 64 KiB batches with fs.writeSync (the
 * commands run synchronously, so a stream's asynchronous EPIPE would only surface after the whole scan,
 * as an unhandled error): a closed pipe (EPIPE) makes `out` return false, which stops the dump.
 */
export function stdIo(): ToolIo {
  let pending = '';
  let closed = false;
  const flush = (): void => {
    let data = Buffer.from(pending, 'utf8');
    pending = '';
    while (data.length > 0 && !closed) {
      try {
        data = data.subarray(fs.writeSync(1, data));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1); // non-blocking stdout full: wait 1 ms
        else if (code === 'EPIPE') closed = true;
        else throw e;
      }
    }
  };
  return {
    out: (l) => {
      if (closed) return false;
      pending += `${l}\n`;
      if (pending.length >= 65536) flush();
      return !closed;
    },
    err: (l) => void process.stderr.write(`${l}\n`),
    flush,
  };
}
export interface VerifyCommandOptions {
  json?: boolean;
  segmentBytes?: number;
  bufferBytes?: number;
  /** Progress on stderr while scanning (default true; off with --json). */
  progress?: boolean;
}

/** `journal verify <dir>`: prints the report, returns the exit code (0 clean, 3 torn tail, 4 corrupt, 2 usage). */
export function journalVerifyCommand(dir: string, o: VerifyCommandOptions, io: ToolIo = stdIo()): number {
  let r: ScanReport;
  try {
    r = scanJournal(dir, {
      segmentBytes: o.segmentBytes,
      bufferBytes: o.bufferBytes,
      progress: (o.progress ?? !o.json) ? (total) => progress(total, 'journal verify', { unit: 'bytes', stream: io.progressStream, delayMs: io.progressDelayMs }) : undefined,
    });
  } catch (e) {
    return toolError('journal verify', e, io);
  }
  if (o.json) {
    io.out(JSON.stringify(r));
  } else {
    for (const l of verifyLines(r)) io.out(l);
  }
  io.flush?.();
  return r.exitCode;
}

/** The human-readable verify report. */
export function verifyLines(r: ScanReport): string[] {
  const lines = [`journal ${r.dir}: ${r.segments.length} segment(s) of ${r.segmentBytes} bytes`];
  const segs = r.segments.length <= 20 ? r.segments : [...r.segments.slice(0, 10), undefined, ...r.segments.slice(-5)];
  for (const s of segs) lines.push(s === undefined ? `  ... ${r.segments.length - 15} more` : `  segment ${s.file} start ${s.start} size ${s.size}`);
  const t = r.byType;
  lines.push(`records: ${r.records} (inbound ${t.inbound}, outbound ${t.outbound}, engine ${t.engine}, session ${t.session}, padding ${t.padding})`);
  lines.push(`positions: first ${r.firstPosition}, last ${r.lastPosition}, end ${r.endPosition} (${formatBytes(r.endPosition)})`);
  for (const c of r.crcFailures) lines.push(`CRC mismatch at ${c.position} (length ${c.length}): expected ${c.expected} (stored), found ${c.found} (computed)`);
  if (r.crcFailureCount > r.crcFailures.length) lines.push(`... ${r.crcFailureCount - r.crcFailures.length} more CRC mismatch(es)`);
  if (r.tornTail) {
    lines.push(
      `torn tail at ${r.tornTail.position} (stopped: ${r.stopReason}): ${r.tornTail.bytes} bytes after the last valid record${r.tornTail.records > 0 ? ` (holding ${r.tornTail.records} valid record(s) of an unfinished flush)` : ''}; recoverable: the gateway truncates it at start`,
    );
  }
  if (r.corruption) {
    lines.push(
      r.corruption.problem !== undefined
        ? `corruption at ${r.corruption.position}: ${r.corruption.problem}`
        : `corruption at ${r.corruption.position} (stopped: ${r.stopReason}): a valid record at ${r.corruption.validRecordAt} follows the damage (${r.corruption.recordsAfter} valid record(s) after it, ${r.corruption.bytes} bytes); the gateway refuses to start (journal onCorruption "truncate" would drop them)`,
    );
  }
  lines.push(`status: ${r.status} (exit ${r.exitCode}); scanned in ${(r.durationMs / 1000).toFixed(2)} s`);
  return lines;
}

export interface DumpCommandOptions {
  json?: boolean;
  from?: number;
  type?: string;
  session?: number;
  limit?: number;
  segmentBytes?: number;
  bufferBytes?: number;
}

/**
 * `journal dump <dir>`: one line per record of the intact part (filtered), decoded. Returns 0 when the
 * journal is clean or --limit was reached, else the verify exit code (3/4) with a note on stderr.
 */
export function journalDumpCommand(dir: string, o: DumpCommandOptions, io: ToolIo = stdIo()): number {
  let typeCode = -1;
  if (o.type !== undefined) {
    const c = TYPE_CODES[o.type];
    if (c === undefined) {
      io.err(`journal dump: --type must be one of ${Object.keys(TYPE_CODES).join(', ')} (got "${o.type}")`);
      return JournalExit.USAGE;
    }
    typeCode = c;
  }
  const limit = o.limit ?? Infinity;
  if (!(limit > 0)) {
    io.err('journal dump: --limit must be positive');
    return JournalExit.USAGE;
  }
  const from = o.from ?? 0;
  let shown = 0;
  let readerGone = false;
  let r: ScanReport;
  try {
    r = scanJournal(dir, {
      segmentBytes: o.segmentBytes,
      bufferBytes: o.bufferBytes,
      from,
      visit: (rt, sid, pos, buf, off, len) => {
        if (typeCode >= 0 && rt !== typeCode) return true;
        if (o.session !== undefined && sid !== o.session) return true;
        const rec = decodeRecord(buf, off, len);
        if (io.out(o.json ? formatRecordJson(rec) : formatRecordLine(rec)) === false) {
          readerGone = true;
          return false;
        }
        return ++shown < limit;
      },
    });
  } catch (e) {
    io.flush?.();
    return toolError('journal dump', e, io);
  }
  io.flush?.();
  if (readerGone) return JournalExit.CLEAN; // `| head`: the reader had enough
  if (r.status !== 'clean') {
    io.err(`journal dump: ${r.status} at ${r.endPosition} (stopped: ${r.stopReason}); records after it are not shown; see \`journal verify\``);
  }
  return r.exitCode;
}

export interface ReplayCommandOptions {
  json?: boolean;
  segmentBytes?: number;
  bufferBytes?: number;
  /** Progress (default true; forced off by --json). */
  progress?: boolean;
}

/**
 * `journal replay <dir>`: streams every intact record through `visit` (default: none, which measures
 * the read + CRC + dispatch rate) and prints records, bytes, records/s; exit code as verify.
 */
export function journalReplayCommand(dir: string, o: ReplayCommandOptions, io: ToolIo = stdIo(), visit: RecordVisitor = () => {}): number {
  let res: ReplayResult;
  try {
    res = replayJournal(dir, visit, {
      segmentBytes: o.segmentBytes,
      bufferBytes: o.bufferBytes,
      progress: (o.progress ?? true) && !o.json ? { stream: io.progressStream, delayMs: io.progressDelayMs } : false,
    });
  } catch (e) {
    return toolError('journal replay', e, io);
  }
  const r = res.report;
  if (o.json) {
    io.out(JSON.stringify({ records: res.records, bytes: res.bytes, durationMs: res.durationMs, recordsPerSecond: res.recordsPerSecond, status: r.status, exitCode: r.exitCode, endPosition: r.endPosition }));
  } else {
    const secs = res.durationMs / 1000;
    io.out(`journal replay ${dir}: ${res.records} records (${formatBytes(res.bytes)}) in ${secs.toFixed(2)} s: ${formatCount(res.recordsPerSecond)} records/s, ${formatBytes(secs > 0 ? res.bytes / secs : 0)}/s; ${r.status}`);
    if (r.status !== 'clean') io.err(`journal replay: ${r.status} at ${r.endPosition}; records after it were not replayed; see \`journal verify\``);
  }
  io.flush?.();
  return r.exitCode;
}

function toolError(what: string, e: unknown, io: ToolIo): number {
  io.err(`${what}: ${e instanceof Error ? e.message : String(e)}`);
  if (e instanceof GatewayError && (e.code === JournalToolsErrorCode.JOURNAL_TOOLS_DIR || e.code === JournalToolsErrorCode.JOURNAL_TOOLS_OPTION)) return JournalExit.USAGE;
  return JournalExit.FAILURE;
}
