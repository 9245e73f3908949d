/**
 * A clearing member's FIX 4.4 initiator built on jspurefix 5.11.4 (MIT; dev-only peer, test/ only), for
 * test/interop/jspurefix.test.ts. jspurefix runs the session (Logon with Username/Password, sequence
 * numbers, heartbeats, ResendRequest, gap detection); its RecoveringTcpInitiator reconnects after a
 * broken connection and keeps the same session object, so sequence numbers continue across the
 * reconnect without a reset (ResetSeqNumFlag=N).
 *
 * One emulation, because jspurefix 5.11.4 cannot resend application messages on its own: its
 * AsciiSession answers a ResendRequest from `this.store` (a FixMsgMemoryStore) that the session never
 * fills (txOnEncoded writes to `sessionStore`, the resender reads `store`), so every resend would be a
 * SequenceReset-GapFill and the lost TradeCaptureReports would be gone. (Its fallback of re-parsing
 * stored encoded text is broken too: FixMsgAsciiStoreResend.inflate listens for 'msg' with the wrong
 * arity.) MemberSession.sendTcr therefore puts every report, as the object it encoded, under its
 * MsgSeqNum into that store once jspurefix has encoded it, as a member's engine persists what it sends.
 * jspurefix's own resender then answers the gateway's ResendRequest with PossDupFlag=Y copies and gap
 * fills around them.
 *
 * Both directions are recorded as jspurefix encoded/decoded them (its message log), with the time.
 * Thread: the test's JS thread (jspurefix and an in-process gateway share it).
 */
import 'reflect-metadata';
import { createRequire } from 'node:module';
import type * as net from 'node:net';
import type * as Jsp from 'jspurefix';
import type * as JspTcp from 'jspurefix/dist/transport/tcp/index.js';
import { refdata } from '../helpers/refdata.js';
import { type Fields, seqSpan } from './helpers-quickfix.js';

const require = createRequire(import.meta.url);
const jsp = require('jspurefix') as typeof Jsp;
const jspTcp = require('jspurefix/dist/transport/tcp/index.js') as typeof JspTcp;

/** jspurefix logs messages with '|' for SOH; none of the values exchanged here contains either. */
export function parseLogged(text: string): Fields {
  const f: Fields = new Map();
  for (const part of text.split(/[\x01|]/)) {
    const eq = part.indexOf('=');
    if (eq > 0) f.set(Number(part.slice(0, eq)), part.slice(eq + 1));
  }
  return f;
}

export interface Logged {
  fields: Fields;
  /** performance.now() when jspurefix encoded (out) or decoded (in) it. */
  at: number;
}

/** Keeps the last `max` log lines of jspurefix (shown when a test fails). */
class CaptureLogFactory {
  readonly lines: string[] = [];
  constructor(private readonly max = 100_000) {}
  private push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
  }
  logger(type: string): Jsp.IJsFixLogger {
    return {
      info: (m: string) => this.push(`info  ${type}: ${m}`),
      warning: (m: string) => this.push(`warn  ${type}: ${m}`),
      debug: () => undefined,
      error: (e: Error) => this.push(`error ${type}: ${e.message}`),
    };
  }
  plain(): Jsp.IJsFixLogger {
    return this.logger('plain');
  }
}

interface Hooks {
  in(text: string): void;
  out(text: string): void;
  app(msgType: string, view: Jsp.MsgView): void;
  ready(): void;
  stopped(error?: Error): void;
}

/** jspurefix AsciiSession of the member (one object for the whole run, across reconnects). */
class MemberSession extends jsp.AsciiSession {
  /** Reports handed to jspurefix and not yet encoded (no MsgSeqNum yet). */
  pendingEncode = 0;

  constructor(
    config: Jsp.IJsFixConfig,
    private readonly hooks: Hooks,
  ) {
    super(config);
    // jspurefix validates what it receives (checksum, known message type and tags, tags defined for the
    // message, required fields, CompIDs at logon) against the FIX 4.4 dictionary and rejects otherwise;
    // by default it does so only as acceptor.
    this.checkMsgIntegrity = true;
  }

  sendTcr(obj: Record<string, unknown>): void {
    this.pendingEncode++;
    this.send('AE', obj, (err, r) => {
      this.pendingEncode--;
      const seq = r.header?.MsgSeqNum as number | undefined;
      if (err || seq === undefined) return;
      // See the file comment: the member's persisted copy, used by jspurefix's resender.
      this.store?.put(new jsp.FixMsgStoreRecord('AE', new Date(), seq, obj)).catch(() => undefined);
    });
  }

  /** The live socket, if connected. */
  socket(): net.Socket | undefined {
    return (this.transport?.duplex as { socket?: net.Socket } | undefined)?.socket;
  }

  /** Bytes encoded but not yet handed to the kernel (the transform's output and the socket's buffer). */
  unwritten(): number {
    const t = this.transport;
    if (!t) return 0;
    const enc = (t.transmitter as unknown as { encodeStream: { readableLength: number } }).encodeStream;
    return enc.readableLength + (this.socket()?.writableLength ?? 0);
  }

  protected onApplicationMsg(msgType: string, view: Jsp.MsgView): void {
    this.hooks.app(msgType, view);
  }
  protected onDecoded(_msgType: string, txt: string): void {
    this.hooks.in(txt);
  }
  protected onEncoded(_msgType: string, txt: string): void {
    this.hooks.out(txt);
  }
  protected onLogon(): boolean {
    return true;
  }
  protected onReady(): void {
    this.hooks.ready();
  }
  protected onStopped(error?: Error): void {
    this.hooks.stopped(error);
  }
}

export interface MemberOptions {
  port: number;
  /** Our CompID (49) and the gateway's (56). */
  senderCompId: string;
  targetCompId: string;
  username?: string;
  password?: string;
  /** node:tls options (ca, cert, key, servername): connect with TLS. */
  tls?: { ca: Buffer; cert: Buffer; key: Buffer; servername: string };
  /** RecoveringTcpInitiator (reconnects, same session) or a single connection. */
  resilient: boolean;
  heartBtInt?: number;
}

export interface Ack {
  /** ARs received without PossDupFlag, and with it (resent by the gateway). */
  first: number;
  possDup: number;
  /** TrdRptStatus (939) of the last one. */
  status: string;
}

/** A jspurefix member: its session, what it sent and received, the acks per TradeReportID. */
export class JspurefixMember {
  readonly out: Logged[] = [];
  readonly in: Logged[] = [];
  readonly acks = new Map<string, Ack>();
  /** Application messages other than AR (msgType list). */
  readonly otherApp: string[] = [];
  logons = 0;
  stops = 0;
  private waiters: (() => void)[] = [];
  private run: Promise<unknown> | undefined;
  private initiator: JspTcp.RecoveringTcpInitiator | undefined;

  private constructor(
    readonly session: MemberSession,
    readonly config: Jsp.IJsFixConfig,
    readonly log: CaptureLogFactory,
    private readonly o: MemberOptions,
  ) {}

  static async create(o: MemberOptions): Promise<JspurefixMember> {
    const log = new CaptureLogFactory();
    const sys = new jsp.SessionContainer();
    sys.registerGlobal(log as unknown as Jsp.JsFixLoggerFactory);
    const tls = o.tls ? { nodeTlsConnectionOptions: { ...o.tls } } : undefined;
    const description = {
      application: {
        name: o.senderCompId,
        type: 'initiator',
        protocol: 'ascii',
        dictionary: refdata('fix', 'dictionaries', 'FIX44.xml'),
        resilient: o.resilient,
        reconnectSeconds: 1,
        recoveryAttemptSeconds: 0,
        connectTimeoutSeconds: 10,
        tcp: { host: '127.0.0.1', port: o.port, tls },
      },
      BeginString: 'FIX.4.4',
      SenderCompId: o.senderCompId,
      TargetCompID: o.targetCompId,
      Username: o.username,
      Password: o.password,
      HeartBtInt: o.heartBtInt ?? 30,
      ResetSeqNumFlag: false,
    } as unknown as Jsp.ISessionDescription;
    const container = await sys.makeSystem(description);
    const config = container.resolve<Jsp.IJsFixConfig>(jsp.DITokens.IJsFixConfig);
    let self: JspurefixMember | undefined;
    const session = new MemberSession(config, {
      in: (txt) => self!.record(self!.in, txt),
      out: (txt) => self!.record(self!.out, txt),
      app: (msgType, view) => self!.onApp(msgType, view),
      ready: () => {
        self!.logons++;
        self!.wake();
      },
      stopped: () => {
        self!.stops++;
        self!.wake();
      },
    });
    container.register(jsp.DITokens.FixSession, { useValue: session });
    self = new JspurefixMember(session, config, log, o);
    return self;
  }

  /** Connects (and, when resilient, keeps reconnecting until stop()). Resolves when it has ended. */
  start(): Promise<unknown> {
    if (this.o.resilient) {
      this.initiator = new jspTcp.RecoveringTcpInitiator(this.config);
      this.run = this.initiator.run();
    } else {
      const initiator = new jspTcp.TcpInitiator(this.config);
      this.run = initiator.connect(10).then((transport) => this.session.run(transport));
    }
    this.run = this.run.catch((e: Error) => e).finally(() => this.wake());
    return this.run;
  }

  /** Logout (jspurefix's own), then the end of the run. */
  async logout(): Promise<void> {
    this.session.done();
    await this.until(() => this.stops > 0 && this.session.getState() === jspTcp.SessionState.Stopped, 10_000, 'logout');
    this.initiator?.stop();
    await this.run;
  }

  /** Stops without Logout (test teardown). */
  stop(): void {
    this.initiator?.stop();
    this.session.socket()?.destroy();
  }

  sendTcr(n: number, transactTime: Date): void {
    this.session.sendTcr(tcr(n, transactTime));
  }

  /** Resolves once every report handed over is encoded and its bytes reached the kernel. */
  drained(timeoutMs = 30_000): Promise<void> {
    return this.until(() => this.session.pendingEncode === 0 && this.session.unwritten() === 0, timeoutMs, 'drain', true);
  }

  /** Resolves once pred() holds (checked on every jspurefix event and every 20 ms, 5 ms with `poll`); throws after timeoutMs. */
  async until(pred: () => boolean, timeoutMs: number, what: string, poll = false): Promise<void> {
    const end = performance.now() + timeoutMs;
    while (!pred()) {
      const left = end - performance.now();
      if (left <= 0) throw new Error(`jspurefix member: timed out waiting for ${what}; last log lines:\n${this.log.lines.slice(-30).join('\n')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, poll ? 5 : 20));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Next MsgSeqNum jspurefix will send / expects: one past the highest it encoded / decoded (gap fills count to NewSeqNo - 1). */
  nextOut(): number {
    return nextAfter(this.out);
  }
  nextIn(): number {
    return nextAfter(this.in);
  }

  private record(list: Logged[], txt: string): void {
    list.push({ fields: parseLogged(txt), at: performance.now() });
    this.wake();
  }

  private onApp(msgType: string, view: Jsp.MsgView): void {
    if (msgType !== 'AR') {
      this.otherApp.push(msgType);
      return;
    }
    const id = view.getString(571) ?? '';
    const possDup = view.getString(43) === 'Y';
    const a = this.acks.get(id) ?? { first: 0, possDup: 0, status: '' };
    if (possDup) a.possDup++;
    else a.first++;
    a.status = view.getString(939) ?? '';
    this.acks.set(id, a);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

function nextAfter(list: Logged[]): number {
  let max = 0;
  for (const m of list) {
    const [, to] = seqSpan(m.fields);
    if (to - 1 > max) max = to - 1;
  }
  return max + 1;
}

/** TradeCaptureReport TR<n> as jspurefix's FIX 4.4 object (QuickFIX dictionary names). LastPx is decimal text. */
export function tcr(n: number, transactTime: Date): Record<string, unknown> {
  return {
    TradeReportID: `TR${n}`,
    TradeReportTransType: 0,
    TradeReportType: 0,
    PreviouslyReported: false,
    Instrument: { Symbol: 'AAPL', SecurityID: 'US0378331005', SecurityIDSource: '4' },
    LastQty: 100 + (n % 50),
    LastPx: `${187 + (n % 7)}.${String(n % 100).padStart(2, '0')}`,
    TradeDate: transactTime.toISOString().slice(0, 10).replace(/-/g, ''),
    TransactTime: transactTime,
    TrdCapRptSideGrp: { NoSides: [{ Side: n % 2 === 0 ? '1' : '2', OrderID: `O${n}` }] },
  };
}

export { sessionEvents } from '../helpers/gateway-fixtures.js';
