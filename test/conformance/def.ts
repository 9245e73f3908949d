/**
 * Runner for QuickFIX acceptance-test scripts (`.def`, format in ../shared/data/README.md).
 *
 * Steps: `iCONNECT` / `i<N>,CONNECT`, `iDISCONNECT`, `eDISCONNECT`, `I<msg>`, `E<msg>` (each optionally
 * prefixed `<N>,` for connection N; default 1), `#` comments, blank lines. Macros `<TIME>`, `<TIME+n>`,
 * `<TIME-n>` expand to the UTC timestamp in seconds (YYYYMMDD-HH:MM:SS, as QuickFIX's runner does: the
 * scripts' BodyLengths assume it) when the step runs.
 *
 * Sending (I): BodyLength (9) and CheckSum (10) are computed when absent and kept verbatim when present
 * (scripts use wrong values on purpose).
 *
 * Comparison (E), decided here after QuickFIX's own runner: the received message must have the same
 * fields in the same order; values compare exactly, except those of 10, 42, 52, 60 and 122, which must
 * match the regexes of fields.fmt (the expected value is a placeholder). 9 is compared exactly unless
 * the expected line contained a macro (its length then depends on the macro's expansion). 9 and 10 of
 * the received message are additionally verified structurally by the reader (framing by BodyLength
 * and a CheckSum recomputation), so a wrong length or checksum never passes.
 *
 * Thread: test-only; one runner per script, on the ava worker's JS thread.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';

export const SOH = '\x01';

export type Step =
  | { kind: 'connect'; conn: number; line: number }
  | { kind: 'disconnect'; conn: number; line: number }
  | { kind: 'expectDisconnect'; conn: number; line: number }
  | { kind: 'send'; conn: number; text: string; line: number }
  | { kind: 'expect'; conn: number; text: string; line: number };

/** Parses a .def file's text into steps. Throws on a line it does not understand. */
export function parseDef(text: string): Step[] {
  const steps: Step[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const code = line[0];
    let rest = line.slice(1);
    let conn = 1;
    const m = /^(\d+),/.exec(rest);
    if (m) {
      conn = Number(m[1]);
      rest = rest.slice(m[0].length);
    }
    const n = i + 1;
    if (code === 'i' && rest.trim() === 'CONNECT') steps.push({ kind: 'connect', conn, line: n });
    else if (code === 'i' && rest.trim() === 'DISCONNECT') steps.push({ kind: 'disconnect', conn, line: n });
    else if (code === 'e' && rest.trim() === 'DISCONNECT') steps.push({ kind: 'expectDisconnect', conn, line: n });
    else if (code === 'I') steps.push({ kind: 'send', conn, text: rest.replace(/[\r\n]+$/, ''), line: n });
    else if (code === 'E') steps.push({ kind: 'expect', conn, text: rest.replace(/[\r\n]+$/, ''), line: n });
    else throw new Error(`line ${n}: cannot parse step ${JSON.stringify(raw.slice(0, 40))}`);
  }
  return steps;
}

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

/** UTC timestamp YYYYMMDD-HH:MM:SS.sss for epoch milliseconds. */
export function utcTimestamp(ms: number): string {
  const d = new Date(ms);
  return (
    `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1, 2)}${pad(d.getUTCDate(), 2)}-` +
    `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(d.getUTCMilliseconds(), 3)}`
  );
}

/** Expands <TIME>, <TIME+n>, <TIME-n>. */
export function expandMacros(text: string, nowMs: number): { text: string; expanded: boolean } {
  let expanded = false;
  const out = text.replace(/<TIME([+-]\d+)?>/g, (_m, shift: string | undefined) => {
    expanded = true;
    return utcTimestamp(nowMs + (shift ? Number(shift) * 1000 : 0)).slice(0, 17);
  });
  return { text: out, expanded };
}

export function splitFields(msg: string): [string, string][] {
  const out: [string, string][] = [];
  for (const f of msg.split(SOH)) {
    if (f === '') continue;
    const eq = f.indexOf('=');
    out.push(eq < 0 ? [f, ''] : [f.slice(0, eq), f.slice(eq + 1)]);
  }
  return out;
}

function checksum(s: string): string {
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += s.charCodeAt(i) & 0xff;
  return pad(sum % 256, 3);
}

/** Adds 9 and 10 when absent (I lines). */
export function completeMessage(msg: string): string {
  let fields = splitFields(msg);
  if (!fields.some(([t]) => t === '9')) {
    const body = fields
      .filter(([t]) => t !== '8' && t !== '10')
      .map(([t, v]) => `${t}=${v}${SOH}`)
      .join('');
    const idx = fields.findIndex(([t]) => t === '8');
    fields = [...fields.slice(0, idx + 1), ['9', String(Buffer.byteLength(body, 'latin1'))] as [string, string], ...fields.slice(idx + 1)];
  }
  let text = fields
    .filter(([t]) => t !== '10')
    .map(([t, v]) => `${t}=${v}${SOH}`)
    .join('');
  const given = fields.find(([t]) => t === '10');
  text += `10=${given ? given[1] : checksum(text)}${SOH}`;
  return text;
}

/**
 * Loads fields.fmt: `tag=regex` per line. The regexes are anchored at the start only (a prefix match,
 * like QuickFIX's regex search): the scripts' own placeholders, e.g. 122=00000000-00:00:00.000 with
 * its BodyLength, show that a timestamp with milliseconds must match `\d{8}-\d{2}:\d{2}:\d{2}`.
 */
export function loadFieldFormats(file: string): Map<string, RegExp> {
  const map = new Map<string, RegExp>();
  for (const line of fs.readFileSync(file, 'latin1').split(/\r?\n/)) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    map.set(line.slice(0, eq), new RegExp(`^(?:${line.slice(eq + 1)})`));
  }
  return map;
}

/** Compares a received message with an expected one; returns a difference or undefined. */
export function compareMessages(expected: string, actual: string, formats: Map<string, RegExp>, ignoreBodyLength: boolean): string | undefined {
  const e = splitFields(expected);
  let a = splitFields(actual);
  // Expected lines written without 9 or 10 do not compare them (the reader has verified both).
  if (!e.some(([t]) => t === '9')) a = a.filter(([t]) => t !== '9');
  if (!e.some(([t]) => t === '10')) a = a.filter(([t]) => t !== '10');
  const n = Math.max(e.length, a.length);
  let bodyLengthDiff: string | undefined;
  for (let i = 0; i < n; i++) {
    const ef = e[i];
    const af = a[i];
    if (ef === undefined) return `unexpected extra field ${af[0]}=${af[1]} at position ${i}`;
    if (af === undefined) return `missing field ${ef[0]}=${ef[1]} at position ${i}`;
    if (ef[0] !== af[0]) return `field ${i}: expected tag ${ef[0]} (=${ef[1]}), got ${af[0]}=${af[1]}`;
    const re = formats.get(ef[0]);
    if (re) {
      if (!re.test(af[1])) return `field ${ef[0]}: ${JSON.stringify(af[1])} does not match ${re.source}`;
    } else if (ef[0] === '9' && ignoreBodyLength) {
      continue;
    } else if (ef[1] !== af[1]) {
      const diff = `field ${ef[0]}: expected ${JSON.stringify(ef[1])}, got ${JSON.stringify(af[1])}`;
      // A BodyLength difference is reported only if nothing more telling follows.
      if (ef[0] === '9') bodyLengthDiff ??= diff;
      else return diff;
    }
  }
  return bodyLengthDiff;
}

/** A TCP client that splits the stream into FIX messages (by BodyLength) and checks each CheckSum. */
export class FixClient {
  private readonly socket: net.Socket;
  private buf = '';
  private closed = false;
  private waiter: (() => void) | undefined;
  readonly problems: string[] = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.buf += d;
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {
      this.closed = true;
      this.wake();
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<FixClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host }, () => {
        s.off('error', reject);
        s.setNoDelay(true);
        resolve(new FixClient(s));
      });
      s.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    if (w) w();
  }

  private wait(deadline: number): Promise<boolean> {
    const left = deadline - Date.now();
    if (left <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.waiter = undefined;
        resolve(false);
      }, left);
      this.waiter = () => {
        clearTimeout(t);
        resolve(true);
      };
    });
  }

  send(text: string): void {
    if (!this.closed) this.socket.write(Buffer.from(text, 'latin1'));
  }

  /** Takes one complete message from the buffer, or undefined. Throws on a malformed stream. */
  private take(): string | undefined {
    const m = /^8=[^\x01]*\x019=(\d+)\x01/.exec(this.buf);
    if (!m) {
      if (this.buf.length > 32 && !this.buf.startsWith('8=')) throw new Error(`received non-FIX bytes: ${JSON.stringify(this.buf.slice(0, 60))}`);
      return undefined;
    }
    const end = m[0].length + Number(m[1]);
    if (this.buf.length < end + 7) return undefined;
    const trailer = this.buf.slice(end, end + 7);
    if (!/^10=\d{3}\x01$/.test(trailer)) throw new Error(`BodyLength ${m[1]} does not end at 10=: ${JSON.stringify(this.buf.slice(0, end + 7))}`);
    const body = this.buf.slice(0, end);
    if (checksum(body) !== trailer.slice(3, 6)) throw new Error(`wrong CheckSum ${trailer.slice(3, 6)} (computed ${checksum(body)})`);
    this.buf = this.buf.slice(end + 7);
    return body + trailer;
  }

  /** Next message within timeoutMs; undefined when the connection closed or the time ran out (see `closed`). */
  async read(timeoutMs: number): Promise<string | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const msg = this.take();
      if (msg !== undefined) return msg;
      if (this.closed) return undefined;
      if (!(await this.wait(deadline))) return this.take();
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Waits for the peer to close; returns a message if one arrived instead (a failure for eDISCONNECT). */
  async expectClose(timeoutMs: number): Promise<{ closed: boolean; received?: string }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const msg = this.take();
      if (msg !== undefined) return { closed: false, received: msg };
      if (this.closed) return { closed: true };
      if (!(await this.wait(deadline))) return { closed: this.closed };
    }
  }

  close(): void {
    this.socket.destroy();
    this.closed = true;
  }
}

export interface RunOptions {
  port: number;
  formats: Map<string, RegExp>;
  /** How long an E step waits for its message (scripts with heartbeats wait a few intervals). */
  expectTimeoutMs?: number;
  disconnectTimeoutMs?: number;
}

/** Runs a script; resolves with undefined on success or a failure description. Closes its connections. */
export async function runScript(steps: Step[], opts: RunOptions): Promise<string | undefined> {
  const clients = new Map<number, FixClient>();
  const expectTimeout = opts.expectTimeoutMs ?? 12_000;
  const disconnectTimeout = opts.disconnectTimeoutMs ?? 12_000;
  try {
    for (const step of steps) {
      const where = `line ${step.line}`;
      const c = clients.get(step.conn);
      switch (step.kind) {
        case 'connect':
          c?.close();
          clients.set(step.conn, await FixClient.connect(opts.port));
          break;
        case 'disconnect':
          if (c) c.close();
          clients.delete(step.conn);
          break;
        case 'expectDisconnect': {
          if (!c) return `${where}: eDISCONNECT without a connection`;
          const r = await c.expectClose(disconnectTimeout);
          if (r.received !== undefined) return `${where}: expected disconnect, received ${r.received.replaceAll(SOH, '|')}`;
          if (!r.closed) return `${where}: expected disconnect, connection still open after ${disconnectTimeout} ms`;
          clients.delete(step.conn);
          break;
        }
        case 'send': {
          if (!c) return `${where}: send without a connection`;
          c.send(completeMessage(expandMacros(step.text, Date.now()).text));
          break;
        }
        case 'expect': {
          if (!c) return `${where}: expect without a connection`;
          const exp = expandMacros(step.text, Date.now());
          const got = await c.read(expectTimeout);
          if (got === undefined) return `${where}: expected ${exp.text.replaceAll(SOH, '|')} but ${c.isClosed ? 'the connection closed' : 'nothing arrived'}`;
          const diff = compareMessages(exp.text, got, opts.formats, exp.expanded);
          if (diff !== undefined) return `${where}: ${diff}\n  expected ${exp.text.replaceAll(SOH, '|')}\n  received ${got.replaceAll(SOH, '|')}`;
          break;
        }
      }
    }
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    for (const c of clients.values()) c.close();
  }
}
