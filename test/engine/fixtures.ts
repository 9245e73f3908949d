/**
 * Realistic sample reference data and command builders for the engine tests (and for property tests
 * and the perf case). Identifiers are real-world shaped and their check digits are computed with
 * src/codec/ids.ts, never typed in. Not a test file itself.
 *
 * Calendar: NYSE 2026 holidays; clearing business date Thursday 2026-01-15, so T+1 of a trade on
 * 2026-01-15 is Friday 2026-01-16, and of a trade on 2026-01-16 Tuesday 2026-01-20 (Monday 19 is
 * Martin Luther King Jr. Day).
 */
import { Decimal, PRICE_EXPONENT, MONEY_EXPONENT } from '../../src/codec/decimal.js';
import { cusipCheckDigitAscii, isin as toIsin, isinFromCusip, lei as toLei, leiCheckDigits, memberId, type Cusip, type Isin } from '../../src/codec/ids.js';
import { ClearingEngine } from '../../src/engine/engine.js';
import type {
  EngineConfig,
  EngineEvents,
  EngineOptions,
  MarginModel,
  CollateralModel,
  MemberDef,
  RefData,
  SecurityDef,
  TradeReport,
  TradeSide,
} from '../../src/engine/types.js';

export const BIZ = 20260115;
export const T1 = 20260116;
export const NEXT_BIZ = 20260116;
export const NOW = 1_768_485_600_000_000_000n; // 2026-01-15T14:00:00Z

/** A price text ("187.25") as a 10^-9 mantissa. */
export function px(text: string): number {
  return Number(Decimal.parseFixed(text, PRICE_EXPONENT));
}

/** A money text ("-18725.0000") as a 10^-4 mantissa. */
export function money(text: string): number {
  return Number(Decimal.parseFixed(text, MONEY_EXPONENT));
}

/** A CUSIP from its 8-character body, with the computed check digit. */
export function cusipOf(body8: string): Cusip {
  const d = cusipCheckDigitAscii(Buffer.from(body8, 'latin1'), 0);
  return `${body8}${d}` as Cusip;
}

/** An ISIN from its 11-character body, with the computed check digit. */
export function isinOf(body11: string): Isin {
  for (let d = 0; d <= 9; d++) {
    try {
      return toIsin(`${body11}${d}`);
    } catch {
      /* next */
    }
  }
  throw new Error(`no check digit for ${body11}`);
}

function usSecurity(body8: string, symbol: string, assetClass: SecurityDef['assetClass'], price: string, lotSize = 1, priceBandBps = 1000): SecurityDef {
  const c = cusipOf(body8);
  return { isin: isinFromCusip(c), cusip: c, symbol, currency: 'USD', assetClass, lotSize, price: px(price), depositoryEligible: true, priceBandBps };
}

export const AAPL = usSecurity('03783310', 'AAPL', 'equity', '187.25');
export const MSFT = usSecurity('59491810', 'MSFT', 'equity', '410.10');
/** Round lot of 100. */
export const IBM = usSecurity('45920010', 'IBM', 'equity', '160.5', 100);
export const SPY = usSecurity('78462F10', 'SPY', 'etf', '470.00', 1, 500);
/** No band (priceBandBps 0). */
export const TBILL = usSecurity('912797GK', 'B 0 07/11/24', 'govt', '98.765432', 1, 0);
/** No reference price but a band: trades are refused with 751=6. */
export const NEWCO = { ...usSecurity('88160R10', 'NEWCO', 'equity', '0', 1, 500) };
/** A Eurobond in EUR, not eligible at the (US) depository. */
export const EUROBOND: SecurityDef = {
  isin: isinOf('XS232573341'),
  symbol: 'EUROBOND 2031',
  currency: 'EUR',
  assetClass: 'corp',
  lotSize: 1000,
  price: px('101.5'),
  depositoryEligible: false,
  priceBandBps: 300,
};

function member(id: string, leiBody: string, name: string, accounts: string[], active = true): MemberDef {
  return {
    id: memberId(id),
    lei: toLei(`${leiBody}${leiCheckDigits(leiBody)}`),
    name,
    accounts,
    limits: {
      grossNotionalPerDay: 10_000_000_000_000n, // $1,000,000,000.0000
      netPositionPerSecurity: 1_000_000,
      exposureOverCollateral: 500_000_000_000n, // $50,000,000.0000
    },
    active,
  };
}

export const MBR1 = member('MBR1', '5493001KJTIIGC8Y1R', 'Alpha Clearing LLC', ['HOUSE', 'CUST1', 'CUST2']);
export const MBR2 = member('MBR2', '549300GKFG0RYRRQ1J', 'Beta Securities Inc', ['HOUSE']);
export const MBR3 = member('MBR3', '7LTWFZYICNSX8D621K', 'Gamma Brokerage Corp', []);
export const SUSP = member('SUSP', '213800ZBKL9BHSL2K4', 'Suspended Member Ltd', [], false);

/** NYSE holidays 2026. */
export const HOLIDAYS_2026 = [20260101, 20260119, 20260216, 20260403, 20260525, 20260619, 20260703, 20260907, 20261126, 20261225];

/** 30 business-day closes ending the day before BIZ, a deterministic wiggle around each price. */
function scenarios(securities: SecurityDef[]): RefData['scenarios'] {
  const dates: number[] = [];
  let d = new Date(Date.UTC(2025, 10, 28));
  while (dates.length < 30) {
    const w = d.getUTCDay();
    const ymd = d.getUTCFullYear() * 10000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
    if (w !== 0 && w !== 6 && !HOLIDAYS_2026.includes(ymd) && ymd !== 20251225) dates.push(ymd);
    d = new Date(d.getTime() + 86_400_000);
  }
  const priced = securities.filter((s) => s.price > 0);
  return {
    dates,
    isins: priced.map((s) => s.isin),
    closes: priced.map((s, k) =>
      dates.map((_, i) => {
        const bp = ((i * 37 + k * 11) % 41) - 20; // -20..20 bp steps
        return Math.round((s.price * (10_000 + bp * (1 + (i % 3)))) / 10_000 / 10_000_000) * 10_000_000; // whole cents
      }),
    ),
  };
}

export function sampleRefData(): RefData {
  const securities = [AAPL, MSFT, IBM, SPY, TBILL, NEWCO, EUROBOND];
  return {
    securities,
    members: [MBR1, MBR2, MBR3, SUSP],
    calendar: { holidays: HOLIDAYS_2026, settlementCycleDays: 1 },
    scenarios: scenarios(securities),
    collateral: {
      haircutBps: { cash: 0, equity: 1500, etf: 1000, govt: 200, corp: 800, muni: 1000 },
      concentrationLimitBps: 2500,
    },
  };
}

export function sampleConfig(over: Partial<EngineConfig> = {}): EngineConfig {
  return {
    onRiskBreach: 'reject',
    margin: { confidenceBps: 9900, mporDays: 2, gapTopN: 3, gapAddOnBps: 500 },
    unmatchedAgeDays: 2,
    ...over,
  };
}

// ------------------------------------------------------------------------------------------ events

export type Ev =
  | { kind: 'stage'; tradeId: bigint; stage: number; previous: number; reason: number; atNs: bigint }
  | { kind: 'position'; member: string; isin: string; settlDate: number; netQty: number; netMoney: number; tradeId: bigint }
  | { kind: 'margin'; member: string; requirement: bigint; collateral: bigint }
  | { kind: 'unmatched'; submitter: string; reportId: string; pending: boolean };

/** Records every event (tests); `clear()` between steps. */
export class RecordingEvents implements EngineEvents {
  log: Ev[] = [];
  tradeStage(tradeId: bigint, stage: number, previous: number, reason: number, atNs: bigint): void {
    this.log.push({ kind: 'stage', tradeId, stage, previous, reason, atNs });
  }
  positionChanged(member: string, isin: string, settlDate: number, netQty: number, netMoney: number, tradeId: bigint): void {
    this.log.push({ kind: 'position', member, isin, settlDate, netQty, netMoney, tradeId });
  }
  marginCalculated(member: string, requirement: bigint, collateral: bigint): void {
    this.log.push({ kind: 'margin', member, requirement, collateral });
  }
  collateralMoved(): void {}
  unmatchedChanged(submitter: string, reportId: string, pending: boolean): void {
    this.log.push({ kind: 'unmatched', submitter, reportId, pending });
  }
  clear(): void {
    this.log = [];
  }
  stages(): number[] {
    return this.log.flatMap((e) => (e.kind === 'stage' ? [e.stage] : []));
  }
  positions(): Extract<Ev, { kind: 'position' }>[] {
    return this.log.filter((e): e is Extract<Ev, { kind: 'position' }> => e.kind === 'position');
  }
}

/** Discards every event (perf, property tests). */
export const NO_EVENTS: EngineEvents = {
  tradeStage() {},
  positionChanged() {},
  marginCalculated() {},
  collateralMoved() {},
};

// ------------------------------------------------------------------------------------------ margin stubs

/**
 * A margin stub: requirement = perUnit × Σ |net qty| over the member's securities (money 10^-4), kept
 * incrementally. Deterministic and exact, enough to drive exposure checks without the real VaR.
 */
export class StubMargin implements MarginModel {
  private readonly net = new Map<string, number>();
  constructor(
    readonly perUnit: bigint,
    readonly members: number,
  ) {}
  onPositionDelta(m: number, s: number, dq: number): void {
    const k = `${m}/${s}`;
    this.net.set(k, (this.net.get(k) ?? 0) + dq);
  }
  requirement(m: number): bigint {
    let units = 0;
    for (const [k, q] of this.net) if (k.startsWith(`${m}/`)) units += Math.abs(q);
    return BigInt(units) * this.perUnit;
  }
  recomputeAll(): void {}
}

export class StubCollateral implements CollateralModel {
  constructor(readonly values: bigint[]) {}
  value(m: number): bigint {
    return this.values[m] ?? 0n;
  }
}

export function makeEngine(
  opts: { config?: Partial<EngineConfig>; events?: EngineEvents; options?: EngineOptions; refdata?: RefData; businessDate?: number } = {},
): { engine: ClearingEngine; events: RecordingEvents } {
  const events = (opts.events as RecordingEvents | undefined) ?? new RecordingEvents();
  const engine = new ClearingEngine(opts.refdata ?? sampleRefData(), sampleConfig(opts.config), events, opts.businessDate ?? BIZ, {
    margin: null,
    collateral: null,
    ...opts.options,
  });
  return { engine, events };
}

// ------------------------------------------------------------------------------------------ commands

export function side(s: 1 | 2, clearingFirm: string, account = '', executingFirm = clearingFirm): TradeSide {
  return { side: s, clearingFirm, executingFirm, account };
}

/** A two-sided (locked-in) report: `buyer` buys `qty` of `security` from `seller` at `price`; submitted by the buyer. */
export function twoSided(over: Partial<TradeReport> & { buyer?: string; seller?: string } = {}): TradeReport {
  const { buyer = 'MBR1', seller = 'MBR2', ...rest } = over;
  return {
    source: 'member',
    submitter: buyer,
    transType: 0,
    reportId: 'R1',
    refId: '',
    matchId: '',
    trdType: 0,
    securityId: AAPL.isin,
    securityIdSource: 4,
    qty: 100,
    price: px('187.25'),
    currency: '',
    tradeDate: BIZ,
    settlDate: 0,
    clearingBusinessDate: 0,
    sides: [side(1, buyer), side(2, seller)],
    sideCount: 2,
    ...rest,
  };
}

/** A one-sided report of `member` (side 1 buy / 2 sell) against `contra`. */
export function oneSided(member: string, s: 1 | 2, contra: string, over: Partial<TradeReport> = {}): TradeReport {
  return {
    source: 'member',
    submitter: member,
    transType: 0,
    reportId: `${member}-1`,
    refId: '',
    matchId: '',
    trdType: 0,
    securityId: AAPL.isin,
    securityIdSource: 4,
    qty: 100,
    price: px('187.25'),
    currency: '',
    tradeDate: BIZ,
    settlDate: 0,
    clearingBusinessDate: 0,
    sides: [side(s, member)],
    sideCount: 1,
    contraFirm: contra,
    ...over,
  };
}

export { toIsin };

// ------------------------------------------------------------------------------------------ synthetic (perf, property tests)

/**
 * `nMembers` members (M0001…, LEIs with computed check digits, generous limits) and `nSecurities`
 * US equities (CUSIP bodies 9000xxxx with computed check digits, prices $10..$510, no band except
 * every 10th security at 10%), the sample calendar and a 30-day scenario file.
 */
export function syntheticRefData(nMembers: number, nSecurities: number): RefData {
  const members: MemberDef[] = [];
  for (let i = 0; i < nMembers; i++) {
    const id = `M${String(i + 1).padStart(4, '0')}`;
    const body = `5493${String(i + 1).padStart(8, '0')}SYNTH0`.slice(0, 18);
    members.push({
      id: memberId(id),
      lei: toLei(`${body}${leiCheckDigits(body)}`),
      name: `Synthetic member ${i + 1}`,
      accounts: ['HOUSE', 'CUST'],
      limits: { grossNotionalPerDay: 1n << 62n, netPositionPerSecurity: 1_000_000_000_000, exposureOverCollateral: 1n << 62n },
      active: true,
    });
  }
  const securities: SecurityDef[] = [];
  for (let i = 0; i < nSecurities; i++) {
    const c = cusipOf(`9${String(i).padStart(5, '0')}10`);
    securities.push({
      isin: isinFromCusip(c),
      cusip: c,
      symbol: `SYN${i}`,
      currency: 'USD',
      assetClass: 'equity',
      lotSize: 1,
      price: (10 + (i % 500)) * 1_000_000_000 + ((i * 7919) % 100) * 10_000_000,
      depositoryEligible: true,
      priceBandBps: i % 10 === 0 ? 1000 : 0,
    });
  }
  return {
    securities,
    members,
    calendar: { holidays: HOLIDAYS_2026, settlementCycleDays: 1 },
    scenarios: scenarios(securities),
    collateral: sampleRefData().collateral,
  };
}
