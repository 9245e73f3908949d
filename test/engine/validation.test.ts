/**
 * Every validation rule of ClearingEngine.submitTrade: the exact 751 code and Text, one FAILED stage
 * event (trade id 0, previous stage RECEIVED) and no state change.
 */
import test from 'ava';
import { TradeStage } from '../../src/generated/gateway-internal/TradeStage.js';
import { TradeStatus, type TradeReport } from '../../src/engine/types.js';
import { AAPL, BIZ, EUROBOND, IBM, NEWCO, TBILL, makeEngine, oneSided, px, side, twoSided } from './fixtures.js';

type Case = { name: string; cmd: () => TradeReport; reason: number; text: string; before?: (e: ReturnType<typeof makeEngine>['engine']) => void };

const C: Case[] = [
  { name: 'TransType', cmd: () => twoSided({ transType: 5 as never }), reason: 99, text: 'TradeReportTransType (487) 5 is not supported: 0 new, 1 cancel, 2 replace' },
  { name: 'empty TradeReportID', cmd: () => twoSided({ reportId: '' }), reason: 99, text: 'TradeReportID (571) is required' },
  { name: 'long TradeReportID', cmd: () => twoSided({ reportId: 'X'.repeat(65) }), reason: 99, text: 'TradeReportID (571) is longer than 64 characters' },
  {
    name: 'ClearingBusinessDate',
    cmd: () => twoSided({ clearingBusinessDate: 20260114 }),
    reason: 99,
    text: 'ClearingBusinessDate (715) 20260114 is not the current clearing business date 20260115',
  },
  { name: 'unknown submitter', cmd: () => twoSided({ submitter: 'NOPE' }), reason: 3, text: 'submitter NOPE is not a clearing member' },
  { name: 'suspended submitter', cmd: () => twoSided({ buyer: 'SUSP' }), reason: 3, text: 'member SUSP is suspended' },
  { name: 'source', cmd: () => twoSided({ source: 'fax' as never }), reason: 99, text: "report source fax is neither 'member' nor 'venue'" },
  {
    name: 'duplicate TradeReportID',
    before: (e) => e.submitTrade(twoSided(), 1n),
    cmd: () => twoSided({ qty: 200 }),
    reason: 99,
    text: 'TradeReportID (571) R1 is a duplicate: MBR1 already reported it on 20260115',
  },
  { name: 'NoSides 3', cmd: () => twoSided({ sideCount: 3 }), reason: 1, text: 'NoSides (552) 3: a report has 1 side (one-sided, matched) or 2 sides (locked-in)' },
  { name: 'NoSides > sides given', cmd: () => twoSided({ sides: [side(1, 'MBR1')] }), reason: 1, text: 'NoSides (552) 2: a report has 1 side (one-sided, matched) or 2 sides (locked-in)' },
  {
    name: 'one-sided venue report',
    cmd: () => ({ ...oneSided('MBR1', 1, 'MBR2'), source: 'venue', submitter: 'XNYS' }),
    reason: 1,
    text: 'a venue report must be two-sided (NoSides (552) = 2)',
  },
  { name: 'Side code', cmd: () => twoSided({ sides: [side(3 as never, 'MBR1'), side(2, 'MBR2')] }), reason: 99, text: 'side 1: Side (54) 3 must be 1 (buy) or 2 (sell)' },
  { name: 'unknown clearing firm', cmd: () => twoSided({ seller: 'ZZZ' }), reason: 1, text: 'side 2: clearing firm (PartyRole 4) ZZZ is not a clearing member' },
  { name: 'suspended clearing firm', cmd: () => twoSided({ seller: 'SUSP' }), reason: 3, text: 'side 2: clearing firm SUSP is suspended' },
  {
    name: 'unknown account',
    cmd: () => twoSided({ sides: [side(1, 'MBR1', 'NOPE'), side(2, 'MBR2')] }),
    reason: 1,
    text: 'side 1: account NOPE is not an account of member MBR1',
  },
  {
    name: 'two buys',
    cmd: () => twoSided({ sides: [side(1, 'MBR1'), side(1, 'MBR2')] }),
    reason: 1,
    text: 'NoSides (552): both sides are buy; a two-sided report needs one buy and one sell',
  },
  {
    name: 'same firm and account',
    cmd: () => twoSided({ seller: 'MBR1' }),
    reason: 1,
    text: "both sides are member MBR1 account '': an internal cross needs two different accounts",
  },
  { name: 'submitter clears neither side', cmd: () => twoSided({ submitter: 'MBR3' }), reason: 3, text: 'submitter MBR3 clears neither side (buyer MBR1, seller MBR2)' },
  {
    name: "one-sided for another member's side",
    cmd: () => oneSided('MBR1', 1, 'MBR2', { submitter: 'MBR2' }),
    reason: 3,
    text: 'submitter MBR2 cannot report a side cleared by MBR1',
  },
  { name: 'one-sided without contra', cmd: () => oneSided('MBR1', 1, ''), reason: 1, text: 'a one-sided report needs the contra clearing firm (PartyRole 17)' },
  { name: 'unknown contra', cmd: () => oneSided('MBR1', 1, 'ZZZ'), reason: 1, text: 'contra clearing firm (PartyRole 17) ZZZ is not a clearing member' },
  { name: 'suspended contra', cmd: () => oneSided('MBR1', 1, 'SUSP'), reason: 3, text: 'contra clearing firm SUSP is suspended' },
  { name: 'TrdType', cmd: () => twoSided({ trdType: 2 }), reason: 4, text: 'TrdType (828) 2 is not accepted: 0 (regular) or 1 (block)' },
  { name: 'SecurityIDSource', cmd: () => twoSided({ securityIdSource: 8 }), reason: 2, text: 'SecurityIDSource (22) 8 is not supported: 4 (ISIN) or 1 (CUSIP)' },
  { name: 'unknown ISIN', cmd: () => twoSided({ securityId: 'US0231351067' }), reason: 2, text: 'SecurityID (48) US0231351067 (ISIN) is not in the securities master' },
  {
    name: 'unknown CUSIP',
    cmd: () => twoSided({ securityId: '023135106', securityIdSource: 1 }),
    reason: 2,
    text: 'SecurityID (48) 023135106 (CUSIP) is not in the securities master',
  },
  {
    name: 'ISIN sent as CUSIP',
    cmd: () => twoSided({ securityId: AAPL.isin, securityIdSource: 1 }),
    reason: 2,
    text: 'SecurityID (48) US0378331005 (CUSIP) is not in the securities master',
  },
  {
    name: 'not depository eligible',
    cmd: () => twoSided({ securityId: EUROBOND.isin, qty: 1000, price: px('101.5') }),
    reason: 2,
    text: `security ${EUROBOND.isin} is not eligible for CNS settlement at the depository`,
  },
  { name: 'currency', cmd: () => twoSided({ currency: 'EUR' }), reason: 99, text: 'Currency (15) EUR is not the currency of US0378331005 (USD)' },
  { name: 'qty 0', cmd: () => twoSided({ qty: 0 }), reason: 99, text: 'LastQty (32) 0 must be a positive integer' },
  { name: 'qty negative', cmd: () => twoSided({ qty: -100 }), reason: 99, text: 'LastQty (32) -100 must be a positive integer' },
  { name: 'qty fractional', cmd: () => twoSided({ qty: 1.5 }), reason: 99, text: 'LastQty (32) 1.5 must be a positive integer' },
  { name: 'qty unsafe', cmd: () => twoSided({ qty: 2 ** 53 }), reason: 99, text: 'LastQty (32) 9007199254740992 must be a positive integer' },
  {
    name: 'lot size',
    cmd: () => twoSided({ securityId: IBM.isin, qty: 150, price: px('160.5') }),
    reason: 99,
    text: 'LastQty (32) 150 is not a multiple of the lot size 100 of US4592001014',
  },
  { name: 'price 0', cmd: () => twoSided({ price: 0 }), reason: 99, text: 'LastPx (31) mantissa 0 must be a positive integer (10^-9)' },
  {
    name: 'no reference price',
    cmd: () => twoSided({ securityId: NEWCO.isin, price: px('10') }),
    reason: 6,
    text: `${NEWCO.isin} has no reference price to check LastPx (31) 10 against its ±500 bp band`,
  },
  {
    name: 'above the band',
    cmd: () => twoSided({ price: px('205.975000001') }),
    reason: 5,
    text: 'LastPx (31) 205.975000001 is outside the band 168.525..205.975 of US0378331005 (±1000 bp around 187.25)',
  },
  {
    name: 'below the band',
    cmd: () => twoSided({ price: px('168.524999999') }),
    reason: 5,
    text: 'LastPx (31) 168.524999999 is outside the band 168.525..205.975 of US0378331005 (±1000 bp around 187.25)',
  },
  { name: 'TradeDate invalid', cmd: () => twoSided({ tradeDate: 20260230 }), reason: 99, text: 'TradeDate (75) 20260230 is not a valid date (yyyymmdd)' },
  { name: 'TradeDate weekend', cmd: () => twoSided({ tradeDate: 20260117 }), reason: 99, text: 'TradeDate (75) 20260117 is not a business day' },
  { name: 'TradeDate future', cmd: () => twoSided({ tradeDate: 20260116 }), reason: 99, text: 'TradeDate (75) 20260116 is after the clearing business date 20260115' },
  { name: 'SettlDate invalid', cmd: () => twoSided({ settlDate: 20260132 }), reason: 99, text: 'SettlDate (64) 20260132 is not a valid date (yyyymmdd)' },
  { name: 'SettlDate holiday', cmd: () => twoSided({ settlDate: 20260119 }), reason: 99, text: 'SettlDate (64) 20260119 is not a business day' },
  {
    name: 'SettlDate before TradeDate',
    cmd: () => twoSided({ tradeDate: 20260114, settlDate: 20260113 }),
    reason: 99,
    text: 'SettlDate (64) 20260113 is before TradeDate (75) 20260114',
  },
  {
    name: 'SettlDate too far',
    cmd: () => twoSided({ settlDate: 20270118 }),
    reason: 99,
    text: 'SettlDate (64) 20270118 is more than 366 days after TradeDate (75) 20260115',
  },
  {
    name: 'T+1 of an old trade is in the past',
    cmd: () => twoSided({ tradeDate: 20260113 }),
    reason: 99,
    text: 'SettlDate (64) 20260114 is before the clearing business date 20260115',
  },
  {
    name: 'SettlDate already in its cycle',
    before: (e) => e.rollForward(20260116, 20260120),
    cmd: () => twoSided(),
    reason: 99,
    text: 'SettlDate (64) 20260116 is already in its settlement cycle',
  },
  {
    name: 'notional beyond the exact range',
    cmd: () => twoSided({ securityId: TBILL.isin, qty: 100_000_000_000, price: px('98.765432') }),
    reason: 7,
    text: 'notional of LastQty (32) 100000000000 × LastPx (31) 98.765432 exceeds the exact range (2^53-1 at 10^-4)',
  },
];

for (const c of C)
  test(`751=${c.reason}: ${c.name}`, (t) => {
    const { engine, events } = makeEngine();
    c.before?.(engine);
    events.clear();
    const digest = engine.stateDigest();
    const o = engine.submitTrade(c.cmd(), 7n);
    t.is(o.status, TradeStatus.Rejected);
    t.is(o.rejectReason, c.reason);
    t.is(o.text, c.text);
    t.is(o.tradeId, 0n);
    t.deepEqual(events.log, [{ kind: 'stage', tradeId: 0n, stage: TradeStage.Failed, previous: TradeStage.Received, reason: c.reason, atNs: 7n }]);
    t.is(engine.stateDigest(), digest, 'no state change');
  });

test('accepted variants: CUSIP, explicit settlement date, internal cross, block, venue, band edges', (t) => {
  const { engine } = makeEngine();
  const ok = (cmd: TradeReport): number => {
    const o = engine.submitTrade(cmd, 1n);
    t.is(o.text, '', cmd.reportId);
    t.is(o.status, TradeStatus.Accepted, cmd.reportId);
    return o.settlDate;
  };
  t.is(ok(twoSided({ reportId: 'C1', securityId: AAPL.cusip!, securityIdSource: 1 })), 20260116);
  t.is(ok(twoSided({ reportId: 'C2', settlDate: 20260120 })), 20260120);
  t.is(ok(twoSided({ reportId: 'C3', sides: [side(2, 'MBR1', 'CUST1'), side(1, 'MBR1', 'CUST2')] })), 20260116);
  t.is(ok(twoSided({ reportId: 'C4', trdType: 1 })), 20260116);
  t.is(ok({ ...twoSided({ reportId: 'C5', buyer: 'MBR2', seller: 'MBR3' }), source: 'venue', submitter: 'XNYS' }), 20260116);
  t.is(ok(twoSided({ reportId: 'C6', price: px('205.975') })), 20260116);
  t.is(ok(twoSided({ reportId: 'C7', price: px('168.525') })), 20260116);
  t.is(ok(twoSided({ reportId: 'C8', tradeDate: 20260114, settlDate: 20260115 })), 20260115, 'as-of trade settling today');
  t.is(ok(twoSided({ reportId: 'C9', clearingBusinessDate: BIZ, currency: 'USD' })), 20260116);
  t.is(ok(twoSided({ reportId: 'C10', securityId: TBILL.isin, price: px('1') })), 20260116, 'no band: any positive price');
  t.is(engine.tradeCount, 10);
  const cross = engine.trade(3n)!;
  t.is(cross.buyer, 'MBR1');
  t.is(cross.seller, 'MBR1');
  t.is(cross.buyAccount, 'CUST2');
  t.is(cross.sellAccount, 'CUST1');
  t.is(engine.trade(5n)!.source, 'venue');
  t.is(engine.trade(5n)!.buySubmitter, 'XNYS');
});

test('a rejected report id is not consumed: the corrected report may reuse it', (t) => {
  const { engine } = makeEngine();
  t.is(engine.submitTrade(twoSided({ price: px('300') }), 1n).rejectReason, 5);
  t.is(engine.submitTrade(twoSided(), 2n).status, TradeStatus.Accepted);
});

test('report ids are per submitter: two members may use the same id', (t) => {
  const { engine } = makeEngine();
  t.is(engine.submitTrade(twoSided(), 1n).status, TradeStatus.Accepted);
  t.is(engine.submitTrade(twoSided({ buyer: 'MBR2', seller: 'MBR3' }), 2n).status, TradeStatus.Accepted);
  t.is(engine.submitTrade({ ...twoSided(), source: 'venue', submitter: 'XNYS' }, 3n).status, TradeStatus.Accepted);
  t.is(engine.submitTrade({ ...twoSided(), source: 'venue', submitter: 'XNYS' }, 4n).rejectReason, 99);
});
