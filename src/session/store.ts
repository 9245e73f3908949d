/**
 * What the session layer needs from durable storage: the FIX message store (resend), sequence-number
 * recovery, and the durability signal that gates replies. Implemented by the journal
 * (src/journal: one append-only journal is at once message store, audit trail and recovery log) and by
 * MemorySessionStore for tests. The session layer depends on this interface only (injected).
 *
 * Contract:
 * - Appends are synchronous and cheap (buffered); they return the record's journal position (a
 *   monotonically increasing number). Durability comes later: `durablePosition()` only grows, and
 *   `onDurable(position, callback)` calls back (on the owning thread) once every record up to and
 *   including `position` is durable under the configured durability ("fsync" or "os").
 * - Raw bytes are copied during the call; the caller may reuse its buffer afterwards.
 * - `recover(sessionKey)` returns the state rebuilt from what is stored (next sequence numbers both ways);
 *   a session never seen before starts at 1/1. `lastResetMs` dates the last reset (scheduled resets).
 * - `forEachOutbound(sessionKey, from, to, visit)` visits stored outbound messages with from <= seq <= to
 *   (to = 0: up to the last) in sequence order; `visit` gets a view valid only during the call.
 * - `reset(sessionKey, nextSenderSeq, nextTargetSeq)` records a reset of both sequences (logon with
 *   ResetSeqNumFlag, scheduled reset, operator action); later resends never return messages from
 *   before it. `setNextTarget(sessionKey, newSeqNo, gapFill)` records the counterparty's SequenceReset
 *   (Reset or GapFill) of the inbound sequence only, so that recovery expects newSeqNo next.
 * - `recordLogon` / `recordLogout` journal session events (audit trail: who logged on, when, which
 *   sequence numbers; why a session ended or a logon was refused). They do not change sequence state.
 *
 * Threads: a store belongs to the JS thread that runs the session layer.
 */
export interface SessionSequenceState {
  /** MsgSeqNum of the next message we send. */
  nextSenderSeq: number;
  /** MsgSeqNum we expect next from the counterparty. */
  nextTargetSeq: number;
}

/** Why a session ended or a logon was refused (journal LogoutReason). */
export const LogoutReason = {
  Normal: 0,
  HeartbeatTimeout: 1,
  SequenceTooLow: 2,
  AuthenticationFailed: 3,
  ProtocolError: 4,
  AdminRequest: 5,
  TransportClosed: 6,
} as const;
export type LogoutReason = (typeof LogoutReason)[keyof typeof LogoutReason];

export interface LogonRecord {
  connectionId: number;
  heartBtInt: number;
  nextSenderSeq: number;
  nextTargetSeq: number;
  /** FIX.4.4 or FIXT.1.1. */
  beginString: string;
  /** The member's CompID (49 of their messages) and ours as they addressed it (56). */
  theirCompId: string;
  ourCompId: string;
  member: string;
}

export interface SessionStore {
  recover(sessionKey: string): SessionSequenceState;
  /** Epoch ms of the last reset of both sequences (reset()); 0 when the session was never reset. */
  lastResetMs(sessionKey: string): number;
  /** A message received (after framing), before it is processed. Returns its journal position. */
  appendInbound(sessionKey: string, seq: number, msgType: string, raw: Uint8Array, offset: number, length: number): number;
  /**
   * A message to send, before it is released to the wire. causePosition: the inbound record it answers
   * (the reply may leave only once that and this record are durable); -1 for none.
   */
  appendOutbound(sessionKey: string, seq: number, msgType: string, raw: Uint8Array, offset: number, length: number, causePosition: number): number;
  forEachOutbound(sessionKey: string, from: number, to: number, visit: (seq: number, raw: Uint8Array, offset: number, length: number) => void): void;
  reset(sessionKey: string, nextSenderSeq: number, nextTargetSeq: number): number;
  setNextTarget(sessionKey: string, newSeqNo: number, gapFill: boolean): number;
  recordLogon(sessionKey: string, logon: LogonRecord): number;
  recordLogout(sessionKey: string, reason: LogoutReason, text: string): number;
  /**
   * Visits, once, the inbound application messages recovered as consumed but answered by no outbound
   * record (no causePosition names them): the process stopped between the two. Later calls visit nothing.
   */
  takeUnanswered(sessionKey: string, visit: (position: number, raw: Uint8Array, offset: number, length: number) => void): void;
  durablePosition(): number;
  onDurable(position: number, callback: () => void): void;
}
