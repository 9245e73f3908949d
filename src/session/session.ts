/**
 * The FIX session layer: a deterministic state machine per session, with the clock, the store and the
 * transport injected. `SessionAcceptor` is the TransportHandler of one transport: it identifies sessions
 * by (BeginString, SenderCompID, TargetCompID) on Logon through a SessionDirectory (which also admits:
 * credentials, schedule), serves many sessions and FIX versions on one port, refuses a second logon for
 * a live session and binds each connection to exactly one session (a connection can never act as
 * another session's CompID: every message is checked against the CompIDs bound at logon). It also
 * initiates (`initiate`: outbound links and tests); after the Logon exchange both sides run the same code.
 *
 * Protocol (FIX.4.2 and FIX.4.4 with FIX 4.4's dictionary, FIXT.1.1 + FIX 5.0 SP2): Logon (HeartBtInt, ResetSeqNumFlag, ResetOnLogon,
 * DefaultApplVerID 1137 for FIXT), Heartbeat, TestRequest and timeouts, ResendRequest (EndSeqNo 0 or
 * 999999 = open-ended) served from the store (GapFill for admin messages, PossDupFlag + OrigSendingTime
 * on resent application messages), SequenceReset GapFill/Reset, Reject (373/371/372/45/58),
 * BusinessMessageReject for unsupported application messages, Logout with text, PossDup rules,
 * SendingTime accuracy, BeginString and CompID checks, garbled input ignored, data-dictionary validation
 * (validator.ts). Behaviour and texts follow QuickFIX, which the acceptance suite compares against.
 *
 * Time: nothing reads the wall clock; `clock.now()` is injected and `tick()` must be called
 * periodically by the host (the acceptance server uses a 100 ms interval; tests call it directly). The
 * clock is read once per inbound message (its arrival time serves everything it causes).
 *
 * Sending application messages: `sendApp(session, msgType, fields: OutField[], cause)` (header fields
 * among `fields` are sorted into the header) or, allocation-free, `beginApp(session, msgType)` ->
 * AppMessageBuilder (str/int/fixed/char/bytes/bytesFrom, then send(cause)); both journal the message and
 * release it once durable. Replies waiting for durability are held in a per-session byte queue with one
 * store.onDurable registration outstanding at a time.
 *
 * Steady state (an application message in, a reply built with beginApp out, sequence numbers in order)
 * allocates nothing: values are checked as bytes, MsgType strings come from the dictionary, SendingTime
 * is parsed from bytes into a Float64Array (test/session/session-alloc.test.ts, perf/cases/session.ts).
 * What a caller adds is its own: a clock returning a new number per read (Date.now does) or
 * FixMessage.getDecimal of a mantissa beyond 2^31 returns a heap number per call.
 *
 * Thread: an acceptor, its sessions and its store belong to the JS thread of its transport.
 */
import { GatewayError } from '../codec/errors.js';
import { type FixDictionary, isAdminMessage, isHeaderTag, loadFixDictionary, messageDef, messageDefBytes, messageMsgType, NOT_FOUND } from '../fix/dictionary.js';
import type { FixMessage, FixScope } from '../fix/message.js';
import { FIX44 } from '../generated/fix/fix44.js';
import { FIX50SP2 } from '../generated/fix/fix50sp2.js';
import type { ConnectOptions, ConnectionInfo, Transport, TransportHandler } from '../transport/transport.js';
import { FixBuilder, formatUtcTimestamp, parseUtcTimestamp, scanUtcTimestampBytes, UTC_TIMESTAMP_MS_LENGTH, writeUtcTimestampMs } from './builder.js';
import { PendingQueue } from './pending.js';
import { LogoutReason, type SessionStore } from './store.js';
import { REJECT_TEXT, RejectReason, tagText, validateMessage } from './validator.js';

export interface SessionClock {
  /** Epoch milliseconds. */
  now(): number;
}

/**
 * One configured session as the acceptor runs it (from gateway.config.json, or the acceptance suite's
 * settings). Immutable while the acceptor runs.
 */
export interface SessionSettings {
  /** FIX.4.4 or FIXT.1.1. */
  beginString: string;
  /** Our CompID (56 of their messages, 49 of ours). */
  senderCompId: string;
  /** The member's CompID (49 of their messages). */
  targetCompId: string;
  /** Clearing member the session belongs to (journal SessionLogon.memberId). */
  member: string;
  /** FIXT.1.1: DefaultApplVerID sent on Logon (e.g. "9" = FIX 5.0 SP2). */
  defaultApplVerId?: string;
  /** Reset both sequence numbers on every Logon. */
  resetOnLogon: boolean;
  /**
   * Send NextExpectedMsgSeqNum (789) on the Logon response and honour the counterparty's: messages it
   * has not received are resent right after the Logon. Off in the acceptance suite (QuickFIX default).
   */
  nextExpectedMsgSeqNum?: boolean;
  /** SendingTime accuracy, default 120 000 ms. */
  sendingTimeToleranceMs?: number;
  /** Accepted HeartBtInt (108) range in seconds; a Logon outside it is refused. Default 0..3600. */
  heartbeat?: { minSeconds: number; maxSeconds: number };
  /** Inbound application messages per second (token bucket); over the limit: BusinessMessageReject. */
  throttle?: { messagesPerSecond: number; burst: number };
}

/** What admission sees of a Logon (before anything is bound or answered). */
export interface LogonAttempt {
  settings: SessionSettings;
  connection: ConnectionInfo;
  /** Username (553) and Password (554) as sent; undefined when absent. */
  username: string | undefined;
  password: string | undefined;
  nowMs: number;
}

/**
 * Which sessions exist and who may log on to them (the gateway's member directory; the acceptance
 * server's TW* rule). Called on the acceptor's thread.
 */
export interface SessionDirectory {
  /** The session a Logon names (BeginString, our CompID = its 56, theirs = its 49); undefined: unknown, dropped without a reply. */
  find(beginString: string, ourCompId: string, theirCompId: string): SessionSettings | undefined;
  /** undefined: admitted; a string: refused with that Logout text. May settle later (password hashing runs off-thread). */
  admit(attempt: LogonAttempt): string | undefined | Promise<string | undefined>;
  /** Whether the session may be logged on at nowMs (its schedule); a live session outside it is logged out. Default: always. */
  isOpen?(settings: SessionSettings, nowMs: number): boolean;
  /** Whether a Logon at nowMs must reset both sequences, given the time of the last reset (0: never). Default: no. */
  resetDue?(settings: SessionSettings, lastResetMs: number, nowMs: number): boolean;
}

export interface AcceptorConfig {
  directory: SessionDirectory;
  /** How long a connection may stay without a Logon, default 10 000 ms. */
  logonTimeoutMs?: number;
  /** How long to wait for the Logout answer, default 2 000 ms. */
  logoutTimeoutMs?: number;
  /**
   * Failed logons from one remote address are slowed: the n-th consecutive failure within 15 minutes
   * delays the next admission by min(delayMs * 2^(n-1), maxDelayMs). Defaults 500 ms and 30 000 ms.
   */
  failedLogon?: { delayMs: number; maxDelayMs: number };
}

/** A directory of one rule: any counterparty CompID accepted by `acceptTarget`, no credentials (tests, acceptance suite). */
export function openDirectory(o: {
  beginString: string;
  senderCompId: string;
  acceptTarget(targetCompId: string): boolean;
  defaultApplVerId?: string;
  resetOnLogon: boolean;
  nextExpectedMsgSeqNum?: boolean;
  sendingTimeToleranceMs?: number;
  throttle?: SessionSettings['throttle'];
}): SessionDirectory {
  const cache = new Map<string, SessionSettings>();
  return {
    find(beginString, ourCompId, theirCompId) {
      if (beginString !== o.beginString || ourCompId !== o.senderCompId || !o.acceptTarget(theirCompId)) return undefined;
      let st = cache.get(theirCompId);
      if (!st) {
        st = {
          beginString,
          senderCompId: ourCompId,
          targetCompId: theirCompId,
          member: theirCompId.slice(0, 8),
          defaultApplVerId: o.defaultApplVerId,
          resetOnLogon: o.resetOnLogon,
          nextExpectedMsgSeqNum: o.nextExpectedMsgSeqNum,
          sendingTimeToleranceMs: o.sendingTimeToleranceMs,
          throttle: o.throttle,
        };
        cache.set(theirCompId, st);
      }
      return st;
    },
    admit: () => undefined,
  };
}

/** What an application sees of an inbound application message (one object, reused: valid only during the call). */
export interface InboundApp {
  session: Session;
  message: FixMessage;
  msgType: string;
  /** Journal position of the message's inbound record: the cause to pass to sendApp for its reply. */
  position: number;
}

export interface SessionApplication {
  /** Returns false when the message type is not supported (a BusinessMessageReject follows). */
  onAppMessage(app: InboundApp): boolean;
}

/** A field list for outbound messages built by applications (header fields are added by the session). */
export type OutField = readonly [tagText: string, value: string];

const HEADER_SESSION_TAGS = new Set([8, 9, 35, 34, 49, 52, 56, 43, 122, 10]);

let dicts: { fix44: FixDictionary; fix50: FixDictionary } | undefined;
function dictionaryFor(beginString: string): FixDictionary | undefined {
  dicts ??= { fix44: loadFixDictionary(FIX44), fix50: loadFixDictionary(FIX50SP2) };
  // FIX.4.2: the reference data has no FIX 4.2 dictionary; FIX 4.4's defines the same session messages
  // and header, and a superset of the common application messages (see acceptance.ts).
  if (beginString === 'FIX.4.4' || beginString === 'FIX.4.2') return dicts.fix44;
  if (beginString === 'FIXT.1.1') return dicts.fix50;
  return undefined;
}

/**
 * Whether a tag belongs in the standard header (emitted after 8, 9, 35 in ascending tag order, as
 * QuickFIX does). Without a dictionary (application-built fields) the session-managed header tags and
 * PossResend count as header.
 */
function isHeader(dict: FixDictionary | undefined, tag: number): boolean {
  if (tag === 34 || tag === 49 || tag === 52 || tag === 56 || tag === 43 || tag === 122 || tag === 97) return true;
  return dict !== undefined && isHeaderTag(dict, tag);
}

const ENC = new TextEncoder();
const noop = (): void => {};

/** Codes thrown by the session layer (programming errors of its callers, never input-dependent). */
export const SessionErrorCode = {
  /** AppMessageBuilder.send() after something else was sent on the session, or without beginApp(). */
  SESSION_BUILDER_STALE: 'SESSION_BUILDER_STALE',
  /** An AppMessageBuilder field value the wire cannot carry (not a safe integer, not one character, ...). */
  SESSION_FIELD_VALUE: 'SESSION_FIELD_VALUE',
} as const;

/**
 * MsgType (35) as a string without allocating: the dictionary's own string when it defines the type
 * (every message the session layer accepts), else a new string (an unknown type: rejected anyway).
 */
function msgTypeOf(dict: FixDictionary | undefined, m: FixMessage): string {
  if (dict !== undefined) {
    const c = messageDefBytes(dict, m.buffer, m.valueOffset(2), m.valueLength(2));
    if (c !== NOT_FOUND) return messageMsgType(dict, c);
  }
  return m.msgType;
}

/**
 * An application message being built on the allocation-free path (`SessionAcceptor.beginApp`): fields
 * are encoded straight into a reusable buffer; nothing is allocated per message.
 *
 *   const b = acceptor.beginApp(app.session, 'AR');   // standard header written: 8 9 35 34 49 52 56
 *   b.bytesFrom(571, app.message, 571).int(939, 0).fixed(31, px, PRICE_EXPONENT).char(487, '0');
 *   b.send(app.position);                              // journaled, then released once durable
 *
 * Contract:
 * - Fields go out in call order after the standard header (sendApp's sorting of header fields does not
 *   apply): extra header fields (e.g. 115, 128, 1128) must be added first, before any body field.
 * - One message at a time per acceptor: beginApp() starts over (an unsent message is dropped, its
 *   MsgSeqNum not used), and nothing else may be sent on that session between beginApp() and send():
 *   send() then throws GatewayError SESSION_BUILDER_STALE (as it does without a beginApp()).
 * - str() writes latin1 text (one byte per char); values must not contain SOH. int() takes a safe
 *   integer, fixed() a safe-integer mantissa and an exponent -64..64 (trailing fractional zeros are
 *   dropped), char() one character; anything else throws SESSION_FIELD_VALUE (a programming error).
 * - bytesFrom(tag, scope, srcTag) copies the raw value of srcTag at the scope's level (the message, or
 *   a group entry's fields); nothing is written when the scope has no such field.
 *
 * Thread: the acceptor's.
 */
export class AppMessageBuilder {
  private session: Session | undefined;
  private seq = 0;
  private msgType = '';

  /** @internal Built once by the acceptor. */
  constructor(
    private readonly b: FixBuilder,
    private readonly commit: (s: Session, seq: number, msgType: string, bytes: Uint8Array, length: number, cause: number) => number,
  ) {}

  /** @internal Called by SessionAcceptor.beginApp after it wrote the header. */
  open(s: Session, seq: number, msgType: string): this {
    this.session = s;
    this.seq = seq;
    this.msgType = msgType;
    return this;
  }

  str(tag: number, value: string): this {
    this.b.field(tag, value);
    return this;
  }

  int(tag: number, value: number): this {
    if (!Number.isSafeInteger(value)) throw new GatewayError(SessionErrorCode.SESSION_FIELD_VALUE, 'int field needs a safe integer', { tag, value });
    this.b.intField(tag, value);
    return this;
  }

  /** mantissa x 10^exponent (exact decimal, e.g. a price mantissa at PRICE_EXPONENT). */
  fixed(tag: number, mantissa: number, exponent: number): this {
    if (!this.b.fixedField(tag, mantissa, exponent)) {
      throw new GatewayError(SessionErrorCode.SESSION_FIELD_VALUE, 'fixed field needs a safe-integer mantissa and an exponent -64..64', { tag, mantissa, exponent });
    }
    return this;
  }

  char(tag: number, c: string): this {
    if (c.length !== 1) throw new GatewayError(SessionErrorCode.SESSION_FIELD_VALUE, 'char field needs one character', { tag, value: c });
    this.b.charField(tag, c.charCodeAt(0));
    return this;
  }

  /** tag=src[offset, offset + length) as it is (pre-encoded values, e.g. constants). */
  bytes(tag: number, src: Uint8Array, offset: number, length: number): this {
    this.b.bytesField(tag, src, offset, length);
    return this;
  }

  /** tag=<the raw value of srcTag in `scope`>; nothing when absent. */
  bytesFrom(tag: number, scope: FixScope, srcTag: number): this {
    const i = scope.indexOf(srcTag);
    if (i >= 0) this.b.bytesField(tag, scope.buffer, scope.valueOffset(i), scope.valueLength(i));
    return this;
  }

  /**
   * Completes the message, appends it to the store (causePosition: the inbound record it answers, or
   * -1) and sends it once durable, as sendApp does. Returns its journal position.
   */
  send(causePosition: number): number {
    const s = this.session;
    if (s === undefined) throw new GatewayError(SessionErrorCode.SESSION_BUILDER_STALE, 'send() without beginApp()');
    this.session = undefined;
    const length = this.b.finishLength();
    return this.commit(s, this.seq, this.msgType, this.b.bytes, length, causePosition);
  }
}

interface Queued {
  seq: number;
  bytes: Uint8Array;
  /** A ResendRequest or Logon already handled on arrival: consumed without processing again. */
  answered: boolean;
}

/** One FIX session (both sequence numbers, timers and the connection bound to it). Acceptor's thread. */
export class Session {
  connectionId = -1;
  loggedOn = false;
  nextSenderSeq = 1;
  nextTargetSeq = 1;
  heartbeatMs = 30_000;
  lastSentMs = 0;
  lastReceivedMs = 0;
  testRequestsSent = 0;
  logoutSentAt = -1;
  /** Inbound messages with a sequence number above the expected one, waiting for the gap to fill. */
  readonly queue = new Map<number, Queued>();
  /** End of the range asked for by our ResendRequest (0 = none pending). */
  resendUntil = 0;
  /**
   * Outbound bytes held until their store record is durable (journal position; -1 = not stored, e.g. a
   * resend, which waits only for what is queued before it). Sent strictly in order.
   */
  readonly pending = new PendingQueue();
  /**
   * Journal position of the one store.onDurable registration outstanding for `pending` (-1: none).
   * Invariant: while `pending` is not empty a registration is outstanding (for its head, or earlier).
   */
  durableWait = -1;
  /** The store.onDurable callback of this session (bound once by the acceptor: no closure per message). */
  flushOnDurable: () => void = noop;
  /** Close the connection once `pending` is sent. */
  closeAfterFlush = false;

  /** Throttle token bucket (tokens available, time of the last refill). */
  tokens = 0;
  tokensAtMs = 0;
  /** Why the current connection ends, once known (journaled once, on disconnect). */
  endReason: LogoutReason | -1 = -1;
  endText = '';

  readonly beginString: string;
  readonly senderCompId: string;
  readonly targetCompId: string;
  /** CompIDs as ASCII bytes, for allocation-free comparisons with inbound 49/56. */
  readonly senderBytes: Uint8Array;
  readonly targetBytes: Uint8Array;
  /** BeginString as ASCII bytes (allocation-free check of inbound 8). */
  readonly beginBytes: Uint8Array;
  readonly dict: FixDictionary | undefined;
  readonly toleranceMs: number;

  constructor(
    readonly key: string,
    readonly settings: SessionSettings,
  ) {
    this.beginString = settings.beginString;
    this.senderCompId = settings.senderCompId;
    this.targetCompId = settings.targetCompId;
    this.senderBytes = ENC.encode(settings.senderCompId);
    this.targetBytes = ENC.encode(settings.targetCompId);
    this.beginBytes = ENC.encode(settings.beginString);
    this.dict = dictionaryFor(settings.beginString);
    this.toleranceMs = settings.sendingTimeToleranceMs ?? 120_000;
    this.tokens = settings.throttle?.burst ?? 0;
  }
}

/** A Logon waiting for admission (credentials checked off-thread, or slowed after failures). */
interface PendingLogon {
  settings: SessionSettings;
  /** Copy of the Logon. */
  bytes: Uint8Array;
  /** Admission starts at this time (failed-logon slowing); -1 once started. */
  dueMs: number;
  /** Messages that arrived while waiting (copies), processed after the Logon; bounded. */
  backlog: Uint8Array[];
  /** A refusal of this Logon counts as a failed logon (credentials), not a schedule or HeartBtInt refusal. */
  credentialFailure: boolean;
}

/** Most messages a connection may send while its Logon waits for admission. */
const MAX_LOGON_BACKLOG = 64;
/** Failed-logon memory: remote addresses kept, and how long a failure counts. */
const MAX_FAILURE_ADDRESSES = 10_000;
const FAILURE_WINDOW_MS = 15 * 60_000;

/** Connection state before and after logon. */
interface Conn {
  id: number;
  session: Session | undefined;
  connectedAt: number;
  closing: boolean;
  info: ConnectionInfo;
  pendingLogon: PendingLogon | undefined;
  /** Initiator side: our Logon is out, its answer not yet in. */
  awaitingLogon: boolean;
}

/** What the initiator sends on its Logon. */
export interface InitiatorLogon {
  heartBtInt: number;
  username?: string;
  password?: string;
  /** ResetSeqNumFlag (141=Y): both sides restart at 1. */
  resetSeqNum?: boolean;
}

export class SessionAcceptor implements TransportHandler {
  transport: Transport | undefined;
  private readonly conns = new Map<number, Conn>();
  private readonly sessions = new Map<string, Session>();
  private readonly builder = new FixBuilder();
  /** The allocation-free application path (beginApp): its own buffer, so sendApp never clobbers it. */
  private readonly appFix = new FixBuilder();
  private readonly appBuilder: AppMessageBuilder;
  /** SendingTime bytes of `stampBytesMs` (the allocation-free twin of `stamp`). */
  private readonly stampBytes = new Uint8Array(UTC_TIMESTAMP_MS_LENGTH);
  private stampBytesMs = -1;
  /**
   * Arrival time of the inbound message being handled, null outside onMessage (see now()). Nullable on
   * purpose: the field then holds the clock's own number object instead of an unboxed double, which
   * would be boxed again (allocated) at every call it is passed to.
   */
  private frozenNow: number | null = null;
  /** scanUtcTimestampBytes' result (a Float64Array: no heap number per SendingTime). */
  private readonly scratchMs = new Float64Array(1);
  /** Reused for every application message. */
  private readonly inboundApp: InboundApp = { session: undefined as unknown as Session, message: undefined as unknown as FixMessage, msgType: '', position: -1 };
  /** Connections we are opening (initiate) -> what to log on to once connected. */
  private readonly initiating = new Map<number, { settings: SessionSettings; logon: InitiatorLogon }>();
  /** Consecutive failed logons per remote address (bounded; see AcceptorConfig.failedLogon). */
  private readonly failures = new Map<string, { count: number; lastMs: number; nextMs: number }>();
  /** Re-entrancy guard of drainQueue. */
  private processingQueued = false;
  /** SendingTime text of `stampMs` (messages sent within one millisecond share it). */
  private stampMs = -1;
  private stamp = '';

  constructor(
    private readonly config: AcceptorConfig,
    private readonly store: SessionStore,
    private readonly clock: SessionClock,
    private readonly app: SessionApplication,
    private readonly reparse: (bytes: Uint8Array, visit: (m: FixMessage) => void) => void,
  ) {
    this.appBuilder = new AppMessageBuilder(this.appFix, (s, seq, msgType, bytes, length, cause) => this.commitApp(s, seq, msgType, bytes, length, cause));
  }

  private newSession(key: string, settings: SessionSettings): Session {
    const s = new Session(key, settings);
    s.flushOnDurable = () => this.flush(s);
    this.sessions.set(key, s);
    return s;
  }

  /** The session with this counterparty CompID, once it has been logged on to (tests and operators). */
  session(targetCompId: string): Session | undefined {
    for (const s of this.sessions.values()) if (s.targetCompId === targetCompId) return s;
    return undefined;
  }

  /** Every session logged on to since start (operators). */
  allSessions(): IterableIterator<Session> {
    return this.sessions.values();
  }

  /** The store key of a session: stable text, mapped to a journal sessionId by the store. */
  static keyOf(st: Pick<SessionSettings, 'beginString' | 'senderCompId' | 'targetCompId'>): string {
    return `${st.beginString}:${st.senderCompId}->${st.targetCompId}`;
  }

  // ------------------------------------------------------------------ transport events

  onConnected(connectionId: number, info: ConnectionInfo): void {
    const c: Conn = { id: connectionId, session: undefined, connectedAt: this.now(), closing: false, info, pendingLogon: undefined, awaitingLogon: false };
    this.conns.set(connectionId, c);
    const out = this.initiating.get(connectionId);
    if (out !== undefined) {
      this.initiating.delete(connectionId);
      this.sendInitiatorLogon(c, out.settings, out.logon);
    }
  }

  // ------------------------------------------------------------------ initiator

  /**
   * Initiator (outbound links, tests): connects with the transport and logs on to `settings`' session
   * with our own sequence numbers from the store (reset when logon.resetSeqNum, settings.resetOnLogon or
   * the directory says a reset is due). The same protocol then runs on both sides. Returns the
   * connection id; failure to connect ends in the transport's onError (the caller reconnects).
   */
  initiate(settings: SessionSettings, connect: ConnectOptions, logon: InitiatorLogon): number {
    const id = this.transport!.connect(connect);
    this.initiating.set(id, { settings, logon });
    return id;
  }

  private sendInitiatorLogon(c: Conn, settings: SessionSettings, logon: InitiatorLogon): void {
    const key = SessionAcceptor.keyOf(settings);
    let s = this.sessions.get(key);
    if (s && s.connectionId !== -1) {
      this.disconnect(c);
      return;
    }
    if (!s) {
      s = this.newSession(key, settings);
    }
    c.session = s;
    c.awaitingLogon = true;
    s.connectionId = c.id;
    s.logoutSentAt = -1;
    s.endReason = -1;
    s.heartbeatMs = logon.heartBtInt * 1000;
    const st = this.store.recover(key);
    const due = this.config.directory.resetDue?.(settings, this.store.lastResetMs(key), this.now()) ?? false;
    const reset = logon.resetSeqNum === true || settings.resetOnLogon || due;
    if (reset) this.store.reset(key, 1, 1);
    s.nextSenderSeq = reset ? 1 : st.nextSenderSeq;
    s.nextTargetSeq = reset ? 1 : st.nextTargetSeq;
    const f: OutField[] = [
      ['98', '0'],
      ['108', String(logon.heartBtInt)],
    ];
    if (reset) f.push(['141', 'Y']);
    if (logon.username !== undefined) f.push(['553', logon.username]);
    if (logon.password !== undefined) f.push(['554', logon.password]);
    if (settings.nextExpectedMsgSeqNum) f.push(['789', String(s.nextTargetSeq)]);
    if (settings.beginString === 'FIXT.1.1' && settings.defaultApplVerId) f.push(['1137', settings.defaultApplVerId]);
    this.sendApp(s, 'A', f, -1);
  }

  /** The counterparty's answer to our Logon: its Logon (logged on, then the usual sequence checks) or a Logout. */
  private onLogonAnswer(c: Conn, s: Session, m: FixMessage): void {
    c.awaitingLogon = false;
    const now = this.now();
    s.lastReceivedMs = now;
    if (m.msgType !== 'A' || !m.valueEquals(49, s.targetBytes) || !m.valueEquals(56, s.senderBytes) || m.getString(8) !== s.beginString) {
      s.endReason = LogoutReason.AuthenticationFailed;
      s.endText = m.msgType === '5' ? (m.getString(58) ?? '') : `Logon answered with MsgType ${m.msgType}`;
      if (m.msgType === '5' && m.getInt(34) === s.nextTargetSeq) this.consume(s, s.nextTargetSeq, '5', m);
      this.disconnect(c);
      return;
    }
    s.loggedOn = true;
    s.testRequestsSent = 0;
    s.tokens = s.settings.throttle?.burst ?? 0;
    s.tokensAtMs = now;
    const seq = m.getInt(34);
    this.store.recordLogon(s.key, {
      connectionId: c.id,
      heartBtInt: s.heartbeatMs / 1000,
      nextSenderSeq: s.nextSenderSeq,
      nextTargetSeq: s.nextTargetSeq,
      beginString: s.beginString,
      theirCompId: s.targetCompId,
      ourCompId: s.senderCompId,
      member: s.settings.member,
    });
    if (seq > s.nextTargetSeq) {
      // Queued as already handled: when the gap fills it only consumes its number (QuickFIX).
      this.enqueue(s, seq, m, true);
      return;
    }
    if (seq < s.nextTargetSeq) {
      this.endSession(s, LogoutReason.SequenceTooLow, `MsgSeqNum too low, expecting ${s.nextTargetSeq} but received ${seq}`);
      this.disconnect(c);
      return;
    }
    this.consume(s, seq, 'A', m);
  }

  onGarbled(): void {
    // Garbled input is ignored (no Reject, no sequence number consumed), per the session protocol.
  }

  onDisconnected(connectionId: number): void {
    this.dropConnection(connectionId);
  }

  onError(connectionId: number): void {
    this.initiating.delete(connectionId);
    this.dropConnection(connectionId);
  }

  private dropConnection(connectionId: number): void {
    const c = this.conns.get(connectionId);
    if (!c) return;
    this.conns.delete(connectionId);
    const s = c.session;
    if (s && s.connectionId === connectionId) {
      if (s.loggedOn || s.endReason !== -1) {
        this.store.recordLogout(s.key, s.endReason === -1 ? LogoutReason.TransportClosed : s.endReason, s.endText);
      }
      s.endReason = -1;
      s.endText = '';
      s.connectionId = -1;
      s.loggedOn = false;
      s.queue.clear();
      s.resendUntil = 0;
      s.logoutSentAt = -1;
      s.pending.clear();
      s.closeAfterFlush = false;
    }
  }

  private disconnect(c: Conn): void {
    if (c.closing) return;
    c.closing = true;
    const s = c.session;
    if (s && s.connectionId === c.id) {
      s.loggedOn = false;
      if (s.pending.length > 0) {
        // Held messages (e.g. the Logout) go first; flush() closes once they are out.
        s.closeAfterFlush = true;
        return;
      }
    }
    this.transport?.disconnect(c.id);
  }

  onMessage(connectionId: number, m: FixMessage): void {
    if (this.frozenNow !== null) {
      this.handleMessage(connectionId, m);
      return;
    }
    // One clock read per inbound message: everything it causes (checks, journal, replies sent while it
    // is handled) sees the time it arrived. (Node's clocks return a new heap number per read.)
    this.frozenNow = this.clock.now();
    try {
      this.handleMessage(connectionId, m);
    } finally {
      this.frozenNow = null;
    }
  }

  /** The clock, or the arrival time of the inbound message being handled (see onMessage). */
  private now(): number {
    return this.frozenNow ?? this.clock.now();
  }

  private handleMessage(connectionId: number, m: FixMessage): void {
    const c = this.conns.get(connectionId);
    if (!c || c.closing) return;
    const p = c.pendingLogon;
    if (p !== undefined) {
      if (p.backlog.length >= MAX_LOGON_BACKLOG) this.disconnect(c);
      else p.backlog.push(copyBytes(m.buffer, m.rawOffset, m.rawOffset + m.rawLength));
      return;
    }
    if (c.session === undefined) {
      this.onFirstMessage(c, m);
      return;
    }
    if (c.awaitingLogon) {
      this.onLogonAnswer(c, c.session, m);
      return;
    }
    this.process(c, c.session, m);
  }

  // ------------------------------------------------------------------ logon

  /**
   * The first message of a connection: a Logon naming a configured session, with a sane HeartBtInt and
   * SendingTime and a valid layout, or the connection is dropped without a reply (QuickFIX). Then
   * admission (credentials, schedule), possibly later (off-thread hashing, failed-logon slowing).
   */
  private onFirstMessage(c: Conn, m: FixMessage): void {
    const now = this.now();
    const begin = m.getString(8) ?? '';
    const settings = m.msgType === 'A' ? this.config.directory.find(begin, m.getString(56) ?? '', m.getString(49) ?? '') : undefined;
    if (settings === undefined) {
      this.disconnect(c);
      return;
    }
    const live = this.sessions.get(SessionAcceptor.keyOf(settings));
    if (live && live.connectionId !== -1) {
      // A second logon for a live session is refused without touching the live one.
      this.disconnect(c);
      return;
    }
    const hb = m.getInt(108);
    const sendingTime = parseUtcTimestamp(m.getString(52) ?? '');
    const dict = dictionaryFor(settings.beginString);
    if (
      !Number.isSafeInteger(hb) ||
      hb < 0 ||
      Number.isNaN(sendingTime) ||
      Math.abs(now - sendingTime) > (settings.sendingTimeToleranceMs ?? 120_000) ||
      (dict !== undefined && validateMessage(dict, m, 'A') !== undefined)
    ) {
      // A Logon with a bad SendingTime or layout is not answered: disconnect (QuickFIX, script 1d).
      this.disconnect(c);
      return;
    }
    // After failures from this address, attempts are admitted one delay apart, however many arrive together.
    const f = this.failures.get(c.info.remoteAddress);
    const fo = this.config.failedLogon ?? { delayMs: 500, maxDelayMs: 30_000 };
    let due = now;
    if (f && now - f.lastMs < FAILURE_WINDOW_MS) {
      const delay = Math.min(fo.delayMs * 2 ** (f.count - 1), fo.maxDelayMs);
      due = Math.max(now + delay, f.nextMs);
      f.nextMs = due + delay;
    }
    c.pendingLogon = { settings, bytes: copyBytes(m.buffer, m.rawOffset, m.rawOffset + m.rawLength), dueMs: due, backlog: [], credentialFailure: true };
    if (due === now) this.admit(c);
  }

  /** Runs admission for the connection's pending Logon (from onFirstMessage or tick once due). */
  private admit(c: Conn): void {
    const p = c.pendingLogon!;
    p.dueMs = -1;
    const now = this.now();
    let username: string | undefined;
    let password: string | undefined;
    let hbSeconds = 0;
    this.reparse(p.bytes, (m) => {
      username = m.getString(553);
      password = m.getString(554);
      hbSeconds = m.getInt(108);
    });
    const directory = this.config.directory;
    const hb = p.settings.heartbeat;
    let verdict: string | undefined | Promise<string | undefined>;
    if (directory.isOpen && !directory.isOpen(p.settings, now)) {
      verdict = 'Logon outside the session schedule';
      p.credentialFailure = false;
    } else if (hb && (hbSeconds < hb.minSeconds || hbSeconds > hb.maxSeconds)) {
      verdict = `HeartBtInt must be between ${hb.minSeconds} and ${hb.maxSeconds} seconds`;
      p.credentialFailure = false;
    } else {
      verdict = directory.admit({ settings: p.settings, connection: c.info, username, password, nowMs: now });
    }
    if (verdict instanceof Promise) {
      verdict.then(
        (v) => this.admitted(c, v),
        () => this.admitted(c, 'Logon could not be verified'),
      );
    } else {
      this.admitted(c, verdict);
    }
  }

  /** Admission decided: log on (then process what arrived meanwhile) or refuse with a Logout text. */
  private admitted(c: Conn, refusal: string | undefined): void {
    const p = c.pendingLogon;
    if (p === undefined || c.closing || this.conns.get(c.id) !== c) return;
    c.pendingLogon = undefined;
    const key = SessionAcceptor.keyOf(p.settings);
    let s = this.sessions.get(key);
    if (s && s.connectionId !== -1) {
      // Another connection logged on to this session while this one waited.
      this.disconnect(c);
      return;
    }
    if (!s) {
      s = this.newSession(key, p.settings);
    }
    const remote = c.info.remoteAddress;
    if (refusal !== undefined) {
      // Only credential failures are slowed; a logon outside the schedule or with a bad HeartBtInt is not an attack.
      if (p.credentialFailure) this.noteFailure(remote);
      this.refuse(c, s, refusal, p.credentialFailure ? LogoutReason.AuthenticationFailed : LogoutReason.ProtocolError);
      return;
    }
    this.failures.delete(remote);
    const session = s;
    this.reparse(p.bytes, (m) => this.logon(c, session, m));
    for (const bytes of p.backlog) {
      if (c.closing || c.session !== session) break;
      this.reparse(bytes, (m) => this.process(c, session, m));
    }
  }

  private noteFailure(remote: string): void {
    const now = this.now();
    const f = this.failures.get(remote);
    if (f && now - f.lastMs < FAILURE_WINDOW_MS) {
      f.count++;
      f.lastMs = now;
      f.nextMs = Math.max(f.nextMs, now);
      this.failures.delete(remote);
      this.failures.set(remote, f); // most recent last: eviction drops the oldest
    } else {
      if (f) this.failures.delete(remote);
      this.failures.set(remote, { count: 1, lastMs: now, nextMs: now });
    }
    if (this.failures.size > MAX_FAILURE_ADDRESSES) this.failures.delete(this.failures.keys().next().value!);
  }

  /**
   * A refused Logon: journaled (SessionLogout, AuthenticationFailed), answered with a Logout carrying
   * the reason from the session's own sequence (so the member's engine stays in step), then closed.
   * Nothing the connection sent is consumed.
   */
  private refuse(c: Conn, s: Session, text: string, reason: LogoutReason): void {
    // The session stays free (not bound to this connection): a genuine logon may proceed at once.
    const st = this.store.recover(s.key);
    s.nextSenderSeq = st.nextSenderSeq;
    s.nextTargetSeq = st.nextTargetSeq;
    this.store.recordLogout(s.key, reason, text);
    const seq = s.nextSenderSeq++;
    const b = this.builder.begin(s.beginString, '5');
    b.intField(34, seq).field(49, s.senderCompId).field(52, this.timestamp()).field(56, s.targetCompId).field(58, text);
    const bytes = copyBytes(b.finish(), 0);
    const pos = this.store.appendOutbound(s.key, seq, '5', bytes, 0, bytes.length, -1);
    c.closing = true;
    const send = (): void => {
      if (this.conns.get(c.id) !== c) return;
      this.transport?.send(c.id, bytes, 0, bytes.length);
      this.transport?.disconnect(c.id);
    };
    if (this.store.durablePosition() >= pos) send();
    else this.store.onDurable(pos, send);
  }

  /** An admitted Logon: bind, recover or reset sequences, answer, then handle its sequence number. */
  private logon(c: Conn, s: Session, m: FixMessage): void {
    const now = this.now();
    const hb = m.getInt(108);
    c.session = s;
    s.connectionId = c.id;
    this.loadSequences(s, m);
    const seq = m.getInt(34);
    s.heartbeatMs = hb * 1000;
    s.loggedOn = true;
    s.testRequestsSent = 0;
    s.logoutSentAt = -1;
    s.lastReceivedMs = now;
    s.endReason = -1;
    s.endText = '';
    s.tokens = s.settings.throttle?.burst ?? 0;
    s.tokensAtMs = now;
    const st = s.settings;
    const reset = m.valueEquals(141, Y);
    const fields: OutField[] = [
      ['98', '0'],
      ['108', String(hb)],
    ];
    if (reset) fields.push(['141', 'Y']);
    // NextExpectedMsgSeqNum (FIX 4.4+): the MsgSeqNum we expect after this Logon.
    if (st.nextExpectedMsgSeqNum) fields.push(['789', String(seq === s.nextTargetSeq ? seq + 1 : s.nextTargetSeq)]);
    if (st.beginString === 'FIXT.1.1' && st.defaultApplVerId) fields.push(['1137', st.defaultApplVerId]);
    this.store.recordLogon(s.key, {
      connectionId: c.id,
      heartBtInt: hb,
      nextSenderSeq: s.nextSenderSeq,
      nextTargetSeq: s.nextTargetSeq,
      beginString: st.beginString,
      theirCompId: st.targetCompId,
      ourCompId: st.senderCompId,
      member: st.member,
    });
    this.sendApp(s, 'A', fields, -1);
    const theirNext = m.getInt(789);
    if (st.nextExpectedMsgSeqNum && Number.isSafeInteger(theirNext) && theirNext > 0 && theirNext < s.nextSenderSeq - 1) {
      // They missed our messages theirNext..(our Logon - 1): resend them (GapFill for admin) at once.
      this.resendRange(s, theirNext, s.nextSenderSeq - 2);
    }
    this.replayUnanswered(s);
    if (seq > s.nextTargetSeq) {
      // Queued as already handled: when the gap fills it only consumes its number (QuickFIX).
      this.enqueue(s, seq, m, true);
      return;
    }
    if (seq < s.nextTargetSeq) {
      this.endSession(s, LogoutReason.SequenceTooLow, `MsgSeqNum too low, expecting ${s.nextTargetSeq} but received ${seq}`);
      this.disconnect(c);
      return;
    }
    const journaled = withoutPassword(m);
    this.store.appendInbound(s.key, seq, 'A', journaled, 0, journaled.length);
    s.nextTargetSeq = seq + 1;
  }

  /** Sends a Logout with `text` and notes why the session ends (journaled on disconnect). */
  private endSession(s: Session, reason: LogoutReason, text: string): void {
    if (s.endReason === -1) {
      s.endReason = reason;
      s.endText = text;
    }
    this.sendLogout(s, text);
  }

  private loadSequences(s: Session, m: FixMessage): void {
    const st = this.store.recover(s.key);
    const due = this.config.directory.resetDue?.(s.settings, this.store.lastResetMs(s.key), this.now()) ?? false;
    if (s.settings.resetOnLogon || due || m.valueEquals(141, Y)) {
      this.store.reset(s.key, 1, 1);
      s.nextSenderSeq = 1;
      s.nextTargetSeq = 1;
    } else {
      s.nextSenderSeq = st.nextSenderSeq;
      s.nextTargetSeq = st.nextTargetSeq;
    }
  }

  // ------------------------------------------------------------------ logged-on processing

  private process(c: Conn, s: Session, m: FixMessage): void {
    const now = this.now();
    s.lastReceivedMs = now;
    s.testRequestsSent = 0;
    const msgType = msgTypeOf(s.dict, m);
    if (!m.valueEquals(8, s.beginBytes)) {
      this.endSession(s, LogoutReason.ProtocolError, 'Incorrect BeginString');
      this.disconnect(c);
      return;
    }
    const seq = m.getInt(34);
    const dict = s.dict;
    if (dict) {
      const r = validateMessage(dict, m, msgType);
      if (r) {
        // Validation comes first (QuickFIX): the Reject consumes the sequence number when it is the expected one.
        if (!Number.isSafeInteger(seq) && (r.refTag === '34' || r.reason !== RejectReason.RequiredTagMissing)) {
          this.disconnect(c);
          return;
        }
        const cause = seq === s.nextTargetSeq ? this.consume(s, seq, msgType, m) : -1;
        this.sendReject(s, m, r.reason, r.refTag, msgType, cause);
        this.drainQueue(c, s);
        return;
      }
    }
    if (!Number.isSafeInteger(seq)) {
      this.disconnect(c);
      return;
    }
    if (msgType === '4' && !m.valueEquals(123, Y)) {
      // SequenceReset-Reset: sequence number checks do not apply.
      this.onSequenceReset(s, m, false, seq);
      this.drainQueue(c, s);
      return;
    }
    if (!this.checkCompIds(c, s, m, msgType)) return;
    if (!this.checkSendingTime(c, s, m, msgType, now)) return;
    if (msgType === 'A' && m.valueEquals(141, Y)) {
      // Logon with ResetSeqNumFlag on a live session: both sides restart at 1.
      this.store.reset(s.key, 1, 1);
      s.nextSenderSeq = 1;
      s.nextTargetSeq = 1;
      s.queue.clear();
      s.resendUntil = 0;
      const hb = m.getInt(108);
      if (Number.isSafeInteger(hb) && hb >= 0) s.heartbeatMs = hb * 1000;
      const f: OutField[] = [
        ['98', '0'],
        ['108', String(Number.isSafeInteger(hb) ? hb : s.heartbeatMs / 1000)],
        ['141', 'Y'],
      ];
      if (s.beginString === 'FIXT.1.1' && s.settings.defaultApplVerId) f.push(['1137', s.settings.defaultApplVerId]);
      this.sendApp(s, 'A', f, -1);
      this.consume(s, seq, msgType, m);
      return;
    }
    if (msgType === '2') {
      // ResendRequest is answered whatever its sequence number (QuickFIX verifies it without the
      // too-high/too-low checks); a too-high one is queued as already answered.
      this.onResendRequest(s, m);
      if (seq === s.nextTargetSeq) {
        this.consume(s, seq, msgType, m);
        this.drainQueue(c, s);
      } else if (seq > s.nextTargetSeq) {
        this.enqueue(s, seq, m, true);
      }
      return;
    }
    if (msgType === '5') {
      // Logout is honoured even with a sequence gap.
      if (seq >= s.nextTargetSeq) this.consume(s, seq, msgType, m);
      if (s.endReason === -1) {
        s.endReason = LogoutReason.Normal;
        s.endText = m.getString(58) ?? '';
      }
      if (s.logoutSentAt < 0) this.sendLogout(s, '');
      this.disconnect(c);
      return;
    }
    if (seq > s.nextTargetSeq) {
      this.enqueue(s, seq, m, false);
      return;
    }
    if (seq < s.nextTargetSeq) {
      if (m.valueEquals(43, Y)) {
        this.checkPossDup(c, s, m, msgType);
        return;
      }
      this.endSession(s, LogoutReason.SequenceTooLow, `MsgSeqNum too low, expecting ${s.nextTargetSeq} but received ${seq}`);
      this.disconnect(c);
      return;
    }
    if (m.valueEquals(43, Y) && !this.checkOrigSendingTime(c, s, m, msgType)) return;
    this.dispatch(c, s, m, msgType, seq);
    this.drainQueue(c, s);
  }

  private checkCompIds(c: Conn, s: Session, m: FixMessage, msgType: string): boolean {
    if (m.valueEquals(49, s.targetBytes) && m.valueEquals(56, s.senderBytes)) return true;
    this.sendReject(s, m, RejectReason.CompIdProblem, '', msgType);
    this.endSession(s, LogoutReason.ProtocolError, '');
    this.disconnect(c);
    return false;
  }

  private checkSendingTime(c: Conn, s: Session, m: FixMessage, msgType: string, now: number): boolean {
    const i = m.indexOf(52);
    if (i >= 0 && scanUtcTimestampBytes(m.buffer, m.valueOffset(i), m.valueLength(i), this.scratchMs) && Math.abs(now - this.scratchMs[0]!) <= s.toleranceMs) return true;
    this.sendReject(s, m, RejectReason.SendingTimeAccuracy, '', msgType);
    this.endSession(s, LogoutReason.ProtocolError, '');
    this.disconnect(c);
    return false;
  }

  /** PossDup with an old sequence number: OrigSendingTime must be present and not after SendingTime. */
  private checkPossDup(c: Conn, s: Session, m: FixMessage, msgType: string): void {
    if (msgType === '4') return;
    this.checkOrigSendingTime(c, s, m, msgType);
  }

  private checkOrigSendingTime(c: Conn, s: Session, m: FixMessage, msgType: string): boolean {
    if (msgType === '4') return true;
    const orig = m.getString(122);
    if (orig === undefined) {
      const cause = m.getInt(34) === s.nextTargetSeq ? this.consume(s, s.nextTargetSeq, msgType, m) : -1;
      this.sendReject(s, m, RejectReason.RequiredTagMissing, '122', msgType, cause);
      return false;
    }
    const o = parseUtcTimestamp(orig);
    const t = parseUtcTimestamp(m.getString(52) ?? '');
    if (o > t) {
      this.sendReject(s, m, RejectReason.SendingTimeAccuracy, '', msgType);
      this.endSession(s, LogoutReason.ProtocolError, '');
      this.disconnect(c);
      return false;
    }
    return true;
  }

  private enqueue(s: Session, seq: number, m: FixMessage, answered: boolean): void {
    if (!s.queue.has(seq)) s.queue.set(seq, { seq, bytes: copyBytes(m.buffer, m.rawOffset, m.rawOffset + m.rawLength), answered });
    if (s.resendUntil === 0 || seq > s.resendUntil) {
      if (s.resendUntil === 0) this.requestResend(s, s.nextTargetSeq, seq);
    }
  }

  private requestResend(s: Session, from: number, to: number): void {
    s.resendUntil = to;
    this.sendApp(s, '2', [
      ['7', String(from)],
      ['16', '0'],
    ], -1);
  }

  private drainQueue(c: Conn, s: Session): void {
    if (this.processingQueued) return;
    this.processingQueued = true;
    try {
      for (;;) {
        if (c.closing || c.session !== s) return;
        if (s.queue.size === 0) break; // (no keys() iterator when there is nothing queued)
        for (const k of s.queue.keys()) if (k < s.nextTargetSeq) s.queue.delete(k);
        const q = s.queue.get(s.nextTargetSeq);
        if (!q) break;
        s.queue.delete(q.seq);
        if (q.answered) {
          this.reparse(q.bytes, (m) => this.consume(s, q.seq, m.msgType, m));
          continue;
        }
        this.reparse(q.bytes, (m) => this.process(c, s, m));
      }
      if (s.resendUntil !== 0 && s.nextTargetSeq > s.resendUntil) s.resendUntil = 0;
    } finally {
      this.processingQueued = false;
    }
  }

  private consume(s: Session, seq: number, msgType: string, m: FixMessage): number {
    if (msgType === 'A') {
      const journaled = withoutPassword(m);
      const p = this.store.appendInbound(s.key, seq, msgType, journaled, 0, journaled.length);
      s.nextTargetSeq = seq + 1;
      return p;
    }
    const position = this.store.appendInbound(s.key, seq, msgType, m.buffer, m.rawOffset, m.rawLength);
    s.nextTargetSeq = seq + 1;
    return position;
  }

  private dispatch(c: Conn, s: Session, m: FixMessage, msgType: string, seq: number): void {
    switch (msgType) {
      case '0':
        this.consume(s, seq, msgType, m);
        return;
      case '1': {
        this.consume(s, seq, msgType, m);
        this.sendApp(s, '0', [['112', m.getString(112) ?? '']], -1);
        return;
      }
      case '3':
        this.consume(s, seq, msgType, m);
        return;
      case '4':
        this.onSequenceReset(s, m, true, seq);
        return;
      case 'A':
        // A Logon on a logged-on session: QuickFIX logs out.
        this.consume(s, seq, msgType, m);
        this.endSession(s, LogoutReason.ProtocolError, '');
        this.disconnect(c);
        return;
      default: {
        const position = this.consume(s, seq, msgType, m);
        if (s.settings.throttle !== undefined && !this.takeToken(s)) {
          // FIX 5.0 SP2 has THROTTLE_LIMIT_EXCEEDED (8); FIX 4.4 only OTHER (0).
          this.businessReject(s, seq, msgType, s.beginString === 'FIXT.1.1' ? '8' : '0', 'Throttle limit exceeded', position);
          return;
        }
        this.route(s, m, msgType, seq, position);
      }
    }
  }

  /** Hands a consumed application message to the application; unsupported: BusinessMessageReject. */
  private route(s: Session, m: FixMessage, msgType: string, seq: number, position: number): void {
    const a = this.inboundApp;
    a.session = s;
    a.message = m;
    a.msgType = msgType;
    a.position = position;
    if (!this.app.onAppMessage(a)) this.businessReject(s, seq, msgType, '3', 'Unsupported Message Type', position);
  }

  /**
   * After a restart: application messages the journal holds as consumed but that nothing answered (the
   * process died between the two records) are routed again, once, right after the first Logon.
   * Without this the member's resend would be ignored (its number is consumed) and never answered.
   */
  private replayUnanswered(s: Session): void {
    this.store.takeUnanswered(s.key, (position, raw, off, len) => {
      const bytes = copyBytes(raw, off, off + len);
      this.reparse(bytes, (m) => this.route(s, m, m.msgType, m.getInt(34), position));
    });
  }

  /** Token bucket of the session's throttle: true when the message may pass. */
  private takeToken(s: Session): boolean {
    const t = s.settings.throttle!;
    const now = this.now();
    if (now > s.tokensAtMs) {
      s.tokens = Math.min(t.burst, s.tokens + ((now - s.tokensAtMs) * t.messagesPerSecond) / 1000);
      s.tokensAtMs = now;
    }
    if (s.tokens < 1) return false;
    s.tokens -= 1;
    return true;
  }

  private businessReject(s: Session, seq: number, msgType: string, reason: string, text: string, cause: number): void {
    const f: OutField[] = [
      ['45', String(seq)],
      ['58', text],
      ['372', msgType],
      ['380', reason],
    ];
    if (s.beginString === 'FIXT.1.1' && s.settings.defaultApplVerId) f.push(['1137', s.settings.defaultApplVerId]);
    this.sendApp(s, 'j', f, cause);
  }

  private onSequenceReset(s: Session, m: FixMessage, gapFill: boolean, seq: number): void {
    const newSeq = m.getInt(36);
    if (gapFill && seq > s.nextTargetSeq) return;
    if (!Number.isSafeInteger(newSeq)) return;
    if (newSeq < s.nextTargetSeq) {
      this.sendReject(s, m, RejectReason.ValueIncorrect, '36');
      if (gapFill && seq === s.nextTargetSeq) s.nextTargetSeq++;
      return;
    }
    // The message itself (audit), then the new expected number (recovery must expect newSeq, not seq + 1).
    this.store.appendInbound(s.key, seq, '4', m.buffer, m.rawOffset, m.rawLength);
    this.store.setNextTarget(s.key, newSeq, gapFill);
    s.nextTargetSeq = newSeq;
  }

  /** Answers a ResendRequest from the store: app messages resent with PossDup, admin runs gap-filled. */
  private onResendRequest(s: Session, m: FixMessage): void {
    const begin = m.getInt(7);
    const end = m.getInt(16);
    if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(end)) return;
    this.resendRange(s, begin, end);
  }

  /** Resends [begin, end] (end 0 or 999999: up to the last sent) from the store. */
  private resendRange(s: Session, begin: number, end: number): void {
    const last = s.nextSenderSeq - 1;
    if (end === 0 || end === 999999 || end > last) end = last;
    let gapStart = -1;
    const now = formatUtcTimestamp(this.now());
    const resent: { seq: number; bytes: Uint8Array }[] = [];
    this.store.forEachOutbound(s.key, begin, end, (seq, raw, off, len) => {
      resent.push({ seq, bytes: copyBytes(raw, off, off + len) }); // the store reuses its read buffer
    });
    let expect = begin;
    const flushGap = (upTo: number): void => {
      if (gapStart < 0) return;
      this.sendGapFill(s, gapStart, upTo, now);
      gapStart = -1;
    };
    for (const r of resent) {
      if (r.seq !== expect && gapStart < 0) gapStart = expect;
      this.reparse(r.bytes, (om) => {
        const t = om.msgType;
        const dict = s.dict;
        const c = dict ? messageDef(dict, t) : NOT_FOUND;
        const admin = dict && c !== NOT_FOUND ? isAdminMessage(dict, c) : t.length === 1 && '0123456A5'.includes(t);
        if (admin) {
          if (gapStart < 0) gapStart = r.seq;
          return;
        }
        flushGap(r.seq);
        this.resendApp(s, om, now);
      });
      expect = r.seq + 1;
    }
    if (gapStart < 0 && expect <= end) gapStart = expect;
    flushGap(end + 1);
  }

  private sendGapFill(s: Session, seq: number, newSeq: number, now: string): void {
    const b = this.builder.begin(s.beginString, '4');
    b.intField(34, seq).field(43, 'Y').field(49, s.senderCompId).field(52, now).field(56, s.targetCompId).field(122, now);
    b.intField(36, newSeq).field(123, 'Y');
    const bytes = b.finish();
    this.write(s, bytes);
  }

  private resendApp(s: Session, om: FixMessage, now: string): void {
    const orig = om.getString(52) ?? now;
    const b = this.builder.begin(s.beginString, om.msgType);
    const header: [number, string][] = [
      [34, String(om.getInt(34))],
      [43, 'Y'],
      [49, s.senderCompId],
      [52, now],
      [56, s.targetCompId],
      [122, orig],
    ];
    const others = collectFields(om, s.dict, true);
    for (const f of others.header) header.push([Number(f[0]), f[1]]);
    header.sort((a, z) => a[0] - z[0]);
    for (const [t, v] of header) b.field(t, v);
    for (const f of others.body) b.rawField(f[0], f[1]);
    this.write(s, b.finish());
  }

  // ------------------------------------------------------------------ sending

  /** Sends a message with the standard header and `fields` (sorted header fields first, then body as given). */
  sendApp(s: Session, msgType: string, fields: readonly OutField[], cause: number): void {
    const seq = s.nextSenderSeq++;
    const now = this.timestamp();
    const header: [number, string][] = [
      [34, String(seq)],
      [49, s.senderCompId],
      [52, now],
      [56, s.targetCompId],
    ];
    const body: OutField[] = [];
    for (const f of fields) {
      const t = Number(f[0]);
      if (Number.isSafeInteger(t) && isHeader(s.dict, t)) header.push([t, f[1]]);
      else body.push(f);
    }
    header.sort((a, z) => a[0] - z[0]);
    const b = this.builder.begin(s.beginString, msgType);
    for (const [t, v] of header) b.field(t, v);
    for (const f of body) b.rawField(f[0], f[1]);
    const bytes = b.finish();
    const pos = this.store.appendOutbound(s.key, seq, msgType, bytes, 0, bytes.length, cause);
    this.write(s, bytes, pos);
  }

  /**
   * Starts an application message on the allocation-free path (see AppMessageBuilder): writes the
   * standard header (8, 9, 35, 34, 49, 52, 56, as sendApp) and returns the acceptor's reusable builder;
   * add fields, then send(causePosition). The message takes the session's next MsgSeqNum at send().
   */
  beginApp(s: Session, msgType: string): AppMessageBuilder {
    const b = this.appFix;
    const seq = s.nextSenderSeq;
    b.begin(s.beginString, msgType);
    b.intField(34, seq).bytesField(49, s.senderBytes, 0, s.senderBytes.length);
    const now = this.now();
    if (now !== this.stampBytesMs) {
      this.stampBytesMs = writeUtcTimestampMs(now, this.stampBytes, 0) < 0 ? -1 : now;
    }
    if (this.stampBytesMs === now) b.bytesField(52, this.stampBytes, 0, UTC_TIMESTAMP_MS_LENGTH);
    else b.field(52, this.timestamp()); // outside what the byte formatter covers (before 1970, after 2554)
    b.bytesField(56, s.targetBytes, 0, s.targetBytes.length);
    return this.appBuilder.open(s, seq, msgType);
  }

  private commitApp(s: Session, seq: number, msgType: string, bytes: Uint8Array, length: number, cause: number): number {
    if (s.nextSenderSeq !== seq) {
      throw new GatewayError(SessionErrorCode.SESSION_BUILDER_STALE, 'another message was sent on the session between beginApp() and send()', { session: s.key, seq, next: s.nextSenderSeq });
    }
    s.nextSenderSeq = seq + 1;
    const pos = this.store.appendOutbound(s.key, seq, msgType, bytes, 0, length, cause);
    this.writeRange(s, bytes, 0, length, pos);
    return pos;
  }

  /**
   * Releases bytes to the wire once the store says record `pos` is durable (a reply leaves only after
   * the records behind it: the outbound record is appended after the inbound one it answers, so its
   * durability implies the cause's). Order is kept: nothing overtakes a held message.
   */
  private timestamp(): string {
    const t = this.now();
    if (t !== this.stampMs) {
      this.stampMs = t;
      this.stamp = formatUtcTimestamp(t);
    }
    return this.stamp;
  }

  private write(s: Session, bytes: Uint8Array, pos = -1): void {
    this.writeRange(s, bytes, 0, bytes.length, pos);
  }

  private writeRange(s: Session, bytes: Uint8Array, offset: number, length: number, pos: number): void {
    s.lastSentMs = this.now();
    const q = s.pending;
    if (q.length === 0 && (pos < 0 || this.store.durablePosition() >= pos)) {
      if (s.connectionId >= 0) this.transport?.send(s.connectionId, bytes, offset, length);
      return;
    }
    q.push(bytes, offset, length, pos); // copied: the caller's buffer is reused
    if (s.durableWait < 0) {
      if (pos < 0) {
        this.flush(s);
        return;
      }
      s.durableWait = pos;
      this.store.onDurable(pos, s.flushOnDurable);
    }
  }

  /** Sends the held messages that are durable now; re-arms the durability wait for the rest. */
  private flush(s: Session): void {
    s.durableWait = -1;
    const q = s.pending;
    const durable = this.store.durablePosition();
    while (q.length > 0) {
      const p = q.headPosition;
      if (p >= 0 && p > durable) break;
      if (s.connectionId >= 0) this.transport?.send(s.connectionId, q.bytesBuffer, q.headOffset, q.headLength);
      q.shift();
    }
    if (q.length > 0) {
      s.durableWait = q.headPosition;
      this.store.onDurable(s.durableWait, s.flushOnDurable);
      return;
    }
    if (s.closeAfterFlush && s.connectionId >= 0) {
      s.closeAfterFlush = false;
      this.transport?.disconnect(s.connectionId);
    }
  }

  private sendLogout(s: Session, text: string): void {
    s.logoutSentAt = this.now();
    this.sendApp(s, '5', text ? [['58', text]] : [], -1);
  }

  /** cause: journal position of the rejected message when it was consumed (the Reject answers it), else -1. */
  private sendReject(s: Session, m: FixMessage, reason: number, refTag: string, msgType = m.msgType, cause = -1): void {
    const seq = m.getInt(34);
    const f: OutField[] = [];
    // Reverse route (QuickFIX): OnBehalfOf* of the rejected message become DeliverTo* and vice versa.
    const route: [number, number][] = [
      [115, 128],
      [116, 129],
      [144, 145],
      [128, 115],
      [129, 116],
      [145, 144],
    ];
    for (const [from, to] of route) {
      const v = m.getString(from);
      if (v !== undefined && v !== '') f.push([String(to), v]);
    }
    if (Number.isSafeInteger(seq)) f.push(['45', String(seq)]);
    f.push(['58', REJECT_TEXT[reason] ?? 'Other']);
    if (refTag !== '') f.push(['371', refTag]);
    if (msgType !== '') f.push(['372', msgType]);
    f.push(['373', String(reason)]);
    this.sendApp(s, '3', f, cause);
  }

  // ------------------------------------------------------------------ timers

  /** Drives heartbeats, test requests and timeouts; call periodically. */
  tick(): void {
    const now = this.now();
    const directory = this.config.directory;
    for (const c of this.conns.values()) {
      if (c.closing) continue;
      const s = c.session;
      if (!s) {
        const p = c.pendingLogon;
        if (p !== undefined) {
          if (p.dueMs >= 0 && now >= p.dueMs) this.admit(c);
        } else if (now - c.connectedAt >= (this.config.logonTimeoutMs ?? 10_000)) this.disconnect(c);
        continue;
      }
      if (c.awaitingLogon && now - c.connectedAt >= (this.config.logonTimeoutMs ?? 10_000)) {
        s.endReason = LogoutReason.ProtocolError;
        s.endText = 'No answer to our Logon';
        this.disconnect(c);
        continue;
      }
      if (s.connectionId !== c.id || !s.loggedOn) continue;
      if (s.logoutSentAt >= 0 && now - s.logoutSentAt >= (this.config.logoutTimeoutMs ?? 2_000)) {
        this.disconnect(c);
        continue;
      }
      if (s.logoutSentAt < 0 && directory.isOpen && !directory.isOpen(s.settings, now)) {
        this.endSession(s, LogoutReason.AdminRequest, 'End of the session schedule');
        continue;
      }
      const hb = s.heartbeatMs;
      if (hb <= 0) continue;
      const idleIn = now - s.lastReceivedMs;
      if (idleIn >= hb * 2.4) {
        if (s.endReason === -1) {
          s.endReason = LogoutReason.HeartbeatTimeout;
          s.endText = `No message for ${Math.round(idleIn / 1000)} s (HeartBtInt ${hb / 1000} s)`;
        }
        this.disconnect(c);
        continue;
      }
      if (idleIn >= hb * 1.2 * (s.testRequestsSent + 1)) {
        s.testRequestsSent++;
        this.sendApp(s, '1', [['112', 'TEST']], -1);
        continue;
      }
      if (now - s.lastSentMs >= hb) this.sendApp(s, '0', [], -1);
    }
  }
}

const Y = ENC.encode('Y');

/**
 * A copy of bytes[from, to). Not `bytes.slice`: on a Node Buffer (what stores and sockets hand out) that
 * is a view, which the owner later overwrites.
 */
/**
 * The raw bytes of a Logon with the value of Password (554) replaced by '*' (same length; the CheckSum
 * no longer matches): what the journal keeps, so the audit trail never holds a password. Other messages
 * are returned as a copy unchanged.
 */
export function withoutPassword(m: FixMessage): Uint8Array {
  const raw = copyBytes(m.buffer, m.rawOffset, m.rawOffset + m.rawLength);
  for (let i = 0; i + 4 < raw.length; i++) {
    if (raw[i] === 1 && raw[i + 1] === 0x35 && raw[i + 2] === 0x35 && raw[i + 3] === 0x34 && raw[i + 4] === 0x3d) {
      for (let k = i + 5; k < raw.length && raw[k] !== 1; k++) raw[k] = 0x2a;
    }
  }
  return raw;
}

export function copyBytes(bytes: Uint8Array, from: number, to = bytes.length): Uint8Array {
  return Uint8Array.prototype.slice.call(bytes, from, to);
}

/**
 * Top-level fields of a message other than the session-managed header fields, split into header and
 * body, the body sorted by tag with each repeating group kept behind its count field (QuickFIX order).
 */
export function collectFields(m: FixMessage, dict: FixDictionary | undefined, includeNonSessionHeader: boolean): { header: OutField[]; body: OutField[] } {
  const header: OutField[] = [];
  const units: { tag: number; fields: OutField[] }[] = [];
  for (let i = 0; i < m.fieldCount; ) {
    const next = m.nextAt(i) > i ? m.nextAt(i) : i + 1;
    const tag = m.tagAt(i);
    if (HEADER_SESSION_TAGS.has(tag)) {
      i = next;
      continue;
    }
    if (tag !== 0 && isHeader(dict, tag)) {
      if (includeNonSessionHeader) header.push([String(tag), m.stringAt(i)]);
      i = next;
      continue;
    }
    const fields: OutField[] = [];
    for (let k = i; k < next; k++) fields.push([tagText(m, k), m.stringAt(k)]);
    units.push({ tag: tag === 0 ? Number.MAX_SAFE_INTEGER : tag, fields });
    i = next;
  }
  units.sort((a, z) => a.tag - z.tag);
  const body: OutField[] = [];
  for (const u of units) for (const f of u.fields) body.push(f);
  return { header, body };
}
