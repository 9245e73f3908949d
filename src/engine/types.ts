/**
 * The clearing engine's contract: reference data, commands in, outcomes and events out.
 *
 * The engine is a deterministic single-writer state machine, (state, command) → (state', events,
 * outcome). It knows no FIX, no sockets and no journal: adapters in gateway/ turn member messages into
 * commands and outcomes into replies, and an EngineEvents sink (gateway/) turns events into journal
 * records. Replaying the same commands in the same order over the same reference data rebuilds an
 * identical state (`Engine.stateDigest`).
 *
 * Units (exact, no floating point anywhere in money):
 * - quantity: integer shares/units, a JS safe integer (`number`).
 * - price: mantissa at 10^-9 (`PRICE_EXPONENT` of codec/decimal), a safe integer (`number`).
 * - money: mantissa at 10^-4 (`MONEY_EXPONENT`), a safe integer (`number`) on the hot path; sums that
 *   can pass 2^53 (member totals, cycle totals) are `bigint`. An operation whose exact result leaves
 *   the safe range is refused (a reject with a reason), never rounded silently.
 * - money = qty × price rounded HALF_EVEN from 10^-9 to 10^-4 (`qtyTimesPrice` semantics).
 * - dates: `yyyymmdd` integers (e.g. 20261124), as FIX LocalMktDate; times: epoch nanoseconds as
 *   `number` of epoch ms plus sub-ms where a caller needs them (`nowNs` parameters are `bigint`).
 *
 * Thread: everything here is owned by the engine's thread (the gateway's JS thread).
 */
import type { Cusip, Isin, Lei, MemberId } from '../codec/ids.js';

// ---------------------------------------------------------------------------------------------------
// Reference data (validated before the engine starts; loaded from files by gateway/refdata.ts)

export type AssetClass = 'equity' | 'etf' | 'govt' | 'corp' | 'muni';

export interface SecurityDef {
  isin: Isin;
  /** US securities carry their CUSIP (= ISIN characters 3..11); reports and FIX SecurityIDSource=1 use it. */
  cusip?: Cusip;
  symbol: string;
  /** ISO 4217, e.g. USD. Trades in another currency are rejected. */
  currency: string;
  assetClass: AssetClass;
  /** Trade quantities must be a multiple of this (round lot, 1 = any). */
  lotSize: number;
  /** System (closing) price, 10^-9 mantissa: marks positions to market and values obligations. */
  price: number;
  /** Eligible for CNS settlement at the depository; an ineligible security is rejected (751=2). */
  depositoryEligible: boolean;
  /** Price band for trade reports, in basis points around `price`; 0 = no band check. */
  priceBandBps: number;
}

export interface MemberLimits {
  /** Gross notional (sum of |qty × price| of accepted trades) per clearing business date, money 10^-4. */
  grossNotionalPerDay: bigint;
  /** |net quantity| per security (all settlement dates together). */
  netPositionPerSecurity: number;
  /** Margin requirement may exceed collateral value by at most this much before a breach, money 10^-4. */
  exposureOverCollateral: bigint;
}

export interface MemberDef {
  id: MemberId;
  lei: Lei;
  name: string;
  /** Accounts within the member; '' (the firm's default account) is always allowed. */
  accounts: readonly string[];
  limits: MemberLimits;
  /** A suspended member's new trades are rejected (751=3). */
  active: boolean;
}

export interface CalendarDef {
  /** Non-trading, non-settlement days (yyyymmdd); weekends (Sat, Sun) are never business days. */
  holidays: readonly number[];
  /** Settlement cycle in business days after trade date (T+1 by default). */
  settlementCycleDays: number;
}

/** Price history for historical-simulation VaR: `closes[s][d]` is security s's close on `dates[d]`. */
export interface ScenarioHistory {
  dates: readonly number[];
  isins: readonly Isin[];
  /** Closing prices, 10^-9 mantissa; every entry present (validated). */
  closes: readonly (readonly number[])[];
}

export interface CollateralSchedule {
  /** Haircut per asset class and for cash, basis points (0..10000). */
  haircutBps: Readonly<Record<AssetClass | 'cash', number>>;
  /** A single security counts towards collateral value at most this share of the member's total, bps. */
  concentrationLimitBps: number;
}

export interface RefData {
  securities: readonly SecurityDef[];
  members: readonly MemberDef[];
  calendar: CalendarDef;
  scenarios: ScenarioHistory;
  collateral: CollateralSchedule;
}

// ---------------------------------------------------------------------------------------------------
// Engine configuration (gateway.config.json `clearing`)

export interface EngineConfig {
  /** What a risk-limit breach does: reject the trade, or accept it and raise a margin call. */
  onRiskBreach: 'reject' | 'marginCall';
  margin: {
    /** VaR confidence in basis points (9900 = 99%). */
    confidenceBps: number;
    /** Margin period of risk in business days (default 2): scenarios are overlapping h-day price moves. */
    mporDays: number;
    /** Gap-risk add-on: `gapAddOnBps` of the gross market value of the member's `gapTopN` largest positions. */
    gapTopN: number;
    gapAddOnBps: number;
  };
  /** One-sided reports unmatched for this many business days are reported as aged (and stay open). */
  unmatchedAgeDays: number;
}

// ---------------------------------------------------------------------------------------------------
// Commands. Adapters fill a command object and pass it to the engine, which reads it synchronously and
// keeps nothing of it (an adapter may reuse one object per command kind).

export const TransType = { New: 0, Cancel: 1, Replace: 2 } as const;
export type TransType = (typeof TransType)[keyof typeof TransType];

export const SideCode = { Buy: 1, Sell: 2 } as const;
export type SideCode = (typeof SideCode)[keyof typeof SideCode];

export interface TradeSide {
  side: SideCode;
  /** Clearing member of this side (PartyRole 4). */
  clearingFirm: string;
  /** Executing firm (PartyRole 1); may equal the clearing firm. */
  executingFirm: string;
  /** Account within the clearing firm; '' = default account. */
  account: string;
}

export interface TradeReport {
  /** Who reported it: a member's session ('member') or a venue feed ('venue', locked-in, skips matching). */
  source: 'member' | 'venue';
  /** The reporting member (the session's member); '' for venues. Must clear one of the sides. */
  submitter: string;
  transType: TransType;
  /** 571, unique per submitter and clearing business date. */
  reportId: string;
  /** 572 for cancel/replace: the reportId being cancelled or replaced; '' otherwise. */
  refId: string;
  /** 880 venue match id; reports of the two sides with the same match id match on it; '' when none. */
  matchId: string;
  /** 828 TrdType (0 = regular). */
  trdType: number;
  /** 48 as sent, with its 22 source: 4 = ISIN, 1 = CUSIP. */
  securityId: string;
  securityIdSource: number;
  qty: number;
  /** 10^-9 mantissa. */
  price: number;
  /** 15; '' = the security's currency. */
  currency: string;
  tradeDate: number;
  /** 64; 0 = computed from the calendar (trade date + settlement cycle). */
  settlDate: number;
  /** 715; 0 = the engine's current clearing business date. */
  clearingBusinessDate: number;
  /** 1 side (one-sided, needs matching) or 2 sides (locked-in, two-sided). */
  sides: TradeSide[];
  sideCount: number;
  /**
   * (E1, additive) One-sided reports: the counterparty's clearing firm (FIX PartyRole 17 ContraFirm on
   * the side), which the matching key needs. Required when sideCount = 1; ignored for two-sided reports.
   * Absent = ''.
   */
  contraFirm?: string;
}

// ---------------------------------------------------------------------------------------------------
// Outcomes (one reused object per engine; read it before the next command)

export const TradeStatus = {
  /** Accepted and netted (locked-in or matched now). */
  Accepted: 0,
  Rejected: 1,
  /** Cancel applied: positions reversed exactly. */
  Cancelled: 2,
  /** One-sided report accepted, waiting for the counterparty's report. */
  PendingMatch: 4,
} as const;
export type TradeStatus = (typeof TradeStatus)[keyof typeof TradeStatus];

export interface TradeOutcome {
  status: TradeStatus;
  /** TradeReportRejectReason (751) when rejected, else 0. */
  rejectReason: number;
  /** Why, for humans (Text 58); '' when accepted. */
  text: string;
  /** CCP trade id (1003) when matched/locked-in; 0n otherwise. */
  tradeId: bigint;
  clearingBusinessDate: number;
  settlDate: number;
  /** The counterparty's report that this one matched, so its member can be told too; '' when none. */
  matchedReportId: string;
  matchedSubmitter: string;
  /** Members whose margin requirement now exceeds collateral (margin call raised by this command). */
  marginCalls: readonly string[];
}

// ---------------------------------------------------------------------------------------------------
// Events: every state change, in order, for the journal (gateway/ encodes them as gateway-internal
// records). Arguments are primitives so that emitting allocates nothing.

export interface EngineEvents {
  /** A trade reached `stage` (TradeStage of gateway-internal); reason = 751 or depository code, or -1. */
  tradeStage(tradeId: bigint, stage: number, previousStage: number, reason: number, atNs: bigint): void;
  /** Net position after the change (qty, money 10^-4). tradeId 0n for adjustments. */
  positionChanged(member: string, isin: string, settlDate: number, netQty: number, netMoney: number, tradeId: bigint, atNs: bigint): void;
  marginCalculated(member: string, requirement: bigint, collateralValue: bigint, clearingBusinessDate: number, atNs: bigint): void;
  collateralMoved(member: string, movementId: string, deposit: boolean, cash: boolean, isin: string, quantity: number, amount: bigint, valueAfterHaircut: bigint, atNs: bigint): void;
  /**
   * (E1, additive, optional) A one-sided report entered (`pending` true) or left (false: matched,
   * cancelled or replaced) the matching book. Has no trade id yet, hence not a tradeStage event.
   */
  unmatchedChanged?(submitter: string, reportId: string, pending: boolean, atNs: bigint): void;
}

/**
 * (E1, additive) `reason` values of tradeStage besides 751 codes: none (-1), and a cancelled trade
 * (stage FAILED after PENDING_SETTLEMENT). 1000 is outside every 751 code and inside the journal's
 * uint16 ReasonCode.
 */
export const StageReason = { None: -1, Cancelled: 1000 } as const;

// ---------------------------------------------------------------------------------------------------
// (E1, additive) Margin and collateral as the engine sees them. src/engine/margin.ts (MarginBook) and
// collateral.ts (CollateralBook) implement these; tests may pass stubs. Slots are indexes of
// refdata.members / refdata.securities.

export interface MarginModel {
  /**
   * The member's net quantity in the security (all settlement dates) changed by qtyDelta. Returns 0
   * (or nothing) when applied; any other code = refused with nothing changed (reason in `lastError`).
   */
  onPositionDelta(memberSlot: number, securitySlot: number, qtyDelta: number): number | void;
  /** Would onPositionDelta succeed? (read-only; absent = always). */
  canApply?(memberSlot: number, securitySlot: number, qtyDelta: number): boolean;
  /** VaR + gap add-on of the member, money 10^-4 (the engine adds mark-to-market losses). */
  requirement(memberSlot: number): bigint;
  recomputeAll(): void;
  /** New system price (10^-9); 0 or nothing = applied, other = refused with nothing changed. */
  setPrice?(securitySlot: number, price: number): number | void;
  /** Why the last call was refused. */
  lastError?: string;
}

export interface CollateralModel {
  /** Collateral value after haircuts and concentration limits, money 10^-4. */
  value(memberSlot: number): bigint;
  /** New system price (10^-9) of a security held as collateral. */
  setPrice?(securitySlot: number, price: number): void;
}

/** (E1, additive) Optional 5th constructor argument of ClearingEngine. */
export interface EngineOptions {
  /** undefined = a MarginBook over the same refdata and config; null = no margin (exposure checks off). */
  margin?: MarginModel | null;
  /** undefined = a CollateralBook over the same refdata; null = no collateral (value 0). */
  collateral?: CollateralModel | null;
  /** Stage timestamps for telemetry only (never state); default: every stage gets the command's nowNs. */
  clock?: () => bigint;
  /** Initial capacity of the trade, position and matching tables (they grow by doubling). */
  initialCapacity?: number;
}
