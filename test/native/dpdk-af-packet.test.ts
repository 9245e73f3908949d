/**
 * DPDK trade feed with net_af_packet on a veth pair: the test creates a network namespace and a veth
 * pair (one end in the namespace with 10.231.77.2/24 and a static neighbour entry for the other end,
 * the other end up in this namespace without an address), sends SBE TradeCaptureReports with a UDP
 * socket inside the namespace, and receives them through --vdev=net_af_packet0,iface=<veth> into a
 * ring; JS decodes and checks every one. Traffic never leaves the veth pair.
 * Needs root (CAP_NET_ADMIN) and iproute2; otherwise the test is skipped and says why. The namespace
 * and the link are always removed (teardown and process exit).
 * The EAL initialises once per process: this file is its own ava process.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import * as clr from '../../src/generated/clearing/index.js';
import { feedBackends, openFeed } from '../../src/native/feed.js';
import { type FrameView, RingReader, ringAddon } from '../../src/native/ring.js';
import { TradeEncoder, tradeFields } from '../helpers/pcap.js';

const NS = `gwfeed${process.pid}`;
const HOST_IF = `gwf${process.pid % 100000}a`;
const NS_IF = `gwf${process.pid % 100000}b`;
const PORT = 31002;
const COUNT = 2000;

function ip(...args: string[]): { ok: boolean; err: string } {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  return { ok: r.status === 0, err: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

function cleanup(): void {
  ip('netns', 'del', NS); // removes NS_IF and with it the peer HOST_IF
  ip('link', 'del', HOST_IF);
}

/** Why the test cannot run here, or '' when it can (probes by creating and removing a namespace). */
function unavailable(): string {
  if (!feedBackends().includes('dpdk')) return 'the addon was built without DPDK';
  if (process.getuid?.() !== 0) return 'not root (needs CAP_NET_ADMIN for ip netns / veth)';
  const probe = ip('netns', 'add', NS);
  if (!probe.ok) return `cannot create a network namespace: ${probe.err.trim()}`;
  const veth = ip('link', 'add', HOST_IF, 'type', 'veth', 'peer', 'name', NS_IF);
  cleanup();
  if (!veth.ok) return `cannot create a veth pair: ${veth.err.trim()}`;
  return '';
}

const why = unavailable();
if (why) console.log(`dpdk-af-packet: skipped - ${why}`);
const vethTest = why ? test.skip : test.serial;
process.on('exit', cleanup);

vethTest('dpdk net_af_packet on a veth pair in a namespace: datagrams sent in the namespace arrive decoded, in order', async (t) => {
  t.teardown(cleanup);
  const must = (...args: string[]): void => {
    const r = ip(...args);
    if (!r.ok) throw new Error(`ip ${args.join(' ')}: ${r.err}`);
  };
  must('netns', 'add', NS);
  must('link', 'add', HOST_IF, 'type', 'veth', 'peer', 'name', NS_IF);
  must('link', 'set', NS_IF, 'netns', NS);
  must('link', 'set', HOST_IF, 'up');
  must('-n', NS, 'addr', 'add', '10.231.77.2/24', 'dev', NS_IF);
  must('-n', NS, 'link', 'set', NS_IF, 'up');
  must('-n', NS, 'link', 'set', 'lo', 'up');
  const mac = fs.readFileSync(`/sys/class/net/${HOST_IF}/address`, 'utf8').trim();
  must('-n', NS, 'neigh', 'add', '10.231.77.1', 'lladdr', mac, 'dev', NS_IF, 'nud', 'permanent');

  const ring = ringAddon().createRing(1 << 20, 2048);
  const feed = openFeed(ring, {
    backend: 'dpdk',
    feedId: 77,
    port: PORT,
    device: 'net_af_packet0',
    ealArgs: ['--no-huge', '-m', '256', '--no-pci', '--no-shconf', '--no-telemetry', '-l', '0', '--log-level=error', `--vdev=net_af_packet0,iface=${HOST_IF}`],
  });
  t.teardown(() => feed.close());
  feed.start({ idle: 'backoff' });

  // Sender inside the namespace: a child node process using the same encoder.
  const helper = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'helpers', 'pcap.js');
  const script = `
    import * as dgram from 'node:dgram';
    const { TradeEncoder } = await import(${JSON.stringify(helper)});
    const enc = new TradeEncoder();
    const s = dgram.createSocket('udp4');
    for (let i = 0; i < ${COUNT}; i++) {
      await new Promise((res, rej) => s.send(enc.bytes(i), ${PORT}, '10.231.77.1', (e) => (e ? rej(e) : res())));
      if (i % 100 === 99) await new Promise((r) => setTimeout(r, 2));
    }
    s.close();`;
  execFileSync('ip', ['netns', 'exec', NS, process.execPath, '--input-type=module', '-e', script], { stdio: ['ignore', 'inherit', 'inherit'] });

  const reader = new RingReader(ring);
  const header = new clr.MessageHeaderDecoder();
  const dec = new clr.TradeCaptureReportDecoder();
  const problems: string[] = [];
  let next = 0;
  const check = (f: FrameView): void => {
    const i = next++;
    const d = dec.wrapAndApplyHeader(f.bytes, f.payloadOffset, header);
    const e = tradeFields(i);
    if (f.connectionId !== 77 || f.sequence !== i + 1) problems.push(`frame ${i}: header`);
    else if (d.transactTimeAsNumber() !== e.transactTime || d.tradeReportID() !== e.tradeReportID || d.lastPx().mantissaAsNumber() !== e.lastPx)
      problems.push(`trade ${i}: fields`);
  };
  const deadline = Date.now() + 10_000;
  while (next < COUNT && Date.now() < deadline) {
    if (reader.poll(check, 256) === 0) await new Promise((r) => setTimeout(r, 1));
  }
  feed.stop();
  t.deepEqual(problems.slice(0, 5), []);
  t.is(next, COUNT);
  const s = feed.stats();
  t.is(s.packets, COUNT);
  t.is(s.drops, 0);
  t.log(`af_packet: ${s.packets} delivered, ${s.filtered} other frames filtered (IPv6 ND, etc.)`);
});
