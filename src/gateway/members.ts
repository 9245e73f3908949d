/**
 * The member directory: fix.sessions of gateway.config.json as the session layer's SessionDirectory
 * (src/session/session.ts). Which session a Logon names, whether it may log on (password verifier,
 * Username, TLS client-certificate subject, schedule), and when sequence numbers reset.
 *
 * Passwords: only a verifier is configured, `scrypt$N$r$p$salt$hash` (base64 salt and hash), made by
 * `gateway hash-password`. Verification runs crypto.scrypt on libuv's thread pool, so a logon never
 * blocks the session thread; the comparison is constant-time. Refusal texts do not say which credential
 * was wrong.
 *
 * Schedules: start/end are wall-clock times in the session's IANA time zone; end before start spans
 * midnight; weekdays name the days on which a period starts. A period's start is computed from the
 * local time of day, so on a day with a DST change a period start within the shifted hour is off by that
 * hour (documented limitation; clearing sessions do not open at 02:00 local).
 *
 * Thread: called on the session layer's JS thread; holds no mutable state after construction.
 */
import * as crypto from 'node:crypto';
import { type LogonAttempt, SessionAcceptor, type SessionDirectory, type SessionSettings } from '../session/session.js';
import { type FixSessionConfig, type GatewayConfig, hmsSeconds, type Weekday } from './config.js';

/** Settings plus what admission needs (the config entry). */
export interface MemberSession extends SessionSettings {
  sessionId: number;
  config: FixSessionConfig;
}

export const REFUSED_CREDENTIALS = 'Invalid username or password';
export const REFUSED_CERTIFICATE = 'Client certificate does not match the session';

const WEEKDAYS: readonly Weekday[] = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const DAY_MS = 86_400_000;

export class MemberDirectory implements SessionDirectory {
  readonly sessions: readonly MemberSession[];
  readonly #byKey = new Map<string, MemberSession>();
  readonly #clocks = new Map<string, Intl.DateTimeFormat>();

  constructor(config: GatewayConfig) {
    const fallback = config.fix.senderCompId ?? 'CCP';
    this.sessions = (config.fix.sessions ?? []).map((c) => {
      const reset = c.reset ?? (c.schedule ? 'daily' : 'never');
      const s: MemberSession = {
        sessionId: c.sessionId,
        config: c,
        beginString: c.beginString,
        senderCompId: c.senderCompId ?? fallback,
        targetCompId: c.targetCompId,
        member: c.member,
        defaultApplVerId: c.beginString === 'FIXT.1.1' ? (c.defaultApplVerId ?? '9') : undefined,
        resetOnLogon: reset === 'onLogon',
        nextExpectedMsgSeqNum: c.nextExpectedMsgSeqNum ?? false,
        sendingTimeToleranceMs: c.sendingTimeToleranceMs ?? 120_000,
        heartbeat: c.heartbeat ?? { minSeconds: 1, maxSeconds: 300 },
        throttle: c.throttle ? { messagesPerSecond: c.throttle.messagesPerSecond, burst: c.throttle.burst ?? c.throttle.messagesPerSecond } : undefined,
      };
      this.#byKey.set(SessionAcceptor.keyOf(s), s);
      return s;
    });
  }

  /** sessionKey (SessionAcceptor.keyOf) -> journal sessionId, for JournalSessionStore. */
  sessionIds(): Record<string, number> {
    const ids: Record<string, number> = {};
    for (const s of this.sessions) ids[SessionAcceptor.keyOf(s)] = s.sessionId;
    return ids;
  }

  find(beginString: string, ourCompId: string, theirCompId: string): SessionSettings | undefined {
    return this.#byKey.get(SessionAcceptor.keyOf({ beginString, senderCompId: ourCompId, targetCompId: theirCompId }));
  }

  admit(a: LogonAttempt): string | undefined | Promise<string | undefined> {
    const c = (a.settings as MemberSession).config.credentials;
    if (c === undefined) return undefined;
    if (c.tlsSubject !== undefined && !(a.connection.tls && a.connection.tlsSubject === c.tlsSubject)) return REFUSED_CERTIFICATE;
    const userOk = c.username === undefined || a.username === c.username;
    if (c.passwordHash === undefined) return userOk ? undefined : REFUSED_CREDENTIALS;
    // The hash runs whatever was wrong, so the answer's timing does not tell which credential it was.
    return verifyPassword(c.passwordHash, a.password ?? '').then((ok) => (ok && userOk && a.password !== undefined ? undefined : REFUSED_CREDENTIALS));
  }

  isOpen(settings: SessionSettings, nowMs: number): boolean {
    const sch = (settings as MemberSession).config.schedule;
    return sch === undefined || this.#periodStart(sch, nowMs) !== undefined;
  }

  resetDue(settings: SessionSettings, lastResetMs: number, nowMs: number): boolean {
    const c = (settings as MemberSession).config;
    if ((c.reset ?? (c.schedule ? 'daily' : 'never')) !== 'daily') return false;
    const start = c.schedule ? this.#periodStart(c.schedule, nowMs) : nowMs - (nowMs % DAY_MS);
    return start !== undefined && lastResetMs < start;
  }

  /** Epoch ms at which the schedule period containing nowMs began; undefined when closed. */
  #periodStart(sch: NonNullable<FixSessionConfig['schedule']>, atMs: number): number | undefined {
    const nowMs = Math.floor(atMs / 1000) * 1000; // whole seconds, as the local time of day is
    const { day, secondOfDay } = this.#local(sch.timeZone ?? 'UTC', nowMs);
    const start = hmsSeconds(sch.start);
    const end = hmsSeconds(sch.end);
    const days = sch.weekdays;
    const startsOn = (d: number): boolean => days === undefined || days.includes(WEEKDAYS[(d + 7) % 7]!);
    if (start < end) return secondOfDay >= start && secondOfDay < end && startsOn(day) ? nowMs - (secondOfDay - start) * 1000 : undefined;
    if (secondOfDay >= start) return startsOn(day) ? nowMs - (secondOfDay - start) * 1000 : undefined;
    if (secondOfDay < end) return startsOn(day - 1) ? nowMs - (secondOfDay + 86_400 - start) * 1000 : undefined;
    return undefined;
  }

  /** Local weekday (0 = Sunday) and second of the day in `timeZone`. */
  #local(timeZone: string, nowMs: number): { day: number; secondOfDay: number } {
    let f = this.#clocks.get(timeZone);
    if (!f) {
      f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', weekday: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit' });
      this.#clocks.set(timeZone, f);
    }
    let day = 0;
    let sod = 0;
    for (const p of f.formatToParts(nowMs)) {
      if (p.type === 'weekday') day = WEEKDAYS.indexOf(p.value as Weekday);
      else if (p.type === 'hour') sod += Number(p.value) * 3600;
      else if (p.type === 'minute') sod += Number(p.value) * 60;
      else if (p.type === 'second') sod += Number(p.value);
    }
    return { day, secondOfDay: sod };
  }
}

/** scrypt cost: N = 2^15, r = 8, p = 1 (about 30-60 ms here, 32 MiB). */
const SCRYPT = { N: 32768, r: 8, p: 1 };

/** A verifier for `password`: scrypt$N$r$p$salt$hash. */
export function hashPassword(password: string): string {
  const salt = crypto.randomBytes(16);
  const hash = crypto.scryptSync(password.normalize('NFC'), salt, 32, { ...SCRYPT, maxmem: 128 * SCRYPT.N * SCRYPT.r * 2 });
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Whether `password` matches `verifier` (constant-time compare; scrypt on the thread pool). A malformed verifier never matches. */
export function verifyPassword(verifier: string, password: string): Promise<boolean> {
  const parts = verifier.split('$');
  const N = Number(parts[1]);
  const r = Number(parts[2]);
  const p = Number(parts[3]);
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const want = Buffer.from(parts[5] ?? '', 'base64');
  const sane = (v: number, max: number): boolean => Number.isSafeInteger(v) && v > 0 && v <= max;
  if (parts.length !== 6 || parts[0] !== 'scrypt' || !sane(N, 1 << 24) || N < 2 || (N & (N - 1)) !== 0 || !sane(r, 64) || !sane(p, 64) || want.length < 16) return Promise.resolve(false);
  return new Promise((resolve) => {
    try {
      crypto.scrypt(password.normalize('NFC'), salt, want.length, { N, r, p, maxmem: 128 * N * r * 2 }, (err, got) => {
        resolve(err === null && crypto.timingSafeEqual(got, want));
      });
    } catch {
      resolve(false); // parameters scrypt refuses (e.g. memory): never a match
    }
  });
}
