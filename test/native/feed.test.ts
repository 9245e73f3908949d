/**
 * Kernel UDP trade feed end to end (native/src/core/feed_udp.c via src/native/feed.ts): SBE
 * TradeCaptureReports sent over loopback with node:dgram arrive through the native agent thread in
 * the ring as UdpDatagram frames, in order, byte-exact, and decode with the generated flyweights to
 * the values they were encoded from; truncation is flagged; open errors are typed. Needs the addon
 * (npm run build:native, or GATEWAY_ADDON).
 */
import * as dgram from 'node:dgram';
import test from 'ava';
import { isGatewayError } from '../../src/codec/errors.js';
import * as clr from '../../src/generated/clearing/index.js';
import { FrameType } from '../../src/generated/gateway-internal/FrameType.js';
import { FeedErrorCode, type NativeFeed, feedBackends, openFeed } from '../../src/native/feed.js';
import { type FrameView, RingPoller, RingReader, ringAddon } from '../../src/native/ring.js';
import { TradeEncoder, tradeFields } from '../helpers/pcap.js';

const rings = ringAddon();
const FLAG_TRUNCATED = 1 << 2;
const SESSION_NULL = 0xffffffff;

function sendAll(sock: dgram.Socket, port: number, datagrams: readonly Uint8Array[]): Promise<void> {
  return new Promise((resolve, reject) => {
    let pending = datagrams.length;
    if (pending === 0) resolve();
    for (const d of datagrams)
      sock.send(d, port, '127.0.0.1', (err) => {
        if (err) reject(err);
        else if (--pending === 0) resolve();
      });
  });
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Polls `reader` (handler per frame) until `count` frames arrived or `ms` passed. */
async function drain(reader: RingReader, handler: (f: FrameView) => void, count: number, ms = 5000): Promise<number> {
  let got = 0;
  const deadline = Date.now() + ms;
  const h = (f: FrameView): void => {
    got++;
    handler(f);
  };
  while (got < count && Date.now() < deadline) {
    if (reader.poll(h, 256) === 0) await tick();
  }
  return got;
}

test('backends: udp is always compiled in and listed first', (t) => {
  const b = feedBackends();
  t.is(b[0], 'udp');
  t.true(b.every((x) => x === 'udp' || x === 'dpdk' || x === 'efvi'));
});

test('udp feed -> ring -> JS: thousands of SBE trades arrive in order, exact, decodable', async (t) => {
  const TOTAL = 5000;
  const ring = rings.createRing(1 << 20, 2048);
  const feed = openFeed(ring, { backend: 'udp', feedId: 31, bindAddress: '127.0.0.1', port: 0, batch: 64, rcvbufBytes: 4 << 20 });
  t.teardown(() => feed.close());
  t.is(feed.backend, 'udp');
  t.true(feed.localPort > 0);
  feed.start({ idle: 'backoff' });
  t.true(feed.running);

  const enc = new TradeEncoder();
  const sent: Uint8Array[] = [];
  for (let i = 0; i < TOTAL; i++) sent.push(enc.bytes(i));
  const reader = new RingReader(ring);
  const header = new clr.MessageHeaderDecoder();
  const dec = new clr.TradeCaptureReportDecoder();
  const idBuf = new Uint8Array(clr.TradeCaptureReportDecoder.tradeReportIDLength);
  const t0 = Date.now() * 1_000;
  let next = 0;
  let frameSeq = 1;
  const problems: string[] = [];
  const check = (f: FrameView): void => {
    const i = next++;
    const want = sent[i]!;
    const report = (what: string): void => {
      if (problems.length < 5) problems.push(`datagram ${i}: ${what}`);
    };
    if (f.frameType !== FrameType.UdpDatagram) report(`frameType ${f.frameType}`);
    if (f.connectionId !== 31) report(`connectionId ${f.connectionId}`);
    if (f.sessionId !== SESSION_NULL) report('sessionId not null');
    if (f.flags !== 0) report(`flags ${f.flags}`);
    if (f.sequence !== frameSeq++) report(`frame sequence ${f.sequence}`);
    const us = f.receiveTimestampUs;
    if (us < t0 - 1_000_000 || us > Date.now() * 1_000 + 1_000_000) report(`receive time ${us} us not now`);
    if (f.payloadLength !== want.length) {
      report(`payload length ${f.payloadLength}, sent ${want.length}`);
      return;
    }
    const b = f.bytes;
    for (let k = 0; k < want.length; k++)
      if (b[f.payloadOffset + k] !== want[k]) {
        report(`payload byte ${k}`);
        break;
      }
    const d = dec.wrapAndApplyHeader(b, f.payloadOffset, header);
    const exp = tradeFields(i);
    if (header.templateId() !== clr.TradeCaptureReportDecoder.TEMPLATE_ID) report('templateId');
    if (d.transactTimeAsNumber() !== exp.transactTime) report('transactTime');
    if (d.lastQty().mantissaAsNumber() !== exp.lastQty) report('lastQty');
    if (d.lastPx().mantissaAsNumber() !== exp.lastPx) report('lastPx');
    d.getTradeReportID(idBuf, 0);
    if (d.tradeReportID() !== exp.tradeReportID) report(`tradeReportID ${d.tradeReportID()}`);
    if (d.securityID() !== exp.securityID) report('securityID');
    if (d.sides().count() !== exp.sides) report('sides');
  };

  const tx = dgram.createSocket('udp4');
  t.teardown(() => tx.close());
  // Flow control: at most 100 datagrams in flight so the socket buffer never overflows (also with the
  // default rmem_max when SO_RCVBUFFORCE is not permitted).
  for (let base = 0; base < TOTAL; base += 100) {
    await sendAll(tx, feed.localPort, sent.slice(base, base + 100));
    await drain(reader, check, Math.min(100, TOTAL - base));
  }
  t.deepEqual(problems, []);
  t.is(next, TOTAL);
  feed.stop();
  t.false(feed.running);
  const s = feed.stats();
  t.is(s.packets, TOTAL);
  t.is(s.bytes, sent.reduce((a, b) => a + b.length, 0));
  t.is(s.drops, 0);
  t.is(s.truncated, 0);
  t.is(s.errors, 0);
});

test('udp feed -> RingPoller: a parked JS poller is woken by the feed agent\'s doorbell, round after round', async (t) => {
  const ring = rings.createRing(1 << 16, 2048);
  const feed = openFeed(ring, { feedId: 8, bindAddress: '127.0.0.1' });
  t.teardown(() => feed.close());
  feed.start({ idle: 'backoff' });
  const enc = new TradeEncoder();
  const header = new clr.MessageHeaderDecoder();
  const dec = new clr.TradeCaptureReportDecoder();
  let got = 0;
  let bad = 0;
  const poller = new RingPoller(ring, (f) => {
    const d = dec.wrapAndApplyHeader(f.bytes, f.payloadOffset, header);
    if (d.transactTimeAsNumber() !== tradeFields(got).transactTime || f.connectionId !== 8) bad++;
    got++;
  }, { spinPolls: 2 });
  poller.start();
  t.teardown(() => poller.stop());
  const tx = dgram.createSocket('udp4');
  t.teardown(() => tx.close());
  for (let round = 0; round < 20; round++) {
    // wait until the poller parked, then send: only the doorbell can deliver the next datagrams
    const parkDeadline = Date.now() + 2000;
    while (!poller.isParked && Date.now() < parkDeadline) await new Promise((r) => setTimeout(r, 1));
    t.true(poller.isParked, `round ${round}: poller parked`);
    const want = got + 5;
    await sendAll(tx, feed.localPort, [0, 1, 2, 3, 4].map((k) => enc.bytes(got + k)));
    const deadline = Date.now() + 2000;
    while (got < want && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
    t.is(got, want, `round ${round}`);
  }
  t.is(bad, 0);
  t.true(poller.wakeups > 0);
});

test('udp feed: pollOnce drives it without the agent; oversized datagrams arrive truncated and flagged', async (t) => {
  const ring = rings.createRing(1 << 16, 4096);
  const feed = openFeed(ring, { feedId: 5, bindAddress: '127.0.0.1', maxDatagram: 64 });
  t.teardown(() => feed.close());
  const tx = dgram.createSocket('udp4');
  t.teardown(() => tx.close());
  const enc = new TradeEncoder();
  const big = enc.bytes(1);
  t.true(big.length > 64);
  await sendAll(tx, feed.localPort, [big, big.subarray(0, 10)]);
  const reader = new RingReader(ring);
  const seen: Array<{ len: number; flags: number; head: number[] }> = [];
  const deadline = Date.now() + 3000;
  while (seen.length < 2 && Date.now() < deadline) {
    feed.pollOnce(8);
    reader.poll((f) => seen.push({ len: f.payloadLength, flags: f.flags, head: [...f.bytes.subarray(f.payloadOffset, f.payloadOffset + 10)] }), 8);
    await tick();
  }
  t.is(seen.length, 2);
  t.is(seen[0]!.len, 64);
  t.is(seen[0]!.flags & FLAG_TRUNCATED, FLAG_TRUNCATED);
  t.deepEqual(seen[0]!.head, [...big.subarray(0, 10)]);
  t.is(seen[1]!.len, 10);
  t.is(seen[1]!.flags, 0);
  t.is(feed.stats().truncated, 1);
  t.is(feed.stats().packets, 2);
  feed.start();
  t.throws(() => feed.pollOnce(1), { message: /agent runs/ });
  t.throws(() => feed.start(), { message: /already started/ });
  feed.stop();
  feed.close();
  t.is(feed.backend, null);
  t.throws(() => feed.start(), { message: /closed/ });
});

test('openFeed errors are typed: unknown backend, missing backend, bad address, port in use, bad options', (t) => {
  const ring = rings.createRing(1 << 16, 2048);
  const open = (o: Parameters<typeof openFeed>[1]): NativeFeed => openFeed(ring, o);
  const e1 = t.throws(() => open({ backend: 'nope' as 'udp' }));
  t.true(isGatewayError(e1) && e1.code === FeedErrorCode.FEED_OPEN_FAILED && /unknown feed backend/.test(e1.message));
  if (!feedBackends().includes('efvi')) {
    const e2 = t.throws(() => open({ backend: 'efvi' }));
    t.true(isGatewayError(e2) && e2.code === FeedErrorCode.FEED_UNAVAILABLE, String(e2));
  }
  if (!feedBackends().includes('dpdk')) {
    const e3 = t.throws(() => open({ backend: 'dpdk' }));
    t.true(isGatewayError(e3) && e3.code === FeedErrorCode.FEED_UNAVAILABLE && /built without DPDK/.test(e3.message));
  }
  const e4 = t.throws(() => open({ bindAddress: '300.1.1.1' }));
  t.true(isGatewayError(e4) && /not an IPv4 address/.test(e4.message));
  const first = open({ bindAddress: '127.0.0.1' });
  t.teardown(() => first.close());
  const e5 = t.throws(() => open({ bindAddress: '127.0.0.1', port: first.localPort }));
  t.true(isGatewayError(e5) && /bind/.test(e5.message));
  t.throws(() => open({ port: 70000 }), { instanceOf: RangeError });
  t.throws(() => open({ batch: 5000 }), { instanceOf: RangeError });
  t.throws(() => open({ bindAddress: 7 as unknown as string }), { instanceOf: TypeError });
  t.throws(() => openFeed({} as never, {}), { message: /ring/ });
});
