/**
 * Cycle computation against hand-computed figures (test/fixtures/settlement/README.md), exact text
 * formatting, input validation and the refusal of unbalanced cycles.
 *
 * Modelled on NSCC's public CNS descriptions and on ISO 20022; not DTCC-certified.
 */
import test from 'ava';
import { isGatewayError } from '../../src/codec/errors.js';
import { computeCycle, parseInstructionId, settlementValue } from '../../src/settlement/compute.js';
import { INT64_NULL, qtyTimesPrice } from '../../src/codec/decimal.js';
import { Prng } from '../codec/prng.js';
import { cycleReport, moneyByMember, obligationsByMember, carriedFailsByMember } from '../../src/settlement/reports.js';
import { fixedText, fixedTextBig, parseUnsignedDecimal, trimmedText, isValidYmd, isIsoUtcDateTime } from '../../src/settlement/text.js';
import { SettlementErrorCode, type CycleInput } from '../../src/settlement/types.js';
import { escapeAttr, escapeText } from '../../src/settlement/xml.js';
import { ByteOut, ExactSum } from '../../src/settlement/bytes.js';
import { AAPL, GOOG, MSFT, money, workedCycle, type WorkedCycle } from './worked-cycle.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isGatewayError(e) ? e.code : `not a GatewayError: ${String(e)}`;
  }
  return undefined;
}

test('decimal text is exact and never goes through floating point', (t) => {
  t.is(fixedText(0, 4), '0.0000');
  t.is(fixedText(-1, 4), '-0.0001');
  t.is(fixedText(123456789, 4), '12345.6789');
  t.is(fixedText(Number.MAX_SAFE_INTEGER, 4), '900719925474.0991');
  t.is(fixedText(-Number.MAX_SAFE_INTEGER, 9), '-9007199.254740991');
  t.is(fixedText(42, 0), '42');
  t.is(fixedTextBig(123456789012345678901234n, 4), '12345678901234567890.1234');
  t.is(fixedTextBig(-5n, 9), '-0.000000005');
  t.is(trimmedText(760000000, 4), '76000');
  t.is(trimmedText(123037500, 4), '12303.75');
  t.is(trimmedText(12_345_678_901, 9), '12.345678901');
  t.is(trimmedText(0, 4), '0');
  t.is(trimmedText(10n ** 18n - 1n, 4), '99999999999999.9999');
  t.is(parseUnsignedDecimal('76000.00', 4), 760000000n);
  t.is(parseUnsignedDecimal('4101.25', 4), 41012500n);
  t.is(parseUnsignedDecimal('1.00001', 4), undefined, 'a fifth non-zero decimal is not rounded away');
  t.is(parseUnsignedDecimal('1.000010', 5), 100001n);
  t.is(parseUnsignedDecimal('-1', 0), undefined);
  t.is(parseUnsignedDecimal('1e3', 0), undefined);
  t.throws(() => fixedText(0.5, 4));
  t.true(isValidYmd(20240229));
  t.false(isValidYmd(20230229));
  t.true(isIsoUtcDateTime('2026-11-24T22:00:00.123456789Z'));
  t.false(isIsoUtcDateTime('2026-11-24T22:00:00+01:00'));
});

test('settlement value: the double-precision path equals codec qtyTimesPrice (HALF_EVEN) everywhere', (t) => {
  const r = new Prng(6);
  const check = (q: number, p: number): void => {
    const want = qtyTimesPrice(BigInt(q), BigInt(p));
    const got = settlementValue(q, p);
    if (want === INT64_NULL || want > BigInt(Number.MAX_SAFE_INTEGER)) t.is(got, -1, `${q} × ${p}`);
    else t.is(BigInt(got), want, `${q} × ${p}`);
  };
  // Ties: 1 × 0.00005 → 0 (even), 3 × 0.00005 → 0.0002 (0.00015 → even 2), 1 × 0.00015 → 0.0002.
  t.is(settlementValue(1, 50_000), 0);
  t.is(settlementValue(3, 50_000), 2);
  t.is(settlementValue(1, 150_000), 2);
  for (let i = 0; i < 20_000; i++) {
    const q = Number(r.bigintIn(1n, i % 4 === 0 ? 10n ** 12n : 100_000n));
    const p = Number(r.bigintIn(1n, i % 3 === 0 ? BigInt(Number.MAX_SAFE_INTEGER) : 10n ** 12n));
    check(q, p);
  }
  for (const [q, p] of [
    [1, 50_000],
    [2, 75_000],
    [999_999_999, 999_999_999_999],
    [Number.MAX_SAFE_INTEGER, 1],
    [1, Number.MAX_SAFE_INTEGER],
    [10 ** 15, 10 ** 9],
  ] as const)
    check(q, p);
});

test('ExactSum is exact across the 2^53 boundary; ByteOut keeps bytes in order across chunk boundaries', (t) => {
  const r = new Prng(7);
  for (let round = 0; round < 50; round++) {
    const sum = new ExactSum();
    let want = 0n;
    for (let i = 0; i < 200; i++) {
      const big = round % 2 === 0;
      const x = Number(r.bigintIn(big ? -BigInt(Number.MAX_SAFE_INTEGER) : -1_000_000n, big ? BigInt(Number.MAX_SAFE_INTEGER) : 1_000_000n));
      sum.add(x);
      want += BigInt(x);
    }
    t.is(sum.value, want);
  }
  const chunks: Buffer[] = [];
  const out = new ByteOut((b) => chunks.push(Buffer.from(b)), 16);
  let want = '';
  for (let i = 0; i < 100; i++) {
    const s = i % 3 === 0 ? `ascii-${i};` : i % 3 === 1 ? `ü€𝄞${i}` : 'x'.repeat(i);
    if (i % 3 === 0) out.ascii(s);
    else if (i % 3 === 1) out.utf8(s);
    else out.bytes(Buffer.from(s));
    want += s;
  }
  out.flush();
  t.is(Buffer.concat(chunks).toString('utf8'), want);
  t.is(out.length, Buffer.byteLength(want));
});

test('XML escaping: text, attributes, and characters XML cannot carry', (t) => {
  t.is(escapeText('A & B <C> "q"'), 'A &amp; B &lt;C&gt; "q"');
  t.is(escapeAttr(`a"b'c<&>\t\n\r`), 'a&quot;b&apos;c&lt;&amp;&gt;&#9;&#10;&#13;');
  t.is(escapeText('plain'), 'plain');
  t.is(escapeText('Zürich 𝄞'), 'Zürich 𝄞', 'non-ASCII and astral characters pass as UTF-8');
  t.is(codeOf(() => escapeText('bell\u0007')), SettlementErrorCode.XML_CHAR);
  t.is(codeOf(() => escapeText('lone \uD800 surrogate')), SettlementErrorCode.XML_CHAR);
  t.is(codeOf(() => escapeAttr('\uFFFE')), SettlementErrorCode.XML_CHAR);
});

test('worked cycle: every obligation matches the hand-computed figures', (t) => {
  const c = computeCycle(workedCycle());
  const got = c.obligations.map((o) => [
    o.member.id,
    o.security.isin,
    o.side,
    o.quantity,
    fixedText(o.settlementValue, 4),
    fixedText(o.dvpMoney, 4),
    fixedText(o.contractMoney, 4),
    fixedText(o.markToMarket, 4),
    o.instructionId,
  ]);
  t.deepEqual(got, [
    ['MBRA', AAPL, 'RECEIVE', 300, '57000.0000', '-57000.0000', '-56850.0000', '150.0000', `20261125-MBRA-${AAPL}`],
    ['MBRA', GOOG, 'DELIVER', 1000, '12345.6789', '12345.6789', '12300.0000', '-45.6789', `20261125-MBRA-${GOOG}`],
    ['MBRA', MSFT, 'DELIVER', 20, '8202.5000', '8202.5000', '8000.0000', '-202.5000', `20261125-MBRA-${MSFT}`],
    ['MBRB', AAPL, 'DELIVER', 400, '76000.0000', '76000.0000', '75950.0000', '-50.0000', `20261125-MBRB-${AAPL}`],
    ['MBRB', GOOG, 'FLAT', 0, '0.0000', '0.0000', '250.0000', '250.0000', ''],
    ['MBRB', MSFT, 'RECEIVE', 50, '20506.2500', '-20506.2500', '-20000.0000', '506.2500', `20261125-MBRB-${MSFT}`],
    ['MBRC', AAPL, 'RECEIVE', 100, '19000.0000', '-19000.0000', '-19100.0000', '-100.0000', `20261125-MBRC-${AAPL}`],
    ['MBRC', GOOG, 'RECEIVE', 1000, '12345.6789', '-12345.6789', '-12550.0000', '-204.3211', `20261125-MBRC-${GOOG}`],
    ['MBRC', MSFT, 'DELIVER', 30, '12303.7500', '12303.7500', '12000.0000', '-303.7500', `20261125-MBRC-${MSFT}`],
  ]);
  t.is(c.instructionCount, 8);
  // The carried fail: MBRC's −50 new and +20 carried make a delivery of 30.
  const cMsft = c.obligations.find((o) => o.member.id === 'MBRC' && o.security.isin === MSFT)!;
  t.deepEqual([cMsft.newNetQty, cMsft.failQty, cMsft.netQty, cMsft.failSettlDate], [-50, 20, -30, 20261124]);
  t.deepEqual(parseInstructionId(`20261125-MBRC-${MSFT}`), { cycleId: '20261125', member: 'MBRC', isin: MSFT });
  t.is(parseInstructionId('x-y'), undefined);
});

test('worked cycle: money by member, the CCP leg and the total sum to zero', (t) => {
  const c = computeCycle(workedCycle());
  const rows = c.money.map((r) => [r.kind, r.party, fixedTextBig(r.dvpPaid, 4), fixedTextBig(r.dvpReceived, 4), fixedTextBig(r.markToMarket, 4), fixedTextBig(r.net, 4)]);
  t.deepEqual(rows, [
    ['MEMBER', 'MBRA', '57000.0000', '20548.1789', '-98.1789', '-36550.0000'],
    ['MEMBER', 'MBRB', '20506.2500', '76000.0000', '706.2500', '56200.0000'],
    ['MEMBER', 'MBRC', '31345.6789', '12303.7500', '-608.0711', '-19650.0000'],
    ['CCP', 'CLGWUS33XXX', '108851.9289', '108851.9289', '0.0000', '0.0000'],
    ['TOTAL', '', '217703.8578', '217703.8578', '0.0000', '0.0000'],
  ]);
  // Zero sums, computed independently of the TOTAL row.
  let net = 0n;
  let mtm = 0n;
  for (const r of c.money.filter((x) => x.kind !== 'TOTAL')) {
    net += r.net;
    mtm += r.markToMarket;
  }
  t.is(net, 0n);
  t.is(mtm, 0n);
  // Per security the members' net quantities cancel (the CCP leg is flat).
  for (const s of c.securityTotals) {
    t.is(s.netQty, 0n, s.security.isin);
    t.is(s.receiveQty, s.deliverQty, s.security.isin);
  }
  // A member's net money is its contract money, whatever the rounding of each DVP leg.
  for (const r of c.money.filter((x) => x.kind === 'MEMBER'))
    t.is(r.net, c.obligations.filter((o) => o.member.id === r.party).reduce((n, o) => n + BigInt(o.contractMoney), 0n), r.party);
});

test('reports: obligations, carried fails and money by member', (t) => {
  const r = cycleReport(computeCycle(workedCycle()));
  t.deepEqual(
    obligationsByMember(r, 'MBRB').map((x) => [x.isin, x.side, x.quantity, x.amount]),
    [
      [AAPL, 'DELIVER', '400', '76000.0000'],
      [GOOG, 'FLAT', '0', '0.0000'],
      [MSFT, 'RECEIVE', '50', '20506.2500'],
    ],
  );
  t.deepEqual(
    carriedFailsByMember(r).map((x) => [x.member, x.isin, x.failQtyCarried, x.failMoneyCarried, x.failSettlDate]),
    [
      ['MBRA', MSFT, '-20', '8000.0000', '2026-11-24'],
      ['MBRC', MSFT, '20', '-8000.0000', '2026-11-24'],
    ],
  );
  t.deepEqual(moneyByMember(r, 'MBRC').map((x) => [x.net, x.direction]), [['-19650.0000', 'PAY']]);
  t.is(moneyByMember(r).length, 5);
});

function mutate(f: (i: WorkedCycle) => void): CycleInput {
  const i = workedCycle();
  f(i);
  return i;
}

test('an unbalanced cycle is refused, naming the security and the CCP leg', (t) => {
  const err = t.throws(() => computeCycle(mutate((i) => (i.positions[0]!.netQty = 301))));
  t.true(isGatewayError(err, SettlementErrorCode.UNBALANCED_QTY));
  t.regex(err!.message, new RegExp(`${AAPL}: CCP leg -1`));
  const err2 = t.throws(() => computeCycle(mutate((i) => (i.positions[0]!.netMoney = money('-56850.0001')))));
  t.true(isGatewayError(err2, SettlementErrorCode.UNBALANCED_MONEY));
});

test('invalid input is refused with SETTLEMENT_INPUT', (t) => {
  const cases: [string, (i: WorkedCycle) => void][] = [
    ['cycle id', (i) => (i.cycleId = '2026-11-25')],
    ['settlement date', (i) => (i.settlDate = 20261131)],
    ['creation time', (i) => (i.createdAt = '2026-11-24 22:00')],
    ['unknown member', (i) => i.positions.push({ member: 'MBRZ', isin: AAPL, netQty: 0, netMoney: 1 })],
    ['unknown security', (i) => i.positions.push({ member: 'MBRA', isin: 'US0000000000', netQty: 0, netMoney: 1 })],
    ['duplicate position', (i) => i.positions.push({ ...i.positions[0]! })],
    ['fractional quantity', (i) => (i.positions[0]!.netQty = 0.5)],
    ['bad BIC', (i) => (i.ccp = { ...i.ccp, bic: 'CLGW-US33' })],
    ['bad LEI', (i) => (i.ccp = { ...i.ccp, lei: '5493001KJTIIGC8Y1R13' })],
    ['long account', (i) => (i.members[0]!.securitiesAccount = 'X'.repeat(36))],
    ['CUSIP not of the ISIN', (i) => (i.securities[1]!.cusip = '594918104')],
    ['depository without BIC or address', (i) => (i.depository = { name: 'D', safekeepingAccount: 'A' })],
    ['fail after the settlement date', (i) => (i.positions[3]!.failSettlDate = 20261126)],
  ];
  for (const [what, f] of cases) t.is(codeOf(() => computeCycle(mutate(f))), SettlementErrorCode.INPUT, what);
});
