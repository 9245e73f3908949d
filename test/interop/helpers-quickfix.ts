/**
 * Helpers for test/interop/quickfix.test.ts: where the QuickFIX initiator binary is, running the gateway
 * CLI and the initiator as child processes, QuickFIX settings, and reading both sides' records (QuickFIX's
 * FileLog, the gateway's journal) into plain per-message summaries.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { PROJECT_ROOT } from '../helpers/refdata.js';
import { Journal, RECORD_HEADER_LENGTH, RT_INBOUND, RT_OUTBOUND } from '../../src/journal/journal.js';
import { InboundMessageDecoder } from '../../src/generated/gateway-internal/InboundMessage.js';
import { OutboundMessageDecoder } from '../../src/generated/gateway-internal/OutboundMessage.js';

/** The gateway CLI: $GATEWAY_CLI (another build of it), else this project's dist/. */
export const CLI = process.env.GATEWAY_CLI ?? path.join(PROJECT_ROOT, 'dist', 'src', 'gateway', 'cli.js');

/**
 * The qfx_initiator built by native/cmake/interop.cmake (-DGATEWAY_INTEROP=ON): $GATEWAY_QFX_INITIATOR,
 * else build/ or build-interop/ of the project. Returns the path, or the list of places looked at.
 */
export function findInitiator(): { path: string } | { looked: string[] } {
  const env = process.env.GATEWAY_QFX_INITIATOR;
  const candidates = env ? [env] : ['build', 'build-interop'].map((d) => path.join(PROJECT_ROOT, d, 'qfx_initiator'));
  for (const c of candidates) if (fs.existsSync(c)) return { path: c };
  return { looked: candidates };
}

/** One FIX message as a tag → value map (last occurrence wins; groups are not needed here). */
export type Fields = Map<number, string>;

export function parseFix(raw: string): Fields {
  const f: Fields = new Map();
  for (const part of raw.split('\x01')) {
    const eq = part.indexOf('=');
    if (eq > 0) f.set(Number(part.slice(0, eq)), part.slice(eq + 1));
  }
  return f;
}

/** Sequence numbers a message accounts for: [34] or, for a SequenceReset-GapFill, [34, 36). */
export function seqSpan(m: Fields): [number, number] {
  const seq = Number(m.get(34));
  if (m.get(35) === '4' && m.get(123) === 'Y') return [seq, Number(m.get(36))];
  return [seq, seq + 1];
}

/**
 * The numbers missing from [1, end) given spans [from, to): empty when the spans cover it without a hole.
 * Reports at most `limit` missing numbers.
 */
export function holes(spans: [number, number][], end: number, limit = 20): number[] {
  const covered = new Uint8Array(end + 1);
  for (const [a, b] of spans) for (let s = Math.max(1, a); s < Math.min(b, end); s++) covered[s] = 1;
  const out: number[] = [];
  for (let s = 1; s < end && out.length < limit; s++) if (!covered[s]) out.push(s);
  return out;
}

/** QuickFIX FileLog (<FileLogPath>/<session>.messages.current.log): every message in and out, in order. */
export function readQuickfixMessages(file: string): Fields[] {
  const out: Fields[] = [];
  for (const line of fs.readFileSync(file, 'latin1').split('\n')) {
    const at = line.indexOf(' : 8=');
    if (at >= 0) out.push(parseFix(line.slice(at + 3)));
  }
  return out;
}

export interface JournalMessage {
  direction: 'in' | 'out';
  /** seqNum of the record (must equal 34 of the raw message). */
  seq: number;
  fields: Fields;
}

/** Every InboundMessage / OutboundMessage record of a (closed) journal, in position order. */
export async function readJournalMessages(dir: string, segmentBytes?: number): Promise<JournalMessage[]> {
  const out: JournalMessage[] = [];
  const inDec = new InboundMessageDecoder();
  const outDec = new OutboundMessageDecoder();
  const journal = Journal.open({ dir, segmentBytes }, (recordType, _sessionId, _position, buf, offset) => {
    if (recordType !== RT_INBOUND && recordType !== RT_OUTBOUND) return;
    const body = offset + RECORD_HEADER_LENGTH;
    const blockLength = buf[body]! | (buf[body + 1]! << 8);
    const templateId = buf[body + 2]! | (buf[body + 3]! << 8);
    const version = buf[body + 6]! | (buf[body + 7]! << 8);
    const inbound = recordType === RT_INBOUND;
    if (templateId !== (inbound ? InboundMessageDecoder.TEMPLATE_ID : OutboundMessageDecoder.TEMPLATE_ID)) {
      throw new Error(`journal record type ${recordType} with template ${templateId}`);
    }
    const dec = inbound ? inDec.wrap(buf, body + 8, blockLength, version) : outDec.wrap(buf, body + 8, blockLength, version);
    const seq = Number(dec.seqNum());
    const len = dec.rawMessageLength();
    const raw = Buffer.from(buf.buffer, buf.byteOffset + dec.limit + 4, len).toString('latin1');
    out.push({ direction: inbound ? 'in' : 'out', seq, fields: parseFix(raw) });
  });
  await journal.close();
  return out;
}

/** A child process with its stdout collected as lines, and a way to wait for a line. */
export class Child {
  readonly proc: ChildProcess;
  readonly lines: string[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;
  #waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];

  constructor(cmd: string, args: string[], cwd: string) {
    this.proc = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let partial = '';
    this.proc.stdout!.setEncoding('utf8');
    this.proc.stdout!.on('data', (d: string) => {
      partial += d;
      let nl: number;
      while ((nl = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, nl);
        partial = partial.slice(nl + 1);
        this.lines.push(line);
        this.#waiters = this.#waiters.filter((w) => {
          const m = line.match(w.re);
          if (m) w.resolve(m);
          return !m;
        });
      }
    });
    this.proc.stderr!.setEncoding('utf8');
    this.proc.stderr!.on('data', (d: string) => {
      this.stderr += d;
    });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code) => resolve(code)));
  }

  /** Resolves with the first stdout line matching `re` (earlier lines included); rejects on exit or timeout. */
  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    for (const l of this.lines) {
      const m = l.match(re);
      if (m) return Promise.resolve(m);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no line matching ${re} within ${timeoutMs} ms; stdout:\n${this.lines.join('\n')}\nstderr:\n${this.stderr}`)), timeoutMs);
      this.#waiters.push({
        re,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
      void this.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`exited (${code}) before a line matching ${re}; stdout:\n${this.lines.join('\n')}\nstderr:\n${this.stderr}`));
      });
    });
  }
}

/** `gateway hash-password` for `password`. */
export function hashPassword(password: string): string {
  const r = spawnSync(process.execPath, [CLI, 'hash-password'], { input: `${password}\n`, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`hash-password exited ${r.status}: ${r.stderr}`);
  return r.stdout.trim();
}

/** hh:mm:ss UTC of now + deltaMs. */
function utcTime(deltaMs: number): string {
  return new Date(Date.now() + deltaMs).toISOString().slice(11, 19);
}

export interface QuickfixSessionOptions {
  dir: string;
  port: number;
  senderCompId: string;
  targetCompId: string;
  password?: string;
  /** PartyID (448) of the executing firm in each TR side; default the SenderCompID. */
  partyId?: string;
  /** QuickFIX data dictionary to validate both directions with; none: no validation. */
  dataDictionary?: string;
}

/**
 * A QuickFIX settings file: one FIX.4.4 initiator session, FileStore and FileLog under `dir`, nothing
 * ever reset. The session window is now ±2 h (UTC), so no run of the test crosses a session end (which
 * would make QuickFIX reset the store), not even around midnight.
 */
export function writeQuickfixSettings(o: QuickfixSessionOptions): string {
  const lines = [
    '[DEFAULT]',
    'ConnectionType=initiator',
    'ReconnectInterval=1',
    `FileStorePath=${path.join(o.dir, 'store')}`,
    `FileLogPath=${path.join(o.dir, 'log')}`,
    `StartTime=${utcTime(-2 * 3600_000)}`,
    `EndTime=${utcTime(2 * 3600_000)}`,
    'ResetOnLogon=N',
    'ResetOnLogout=N',
    'ResetOnDisconnect=N',
    'PersistMessages=Y',
    'TimestampPrecision=3',
    ...(o.dataDictionary ? ['UseDataDictionary=Y', `DataDictionary=${o.dataDictionary}`] : ['UseDataDictionary=N']),
    '',
    '[SESSION]',
    'BeginString=FIX.4.4',
    `SenderCompID=${o.senderCompId}`,
    `TargetCompID=${o.targetCompId}`,
    'SocketConnectHost=127.0.0.1',
    `SocketConnectPort=${o.port}`,
    'HeartBtInt=30',
    ...(o.password ? [`Password=${o.password}`] : []),
    ...(o.partyId ? [`PartyID=${o.partyId}`] : []),
    '',
  ];
  const file = path.join(o.dir, 'quickfix.cfg');
  fs.writeFileSync(file, lines.join('\n'));
  return file;
}
