/**
 * Child process of perf/cases/feed-dpdk.ts (one process per measurement: the DPDK EAL initialises
 * once per process). Receives SBE TradeCaptureReports through a feed into a ring and decodes a few
 * fields of each in JS with the generated flyweights; prints one JSON line
 * {"samples":[Mpkt/s per run], "stats":{...}, ...}.
 *
 *   node feed-child.js dpdk PCAP PACKETS RUNS   net_pcap replay (infinite_rx=1 loops the file)
 *   node feed-child.js udp SENDER PAYLOADS PACKETS RUNS   kernel UDP, loopback C sender per run
 */
import { spawn } from 'node:child_process';
import * as clr from '../../src/generated/clearing/index.js';
import { openFeed } from '../../src/native/feed.js';
import { type FrameView, RingReader, ringAddon } from '../../src/native/ring.js';

const header = new clr.MessageHeaderDecoder();
const dec = new clr.TradeCaptureReportDecoder();
let decoded = 0;
let checksum = 0;
/** Reads transactTime, lastQty, lastPx and the side count of every trade (no allocation). */
const onFrame = (f: FrameView): void => {
  const d = dec.wrapAndApplyHeader(f.bytes, f.payloadOffset, header);
  checksum = (checksum + d.transactTimeAsNumber() + d.lastQty().mantissaAsNumber() + d.lastPx().mantissaAsNumber() + d.sides().count()) | 0;
  decoded++;
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function dpdk(pcap: string, packets: number, runs: number): Promise<void> {
  const ring = ringAddon().createRing(1 << 24, 2048);
  const feed = openFeed(ring, {
    backend: 'dpdk',
    feedId: 1,
    port: 31001,
    batch: 256,
    mbufs: 32767,
    device: 'net_pcap0',
    ealArgs: ['--no-huge', '-m', '512', '--no-pci', '--no-shconf', '--no-telemetry', '-l', '0', '--log-level=error', `--vdev=net_pcap0,rx_pcap=${pcap},infinite_rx=1`],
  });
  feed.start({ idle: 'spin' });
  const reader = new RingReader(ring);
  const samples: number[] = [];
  // warm-up, then timed runs of `packets` decoded datagrams each
  for (let r = -1; r < runs; r++) {
    const want = r < 0 ? 200_000 : packets;
    const start = decoded;
    const t0 = process.hrtime.bigint();
    while (decoded - start < want) reader.poll(onFrame, 4096);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r >= 0) samples.push(want / s / 1e6);
  }
  feed.stop();
  const stats = feed.stats();
  feed.close();
  console.log(JSON.stringify({ samples, stats, checksum }));
}

async function udp(sender: string, payloads: string, packets: number, runs: number): Promise<void> {
  const ring = ringAddon().createRing(1 << 24, 2048);
  const feed = openFeed(ring, { backend: 'udp', feedId: 2, bindAddress: '127.0.0.1', batch: 256, rcvbufBytes: 64 << 20 });
  feed.start({ idle: 'spin' });
  const reader = new RingReader(ring);
  const samples: number[] = [];
  let sent = 0;
  for (let r = 0; r < runs; r++) {
    const start = decoded;
    const child = spawn(sender, [String(feed.localPort), String(packets), payloads], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    let done = false;
    child.on('exit', () => (done = true));
    // wait for the first datagram, then time until the sender finished and the ring went quiet
    while (decoded === start) {
      reader.poll(onFrame, 4096);
      if (decoded === start) await sleep(0);
    }
    const t0 = process.hrtime.bigint();
    let t1 = t0;
    let idleSince = 0;
    for (;;) {
      const n = reader.poll(onFrame, 4096);
      if (n > 0) {
        t1 = process.hrtime.bigint();
        idleSince = 0;
      } else if (done) {
        if (idleSince === 0) idleSince = Date.now();
        else if (Date.now() - idleSince > 50) break;
        await sleep(0);
      } else {
        await sleep(0); // let the exit event arrive
      }
    }
    sent += (JSON.parse(out) as { sent: number }).sent;
    samples.push((decoded - start) / (Number(t1 - t0) / 1e9) / 1e6);
  }
  feed.stop();
  const stats = feed.stats();
  feed.close();
  console.log(JSON.stringify({ samples, stats, sent, delivered: stats.packets, checksum }));
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'dpdk') await dpdk(args[0]!, Number(args[1]), Number(args[2]));
else if (mode === 'udp') await udp(args[0]!, args[1]!, Number(args[2]), Number(args[3]));
else {
  console.error('usage: feed-child.js dpdk PCAP PACKETS RUNS | udp SENDER PAYLOADS PACKETS RUNS');
  process.exit(2);
}
