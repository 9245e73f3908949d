/**
 * The clearing engine: a deterministic single-writer state machine over trade reports.
 *
 *   submitTrade: RECEIVED → VALIDATED → ENRICHED → RISK_CHECKED → MATCHED → NOVATED → NETTED →
 *                MARGIN_OK → PENDING_SETTLEMENT   (or FAILED with a 751 reason)
 *
 * Determinism: no clock, no randomness, no iteration over insertion-ordered hash maps in anything that
 * changes state. Time comes in as `nowNs`; an optional injected `clock()` only stamps stage events
 * (telemetry). The same commands over the same reference data give the same trade ids, events and
 * `stateDigest()`.
 *
 * Rules this engine decides (see also types.ts):
 * - Validation order (the first failure is the reject; 751 code in brackets): TransType [99],
 *   TradeReportID present and ≤ 64 chars [99], ClearingBusinessDate = today or 0 [99], submitter a
 *   known [3] active [3] member (venue reports: any venue name), duplicate TradeReportID of the
 *   submitter on this clearing date [99]; then for new/replace: NoSides 1 or 2 (venue: 2) [1], each
 *   side's Side code [99], clearing firm known [1] and active [3], account known [1]; two sides are one
 *   buy and one sell [1], the same clearing firm on both sides is allowed (an internal cross between
 *   two accounts) but not the same firm *and* account [1]; a member submitter clears one of the sides
 *   [3] (one-sided: the side's firm is the submitter [3], the contra firm is given [1], known [1],
 *   active [3]); TrdType 0 or 1 [4]; SecurityIDSource 4/1 [2], security known [2] and depository
 *   eligible [2]; Currency '' or the security's [99]; LastQty a positive integer [99], a multiple of
 *   the lot [99]; LastPx a positive integer mantissa [99], a reference price exists when the security
 *   has a band [6], inside the band [5]; TradeDate a valid [99] business day [99] not after the
 *   clearing date [99]; SettlDate (given or T+n) a valid [99] business day [99], not before the trade
 *   date [99], at most 366 days after it [99], not before the clearing date [99], not already in a
 *   settlement cycle [99]; notional qty × price in the exact range [7].
 * - Risk (per member of each side, before acceptance): gross notional of the clearing date (each side
 *   a member clears counts, so an internal cross counts twice) against `grossNotionalPerDay` [7];
 *   |net quantity| in the security over all settlement dates against `netPositionPerSecurity` [99];
 *   positions stay in the exact range [99]; with margin: requirement (MarginBook VaR + gap add-on, plus
 *   the member's mark-to-market loss) − collateral value against `exposureOverCollateral` [99].
 *   onRiskBreach 'reject': the trade is rejected and no state changes; 'marginCall': it is accepted
 *   and the breaching members are listed in `outcome.marginCalls`. A one-sided report is pre-checked
 *   for its own member when it arrives (reject mode) and both members are checked when it matches.
 * - Matching: see matching.ts. Two-sided member reports and venue reports are locked-in. A matched
 *   pair follows the internal-cross rule too: a mirror that would make a trade between the same firm
 *   and account rejects the second report (751=1); the first keeps waiting.
 * - Cancel (487=1): TradeReportRefID (572) names one of the *submitter's own* reports (a rejected
 *   report's id is not consumed and cannot be referenced). An unmatched report leaves the book. A
 *   locked-in trade is cancelled by either side's member through its own report id (for a matched
 *   pair both members have one; for a two-sided or venue report only its submitter has one) with no
 *   counterparty consent, as long as its settlement date is not yet in a settlement cycle (settle or
 *   rollForward touched it). Both sides' positions are reversed exactly; the trade keeps its id in
 *   state Cancelled (tradeStage FAILED, reason StageReason.Cancelled). No risk check (a cancel cannot
 *   be refused for risk), but margin calls it causes are listed.
 * - Replace (487=2): cancel of 572 + the new report, all-or-nothing: if the new one is rejected the
 *   old one stays exactly as it was and no event is emitted except the FAILED.
 * - Report ids: unique per submitter and clearing date; a later date may reuse one, and 572 then
 *   names the latest report with that id.
 *
 * Money: positions hold qty (long +) and money (member owed +; a buyer pays, so buying 100 @ 10 is
 * qty +100, money −1000.0000) as safe integers; money of a trade = round_half_even(qty × price) at
 * 10^-4, the same amount on both sides, so per security and settlement date the members' net qty and
 * net money each sum to zero and the CCP's own net (−Σ members) is zero. Position adjustments (AL) are
 * the exception: they are booked against the CCP (see adjustPosition).
 *
 * Thread: the gateway's JS thread owns the engine and everything it returns (the outcome object is
 * reused: read it before the next command).
 */
import { GatewayError } from '../codec/errors.js';
import { TradeStage } from '../generated/gateway-internal/TradeStage.js';
import { BusinessCalendar, dayNumber } from './calendar.js';
import { CollateralBook } from './collateral.js';
import { Fnv1a64 } from './digest.js';
import { EngineErrorCode } from './errors.js';
import { MarginBook } from './margin.js';
import { MAX_SAFE, formatMoney, formatPrice, isSafe, priceBand, qtyTimesPriceBig, qtyTimesPriceNum } from './money.js';
import { MatchingBook } from './matching.js';
import { RefIndex } from './refdata.js';
import { KeyedRows, ReportRegistry } from './tables.js';
import { TradeSource, TradeState, TradeStore } from './trades.js';
import {
  StageReason,
  TradeStatus,
  type CollateralModel,
  type EngineConfig,
  type EngineEvents,
  type EngineOptions,
  type MarginModel,
  type RefData,
  type TradeOutcome,
  type TradeReport,
  type TradeSide,
} from './types.js';

/** 751 codes (TradeReportRejectReason of the generated clearing schema). */
const R_PARTY = 1;
const R_INSTRUMENT = 2;
const R_UNAUTHORIZED = 3;
const R_TRADE_TYPE = 4;
const R_BAND = 5;
const R_REF_PRICE = 6;
const R_NOTIONAL = 7;
const R_OTHER = 99;

const MAX_REPORT_ID = 64;
/** Settlement at most this many calendar days after the trade date. */
export const MAX_SETTLEMENT_DAYS = 366;
/** TrdType (828) values accepted: 0 regular trade, 1 block trade. */
export const ACCEPTED_TRD_TYPES: readonly number[] = [0, 1];

const S = TradeStage;

/** Sort keys of position rows: yyyymmdd − DATE_BASE < DATE_SPAN for every valid date. */
const DATE_BASE = 19700101;
const DATE_SPAN = 100_000_000;

/** A margin model's onPositionDelta result: 0 or nothing = applied. */
function applied(code: number | void): boolean {
  return code === undefined || code === 0;
}

/** mtm + round(newQ × p) − round(oldQ × p) + dMoney, or NaN when any step leaves the safe range. */
function mtmStep(mtm: number, oldQ: number, newQ: number, p: number, dMoney: number): number {
  let d = qtyTimesPriceNum(newQ, p) - qtyTimesPriceNum(oldQ, p);
  if (!isSafe(d)) return NaN;
  d += dMoney;
  if (!isSafe(d)) return NaN;
  d += mtm;
  return isSafe(d) ? d : NaN;
}

/** The reused outcome of submitTrade. */
class Outcome implements TradeOutcome {
  status: TradeStatus = TradeStatus.Accepted;
  rejectReason = 0;
  text = '';
  tradeId = 0n;
  clearingBusinessDate = 0;
  settlDate = 0;
  matchedReportId = '';
  matchedSubmitter = '';
  marginCalls: readonly string[] = [];
}

/** Outcome of adjustPosition (AL → AM); reused. */
export interface PositionMaintOutcome {
  /** 0 accepted, 1 rejected. */
  status: 0 | 1;
  /** Why rejected ('' when accepted). */
  text: string;
  /** The position after the adjustment (unchanged when rejected). */
  netQty: number;
  netMoney: number;
}

export interface PositionRow {
  member: string;
  isin: string;
  settlDate: number;
  netQty: number;
  /** Money 10^-4, member owed +. */
  netMoney: bigint;
}

export interface ObligationRow extends PositionRow {
  /** To receive (netQty > 0) / to deliver (netQty < 0); the other is 0. */
  longQty: number;
  shortQty: number;
}

export interface CcpObligationRow {
  isin: string;
  /** The CCP's own net (= −Σ members): 0 unless position adjustments were booked. */
  netQty: number;
  netMoney: bigint;
}

export interface ObligationReport {
  settlDate: number;
  members: ObligationRow[];
  ccp: CcpObligationRow[];
}

/**
 * Obligations of one settlement date as columns (no object per row): rows sorted by member slot then
 * security slot (refdata order), non-zero positions only. For the settlement cycle and reports over
 * many rows; `obligations()` is the same data as objects.
 */
export interface ObligationTable {
  settlDate: number;
  n: number;
  member: Int32Array;
  security: Int32Array;
  /** Long + (to receive), short − (to deliver). */
  netQty: Float64Array;
  /** Money 10^-4, member owed +; safe integers. */
  netMoney: Float64Array;
}

export interface TradeView {
  tradeId: bigint;
  state: 'active' | 'cancelled';
  source: 'two-sided' | 'matched' | 'venue';
  stage: number;
  isin: string;
  qty: number;
  price: number;
  money: number;
  tradeDate: number;
  settlDate: number;
  clearingBusinessDate: number;
  trdType: number;
  buyer: string;
  seller: string;
  buyAccount: string;
  sellAccount: string;
  buyExecutingFirm: string;
  sellExecutingFirm: string;
  /** Submitter of the buy / sell report ('' for venue submitters without a name). */
  buySubmitter: string;
  sellSubmitter: string;
  buyReportId: string;
  sellReportId: string;
  matchId: string;
}

export interface UnmatchedRow {
  submitter: string;
  reportId: string;
  side: 1 | 2;
  isin: string;
  qty: number;
  price: number;
  tradeDate: number;
  settlDate: number;
  buyer: string;
  seller: string;
  account: string;
  matchId: string;
  /** Clearing business date the report arrived on. */
  clearingBusinessDate: number;
}

export interface AgedRow extends UnmatchedRow {
  /** Business days since arrival (≥ config.unmatchedAgeDays). */
  ageDays: number;
}

export interface MtmRow {
  member: string;
  mtm: bigint;
}

export class ClearingEngine {
  readonly index: RefIndex;
  readonly calendar: BusinessCalendar;
  /**
   * The margin model in use (null: none): by default a MarginBook built from the same refdata and
   * config; a composer that needs the concrete books (reports, collateral movements) passes its own.
   */
  readonly margin: MarginModel | null;
  /** The collateral model in use (null: none, value 0); by default a CollateralBook. */
  readonly collateral: CollateralModel | null;
  private readonly events: EngineEvents;
  private readonly clock: (() => bigint) | null;
  private readonly rejectMode: boolean;
  private readonly ageDays: number;
  private bizDate: number;

  private readonly nMembers: number;
  private readonly memberIds: string[];
  private readonly memberActive: Uint8Array;
  private readonly isins: string[];
  private readonly lotSize: Float64Array;
  private readonly sysPrice: Float64Array;
  private readonly bandBps: Int32Array;
  private readonly bandLo: Float64Array;
  private readonly bandHi: Float64Array;
  private readonly eligible: Uint8Array;
  private readonly currency: string[];

  /** Gross notional of the clearing date per member: number while safe, plus a bigint overflow part. */
  private readonly gross: Float64Array;
  private readonly grossBig: bigint[];
  /** 1 when grossBig[m] is in use (a bigint compare on the hot path costs more than this flag). */
  private readonly grossOverflow: Uint8Array;
  private readonly grossLimit: Float64Array;
  private readonly grossLimitBig: bigint[];
  private readonly netLimit: Float64Array;
  private readonly exposureLimit: bigint[];
  /** Mark-to-market per member (kept only with margin): Σ_s round(aggQty × price) + aggMoney. */
  private readonly mtm: Float64Array;
  private readonly mtmExact: Uint8Array;

  /** (member, security, settlDate) → net qty / money. */
  private readonly pos: KeyedRows;
  /** (member, security, 0) → net qty / money over all settlement dates. */
  private readonly agg: KeyedRows;
  /** (security, settlDate, 0) → adjustments booked against the CCP (qty/money of the CCP's side). */
  private readonly ccpAdj = new KeyedRows(64);
  private readonly trades: TradeStore;
  private readonly book: MatchingBook;
  /** (submitter slot, report id) → trade id (> 0), −(book entry + 1) (< 0), 0 consumed. */
  private readonly registry: ReportRegistry;
  /** Venue submitters get registry slots nMembers + i. */
  private readonly venueSlots = new Map<string, number>();
  private readonly venueNames: string[] = [];
  /** Settlement dates already in a settlement cycle (settle / rollForward touched them). */
  private readonly closed = new Set<number>();

  private readonly out = new Outcome();
  /** The outcome's marginCalls (the same array for every command). */
  private readonly marginCalls: string[] = [];
  private readonly maintOut: PositionMaintOutcome = { status: 0, text: '', netQty: 0, netMoney: 0 };
  private readonly stageNs: bigint[] = [0n, 0n, 0n, 0n, 0n];
  /** The last CCP trade id as a bigint (= trades.n). */
  private lastTradeId = 0n;

  // Scratch of the report being processed (enrichment). Never read across commands.
  private xSlot = -1;
  private xOneSided = false;
  private xVenue = false;
  private xSide = 0;
  private xSec = 0;
  private xQty = 0;
  private xPrice = 0;
  private xMoney = 0;
  private xTradeDate = 0;
  private xSettlDate = 0;
  private xBuyer = 0;
  private xSeller = 0;
  private xBuyAcct = 0;
  private xSellAcct = 0;
  private xBuyExec = '';
  private xSellExec = '';
  private xTrdType = 0;
  private xMatchId = '';
  private xMatch = -1;
  /** A venue's first report: its name, registered when the report is accepted. */
  private xNewVenue: string | null = null;
  // side scratch of checkSide
  private sdFirm = 0;
  private sdAcct = 0;
  // rows of the trade in scratch: positions (member, security, settlDate) and aggregates (member, security)
  private rPosB = 0;
  private rPosS = 0;
  private rAggB = 0;
  private rAggS = 0;
  // risk scratch
  private rMarginApplied = false;
  private rReqB = 0n;
  private rCollB = 0n;
  private rReqS = 0n;
  private rCollS = 0n;
  private rejReason = 0;
  private rejText = '';
  // T+n memo (most trades share a trade date)
  private memoTradeDate = -1;
  private memoTradeDay = -1;
  private memoSettlDate = -1;

  /**
   * Validates refdata and config (GatewayError ENGINE_REFDATA_* / ENGINE_CONFIG / ENGINE_BUSINESS_DATE)
   * and builds the indexes; `businessDate` (yyyymmdd) must be a business day.
   */
  constructor(
    readonly refdata: RefData,
    readonly config: EngineConfig,
    events: EngineEvents,
    businessDate: number,
    options: EngineOptions = {},
  ) {
    if (config.onRiskBreach !== 'reject' && config.onRiskBreach !== 'marginCall')
      throw new GatewayError(EngineErrorCode.ENGINE_CONFIG, `onRiskBreach ${JSON.stringify(config.onRiskBreach)} must be 'reject' or 'marginCall'`, {
        onRiskBreach: config.onRiskBreach,
      });
    if (!Number.isInteger(config.unmatchedAgeDays) || config.unmatchedAgeDays < 0)
      throw new GatewayError(EngineErrorCode.ENGINE_CONFIG, `unmatchedAgeDays ${config.unmatchedAgeDays} must be an integer >= 0`, {
        unmatchedAgeDays: config.unmatchedAgeDays,
      });
    this.index = new RefIndex(refdata);
    this.calendar = new BusinessCalendar(refdata.calendar);
    if (!this.calendar.isBusinessDay(businessDate))
      throw new GatewayError(EngineErrorCode.ENGINE_BUSINESS_DATE, `business date ${businessDate} is not a business day`, { businessDate });
    this.bizDate = businessDate;
    this.events = events;
    this.clock = options.clock ?? null;
    this.rejectMode = config.onRiskBreach === 'reject';
    this.ageDays = config.unmatchedAgeDays;
    this.margin = options.margin === undefined ? new MarginBook(refdata, config) : options.margin;
    this.collateral = options.collateral === undefined ? new CollateralBook(refdata) : options.collateral;

    this.out.marginCalls = this.marginCalls;
    const cap = options.initialCapacity ?? 1024;
    this.pos = new KeyedRows(cap);
    this.agg = new KeyedRows(cap);
    this.trades = new TradeStore(cap);
    this.book = new MatchingBook(Math.min(cap, 1 << 16));
    this.registry = new ReportRegistry(cap);

    const ms = refdata.members;
    const nm = ms.length;
    this.nMembers = nm;
    this.memberIds = ms.map((m) => m.id);
    this.memberActive = Uint8Array.from(ms, (m) => (m.active ? 1 : 0));
    this.gross = new Float64Array(nm);
    this.grossBig = ms.map(() => 0n);
    this.grossOverflow = new Uint8Array(nm);
    this.grossLimitBig = ms.map((m) => m.limits.grossNotionalPerDay);
    this.grossLimit = Float64Array.from(ms, (m) => (m.limits.grossNotionalPerDay <= BigInt(MAX_SAFE) ? Number(m.limits.grossNotionalPerDay) : Infinity));
    this.netLimit = Float64Array.from(ms, (m) => m.limits.netPositionPerSecurity);
    this.exposureLimit = ms.map((m) => m.limits.exposureOverCollateral);
    this.mtm = new Float64Array(nm);
    this.mtmExact = new Uint8Array(nm).fill(1);

    const ss = refdata.securities;
    this.isins = ss.map((s) => s.isin);
    this.lotSize = Float64Array.from(ss, (s) => s.lotSize);
    this.sysPrice = Float64Array.from(ss, (s) => s.price);
    this.bandBps = Int32Array.from(ss, (s) => s.priceBandBps);
    this.bandLo = new Float64Array(ss.length);
    this.bandHi = new Float64Array(ss.length);
    for (let i = 0; i < ss.length; i++) [this.bandLo[i], this.bandHi[i]] = priceBand(ss[i].price, ss[i].priceBandBps);
    this.eligible = Uint8Array.from(ss, (s) => (s.depositoryEligible ? 1 : 0));
    this.currency = ss.map((s) => s.currency);
  }

  /** The current clearing business date (yyyymmdd). */
  get businessDate(): number {
    return this.bizDate;
  }

  /** Number of locked-in trades so far (= the last CCP trade id). */
  get tradeCount(): number {
    return this.trades.n;
  }

  /**
   * Start the next clearing business date (a business day after the current one): gross notional
   * per day restarts from zero. Open positions, trades and unmatched reports carry over. Edge; throws.
   */
  setBusinessDate(date: number): void {
    if (!this.calendar.isBusinessDay(date) || date <= this.bizDate)
      throw new GatewayError(EngineErrorCode.ENGINE_BUSINESS_DATE, `business date ${date} must be a business day after ${this.bizDate}`, {
        date,
        current: this.bizDate,
      });
    this.bizDate = date;
    this.memoTradeDate = -1;
    this.gross.fill(0);
    this.grossOverflow.fill(0);
    for (let m = 0; m < this.nMembers; m++) this.grossBig[m] = 0n;
  }

  // =============================================================================================
  // Trade reports

  /** Process one trade report (new, cancel or replace); the returned object is reused. Never throws. */
  submitTrade(cmd: TradeReport, nowNs: bigint): TradeOutcome {
    const o = this.out;
    o.status = TradeStatus.Accepted;
    o.rejectReason = 0;
    // Pointer fields are reset only when set: each store into the long-lived outcome has a write barrier.
    if (o.text !== '') o.text = '';
    o.tradeId = 0n;
    o.clearingBusinessDate = this.bizDate;
    o.settlDate = 0;
    if (o.matchedReportId !== '') o.matchedReportId = '';
    if (o.matchedSubmitter !== '') o.matchedSubmitter = '';
    if (this.marginCalls.length !== 0) this.marginCalls.length = 0; // a length store is a runtime call
    this.rMarginApplied = false;
    this.stageNs[0] = this.clock === null ? nowNs : this.clock();
    switch (cmd.transType) {
      case 0:
        this.doNew(cmd, nowNs);
        break;
      case 1:
        this.doCancel(cmd, nowNs);
        break;
      case 2:
        this.doReplace(cmd, nowNs);
        break;
      default:
        this.reject(R_OTHER, `TradeReportTransType (487) ${String(cmd.transType)} is not supported: 0 new, 1 cancel, 2 replace`, S.Received, nowNs);
    }
    return o;
  }

  private doNew(cmd: TradeReport, now: bigint): void {
    const slot = this.header(cmd);
    if (slot < 0) return this.reject(this.rejReason, this.rejText, S.Received, now);
    if (!this.validate(cmd, slot)) return this.reject(this.rejReason, this.rejText, S.Received, now);
    this.stamp(1);
    if (!this.prepare()) return this.reject(this.rejReason, this.rejText, S.Enriched, now);
    this.commitNew(cmd, now);
  }

  private doCancel(cmd: TradeReport, now: bigint): void {
    const slot = this.header(cmd);
    if (slot < 0) return this.reject(this.rejReason, this.rejText, S.Received, now);
    const p = this.resolveRef(cmd, slot);
    if (p < 0) return this.reject(this.rejReason, this.rejText, S.Received, now);
    const v = this.registry.value(p);
    if (v < 0) {
      const e = -v - 1;
      this.registry.setValue(p, 0);
      this.registry.set(slot, cmd.reportId, 0, this.bizDate);
      this.unbook(e, now);
      this.out.status = TradeStatus.Cancelled;
      return;
    }
    const t = v - 1;
    if (!this.checkCancellable(t, cmd.refId)) return this.reject(this.rejReason, this.rejText, S.Received, now);
    this.applyTrade(t, -1, false);
    this.registry.set(slot, cmd.reportId, 0, this.bizDate);
    this.emitCancel(t, now, true);
    this.out.status = TradeStatus.Cancelled;
    this.out.tradeId = BigInt(t + 1);
    this.out.settlDate = this.trades.settlDate[t];
  }

  private doReplace(cmd: TradeReport, now: bigint): void {
    const slot = this.header(cmd);
    if (slot < 0) return this.reject(this.rejReason, this.rejText, S.Received, now);
    const p = this.resolveRef(cmd, slot);
    if (p < 0) return this.reject(this.rejReason, this.rejText, S.Received, now);
    const v = this.registry.value(p);
    // checkCancellable loads the old trade into the scratch: before validate fills it with the new one.
    if (v > 0 && !this.checkCancellable(v - 1, cmd.refId)) return this.reject(this.rejReason, this.rejText, S.Received, now);
    if (!this.validate(cmd, slot)) return this.reject(this.rejReason, this.rejText, S.Received, now);
    this.stamp(1);
    if (v < 0) {
      // Old report still unmatched: keep it out of the new one's matching, drop it only on success.
      const e = -v - 1;
      this.book.excluded[e] = 1;
      const ok = this.prepare();
      this.book.excluded[e] = 0;
      if (!ok) return this.reject(this.rejReason, this.rejText, S.Enriched, now);
      this.registry.setValue(p, 0);
      this.unbook(e, now);
      this.commitNew(cmd, now);
      return;
    }
    const t = v - 1;
    // Reverse the old trade silently, check the new one against that state, undo on failure.
    this.applyTrade(t, -1, false);
    if (!this.prepare()) {
      this.applyTrade(t, +1, false);
      return this.reject(this.rejReason, this.rejText, S.Enriched, now);
    }
    this.emitCancel(t, now, false);
    const b = this.trades.buyer[t];
    const sl = this.trades.seller[t];
    this.commitNew(cmd, now);
    if (this.margin !== null && b !== sl) {
      // Margin of the old trade's members after the whole replace.
      this.marginEvent(b, now);
      this.marginEvent(sl, now);
    }
  }

  /** Common checks of every report; returns the submitter's registry slot, or -1 (reject set). */
  private header(cmd: TradeReport): number {
    const id = cmd.reportId;
    if (typeof id !== 'string' || id.length === 0) return this.bad(R_OTHER, 'TradeReportID (571) is required');
    if (id.length > MAX_REPORT_ID) return this.bad(R_OTHER, `TradeReportID (571) is longer than ${MAX_REPORT_ID} characters`);
    const cbd = cmd.clearingBusinessDate;
    if (cbd !== 0 && cbd !== this.bizDate)
      return this.bad(R_OTHER, `ClearingBusinessDate (715) ${cbd} is not the current clearing business date ${this.bizDate}`);
    let slot: number;
    if (cmd.source === 'member') {
      slot = this.index.memberSlot(cmd.submitter);
      if (slot < 0) return this.bad(R_UNAUTHORIZED, `submitter ${cmd.submitter} is not a clearing member`);
      if (this.memberActive[slot] === 0) return this.bad(R_UNAUTHORIZED, `member ${cmd.submitter} is suspended`);
    } else if (cmd.source === 'venue') {
      this.xNewVenue = null;
      slot = this.venueSlot(cmd.submitter);
    } else return this.bad(R_OTHER, `report source ${String(cmd.source)} is neither 'member' nor 'venue'`);
    const p = this.registry.find(slot, id);
    if (p >= 0 && (this.registry.date(p) === this.bizDate || this.registry.value(p) < 0))
      return this.bad(R_OTHER, `TradeReportID (571) ${id} is a duplicate: ${cmd.submitter || 'the venue'} already reported it on ${this.registry.date(p)}`);
    this.xSlot = slot;
    return slot;
  }

  /** Registry position of the report 572 names (cancel/replace), or -1 (reject set). */
  private resolveRef(cmd: TradeReport, slot: number): number {
    const ref = cmd.refId;
    const kind = cmd.transType === 1 ? 'cancel' : 'replace';
    if (typeof ref !== 'string' || ref.length === 0) return this.bad(R_OTHER, `TradeReportRefID (572) is required to ${kind} a report`);
    const p = this.registry.find(slot, ref);
    if (p < 0) return this.bad(R_OTHER, `TradeReportRefID (572) ${ref}: ${this.slotName(slot)} has no report with that id`);
    if (this.registry.value(p) === 0) return this.bad(R_OTHER, `TradeReportRefID (572) ${ref}: that report was already cancelled or replaced`);
    return p;
  }

  private checkCancellable(t: number, ref: string): boolean {
    const tr = this.trades;
    if (tr.state[t] === TradeState.Cancelled)
      return this.bad(R_OTHER, `TradeReportRefID (572) ${ref}: trade ${t + 1} is already cancelled`) >= 0;
    if (this.closed.has(tr.settlDate[t]))
      return this.bad(R_OTHER, `TradeReportRefID (572) ${ref}: trade ${t + 1} settles on ${tr.settlDate[t]}, which is already in its settlement cycle`) >= 0;
    // Reversal must keep positions in the exact range (it always does unless other trades pushed them there).
    this.loadTrade(t);
    this.locate();
    this.xQty = -this.xQty;
    this.xMoney = -this.xMoney;
    let ok = this.rangeCheck();
    this.xQty = -this.xQty;
    this.xMoney = -this.xMoney;
    const mg = this.margin;
    if (ok && mg !== null && mg.canApply !== undefined && this.xBuyer !== this.xSeller) {
      if (!mg.canApply(this.xBuyer, this.xSec, -this.xQty)) ok = this.marginRefused(this.xBuyer);
      else if (!mg.canApply(this.xSeller, this.xSec, this.xQty)) ok = this.marginRefused(this.xSeller);
    }
    return ok;
  }

  /** Set the reject scratch; returns -1 so callers can `return this.bad(...)`. */
  private bad(reason: number, text: string): -1 {
    this.rejReason = reason;
    this.rejText = text;
    return -1;
  }

  private fail(reason: number, text: string): false {
    this.rejReason = reason;
    this.rejText = text;
    return false;
  }

  private reject(reason: number, text: string, lastStage: number, now: bigint): void {
    const o = this.out;
    o.status = TradeStatus.Rejected;
    o.rejectReason = reason;
    o.text = text;
    o.tradeId = 0n;
    if (this.marginCalls.length !== 0) this.marginCalls.length = 0; // a length store is a runtime call
    this.events.tradeStage(0n, S.Failed, lastStage, reason, now);
  }

  private stamp(k: number): void {
    this.stageNs[k] = this.clock === null ? this.stageNs[0] : this.clock();
  }

  /** Registry slot of a venue; a venue seen for the first time gets the next slot, registered on commit. */
  private venueSlot(name: string): number {
    const s = this.venueSlots.get(name);
    if (s !== undefined) return s;
    this.xNewVenue = name;
    return this.nMembers + this.venueNames.length;
  }

  private slotName(slot: number): string {
    return slot < this.nMembers ? this.memberIds[slot] : this.venueNames[slot - this.nMembers] || 'venue';
  }

  // ---------------------------------------------------------------------------------------------
  // VALIDATED + ENRICHED

  /** Check one side; sets sdFirm / sdAcct. */
  private checkSide(side: TradeSide, k: number): boolean {
    if (side.side !== 1 && side.side !== 2) return this.fail(R_OTHER, `side ${k + 1}: Side (54) ${String(side.side)} must be 1 (buy) or 2 (sell)`);
    const firm = this.index.memberSlot(side.clearingFirm);
    if (firm < 0) return this.fail(R_PARTY, `side ${k + 1}: clearing firm (PartyRole 4) ${side.clearingFirm} is not a clearing member`);
    if (this.memberActive[firm] === 0) return this.fail(R_UNAUTHORIZED, `side ${k + 1}: clearing firm ${side.clearingFirm} is suspended`);
    const acct = this.index.accountIndex(firm, side.account);
    if (acct < 0) return this.fail(R_PARTY, `side ${k + 1}: account ${side.account} is not an account of member ${side.clearingFirm}`);
    this.sdFirm = firm;
    this.sdAcct = acct;
    return true;
  }

  private validate(cmd: TradeReport, slot: number): boolean {
    const n = cmd.sideCount;
    if ((n !== 1 && n !== 2) || cmd.sides.length < n)
      return this.fail(R_PARTY, `NoSides (552) ${n}: a report has 1 side (one-sided, matched) or 2 sides (locked-in)`);
    const venue = cmd.source === 'venue';
    if (venue && n !== 2) return this.fail(R_PARTY, 'a venue report must be two-sided (NoSides (552) = 2)');
    this.xVenue = venue;
    this.xOneSided = n === 1;
    this.xMatchId = cmd.matchId ?? '';
    this.xMatch = -1;
    const s0 = cmd.sides[0];
    if (!this.checkSide(s0, 0)) return false;
    if (n === 2) {
      const f0 = this.sdFirm;
      const a0 = this.sdAcct;
      const s1 = cmd.sides[1];
      if (!this.checkSide(s1, 1)) return false;
      if (s0.side === s1.side)
        return this.fail(R_PARTY, `NoSides (552): both sides are ${s0.side === 1 ? 'buy' : 'sell'}; a two-sided report needs one buy and one sell`);
      const buyFirst = s0.side === 1;
      this.xBuyer = buyFirst ? f0 : this.sdFirm;
      this.xSeller = buyFirst ? this.sdFirm : f0;
      this.xBuyAcct = buyFirst ? a0 : this.sdAcct;
      this.xSellAcct = buyFirst ? this.sdAcct : a0;
      this.xBuyExec = buyFirst ? s0.executingFirm : s1.executingFirm;
      this.xSellExec = buyFirst ? s1.executingFirm : s0.executingFirm;
      if (this.xBuyer === this.xSeller && this.xBuyAcct === this.xSellAcct)
        return this.fail(
          R_PARTY,
          `both sides are member ${this.memberIds[this.xBuyer]} account '${s0.account}': an internal cross needs two different accounts`,
        );
      if (!venue && slot !== this.xBuyer && slot !== this.xSeller)
        return this.fail(
          R_UNAUTHORIZED,
          `submitter ${cmd.submitter} clears neither side (buyer ${this.memberIds[this.xBuyer]}, seller ${this.memberIds[this.xSeller]})`,
        );
    } else {
      const own = this.sdFirm;
      if (own !== slot) return this.fail(R_UNAUTHORIZED, `submitter ${cmd.submitter} cannot report a side cleared by ${s0.clearingFirm}`);
      const contraId = cmd.contraFirm ?? '';
      if (contraId === '') return this.fail(R_PARTY, 'a one-sided report needs the contra clearing firm (PartyRole 17)');
      const contra = this.index.memberSlot(contraId);
      if (contra < 0) return this.fail(R_PARTY, `contra clearing firm (PartyRole 17) ${contraId} is not a clearing member`);
      if (this.memberActive[contra] === 0) return this.fail(R_UNAUTHORIZED, `contra clearing firm ${contraId} is suspended`);
      this.xSide = s0.side;
      if (s0.side === 1) {
        this.xBuyer = own;
        this.xSeller = contra;
        this.xBuyAcct = this.sdAcct;
        this.xBuyExec = s0.executingFirm;
        this.xSellAcct = 0;
        this.xSellExec = '';
      } else {
        this.xSeller = own;
        this.xBuyer = contra;
        this.xSellAcct = this.sdAcct;
        this.xSellExec = s0.executingFirm;
        this.xBuyAcct = 0;
        this.xBuyExec = '';
      }
    }
    const trdType = cmd.trdType;
    if (trdType !== 0 && trdType !== 1) return this.fail(R_TRADE_TYPE, `TrdType (828) ${trdType} is not accepted: 0 (regular) or 1 (block)`);
    this.xTrdType = trdType;

    const src = cmd.securityIdSource;
    let sec: number;
    if (src === 4) sec = this.index.isinSlot(cmd.securityId);
    else if (src === 1) sec = this.index.cusipSlot(cmd.securityId);
    else return this.fail(R_INSTRUMENT, `SecurityIDSource (22) ${src} is not supported: 4 (ISIN) or 1 (CUSIP)`);
    if (sec < 0) return this.fail(R_INSTRUMENT, `SecurityID (48) ${cmd.securityId} (${src === 4 ? 'ISIN' : 'CUSIP'}) is not in the securities master`);
    const isin = this.isins[sec];
    if (this.eligible[sec] === 0) return this.fail(R_INSTRUMENT, `security ${isin} is not eligible for CNS settlement at the depository`);
    if (cmd.currency !== '' && cmd.currency !== this.currency[sec])
      return this.fail(R_OTHER, `Currency (15) ${cmd.currency} is not the currency of ${isin} (${this.currency[sec]})`);
    this.xSec = sec;

    const q = cmd.qty;
    if (!Number.isSafeInteger(q) || q <= 0) return this.fail(R_OTHER, `LastQty (32) ${q} must be a positive integer`);
    if (q % this.lotSize[sec] !== 0) return this.fail(R_OTHER, `LastQty (32) ${q} is not a multiple of the lot size ${this.lotSize[sec]} of ${isin}`);
    const p = cmd.price;
    if (!Number.isSafeInteger(p) || p <= 0) return this.fail(R_OTHER, `LastPx (31) mantissa ${p} must be a positive integer (10^-9)`);
    const bps = this.bandBps[sec];
    if (bps !== 0) {
      if (this.sysPrice[sec] === 0) return this.fail(R_REF_PRICE, `${isin} has no reference price to check LastPx (31) ${formatPrice(p)} against its ±${bps} bp band`);
      if (p < this.bandLo[sec] || p > this.bandHi[sec])
        return this.fail(
          R_BAND,
          `LastPx (31) ${formatPrice(p)} is outside the band ${formatPrice(this.bandLo[sec])}..${formatPrice(this.bandHi[sec])} of ${isin} (±${bps} bp around ${formatPrice(this.sysPrice[sec])})`,
        );
    }
    this.xQty = q;
    this.xPrice = p;

    const td = cmd.tradeDate;
    let sd = cmd.settlDate;
    let tdn: number;
    if (td === this.memoTradeDate) tdn = this.memoTradeDay; // checked already on this clearing date
    else {
      tdn = dayNumber(td);
      if (tdn < 0) return this.fail(R_OTHER, `TradeDate (75) ${td} is not a valid date (yyyymmdd)`);
      if (!this.calendar.isBusinessDayNumber(tdn)) return this.fail(R_OTHER, `TradeDate (75) ${td} is not a business day`);
      if (td > this.bizDate) return this.fail(R_OTHER, `TradeDate (75) ${td} is after the clearing business date ${this.bizDate}`);
      this.memoSettlDate = this.calendar.addBusinessDays(td, this.calendar.settlementCycleDays);
      this.memoTradeDate = td;
      this.memoTradeDay = tdn;
    }
    if (sd === 0) sd = this.memoSettlDate;
    else {
      const sdn = dayNumber(sd);
      if (sdn < 0) return this.fail(R_OTHER, `SettlDate (64) ${sd} is not a valid date (yyyymmdd)`);
      if (!this.calendar.isBusinessDayNumber(sdn)) return this.fail(R_OTHER, `SettlDate (64) ${sd} is not a business day`);
      if (sd < td) return this.fail(R_OTHER, `SettlDate (64) ${sd} is before TradeDate (75) ${td}`);
      if (sdn - tdn > MAX_SETTLEMENT_DAYS) return this.fail(R_OTHER, `SettlDate (64) ${sd} is more than ${MAX_SETTLEMENT_DAYS} days after TradeDate (75) ${td}`);
    }
    if (sd < this.bizDate) return this.fail(R_OTHER, `SettlDate (64) ${sd} is before the clearing business date ${this.bizDate}`);
    if (this.closed.size !== 0 && this.closed.has(sd)) return this.fail(R_OTHER, `SettlDate (64) ${sd} is already in its settlement cycle`);
    this.xTradeDate = td;
    this.xSettlDate = sd;
    const money = qtyTimesPriceNum(q, p);
    if (money !== money)
      return this.fail(R_NOTIONAL, `notional of LastQty (32) ${q} × LastPx (31) ${formatPrice(p)} exceeds the exact range (2^53-1 at 10^-4)`);
    this.xMoney = money;
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // RISK_CHECKED + MATCHED (no state change, except tentative margin deltas kept on success)

  private prepare(): boolean {
    if (this.xOneSided) {
      if (this.rejectMode) {
        const own = this.xSide === 1 ? this.xBuyer : this.xSeller;
        if (!this.riskMember(own, this.agg.upsert(own, this.xSec, 0), this.xSide === 1 ? this.xQty : -this.xQty, this.xMoney)) return false;
      }
      const e = this.book.findMirror(this.xSec, this.xQty, this.xPrice, this.xTradeDate, this.xSettlDate, this.xBuyer, this.xSeller, this.xSide, this.xMatchId);
      if (e < 0) {
        this.stamp(3);
        return true;
      }
      const bk = this.book;
      if (this.xSide === 1) {
        this.xSellAcct = bk.account[e];
        this.xSellExec = bk.executingFirm[e];
      } else {
        this.xBuyAcct = bk.account[e];
        this.xBuyExec = bk.executingFirm[e];
      }
      // The rule of two-sided reports: an internal cross needs two different accounts.
      if (this.xBuyer === this.xSeller && this.xBuyAcct === this.xSellAcct)
        return this.fail(
          R_PARTY,
          `both sides are member ${this.memberIds[this.xBuyer]} account '${this.index.accountName(this.xBuyer, this.xBuyAcct)}': an internal cross needs two different accounts`,
        );
      this.xMatch = e;
    }
    if (!this.riskTrade()) return false;
    this.stamp(3);
    return true;
  }

  /** Risk of the trade in scratch for both members; keeps the margin deltas applied on success. */
  private riskTrade(): boolean {
    const b = this.xBuyer;
    const s = this.xSeller;
    const q = this.xQty;
    const n = this.xMoney;
    this.locate();
    if (b !== s) {
      if (!this.riskMember(b, this.rAggB, q, n)) return false;
      if (!this.riskMember(s, this.rAggS, -q, n)) return false;
    } else if (!this.riskMember(b, this.rAggB, 0, 2 * n)) return false;
    if (!this.rangeCheck()) return false;
    if (this.margin !== null && b !== s) return this.riskExposure();
    return true;
  }

  /**
   * Find or create the four rows of the trade in scratch (rPos*, rAgg*). A row created here for a
   * trade that is then rejected stays at zero: reads and the digest skip zero rows.
   */
  private locate(): void {
    const b = this.xBuyer;
    const s = this.xSeller;
    const sec = this.xSec;
    const sd = this.xSettlDate;
    const pos = this.pos;
    const pb = pos.upsert(b, sec, sd);
    this.rPosB = pb;
    this.rAggB = pos.link[pb] !== 0 ? pos.link[pb] - 1 : this.linkAgg(pb, b, sec);
    if (s === b) {
      this.rPosS = pb;
      this.rAggS = this.rAggB;
      return;
    }
    const ps = pos.upsert(s, sec, sd);
    this.rPosS = ps;
    this.rAggS = pos.link[ps] !== 0 ? pos.link[ps] - 1 : this.linkAgg(ps, s, sec);
  }

  /** A position row's aggregate row, found once and kept in the position row's link. */
  private linkAgg(posRow: number, m: number, sec: number): number {
    const r = this.agg.upsert(m, sec, 0);
    this.pos.link[posRow] = r + 1;
    return r;
  }

  /** Gross notional and net position of one member (aggregate row `ar`); false when rejected. */
  private riskMember(m: number, ar: number, dq: number, notional: number): boolean {
    const g = this.gross[m] + notional;
    if (g > this.grossLimit[m] || g > MAX_SAFE || this.grossOverflow[m] === 1) {
      const total = this.grossBig[m] + BigInt(this.gross[m]) + BigInt(notional);
      if (total > this.grossLimitBig[m]) {
        if (
          !this.breach(
            R_NOTIONAL,
            m,
            `gross notional of ${this.memberIds[m]} on ${this.bizDate} would be ${formatMoney(total)}, over its limit ${formatMoney(this.grossLimitBig[m])}`,
          )
        )
          return false;
      }
    }
    if (dq !== 0) {
      const nq = this.agg.qty[ar] + dq;
      if (nq > this.netLimit[m] || -nq > this.netLimit[m]) {
        if (
          !this.breach(
            R_OTHER,
            m,
            `net position of ${this.memberIds[m]} in ${this.isins[this.xSec]} would be ${nq}, over its limit ${this.netLimit[m]}`,
          )
        )
          return false;
      }
    }
    return true;
  }

  /** A limit breach: reject (false) or list a margin call (true). */
  private breach(reason: number, m: number, text: string): boolean {
    if (this.rejectMode) return this.fail(reason, text);
    const id = this.memberIds[m];
    if (!this.marginCalls.includes(id)) this.marginCalls.push(id);
    return true;
  }

  /** Positions of the trade in scratch (rows located, xQty/xMoney signed) stay safe integers. */
  private rangeCheck(): boolean {
    if (this.xBuyer === this.xSeller) return true;
    const q = this.xQty;
    const n = this.xMoney;
    const pq = this.pos.qty;
    const pm = this.pos.money;
    const aq = this.agg.qty;
    const am = this.agg.money;
    const pb = this.rPosB;
    const ps = this.rPosS;
    const ab = this.rAggB;
    const as = this.rAggS;
    if (Math.abs(pq[pb] + q) > MAX_SAFE || Math.abs(pm[pb] - n) > MAX_SAFE || Math.abs(aq[ab] + q) > MAX_SAFE || Math.abs(am[ab] - n) > MAX_SAFE)
      return this.rangeFail(this.xBuyer);
    if (Math.abs(pq[ps] - q) > MAX_SAFE || Math.abs(pm[ps] + n) > MAX_SAFE || Math.abs(aq[as] - q) > MAX_SAFE || Math.abs(am[as] + n) > MAX_SAFE)
      return this.rangeFail(this.xSeller);
    return true;
  }

  private rangeFail(m: number): false {
    return this.fail(R_OTHER, `the position of ${this.memberIds[m]} in ${this.isins[this.xSec]} would leave the exact range (2^53-1)`);
  }

  /** Exposure after the trade (margin deltas applied tentatively; reverted on reject). */
  private riskExposure(): boolean {
    const margin = this.margin!;
    const b = this.xBuyer;
    const s = this.xSeller;
    const sec = this.xSec;
    const q = this.xQty;
    if (!applied(margin.onPositionDelta(b, sec, q))) return this.marginRefused(b);
    if (!applied(margin.onPositionDelta(s, sec, -q))) {
      margin.onPositionDelta(b, sec, -q);
      return this.marginRefused(s);
    }
    this.rMarginApplied = true;
    this.rReqB = margin.requirement(b) + this.mtmLossAfter(b, this.rAggB, q, -this.xMoney);
    this.rCollB = this.collateral === null ? 0n : this.collateral.value(b);
    this.rReqS = margin.requirement(s) + this.mtmLossAfter(s, this.rAggS, -q, this.xMoney);
    this.rCollS = this.collateral === null ? 0n : this.collateral.value(s);
    let ok = true;
    const eb = this.rReqB - this.rCollB;
    if (eb > this.exposureLimit[b]) ok = this.exposureBreach(b, eb);
    const es = this.rReqS - this.rCollS;
    if (ok && es > this.exposureLimit[s]) ok = this.exposureBreach(s, es);
    if (!ok) {
      margin.onPositionDelta(b, sec, -q);
      margin.onPositionDelta(s, sec, q);
      this.rMarginApplied = false;
    }
    return ok;
  }

  /** The margin model cannot take the position (its exact range): rejected in either mode. */
  private marginRefused(m: number): false {
    return this.fail(R_OTHER, `margin of ${this.memberIds[m]} cannot be computed for this position: ${this.margin?.lastError ?? 'refused by the margin model'}`);
  }

  private exposureBreach(m: number, exposure: bigint): boolean {
    const req = m === this.xBuyer ? this.rReqB : this.rReqS;
    const coll = m === this.xBuyer ? this.rCollB : this.rCollS;
    return this.breach(
      R_OTHER,
      m,
      `exposure of ${this.memberIds[m]} would be ${formatMoney(exposure)} (requirement ${formatMoney(req)} − collateral ${formatMoney(coll)}), over its limit ${formatMoney(this.exposureLimit[m])}`,
    );
  }

  /** max(0, −MTM) of member m after its aggregate position in xSec changes by (dq, dMoney). */
  private mtmLossAfter(m: number, ar: number, dq: number, dMoney: number): bigint {
    const p = this.sysPrice[this.xSec];
    const old = this.agg.qty[ar];
    if (this.mtmExact[m] === 1) {
      const after = mtmStep(this.mtm[m], old, old + dq, p, dMoney);
      if (after === after) return after < 0 ? BigInt(-after) : 0n;
    }
    const bp = BigInt(p);
    const exact = this.mtmOfMember(m) + qtyTimesPriceBig(BigInt(old + dq), bp) - qtyTimesPriceBig(BigInt(old), bp) + BigInt(dMoney);
    return exact < 0n ? -exact : 0n;
  }

  // ---------------------------------------------------------------------------------------------
  // NOVATED + NETTED + MARGIN_OK + PENDING_SETTLEMENT (commit: cannot fail)

  private commitNew(cmd: TradeReport, now: bigint): void {
    if (this.xOneSided && this.xMatch < 0) return this.rest(cmd, now);
    this.commitTrade(cmd, now);
  }

  /** A one-sided report without a mirror enters the book. */
  private rest(cmd: TradeReport, now: bigint): void {
    const e = this.book.insert(
      this.xSec,
      this.xQty,
      this.xPrice,
      this.xTradeDate,
      this.xSettlDate,
      this.xBuyer,
      this.xSeller,
      this.xSide,
      this.xSide === 1 ? this.xBuyAcct : this.xSellAcct,
      this.xTrdType,
      this.bizDate,
      cmd.reportId,
      this.xSide === 1 ? this.xBuyExec : this.xSellExec,
      this.xMatchId,
    );
    this.registry.set(this.xSlot, cmd.reportId, -(e + 1), this.bizDate);
    this.events.unmatchedChanged?.(this.memberIds[this.xSlot], cmd.reportId, true, now);
    this.out.status = TradeStatus.PendingMatch;
    this.out.settlDate = this.xSettlDate;
  }

  private commitTrade(cmd: TradeReport, now: bigint): void {
    const tr = this.trades;
    const t = tr.add();
    const e = this.xMatch;
    tr.security[t] = this.xSec;
    tr.qty[t] = this.xQty;
    tr.price[t] = this.xPrice;
    tr.money[t] = this.xMoney;
    tr.tradeDate[t] = this.xTradeDate;
    tr.settlDate[t] = this.xSettlDate;
    tr.businessDate[t] = this.bizDate;
    tr.buyer[t] = this.xBuyer;
    tr.seller[t] = this.xSeller;
    tr.buyAccount[t] = this.xBuyAcct;
    tr.sellAccount[t] = this.xSellAcct;
    tr.state[t] = TradeState.Active;
    tr.trdType[t] = this.xTrdType;
    tr.buyExecutingFirm[t] = this.xBuyExec;
    tr.sellExecutingFirm[t] = this.xSellExec;
    if (this.xMatchId !== '') tr.matchId[t] = this.xMatchId; // rows start as ''
    const slot = this.xSlot;
    let otherSlot = slot;
    let otherReport = cmd.reportId;
    if (e >= 0) {
      const bk = this.book;
      otherSlot = bk.side[e] === 1 ? bk.buyer[e] : bk.seller[e];
      otherReport = bk.reportId[e];
      tr.source[t] = TradeSource.Matched;
    } else tr.source[t] = this.xVenue ? TradeSource.Venue : TradeSource.TwoSided;
    const buyIsMine = e < 0 || this.xSide === 1;
    tr.buySubmitter[t] = buyIsMine ? slot : otherSlot;
    tr.sellSubmitter[t] = buyIsMine ? otherSlot : slot;
    tr.buyReportId[t] = buyIsMine ? cmd.reportId : otherReport;
    tr.sellReportId[t] = buyIsMine ? otherReport : cmd.reportId;

    // A bigint add is a builtin call; BigInt(number) goes through the runtime (measured ~4x dearer).
    const tid = (this.lastTradeId = this.lastTradeId + 1n);
    if (this.xVenue && this.xNewVenue !== null) {
      this.venueSlots.set(this.xNewVenue, slot);
      this.venueNames.push(this.xNewVenue);
      this.xNewVenue = null;
    }
    this.registry.set(slot, cmd.reportId, t + 1, this.bizDate);
    if (e >= 0) {
      const p = this.registry.find(otherSlot, otherReport);
      this.registry.setValue(p, t + 1);
      this.unbook(e, now);
      this.out.matchedReportId = otherReport;
      this.out.matchedSubmitter = this.memberIds[otherSlot];
    }
    this.applyScratch();

    const ev = this.events;
    const ns = this.stageNs;
    ev.tradeStage(tid, S.Received, S.NULL_VALUE, -1, ns[0]);
    ev.tradeStage(tid, S.Validated, S.Received, -1, ns[1]);
    ev.tradeStage(tid, S.Enriched, S.Validated, -1, ns[1]);
    ev.tradeStage(tid, S.RiskChecked, S.Enriched, -1, ns[3]);
    const tm = this.clock === null ? ns[0] : this.clock();
    ev.tradeStage(tid, S.Matched, S.RiskChecked, -1, tm);
    ev.tradeStage(tid, S.Novated, S.Matched, -1, tm);
    const isin = this.isins[this.xSec];
    ev.positionChanged(this.memberIds[this.xBuyer], isin, this.xSettlDate, this.pos.qty[this.rPosB], this.pos.money[this.rPosB], tid, now);
    if (this.xSeller !== this.xBuyer)
      ev.positionChanged(this.memberIds[this.xSeller], isin, this.xSettlDate, this.pos.qty[this.rPosS], this.pos.money[this.rPosS], tid, now);
    ev.tradeStage(tid, S.Netted, S.Novated, -1, this.clock === null ? ns[0] : this.clock());
    if (this.margin !== null && this.xBuyer !== this.xSeller) {
      ev.marginCalculated(this.memberIds[this.xBuyer], this.rReqB, this.rCollB, this.bizDate, now);
      ev.marginCalculated(this.memberIds[this.xSeller], this.rReqS, this.rCollS, this.bizDate, now);
    }
    const tmo = this.clock === null ? ns[0] : this.clock();
    ev.tradeStage(tid, S.MarginOk, S.Netted, -1, tmo);
    ev.tradeStage(tid, S.PendingSettlement, S.MarginOk, -1, tmo);
    tr.stage[t] = S.PendingSettlement;

    const o = this.out;
    o.status = TradeStatus.Accepted;
    o.tradeId = tid;
    o.settlDate = this.xSettlDate;
  }

  private unbook(e: number, now: bigint): void {
    const bk = this.book;
    const member = this.memberIds[bk.side[e] === 1 ? bk.buyer[e] : bk.seller[e]];
    const id = bk.reportId[e];
    bk.remove(e);
    this.events.unmatchedChanged?.(member, id, false, now);
  }

  /** Load trade t into the scratch fields used by rangeCheck / mtmLossAfter. */
  private loadTrade(t: number): void {
    const tr = this.trades;
    this.xBuyer = tr.buyer[t];
    this.xSeller = tr.seller[t];
    this.xSec = tr.security[t];
    this.xSettlDate = tr.settlDate[t];
    this.xQty = tr.qty[t];
    this.xMoney = tr.money[t];
  }

  /**
   * Apply trade t to the books with sign +1 (accept, undo of a reversal) or −1 (cancel): positions,
   * aggregates, gross notional (when the trade is of the current clearing date), MTM, margin deltas
   * (unless the risk stage already applied them). Emits nothing.
   */
  private applyTrade(t: number, sign: 1 | -1, marginDone: boolean): void {
    const tr = this.trades;
    const b = tr.buyer[t];
    const s = tr.seller[t];
    const sec = tr.security[t];
    const sd = tr.settlDate[t];
    this.applyRows(
      b,
      s,
      sec,
      sign * tr.qty[t],
      sign * tr.money[t],
      this.pos.upsert(b, sec, sd),
      this.pos.upsert(s, sec, sd),
      this.agg.upsert(b, sec, 0),
      this.agg.upsert(s, sec, 0),
      marginDone,
    );
    if (tr.businessDate[t] === this.bizDate) {
      this.grossAdd(b, tr.money[t], sign);
      this.grossAdd(s, tr.money[t], sign);
    }
  }

  /**
   * applyRows + gross notional for the trade in scratch, reading money from the scratch fields: a
   * money value passed as an argument to a call that is not inlined is boxed (a heap number per call).
   */
  private applyScratch(): void {
    const b = this.xBuyer;
    const s = this.xSeller;
    if (b !== s) {
      const pos = this.pos;
      const pb = this.rPosB;
      const ps = this.rPosS;
      pos.qty[pb] += this.xQty;
      pos.money[pb] -= this.xMoney;
      pos.qty[ps] -= this.xQty;
      pos.money[ps] += this.xMoney;
      const agg = this.agg;
      const ab = this.rAggB;
      const as = this.rAggS;
      if (this.margin === null) {
        agg.qty[ab] += this.xQty;
        agg.money[ab] -= this.xMoney;
        agg.qty[as] -= this.xQty;
        agg.money[as] += this.xMoney;
      } else {
        this.aggDelta(b, this.xSec, ab, this.xQty, -this.xMoney);
        this.aggDelta(s, this.xSec, as, -this.xQty, this.xMoney);
        if (!this.rMarginApplied) {
          this.margin.onPositionDelta(b, this.xSec, this.xQty);
          this.margin.onPositionDelta(s, this.xSec, -this.xQty);
        }
      }
    }
    const gb = this.gross[b] + this.xMoney;
    if (gb <= MAX_SAFE && this.grossOverflow[b] === 0) this.gross[b] = gb;
    else this.grossAdd(b, this.xMoney, 1);
    const gs = this.gross[s] + this.xMoney;
    if (gs <= MAX_SAFE && this.grossOverflow[s] === 0) this.gross[s] = gs;
    else this.grossAdd(s, this.xMoney, 1);
  }

  /** Buyer +q / −n, seller −q / +n on the given rows (nothing for an internal cross: its net does not change). */
  private applyRows(b: number, s: number, sec: number, q: number, n: number, pb: number, ps: number, ab: number, as: number, marginDone: boolean): void {
    if (b === s) return;
    const pos = this.pos;
    pos.qty[pb] += q;
    pos.money[pb] -= n;
    pos.qty[ps] -= q;
    pos.money[ps] += n;
    this.aggDelta(b, sec, ab, q, -n);
    this.aggDelta(s, sec, as, -q, n);
    if (this.margin !== null && !marginDone) {
      this.margin.onPositionDelta(b, sec, q);
      this.margin.onPositionDelta(s, sec, -q);
    }
  }

  /** Aggregate (all settlement dates) delta on row r, keeping the member's MTM when margin is on. */
  private aggDelta(m: number, sec: number, r: number, dq: number, dMoney: number): void {
    const agg = this.agg;
    const old = agg.qty[r];
    agg.qty[r] = old + dq;
    agg.money[r] += dMoney;
    if (this.margin !== null && this.mtmExact[m] === 1) {
      const v = mtmStep(this.mtm[m], old, old + dq, this.sysPrice[sec], dMoney);
      if (v === v) this.mtm[m] = v;
      else this.mtmExact[m] = 0;
    }
  }

  private grossAdd(m: number, notional: number, sign: 1 | -1): void {
    const g = this.gross[m] + sign * notional;
    if (g >= 0 && g <= MAX_SAFE && this.grossOverflow[m] === 0) {
      this.gross[m] = g;
      return;
    }
    // Rare: more than 2^53-1 of gross notional in a day; keep the exact total in the bigint part.
    this.grossBig[m] = this.grossBig[m] + BigInt(this.gross[m]) + BigInt(sign * notional);
    this.gross[m] = 0;
    this.grossOverflow[m] = 1;
  }

  private emitPositions(t: number, tid: bigint, now: bigint): void {
    const tr = this.trades;
    const sec = tr.security[t];
    const sd = tr.settlDate[t];
    const isin = this.isins[sec];
    const b = tr.buyer[t];
    const s = tr.seller[t];
    let r = this.pos.find(b, sec, sd);
    this.events.positionChanged(this.memberIds[b], isin, sd, this.pos.qty[r], this.pos.money[r], tid, now);
    if (s !== b) {
      r = this.pos.find(s, sec, sd);
      this.events.positionChanged(this.memberIds[s], isin, sd, this.pos.qty[r], this.pos.money[r], tid, now);
    }
  }

  /** Events of a cancel already applied (positions reversed): positions, margin, FAILED(Cancelled). */
  private emitCancel(t: number, now: bigint, withMargin: boolean): void {
    const tr = this.trades;
    tr.state[t] = TradeState.Cancelled;
    const tid = BigInt(t + 1);
    this.emitPositions(t, tid, now);
    const b = tr.buyer[t];
    const s = tr.seller[t];
    if (withMargin && this.margin !== null && b !== s) {
      this.marginEvent(b, now);
      this.marginEvent(s, now);
    }
    this.events.tradeStage(tid, S.Failed, tr.stage[t], StageReason.Cancelled, now);
    tr.stage[t] = S.Failed;
  }

  /** Emit marginCalculated for member m from the current state; lists a margin call on a breach. */
  private marginEvent(m: number, now: bigint): void {
    const req = this.requirementOf(m);
    const coll = this.collateral === null ? 0n : this.collateral.value(m);
    this.events.marginCalculated(this.memberIds[m], req, coll, this.bizDate, now);
    if (req - coll > this.exposureLimit[m] && !this.marginCalls.includes(this.memberIds[m])) this.marginCalls.push(this.memberIds[m]);
  }

  /** Total requirement: margin model + mark-to-market loss. */
  private requirementOf(m: number): bigint {
    const base = this.margin === null ? 0n : this.margin.requirement(m);
    const v = this.mtmExact[m] === 1 && this.margin !== null ? BigInt(this.mtm[m]) : this.mtmOfMember(m);
    return base + (v < 0n ? -v : 0n);
  }

  // =============================================================================================
  // Settlement, roll-forward, prices, adjustments (gateway-internal and member position commands)

  /**
   * The depository settled part of a position: netQty −= settledQty, netMoney −= settledMoney (both
   * signed like the position: a long of +100 / −1000.0000 fully settles with (100, −10000000)). Each
   * must have the position's sign (or be 0) and not exceed it. Marks settlDate as in its cycle.
   * Emits positionChanged (trade id 0). Throws ENGINE_UNKNOWN / ENGINE_SETTLE / ENGINE_ARGUMENT.
   */
  settle(member: string, isin: string, settlDate: number, settledQty: number, settledMoney: number, nowNs: bigint): void {
    const m = this.memberOrThrow(member);
    const sec = this.securityOrThrow(isin);
    if (!Number.isSafeInteger(settledQty) || !Number.isSafeInteger(settledMoney))
      throw new GatewayError(EngineErrorCode.ENGINE_ARGUMENT, `settled quantity ${settledQty} and money ${settledMoney} must be safe integers`, {
        settledQty,
        settledMoney,
      });
    const r = this.pos.find(m, sec, settlDate);
    const q = r < 0 ? 0 : this.pos.qty[r];
    const n = r < 0 ? 0 : this.pos.money[r];
    const within = (x: number, open: number): boolean => x === 0 || (Math.sign(x) === Math.sign(open) && Math.abs(x) <= Math.abs(open));
    if (!within(settledQty, q) || !within(settledMoney, n))
      throw new GatewayError(
        EngineErrorCode.ENGINE_SETTLE,
        `settle ${member} ${isin} ${settlDate}: settled ${settledQty} / ${formatMoney(settledMoney)} exceeds or opposes the open ${q} / ${formatMoney(n)}`,
        { member, isin, settlDate, settledQty, settledMoney, openQty: q, openMoney: n },
      );
    if (this.margin !== null && settledQty !== 0 && this.margin.canApply !== undefined && !this.margin.canApply(m, sec, -settledQty))
      throw new GatewayError(EngineErrorCode.ENGINE_RANGE, `settle ${member} ${isin}: the margin model refuses the change: ${this.margin.lastError ?? ''}`, {
        member,
        isin,
      });
    this.closed.add(settlDate);
    if (settledQty === 0 && settledMoney === 0) return;
    this.pos.qty[r] = q - settledQty;
    this.pos.money[r] = n - settledMoney;
    this.aggDelta(m, sec, this.agg.upsert(m, sec, 0), -settledQty, -settledMoney);
    if (this.margin !== null && settledQty !== 0) this.margin.onPositionDelta(m, sec, -settledQty);
    this.events.positionChanged(member, isin, settlDate, this.pos.qty[r], this.pos.money[r], 0n, nowNs);
  }

  /**
   * Move every open position of fromSettlDate (what did not settle: fails) into toSettlDate, where it
   * nets with that date's trades. Marks fromSettlDate as in its cycle. toSettlDate must be a business
   * day after fromSettlDate and not itself closed. Emits positionChanged for both rows, in (member,
   * security) order. Returns the number of positions moved. All-or-nothing: throws ENGINE_ARGUMENT
   * (dates) or ENGINE_RANGE (a target position would leave the exact range) with nothing changed.
   */
  rollForward(fromSettlDate: number, toSettlDate: number, nowNs = 0n): number {
    if (dayNumber(fromSettlDate) < 0 || !this.calendar.isBusinessDay(toSettlDate) || toSettlDate <= fromSettlDate || this.closed.has(toSettlDate))
      throw new GatewayError(
        EngineErrorCode.ENGINE_ARGUMENT,
        `rollForward ${fromSettlDate} → ${toSettlDate}: the target must be an open business day after the source`,
        { fromSettlDate, toSettlDate },
      );
    const rows = this.sortedRows((r) => this.pos.c[r] === fromSettlDate && (this.pos.qty[r] !== 0 || this.pos.money[r] !== 0));
    const pos = this.pos;
    // All-or-nothing: check every target before moving anything.
    for (const r of rows) {
      const to = pos.find(pos.a[r], pos.b[r], toSettlDate);
      if (to < 0) continue;
      if (!isSafe(pos.qty[to] + pos.qty[r]) || !isSafe(pos.money[to] + pos.money[r]))
        throw new GatewayError(
          EngineErrorCode.ENGINE_RANGE,
          `rollForward ${fromSettlDate} → ${toSettlDate}: the position of ${this.memberIds[pos.a[r]]} in ${this.isins[pos.b[r]]} would leave the exact range; nothing rolled`,
          { fromSettlDate, toSettlDate, member: this.memberIds[pos.a[r]], isin: this.isins[pos.b[r]] },
        );
    }
    this.closed.add(fromSettlDate);
    for (const r of rows) {
      const m = pos.a[r];
      const sec = pos.b[r];
      const to = pos.upsert(m, sec, toSettlDate);
      const q = pos.qty[to] + pos.qty[r];
      const n = pos.money[to] + pos.money[r];
      pos.qty[to] = q;
      pos.money[to] = n;
      pos.qty[r] = 0;
      pos.money[r] = 0;
      this.events.positionChanged(this.memberIds[m], this.isins[sec], fromSettlDate, 0, 0, 0n, nowNs);
      this.events.positionChanged(this.memberIds[m], this.isins[sec], toSettlDate, q, n, 0n, nowNs);
    }
    // The CCP's adjustment account rolls with the members.
    for (let r = 0; r < this.ccpAdj.n; r++) {
      if (this.ccpAdj.b[r] !== fromSettlDate) continue;
      const to = this.ccpAdj.upsert(this.ccpAdj.a[r], toSettlDate, 0);
      this.ccpAdj.qty[to] += this.ccpAdj.qty[r];
      this.ccpAdj.money[to] += this.ccpAdj.money[r];
      this.ccpAdj.qty[r] = 0;
      this.ccpAdj.money[r] = 0;
    }
    return rows.length;
  }

  /**
   * New system price (10^-9, > 0) of a security: moves its price band and, with margin, the members'
   * mark-to-market. Throws ENGINE_UNKNOWN / ENGINE_ARGUMENT.
   */
  setPrice(isin: string, price: number): void {
    const sec = this.securityOrThrow(isin);
    if (!Number.isSafeInteger(price) || price <= 0)
      throw new GatewayError(EngineErrorCode.ENGINE_ARGUMENT, `price ${price} of ${isin} must be a positive safe integer (10^-9)`, { isin, price });
    if (this.margin !== null && this.margin.setPrice !== undefined && !applied(this.margin.setPrice(sec, price)))
      throw new GatewayError(EngineErrorCode.ENGINE_RANGE, `setPrice ${isin}: the margin model refuses the price: ${this.margin.lastError ?? ''}`, { isin, price });
    this.collateral?.setPrice?.(sec, price);
    const old = this.sysPrice[sec];
    this.sysPrice[sec] = price;
    [this.bandLo[sec], this.bandHi[sec]] = priceBand(price, this.bandBps[sec]);
    if (this.margin === null) return;
    const agg = this.agg;
    for (let r = 0; r < agg.n; r++) {
      if (agg.b[r] !== sec || agg.qty[r] === 0) continue;
      const m = agg.a[r];
      if (this.mtmExact[m] === 0) continue;
      // mtm + round(q × new) − round(q × old), each step checked
      const q = agg.qty[r];
      const d = qtyTimesPriceNum(q, price) - qtyTimesPriceNum(q, old);
      const w = isSafe(d) ? this.mtm[m] + d : NaN;
      if (isSafe(w)) this.mtm[m] = w;
      else this.mtmExact[m] = 0;
    }
  }

  /** The system price of a security (10^-9). Throws ENGINE_UNKNOWN. */
  price(isin: string): number {
    return this.sysPrice[this.securityOrThrow(isin)];
  }

  /**
   * Mark-to-market at the system price, money 10^-4: per member Σ over its securities of
   * round_half_even(net qty over all settlement dates × price) + Σ net money. With a member: that
   * member's value; without: one row per member with an open (non-zero) position, in refdata order.
   * Exact (BigInt).
   */
  markToMarket(member: string): bigint;
  markToMarket(): MtmRow[];
  markToMarket(member?: string): bigint | MtmRow[] {
    if (member !== undefined) return this.mtmOfMember(this.memberOrThrow(member));
    const seen = new Uint8Array(this.nMembers);
    for (let r = 0; r < this.agg.n; r++) if (this.agg.qty[r] !== 0 || this.agg.money[r] !== 0) seen[this.agg.a[r]] = 1;
    const out: MtmRow[] = [];
    for (let m = 0; m < this.nMembers; m++) if (seen[m] === 1) out.push({ member: this.memberIds[m], mtm: this.mtmOfMember(m) });
    return out;
  }

  private mtmOfMember(m: number): bigint {
    const agg = this.agg;
    let v = 0n;
    for (let r = 0; r < agg.n; r++) {
      if (agg.a[r] !== m) continue;
      v += qtyTimesPriceBig(BigInt(agg.qty[r]), BigInt(this.sysPrice[agg.b[r]])) + BigInt(agg.money[r]);
    }
    return v;
  }

  /**
   * PositionMaintenanceRequest (AL): adjust one position by (qtyDelta, moneyDelta), e.g. a
   * correction by operations. The CCP takes the other side in its adjustment account, so the
   * members' sum per security is no longer zero by the adjusted amount (obligations() shows it in the
   * CCP leg). Rejected (not thrown) when the member or security is unknown, the settlement date is not
   * an open business day on or after the clearing date, the deltas are not safe integers or both 0,
   * or the result leaves the exact range. The returned object is reused.
   */
  adjustPosition(member: string, isin: string, settlDate: number, qtyDelta: number, moneyDelta: number, reason: string, nowNs: bigint): PositionMaintOutcome {
    const o = this.maintOut;
    o.status = 1;
    o.netQty = 0;
    o.netMoney = 0;
    const m = this.index.memberSlot(member);
    const sec = this.index.isinSlot(isin);
    if (m < 0) o.text = `member ${member} is not a clearing member`;
    else if (sec < 0) o.text = `security ${isin} is not in the securities master`;
    else if (!this.calendar.isBusinessDay(settlDate) || settlDate < this.bizDate || this.closed.has(settlDate))
      o.text = `SettlDate (64) ${settlDate} is not an open settlement date on or after ${this.bizDate}`;
    else if (!Number.isSafeInteger(qtyDelta) || !Number.isSafeInteger(moneyDelta) || (qtyDelta === 0 && moneyDelta === 0))
      o.text = `adjustment ${qtyDelta} / ${moneyDelta} must be safe integers, not both 0`;
    else if (typeof reason !== 'string') o.text = 'reason must be a string';
    else {
      const r0 = this.pos.find(m, sec, settlDate);
      const q = (r0 < 0 ? 0 : this.pos.qty[r0]) + qtyDelta;
      const n = (r0 < 0 ? 0 : this.pos.money[r0]) + moneyDelta;
      const ra = this.agg.find(m, sec, 0);
      const aq = (ra < 0 ? 0 : this.agg.qty[ra]) + qtyDelta;
      const an = (ra < 0 ? 0 : this.agg.money[ra]) + moneyDelta;
      if (!isSafe(q) || !isSafe(n) || !isSafe(aq) || !isSafe(an)) o.text = `the position of ${member} in ${isin} would leave the exact range`;
      else if (this.margin !== null && qtyDelta !== 0 && this.margin.canApply !== undefined && !this.margin.canApply(m, sec, qtyDelta))
        o.text = `margin of ${member} cannot be computed for this position: ${this.margin.lastError ?? 'refused by the margin model'}`;
      else {
        const r = this.pos.upsert(m, sec, settlDate);
        this.pos.qty[r] = q;
        this.pos.money[r] = n;
        this.aggDelta(m, sec, this.agg.upsert(m, sec, 0), qtyDelta, moneyDelta);
        if (this.margin !== null && qtyDelta !== 0) this.margin.onPositionDelta(m, sec, qtyDelta);
        const c = this.ccpAdj.upsert(sec, settlDate, 0);
        this.ccpAdj.qty[c] -= qtyDelta;
        this.ccpAdj.money[c] -= moneyDelta;
        this.events.positionChanged(this.memberIds[m], isin, settlDate, q, n, 0n, nowNs);
        o.status = 0;
        o.text = '';
        o.netQty = q;
        o.netMoney = n;
      }
    }
    return o;
  }

  // =============================================================================================
  // Reads (not hot path; allocate)

  /** Open positions (non-zero rows), sorted by member (refdata order), security (refdata order), settlement date. */
  positions(member?: string, settlDate?: number): PositionRow[] {
    const m = member === undefined ? -1 : this.memberOrThrow(member);
    const pos = this.pos;
    const rows = this.sortedRows(
      (r) => (m < 0 || pos.a[r] === m) && (settlDate === undefined || pos.c[r] === settlDate) && (pos.qty[r] !== 0 || pos.money[r] !== 0),
    );
    return rows.map((r) => ({
      member: this.memberIds[pos.a[r]],
      isin: this.isins[pos.b[r]],
      settlDate: pos.c[r],
      netQty: pos.qty[r],
      netMoney: BigInt(pos.money[r]),
    }));
  }

  /** Obligations of a settlement date as columns (see ObligationTable); allocates only the columns. */
  obligationTable(settlDate: number): ObligationTable {
    const pos = this.pos;
    const rows = this.sortedRows((r) => pos.c[r] === settlDate && (pos.qty[r] !== 0 || pos.money[r] !== 0));
    const n = rows.length;
    const t: ObligationTable = {
      settlDate,
      n,
      member: new Int32Array(n),
      security: new Int32Array(n),
      netQty: new Float64Array(n),
      netMoney: new Float64Array(n),
    };
    for (let i = 0; i < n; i++) {
      const r = rows[i];
      t.member[i] = pos.a[r];
      t.security[i] = pos.b[r];
      t.netQty[i] = pos.qty[r];
      t.netMoney[i] = pos.money[r];
    }
    return t;
  }

  /**
   * Settlement obligations of a settlement date, read off the positions: per member per security net
   * long/short qty and net money, and the CCP leg per security (= −Σ members; zero unless adjusted).
   * Allocates an object per row; see obligationTable for the columnar form.
   */
  obligations(settlDate: number): ObligationReport {
    const tb = this.obligationTable(settlDate);
    const nSec = this.isins.length;
    // CCP leg per security: −Σ members, summed on numbers while exact, on BigInt for a security whose
    // partial sums leave the safe range.
    const sumQ = new Float64Array(nSec);
    const sumM = new Float64Array(nSec);
    const seen = new Uint8Array(nSec); // 1 = has rows, 2 = needs the exact (BigInt) sum
    const members: ObligationRow[] = new Array<ObligationRow>(tb.n);
    for (let i = 0; i < tb.n; i++) {
      const sec = tb.security[i];
      const q = tb.netQty[i];
      const n = tb.netMoney[i];
      members[i] = {
        member: this.memberIds[tb.member[i]],
        isin: this.isins[sec],
        settlDate,
        netQty: q,
        netMoney: BigInt(n),
        longQty: q > 0 ? q : 0,
        shortQty: q < 0 ? -q : 0,
      };
      if (seen[sec] === 0) seen[sec] = 1;
      sumQ[sec] += q;
      sumM[sec] += n;
      if (!isSafe(sumQ[sec]) || !isSafe(sumM[sec])) seen[sec] = 2;
    }
    const ccp: CcpObligationRow[] = [];
    for (let sec = 0; sec < nSec; sec++) {
      if (seen[sec] === 0) continue;
      if (seen[sec] === 1) {
        ccp.push({ isin: this.isins[sec], netQty: sumQ[sec] === 0 ? 0 : -sumQ[sec], netMoney: -BigInt(sumM[sec]) });
        continue;
      }
      let q = 0n;
      let n = 0n;
      for (const row of members)
        if (row.isin === this.isins[sec]) {
          q += BigInt(row.netQty);
          n += row.netMoney;
        }
      ccp.push({ isin: this.isins[sec], netQty: Number(-q), netMoney: -n });
    }
    return { settlDate, members, ccp };
  }

  /** The CCP's adjustment account per security and settlement date (non-zero rows; see adjustPosition). */
  ccpAdjustments(): { isin: string; settlDate: number; netQty: number; netMoney: bigint }[] {
    const out: { isin: string; settlDate: number; netQty: number; netMoney: bigint }[] = [];
    const c = this.ccpAdj;
    const idx: number[] = [];
    for (let r = 0; r < c.n; r++) if (c.qty[r] !== 0 || c.money[r] !== 0) idx.push(r);
    idx.sort((x, y) => c.a[x] - c.a[y] || c.b[x] - c.b[y]);
    for (const r of idx) out.push({ isin: this.isins[c.a[r]], settlDate: c.b[r], netQty: c.qty[r], netMoney: BigInt(c.money[r]) });
    return out;
  }

  /** A locked-in trade by CCP trade id, or undefined. */
  trade(tradeId: bigint | number): TradeView | undefined {
    const t = Number(tradeId) - 1;
    if (!(t >= 0 && t < this.trades.n)) return undefined;
    const tr = this.trades;
    const b = tr.buyer[t];
    const s = tr.seller[t];
    return {
      tradeId: BigInt(t + 1),
      state: tr.state[t] === TradeState.Active ? 'active' : 'cancelled',
      source: tr.source[t] === TradeSource.Matched ? 'matched' : tr.source[t] === TradeSource.Venue ? 'venue' : 'two-sided',
      stage: tr.stage[t],
      isin: this.isins[tr.security[t]],
      qty: tr.qty[t],
      price: tr.price[t],
      money: tr.money[t],
      tradeDate: tr.tradeDate[t],
      settlDate: tr.settlDate[t],
      clearingBusinessDate: tr.businessDate[t],
      trdType: tr.trdType[t],
      buyer: this.memberIds[b],
      seller: this.memberIds[s],
      buyAccount: this.index.accountName(b, tr.buyAccount[t]),
      sellAccount: this.index.accountName(s, tr.sellAccount[t]),
      buyExecutingFirm: tr.buyExecutingFirm[t],
      sellExecutingFirm: tr.sellExecutingFirm[t],
      buySubmitter: this.slotName(tr.buySubmitter[t]),
      sellSubmitter: this.slotName(tr.sellSubmitter[t]),
      buyReportId: tr.buyReportId[t],
      sellReportId: tr.sellReportId[t],
      matchId: tr.matchId[t],
    };
  }

  /** One-sided reports waiting in the matching book, in arrival order. */
  unmatched(): UnmatchedRow[] {
    const bk = this.book;
    return bk.liveEntries().map((e) => {
      const side = bk.side[e] as 1 | 2;
      const own = side === 1 ? bk.buyer[e] : bk.seller[e];
      return {
        submitter: this.memberIds[own],
        reportId: bk.reportId[e],
        side,
        isin: this.isins[bk.security[e]],
        qty: bk.qty[e],
        price: bk.price[e],
        tradeDate: bk.tradeDate[e],
        settlDate: bk.settlDate[e],
        buyer: this.memberIds[bk.buyer[e]],
        seller: this.memberIds[bk.seller[e]],
        account: this.index.accountName(own, bk.account[e]),
        matchId: bk.matchId[e],
        clearingBusinessDate: bk.businessDate[e],
      };
    });
  }

  /**
   * Unmatched reports at least `config.unmatchedAgeDays` business days old on `nowBusinessDate`
   * (age = business days after the arrival date up to and including nowBusinessDate). They stay in the
   * book; the caller reports them. Throws ENGINE_ARGUMENT for an invalid date.
   */
  ageUnmatched(nowBusinessDate: number = this.bizDate): AgedRow[] {
    if (dayNumber(nowBusinessDate) < 0)
      throw new GatewayError(EngineErrorCode.ENGINE_ARGUMENT, `business date ${nowBusinessDate} is not a valid date`, { nowBusinessDate });
    const out: AgedRow[] = [];
    for (const row of this.unmatched()) {
      const age = this.calendar.businessDaysBetween(row.clearingBusinessDate, nowBusinessDate);
      if (age >= this.ageDays) out.push({ ...row, ageDays: age });
    }
    return out;
  }

  /**
   * Deterministic digest of the whole state (FNV-1a 64 over canonical rows, 16 hex digits): clearing
   * date, prices, non-zero positions, CCP adjustments, every trade, the matching book in arrival
   * order, the report registry, gross notional, closed settlement dates and venues. Equal for equal
   * command sequences; positions, trades and registry are in canonical (not insertion) order.
   */
  stateDigest(): string {
    const h = new Fnv1a64();
    h.update(`E|${this.bizDate}|${this.trades.n}`);
    for (let s = 0; s < this.isins.length; s++) h.update(`P|${this.isins[s]}|${this.sysPrice[s]}`);
    for (const p of this.positions()) h.update(`N|${p.member}|${p.isin}|${p.settlDate}|${p.netQty}|${p.netMoney}`);
    for (const a of this.ccpAdjustments()) h.update(`A|${a.isin}|${a.settlDate}|${a.netQty}|${a.netMoney}`);
    for (let t = 1; t <= this.trades.n; t++) {
      const v = this.trade(t)!;
      h.update(
        `T|${t}|${v.state}|${v.source}|${v.stage}|${v.isin}|${v.qty}|${v.price}|${v.money}|${v.tradeDate}|${v.settlDate}|${v.clearingBusinessDate}|${v.trdType}|` +
          `${v.buyer}|${v.seller}|${v.buyAccount}|${v.sellAccount}|${v.buyExecutingFirm}|${v.sellExecutingFirm}|${v.buySubmitter}|${v.sellSubmitter}|` +
          `${v.buyReportId}|${v.sellReportId}|${v.matchId}`,
      );
    }
    for (const u of this.unmatched())
      h.update(`U|${u.submitter}|${u.reportId}|${u.side}|${u.isin}|${u.qty}|${u.price}|${u.tradeDate}|${u.settlDate}|${u.buyer}|${u.seller}|${u.account}|${u.matchId}|${u.clearingBusinessDate}`);
    const reg = this.registry
      .entries()
      .map((e) => `R|${this.slotName(e.slot)}|${e.slot < this.nMembers ? 'm' : 'v'}|${e.key}|${e.value > 0 ? `t${e.value}` : e.value < 0 ? 'u' : '0'}|${e.date}`)
      .sort();
    for (const r of reg) h.update(r);
    for (let m = 0; m < this.nMembers; m++) h.update(`G|${this.memberIds[m]}|${this.grossBig[m] + BigInt(this.gross[m])}`);
    for (const d of [...this.closed].sort((x, y) => x - y)) h.update(`C|${d}`);
    for (const v of [...this.venueNames].sort()) h.update(`V|${v}`);
    return h.hex();
  }

  /** Gross notional of a member on the current clearing date, money 10^-4. Throws ENGINE_UNKNOWN. */
  grossNotional(member: string): bigint {
    const m = this.memberOrThrow(member);
    return this.grossBig[m] + BigInt(this.gross[m]);
  }

  // ---------------------------------------------------------------------------------------------

  /** Pos rows matching `keep`, sorted by (member slot, security slot, settlement date). */
  private sortedRows(keep: (r: number) => boolean): number[] {
    const pos = this.pos;
    const nSec = this.isins.length;
    if (this.nMembers * nSec > MAX_SAFE / DATE_SPAN) {
      // Too many (member, security) pairs for one numeric key: comparator sort.
      const rows: number[] = [];
      for (let r = 0; r < pos.n; r++) if (keep(r)) rows.push(r);
      return rows.sort((x, y) => pos.a[x] - pos.a[y] || pos.b[x] - pos.b[y] || pos.c[x] - pos.c[y]);
    }
    // One exact numeric key per row, unique because (member, security, date) is: a typed-array sort
    // (native, no comparator) then a decode and a hash lookup back to the row.
    const keys = new Float64Array(pos.n);
    let n = 0;
    for (let r = 0; r < pos.n; r++) if (keep(r)) keys[n++] = (pos.a[r] * nSec + pos.b[r]) * DATE_SPAN + (pos.c[r] - DATE_BASE);
    const sorted = keys.subarray(0, n).sort();
    const rows = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const k = sorted[i];
      const d = k % DATE_SPAN;
      const ms = (k - d) / DATE_SPAN;
      const sec = ms % nSec;
      rows[i] = pos.find((ms - sec) / nSec, sec, d + DATE_BASE);
    }
    return rows;
  }

  private memberOrThrow(id: string): number {
    const m = this.index.memberSlot(id);
    if (m < 0) throw new GatewayError(EngineErrorCode.ENGINE_UNKNOWN, `member ${id} is not a clearing member`, { member: id });
    return m;
  }

  private securityOrThrow(isin: string): number {
    const s = this.index.isinSlot(isin);
    if (s < 0) throw new GatewayError(EngineErrorCode.ENGINE_UNKNOWN, `security ${isin} is not in the securities master`, { isin });
    return s;
  }
}
