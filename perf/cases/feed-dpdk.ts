/**
 * Trade-feed receive into JS: packets per second delivered through the ring AND decoded (transactTime,
 * lastQty, lastPx and the side count of every SBE TradeCaptureReport via the generated flyweights).
 *   dpdk-pcap   DPDK net_pcap replaying a pcap of 4096 small trades in a loop (infinite_rx=1), 1M
 *               packets per run: NIC-less kernel bypass, no sender cost in the measurement
 *   kernel-udp  the kernel UDP backend (recvmmsg) fed by a loopback C sender (sendmmsg) in a child
 *               process; unthrottled, so the socket buffer overflows when the receiver is slower
 *               (drops reported in the notes)
 *   feed.rx.native / dpdk-pcap-c: the native side alone (perf/native/feed_dpdk_bench.c, one thread:
 *               DPDK rx -> ring -> drained in C), with callgrind instructions per packet
 * Each runs in its own child process (perf/native/feed-child.ts): the DPDK EAL initialises once per
 * process. Unit Mpkt/s (higher is better). Both need the addon (npm run build:native or
 * GATEWAY_ADDON); dpdk-pcap needs an addon built with DPDK.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { feedBackends } from '../../src/native/feed.js';
import { TradeEncoder, udpFrame, writePcap } from '../../test/helpers/pcap.js';
import { type Case, type Result, summarise } from '../harness.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..', '..');
const CHILD = path.resolve(HERE, '..', 'native', 'feed-child.js');
const PACKETS = 1_000_000;
const RUNS = 7;
const DISTINCT = 4096;

let dir: string | undefined;
function workDir(): string {
  if (dir === undefined) {
    const d = (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-feed-bench-')));
    process.on('exit', () => fs.rmSync(d, { recursive: true, force: true }));
  }
  return dir;
}

function trades(): Uint8Array[] {
  const enc = new TradeEncoder();
  const out: Uint8Array[] = [];
  for (let i = 0; i < DISTINCT; i++) out.push(enc.bytes(i));
  return out;
}

function child(args: string[]): { samples: number[]; stats: Record<string, number>; sent?: number } {
  const r = spawnSync(process.execPath, [CHILD, ...args], { encoding: 'utf8', timeout: 300_000, env: process.env });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  // The child prints its result before exiting; a crash during Node's exit teardown (after the result,
  // see the report on the ring binding's finalizer order) does not invalidate the measurement.
  if (!line.startsWith('{')) throw new Error(`feed-child ${args[0]} failed (${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(line) as { samples: number[]; stats: Record<string, number>; sent?: number };
}

/** build/ of the addon in use (GATEWAY_ADDON=<dir>/Release/gateway.node, else build/), for libgateway_core.a. */
function buildDir(): string {
  const addon = process.env.GATEWAY_ADDON;
  return addon ? path.dirname(path.dirname(addon)) : path.join(ROOT, 'build');
}

function instructions(bin: string, pcap: string, packets: number): number | undefined {
  const r = spawnSync('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', bin, pcap, String(packets), '1'], { encoding: 'utf8', timeout: 300_000 });
  const m = /I\s+refs:\s+([\d,]+)/.exec(r.stderr ?? '');
  return m ? Number(m[1]!.replace(/,/g, '')) : undefined;
}

/** The native side alone (perf/native/feed_dpdk_bench.c): DPDK rx -> ring -> drained in C, one thread. */
function runDpdkC(): Result {
  if (!feedBackends().includes('dpdk')) return { ...result('dpdk-pcap-c', [0], {}), case: 'feed.rx.native', extra: { skipped: 'addon built without DPDK' } };
  const pcap = pcapFile();
  const bin = path.join(workDir(), 'feed_dpdk_bench');
  const lib = path.join(buildDir(), 'libgateway_core.a');
  const dpdkLibs = spawnSync('pkg-config', ['--libs', 'libdpdk'], { encoding: 'utf8' }).stdout.trim().split(/\s+/);
  const cc = spawnSync('gcc', ['-std=c11', '-O2', '-Wall', '-Wextra', '-Werror', `-I${path.join(ROOT, 'native', 'src', 'core')}`,
    path.join(ROOT, 'perf', 'native', 'feed_dpdk_bench.c'), '-o', bin, lib, ...dpdkLibs, '-lssl', '-lcrypto', '-lpthread'], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`building feed_dpdk_bench failed:\n${cc.stderr}`);
  const r = spawnSync(bin, [pcap, String(PACKETS), String(RUNS)], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`feed_dpdk_bench failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { mpps: number[] };
  const res = summarise('feed.rx.native', 'dpdk-pcap-c', 'Mpkt/s', out.mpps);
  // (Ir at N2 - Ir at N1) / (2 passes x (N2 - N1)): the bench runs a warm-up pass and one timed pass.
  const lo = instructions(bin, pcap, 20_000);
  const hi = instructions(bin, pcap, 120_000);
  res.extra = { instrPerPkt: lo !== undefined && hi !== undefined ? Math.round((hi - lo) / (2 * 100_000)) : 'valgrind unavailable' };
  return res;
}

let pcapPath: string | undefined;
function pcapFile(): string {
  if (pcapPath) return pcapPath;
  pcapPath = path.join(workDir(), 'trades.pcap');
  writePcap(pcapPath, trades().map((m) => udpFrame(m, { dstPort: 31001 })));
  return pcapPath;
}

function result(impl: string, samples: number[], extra: Record<string, number | string>): Result {
  const res = summarise('feed.rx.tcr', impl, 'Mpkt/s', samples);
  res.extra = extra;
  return res;
}

function runDpdk(): Result {
  if (!feedBackends().includes('dpdk')) return { ...result('dpdk-pcap', [0], {}), extra: { skipped: 'addon built without DPDK' } };
  const pcap = pcapFile();
  const t = trades();
  const out = child(['dpdk', pcap, String(PACKETS), String(RUNS)]);
  const avg = Math.round(t.reduce((a, m) => a + m.length, 0) / t.length);
  return result('dpdk-pcap', out.samples, { payloadBytes: avg, packetsPerRun: PACKETS, drops: out.stats.drops ?? 0, backPressured: out.stats.backPressured ?? 0 });
}

function runUdp(): Result {
  const sender = path.join(workDir(), 'udp_sender');
  const cc = spawnSync('gcc', ['-O2', '-Wall', '-Wextra', '-Werror', path.join(ROOT, 'perf', 'native', 'udp_sender.c'), '-o', sender], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`building udp_sender failed:\n${cc.stderr}`);
  const file = path.join(workDir(), 'payloads.bin');
  const t = trades();
  const parts: Buffer[] = [];
  for (const m of t) {
    const len = Buffer.alloc(2);
    len.writeUInt16LE(m.length);
    parts.push(len, Buffer.from(m));
  }
  fs.writeFileSync(file, Buffer.concat(parts));
  const out = child(['udp', sender, file, String(PACKETS), String(RUNS)]);
  const sent = out.sent ?? 0;
  return result('kernel-udp', out.samples, {
    packetsPerRun: PACKETS,
    delivered: out.stats.packets ?? 0,
    drops: out.stats.drops ?? 0,
    lossPct: sent > 0 ? Math.round((1 - (out.stats.packets ?? 0) / sent) * 10000) / 100 : 'n/a',
  });
}

export const cases: Case[] = [
  { name: 'feed.rx.tcr', impl: 'dpdk-pcap', run: runDpdk },
  { name: 'feed.rx.tcr', impl: 'kernel-udp', run: runUdp },
  { name: 'feed.rx.native', impl: 'dpdk-pcap-c', run: runDpdkC },
];
