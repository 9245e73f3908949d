/**
 * What the admin HTTP API reads: plain rows, produced on request by functions the composition
 * (src/gateway) implements over the session acceptor, the engine and the journal. The admin room never
 * imports those parts; it formats these rows (money as exact decimal text, dates as YYYY-MM-DD) and
 * serves them.
 *
 * Contract: every function is called on the gateway's JS thread, once per request (never on the hot
 * path), and returns its rows or a promise of them. The admin formats the rows in the turn it receives
 * them and keeps nothing, so a source may hand out fresh arrays built from live state. A function that
 * throws (or rejects) makes that request a 500; nothing else is affected.
 */

/** Money as an integer mantissa at scale 10^-4 (the engine's money unit); a number must be a safe integer. */
export type Money4 = bigint | number;

/** Session state as an operator sees it. */
export type SessionState =
  /** Configured, no connection bound to it since start (or never logged on). */
  | 'disconnected'
  /** Logged on: application messages flow. */
  | 'logged-on'
  /** A connection is bound but the session is not (or no longer) logged on: logon or logout in progress. */
  | 'connected';

export interface SessionRow {
  /** Journal session id (stable across restarts). */
  sessionId: number;
  /** Clearing member the session belongs to. */
  member: string;
  beginString: string;
  /** Our CompID (49 on what we send). */
  senderCompId: string;
  /** The member's CompID (49 on what it sends). */
  targetCompId: string;
  state: SessionState;
  loggedOn: boolean;
  /** MsgSeqNum expected next from the member. */
  nextInSeq: number;
  /** MsgSeqNum we send next. */
  nextOutSeq: number;
  /** Peer address of the bound connection ("127.0.0.1"); null when none or unknown. */
  remoteAddress: string | null;
  remotePort?: number | null;
  /** The bound connection is TLS; null when none or unknown. */
  tls?: boolean | null;
}

export interface PositionRow {
  member: string;
  isin: string;
  /** Settlement date as yyyymmdd (e.g. 20261126). */
  settlDate: number;
  /** Net quantity (shares, member long +); a safe integer. */
  netQty: number;
  /** Net money, 10^-4 (member owed +). */
  netMoney: Money4;
}

export interface MarginRow {
  member: string;
  /** Margin requirement, 10^-4. */
  requirement: Money4;
  /** Collateral value after haircuts, 10^-4. */
  collateralValue: Money4;
  /** The engine has an open margin call on the member. */
  marginCall: boolean;
}

export interface ObligationRow {
  member: string;
  isin: string;
  /** yyyymmdd. */
  settlDate: number;
  /** > 0 receive, < 0 deliver. */
  netQty: number;
  /** 10^-4, member owed +. */
  netMoney: Money4;
}

export interface ObligationsResult {
  /** The settlement date the rows are for (yyyymmdd); null when the source chose none (e.g. no engine). */
  settlDate: number | null;
  rows: ObligationRow[];
}

export interface HealthInfo {
  journal: {
    /** Start of the last durable record (Journal.durablePosition); -1 when none. */
    durablePosition: number;
    /** Position the next record will get (Journal.endPosition). */
    endPosition: number;
    /** Set once the journal failed (write or fsync error): the gateway stops acknowledging. */
    failure?: string | null;
  };
  /** Readiness of each part, e.g. { journal: true, fix: true, engine: false }. All true = ready. */
  ready: Record<string, boolean>;
  /** When the gateway started (epoch ms); default: when the admin server started. */
  startedAtMs?: number;
}

type Maybe<T> = T | Promise<T>;

export interface AdminSources {
  sessions(): Maybe<SessionRow[]>;
  /** Positions, all members or one. */
  positions(member?: string): Maybe<PositionRow[]>;
  margin(): Maybe<MarginRow[]>;
  /** Obligations for a settlement date (yyyymmdd), or the source's default date when absent. */
  obligations(settlDate?: number): Maybe<ObligationsResult>;
  health(): Maybe<HealthInfo>;
}
