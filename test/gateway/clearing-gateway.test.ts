/**
 * The clearing engine end to end over FIX (src/gateway/clearing-adapter.ts behind the composed
 * gateway, real sockets, FixTestClient): AE → AR with the engine's outcome, AN → AP / AO, matching
 * with the counterparty told, every reject path with its 751 and Text, cancel, position maintenance,
 * collateral, margin calls, and restarts on the same journal (state rebuilt and checked, PossDup
 * answered from the original, a changed reference data refused).
 *
 * Members (test/helpers/gateway-fixtures.ts writeTestRefdata): MBRA on FIX 4.4 (ALPHA), MBRB on FIXT.1.1
 * (BRAVO), MBRC suspended (CHARLIE, FIX 4.4), MBRD with a 1,000.00 daily gross notional (DELTA, FIXT).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { checkConfig, type GatewayConfig } from '../../src/gateway/config.js';
import { startGateway, type RunningGateway } from '../../src/gateway/gateway.js';
import { isGatewayError } from '../../src/codec/errors.js';
import { formatUtcTimestamp } from '../../src/session/builder.js';
import { FixTestClient, type Received } from '../helpers/fix-client.js';
import {
  clearingTcr,
  positionRequest,
  TEST_SECURITIES,
  TEST_SETTL_DATE,
  type TestRefdataOptions,
  twoSided,
  writeTestRefdata,
} from '../helpers/gateway-fixtures.js';

const SESSIONS = [
  { sessionId: 11, member: 'MBRA', beginString: 'FIX.4.4', targetCompId: 'ALPHA', reset: 'never' },
  { sessionId: 12, member: 'MBRB', beginString: 'FIXT.1.1', targetCompId: 'BRAVO', reset: 'never' },
  { sessionId: 13, member: 'MBRC', beginString: 'FIX.4.4', targetCompId: 'CHARLIE', reset: 'never' },
  { sessionId: 14, member: 'MBRD', beginString: 'FIXT.1.1', targetCompId: 'DELTA', reset: 'never' },
];

function makeConfig(dir: string, o: TestRefdataOptions = {}): GatewayConfig {
  const doc = {
    gateway: { name: 'clearing-test' },
    journal: { dir: 'journal', durability: 'os' },
    fix: { transport: 'node', tcp: { host: '127.0.0.1', port: 0 }, senderCompId: 'CCP', sessions: SESSIONS },
    admin: { host: '127.0.0.1', port: 0 },
    clearing: writeTestRefdata(dir, o),
  };
  const r = checkConfig(doc);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.config;
}

function tmp(t: ExecutionContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-clearing-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function start(dir: string, cfg: GatewayConfig, lines?: string[]): Promise<RunningGateway> {
  return startGateway(cfg, { baseDir: dir, log: (l) => lines?.push(l) });
}

const FIXT = new Set(['BRAVO', 'DELTA']);

/** A logged-on member client: `nextSeq` continues across restarts when given. */
async function member(gw: RunningGateway, compId: string, nextSeq = 1): Promise<FixTestClient> {
  const c = await FixTestClient.connect({
    host: '127.0.0.1',
    port: gw.listeners[0]!.port,
    beginString: FIXT.has(compId) ? 'FIXT.1.1' : 'FIX.4.4',
    senderCompId: compId,
    targetCompId: 'CCP',
  });
  c.nextSeq = nextSeq;
  const a = await c.logon();
  if (a.type !== 'A') throw new Error(`${compId}: logon refused: ${a.raw}`);
  return c;
}

/** Send and wait for the reply of `type` that names `key` in `tag`. */
async function ask(c: FixTestClient, msgType: string, fields: [number, string][], replyType: string, tag: number, key: string): Promise<Received> {
  const from = c.received.length;
  c.send(msgType, fields);
  return c.waitFor((m) => m.type === replyType && m.fields.get(tag) === key, 10_000, from);
}

function ar(c: FixTestClient, fields: [number, string][]): Promise<Received> {
  return ask(c, 'AE', fields, 'AR', 571, fields.find((f) => f[0] === 571)![1]);
}

/** All PositionReports of one request (waits for TotalNumPosReports of them) or its AO. */
async function positions(c: FixTestClient, reqId: string, memberId: string, extra: [number, string][] = []): Promise<Received[]> {
  const from = c.received.length;
  c.send('AN', positionRequest(reqId, memberId, extra));
  const first = await c.waitFor((m) => (m.type === 'AP' || m.type === 'AO') && m.fields.get(710) === reqId, 10_000, from);
  if (first.type === 'AO') return [first];
  const total = Number(first.fields.get(727));
  const out: Received[] = [];
  for (let k = 1; k <= total; k++) out.push(await c.waitFor((m) => m.type === 'AP' && m.fields.get(721) === `${reqId}-${k}`, 10_000, from));
  return out;
}

/** An AP as the numbers a test compares. */
function apOf(m: Received): { isin: string; long: string; short: string; settl: string | undefined; cash: string; mtm: string } {
  // PosAmt entries: the client keeps the last value of each tag, so read both from the raw text.
  const amts = [...m.raw.matchAll(/\x01707=([A-Z]+)\x01708=(-?[0-9.]+)/g)].map((x) => [x[1]!, x[2]!] as const);
  return {
    isin: m.fields.get(48)!,
    long: m.fields.get(704)!,
    short: m.fields.get(705)!,
    settl: m.fields.get(64) ?? m.fields.get(743),
    cash: amts.find((a) => a[0] === 'CASH')![1],
    mtm: amts.find((a) => a[0] === 'FMTM')![1],
  };
}

test.serial('two-sided AE → AR accepted with a TradeID; AN → AP with long/short and money to the cent on both members', async (t) => {
  const dir = tmp(t);
  const lines: string[] = [];
  const gw = await start(dir, makeConfig(dir), lines);
  try {
    t.true(lines.some((l) => /clearing engine: 4 securities, 4 members, business date 2026-11-24/.test(l)), lines.join('\n'));
    const a = await member(gw, 'ALPHA');
    const b = await member(gw, 'BRAVO');
    // MBRA buys 100 AAPL at 100.25 from MBRB: 10,025.00 either way.
    const r = await ar(a, clearingTcr(twoSided('T1', 'MBRA', 'MBRB', { qty: '100', px: '100.25' })));
    t.is(r.fields.get(939), '0');
    t.is(r.fields.get(150), 'F');
    t.is(r.fields.get(17), '1', 'FIX 4.4: the CCP trade id in ExecID (17)');
    t.false(r.fields.has(751));
    t.is(r.fields.get(48), TEST_SECURITIES.AAPL.isin);
    // A second trade, from FIXT: MBRB buys 30 back at 101.1 (3,033.00).
    const r2 = await ar(b, clearingTcr(twoSided('T2', 'MBRB', 'MBRA', { qty: '30', px: '101.1' }), true));
    t.is(r2.fields.get(939), '0');
    t.is(r2.fields.get(1003), '2', 'FIXT: TradeID (1003)');
    t.is(r2.fields.get(573), '0');
    t.is(r2.fields.get(64), TEST_SETTL_DATE, 'T+1');
    t.is(r2.fields.get(715), '20261124');

    const pa = await positions(a, 'PA1', 'MBRA');
    t.is(pa.length, 1);
    t.is(pa[0]!.type, 'AP');
    // MBRA: +100 −30 = long 70; money −10,025.00 + 3,033.00 = −6,992.00; MTM at 100.00: 7,000 − 6,992 = 8.
    t.deepEqual(apOf(pa[0]!), { isin: TEST_SECURITIES.AAPL.isin, long: '70', short: '0', settl: TEST_SETTL_DATE, cash: '-6992', mtm: '8' });
    t.is(pa[0]!.fields.get(730), '100');
    t.is(pa[0]!.fields.get(727), '1');
    const pb = await positions(b, 'PB1', 'MBRB');
    t.deepEqual(apOf(pb[0]!), { isin: TEST_SECURITIES.AAPL.isin, long: '0', short: '70', settl: TEST_SETTL_DATE, cash: '6992', mtm: '-8' });
    t.is(gw.clearing!.engine!.tradeCount, 2);
    a.destroy();
    b.destroy();
  } finally {
    await gw.close();
  }
});

test.serial('one-sided reports of both members: pending (150=A, 573=1 on FIXT), then matched: the second gets the TradeID, the first is told by an AE 573=0', async (t) => {
  const dir = tmp(t);
  const gw = await start(dir, makeConfig(dir));
  try {
    const a = await member(gw, 'ALPHA');
    const b = await member(gw, 'BRAVO');
    const buy = { id: 'OS-A1', sides: [{ side: '1' as const, firm: 'MBRA', contra: 'MBRB' }], qty: '200', px: '99.5' };
    const p = await ar(a, clearingTcr(buy));
    t.is(p.fields.get(939), '0');
    t.is(p.fields.get(150), 'A', 'FIX 4.4: pending new');
    t.false(p.fields.has(17), 'no trade yet');
    t.regex(p.fields.get(58)!, /unmatched/);
    // A FIXT one-sided report that does not match (another price) stays pending with MatchStatus 1.
    const other = await ar(b, clearingTcr({ id: 'OS-B0', sides: [{ side: '2', firm: 'MBRB', contra: 'MBRA' }], qty: '200', px: '99.75' }, true));
    t.is(other.fields.get(573), '1');
    t.is(other.fields.get(939), '0');
    const fromA = a.received.length;
    const m = await ar(b, clearingTcr({ id: 'OS-B1', sides: [{ side: '2', firm: 'MBRB', contra: 'MBRA' }], qty: '200', px: '99.5' }, true));
    t.is(m.fields.get(939), '0');
    t.is(m.fields.get(150), 'F');
    t.is(m.fields.get(573), '0');
    t.is(m.fields.get(1003), '1');
    const told = await a.waitFor((x) => x.type === 'AE', 10_000, fromA);
    t.is(told.fields.get(573), '0', 'compared');
    t.is(told.fields.get(572), 'OS-A1', 'names the member its own report');
    t.is(told.fields.get(17), '1', 'the same trade id');
    t.is(told.fields.get(32), '200');
    t.is(told.fields.get(31), '99.5');
    t.is(gw.clearing!.engine!.unmatched().length, 1, 'OS-B0 still waits');
    t.deepEqual(apOf((await positions(a, 'P1', 'MBRA'))[0]!), { isin: TEST_SECURITIES.AAPL.isin, long: '200', short: '0', settl: TEST_SETTL_DATE, cash: '-19900', mtm: '100' });
    a.destroy();
    b.destroy();
  } finally {
    await gw.close();
  }
});

test.serial('every reject names its reason in 751 and Text: unknown/ineligible security 2, bad party 1, unauthorized and suspended 3, notional 7 (99 + "[751=7]" on FIX 4.4), band 5, duplicate 99; no 571 on FIXT is a BusinessMessageReject', async (t) => {
  const dir = tmp(t);
  const gw = await start(dir, makeConfig(dir));
  try {
    const a = await member(gw, 'ALPHA');
    const b = await member(gw, 'BRAVO');
    const c = await member(gw, 'CHARLIE');
    const d = await member(gw, 'DELTA');
    const rejected = async (cl: FixTestClient, fields: [number, string][], reason: string, text: RegExp): Promise<void> => {
      const r = await ar(cl, fields);
      t.is(r.fields.get(939), '1', r.raw);
      t.is(r.fields.get(150), '8');
      t.is(r.fields.get(751), reason, r.raw);
      t.regex(r.fields.get(58) ?? '', text, r.raw);
    };
    await rejected(a, clearingTcr(twoSided('R1', 'MBRA', 'MBRB', { isin: 'US88160R1014' })), '2', /US88160R1014/);
    await rejected(a, clearingTcr(twoSided('R2', 'MBRA', 'MBRB', { isin: TEST_SECURITIES.AMZN.isin })), '2', /eligible/i);
    await rejected(a, clearingTcr(twoSided('R3', 'MBRA', 'NOBODY')), '1', /NOBODY/);
    await rejected(a, clearingTcr(twoSided('R4', 'MBRB', 'MBRD')), '3', /./);
    await rejected(c, clearingTcr(twoSided('R5', 'MBRC', 'MBRA')), '3', /suspended/);
    await rejected(d, clearingTcr(twoSided('R6', 'MBRD', 'MBRB', { qty: '100', px: '100' }), true), '7', /./);
    await rejected(a, clearingTcr(twoSided('R7', 'MBRA', 'MBRD', { qty: '100', px: '100' })), '99', /^\[751=7\] /);
    await rejected(b, clearingTcr(twoSided('R8', 'MBRB', 'MBRA', { px: '150' }), true), '5', /./);
    t.is((await ar(a, clearingTcr(twoSided('R9', 'MBRA', 'MBRB')))).fields.get(939), '0');
    await rejected(a, clearingTcr(twoSided('R9', 'MBRA', 'MBRB')), '99', /duplicate/);
    // FIXT: TradeReportID is optional in the dictionary, required by the clearing house.
    const from = b.received.length;
    b.send('AE', clearingTcr(twoSided('X', 'MBRB', 'MBRA'), true).filter((f) => f[0] !== 571));
    const j = await b.waitFor((m) => m.type === 'j', 10_000, from);
    t.is(j.fields.get(380), '5');
    t.is(j.fields.get(372), 'AE');
    t.regex(j.fields.get(58)!, /571/);
    t.is(gw.clearing!.engine!.tradeCount, 1, 'only R9 was accepted');
    for (const cl of [a, b, c, d]) cl.destroy();
  } finally {
    await gw.close();
  }
});

test.serial('cancel reverses the trade exactly (FIX 4.4 150=H, FIXT 939=2); AN then finds no positions (AO 728=2); another member’s positions are refused (728=3)', async (t) => {
  const dir = tmp(t);
  const gw = await start(dir, makeConfig(dir));
  try {
    const a = await member(gw, 'ALPHA');
    const b = await member(gw, 'BRAVO');
    t.is((await ar(a, clearingTcr(twoSided('K1', 'MBRA', 'MBRB', { qty: '10' })))).fields.get(17), '1');
    t.is((await ar(b, clearingTcr(twoSided('K2', 'MBRB', 'MBRA', { qty: '4', isin: TEST_SECURITIES.MSFT.isin, px: '400' }), true))).fields.get(1003), '2');
    const c1 = await ar(a, clearingTcr({ ...twoSided('K1-C', 'MBRA', 'MBRB', { qty: '10' }), transType: '1', refId: 'K1' }));
    t.is(c1.fields.get(150), 'H');
    t.is(c1.fields.get(939), '0');
    t.is(c1.fields.get(17), '1');
    const c2 = await ar(b, clearingTcr({ ...twoSided('K2-C', 'MBRB', 'MBRA', { qty: '4', isin: TEST_SECURITIES.MSFT.isin, px: '400' }), transType: '1', refId: 'K2' }, true));
    t.is(c2.fields.get(939), '2');
    t.is(c2.fields.get(1003), '2');
    const none = await positions(a, 'N1', 'MBRA');
    t.is(none.length, 1);
    t.is(none[0]!.type, 'AO');
    t.is(none[0]!.fields.get(728), '2');
    t.is(none[0]!.fields.get(729), '0');
    t.truthy(none[0]!.fields.get(58));
    const other = await positions(a, 'N2', 'MBRB');
    t.is(other[0]!.type, 'AO');
    t.is(other[0]!.fields.get(728), '3');
    t.deepEqual(gw.clearing!.engine!.positions(), [], 'every position back to zero');
    // A second cancel of the same trade is refused.
    const again = await ar(a, clearingTcr({ ...twoSided('K1-C2', 'MBRA', 'MBRB', { qty: '10' }), transType: '1', refId: 'K1' }));
    t.is(again.fields.get(939), '1');
    // Replace (487=2): the old trade is reversed and the corrected one booked under a new trade id.
    t.is((await ar(a, clearingTcr(twoSided('K3', 'MBRA', 'MBRB', { qty: '10', px: '100' })))).fields.get(17), '3');
    const rep = await ar(a, clearingTcr({ ...twoSided('K3-R', 'MBRA', 'MBRB', { qty: '6', px: '100' }), transType: '2', refId: 'K3' }));
    t.is(rep.fields.get(939), '0');
    t.is(rep.fields.get(17), '4');
    t.deepEqual(apOf((await positions(a, 'N3', 'MBRA'))[0]!), { isin: TEST_SECURITIES.AAPL.isin, long: '6', short: '0', settl: TEST_SETTL_DATE, cash: '-600', mtm: '0' });
    a.destroy();
    b.destroy();
  } finally {
    await gw.close();
  }
});

test.serial('position maintenance (AL → AM), collateral (AY/AX → AZ + BA) and margin calls (BA on FIX 4.4, CJ on FIXT)', async (t) => {
  const dir = tmp(t);
  const gw = await start(dir, makeConfig(dir, { onRiskBreach: 'marginCall', exposure: { MBRA: '0.00', MBRB: '0.00' } }));
  try {
    const a = await member(gw, 'ALPHA');
    const b = await member(gw, 'BRAVO');
    const fromA = a.received.length;
    const fromB = b.received.length;
    const r = await ar(a, clearingTcr(twoSided('MC1', 'MBRA', 'MBRB', { qty: '1000', px: '100' })));
    t.is(r.fields.get(939), '0', 'accepted with a margin call');
    const ba = await a.waitFor((m) => m.type === 'BA', 10_000, fromA);
    t.is(ba.fields.get(910), '1');
    t.true(Number(ba.fields.get(899)) < 0, `MarginExcess ${ba.fields.get(899)} is the deficit`);
    t.is(ba.fields.get(900), '0');
    t.regex(ba.fields.get(58)!, /^margin call: requirement/);
    const cj = await b.waitFor((m) => m.type === 'CJ', 10_000, fromB);
    t.is(cj.fields.get(1638), '2');
    t.is(cj.fields.get(448), 'MBRB');
    t.true(Number(cj.fields.get(1645)) > 0, 'the deficit');

    // Cash collateral for MBRB: 1,000,000.00 deposited, then a withdrawal of more than it holds is refused.
    const az = await ask(b, 'AY', [[902, 'COL-1'], [895, '3'], [903, '0'], [60, '20261124-10:00:00.000'], [53, '1000000'], [15, 'USD']], 'AZ', 902, 'COL-1');
    t.is(az.fields.get(905), '1');
    const report = await b.waitFor((m) => m.type === 'BA' && m.fields.get(908) === 'B-COL-1');
    t.is(report.fields.get(900), '1000000');
    t.is(report.fields.get(910), '3', 'covered now');
    // The same movement id again: refused; as a possible resend (PossDup): the original answer, applied once.
    const dup = await ask(b, 'AY', [[902, 'COL-1'], [895, '3'], [903, '0'], [60, '20261124-10:00:00.000'], [53, '1000000'], [15, 'USD']], 'AZ', 902, 'COL-1');
    t.is(dup.fields.get(905), '3');
    t.is(dup.fields.get(906), '99');
    const fromB2 = b.received.length;
    b.send('AY', [[902, 'COL-1'], [895, '3'], [903, '0'], [60, '20261124-10:00:00.000'], [53, '1000000'], [15, 'USD']], { possDup: true, origSendingTime: formatUtcTimestamp(Date.now() - 1000) });
    t.is((await b.waitFor((m) => m.type === 'AZ' && m.fields.get(902) === 'COL-1', 10_000, fromB2)).fields.get(905), '1');
    t.is(gw.clearing!.collateral.cashHeld(gw.clearing!.engine!.index.memberSlot('MBRB')), 10_000_000_000n, 'cash 1,000,000.0000 held once');
    const refused = await ask(b, 'AX', [[894, 'COL-2'], [895, '4'], [60, '20261124-10:00:00.000'], [53, '2000000']], 'AZ', 894, 'COL-2');
    t.is(refused.fields.get(905), '3');
    t.is(refused.fields.get(906), '3');
    t.regex(refused.fields.get(58)!, /exceeds/);
    // Securities collateral: 1,000 units of the note (haircut 2%).
    const sec = await ask(a, 'AY', [[902, 'COL-3'], [895, '3'], [903, '0'], [60, '20261124-10:00:00.000'], [55, 'UST'], [48, TEST_SECURITIES.UST.cusip], [22, '1'], [53, '1000']], 'AZ', 902, 'COL-3');
    t.is(sec.fields.get(905), '1', sec.raw);
    const secReport = await a.waitFor((m) => m.type === 'BA' && m.fields.get(908) === 'B-COL-3');
    // 1,000 × 99.8984375 = 99,898.4375 × 98% = 97,900.46875 → 97,900.4687 (rounded down, 10^-4)
    t.is(secReport.fields.get(900), '97900.4687');

    // Position maintenance: MBRA adds 5 to its long AAPL position of the settlement date.
    const am = await ask(a, 'AL', [[710, 'PM1'], [709, '3'], [712, '1'], [715, '20261124'], [453, '1'], [448, 'MBRA'], [447, 'D'], [452, '4'], [1, 'HOUSE'], [581, '1'], [55, 'X'], [48, TEST_SECURITIES.AAPL.isin], [22, '4'], [60, '20261124-10:00:00.000'], [702, '1'], [703, 'PA'], [704, '5'], [705, '0']], 'AM', 710, 'PM1');
    t.is(am.fields.get(722), '0', am.raw);
    t.is(am.fields.get(704), '1005');
    const bad = await ask(a, 'AL', [[710, 'PM2'], [709, '3'], [712, '1'], [715, '20261124'], [453, '1'], [448, 'MBRB'], [447, 'D'], [452, '4'], [1, 'HOUSE'], [581, '1'], [55, 'X'], [48, TEST_SECURITIES.AAPL.isin], [22, '4'], [60, '20261124-10:00:00.000'], [702, '1'], [703, 'PA'], [704, '5']], 'AM', 710, 'PM2');
    t.is(bad.fields.get(722), '2');
    t.regex(bad.fields.get(58)!, /MBRB/);
    a.destroy();
    b.destroy();
  } finally {
    await gw.close();
  }
});

test.serial('restart on the same journal: state rebuilt and verified, same positions; a PossDup resend gets the original answer, not a second trade', async (t) => {
  const dir = tmp(t);
  const cfg = makeConfig(dir);
  let gw = await start(dir, cfg);
  let a = await member(gw, 'ALPHA');
  let b = await member(gw, 'BRAVO');
  const t1 = clearingTcr(twoSided('RS1', 'MBRA', 'MBRB', { qty: '100', px: '100.25' }));
  t.is((await ar(a, t1)).fields.get(17), '1');
  t.is((await ar(b, clearingTcr({ id: 'RS2', sides: [{ side: '2', firm: 'MBRB', contra: 'MBRA' }], qty: '7', px: '100' }, true))).fields.get(573), '1');
  await ask(b, 'AY', [[902, 'RC1'], [895, '0'], [903, '0'], [60, '20261124-10:00:00.000'], [53, '250000'], [15, 'USD']], 'AZ', 902, 'RC1');
  const before = (await positions(a, 'P1', 'MBRA')).map(apOf);
  const digest = gw.clearing!.engine!.stateDigest();
  const seqA = a.nextSeq;
  const seqB = b.nextSeq;
  a.destroy();
  b.destroy();
  await gw.close();

  const lines: string[] = [];
  gw = await start(dir, cfg, lines);
  try {
    t.is(gw.clearing!.engine!.stateDigest(), digest, 'the engine state is rebuilt exactly');
    t.is(gw.recovery!.commands, 3);
    t.true(gw.recovery!.verified > 10, `${gw.recovery!.verified} engine records verified`);
    t.is(gw.recovery!.unanswered, 0);
    t.true(lines.some((l) => /clearing recovery: 3 command\(s\) replayed/.test(l)), lines.join('\n'));
    a = await member(gw, 'ALPHA', seqA);
    b = await member(gw, 'BRAVO', seqB);
    t.deepEqual((await positions(a, 'P2', 'MBRA')).map(apOf), before);
    // The member did not see RS1's AR: it sends it again as a possible duplicate (new seq, PossDup).
    const from = a.received.length;
    a.send('AE', t1, { possDup: true, origSendingTime: formatUtcTimestamp(Date.now() - 60_000) });
    const again = await a.waitFor((m) => m.type === 'AR' && m.fields.get(571) === 'RS1', 10_000, from);
    t.is(again.fields.get(939), '0');
    t.is(again.fields.get(17), '1', 'the original trade id');
    // The one-sided report is still pending after the restart, and matches now.
    const m = await ar(a, clearingTcr({ id: 'RS3', sides: [{ side: '1', firm: 'MBRA', contra: 'MBRB' }], qty: '7', px: '100' }));
    t.is(m.fields.get(17), '2');
    t.is(gw.clearing!.engine!.tradeCount, 2);
    // Collateral survived too: 250,000.0001 is more than MBRB holds; 1,000 of it can go.
    const over = await ask(b, 'AX', [[894, 'RC2'], [895, '4'], [60, '20261124-10:00:00.000'], [53, '250000.0001']], 'AZ', 894, 'RC2');
    t.is(over.fields.get(905), '3');
    t.regex(over.fields.get(58)!, /exceeds the cash held 250000\.0000/);
    t.is((await ask(b, 'AX', [[894, 'RC3'], [895, '4'], [60, '20261124-10:00:00.000'], [53, '1000']], 'AZ', 894, 'RC3')).fields.get(905), '1');
    a.destroy();
    b.destroy();
  } finally {
    await gw.close();
  }
  // And once more: the PossDup answer and the new commands replay to the same state.
  gw = await start(dir, cfg);
  try {
    t.is(gw.clearing!.engine!.tradeCount, 2);
    t.is(gw.recovery!.commands, 7);
  } finally {
    await gw.close();
  }
});

test.serial('an applied command whose answer the journal lacks is answered after the member logs on again, from the recovered outcome (not applied twice)', async (t) => {
  const dir = tmp(t);
  const cfg = makeConfig(dir);
  let gw = await start(dir, cfg);
  let a = await member(gw, 'ALPHA');
  // Simulate a stop between the engine records and the AR: the reply is dropped once.
  const adapter = gw.clearing!.adapter;
  const reply = adapter.reply.bind(adapter);
  adapter.reply = () => undefined;
  a.send('AE', clearingTcr(twoSided('U1', 'MBRA', 'MBRB', { qty: '3' })));
  await gw.store.journal.whenIdle();
  while (gw.clearing!.engine!.tradeCount < 1) await new Promise((r) => setTimeout(r, 10));
  adapter.reply = reply;
  const seq = a.nextSeq;
  a.destroy();
  await gw.close();

  gw = await start(dir, cfg);
  try {
    t.is(gw.recovery!.unanswered, 1);
    t.is(gw.clearing!.engine!.tradeCount, 1);
    a = await member(gw, 'ALPHA', seq);
    const r = await a.waitFor((m) => m.type === 'AR' && m.fields.get(571) === 'U1');
    t.is(r.fields.get(939), '0');
    t.is(r.fields.get(17), '1');
    t.is(gw.clearing!.engine!.tradeCount, 1, 'answered, not applied again');
    t.is(gw.clearing!.adapter.stats.answeredFromRecovery, 1);
    a.destroy();
  } finally {
    await gw.close();
  }
  gw = await start(dir, cfg);
  try {
    t.is(gw.recovery!.unanswered, 0, 'the answer is in the journal now');
  } finally {
    await gw.close();
  }
});

test.serial('refuses to start when reference data changed history (a replayed trade is now outside its price band), or the business date goes back; moves forward to a later date', async (t) => {
  const dir = tmp(t);
  let gw = await start(dir, makeConfig(dir));
  const a = await member(gw, 'ALPHA');
  t.is((await ar(a, clearingTcr(twoSided('H1', 'MBRA', 'MBRB', { px: '100.25' })))).fields.get(939), '0');
  a.destroy();
  await gw.close();
  // AAPL's band narrowed to 10 bps around 100.00: 100.25 would be rejected (751=5) on replay.
  const narrowed = makeConfig(dir, { aaplBandBps: 10 });
  const e = await t.throwsAsync(start(dir, narrowed));
  t.true(isGatewayError(e, 'CLEARING_RECOVERY'), String(e));
  t.regex(e!.message, /disagree at record \d+ \(command at \d+\): the journal holds TradeStageChanged trade 1 .* but replay gives TradeStageChanged trade 0 .*Failed.* reason 5/);
  t.regex(e!.message, /reference data or the clearing configuration changed/);
  // The original data starts again, on the same journal.
  const cfg = makeConfig(dir);
  gw = await start(dir, cfg);
  t.is(gw.clearing!.engine!.tradeCount, 1);
  await gw.close();
  // The business date never goes back...
  const earlier = structuredClone(cfg);
  earlier.clearing!.businessDate = '2026-11-23';
  const e2 = await t.throwsAsync(start(dir, earlier));
  t.true(isGatewayError(e2, 'CLEARING_BUSINESS_DATE'), String(e2));
  // ...and moves forward: the trade of the 24th is still there, positions carry over.
  const later = structuredClone(cfg);
  later.clearing!.businessDate = '2026-11-25';
  const lines: string[] = [];
  gw = await start(dir, later, lines);
  try {
    t.is(gw.clearing!.engine!.businessDate, 20261125);
    t.is(gw.clearing!.engine!.tradeCount, 1);
    t.true(lines.some((l) => /journal was on 2026-11-24/.test(l)), lines.join('\n'));
  } finally {
    await gw.close();
  }
  gw = await start(dir, later);
  try {
    t.is(gw.clearing!.engine!.businessDate, 20261125, 'the marker of the 25th is replayed');
  } finally {
    await gw.close();
  }
});

test.serial('without a clearing section a journal holding engine records refuses to start; bad reference data refuses to start listing the problems', async (t) => {
  const dir = tmp(t);
  const cfg = makeConfig(dir);
  const gw = await start(dir, cfg);
  await gw.close();
  const bare = structuredClone(cfg);
  delete bare.clearing;
  const e = await t.throwsAsync(start(dir, bare));
  t.true(isGatewayError(e, 'GATEWAY_NO_ENGINE'), String(e));
  fs.writeFileSync(path.join(dir, 'refdata', 'members.json'), '[{"id": "mbra"}]');
  const e2 = await t.throwsAsync(start(dir, cfg));
  t.true(isGatewayError(e2, 'GATEWAY_REFDATA'), String(e2));
  t.regex(e2!.message, /members\.json/);
});

test.serial('a report the journal holds unanswered from before the engine was enabled is not cleared out of order: BusinessMessageReject 380=4', async (t) => {
  const dir = tmp(t);
  const cfg = makeConfig(dir);
  const bare = structuredClone(cfg);
  delete bare.clearing;
  let gw = await start(dir, bare);
  let a = await member(gw, 'ALPHA');
  gw.router.onAppMessage = () => true; // consumed, never answered (the process stops before its AR)
  a.send('AE', clearingTcr(twoSided('OLD1', 'MBRA', 'MBRB')));
  await gw.store.journal.whenIdle();
  while (gw.store.journal.lastPosition() < 0) await new Promise((r) => setTimeout(r, 10));
  const seq = a.nextSeq;
  a.destroy();
  await gw.close();

  gw = await start(dir, cfg);
  try {
    a = await member(gw, 'ALPHA', seq);
    const j = await a.waitFor((m) => m.type === 'j' && m.fields.get(379) === 'OLD1');
    t.is(j.fields.get(380), '4');
    t.regex(j.fields.get(58)!, /before the clearing engine was enabled/);
    t.is(gw.clearing!.engine!.tradeCount, 0);
    // Reports after it are cleared as usual.
    t.is((await ar(a, clearingTcr(twoSided('NEW1', 'MBRA', 'MBRB')))).fields.get(17), '1');
    a.destroy();
  } finally {
    await gw.close();
  }
  gw = await start(dir, cfg);
  try {
    t.is(gw.clearing!.engine!.tradeCount, 1, 'replays and verifies');
  } finally {
    await gw.close();
  }
});
