/**
 * SessionStore in memory (tests and the acceptance server): everything is "durable" at once.
 * Thread: owned by the JS thread of the session layer.
 */
import type { SessionSequenceState, SessionStore } from './store.js';

interface Stored {
  next: SessionSequenceState;
  /** Stored outbound messages by MsgSeqNum (sparse array: O(1), no hashing). */
  outbound: (Uint8Array | undefined)[];
}

export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, Stored>();
  private position = 0;

  private get(key: string): Stored {
    let s = this.sessions.get(key);
    if (!s) {
      s = { next: { nextSenderSeq: 1, nextTargetSeq: 1 }, outbound: [] };
      this.sessions.set(key, s);
    }
    return s;
  }

  recover(sessionKey: string): SessionSequenceState {
    const n = this.get(sessionKey).next;
    return { nextSenderSeq: n.nextSenderSeq, nextTargetSeq: n.nextTargetSeq };
  }

  appendInbound(sessionKey: string, seq: number, _msgType: string, _raw: Uint8Array, _offset: number, _length: number): number {
    const s = this.get(sessionKey);
    if (seq >= s.next.nextTargetSeq) s.next.nextTargetSeq = seq + 1;
    return ++this.position;
  }

  appendOutbound(sessionKey: string, seq: number, _msgType: string, raw: Uint8Array, offset: number, length: number, _cause: number): number {
    const s = this.get(sessionKey);
    s.outbound[seq] = raw.slice(offset, offset + length);
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
    return ++this.position;
  }

  durablePosition(): number {
    return this.position;
  }

  onDurable(_position: number, callback: () => void): void {
    callback();
  }
}
