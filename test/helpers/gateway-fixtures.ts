/**
 * Shared by the gateway-level tests (test/gateway, test/interop): a valid FIX 4.4 TradeCaptureReport
 * body, the session events a closed gateway's journal holds, and for the clearing engine: small
 * reference data written to a test directory and trade reports with sides and parties.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SessionLogoutDecoder } from '../../src/generated/gateway-internal/SessionLogout.js';
import { SessionLogonDecoder } from '../../src/generated/gateway-internal/SessionLogon.js';
import { Journal, RECORD_HEADER_LENGTH } from '../../src/journal/journal.js';

/** Body of a FIX 4.4 TradeCaptureReport with TradeReportID `id` (37 OrderID inside the side entry, as 4.4 requires). */
export function tcrFields(id: string): [number, string][] {
  return [
    [571, id],
    [487, '0'],
    [856, '0'],
    [570, 'N'],
    [55, 'AAPL'],
    [48, 'US0378331005'],
    [22, '4'],
    [32, '100'],
    [31, '187.25'],
    [75, '20261124'],
    [60, '20261124-10:00:00.000'],
    [552, '1'],
    [54, '1'],
    [37, 'O1'],
  ];
}

export interface SessionEvents {
  /** sessionId of each SessionLogon record, in journal order. */
  logons: number[];
  logouts: { sessionId: number; reason: number; text: string }[];
}

/** SessionLogon / SessionLogout records of the journal at `dir` (the gateway must be closed). */
export async function sessionEvents(dir: string, segmentBytes?: number): Promise<SessionEvents> {
  const logons: number[] = [];
  const logouts: SessionEvents['logouts'] = [];
  const out = new SessionLogoutDecoder();
  const j = Journal.open({ dir, durability: 'os', segmentBytes }, (_type, sessionId, _pos, buf, offset) => {
    const body = offset + RECORD_HEADER_LENGTH;
    const template = buf[body + 2]! | (buf[body + 3]! << 8);
    const block = buf[body]! | (buf[body + 1]! << 8);
    const version = buf[body + 6]! | (buf[body + 7]! << 8);
    if (template === SessionLogonDecoder.TEMPLATE_ID) logons.push(sessionId);
    if (template === SessionLogoutDecoder.TEMPLATE_ID) {
      out.wrap(buf, body + 8, block, version);
      logouts.push({ sessionId, reason: out.reason(), text: out.text() });
    }
  });
  await j.close();
  return { logons, logouts };
}

// ---------------------------------------------------------------------------------------------------
// Clearing: small reference data written to a test directory, and trade reports with parties.

/** Market holidays of the sample calendar (2025-2027): the test calendar uses the same. */
const HOLIDAYS = [
  '2025-01-01', '2025-01-09', '2025-01-20', '2025-02-17', '2025-04-18', '2025-05-26', '2025-06-19', '2025-07-04', '2025-09-01', '2025-11-27', '2025-12-25',
  '2026-01-01', '2026-01-19', '2026-02-16', '2026-04-03', '2026-05-25', '2026-06-19', '2026-07-03', '2026-09-07', '2026-11-26', '2026-12-25',
  '2027-01-01', '2027-01-18', '2027-02-15', '2027-03-26', '2027-05-31', '2027-06-18', '2027-07-05', '2027-09-06', '2027-11-25', '2027-12-24',
];

/** The test business date: a Tuesday; trades settle T+1 on 2026-11-25. */
export const TEST_BUSINESS_DATE = '2026-11-24';
export const TEST_TRADE_DATE = '20261124';
export const TEST_SETTL_DATE = '20261125';

/** Securities of the test master: [isin, cusip, symbol, assetClass, lotSize, price, eligible, bandBps]. */
export const TEST_SECURITIES = {
  AAPL: { isin: 'US0378331005', cusip: '037833100', symbol: 'AAPL', price: '100.00' },
  MSFT: { isin: 'US5949181045', cusip: '594918104', symbol: 'MSFT', price: '400.00' },
  /** Not depository-eligible: trades are rejected (751=2). */
  AMZN: { isin: 'US0231351067', cusip: '023135106', symbol: 'AMZN', price: '200.00' },
  /** A Treasury note (collateral). */
  UST: { isin: 'US91282CFZ95', cusip: '91282CFZ9', symbol: 'T 3.875 11/30/27', price: '99.8984375' },
} as const;

export interface TestRefdataOptions {
  onRiskBreach?: 'reject' | 'marginCall';
  /** exposureOverCollateral per member, USD decimal string (default "50000000.00"; MBRD "500000.00"). */
  exposure?: Partial<Record<'MBRA' | 'MBRB', string>>;
  /** Price band of AAPL in bps (default 1000). */
  aaplBandBps?: number;
}

function ymdDash(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/**
 * Write the test reference data into `dir/refdata` and return the `clearing` section that names it.
 * Members: MBRA (HOUSE, CUST01), MBRB (HOUSE), MBRC (suspended), MBRD (gross notional 1,000.00 a
 * day: any real trade breaches it, 751=7). Margin: 90% VaR over 2 days on 30 days of synthetic closes.
 */
export function writeTestRefdata(dir: string, o: TestRefdataOptions = {}): Record<string, unknown> {
  const rd = path.join(dir, 'refdata');
  fs.mkdirSync(rd, { recursive: true });
  const s = TEST_SECURITIES;
  fs.writeFileSync(
    path.join(rd, 'securities.csv'),
    [
      'isin,cusip,symbol,currency,assetClass,lotSize,price,depositoryEligible,priceBandBps',
      `${s.AAPL.isin},${s.AAPL.cusip},${s.AAPL.symbol},USD,equity,1,${s.AAPL.price},true,${o.aaplBandBps ?? 1000}`,
      `${s.MSFT.isin},${s.MSFT.cusip},${s.MSFT.symbol},USD,equity,1,${s.MSFT.price},true,1000`,
      `${s.AMZN.isin},${s.AMZN.cusip},${s.AMZN.symbol},USD,equity,1,${s.AMZN.price},false,1000`,
      `${s.UST.isin},${s.UST.cusip},${s.UST.symbol},USD,govt,10,${s.UST.price},true,0`,
    ].join('\n') + '\n',
  );
  const limits = (gross: string, net: number, exposure: string): object => ({ grossNotionalPerDay: gross, netPositionPerSecurity: net, exposureOverCollateral: exposure });
  fs.writeFileSync(
    path.join(rd, 'members.json'),
    JSON.stringify([
      { id: 'MBRA', lei: 'SMPL00MBRA00SAMPLE13', name: 'Alpha (test)', accounts: ['HOUSE', 'CUST01'], limits: limits('5000000000.00', 5000000, o.exposure?.MBRA ?? '50000000.00'), active: true },
      { id: 'MBRB', lei: 'SMPL00MBRB00SAMPLE48', name: 'Bravo (test)', accounts: ['HOUSE'], limits: limits('5000000000.00', 5000000, o.exposure?.MBRB ?? '50000000.00'), active: true },
      { id: 'MBRC', lei: 'SMPL00MBRC00SAMPLE83', name: 'Charlie (test, suspended)', accounts: ['HOUSE'], limits: limits('5000000000.00', 5000000, '50000000.00'), active: false },
      { id: 'MBRD', lei: 'SMPL00MBRD00SAMPLE21', name: 'Delta (test, small limits)', accounts: ['HOUSE'], limits: limits('1000.00', 50000, '500000.00'), active: true },
    ]),
  );
  fs.writeFileSync(path.join(rd, 'calendar.json'), JSON.stringify({ holidays: HOLIDAYS, settlementCycleDays: 1 }));
  // 30 consecutive trading days ending 2026-11-23, closes oscillating around the system price (cents).
  const holidays = new Set(HOLIDAYS);
  const dates: string[] = [];
  for (let d = new Date(Date.UTC(2026, 10, 23)); dates.length < 30; d = new Date(d.getTime() - 86_400_000)) {
    const wd = d.getUTCDay();
    const t = ymdDash(d);
    if (wd !== 0 && wd !== 6 && !holidays.has(t)) dates.unshift(t);
  }
  const isins = [s.AAPL, s.MSFT, s.AMZN, s.UST];
  const rows = [`date,${isins.map((x) => x.isin).join(',')}`];
  dates.forEach((date, i) => {
    const closes = isins.map((x, k) => {
      const cents = Math.round(Number(x.price) * 100);
      const c = i === dates.length - 1 ? cents : Math.round((cents * (1000 + (((i + 1) * (37 + k * 11)) % 61) - 30)) / 1000);
      return `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`;
    });
    rows.push(`${date},${closes.join(',')}`);
  });
  fs.writeFileSync(path.join(rd, 'scenarios.csv'), rows.join('\n') + '\n');
  fs.writeFileSync(
    path.join(rd, 'collateral.json'),
    JSON.stringify({ haircutBps: { cash: 0, equity: 2500, etf: 1500, govt: 200, corp: 800, muni: 1000 }, concentrationLimitBps: 10000 }),
  );
  return {
    refdata: {
      securities: 'refdata/securities.csv',
      members: 'refdata/members.json',
      calendar: 'refdata/calendar.json',
      scenarios: 'refdata/scenarios.csv',
      collateral: 'refdata/collateral.json',
    },
    businessDate: TEST_BUSINESS_DATE,
    timeZone: 'America/New_York',
    onRiskBreach: o.onRiskBreach ?? 'reject',
    margin: { confidenceBps: 9000, mporDays: 2, gapTopN: 2, gapAddOnBps: 100 },
    unmatchedAgeDays: 2,
  };
}

export interface TestSide {
  side: '1' | '2';
  firm: string;
  /** Executing firm (PartyRole 1); default none (= the clearing firm). */
  exec?: string;
  /** Account (field 1 of the side); default none (the firm's default account). */
  account?: string;
  /** One-sided reports: the counterparty's clearing firm (PartyRole 17). */
  contra?: string;
}

export interface TestReport {
  id: string;
  sides: TestSide[];
  qty?: string;
  px?: string;
  /** Security: ISIN (22=4) unless `cusip`. */
  isin?: string;
  cusip?: string;
  transType?: '0' | '1' | '2';
  refId?: string;
  tradeDate?: string;
  settlDate?: string;
  matchId?: string;
}

/**
 * A TradeCaptureReport body with sides and parties, valid for FIX 4.4 (570, 55, 60 and OrderID 37 in
 * each side, as its dictionary requires) or FIXT.1.1/FIX 5.0 SP2 (`fixt`: no 37).
 */
export function clearingTcr(r: TestReport, fixt = false): [number, string][] {
  const f: [number, string][] = [[571, r.id], [487, r.transType ?? '0']];
  if (r.refId !== undefined) f.push([572, r.refId]);
  if (r.matchId !== undefined) f.push([880, r.matchId]);
  f.push([570, 'N']);
  if (r.cusip !== undefined) f.push([55, 'X'], [48, r.cusip], [22, '1']);
  else f.push([55, 'X'], [48, r.isin ?? TEST_SECURITIES.AAPL.isin], [22, '4']);
  f.push([32, r.qty ?? '100'], [31, r.px ?? '100.25'], [75, r.tradeDate ?? TEST_TRADE_DATE]);
  f.push([60, '20261124-10:00:00.000']);
  if (r.settlDate !== undefined) f.push([64, r.settlDate]);
  f.push([552, String(r.sides.length)]);
  for (const s of r.sides) {
    f.push([54, s.side]);
    if (!fixt) f.push([37, `O-${r.id}`]);
    const parties: [string, string][] = [[s.firm, '4']];
    if (s.exec !== undefined) parties.push([s.exec, '1']);
    if (s.contra !== undefined) parties.push([s.contra, '17']);
    f.push([453, String(parties.length)]);
    for (const [id, role] of parties) f.push([448, id], [447, 'D'], [452, role]);
    if (s.account !== undefined) f.push([1, s.account]);
  }
  return f;
}

/** A two-sided report: `buyer` buys `qty` from `seller`. */
export function twoSided(id: string, buyer: string, seller: string, extra: Partial<TestReport> = {}): TestReport {
  return { id, sides: [{ side: '1', firm: buyer }, { side: '2', firm: seller }], ...extra };
}

/** RequestForPositions body for `member` (FIX 4.4 requires Account and AccountType). */
export function positionRequest(reqId: string, member: string, extra: [number, string][] = []): [number, string][] {
  return [[710, reqId], [724, '0'], [453, '1'], [448, member], [447, 'D'], [452, '4'], [1, 'HOUSE'], [581, '1'], [715, TEST_TRADE_DATE], [60, '20261124-10:00:00.000'], ...extra];
}

/** The crash trials' report: MBRA buys 1 AAPL at 100.00 from MBRB (two-sided, FIX 4.4): each accepted one is a new trade. */
export function crashTcr(id: string): [number, string][] {
  return clearingTcr(twoSided(id, 'MBRA', 'MBRB', { qty: '1', px: '100' }));
}
