/**
 * Reads a gateway journal after the gateway is gone, for the crash test: every record in order with its
 * ordinal (the count the gateway's start-up line "recovered N records" uses, padding records included),
 * decoded far enough to check sequence numbers and TradeReportIDs. Opening the journal truncates a torn
 * tail, as the gateway's own start-up would; call it only when no gateway runs on `dir`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BooleanType } from '../../src/generated/gateway-internal/BooleanType.js';
import { InboundMessageDecoder } from '../../src/generated/gateway-internal/InboundMessage.js';
import { OutboundMessageDecoder } from '../../src/generated/gateway-internal/OutboundMessage.js';
import { SeqDirection } from '../../src/generated/gateway-internal/SeqDirection.js';
import { SequenceResetDecoder } from '../../src/generated/gateway-internal/SequenceReset.js';
import { SessionLogonDecoder } from '../../src/generated/gateway-internal/SessionLogon.js';
import { Journal, RECORD_HEADER_LENGTH, RT_INBOUND, RT_OUTBOUND } from '../../src/journal/journal.js';
import { parse, type Received } from '../helpers/fix-client.js';

export type JournalEntry =
  | { ordinal: number; position: number; sessionId: number; kind: 'in'; seq: number; msg: Received }
  | { ordinal: number; position: number; sessionId: number; kind: 'out'; seq: number; msg: Received }
  | { ordinal: number; position: number; sessionId: number; kind: 'reset'; direction: 'in' | 'out'; newSeqNo: number; gapFill: boolean }
  | { ordinal: number; position: number; sessionId: number; kind: 'logon'; nextIn: number; nextOut: number }
  | { ordinal: number; position: number; sessionId: number; kind: 'other'; template: number };

export interface JournalContents {
  entries: JournalEntry[];
  /** Records counted as the gateway counts them (padding included). */
  records: number;
  truncatedAt: number;
}

const align8 = (n: number): number => (n + 7) & ~7;

export function readJournal(dir: string, segmentBytes: number): JournalContents {
  const entries: JournalEntry[] = [];
  const inDec = new InboundMessageDecoder();
  const outDec = new OutboundMessageDecoder();
  const resetDec = new SequenceResetDecoder();
  const logonDec = new SessionLogonDecoder();
  let ordinal = 0;
  let prevEnd = -1;
  const j = Journal.open({ dir, durability: 'os', segmentBytes }, (recordType, sessionId, position, buf, offset, length) => {
    // A segment ends with a Padding record (counted, not visited) when 32 bytes or more were left.
    if (prevEnd >= 0 && Math.floor(position / segmentBytes) > Math.floor((prevEnd - 1) / segmentBytes)) {
      const segEnd = (Math.floor((prevEnd - 1) / segmentBytes) + 1) * segmentBytes;
      if (segEnd - prevEnd >= RECORD_HEADER_LENGTH) ordinal++;
    }
    prevEnd = position + align8(length);
    const body = offset + RECORD_HEADER_LENGTH;
    const block = buf[body]! | (buf[body + 1]! << 8);
    const template = buf[body + 2]! | (buf[body + 3]! << 8);
    const version = buf[body + 6]! | (buf[body + 7]! << 8);
    const at = body + 8;
    const base = { ordinal: ordinal++, position, sessionId };
    if (recordType === RT_INBOUND && template === InboundMessageDecoder.TEMPLATE_ID) {
      inDec.wrap(buf, at, block, version);
      const seq = inDec.seqNumAsNumber();
      entries.push({ ...base, kind: 'in', seq, msg: parse(Buffer.from(inDec.rawMessage()).toString('latin1')) });
    } else if (recordType === RT_OUTBOUND && template === OutboundMessageDecoder.TEMPLATE_ID) {
      outDec.wrap(buf, at, block, version);
      const seq = outDec.seqNumAsNumber();
      entries.push({ ...base, kind: 'out', seq, msg: parse(Buffer.from(outDec.rawMessage()).toString('latin1')) });
    } else if (template === SequenceResetDecoder.TEMPLATE_ID) {
      resetDec.wrap(buf, at, block, version);
      entries.push({
        ...base,
        kind: 'reset',
        direction: resetDec.direction() === SeqDirection.Outbound ? 'out' : 'in',
        newSeqNo: resetDec.newSeqNoAsNumber(),
        gapFill: resetDec.gapFill() === BooleanType.True,
      });
    } else if (template === SessionLogonDecoder.TEMPLATE_ID) {
      logonDec.wrap(buf, at, block, version);
      entries.push({ ...base, kind: 'logon', nextIn: logonDec.nextInSeqNumAsNumber(), nextOut: logonDec.nextOutSeqNumAsNumber() });
    } else {
      entries.push({ ...base, kind: 'other', template });
    }
  });
  const report = j.report;
  void j.close();
  if (report.records !== ordinal && !(report.records === ordinal + 1)) {
    // (+1: a trailing Padding record after the last visited one.)
    throw new Error(`journal record count ${report.records} does not match the ${ordinal} counted while reading`);
  }
  return { entries, records: report.records, truncatedAt: report.truncatedAt };
}

/** Sequence state the session store recovers from the first `records` records (session `sessionId`). */
export function recoveredSequences(entries: readonly JournalEntry[], records: number, sessionId: number): { nextIn: number; nextOut: number } {
  let nextIn = 1;
  let nextOut = 1;
  for (const e of entries) {
    if (e.ordinal >= records) break;
    if (e.sessionId !== sessionId) continue;
    if (e.kind === 'in' && e.seq >= nextIn) nextIn = e.seq + 1;
    else if (e.kind === 'out' && e.seq >= nextOut) nextOut = e.seq + 1;
    else if (e.kind === 'reset') {
      if (e.direction === 'in') nextIn = e.newSeqNo;
      else nextOut = e.newSeqNo;
    }
  }
  return { nextIn, nextOut };
}

/**
 * Make `position` the end of the journal in `dir` (closed): zero its segment from there, remove later
 * segments. The state a crash leaves when the records from `position` on never reached the files.
 */
export function cutJournal(dir: string, position: number, segmentBytes: number): void {
  for (const name of fs.readdirSync(dir)) {
    const m = /^(\d{20})\.journal$/.exec(name);
    if (!m) continue;
    const start = Number(m[1]);
    const file = path.join(dir, name);
    if (start >= position && start > 0) fs.rmSync(file);
    else if (position < start + segmentBytes) {
      const fd = fs.openSync(file, 'r+');
      try {
        fs.writeSync(fd, Buffer.alloc(start + segmentBytes - position), 0, start + segmentBytes - position, position - start);
      } finally {
        fs.closeSync(fd);
      }
    }
  }
}
