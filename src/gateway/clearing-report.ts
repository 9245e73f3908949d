/**
 * Offline reports from a gateway journal (`gateway report positions`): a read-only scan of the
 * segment files that takes the clearing engine's state from its journaled events, without reference
 * data and without the engine. The net position of (member, security, settlement date) is the value of
 * its last PositionChanged record (continuous net settlement: every record carries the net after the
 * change, so the last one is the current position).
 *
 * Read-only: unlike Journal.open (which truncates a torn tail and prepares the next segment for
 * writing), this never writes, so it may run while a gateway is writing the journal; it then reports
 * the records durable (written) at the time of the scan, and stops at the first record that is not
 * valid (length, position or CRC-32C), saying where.
 *
 * Start-up / tooling code: synchronous file reads, allocates freely.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32cUpdate } from '../journal/crc32c.js';
import { RECORD_HEADER_LENGTH, RT_ENGINE, RT_PADDING } from '../journal/journal.js';
import { TradeStageChangedDecoder } from '../generated/gateway-internal/TradeStageChanged.js';
import { businessDateMarker, engineTemplate, type PositionRecord, readPositionChanged } from './clearing-journal.js';

const SEGMENT_RE = /^(\d{20})\.journal$/;
const ZERO4 = new Uint8Array(4);

export interface ClearingJournalReport {
  /** Records scanned (valid ones). */
  records: number;
  /** Stream position where the scan stopped on an invalid record, -1 at a clean end. */
  stoppedAt: number;
  /** The last business-date marker's date (yyyymmdd), -1 when none. */
  businessDate: number;
  /** Highest CCP trade id seen in TradeStageChanged records. */
  lastTradeId: bigint;
  /** Open positions (net quantity or money not zero), sorted by member, ISIN, settlement date. */
  positions: PositionRecord[];
}

/** Every valid record of the journal in `dir`, in order; returns where the scan stopped (-1: clean end). */
export function scanJournal(dir: string, visit: (recordType: number, position: number, buf: Uint8Array, offset: number, length: number) => void): { records: number; stoppedAt: number } {
  const segs = fs
    .readdirSync(dir)
    .map((name) => SEGMENT_RE.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ start: Number(m[1]), file: path.join(dir, m[0]) }))
    .sort((a, b) => a.start - b.start);
  let records = 0;
  for (const seg of segs) {
    const buf = fs.readFileSync(seg.file);
    let off = 0;
    for (;;) {
      if (off + RECORD_HEADER_LENGTH > buf.length) break; // segment exhausted
      const len = buf.readUInt32LE(off);
      const pos = seg.start + off;
      if (len === 0) return { records, stoppedAt: -1 }; // end of written data
      if (len < RECORD_HEADER_LENGTH || off + len > buf.length || buf.readUInt32LE(off + 8) !== pos >>> 0 || buf.readUInt32LE(off + 12) !== Math.floor(pos / 4294967296)) return { records, stoppedAt: pos };
      let crc = crc32cUpdate(0, buf, off, 4);
      crc = crc32cUpdate(crc, ZERO4, 0, 4);
      crc = crc32cUpdate(crc, buf, off + 8, len - 8);
      if (crc >>> 0 !== buf.readUInt32LE(off + 4)) return { records, stoppedAt: pos };
      records++;
      const rt = buf.readUInt16LE(off + 24);
      if (rt === RT_PADDING) break;
      visit(rt, pos, buf, off, len);
      off += (len + 7) & ~7;
    }
  }
  return { records, stoppedAt: -1 };
}

/** The clearing state a journal's engine records describe (see the module comment). */
export function readClearingJournal(dir: string): ClearingJournalReport {
  const latest = new Map<string, PositionRecord>();
  let businessDate = -1;
  let lastTradeId = 0n;
  const stage = new TradeStageChangedDecoder();
  const scan = scanJournal(dir, (rt, _pos, buf, offset) => {
    if (rt !== RT_ENGINE) return;
    const body = offset + RECORD_HEADER_LENGTH;
    const marker = businessDateMarker(buf, body);
    if (marker >= 0) {
      businessDate = marker;
      return;
    }
    if (engineTemplate(buf, body) === TradeStageChangedDecoder.TEMPLATE_ID) {
      const blockLength = buf[body]! | (buf[body + 1]! << 8);
      const version = buf[body + 6]! | (buf[body + 7]! << 8);
      const id = stage.wrap(buf, body + 8, blockLength, version).tradeId();
      if (id > lastTradeId) lastTradeId = id;
      return;
    }
    const p = readPositionChanged(buf, body);
    if (p !== undefined) latest.set(`${p.member}\u0000${p.isin}\u0000${p.settlDate}`, p);
  });
  const positions = [...latest.values()]
    .filter((p) => p.netQty !== 0 || p.netMoney !== 0n)
    .sort((a, b) => (a.member < b.member ? -1 : a.member > b.member ? 1 : a.isin < b.isin ? -1 : a.isin > b.isin ? 1 : a.settlDate - b.settlDate));
  return { records: scan.records, stoppedAt: scan.stoppedAt, businessDate, lastTradeId, positions };
}

/** Money 10^-4 as decimal text with 4 decimals. */
export function formatMoney4(v: bigint): string {
  const neg = v < 0n;
  const d = (neg ? -v : v).toString().padStart(5, '0');
  return `${neg ? '-' : ''}${d.slice(0, d.length - 4)}.${d.slice(d.length - 4)}`;
}
