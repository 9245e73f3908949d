/**
 * DPDK trade feed with the net_pcap virtual device (no hugepages, no NIC): a pcap file written here
 * (test/helpers/pcap.ts: Ethernet/IPv4/UDP with correct checksums, some VLAN-tagged, plus ARP, IPv6,
 * TCP, other-port and fragment frames to be filtered) whose UDP payloads are SBE TradeCaptureReports
 * is replayed through --vdev=net_pcap0,rx_pcap=FILE by the native agent into a ring; JS decodes every
 * delivered datagram with the generated flyweights and checks count, order and fields.
 * The EAL initialises once per process: this file is its own ava process and opens one DPDK port.
 * Skipped (with the reason) when the addon was built without DPDK.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import test from 'ava';
import { isGatewayError } from '../../src/codec/errors.js';
import * as clr from '../../src/generated/clearing/index.js';
import { FrameType } from '../../src/generated/gateway-internal/FrameType.js';
import { feedBackends, openFeed } from '../../src/native/feed.js';
import { type FrameView, RingReader, ringAddon } from '../../src/native/ring.js';
import { TradeEncoder, checksumsValid, noiseFrames, readPcap, tradeFields, udpFrame, writePcap } from '../helpers/pcap.js';

const hasDpdk = feedBackends().includes('dpdk');
const dpdkTest = hasDpdk ? test.serial : test.skip;
if (!hasDpdk) console.log('dpdk-pcap: skipped - the addon was built without DPDK (pkg-config libdpdk not found)');

const PORT = 31001;
const TRADES = 20_000;
const FLAG_KERNEL_BYPASS = 1 << 1;

test('pcap helper: frames carry valid IPv4 and UDP checksums and read back identically', (t) => {
  const enc = new TradeEncoder();
  const frames = [udpFrame(enc.bytes(1), { dstPort: PORT }), udpFrame(new Uint8Array([1]), { dstPort: PORT }), udpFrame(enc.bytes(2), { dstPort: PORT, vlan: 7 })];
  t.true(frames.every(checksumsValid));
  const bad = frames[0]!.slice();
  bad[bad.length - 1]! ^= 0xff;
  t.false(checksumsValid(bad));
  t.is(frames[1]!.length, 60);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-pcap-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'x.pcap');
  writePcap(file, frames);
  t.deepEqual(readPcap(file).map((f) => [...f]), frames.map((f) => [...f]));
});

dpdkTest('dpdk net_pcap replay -> ring -> JS: every SBE trade, in order, decoded; noise filtered', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-dpdk-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'feed.pcap');
  const enc = new TradeEncoder();
  const frames: Uint8Array[] = [];
  const sent: Uint8Array[] = [];
  let noise = 0;
  const noiseSet = noiseFrames(PORT);
  for (let i = 0; i < TRADES; i++) {
    if (i % 50 === 7) {
      frames.push(noiseSet[(i / 50) % noiseSet.length | 0]!);
      noise++;
    }
    const m = enc.bytes(i);
    sent.push(m);
    frames.push(udpFrame(m, { dstPort: PORT, vlan: i % 9 === 0 ? 100 : undefined }));
  }
  writePcap(file, frames);

  const ring = ringAddon().createRing(1 << 20, 2048);
  const feed = openFeed(ring, {
    backend: 'dpdk',
    feedId: 600,
    port: PORT,
    device: 'net_pcap0',
    ealArgs: ['--no-huge', '-m', '256', '--no-pci', '--no-shconf', '--no-telemetry', '-l', '0', '--log-level=error', `--vdev=net_pcap0,rx_pcap=${file}`],
  });
  t.teardown(() => feed.close());
  t.is(feed.backend, 'dpdk');
  t.is(feed.localPort, PORT);
  feed.start({ idle: 'backoff' });

  const reader = new RingReader(ring);
  const header = new clr.MessageHeaderDecoder();
  const dec = new clr.TradeCaptureReportDecoder();
  const problems: string[] = [];
  let next = 0;
  const check = (f: FrameView): void => {
    const i = next++;
    const report = (what: string): void => {
      if (problems.length < 5) problems.push(`trade ${i}: ${what}`);
    };
    if (f.frameType !== FrameType.UdpDatagram) report(`frameType ${f.frameType}`);
    if (f.connectionId !== 600) report('connectionId');
    if (f.flags !== FLAG_KERNEL_BYPASS) report(`flags ${f.flags}`);
    if (f.sequence !== i + 1) report(`sequence ${f.sequence}`);
    const want = sent[i];
    if (want === undefined || f.payloadLength !== want.length) {
      report(`length ${f.payloadLength}`);
      return;
    }
    const b = f.bytes;
    for (let k = 0; k < want.length; k++)
      if (b[f.payloadOffset + k] !== want[k]) {
        report(`byte ${k}`);
        return;
      }
    const d = dec.wrapAndApplyHeader(b, f.payloadOffset, header);
    const e = tradeFields(i);
    if (d.transactTimeAsNumber() !== e.transactTime || d.lastQty().mantissaAsNumber() !== e.lastQty || d.lastPx().mantissaAsNumber() !== e.lastPx)
      report('numeric fields');
    if (d.tradeReportID() !== e.tradeReportID || d.securityID() !== e.securityID) report('text fields');
    if (d.sides().count() !== e.sides) report('sides');
  };
  const deadline = Date.now() + 30_000;
  while (next < TRADES && Date.now() < deadline) {
    if (reader.poll(check, 512) === 0) await new Promise((r) => setImmediate(r));
  }
  await new Promise((r) => setTimeout(r, 100)); // nothing more may arrive
  reader.poll(check, 512);
  feed.stop();
  t.deepEqual(problems, []);
  t.is(next, TRADES);
  const s = feed.stats();
  t.is(s.packets, TRADES);
  t.is(s.filtered, noise);
  t.is(s.bytes, sent.reduce((a, m) => a + m.length, 0));
  t.is(s.truncated, 0);
  t.is(s.drops, 0);
});

dpdkTest('dpdk: the EAL cannot be re-initialised with other arguments in the same process', (t) => {
  const ring = ringAddon().createRing(1 << 16, 2048);
  const e = t.throws(() => openFeed(ring, { backend: 'dpdk', ealArgs: ['--no-huge', '-l', '1'] }));
  t.true(isGatewayError(e) && /once per process/.test(e.message), String(e));
});
