/**
 * The clearing adapter: members' FIX post-trade messages → clearing engine commands → FIX replies.
 * It is the session layer's SessionApplication when `clearing` is configured (gateway.ts); its engine
 * events go to the journal through ClearingJournalSink (clearing-journal.ts), and recovery
 * (clearing-recovery.ts) replays inbound commands through `apply` with the sink verifying.
 *
 * Mapping (FIX 4.4 | FIXT.1.1 + FIX 5.0 SP2; the dictionaries in ../shared/data/fix/dictionaries):
 *
 * TradeCaptureReport AE → engine.submitTrade (fields: clearing-fix.ts) → TradeCaptureReportAck AR:
 *   571, 487, 572, 880, 828 echoed; 55 (echoed, else the securities master's symbol, else [N/A]), 48/22
 *   echoed; 60 TransactTime; and by outcome:
 *   - accepted (locked-in, or matched now): 150=F, 939=0, the CCP trade id in 1003 TradeID (FIXT) or
 *     17 ExecID (FIX 4.4 has no TradeID and its AR no 1003), FIXT also 573=0 compared, 715, 64.
 *   - pending (one-sided report, waiting for the counterparty's): 150=A pending new, 939=0, FIXT
 *     573=1 uncompared (FIX 4.4's AR has no MatchStatus), 58 says it waits; no trade id yet.
 *   - cancelled (487=1 applied, positions reversed): 150=H trade cancel, 939=2 (FIXT) or 0 (FIX 4.4's
 *     939 has only 0/1), the trade id when a trade was cancelled.
 *   - rejected: 150=8, 939=1, 751 = the engine's reason, 58 = its text. FIX 4.4's 751 stops at 4 and
 *     99: reasons 5/6/7 (price band, reference price, notional) go out as 751=99 with the precise code
 *     at the start of the text ("[751=7] ...").
 *   - a report that cannot be one (no 571 on FIXT): BusinessMessageReject j 380=5 with 58.
 *   - a duplicate TradeReportID sent again with PossDupFlag 43=Y or PossResend 97=Y (the member did
 *     not see our answer) is answered with the original report's outcome (same trade id), not
 *     rejected; without the flag a duplicate is rejected (751=99).
 *   When a one-sided report matches, the counterparty member is told with an unsolicited
 *   TradeCaptureReport AE (573=0 compared, 572 = its own report id, the trade id, both sides with
 *   their parties, 571 = "M<trade id>") on each of its sessions that is logged on. When none is, the
 *   notification is not sent (no store-and-forward): the member sees the trade in its positions
 *   (RequestForPositions) and in the settlement reports; the notifications are a convenience, the
 *   member's own AR is the contract.
 *
 * PositionMaintenanceRequest AL (709=3 adjustment, 712=1 new only) → engine.adjustPosition →
 *   PositionMaintenanceReport AM (721, 709, 712, 710, 713 = 710, 722 0 accepted / 2 rejected, 723
 *   0 / 1, 715, parties, 1/581 echoed, instrument, 702 [703=TOT 704/705 the position after], 753
 *   [707=CASH 708 net money], 58). The member is the party with role 4 (must be the session's member,
 *   else rejected); the quantity delta is Σ (704 − 705) over NoPositions, the money delta Σ 708 of
 *   NoPosAmt entries with 707=CASH (10^-4 exact); the settlement date is 64 on FIXT, else (FIX 4.4's
 *   AL has no SettlDate) T+cycle of the clearing business date.
 *
 * RequestForPositions AN (724=0) → one PositionReport AP per open position of the member (filters:
 *   48/22 instrument, 64 settlement date on FIXT): 721 "<710>-<k>", 710, 724=0, 727 count, 728=0,
 *   715, parties (the member, role 4), 1/581 echoed, 55/48/22=4, 15, 730 SettlPrice = the current
 *   system price, 731=1, 734 PriorSettlPrice = the start-of-day (reference data) price, 702 [703=TOT,
 *   704 LongQty, 705 ShortQty], 753 [707=CASH 708 = net contract money (member owed +), 707=FMTM 708 =
 *   net quantity × system price + net money, exact at 10^-4], the settlement date in 64 (FIXT) or 743
 *   DeliveryDate (FIX 4.4's AP has no 64). None: RequestForPositionsAck AO 728=2 (no positions), 729=0.
 *   A request the adapter does not serve: AO 728=1 (invalid: another clearing date, unknown
 *   instrument), 3 (another member's positions) or 4 (724 ≠ 0), 729=2, 58 why.
 *
 * CollateralAssignment AY (903=0 new → deposit, 903=3 release → withdrawal) and CollateralRequest AX
 *   (a withdrawal request) → CollateralBook deposit/withdraw → CollateralResponse AZ (904, 902 (AX:
 *   its 894), 894, 895 echoed, 903 echoed, 905 1 accepted / 3 rejected, 906 3 insufficient collateral
 *   / 1 unknown instrument / 2 unauthorized / 4 invalid type / 99 other, 58) and, when accepted, a
 *   CollateralReport BA (908, 910 = 3 assigned when the collateral covers the requirement, else 1
 *   partially assigned, 899 MarginExcess = value − requirement, 900 TotalNetValue = collateral value
 *   after haircuts and concentration, 15). A security is 48/22 with 53 Quantity (units); cash has no
 *   48: 53 Quantity is the amount in 15 Currency (the CCP's; 10^-4 exact). The movement id (902 or
 *   894) is at most 20 characters and applied once per member: again with 43=Y or 97=Y it gets the
 *   original answer, else it is refused (906=99). Journaled as CollateralMoved + MarginCalculated.
 *
 * Margin calls (a trade accepted with onRiskBreach 'marginCall' that leaves a member's requirement
 *   over its collateral by more than its allowance): to each logged-on session of the member, on FIXT
 *   a MarginRequirementReport CJ (1642, 1638=2 excess/deficit, parties, 715, 15, NoMarginAmt 1643:
 *   [1644=22 total margin, 1645 requirement], [1644=14 margin deficit, 1645 requirement − collateral],
 *   60, 58), on FIX 4.4 (no CJ) a CollateralReport BA with 910=1 partially assigned, 899 MarginExcess
 *   negative (the deficit), 900 the collateral value and 58 "margin call: ...". CollateralStatus has
 *   no "margin deficiency" value (that is CollAsgnReason 895=3, which BA does not carry).
 *
 * Restarts: a command the journal holds as applied but unanswered (the process stopped between its
 * engine records and its reply) is answered, when the session layer routes it again after the member's
 * next Logon, from the outcome recovery computed (clearing-recovery.ts) — never applied twice. One the
 * journal holds from before the engine was enabled on it gets a BusinessMessageReject 380=4.
 *
 * Durability: every reply is appended to the journal after the engine records of its command (all in
 * the same synchronous call), and the session layer releases a message only once its own record is
 * durable, so an AR never leaves before the records behind it. The reply's causePosition is the
 * inbound message's position: that is how the journal links an answer to its question, and what
 * recovery's "unanswered" replay keys on (the position of the last engine record would not be).
 *
 * Thread: the gateway's JS thread (engine, journal and session layer).
 */
import { PRICE_EXPONENT } from '../codec/decimal.js';
import type { CollateralBook } from '../engine/collateral.js';
import { CollateralCode } from '../engine/collateral.js';
import type { ClearingEngine, PositionMaintOutcome } from '../engine/engine.js';
import { qtyTimesPriceBig } from '../engine/money.js';
import { TradeStatus, type RefData, type TradeOutcome } from '../engine/types.js';
import { FixGroup, type FixMessage } from '../fix/message.js';
import { UTC_TIMESTAMP_MS_LENGTH, writeUtcTimestampMs } from '../session/builder.js';
import type { AppMessageBuilder, InboundApp, Session, SessionAcceptor, SessionApplication } from '../session/session.js';
import { Interner, type PartyView, readParties, securitySlot, TradeReportReader } from './clearing-fix.js';
import type { ClearingJournalSink } from './clearing-journal.js';

/** MsgTypes the adapter handles (others: BusinessMessageReject "Unsupported Message Type" from the session layer). */
export const CLEARING_MSG_TYPES: readonly string[] = ['AE', 'AL', 'AN', 'AX', 'AY'];

/** What a command produced, enough to answer it (again, after a restart). */
export type Answer =
  | { kind: 'bmr'; reason: number; tag: number; text: string }
  | { kind: 'AE'; outcome: TradeOutcome }
  | { kind: 'AL'; status: 0 | 1; text: string; netQty: number; netMoney: number; isin: string; settlDate: number }
  | { kind: 'AN' }
  | { kind: 'COLL'; accepted: boolean; rejectReason: number; text: string; requirement: bigint; value: bigint };

const FIX44_751 = [0, 1, 2, 3, 4, 99];
const MAX_MOVEMENT_ID = 20;

export interface ClearingAdapterOptions {
  refdata: RefData;
  collateral: CollateralBook | null;
  sink: ClearingJournalSink;
  /** Epoch ms (the gateway's clock). */
  now: () => number;
  /** The CCP's currency (money fields, cash collateral). */
  currency: string;
}

export class ClearingAdapter implements SessionApplication {
  acceptor: SessionAcceptor | undefined;
  /** Set by the composition (clearing-recovery.ts) once the business date is known. */
  engine: ClearingEngine | undefined;
  /**
   * Journal position of the first business-date marker: inbound messages before it were taken by a
   * gateway without the engine. One of those routed again by the session layer's unanswered replay is
   * not applied now (its engine records would land far from it, out of journal order): it gets a
   * BusinessMessageReject 380=4 asking for a new report.
   */
  engineSince = -1;
  readonly stats = {
    tradeReports: 0,
    accepted: 0,
    pending: 0,
    cancelled: 0,
    rejected: 0,
    businessRejects: 0,
    possDupAnswers: 0,
    positionRequests: 0,
    maintenance: 0,
    collateral: 0,
    answeredFromRecovery: 0,
    notifications: 0,
    marginCalls: 0,
  };

  readonly #refdata: RefData;
  readonly #collateral: CollateralBook | null;
  readonly #sink: ClearingJournalSink;
  readonly #now: () => number;
  readonly #currency: string;
  readonly #intern = new Interner();
  readonly #trades: TradeReportReader;
  /**
   * Collateral movements applied, by member and movement id (902/894), with their answer: a movement id
   * is applied once (CollateralBook keeps no ids). Rebuilt by recovery, which applies the same commands.
   */
  readonly #movements = new Map<string, Answer>();
  /** Answers computed during recovery for inbound messages the journal holds no reply to, by inbound position. */
  readonly #recovered = new Map<number, Answer>();
  readonly #groupA = new FixGroup();
  readonly #groupB = new FixGroup();
  readonly #party: PartyView = { clearingFirm: '', executingFirm: '', account: '', contraFirm: '' };
  readonly #aeAnswer: { kind: 'AE'; outcome: TradeOutcome } = { kind: 'AE', outcome: undefined as unknown as TradeOutcome };
  readonly #anAnswer: Answer = { kind: 'AN' };
  readonly #stamp = new Uint8Array(UTC_TIMESTAMP_MS_LENGTH);
  #stampMs = -1;
  #nsMs = -1;
  #ns = 0n;

  constructor(o: ClearingAdapterOptions) {
    this.#refdata = o.refdata;
    this.#collateral = o.collateral;
    this.#sink = o.sink;
    this.#now = o.now;
    this.#currency = o.currency;
    this.#trades = new TradeReportReader(this.#intern);
  }

  /** Inbound messages recovered as applied but unanswered (answered after the member's next logon). */
  get recoveredPending(): number {
    return this.#recovered.size;
  }

  /** Recovery: the answer of the command at inbound `position` (no reply in the journal yet). */
  keepAnswer(position: number, a: Answer): void {
    this.#recovered.set(position, snapshot(a));
  }

  /** Recovery: the journal holds a reply to the inbound message at `position`. */
  answered(position: number): void {
    if (this.#recovered.size > 0) this.#recovered.delete(position);
  }

  // ------------------------------------------------------------------------------------------ SessionApplication

  onAppMessage(app: InboundApp): boolean {
    const t = app.msgType;
    if (t !== 'AE' && t !== 'AL' && t !== 'AN' && t !== 'AX' && t !== 'AY') return false;
    if (this.engine === undefined) return false;
    let a: Answer | undefined;
    if (this.#recovered.size > 0) {
      a = this.#recovered.get(app.position);
      if (a !== undefined) {
        this.#recovered.delete(app.position);
        this.stats.answeredFromRecovery++;
      }
    }
    if (a === undefined && app.position < this.engineSince && t !== 'AN') {
      a = { kind: 'bmr', reason: 4, tag: 0, text: 'received before the clearing engine was enabled on this journal and never answered: not cleared; send it again as a new message' };
    }
    a ??= this.apply(t, app.message, app.session.settings.member ?? '', this.nowNs());
    this.reply(app.session, app.message, app.position, a);
    return true;
  }

  /** The gateway clock in ns as a bigint (one allocation per millisecond, not per message). */
  nowNs(): bigint {
    const ms = this.#now();
    if (ms !== this.#nsMs) {
      this.#nsMs = ms;
      this.#ns = BigInt(ms) * 1_000_000n;
    }
    return this.#ns;
  }

  // ------------------------------------------------------------------------------------------ commands

  /**
   * Apply one inbound message of member `member` to the engine (events go to the sink in its current
   * mode) and return what to answer. Deterministic: the same message over the same state gives the same
   * events and answer (recovery depends on it). The returned object may be reused by the next call.
   */
  apply(msgType: string, m: FixMessage, member: string, nowNs: bigint): Answer {
    switch (msgType) {
      case 'AE':
        return this.#applyTrade(m, member, nowNs);
      case 'AL':
        return this.#applyMaintenance(m, member, nowNs);
      case 'AX':
      case 'AY':
        return this.#applyCollateral(msgType, m, member, nowNs);
      default:
        return this.#anAnswer;
    }
  }

  #applyTrade(m: FixMessage, member: string, nowNs: bigint): Answer {
    const engine = this.engine!;
    const r = this.#trades;
    if (!r.read(m, member)) return { kind: 'bmr', reason: r.problem.reason, tag: r.problem.tag, text: r.problem.text };
    let o = engine.submitTrade(r.cmd, nowNs);
    if (o.status === TradeStatus.Rejected && o.rejectReason === 99 && (m.valueEquals(43, Y) || m.valueEquals(97, Y))) {
      const orig = this.#original(member, r.cmd.reportId);
      if (orig !== undefined) o = orig;
    }
    this.#aeAnswer.outcome = o;
    return this.#aeAnswer;
  }

  /**
   * The outcome the report (member, reportId) got when it was first accepted: a trade (newest first) or
   * a pending one-sided report; undefined when neither (e.g. it was rejected, or it was a cancel).
   * Scans, allocates: only for duplicates flagged as possible resends.
   */
  #original(member: string, reportId: string): TradeOutcome | undefined {
    const engine = this.engine!;
    for (let t = engine.tradeCount; t >= 1; t--) {
      const v = engine.trade(t)!;
      if ((v.buySubmitter === member && v.buyReportId === reportId) || (v.sellSubmitter === member && v.sellReportId === reportId)) {
        return { status: TradeStatus.Accepted, rejectReason: 0, text: '', tradeId: v.tradeId, clearingBusinessDate: v.clearingBusinessDate, settlDate: v.settlDate, matchedReportId: '', matchedSubmitter: '', marginCalls: [] };
      }
    }
    for (const u of engine.unmatched()) {
      if (u.submitter === member && u.reportId === reportId) {
        return { status: TradeStatus.PendingMatch, rejectReason: 0, text: '', tradeId: 0n, clearingBusinessDate: u.clearingBusinessDate, settlDate: u.settlDate, matchedReportId: '', matchedSubmitter: '', marginCalls: [] };
      }
    }
    return undefined;
  }

  #applyMaintenance(m: FixMessage, member: string, nowNs: bigint): Answer {
    const engine = this.engine!;
    const reject = (text: string): Answer => ({ kind: 'AL', status: 1, text, netQty: 0, netMoney: 0, isin: '', settlDate: 0 });
    if (m.getInt(709) !== 3 || m.getInt(712) !== 1) return reject('only position adjustments are supported: PosTransType (709) 3 with PosMaintAction (712) 1');
    readParties(m, this.#groupA, this.#intern, this.#party);
    const firm = this.#party.clearingFirm === '' ? member : this.#party.clearingFirm;
    if (firm !== member) return reject(`clearing firm (PartyRole 4) ${firm} is not this session's member ${member}`);
    const cbd = m.getInt(715);
    if (m.has(715) && cbd !== engine.businessDate) return reject(`ClearingBusinessDate (715) ${cbd} is not the current clearing business date ${engine.businessDate}`);
    const slot = securitySlot(engine.index, m, this.#intern);
    if (slot < 0) return reject(`security ${m.getString(48) ?? '(no SecurityID 48)'} (SecurityIDSource ${m.getString(22) ?? '-'}) is not in the securities master`);
    const isin = this.#refdata.securities[slot]!.isin;
    let qty = 0;
    const g = this.#groupA;
    m.group(702, g);
    while (g.next()) {
      const l = g.has(704) ? g.getDecimal(704, 0) : 0;
      const s = g.has(705) ? g.getDecimal(705, 0) : 0;
      qty += l - s;
    }
    let money = 0;
    m.group(753, g);
    while (g.next()) {
      if (g.getString(707) !== 'CASH') continue;
      money += g.getDecimal(708, -4);
    }
    if (!Number.isSafeInteger(qty) || !Number.isSafeInteger(money)) return reject('LongQty/ShortQty (704/705) must be whole units and PosAmt (708) exact to 0.0001');
    const settl = m.has(64) ? m.getInt(64) : engine.calendar.addBusinessDays(engine.businessDate, engine.calendar.settlementCycleDays);
    const o: PositionMaintOutcome = engine.adjustPosition(member, isin, settl, qty, money, m.getString(58) ?? '', nowNs);
    return { kind: 'AL', status: o.status, text: o.text, netQty: o.netQty, netMoney: o.netMoney, isin, settlDate: settl };
  }

  #applyCollateral(msgType: 'AX' | 'AY', m: FixMessage, member: string, nowNs: bigint): Answer {
    const engine = this.engine!;
    const book = this.#collateral;
    const reject = (reason: number, text: string): Answer => ({ kind: 'COLL', accepted: false, rejectReason: reason, text, requirement: 0n, value: 0n });
    if (book === null) return reject(99, 'collateral is not kept by this gateway');
    const id = m.getString(msgType === 'AY' ? 902 : 894) ?? '';
    if (id.length === 0 || id.length > MAX_MOVEMENT_ID || !/^[\x20-\x7e]+$/.test(id)) return reject(99, `${msgType === 'AY' ? 'CollAsgnID (902)' : 'CollReqID (894)'} must be 1-${MAX_MOVEMENT_ID} printable ASCII characters`);
    let deposit: boolean;
    if (msgType === 'AX') deposit = false;
    else {
      const tt = m.getInt(903);
      if (tt === 0) deposit = true;
      else if (tt === 3) deposit = false;
      else return reject(99, `CollAsgnTransType (903) ${m.getString(903) ?? ''} is not supported: 0 new (deposit) or 3 release (withdrawal)`);
    }
    readParties(m, this.#groupA, this.#intern, this.#party);
    const firm = this.#party.clearingFirm === '' ? member : this.#party.clearingFirm;
    if (firm !== member) return reject(2, `clearing firm (PartyRole 4) ${firm} is not this session's member ${member}`);
    const key = `${member}\u0000${id}`;
    const done = this.#movements.get(key);
    if (done !== undefined) {
      // The same movement again: a possible resend gets the original answer, anything else is refused.
      if (m.valueEquals(43, Y) || m.valueEquals(97, Y)) return done;
      return reject(99, `movement id ${id} was already applied`);
    }
    const mSlot = engine.index.memberSlot(member);
    if (mSlot < 0) return reject(2, `member ${member} is not a clearing member`);
    const cash = !m.has(48);
    let sec = -1;
    let isin = '';
    if (!cash) {
      sec = securitySlot(engine.index, m, this.#intern);
      if (sec < 0) return reject(1, `security ${m.getString(48) ?? ''} (SecurityIDSource ${m.getString(22) ?? '-'}) is not in the securities master`);
      isin = this.#refdata.securities[sec]!.isin;
    } else {
      const ccy = m.getString(15);
      if (ccy !== undefined && ccy !== this.#currency) return reject(4, `cash collateral is taken in ${this.#currency} only, not ${ccy}`);
    }
    // Quantity: units of the security, or the cash amount at 10^-4.
    const q = m.getDecimalBig(53, cash ? -4 : 0);
    if (!m.has(53) || q <= 0n || q > BigInt(Number.MAX_SAFE_INTEGER)) return reject(99, `Quantity (53) must be ${cash ? 'a positive cash amount (at most 4 decimals)' : 'a positive whole number of units'}`);
    const requirement = this.#requirement(member, mSlot);
    const r = deposit ? book.deposit(mSlot, cash ? 'cash' : 'security', sec, q) : book.withdraw(mSlot, cash ? 'cash' : 'security', sec, q, requirement);
    if (r.code !== CollateralCode.OK) return reject(r.code === CollateralCode.ARGUMENT ? 99 : 3, r.reason);
    const amount = cash ? q : (q * BigInt(engine.price(isin))) / 100_000n;
    const after = cash ? book.cashValue(q) : book.haircutValue(sec, q);
    this.#sink.collateralMoved(member, id, deposit, cash, isin, cash ? 0 : Number(q), amount, after, nowNs);
    const value = book.value(mSlot);
    this.#sink.marginCalculated(member, requirement, value, engine.businessDate, nowNs);
    const a: Answer = { kind: 'COLL', accepted: true, rejectReason: 0, text: '', requirement, value };
    this.#movements.set(key, a);
    return a;
  }

  /** The member's total margin requirement as the engine sees it: margin model + mark-to-market loss. */
  #requirement(member: string, slot: number): bigint {
    const engine = this.engine!;
    const base = engine.margin === null ? 0n : engine.margin.requirement(slot);
    const mtm = engine.markToMarket(member);
    return base + (mtm < 0n ? -mtm : 0n);
  }

  // ------------------------------------------------------------------------------------------ replies

  /** Answer inbound message `m` (at journal `position`) on session `s`. */
  reply(s: Session, m: FixMessage, position: number, a: Answer): void {
    switch (a.kind) {
      case 'bmr':
        this.stats.businessRejects++;
        return this.#businessReject(s, m, position, a.reason, a.text);
      case 'AE':
        return this.#replyTrade(s, m, position, a.outcome);
      case 'AL':
        return this.#replyMaintenance(s, m, position, a);
      case 'AN':
        return this.#replyPositions(s, m, position);
      case 'COLL':
        return this.#replyCollateral(s, m, position, a);
    }
  }

  #begin(s: Session, msgType: string): AppMessageBuilder {
    return this.acceptor!.beginApp(s, msgType);
  }

  /** TransactTime (60) of now, written without allocating. */
  #transactTime(b: AppMessageBuilder): void {
    const ms = this.#now();
    if (ms !== this.#stampMs) this.#stampMs = writeUtcTimestampMs(ms, this.#stamp, 0) < 0 ? -1 : ms;
    if (this.#stampMs === ms) b.bytes(60, this.#stamp, 0, UTC_TIMESTAMP_MS_LENGTH);
  }

  #businessReject(s: Session, m: FixMessage, position: number, reason: number, text: string): void {
    const b = this.#begin(s, 'j');
    b.bytesFrom(45, m, 34).str(372, m.msgType);
    if (m.has(571)) b.bytesFrom(379, m, 571);
    b.int(380, reason).str(58, text);
    b.send(position);
  }

  /** 55 (echoed, else the master's symbol, else [N/A]) and 48/22 of the message's instrument. */
  #instrument(b: AppMessageBuilder, m: FixMessage): void {
    if (m.has(55)) b.bytesFrom(55, m, 55);
    else {
      const slot = securitySlot(this.engine!.index, m, this.#intern);
      b.str(55, slot >= 0 ? this.#refdata.securities[slot]!.symbol : '[N/A]');
    }
    if (m.has(48)) b.bytesFrom(48, m, 48);
    if (m.has(22)) b.bytesFrom(22, m, 22);
  }

  #replyTrade(s: Session, m: FixMessage, position: number, o: TradeOutcome): void {
    const fixt = s.beginString === 'FIXT.1.1';
    const st = this.stats;
    st.tradeReports++;
    const b = this.#begin(s, 'AR');
    b.bytesFrom(571, m, 571);
    if (m.has(487)) b.bytesFrom(487, m, 487);
    else b.char(487, '0');
    b.bytesFrom(572, m, 572).bytesFrom(880, m, 880).bytesFrom(828, m, 828);
    let text = o.text;
    switch (o.status) {
      case TradeStatus.Accepted:
        st.accepted++;
        b.char(150, 'F').int(939, 0);
        b.int(fixt ? 1003 : 17, Number(o.tradeId));
        if (fixt) b.int(573, 0);
        break;
      case TradeStatus.PendingMatch:
        st.pending++;
        b.char(150, 'A').int(939, 0);
        if (fixt) b.int(573, 1);
        text = 'unmatched: accepted for matching, waiting for the counterparty report';
        break;
      case TradeStatus.Cancelled:
        st.cancelled++;
        b.char(150, 'H').int(939, fixt ? 2 : 0);
        if (o.tradeId > 0n) b.int(fixt ? 1003 : 17, Number(o.tradeId));
        break;
      default: {
        st.rejected++;
        b.char(150, '8').int(939, 1);
        const r = o.rejectReason;
        if (!fixt && !FIX44_751.includes(r)) {
          b.int(751, 99);
          text = `[751=${r}] ${text}`;
        } else b.int(751, r);
      }
    }
    this.#instrument(b, m);
    if (fixt) {
      if (o.clearingBusinessDate > 0) b.int(715, o.clearingBusinessDate);
      if (o.settlDate > 0) b.int(64, o.settlDate);
      b.bytesFrom(75, m, 75);
    }
    this.#transactTime(b);
    if (text.length > 0) b.str(58, text);
    b.send(position);
    if (o.status === TradeStatus.Accepted && o.matchedSubmitter !== '') this.#notifyMatch(o.tradeId, o.matchedSubmitter, o.matchedReportId);
    if (o.marginCalls.length > 0) for (const member of o.marginCalls) this.#marginCall(member);
  }

  /** Logged-on sessions of a member. */
  #sessionsOf(member: string): Session[] {
    const out: Session[] = [];
    const acc = this.acceptor;
    if (acc === undefined) return out;
    for (const s of acc.allSessions()) if (s.loggedOn && s.connectionId >= 0 && s.settings.member === member) out.push(s);
    return out;
  }

  /** The unsolicited AE telling `member` that its report `reportId` matched into trade `tradeId`. */
  #notifyMatch(tradeId: bigint, member: string, reportId: string): void {
    const sessions = this.#sessionsOf(member);
    if (sessions.length === 0) return;
    const v = this.engine!.trade(tradeId);
    if (v === undefined) return;
    const sec = this.engine!.index.isinSlot(v.isin);
    const symbol = sec >= 0 ? this.#refdata.securities[sec]!.symbol : '[N/A]';
    for (const s of sessions) {
      const fixt = s.beginString === 'FIXT.1.1';
      const b = this.#begin(s, 'AE');
      b.str(571, `M${tradeId}`).char(487, '0');
      if (fixt) b.int(939, 0);
      b.char(570, 'N').str(572, reportId).int(573, 0).int(fixt ? 1003 : 17, Number(tradeId));
      if (v.matchId !== '') b.str(880, v.matchId);
      b.str(55, symbol).str(48, v.isin).char(22, '4');
      b.int(32, v.qty).fixed(31, v.price, PRICE_EXPONENT);
      b.int(75, v.tradeDate).int(715, v.clearingBusinessDate).int(64, v.settlDate);
      this.#transactTime(b);
      b.int(552, 2);
      this.#side(b, fixt, '1', v.buyReportId, v.buyer, v.buyExecutingFirm, v.buyAccount);
      this.#side(b, fixt, '2', v.sellReportId, v.seller, v.sellExecutingFirm, v.sellAccount);
      b.send(-1);
      this.stats.notifications++;
    }
  }

  #side(b: AppMessageBuilder, fixt: boolean, side: string, reportId: string, firm: string, exec: string, account: string): void {
    b.char(54, side);
    if (!fixt) b.str(37, reportId === '' ? 'NONE' : reportId); // OrderID: required in FIX 4.4's side
    b.int(453, account === '' ? 2 : 3);
    b.str(448, firm).char(447, 'D').int(452, 4);
    b.str(448, exec === '' ? firm : exec).char(447, 'D').int(452, 1);
    if (account !== '') b.str(448, account).char(447, 'D').int(452, 24);
  }

  /** One party: the member as clearing firm. */
  #memberParty(b: AppMessageBuilder, member: string): void {
    b.int(453, 1).str(448, member).char(447, 'D').int(452, 4);
  }

  /** Money (10^-4) field, exact. */
  #money(b: AppMessageBuilder, tag: number, v: bigint | number): void {
    if (typeof v === 'number') b.fixed(tag, v, -4);
    else if (v >= MIN_SAFE_BIG && v <= MAX_SAFE_BIG) b.fixed(tag, Number(v), -4);
    else b.str(tag, moneyText(v));
  }

  #marginCall(member: string): void {
    const req = this.#sink.requirement.get(member) ?? 0n;
    const coll = this.#sink.collateralValue.get(member) ?? 0n;
    const bizDate = this.engine!.businessDate;
    const text = `margin call: requirement ${moneyText(req)} exceeds collateral value ${moneyText(coll)} by ${moneyText(req - coll)} ${this.#currency}`;
    for (const s of this.#sessionsOf(member)) {
      this.stats.marginCalls++;
      if (s.beginString === 'FIXT.1.1') {
        const b = this.#begin(s, 'CJ');
        b.str(1642, `MC-${member}-${this.#sink.appended}`).int(1638, 2);
        this.#memberParty(b, member);
        b.int(715, bizDate).str(15, this.#currency);
        b.int(1643, 2);
        this.#money(b, 1645, req);
        b.int(1644, 22);
        this.#money(b, 1645, req - coll);
        b.int(1644, 14);
        this.#transactTime(b);
        b.str(58, text).send(-1);
      } else {
        const b = this.#begin(s, 'BA');
        b.str(908, `MC-${member}-${this.#sink.appended}`).int(910, 1);
        this.#memberParty(b, member);
        b.str(15, this.#currency);
        this.#money(b, 899, coll - req);
        this.#money(b, 900, coll);
        b.str(58, text).send(-1); // (FIX 4.4's BA has no TransactTime)
      }
    }
  }

  #replyMaintenance(s: Session, m: FixMessage, position: number, a: Extract<Answer, { kind: 'AL' }>): void {
    this.stats.maintenance++;
    const b = this.#begin(s, 'AM');
    const req = m.getString(710) ?? '';
    b.str(721, `AM-${req}`).bytesFrom(709, m, 709).bytesFrom(712, m, 712).bytesFrom(710, m, 710);
    if (m.has(713)) b.bytesFrom(713, m, 713);
    else b.bytesFrom(713, m, 710);
    b.int(722, a.status === 0 ? 0 : 2).int(723, a.status === 0 ? 0 : 1);
    b.int(715, this.engine!.businessDate);
    this.#memberParty(b, s.settings.member ?? '');
    b.bytesFrom(1, m, 1).bytesFrom(581, m, 581);
    this.#instrument(b, m);
    if (a.settlDate > 0 && s.beginString === 'FIXT.1.1') b.int(64, a.settlDate);
    this.#transactTime(b);
    if (a.status === 0) {
      b.int(702, 1).str(703, 'TOT').int(704, a.netQty > 0 ? a.netQty : 0).int(705, a.netQty < 0 ? -a.netQty : 0);
      b.int(753, 1).str(707, 'CASH');
      this.#money(b, 708, a.netMoney);
    }
    if (a.text.length > 0) b.str(58, a.text);
    b.send(position);
  }

  #replyPositions(s: Session, m: FixMessage, position: number): void {
    const engine = this.engine!;
    this.stats.positionRequests++;
    const member = s.settings.member ?? '';
    const req = m.getString(710) ?? '';
    const ack = (result: number, status: number, text: string): void => {
      const b = this.#begin(s, 'AO');
      b.str(721, `AO-${req}`).bytesFrom(710, m, 710).int(727, 0).int(728, result).int(729, status);
      this.#memberParty(b, member);
      b.bytesFrom(1, m, 1).bytesFrom(581, m, 581);
      if (s.beginString === 'FIXT.1.1') b.int(715, engine.businessDate);
      if (text.length > 0) b.str(58, text);
      b.send(position);
    };
    if (m.has(724) && m.getInt(724) !== 0) return ack(4, 2, `PosReqType (724) ${m.getString(724)} is not supported: 0 (positions) only`);
    readParties(m, this.#groupA, this.#intern, this.#party);
    const firm = this.#party.clearingFirm === '' ? member : this.#party.clearingFirm;
    if (firm !== member) return ack(3, 2, `positions of ${firm} are not this session's member's (${member})`);
    const cbd = m.getInt(715);
    if (m.has(715) && cbd !== engine.businessDate) return ack(1, 2, `ClearingBusinessDate (715) ${cbd}: positions are reported for the current clearing business date ${engine.businessDate} only`);
    let isin = '';
    if (m.has(48)) {
      const slot = securitySlot(engine.index, m, this.#intern);
      if (slot < 0) return ack(1, 2, `security ${m.getString(48)} (SecurityIDSource ${m.getString(22) ?? '-'}) is not in the securities master`);
      isin = this.#refdata.securities[slot]!.isin;
    }
    const fixt = s.beginString === 'FIXT.1.1';
    const settl = fixt && m.has(64) ? m.getInt(64) : undefined;
    const rows = engine.positions(member, settl).filter((r) => isin === '' || r.isin === isin);
    if (rows.length === 0) return ack(2, 0, `no open positions of ${member}${isin ? ` in ${isin}` : ''}${settl ? ` settling ${settl}` : ''}`);
    rows.forEach((r, k) => {
      const slot = engine.index.isinSlot(r.isin);
      const sec = this.#refdata.securities[slot]!;
      const price = engine.price(r.isin);
      const b = this.#begin(s, 'AP');
      b.str(721, `${req}-${k + 1}`).bytesFrom(710, m, 710).int(724, 0).int(727, rows.length).int(728, 0);
      b.int(715, engine.businessDate);
      this.#memberParty(b, member);
      b.bytesFrom(1, m, 1).bytesFrom(581, m, 581);
      b.str(55, sec.symbol).str(48, r.isin).char(22, '4').str(15, sec.currency);
      if (fixt) b.int(64, r.settlDate);
      b.fixed(730, price, PRICE_EXPONENT).char(731, '1').fixed(734, sec.price, PRICE_EXPONENT);
      b.int(702, 1).str(703, 'TOT').int(704, r.netQty > 0 ? r.netQty : 0).int(705, r.netQty < 0 ? -r.netQty : 0);
      b.int(753, 2).str(707, 'CASH');
      this.#money(b, 708, r.netMoney);
      b.str(707, 'FMTM');
      this.#money(b, 708, qtyTimesPriceBig(BigInt(r.netQty), BigInt(price)) + r.netMoney);
      if (!fixt) b.int(743, r.settlDate);
      b.send(position);
    });
  }

  #replyCollateral(s: Session, m: FixMessage, position: number, a: Extract<Answer, { kind: 'COLL' }>): void {
    this.stats.collateral++;
    const member = s.settings.member ?? '';
    const ay = m.msgType === 'AY';
    const id = m.getString(ay ? 902 : 894) ?? '';
    const b = this.#begin(s, 'AZ');
    b.str(904, `R-${id}`).str(902, id);
    if (!ay) b.bytesFrom(894, m, 894);
    b.bytesFrom(895, m, 895);
    if (ay) b.bytesFrom(903, m, 903);
    b.int(905, a.accepted ? 1 : 3);
    if (!a.accepted) b.int(906, a.rejectReason);
    this.#transactTime(b);
    this.#memberParty(b, member);
    if (m.has(48)) this.#instrument(b, m);
    b.bytesFrom(53, m, 53);
    if (a.text.length > 0) b.str(58, a.text);
    b.send(position);
    if (!a.accepted) return;
    const r = this.#begin(s, 'BA');
    r.str(908, `B-${id}`).int(910, a.value >= a.requirement ? 3 : 1);
    this.#memberParty(r, member);
    r.str(15, this.#currency);
    this.#money(r, 899, a.value - a.requirement);
    this.#money(r, 900, a.value);
    if (s.beginString === 'FIXT.1.1') this.#transactTime(r); // FIX 4.4's BA has no TransactTime
    r.send(position);
  }
}

const Y = new Uint8Array([0x59]);
const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE_BIG = -MAX_SAFE_BIG;

/** Money 10^-4 as decimal text (exact). */
function moneyText(v: bigint): string {
  const neg = v < 0n;
  const d = (neg ? -v : v).toString().padStart(5, '0');
  const int = d.slice(0, d.length - 4);
  const frac = d.slice(d.length - 4).replace(/0+$/, '');
  return `${neg ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}

/** A copy of an answer that outlives the next command (engine outcomes are reused objects). */
function snapshot(a: Answer): Answer {
  if (a.kind !== 'AE') return a.kind === 'AN' ? a : { ...a };
  const o = a.outcome;
  return {
    kind: 'AE',
    outcome: {
      status: o.status,
      rejectReason: o.rejectReason,
      text: o.text,
      tradeId: o.tradeId,
      clearingBusinessDate: o.clearingBusinessDate,
      settlDate: o.settlDate,
      matchedReportId: o.matchedReportId,
      matchedSubmitter: o.matchedSubmitter,
      marginCalls: [...o.marginCalls],
    },
  };
}
