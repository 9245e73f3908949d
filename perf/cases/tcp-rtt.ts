/**
 * Loopback TCP round trip of one ~200-byte FIX message (one in flight), same client for every impl:
 * perf/native/rtt_client.c (blocking socket, TCP_NODELAY), built with gcc into a temp dir and run as
 * a child process while the server side runs in this process.
 *   node-echo         bare node:net server writing back what it reads (no framing)
 *   node-transport    NodeTransport (node:net + TS framer) with a JS echo handler sending the message back
 *   native-transport  NativeTransport: native rx agent -> inbound ring -> JS handler (Node main thread)
 *                     -> outbound ring -> native tx (same agent thread)
 * The native agent's idle strategy and the JS poller's spinning decide the wake-up path:
 * GW_RTT_AGENT_IDLE (default 'yield'; 'spin'; 'backoff' = spin, yield, then park 1 us doubling up to
 * GW_RTT_AGENT_MAX_PARK_NS, default 20000), GW_RTT_AGENT_CPU (pin the agent, default -1),
 * GW_RTT_POLLER_SPIN_POLLS (default 0 empty event-loop turns), GW_RTT_POLLER_SPIN_US (default 0) and
 * GW_RTT_POLLER_SPIN_WAIT_US (default 0: busy-wait on the ring after a message) before the JS poller
 * parks and waits for the doorbell: by default the JS handler runs on the Node main thread woken by
 * the doorbell (uv_async) on every message, and the agent spins GW_RTT_BLOCK_AFTER (default 100) idle
 * cycles, then sleeps in epoll_wait until a socket is ready or the outbound ring's doorbell (JS send
 * while it sleeps) wakes it (0 = spin forever).
 * Measured on this 2-core VM (P3, strace and perf sched): per round trip the native path makes more
 * system calls and thread hand-offs than the bare echo (recv, eventfd write, the JS thread's epoll and
 * eventfd read, send); the doorbell through a thread-safe function added two futex calls and a sleep
 * of the JS thread on Node's mutex (gone with the uv_async doorbell); a spinning JS poller (spin polls
 * or spin wait) with the agent spinning reached ~24 us round trips but turned bimodal (~200-400 us
 * runs) whenever the client or another process needed one of the two cores.
 * Reports the median over all round trips, min/max of the per-run medians, and p10, p99 and the fastest
 * round trip (extra): on a shared machine the low percentiles show the path's own cost best.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FixMessage } from '../../src/fix/message.js';
import { type IdleKind, NativeTransport } from '../../src/native/net.js';
import { NodeTransport } from '../../src/transport/node.js';
import type { ConnectionInfo, Transport, TransportHandler } from '../../src/transport/transport.js';
import type { Case, Result } from '../harness.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const COUNT = Number(process.env.GW_RTT_COUNT ?? 5000);
const RUNS = 9;
const WARMUP = 2000;
const CASE = 'tcp.rtt.fix200';

function fixMessage(seq: number): Buffer {
  const SOH = '\x01';
  const body =
    `35=D${SOH}34=${seq}${SOH}49=MEMBER1${SOH}56=CCP${SOH}52=20261124-02:30:00.000${SOH}` +
    `11=ORD${String(seq).padStart(6, '0')}${SOH}55=ACME${SOH}54=1${SOH}38=100${SOH}40=2${SOH}44=12.345${SOH}60=20261124-02:30:00.000${SOH}` +
    `1=ACCOUNT-0001${SOH}15=USD${SOH}59=0${SOH}21=1${SOH}`;
  const head = `8=FIX.4.4${SOH}9=${body.length}${SOH}`;
  let sum = 0;
  for (const ch of head + body) sum += ch.charCodeAt(0);
  return Buffer.from(`${head}${body}10=${String(sum % 256).padStart(3, '0')}${SOH}`, 'latin1');
}

let built: { client: string; message: string } | undefined;
function build(): { client: string; message: string } {
  if (built) return built;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rtt-bench-'));
  const client = path.join(dir, 'rtt_client');
  const r = spawnSync('gcc', ['-std=c11', '-O2', '-Wall', '-Wextra', '-Werror', path.join(ROOT, 'perf', 'native', 'rtt_client.c'), '-o', client], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building rtt_client failed:\n${r.stderr}`);
  const message = path.join(dir, 'message.fix');
  fs.writeFileSync(message, fixMessage(1));
  return (built = { client, message });
}

interface ClientResult {
  median: number;
  p10: number;
  p99: number;
  min: number;
  max: number;
  samples: number;
  runMedians: number[];
  bytes: number;
}

/** Runs the client against 127.0.0.1:port without blocking this event loop. */
function runClient(port: number): Promise<ClientResult> {
  const { client, message } = build();
  return new Promise((resolve, reject) => {
    const p = spawn(client, ['127.0.0.1', String(port), message, String(COUNT), String(RUNS), String(WARMUP)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as ClientResult) : reject(new Error(`rtt_client exited ${code}: ${err}`))));
  });
}

function result(impl: string, r: ClientResult, extra: Record<string, number | string>): Result {
  return {
    case: CASE,
    impl,
    unit: 'ns/rtt',
    median: r.median,
    min: Math.min(...r.runMedians),
    max: Math.max(...r.runMedians),
    runs: r.runMedians.length,
    extra: { p10: r.p10, p99: r.p99, fastest: r.min, samples: r.samples, bytes: r.bytes, ...extra },
  };
}

async function bareEcho(): Promise<Result> {
  const server = net.createServer((s) => {
    s.setNoDelay(true);
    s.on('data', (d) => s.write(d));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    return result('node-echo', await runClient((server.address() as net.AddressInfo).port), {});
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
}

/** Writes every message back on the connection it came from. */
class Echo implements TransportHandler {
  transport: Transport | undefined;
  messages = 0;
  failures = 0;
  onConnected(_id: number, _info: ConnectionInfo): void {}
  onMessage(id: number, m: FixMessage): void {
    this.messages++;
    if (this.transport!.send(id, m.buffer, m.rawOffset, m.rawLength) !== 0) this.failures++;
  }
  onGarbled(): void {
    this.failures++;
  }
  onDisconnected(): void {}
  onError(): void {
    this.failures++;
  }
}

async function transportEcho(impl: string, make: (h: Echo) => Transport, describe: () => Record<string, number | string>): Promise<Result> {
  const echo = new Echo();
  const tr = make(echo);
  echo.transport = tr;
  try {
    const { port } = await tr.listen({ host: '127.0.0.1', port: 0 });
    const r = await runClient(port);
    if (echo.failures > 0) throw new Error(`${impl}: ${echo.failures} failed sends/garbled/errors`);
    return result(impl, r, { messages: echo.messages, ...describe() });
  } finally {
    await tr.close();
  }
}

const agentIdle = (process.env.GW_RTT_AGENT_IDLE ?? 'yield') as IdleKind;
const maxParkNs = Number(process.env.GW_RTT_AGENT_MAX_PARK_NS ?? 20000);
const spinMicros = Number(process.env.GW_RTT_POLLER_SPIN_US ?? 0);
const spinPolls = Number(process.env.GW_RTT_POLLER_SPIN_POLLS ?? 0);
const spinWaitMicros = Number(process.env.GW_RTT_POLLER_SPIN_WAIT_US ?? 0);
const blockAfter = Number(process.env.GW_RTT_BLOCK_AFTER ?? 100);
const agentCpu = Number(process.env.GW_RTT_AGENT_CPU ?? -1);

export const cases: Case[] = [
  { name: CASE, impl: 'node-echo', run: bareEcho },
  { name: CASE, impl: 'node-transport', run: () => transportEcho('node-transport', (h) => new NodeTransport(h), () => ({})) },
  {
    name: CASE,
    impl: 'native-transport',
    run: () => {
      let native: NativeTransport | undefined;
      return transportEcho(
        'native-transport',
        (h) => (native = new NativeTransport(h, { idle: agentIdle, cpu: agentCpu, maxParkNs, agent: { blockAfterIdleCycles: blockAfter }, poller: { spinPolls: spinPolls, spinMicros, spinWaitMicros } })),
        () => {
          const s = native!.stats();
          return { agentIdle, agentCpu, blockAfterIdleCycles: blockAfter, maxParkNs, pollerSpinPolls: spinPolls, pollerSpinUs: spinMicros, pollerSpinWaitUs: spinWaitMicros, jsWake: spinPolls > 0 || spinMicros > 0 || spinWaitMicros > 0 ? 'spin then doorbell' : 'doorbell', doorbell: native!.doorbellKind, messagesIn: s.messagesIn };
        },
      );
    },
  },
];
