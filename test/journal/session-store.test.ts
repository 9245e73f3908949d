import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GatewayError } from '../../src/codec/errors.js';
import { MessageHeaderDecoder, MessageHeaderEncoder } from '../../src/generated/gateway-internal/MessageHeader.js';
import { InboundMessageDecoder, InboundMessageEncoder } from '../../src/generated/gateway-internal/InboundMessage.js';
import { OutboundMessageDecoder, OutboundMessageEncoder } from '../../src/generated/gateway-internal/OutboundMessage.js';
import { MessageEncoding } from '../../src/generated/gateway-internal/MessageEncoding.js';
import { copyToView } from '../../src/session/bytes.js';
import { RECORD_HEADER_LENGTH, RT_INBOUND, RT_OUTBOUND } from '../../src/journal/journal.js';
import { JournalSessionStore } from '../../src/journal/session-store.js';

const created: string[] = [];
process.on('exit', () => {
  for (const d of created) fs.rmSync(d, { recursive: true, force: true });
});

function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'session-store-test-'));
  created.push(d);
  return d;
}

function bytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7 + 1) & 0xff;
  return b;
}

interface Appended {
  inbound: boolean;
  seq: number;
  msgType: string;
  raw: Uint8Array;
  cause: number;
}

/**
 * The direct record writes of appendInbound/appendOutbound must produce exactly the bytes the generated
 * encoders produce (the journal's format is the schema's): every record is re-encoded with the
 * generated encoder, with the timestamp read back from the record, and compared byte for byte.
 */
test('direct record encoding is byte-identical to the generated encoders (lengths, offsets, msgTypes, causes)', async (t) => {
  const dir = tmpDir();
  const store = JournalSessionStore.open({ dir, durability: 'os', segmentBytes: 1 << 20, bufferBytes: 1 << 16 });
  const appended: Appended[] = [];
  const lengths = [0, 1, 2, 3, 4, 5, 7, 8, 63, 64, 65, 180, 1023, 2047, 2048, 2049, 4100, 9000];
  const msgTypes = ['', '0', 'D', 'AE', 'AR', 'BAA', 'ABCD'];
  const causes = [-1, 0, 8, 4294967296 * 3 + 5, Number.MAX_SAFE_INTEGER];
  let seq = 1;
  for (const len of lengths) {
    for (const [k, msgType] of msgTypes.entries()) {
      // Sources: a Buffer and a plain Uint8Array, at odd and even offsets inside a larger buffer.
      const pad = (k + len) % 5;
      const whole = bytes(len + pad + 3, seq);
      const src = k % 2 === 0 ? whole : Buffer.from(whole);
      const raw = src.subarray(pad, pad + len);
      const inbound = k % 3 !== 0;
      const cause = causes[seq % causes.length]!;
      if (inbound) store.appendInbound('S', seq, msgType, src, pad, len);
      else store.appendOutbound('S', seq, msgType, src, pad, len, cause);
      appended.push({ inbound, seq, msgType, raw: Uint8Array.prototype.slice.call(raw), cause });
      seq++;
    }
  }
  await store.close();

  const records: { type: number; body: Uint8Array }[] = [];
  const reopened = JournalSessionStore.open({
    dir,
    durability: 'os',
    segmentBytes: 1 << 20,
    bufferBytes: 1 << 16,
    visit: (type, _sid, _pos, buf, off, len) => {
      if (type === RT_INBOUND || type === RT_OUTBOUND) records.push({ type, body: Uint8Array.prototype.slice.call(buf, off + RECORD_HEADER_LENGTH, off + len) });
    },
  });
  t.is(records.length, appended.length);
  const header = new MessageHeaderEncoder();
  const hdec = new MessageHeaderDecoder();
  for (let i = 0; i < appended.length; i++) {
    const a = appended[i]!;
    const r = records[i]!;
    t.is(r.type, a.inbound ? RT_INBOUND : RT_OUTBOUND);
    const expected = new Uint8Array(r.body.length + 16);
    let n: number;
    if (a.inbound) {
      const d = new InboundMessageDecoder().wrapAndApplyHeader(r.body, 0, hdec);
      t.is(d.seqNumAsNumber(), a.seq);
      const e = new InboundMessageEncoder().wrapAndApplyHeader(expected, 0, header);
      e.receivedNs(d.receivedNs()).seqNumAsNumber(a.seq).sessionId(d.sessionId()).connectionId(0).encoding(MessageEncoding.FixTagValue);
      for (let c = 0; c < Math.min(3, a.msgType.length); c++) expected[8 + InboundMessageEncoder.msgTypeEncodingOffset + c] = a.msgType.charCodeAt(c);
      e.putRawMessage(a.raw, 0, a.raw.length);
      n = 8 + e.encodedLength();
    } else {
      const d = new OutboundMessageDecoder().wrapAndApplyHeader(r.body, 0, hdec);
      t.is(d.seqNumAsNumber(), a.seq);
      t.is(d.causePositionIsNull(), a.cause < 0);
      if (a.cause >= 0) t.is(d.causePositionAsNumber(), a.cause);
      const e = new OutboundMessageEncoder().wrapAndApplyHeader(expected, 0, header);
      e.enqueuedNs(d.enqueuedNs()).seqNumAsNumber(a.seq).sessionId(d.sessionId()).encoding(MessageEncoding.FixTagValue);
      if (a.cause >= 0) e.causePositionAsNumber(a.cause);
      else e.causePosition(OutboundMessageEncoder.causePositionNullValue);
      for (let c = 0; c < Math.min(3, a.msgType.length); c++) expected[8 + OutboundMessageEncoder.msgTypeEncodingOffset + c] = a.msgType.charCodeAt(c);
      e.putRawMessage(a.raw, 0, a.raw.length);
      n = 8 + e.encodedLength();
    }
    t.is(r.body.length, n, `record ${i}`);
    t.deepEqual(Buffer.from(r.body), Buffer.from(expected.subarray(0, n)), `record ${i}`);
  }
  t.deepEqual(reopened.recover('S'), { nextSenderSeq: Math.max(...appended.filter((a) => !a.inbound).map((a) => a.seq)) + 1, nextTargetSeq: Math.max(...appended.filter((a) => a.inbound).map((a) => a.seq)) + 1 });
  await reopened.close();
});

test('appends refuse what the schema cannot hold, before writing anything', async (t) => {
  const dir = tmpDir();
  const store = JournalSessionStore.open({ dir, durability: 'os' });
  const raw = bytes(10, 1);
  for (const seq of [-1, 1.5, Number.NaN, 2 ** 53]) {
    const e = t.throws(() => store.appendInbound('S', seq, 'D', raw, 0, raw.length));
    t.true(e instanceof GatewayError);
    t.throws(() => store.appendOutbound('S', seq, 'D', raw, 0, raw.length, -1));
  }
  t.is(store.journal.lastPosition(), -1);
  const p = store.appendOutbound('S', 1, 'D', raw, 0, raw.length, -1);
  t.is(p, 0);
  await store.close();
});

test('copyToView: every length and alignment, Buffer and Uint8Array sources, more sources than the view cache', (t) => {
  const dst = new Uint8Array(6000);
  const view = new DataView(dst.buffer, 0, dst.length);
  const sources = [0, 1, 2, 3, 4, 5].map((k) => (k % 2 ? Buffer.from(bytes(5000, k)) : bytes(5000, k)));
  for (const len of [0, 1, 3, 4, 5, 31, 64, 2048, 2049, 4999]) {
    for (let k = 0; k < sources.length; k++) {
      const src = sources[k]!;
      const so = (k * 3 + len) % Math.max(1, 5000 - len);
      const dAt = (k * 5) % 7;
      dst.fill(0xee);
      copyToView(src, so, view, dAt, len);
      t.deepEqual(Buffer.from(dst.subarray(dAt, dAt + len)), Buffer.from(src.subarray(so, so + len)));
      if (dAt > 0) t.is(dst[dAt - 1], 0xee);
      t.is(dst[dAt + len], 0xee);
    }
  }
});
