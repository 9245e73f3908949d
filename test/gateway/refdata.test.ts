/**
 * Reference data files (src/gateway/refdata-formats.ts, refdata.ts): each format's good file loads
 * exactly (prices to the 10^-9 mantissa, money to 10^-4), each kind of bad line is reported with
 * file:line[:column] (CSV) or file: JSON pointer (JSON), the value and what was expected; every problem
 * of a file is reported, and loadRefData throws one REFDATA_INVALID error listing all files' problems.
 * Bad files: test/fixtures/refdata-bad/.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isGatewayError } from '../../src/codec/errors.js';
import { checkConfig, type ClearingConfig, type GatewayConfig } from '../../src/gateway/config.js';
import { parseCalendar, parseCollateral, parseMembers, parseScenarios, parseSecurities, securityIsinsNamed } from '../../src/gateway/refdata-formats.js';
import { checkRefData, loadRefData, RefDataErrorCode, resolveBusinessDate } from '../../src/gateway/refdata.js';
import { PROJECT_ROOT } from '../helpers/refdata.js';

const BAD = path.join(PROJECT_ROOT, 'test', 'fixtures', 'refdata-bad');
const SHIPPED = path.join(PROJECT_ROOT, 'refdata');
const bad = (f: string): string => fs.readFileSync(path.join(BAD, f), 'utf8');
const shipped = (f: string): string => fs.readFileSync(path.join(SHIPPED, f), 'utf8');
const HEADER = 'isin,cusip,symbol,currency,assetClass,lotSize,price,depositoryEligible,priceBandBps';

// ------------------------------------------------------------------------------------------ securities.csv

test('securities: a good file loads exactly (prices to 10^-9, CUSIP derived from a US/CA ISIN)', (t) => {
  const text = [
    HEADER,
    'US0378331005,037833100,AAPL,USD,equity,1,271.49,true,1000',
    'US5949181045,,MSFT,USD,equity,100,0.000000001,false,0', // CUSIP derived; the smallest price
    'US91282CJJ18,91282CJJ1,T 4 1/2 11/15/33,USD,govt,10,101.5078125,true,200',
    'US78462F1030,78462F103,SPY,USD,etf,1,9007199.254740991,true,10000', // the largest safe 10^-9 mantissa
    'GB0002634946,,BA.,GBP,equity,1,6.50,true,500', // not CUSIP-numbered: no CUSIP
    '', // blank lines are ignored
  ].join('\r\n'); // CRLF too
  const r = parseSecurities('\ufeff' + text, 'sec.csv');
  t.deepEqual(r.problems, []);
  t.deepEqual(r.value, [
    { isin: 'US0378331005', cusip: '037833100', symbol: 'AAPL', currency: 'USD', assetClass: 'equity', lotSize: 1, price: 271_490_000_000, depositoryEligible: true, priceBandBps: 1000 },
    { isin: 'US5949181045', cusip: '594918104', symbol: 'MSFT', currency: 'USD', assetClass: 'equity', lotSize: 100, price: 1, depositoryEligible: false, priceBandBps: 0 },
    { isin: 'US91282CJJ18', cusip: '91282CJJ1', symbol: 'T 4 1/2 11/15/33', currency: 'USD', assetClass: 'govt', lotSize: 10, price: 101_507_812_500, depositoryEligible: true, priceBandBps: 200 },
    { isin: 'US78462F1030', cusip: '78462F103', symbol: 'SPY', currency: 'USD', assetClass: 'etf', lotSize: 1, price: Number.MAX_SAFE_INTEGER, depositoryEligible: true, priceBandBps: 10000 },
    { isin: 'GB0002634946', symbol: 'BA.', currency: 'GBP', assetClass: 'equity', lotSize: 1, price: 6_500_000_000, depositoryEligible: true, priceBandBps: 500 },
  ]);
});

test('securities: every kind of bad line is reported with file:line:column, the value and what was expected', (t) => {
  const r = parseSecurities(bad('securities.csv'), 'securities.csv');
  t.deepEqual(r.problems, [
    'securities.csv:3:1: isin "US0378331006": wrong check digit 6; expected check digit 5 (ISO 6166)',
    'securities.csv:4:14: cusip "037833100": does not match isin US5949181045; expected 594918104 (ISIN characters 3-11; ISIN = country + CUSIP + check digit)',
    'securities.csv:4:14: cusip "037833100": duplicate; expected each cusip once (first on line 2)',
    'securities.csv:5:14: cusip "023135107": wrong check digit 7; expected check digit 6',
    'securities.csv:6:1: isin "US0378331005": duplicate; expected each isin once (first on line 2)',
    'securities.csv:7:41: lotSize "-100": negative; expected an integer 1..9007199254740991',
    'securities.csv:8:42: price "12O.50": not a decimal number; expected a decimal > 0 with at most 9 decimal places, e.g. 271.49',
    'securities.csv:9:42: price "594.2500000001": more than 9 decimal places; expected a decimal > 0 with at most 9 decimal places, e.g. 271.49',
    'securities.csv:10: row "US88160R1014,88160R101,TSLA,USD,equity,1,391.09,true": 8 field(s), missing column(s) priceBandBps; expected 9 fields (isin,cusip,symbol,currency,assetClass,lotSize,price,depositoryEligible,priceBandBps)',
    'securities.csv:11:28: currency "usd": not a currency code; expected an ISO 4217 code, 3 letters A-Z (e.g. USD)',
    'securities.csv:11:32: assetClass "stock": not an asset class; expected one of equity, etf, govt, corp, muni',
    'securities.csv:11:38: lotSize "0": zero; expected an integer 1..9007199254740991',
    'securities.csv:11:40: price "-3": negative; expected a decimal > 0 with at most 9 decimal places, e.g. 271.49',
    'securities.csv:11:43: depositoryEligible "yes": not a boolean; expected true or false',
    'securities.csv:11:47: priceBandBps "10001": too large; expected an integer 0..10000',
    'securities.csv:12:14: cusip "037833100": given for isin GB0002634946, which is not CUSIP-numbered; expected no cusip (only US and CA ISINs contain one)',
    'securities.csv:12:14: cusip "037833100": duplicate; expected each cusip once (first on line 2)',
  ]);
  t.deepEqual(r.value.map((s) => s.isin), ['US0378331005'], 'only the good row is kept');
});

test('securities: header, extra field, quotes, unsafe price and an empty file', (t) => {
  const body = 'US0378331005,037833100,AAPL,USD,equity,1,271.49,true,1000';
  t.deepEqual(parseSecurities(`isin,cusip,symbol,currency,class,lotSize,price,depositoryEligible,priceBandBps\n${body}\n`, 's.csv').problems, [
    `s.csv:1:28: header column 5 "class": unexpected; expected the header ${HEADER}`,
  ]);
  t.deepEqual(parseSecurities(`isin,cusip,symbol,currency,assetClass,lotSize,price,depositoryEligible\n${body}\n`, 's.csv').problems, [
    `s.csv:1:71: header column 9 nothing: missing column priceBandBps; expected the header ${HEADER}`,
  ]);
  t.deepEqual(parseSecurities(`${HEADER}\n${body},x\n`, 's.csv').problems, [
    `s.csv:2:59: row "${body},x": 10 fields, 1 more than the header; expected 9 fields (${HEADER})`,
  ]);
  t.deepEqual(parseSecurities(`${HEADER}\nUS0378331005,037833100,"AAPL",USD,equity,1,271.49,true,1000\n`, 's.csv').problems, [
    's.csv:2:24: field "\\"AAPL\\"": contains a quote; expected plain fields (no quoting, no commas or quotes inside a field)',
  ]);
  t.deepEqual(parseSecurities(`${HEADER}\nUS0378331005,037833100,AAPL,USD,equity,1,9007199.254740992,true,1000\n`, 's.csv').problems, [
    's.csv:2:42: price "9007199.254740992": too large; expected a decimal > 0 with at most 9 decimal places, e.g. 271.49, below 2^53 x 10^-9',
  ]);
  t.deepEqual(parseSecurities('', 's.csv').problems, [`s.csv:1: file "": empty; expected the header ${HEADER} and one row per security`]);
  t.deepEqual(parseSecurities(`${HEADER}\n`, 's.csv').problems, ['s.csv:2: rows "": none; expected one row per security after the header']);
});

// ------------------------------------------------------------------------------------------ members.json

test('members: a good file loads exactly (money limits to the 10^-4 mantissa, as bigint)', (t) => {
  const text = JSON.stringify([
    { id: 'MBRA', lei: 'SMPL00MBRA00SAMPLE13', name: 'A', accounts: ['HOUSE', 'C.1', 'c_2-x'], limits: { grossNotionalPerDay: '5000000000.0001', netPositionPerSecurity: 0, exposureOverCollateral: '922337203685477.5807' }, active: true },
    { id: 'Z9', lei: 'SMPL00MBRB00SAMPLE48', name: 'B', accounts: [], limits: { grossNotionalPerDay: '0', netPositionPerSecurity: 9007199254740991, exposureOverCollateral: '.5' }, active: false },
  ]);
  const r = parseMembers(text, 'm.json');
  t.deepEqual(r.problems, []);
  t.deepEqual(r.value, [
    { id: 'MBRA', lei: 'SMPL00MBRA00SAMPLE13', name: 'A', accounts: ['HOUSE', 'C.1', 'c_2-x'], limits: { grossNotionalPerDay: 50_000_000_000_001n, netPositionPerSecurity: 0, exposureOverCollateral: (1n << 63n) - 1n }, active: true },
    { id: 'Z9', lei: 'SMPL00MBRB00SAMPLE48', name: 'B', accounts: [], limits: { grossNotionalPerDay: 0n, netPositionPerSecurity: Number.MAX_SAFE_INTEGER, exposureOverCollateral: 5000n }, active: false },
  ]);
});

test('members: every kind of bad entry is reported with file: JSON path, the value and what was expected', (t) => {
  const r = parseMembers(bad('members.json'), 'members.json');
  const money = 'a decimal string >= 0 with at most 4 decimal places, e.g. "5000000.00" (a string: a JSON number could lose digits)';
  t.deepEqual(r.problems, [
    'members.json: /1/lei: "SMPL00MBRB00SAMPLE47": wrong check digits 47; expected check digits 48 (ISO 7064 MOD 97-10)',
    'members.json: /1/accounts/1: "HOUSE": duplicate; expected each account once per member',
    `members.json: /1/limits/grossNotionalPerDay: 5000000000: not a string; expected ${money}`,
    'members.json: /1/limits/netPositionPerSecurity: -1: negative; expected an integer 0..9007199254740991',
    `members.json: /1/limits/exposureOverCollateral: "1.00001": more than 4 decimal places; expected ${money}`,
    'members.json: /1/active: "yes": not a boolean; expected true or false',
    'members.json: /2/tier: 1: unknown property; expected only id, lei, name, accounts, limits, active',
    'members.json: /2/id: "mbr-c": not a member id; expected 1 to 8 characters A-Z 0-9',
    'members.json: /2/lei: "SMPL00MBRA00SAMPLE13": duplicate; expected each LEI once (first at /0)',
    'members.json: /2/name: "": not a name; expected a non-empty string of at most 100 characters',
    'members.json: /2/accounts/0: "": not an account name; expected 1 to 32 characters A-Z a-z 0-9 _ . -',
    `members.json: /2/limits/grossNotionalPerDay: "-5": negative; expected ${money}`,
    'members.json: /2/limits/netPositionPerSecurity: 1.5: not an integer; expected an integer 0..9007199254740991',
    `members.json: /2/limits/exposureOverCollateral: "1e6": not a decimal number; expected ${money}`,
    'members.json: /3/limits: nothing: missing; expected required property "limits"',
    'members.json: /3/active: nothing: missing; expected required property "active"',
    'members.json: /3/id: "MBRA": duplicate; expected each member id once (first at /0)',
    'members.json: /3/lei: "SMPL00MBRD00SAMPLE2": not an LEI; expected an ISO 17442 LEI: 18 of 0-9 A-Z, 2 check digits',
    "members.json: /3/accounts: \"HOUSE\": not an array; expected an array of account names (may be empty: the default account '' is always allowed)",
  ]);
  t.deepEqual(r.value.map((m) => m.id), ['MBRA']);
});

test('members: not JSON, not an array, no members', (t) => {
  t.regex(parseMembers('[{"id": "A",]', 'm.json').problems[0]!, /^m\.json: \(document\): invalid JSON \(.+\); expected a JSON array of members$/);
  t.deepEqual(parseMembers('{}', 'm.json').problems, ['m.json: (document): {}: not an array; expected a JSON array of at least one member']);
  t.deepEqual(parseMembers('[]', 'm.json').problems, ['m.json: (document): []: no members; expected a JSON array of at least one member']);
  t.deepEqual(parseMembers('[7]', 'm.json').problems, ['m.json: /0: 7: not an object; expected an object with id, lei, name, accounts, limits, active']);
});

// ------------------------------------------------------------------------------------------ calendar.json

test('calendar: a good file loads as sorted yyyymmdd integers', (t) => {
  const r = parseCalendar('{"holidays": ["2026-12-25", "2026-11-26"], "settlementHolidays": ["2026-11-11"], "settlementCycleDays": 2}', 'c.json');
  t.deepEqual(r.problems, []);
  t.deepEqual(r.value, { holidays: [20261126, 20261225], settlementHolidays: [20261111], settlementCycleDays: 2 });
  t.deepEqual(parseCalendar('{"holidays": [], "settlementCycleDays": 0}', 'c.json').value, { holidays: [], settlementHolidays: [], settlementCycleDays: 0 });
});

test('calendar: bad dates, weekends, duplicates and bad fields are all reported', (t) => {
  t.deepEqual(parseCalendar(bad('calendar.json'), 'calendar.json').problems, [
    'calendar.json: /timezone: "America/New_York": unknown property; expected only holidays, settlementCycleDays, settlementHolidays, $comment',
    'calendar.json: /holidays/1: "2026-02-30": not a date; expected a real date "yyyy-mm-dd" (1970..2149)',
    'calendar.json: /holidays/2: "2026-11-28": a Saturday (weekends are never business days); expected the weekday on which the holiday is observed',
    'calendar.json: /holidays/3: "2026-11-26": duplicate; expected each date once over holidays and settlementHolidays (first at /holidays/0)',
    'calendar.json: /holidays/4: 20261225: not a date; expected a real date "yyyy-mm-dd" (1970..2149)',
    'calendar.json: /holidays/5: "26-12-25": not a date; expected a real date "yyyy-mm-dd" (1970..2149)',
    'calendar.json: /settlementHolidays/1: "2026-11-26": duplicate; expected each date once over holidays and settlementHolidays (first at /holidays/0)',
    'calendar.json: /settlementCycleDays: -1: negative; expected an integer 0..10',
  ]);
  t.deepEqual(parseCalendar('{"holidays": "2026-11-26"}', 'c.json').problems, [
    'c.json: /settlementCycleDays: nothing: missing; expected required property "settlementCycleDays"',
    'c.json: /holidays: "2026-11-26": not an array; expected an array of dates "yyyy-mm-dd"',
  ]);
});

// ------------------------------------------------------------------------------------------ scenarios.csv

const shippedContext = (): Parameters<typeof parseScenarios>[2] => ({
  securities: securityIsinsNamed(shipped('securities.csv')),
  securitiesFile: 'refdata/securities.csv',
  holidays: new Set(parseCalendar(shipped('calendar.json'), 'c').value.holidays),
  calendarFile: 'refdata/calendar.json',
});

test('scenarios: a good file loads exactly, security-major (closes[s][d])', (t) => {
  const ctx = { securities: new Map([['US0378331005', 'AAPL'], ['US91282CJJ18', 'T']]), holidays: new Set([20261126]) };
  // Wed 25th, (Thanksgiving), Fri 27th, (weekend), Mon 30th: consecutive trading days.
  const text = 'date,US0378331005,US91282CJJ18\n2026-11-25,271.49,101.5078125\n2026-11-27,270.000000001,101.5\n2026-11-30,0.01,99\n';
  const r = parseScenarios(text, 'x.csv', ctx);
  t.deepEqual(r.problems, []);
  t.deepEqual(r.value, {
    dates: [20261125, 20261127, 20261130],
    isins: ['US0378331005', 'US91282CJJ18'],
    closes: [
      [271_490_000_000, 270_000_000_001, 10_000_000],
      [101_507_812_500, 101_500_000_000, 99_000_000_000],
    ],
  });
});

test('scenarios: unknown or bad ISIN, bad, non-trading, repeated and skipped dates, blanks, missing column', (t) => {
  const r = parseScenarios(bad('scenarios.csv'), 'scenarios.csv', shippedContext());
  t.deepEqual(r.problems, [
    'scenarios.csv:1:32: ISIN "US0378331006": wrong check digit 6; expected check digit 5 (ISO 6166)',
    'scenarios.csv:1:45: ISIN "GB0002634946": unknown security; expected an ISIN of refdata/securities.csv',
    'scenarios.csv:1:58: ISIN "US0378331005": duplicate column; expected each ISIN once (first in column 2)',
    'scenarios.csv:1: header: no column for 20 securities US0231351067 (AMZN), US02079K3059 (GOOGL), US67066G1040 (NVDA), US30303M1027 (META), US88160R1014 (TSLA), US46625H1005 (JPM), US4781601046 (JNJ), US30231G1022 (XOM), US7427181091 (PG), US92826C8394 (V), US0846707026 (BRK.B), US9311421039 (WMT), US1912161007 (KO), US17275R1023 (CSCO), US0605051046 (BAC), US78462F1030 (SPY), US46090E1038 (QQQ), US4642876555 (IWM), US91282CFZ95 (T 3 7/8 11/30/27), US91282CJJ18 (T 4 1/2 11/15/33); expected a column for every security of refdata/securities.csv (margin needs a history for each)',
    'scenarios.csv:4:1: date "2026-11-17": not after the previous row\'s 2026-11-17; expected dates strictly increasing',
    'scenarios.csv:5:1: date "2026-11-19": skips trading day 2026-11-18 after 2026-11-17; expected consecutive trading days of refdata/calendar.json',
    'scenarios.csv:6:1: date "2026-11-21": a Saturday; expected a trading day',
    'scenarios.csv:7:1: date "2026-11-26": a holiday of refdata/calendar.json; expected a trading day',
    'scenarios.csv:8:1: date "2026-13-01": not a date; expected a real date "yyyy-mm-dd" (1970..2149)',
    'scenarios.csv:9:12: close of US0378331005 "": blank; expected a decimal > 0 with at most 9 decimal places, e.g. 271.49',
    'scenarios.csv:9:13: close of US5949181045 "abc": not a decimal number; expected a decimal > 0 with at most 9 decimal places, e.g. 271.49',
    'scenarios.csv:9:19: close of GB0002634946 "0": zero; expected a decimal > 0 with at most 9 decimal places, e.g. 271.49',
    'scenarios.csv:10: row "2026-11-30,273.00,473.00,1,1": 5 field(s), missing column(s) US0378331005; expected 6 fields (date,US0378331005,US5949181045,US0378331006,GB0002634946,US0378331005)',
  ]);
});

test('scenarios: header must start with date; at least 2 rows', (t) => {
  const ctx = { securities: new Map([['US0378331005', 'AAPL']]) };
  t.deepEqual(parseScenarios('day,US0378331005\n2026-11-24,1\n2026-11-25,1\n', 'x.csv', ctx).problems, ['x.csv:1:1: header column 1 "day": unexpected; expected "date" then one ISIN per column']);
  t.deepEqual(parseScenarios('date,US0378331005\n2026-11-24,1\n', 'x.csv', ctx).problems, ['x.csv:3: rows 1: fewer than 2 days of closes; expected a history of daily closes (one row per trading day)']);
  t.deepEqual(parseScenarios('date\n2026-11-24\n2026-11-25\n', 'x.csv', ctx).problems, ['x.csv:1: header "date": no ISIN columns; expected date,ISIN1,ISIN2,...']);
  t.deepEqual(parseScenarios('date,US0378331005\n2026-11-24,1\n2026-11-25,1\n', 'x.csv', { securities: new Map([['US0378331005', 'AAPL'], ['US5949181045', 'MSFT']]) }).problems, [
    'x.csv:1: header: no column for 1 security US5949181045 (MSFT); expected a column for every security of securities.csv (margin needs a history for each)',
  ]);
});

// ------------------------------------------------------------------------------------------ collateral.json

test('collateral: a good file loads; bad haircuts and limits are all reported', (t) => {
  const r = parseCollateral(shipped('collateral.json'), 'k.json');
  t.deepEqual(r.problems, []);
  t.deepEqual(r.value, { haircutBps: { cash: 0, equity: 2500, etf: 1500, govt: 200, corp: 800, muni: 1000 }, concentrationLimitBps: 4000 });
  t.deepEqual(parseCollateral(bad('collateral.json'), 'collateral.json').problems, [
    'collateral.json: /haircutBps/gold: 500: unknown property; expected only cash, equity, etf, govt, corp, muni',
    'collateral.json: /haircutBps/muni: nothing: missing; expected required property "muni"',
    'collateral.json: /haircutBps/equity: 12000: too large; expected an integer 0..10000',
    'collateral.json: /haircutBps/etf: 15.5: not an integer; expected an integer 0..10000',
    'collateral.json: /haircutBps/govt: "200": not a number; expected an integer 0..10000',
    'collateral.json: /concentrationLimitBps: 0: too small; expected an integer 1..10000',
  ]);
});

// ------------------------------------------------------------------------------------------ loadRefData / checkRefData

const shippedFiles = (): ClearingConfig['refdata'] => ({
  securities: 'refdata/securities.csv',
  members: 'refdata/members.json',
  calendar: 'refdata/calendar.json',
  scenarios: 'refdata/scenarios.csv',
  collateral: 'refdata/collateral.json',
});

const errorsOf = (e: unknown): string[] => (e as { context: { errors: string[] } }).context.errors;

test('loadRefData: one REFDATA_INVALID error lists every problem of every file, each file named as configured', (t) => {
  const refdata = { ...shippedFiles(), members: 'test/fixtures/refdata-bad/members.json', collateral: 'test/fixtures/refdata-bad/collateral.json', calendar: 'nowhere/calendar.json' };
  const e = t.throws(() => loadRefData({ refdata }, PROJECT_ROOT));
  t.true(isGatewayError(e, RefDataErrorCode.REFDATA_INVALID));
  const errors = errorsOf(e);
  t.is(errors.filter((l) => l.startsWith('test/fixtures/refdata-bad/members.json: ')).length, 19);
  t.is(errors.filter((l) => l.startsWith('test/fixtures/refdata-bad/collateral.json: ')).length, 6);
  t.true(errors.includes(`nowhere/calendar.json: (file): cannot read ${path.join(PROJECT_ROOT, 'nowhere', 'calendar.json')} (ENOENT); expected a readable file (a path relative to the configuration file's directory)`));
  // Without a calendar the scenarios are checked for everything else (and pass): nothing more.
  t.is(errors.length, 19 + 6 + 1);
  t.regex(e!.message, /^REFDATA_INVALID: reference data: 26 problem\(s\):\nnowhere\/calendar\.json: \(file\): cannot read /);
});

test('loadRefData: a calendar missing the history\'s holidays shows up as skipped trading days in the scenarios', (t) => {
  const refdata = { ...shippedFiles(), calendar: 'test/fixtures/refdata-bad/calendar.json' };
  const errors = errorsOf(t.throws(() => loadRefData({ refdata }, PROJECT_ROOT)));
  t.is(errors.filter((l) => l.startsWith('test/fixtures/refdata-bad/calendar.json: ')).length, 8);
  // The bad calendar's only valid holiday is 2026-11-26, so the history's real holidays look like gaps.
  const gaps = errors.filter((l) => l.startsWith('refdata/scenarios.csv:'));
  t.true(gaps.length > 0);
  t.true(gaps.every((l) => / skips trading day \d{4}-\d{2}-\d{2} after /.test(l)), gaps.join('\n'));
  t.true(gaps.some((l) => l.includes('skips trading day 2026-07-03 after 2026-07-02')));
});

test('loadRefData: one bad securities row does not make its scenario column unknown', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refdata-'));
  const sec = shipped('securities.csv').replace('US0378331005,037833100,AAPL,USD,equity,1,271.49,', 'US0378331005,037833100,AAPL,USD,equity,1,271.4.9,');
  fs.writeFileSync(path.join(dir, 'securities.csv'), sec);
  const e = t.throws(() => loadRefData({ refdata: { ...shippedFiles(), securities: path.join(dir, 'securities.csv') } }, PROJECT_ROOT));
  const errors = errorsOf(e);
  t.deepEqual(errors, [`${path.join(dir, 'securities.csv')}:2:42: price "271.4.9": not a decimal number; expected a decimal > 0 with at most 9 decimal places, e.g. 271.49`]);
});

test('loadRefData: the history must hold enough mporDays-day scenarios for the confidence', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refdata-'));
  const lines = shipped('scenarios.csv').trim().split('\n');
  fs.writeFileSync(path.join(dir, 'scenarios.csv'), [lines[0], ...lines.slice(-101)].join('\n') + '\n'); // 101 days
  const refdata = { ...shippedFiles(), scenarios: path.join(dir, 'scenarios.csv') };
  const e = t.throws(() => loadRefData({ refdata, margin: { mporDays: 2, confidenceBps: 9900 } }, PROJECT_ROOT));
  t.deepEqual(errorsOf(e), [
    `${refdata.scenarios}: (rows): 101 days of closes: too short for clearing.margin (mporDays 2, confidenceBps 9900); expected at least 102 days (100 overlapping 2-day scenarios, so that the 1% tail holds one)`,
  ]);
  t.is(loadRefData({ refdata, margin: { mporDays: 1, confidenceBps: 9900 } }, PROJECT_ROOT).scenarios.dates.length, 101);
  t.is(loadRefData({ refdata, margin: { mporDays: 2, confidenceBps: 9500 } }, PROJECT_ROOT).scenarios.dates.length, 101);
});

function config(patch: (c: Record<string, any>) => void = () => undefined): GatewayConfig {
  const c = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'gateway.config.json'), 'utf8'));
  patch(c);
  const r = checkConfig(c);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.config;
}

test('checkRefData: passes without a clearing section (no engine) and says so', (t) => {
  const r = checkRefData(config((c) => delete c.clearing), '/nonexistent');
  t.deepEqual(r, { what: 'reference data', ok: true, detail: 'no clearing section: the gateway runs without the clearing engine', errors: [] });
});

test('checkRefData: a session member missing from members.json and a holiday business date name the config path', (t) => {
  const c = config((x) => {
    x.fix.sessions[0].member = 'DEMO';
    x.clearing.businessDate = '2026-11-26';
  });
  const r = checkRefData(c, PROJECT_ROOT, 'gw.json');
  t.false(r.ok);
  t.deepEqual(r.errors, [
    'gw.json: /fix/sessions/0/member: "DEMO": not a member of refdata/members.json; expected one of MBRA, MBRB, MBRC, MBRD',
    'gw.json: /clearing/businessDate: "2026-11-26": a holiday of refdata/calendar.json; expected a trading day (the next is 2026-11-27)',
  ]);
  t.is(r.detail, `2 problem(s):\n  ${r.errors.join('\n  ')}`);
  t.is(r.refData, undefined);
});

test('checkRefData: bad files fail the check with every problem in the detail, never a throw; the config is still checked against the sound files', (t) => {
  const c = config((x) => {
    x.clearing.refdata.securities = 'test/fixtures/refdata-bad/securities.csv';
    x.fix.sessions[0].member = 'MBRX';
  });
  const r = checkRefData(c, PROJECT_ROOT);
  t.false(r.ok);
  t.true(r.errors.includes('test/fixtures/refdata-bad/securities.csv:3:1: isin "US0378331006": wrong check digit 6; expected check digit 5 (ISO 6166)'));
  t.is(r.errors[r.errors.length - 1], 'gateway.config.json: /fix/sessions/0/member: "MBRX": not a member of refdata/members.json; expected one of MBRA, MBRB, MBRC, MBRD');
  t.regex(r.detail, /^\d+ problem\(s\):\n {2}test\/fixtures\/refdata-bad\/securities\.csv:3:1: isin/);
  // Members unreadable: the session members cannot be checked, and nothing is claimed about them.
  const m = checkRefData(config((x) => (x.clearing.refdata.members = 'missing.json')), PROJECT_ROOT);
  t.deepEqual(m.errors.map((l) => l.split(':')[0]), ['missing.json']);
});

test('resolveBusinessDate: configured, else today in the time zone, rolled to the next trading day', (t) => {
  const cal = parseCalendar(shipped('calendar.json'), 'c').value;
  const at = (iso: string): number => Date.parse(iso);
  const files = shippedFiles();
  t.is(resolveBusinessDate({ refdata: files, businessDate: '2026-12-01' }, cal, at('2030-01-01T00:00:00Z')), 20261201);
  t.is(resolveBusinessDate({ refdata: files }, cal, at('2026-11-24T15:00:00Z')), 20261124, 'a Tuesday');
  t.is(resolveBusinessDate({ refdata: files }, cal, at('2026-11-26T15:00:00Z')), 20261127, 'Thanksgiving → Friday');
  t.is(resolveBusinessDate({ refdata: files }, cal, at('2026-11-28T15:00:00Z')), 20261130, 'Saturday → Monday');
  t.is(resolveBusinessDate({ refdata: files }, cal, at('2027-12-24T15:00:00Z')), 20271227, 'Christmas observed Friday → Monday');
  // 03:00 UTC on the 25th is still the 24th in New York (the default zone).
  t.is(resolveBusinessDate({ refdata: files }, cal, at('2026-11-25T03:00:00Z')), 20261124);
  t.is(resolveBusinessDate({ refdata: files, timeZone: 'UTC' }, cal, at('2026-11-25T03:00:00Z')), 20261125);
  t.is(resolveBusinessDate({ refdata: files, timeZone: 'Asia/Tokyo' }, cal, at('2026-11-24T16:00:00Z')), 20261125);
  const e = t.throws(() => resolveBusinessDate({ refdata: files, businessDate: '2026-02-30' }, cal));
  t.true(isGatewayError(e, RefDataErrorCode.REFDATA_INVALID));
});
