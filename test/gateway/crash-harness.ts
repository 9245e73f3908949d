/**
 * Crash trials of the gateway process (crash.test.ts runs a few dozen, perf/soak-crash.ts as many as
 * asked). A chain is one journal directory: the gateway is started (`node dist/src/gateway/cli.js
 * start`), the member (crash-member.ts) logs on, recovers, checks a resend of what it had received,
 * streams TradeCaptureReports with a window in flight, and the gateway is SIGKILLed; then it is started
 * again on the same journal, once per kill, and a last run ends with SIGTERM. Each kill is one trial.
 * When it lands (shuffled with the seed, fixed counts): `stream` 20-300 ms into the stream; `recovery`
 * 0-20 ms after the Logon reply (resend exchange, resend check); `roll` 0-10 ms after the journal's next
 * segment file appears (records of one batch split across two segments and two flushes).
 *
 * Checks (each failure is one line in `violations`, with the evidence):
 * - acknowledged is durable: every TradeReportID the member saw acknowledged before a kill has, in the
 *   records the next start recovered, its inbound TradeCaptureReport at the member's seq and its AR at
 *   the gateway seq the member processed it at;
 * - sequence numbers continue: the Logon reply after a restart carries the journal's last outbound seq
 *   + 1 and is not below what the member had already received; the gateway's expected inbound seq (its
 *   ResendRequest's BeginSeqNo, or our Logon's seq when it asks for nothing) is the journal's;
 * - nothing is applied twice: per inbound seq at most one consumed record, per TradeReportID at most one
 *   inbound TradeCaptureReport and one AR (resends are never journaled as originals), per outbound seq
 *   one record; the member never receives two original (non-PossDup) ARs for one TradeReportID;
 * - resends are served: after each restart a ResendRequest for up to 64 earlier gateway messages returns
 *   the ARs with PossDup=Y and the same 571 at the same seqs, admin messages gap-filled; ARs lost with
 *   the connection come back as PossDup resends when the member asks for its gap;
 * - delivered: a TradeCaptureReport whose AR is in the journal but that the member never got an AR for,
 *   after recovering with its own ResendRequest, is a violation (the resend skipped it);
 * - answered: every TradeCaptureReport the gateway journaled is acknowledged (reported as `unanswered`:
 *   after recovery the member has no way to get an answer for one the gateway consumed silently).
 * - cleared once: the gateway runs the clearing engine (test reference data); every report is a new
 *   two-sided trade (MBRA buys 1 AAPL at 100.00 from MBRB), so every AR must be accepted (939=0) with a
 *   trade id of its own, the same one when resent, and after the last run the journal's positions
 *   (clearing-report.ts, the engine's PositionChanged records) must be exactly one share and 100.00 per
 *   accepted AR in the journal, the highest trade id their count: no acknowledged trade lost, none
 *   applied twice across the kills and restarts (each restart replays and verifies the engine state).
 * Timing is never asserted; timings are reported.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { CrashMember, type RecoveryView } from './crash-member.js';
import { type JournalEntry, readJournal, recoveredSequences } from './crash-journal.js';
import { readClearingJournal } from '../../src/gateway/clearing-report.js';
import { writeTestRefdata } from '../helpers/gateway-fixtures.js';

export const SESSION_ID = 7;
const MEMBER = 'MEMBER1';
const GATEWAY = 'CCP';

export interface CrashOptions {
  /** Kills in total. */
  trials: number;
  /** Kills per journal directory (then one clean run closes the chain). */
  chainLength: number;
  seed: number;
  /** FIX transport per chain, round robin. */
  transports: readonly ('native' | 'node')[];
  /** TradeCaptureReports unacknowledged in flight. */
  window: number;
  /** Kill this long into the stream: uniform in [min, max] ms. */
  killAfterMs: readonly [number, number];
  /** Share of the kills placed 0-20 ms after the gateway's Logon reply instead (resend exchange, resend check). */
  recoveryKillRate: number;
  /**
   * Share of the kills made when the journal's next segment file appears (0-10 ms later): the stream runs
   * until the journal rolls over to a new segment (about 1 MiB of records: seconds), so use it sparingly.
   */
  rollKillRate?: number;
  /** journal.segmentBytes (small: segment rolls happen during the trials). */
  segmentBytes: number;
  /** dist/src/gateway/cli.js */
  cliPath: string;
  tmpRoot?: string;
  keepDirs?: boolean;
  log?: (line: string) => void;
}

/** When a kill is scheduled: into the stream, after the Logon reply, or at a segment roll. */
export type Phase = 'stream' | 'recovery' | 'roll';

export interface TrialRecord {
  chain: number;
  run: number;
  transport: string;
  /** When the kill was scheduled: into the stream, or after connecting (recovery). */
  phase: Phase;
  killAfterMs: number;
  /** TradeCaptureReports acknowledged during the killed run. */
  acked: number;
  /** The next start's recovery line. */
  recoveredRecords: number;
  truncatedAt: number | undefined;
  /** Acknowledgements that reached the member only as PossDup resends after the restart. */
  arsViaResend: number;
  /** TradeCaptureReports the member resent (PossDup) when the restarted gateway asked. */
  tcrsResent: number;
}

export interface CrashReport {
  trials: TrialRecord[];
  chains: number;
  tornTails: number;
  violations: string[];
  unanswered: string[];
  acked: number;
  sent: number;
  resendsChecked: number;
  arsViaResend: number;
  tcrsResent: number;
  /** Gateway start (spawn to "ready") in ms: median and max. */
  startMs: { median: number; max: number };
  durationMs: number;
}

export interface GatewayProcess {
  child: ChildProcess;
  port: number;
  recovered: { records: number; segments: number; truncatedAt: number | undefined; line: string };
  output: string[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  startMs: number;
}

const RECOVERED = /^gateway: journal .*: recovered (\d+) records in (\d+) segment\(s\)(?:, torn tail truncated at (\d+))?/;
const LISTENING = /^gateway: listening fix\/tcp (\S+):(\d+)$/;

/** Spawns `node cli.js start --config file` and resolves at "gateway: ready" (port and recovery line parsed). */
export function spawnGateway(cliPath: string, configFile: string, timeoutMs = 60_000): Promise<GatewayProcess> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [cliPath, 'start', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    let port = -1;
    let recovered: GatewayProcess['recovered'] | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gateway not ready after ${timeoutMs} ms:\n${output.join('\n')}`));
    }, timeoutMs);
    readline.createInterface({ input: child.stderr! }).on('line', (l) => output.push(`stderr: ${l}`));
    readline.createInterface({ input: child.stdout! }).on('line', (l) => {
      output.push(l);
      const r = RECOVERED.exec(l);
      if (r) recovered = { records: Number(r[1]), segments: Number(r[2]), truncatedAt: r[3] === undefined ? undefined : Number(r[3]), line: l };
      const m = LISTENING.exec(l);
      if (m) port = Number(m[2]);
      if (l === 'gateway: ready') {
        clearTimeout(timer);
        if (port < 0 || recovered === undefined) {
          child.kill('SIGKILL');
          reject(new Error(`gateway ready without a listening or journal line:\n${output.join('\n')}`));
          return;
        }
        resolve({ child, port, recovered, output, exit, startMs: performance.now() - t0 });
      }
    });
    void exit.then((e) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited (code ${e.code}, signal ${e.signal}) before it was ready:\n${output.join('\n')}`));
    });
  });
}

/** Deterministic PRNG (mulberry32) for kill moments and phases. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function writeConfig(dir: string, transport: 'native' | 'node', segmentBytes: number): string {
  const file = path.join(dir, 'gateway.config.json');
  const doc = {
    gateway: { name: 'crash-test' },
    journal: { dir: 'journal', durability: 'fsync', segmentBytes },
    fix: {
      transport,
      tcp: { host: '127.0.0.1', port: 0 },
      senderCompId: GATEWAY,
      sessions: [{ sessionId: SESSION_ID, member: 'MBRA', beginString: 'FIX.4.4', targetCompId: MEMBER, reset: 'never' }],
    },
    admin: { host: '127.0.0.1', port: 0 },
    clearing: writeTestRefdata(dir),
  };
  fs.writeFileSync(file, JSON.stringify(doc, null, 2));
  return file;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface RunInfo {
  run: number;
  recovered: GatewayProcess['recovered'];
  view: RecoveryView | undefined;
  /** Member's next expected inbound seq when the previous gateway died (= before this logon). */
  nextInBefore: number;
  killed: boolean;
}

export async function runCrashTrials(o: CrashOptions): Promise<CrashReport> {
  const t0 = performance.now();
  const log = o.log ?? (() => undefined);
  const random = rng(o.seed);
  const report: CrashReport = {
    trials: [],
    chains: 0,
    tornTails: 0,
    violations: [],
    unanswered: [],
    acked: 0,
    sent: 0,
    resendsChecked: 0,
    arsViaResend: 0,
    tcrsResent: 0,
    startMs: { median: 0, max: 0 },
    durationMs: 0,
  };
  const starts: number[] = [];
  // The phase of every kill: fixed counts (rates x trials, at least one when a rate is set), shuffled.
  const count = (rate: number | undefined): number => (rate !== undefined && rate > 0 ? Math.max(1, Math.round(o.trials * rate)) : 0);
  const phases: Phase[] = [];
  for (let i = count(o.recoveryKillRate); i > 0; i--) phases.push('recovery');
  for (let i = count(o.rollKillRate); i > 0; i--) phases.push('roll');
  while (phases.length < o.trials) phases.push('stream');
  phases.length = o.trials;
  for (let i = phases.length - 1; i > 0; i--) {
    const k = Math.floor(random() * (i + 1));
    [phases[i], phases[k]] = [phases[k]!, phases[i]!];
  }
  let remaining = o.trials;
  for (let chain = 0; remaining > 0; chain++) {
    const kills = Math.min(o.chainLength, remaining);
    const mine = phases.slice(o.trials - remaining, o.trials - remaining + kills);
    remaining -= kills;
    report.chains++;
    await runChain(o, chain, mine, random, report, starts, log);
  }
  starts.sort((a, z) => a - z);
  report.startMs = { median: Math.round(starts[Math.floor(starts.length / 2)] ?? 0), max: Math.round(starts[starts.length - 1] ?? 0) };
  report.durationMs = Math.round(performance.now() - t0);
  return report;
}

async function runChain(o: CrashOptions, chain: number, phases: readonly Phase[], random: () => number, report: CrashReport, starts: number[], log: (l: string) => void): Promise<void> {
  const transport = o.transports[chain % o.transports.length]!;
  const dir = fs.mkdtempSync(path.join(o.tmpRoot ?? os.tmpdir(), 'gw-crash-'));
  const configFile = writeConfig(dir, transport, o.segmentBytes);
  const member = new CrashMember(MEMBER, GATEWAY, `c${chain}`);
  member.window = o.window;
  const runs: RunInfo[] = [];
  const label = `chain ${chain} (${transport}, ${dir})`;
  const fail = (text: string): void => {
    report.violations.push(`${label}: ${text}`);
  };
  const kills = phases.length;
  let gw: GatewayProcess | undefined;
  try {
    for (let run = 0; run <= kills; run++) {
      const final = run === kills;
      member.run = run;
      const statsBefore = { ...member.stats };
      const violationsBefore = member.violations.length + report.violations.length;
      gw = await spawnGateway(o.cliPath, configFile);
      starts.push(gw.startMs);
      const info: RunInfo = { run, recovered: gw.recovered, view: undefined, nextInBefore: member.nextIn, killed: false };
      runs.push(info);
      if (run > 0) {
        const prev = report.trials[report.trials.length - 1]!;
        prev.recoveredRecords = gw.recovered.records;
        prev.truncatedAt = gw.recovered.truncatedAt;
        if (gw.recovered.truncatedAt !== undefined) report.tornTails++;
      }
      const phase: Phase = final ? 'stream' : phases[run]!;
      const killAfterMs =
        phase === 'recovery' ? Math.floor(random() * 21) : phase === 'roll' ? Math.floor(random() * 11) : o.killAfterMs[0] + Math.floor(random() * (o.killAfterMs[1] - o.killAfterMs[0] + 1));
      const proc = gw;
      const kill = (): void => {
        if (!info.killed) {
          info.killed = true;
          proc.child.kill('SIGKILL');
        }
      };
      let killTimer: NodeJS.Timeout | undefined;
      let watcher: fs.FSWatcher | undefined;
      const killLater = (): void => {
        if (killTimer === undefined) killTimer = setTimeout(kill, killAfterMs);
      };
      member.onLogonReply = phase === 'recovery' ? killLater : undefined;
      await member.connect(gw.port);
      const view = await member.logonAndRecover();
      info.view = view;
      if (view.outcome === 'timeout') fail(`run ${run}: recovery did not complete within 20 s (logon seq ${view.logonSeq}, reply ${view.reply?.raw.replace(/\x01/g, '|')})`);
      if (view.outcome === 'ok' && run > 0 && view.reply !== undefined && view.reply.seq > 1) {
        const to = view.reply.seq - 1;
        const r = await member.checkResend(Math.max(1, to - 63), to);
        if (r === 'timeout') fail(`run ${run}: ResendRequest [${Math.max(1, to - 63)}, ${to}] not answered within 20 s`);
      }
      if (member.connected) {
        if (final) {
          member.startStream();
          await sleep(50 + Math.floor(random() * 100));
          member.stopStream();
          const r = await member.waitUntil(() => member.pending.size === 0, 20_000, true);
          if (r !== 'ok') fail(`run ${run} (final): ${member.pending.size} TradeCaptureReports still unacknowledged (${r})`);
        } else {
          if (phase === 'roll') {
            const jdir = path.join(dir, 'journal');
            const known = new Set(fs.readdirSync(jdir));
            watcher = fs.watch(jdir, (_event, name) => {
              if (name !== null && /^\d{20}\.journal$/.test(String(name)) && !known.has(String(name))) killLater();
            });
            setTimeout(killLater, 60_000).unref(); // no roll within a minute: kill anyway
          }
          member.startStream();
          if (phase === 'stream') killLater();
        }
      } else if (!final) {
        killLater(); // the connection ended early: nothing to stream
      }
      if (final) {
        proc.child.kill('SIGTERM');
        const e = await proc.exit;
        if (e.code !== 0) fail(`run ${run}: SIGTERM exit code ${e.code} signal ${e.signal}:\n${proc.output.join('\n')}`);
        member.destroy();
        await member.whenClosed();
      } else {
        const e = await proc.exit;
        clearTimeout(killTimer);
        watcher?.close();
        if (!info.killed) fail(`run ${run}: the gateway exited by itself (code ${e.code}, signal ${e.signal}):\n${proc.output.join('\n')}`);
        await member.whenClosed();
        report.trials.push({
          chain,
          run,
          transport,
          phase,
          killAfterMs,
          acked: [...member.acked.values()].filter((a) => a.run === run).length,
          recoveredRecords: -1,
          truncatedAt: undefined,
          arsViaResend: 0,
          tcrsResent: 0,
        });
      }
      if (run > 0) {
        const prev = report.trials[report.trials.length - (final ? 1 : 2)]!;
        prev.arsViaResend = member.stats.arsViaResend - statsBefore.arsViaResend;
        prev.tcrsResent = member.stats.tcrsResent - statsBefore.tcrsResent;
      }
      gw = undefined;
      if (member.violations.length + report.violations.length > violationsBefore) {
        const prev = member.prevTrace.slice(-15);
        log(`${label} run ${run}: member trace (end of the previous run, then this run):\n  ${prev.join('\n  ')}\n  ----\n  ${member.trace.slice(0, 80).join('\n  ')}`);
      }
      log(`${label} run ${run}: ${final ? 'closed' : `killed ${phase} +${killAfterMs} ms`}; recovered ${info.recovered.records} records${info.recovered.truncatedAt !== undefined ? ` (torn tail at ${info.recovered.truncatedAt})` : ''}; acked ${member.acked.size}, pending ${member.pending.size}, stuck ${member.stuck.size}`);
    }
    checkChain(dir, o.segmentBytes, runs, member, fail, (u) => report.unanswered.push(`${label}: ${u}`));
    for (const v of member.violations) fail(v);
    report.acked += member.acked.size;
    report.sent += member.stats.tcrsSent;
    report.resendsChecked += member.stats.resendsChecked;
    report.arsViaResend += member.stats.arsViaResend;
    report.tcrsResent += member.stats.tcrsResent;
    const failedHere = report.violations.some((v) => v.startsWith(label)) || report.unanswered.some((v) => v.startsWith(label));
    if (!o.keepDirs && !failedHere) fs.rmSync(dir, { recursive: true, force: true });
    else log(`${label}: journal kept in ${dir}`);
  } catch (e) {
    gw?.child.kill('SIGKILL');
    member.destroy();
    fail(`aborted: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    log(`${label}: journal kept in ${dir}`);
  }
}

/** The journal checks of one chain (see the module comment). */
function checkChain(dir: string, segmentBytes: number, runs: RunInfo[], member: CrashMember, fail: (t: string) => void, noteUnanswered: (t: string) => void): void {
  const j = readJournal(path.join(dir, 'journal'), segmentBytes);
  const entries = j.entries.filter((e) => e.sessionId === SESSION_ID);
  const fmt = (e: JournalEntry): string => (e.kind === 'in' || e.kind === 'out' ? `${e.kind} #${e.ordinal} @${e.position} seq ${e.seq}: ${e.msg.raw.replace(/\x01/g, '|')}` : `${e.kind} #${e.ordinal} @${e.position}`);

  // Sequence continuation and durability of what was acknowledged, per restart.
  const acks = [...member.acked.values()];
  for (let r = 1; r < runs.length; r++) {
    const info = runs[r]!;
    const prefix = info.recovered.records;
    const inBySeq = new Map<number, Extract<JournalEntry, { kind: 'in' }>>();
    const outBySeq = new Map<number, Extract<JournalEntry, { kind: 'out' }>>();
    for (const e of entries) {
      if (e.ordinal >= prefix) break;
      if (e.kind === 'in' && !inBySeq.has(e.seq)) inBySeq.set(e.seq, e);
      if (e.kind === 'out' && !outBySeq.has(e.seq)) outBySeq.set(e.seq, e);
    }
    for (const a of acks) {
      if (a.run >= r) continue;
      const i = inBySeq.get(a.trSeq);
      if (i === undefined || i.msg.type !== 'AE' || i.msg.fields.get(571) !== a.id) {
        fail(`run ${r}: ${a.id} was acknowledged in run ${a.run} (member seq ${a.trSeq}, AR seq ${a.arSeq}) but the ${prefix} recovered records hold ${i ? fmt(i) : 'no inbound record'} at seq ${a.trSeq}`);
      }
      const out = outBySeq.get(a.arSeq);
      if (out === undefined || out.msg.type !== 'AR' || out.msg.fields.get(571) !== a.id) {
        fail(`run ${r}: ${a.id} was acknowledged in run ${a.run} with AR seq ${a.arSeq} but the ${prefix} recovered records hold ${out ? fmt(out) : 'no outbound record'} at seq ${a.arSeq}`);
      }
    }
    const seqs = recoveredSequences(entries, prefix, SESSION_ID);
    const v = info.view;
    if (v?.reply !== undefined) {
      if (v.reply.type === 'A' && v.reply.seq !== seqs.nextOut) fail(`run ${r}: Logon reply seq ${v.reply.seq}, but the recovered journal's next outbound seq is ${seqs.nextOut}`);
      if (v.reply.seq < info.nextInBefore) fail(`run ${r}: Logon reply seq ${v.reply.seq} is below ${info.nextInBefore}, the member's next expected seq: sequence numbers reused`);
      if (v.outcome === 'ok') {
        const expectedIn = v.gatewayResendFrom ?? v.logonSeq;
        if (expectedIn !== seqs.nextIn) fail(`run ${r}: the gateway expected inbound seq ${expectedIn} (${v.gatewayResendFrom !== undefined ? 'its ResendRequest' : 'no ResendRequest for our Logon'} at ${v.logonSeq}), but the recovered journal's next inbound seq is ${seqs.nextIn}`);
        if (expectedIn > v.logonSeq) fail(`run ${r}: the gateway expects inbound seq ${expectedIn}, above the member's Logon seq ${v.logonSeq}`);
        for (const a of acks) if (a.run < r && a.trSeq >= expectedIn) fail(`run ${r}: ${a.id} (member seq ${a.trSeq}) was acknowledged in run ${a.run}, but the gateway expects inbound seq ${expectedIn} again`);
      }
    }
    const logon = entries.find((e) => e.kind === 'logon' && e.ordinal >= prefix);
    const nextStart = r + 1 < runs.length ? runs[r + 1]!.recovered.records : Infinity;
    if (logon !== undefined && logon.kind === 'logon' && logon.ordinal < nextStart && (logon.nextOut !== seqs.nextOut || logon.nextIn !== seqs.nextIn)) {
      fail(`run ${r}: SessionLogon record says next in/out ${logon.nextIn}/${logon.nextOut}, the records before it give ${seqs.nextIn}/${seqs.nextOut}`);
    }
  }

  // Nothing twice, over the whole journal.
  const inSeq = new Map<number, JournalEntry>();
  const outSeq = new Map<number, JournalEntry>();
  const inById = new Map<string, JournalEntry>();
  const arById = new Map<string, Extract<JournalEntry, { kind: 'out' }>>();
  for (const e of entries) {
    if (e.kind === 'in') {
      if (e.seq > 0) {
        const prior = inSeq.get(e.seq);
        if (prior) fail(`inbound seq ${e.seq} consumed twice: ${fmt(prior)} and ${fmt(e)}`);
        else inSeq.set(e.seq, e);
      }
      if (e.msg.type === 'AE') {
        const id = e.msg.fields.get(571)!;
        const prior = inById.get(id);
        if (prior) fail(`TradeCaptureReport ${id} applied twice: ${fmt(prior)} and ${fmt(e)}`);
        else inById.set(id, e);
      }
    } else if (e.kind === 'out') {
      const prior = outSeq.get(e.seq);
      if (prior) fail(`outbound seq ${e.seq} journaled twice: ${fmt(prior)} and ${fmt(e)}`);
      else outSeq.set(e.seq, e);
      if (e.msg.type === 'AR') {
        const id = e.msg.fields.get(571)!;
        if (e.msg.fields.get(43) === 'Y') fail(`a PossDup AR journaled as an outbound record: ${fmt(e)}`);
        const p = arById.get(id);
        if (p) fail(`AR for ${id} journaled twice: ${fmt(p)} and ${fmt(e)}`);
        else arById.set(id, e);
      }
    }
  }
  for (const a of acks) {
    const ar = arById.get(a.id);
    if (ar === undefined || ar.seq !== a.arSeq) fail(`${a.id} acknowledged at AR seq ${a.arSeq}, journal holds ${ar ? fmt(ar) : 'no AR'}`);
  }
  // Every journaled TradeCaptureReport answered.
  for (const [id, e] of inById) {
    if (arById.has(id)) continue;
    const s = member.stuck.get(id);
    noteUnanswered(`${id}: ${fmt(e)} has no AR in the journal; the member ${s ? `gave up after recovery in run ${s.run}` : member.pending.has(id) ? 'still waits' : 'has it acknowledged?!'}`);
  }
  // Cleared once: the engine's positions are exactly the accepted trades.
  const accepted = [...arById.values()].filter((e) => e.msg.fields.get(939) === '0');
  const ids = new Set(accepted.map((e) => e.msg.fields.get(17)));
  if (ids.size !== accepted.length) fail(`${accepted.length} accepted ARs carry ${ids.size} distinct trade ids`);
  const rep = readClearingJournal(path.join(dir, 'journal'));
  const n = accepted.length;
  const pos = (m: string): string => {
    const p = rep.positions.find((x) => x.member === m);
    return p === undefined ? '0 / 0' : `${p.netQty} / ${p.netMoney}`;
  };
  if (rep.lastTradeId !== BigInt(n)) fail(`the journal's last trade id is ${rep.lastTradeId}, but it holds ${n} accepted ARs`);
  if (pos('MBRA') !== `${n} / ${-1_000_000 * n}` || pos('MBRB') !== `${-n} / ${1_000_000 * n}`) {
    fail(`positions after the last run: MBRA ${pos('MBRA')}, MBRB ${pos('MBRB')} (qty / money 10^-4); ${n} accepted trades of 1 @ 100.00 give ${n} / ${-1_000_000 * n} and ${-n} / ${1_000_000 * n}`);
  }
  for (const [id, s] of member.stuck) {
    const ar = arById.get(id);
    if (ar !== undefined) fail(`${id} (member seq ${s.trSeq}) is acknowledged in the journal (${fmt(ar)}) but the AR never reached the member: the gateway's resend after the restart (run ${s.run}) did not deliver it`);
    if (!inById.has(id)) noteUnanswered(`${id} (member seq ${s.trSeq}) never acknowledged and not in the journal, though the gateway's sequence numbers passed it (run ${s.run})`);
  }
}
