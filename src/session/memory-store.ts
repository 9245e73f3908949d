/**
 * SessionStore in memory (tests and the acceptance server): everything is "durable" at once.
 * Thread: owned by the JS thread of the session layer.
 */
import type { LogonRecord, LogoutReason, SessionSequenceState, SessionStore } from './store.js';

interface Stored {
  next: SessionSequenceState;
  lastResetMs: number;
  /** Stored outbound messages by MsgSeqNum (sparse array: O(1), no hashing). */
  outbound: (Uint8Array | undefined)[];
}

/** A session event as recorded (tests read `events`). */
export type MemorySessionEvent =
  | { kind: 'logon'; sessionKey: string; logon: LogonRecord }
  | { kind: 'logout'; sessionKey: string; reason: LogoutReason; text: string }
  | { kind: 'next-target'; sessionKey: string; newSeqNo: number; gapFill: boolean };

export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, Stored>();
  private position = 0;
  /** Session events in order (bounded by the test's lifetime; the acceptance server keeps none). */
  readonly events: MemorySessionEvent[] = [];

  /** @param now clock for lastResetMs (the session layer's clock in tests). */
  constructor(
    private readonly now: () => number = Date.now,
    private readonly keepEvents = true,
  ) {}

  private get(key: string): Stored {
    let s = this.sessions.get(key);
    if (!s) {
      s = { next: { nextSenderSeq: 1, nextTargetSeq: 1 }, lastResetMs: 0, outbound: [] };
      this.sessions.set(key, s);
    }
    return s;
  }

  recover(sessionKey: string): SessionSequenceState {
    const n = this.get(sessionKey).next;
    return { nextSenderSeq: n.nextSenderSeq, nextTargetSeq: n.nextTargetSeq };
  }

  lastResetMs(sessionKey: string): number {
    return this.get(sessionKey).lastResetMs;
  }

  appendInbound(sessionKey: string, seq: number, _msgType: string, _raw: Uint8Array, _offset: number, _length: number): number {
    const s = this.get(sessionKey);
    if (seq >= s.next.nextTargetSeq) s.next.nextTargetSeq = seq + 1;
    return ++this.position;
  }

  appendOutbound(sessionKey: string, seq: number, _msgType: string, raw: Uint8Array, offset: number, length: number, _cause: number): number {
    const s = this.get(sessionKey);
    s.outbound[seq] = Uint8Array.prototype.slice.call(raw, offset, offset + length); // a copy even for a Buffer
    if (seq >= s.next.nextSenderSeq) s.next.nextSenderSeq = seq + 1;
    return ++this.position;
  }

  forEachOutbound(sessionKey: string, from: number, to: number, visit: (seq: number, raw: Uint8Array, offset: number, length: number) => void): void {
    const s = this.get(sessionKey);
    const last = to === 0 ? s.next.nextSenderSeq - 1 : to;
    for (let seq = from; seq <= last; seq++) {
      const raw = s.outbound[seq];
      if (raw) visit(seq, raw, 0, raw.length);
    }
  }

  reset(sessionKey: string, nextSenderSeq: number, nextTargetSeq: number): number {
    const s = this.get(sessionKey);
    s.outbound = [];
    s.next.nextSenderSeq = nextSenderSeq;
    s.next.nextTargetSeq = nextTargetSeq;
    s.lastResetMs = this.now();
    return ++this.position;
  }

  setNextTarget(sessionKey: string, newSeqNo: number, gapFill: boolean): number {
    this.get(sessionKey).next.nextTargetSeq = newSeqNo;
    if (this.keepEvents) this.events.push({ kind: 'next-target', sessionKey, newSeqNo, gapFill });
    return ++this.position;
  }

  recordLogon(sessionKey: string, logon: LogonRecord): number {
    if (this.keepEvents) this.events.push({ kind: 'logon', sessionKey, logon: { ...logon } });
    return ++this.position;
  }

  /** Nothing survives a restart here, so nothing is ever unanswered after one. */
  takeUnanswered(): void {}

  recordLogout(sessionKey: string, reason: LogoutReason, text: string): number {
    if (this.keepEvents) this.events.push({ kind: 'logout', sessionKey, reason, text });
    return ++this.position;
  }

  durablePosition(): number {
    return this.position;
  }

  onDurable(_position: number, callback: () => void): void {
    callback();
  }
}
