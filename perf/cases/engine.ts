/**
 * Clearing engine alone, no I/O: trades through validate → enrich → risk → match → novate → net
 * (and the MARGIN_OK / PENDING_SETTLEMENT stage events), with a sink that discards events.
 *
 * Reference data: 50 members × 500 securities (synthetic, test/engine/fixtures.ts). Commands are
 * pre-built (unique report ids; the side objects are shared, the engine keeps nothing of them), and
 * every timed run uses a fresh engine pre-sized for the run, so table growth is not measured.
 * onRiskBreach 'marginCall' with generous limits: every report is accepted.
 *
 * impls (unit ns/trade, wall; extra.cpuNsPerTrade = process CPU time per trade, extra.tradesPerSec =
 * 1e9 / wall median):
 * - `two-sided`: every report is a locked-in two-sided report; no margin model (validate → net).
 * - `mixed`: half the trades two-sided, half from one-sided report pairs that match (2 reports → 1
 *   trade, the mirror ~100 reports later, so the book holds ~100 waiting reports).
 * - `two-sided+margin`: as two-sided with MarginBook and CollateralBook (src/engine/margin.ts,
 *   collateral.ts): incremental VaR and the exposure check per trade.
 * extra.allocBytesPerTrade / gcPerRound (two-sided): harness.allocProbe over 50,000 more trades on a
 * warmed engine. The contract's bigint trade id (TradeOutcome.tradeId, tradeStage) is one small
 * BigInt per accepted trade.
 */
import { CollateralBook } from '../../src/engine/collateral.js';
import { ClearingEngine } from '../../src/engine/engine.js';
import { MarginBook } from '../../src/engine/margin.js';
import type { EngineOptions, RefData, TradeReport, TradeSide } from '../../src/engine/types.js';
import { NO_EVENTS, BIZ, sampleConfig, syntheticRefData } from '../../test/engine/fixtures.js';
import type { Case, Result } from '../harness.js';
import { allocProbe, summarise } from '../harness.js';

const MEMBERS = 50;
const SECURITIES = 500;
const PER_RUN = 200_000;
const RUNS = 7;
const NOW = 1_768_485_600_000_000_000n;

let refdataCache: RefData | undefined;
function refdata(): RefData {
  return (refdataCache ??= syntheticRefData(MEMBERS, SECURITIES));
}

/** Shared side objects per (member, side, account). */
function sidesTable(rd: RefData): TradeSide[][] {
  return rd.members.map((m) => [
    { side: 1, clearingFirm: m.id, executingFirm: m.id, account: 'CUST' },
    { side: 2, clearingFirm: m.id, executingFirm: m.id, account: 'HOUSE' },
  ]);
}

function base(rd: RefData, i: number): { buyer: number; seller: number; isin: string; qty: number; price: number } {
  const buyer = (i * 7) % MEMBERS;
  const seller = (buyer + 1 + (i % (MEMBERS - 1))) % MEMBERS;
  const sec = (i * 13 + (i >> 7)) % SECURITIES;
  const s = rd.securities[sec];
  return { buyer, seller, isin: s.isin, qty: 100 * (1 + (i % 50)), price: s.price + ((i % 21) - 10) * 10_000_000 };
}

/**
 * One command shape for every report (all fields, contraFirm included, in one order): an adapter
 * reuses one object per command kind, and objects of several shapes would measure V8's megamorphic
 * property lookups (spread-built objects did: 5x slower), not the engine.
 */
function report(
  submitter: string,
  reportId: string,
  isin: string,
  qty: number,
  price: number,
  sides: TradeSide[],
  sideCount: number,
  contraFirm: string,
): TradeReport {
  return {
    source: 'member',
    submitter,
    transType: 0,
    reportId,
    refId: '',
    matchId: '',
    trdType: 0,
    securityId: isin,
    securityIdSource: 4,
    qty,
    price,
    currency: '',
    tradeDate: BIZ,
    settlDate: 0,
    clearingBusinessDate: 0,
    sides,
    sideCount,
    contraFirm,
  };
}

function twoSidedCommands(n: number, tag: string): TradeReport[] {
  const rd = refdata();
  const sides = sidesTable(rd);
  const out: TradeReport[] = [];
  for (let i = 0; i < n; i++) {
    const b = base(rd, i);
    out.push(report(rd.members[b.buyer].id, `${tag}${i}`, b.isin, b.qty, b.price, [sides[b.buyer][0], sides[b.seller][1]], 2, ''));
  }
  return out;
}

/** Half two-sided, half one-sided pairs; returns the commands and the number of trades they make. */
function mixedCommands(trades: number): { cmds: TradeReport[]; trades: number } {
  const rd = refdata();
  const sides = sidesTable(rd);
  const out: TradeReport[] = [];
  const pending: TradeReport[] = [];
  let made = 0;
  for (let i = 0; made < trades; i++) {
    const b = base(rd, i);
    const buyId = rd.members[b.buyer].id;
    const sellId = rd.members[b.seller].id;
    if (i % 2 === 0) {
      out.push(report(buyId, `X${i}`, b.isin, b.qty, b.price, [sides[b.buyer][0], sides[b.seller][1]], 2, ''));
      made++;
    } else {
      out.push(report(buyId, `B${i}`, b.isin, b.qty, b.price, [sides[b.buyer][0]], 1, sellId));
      // the seller's mirror arrives ~100 reports later
      pending.push(report(sellId, `S${i}`, b.isin, b.qty, b.price, [sides[b.seller][1]], 1, buyId));
      if (pending.length > 100) {
        out.push(pending.shift()!);
        made++;
      }
    }
  }
  while (pending.length > 0) {
    out.push(pending.shift()!);
    made++;
  }
  return { cmds: out, trades: made };
}

function engine(options: EngineOptions = { margin: null, collateral: null }): ClearingEngine {
  return new ClearingEngine(refdata(), sampleConfig({ onRiskBreach: 'marginCall' }), NO_EVENTS, BIZ, { initialCapacity: PER_RUN * 2, ...options });
}

/**
 * Wall time per trade (the result) and process CPU time per trade (extra.cpuNsPerTrade: what the
 * engine costs when the 2-core machine is shared, as it usually is here).
 */
function timed(name: string, impl: string, cmds: TradeReport[], trades: number, make: () => ClearingEngine): Result {
  const samples: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < RUNS + 1; r++) {
    const e = make();
    globalThis.gc?.(); // construction garbage out of the way
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < cmds.length; i++) e.submitTrade(cmds[i], NOW);
    const ns = Number(process.hrtime.bigint() - t0);
    const c = process.cpuUsage(c0);
    if (e.tradeCount !== trades) throw new Error(`${impl}: ${e.tradeCount} trades, expected ${trades}`);
    if (r > 0) {
      samples.push(ns / trades); // run 0 warms the JIT
      cpu.push(((c.user + c.system) * 1000) / trades);
    }
  }
  const res = summarise(name, impl, 'ns/trade', samples);
  const cpuMedian = summarise(name, impl, 'ns/trade', cpu).median;
  res.extra = { tradesPerSec: Math.round(1e9 / res.median), cpuNsPerTrade: cpuMedian, trades };
  return res;
}

async function twoSided(): Promise<Result> {
  const cmds = twoSidedCommands(PER_RUN, 'T');
  const r = timed('engine.trade', 'two-sided', cmds, PER_RUN, () => engine());
  // GC probe on a warmed engine: 200,000 warm-up calls inside allocProbe, then 50,000 measured (few
  // enough that the per-trade allocation stays inside new space, so bytes/trade is measurable).
  const probeCmds = twoSidedCommands(250_000, 'G');
  const e = engine();
  let i = 0;
  const probe = await allocProbe(() => void e.submitTrade(probeCmds[i++], NOW), 50_000);
  r.extra = { ...r.extra, allocBytesPerTrade: probe.bytesPerOp, gcPerRound: probe.gcEvents };
  return r;
}

function mixed(): Result {
  const { cmds, trades } = mixedCommands(PER_RUN);
  const r = timed('engine.trade', 'mixed', cmds, trades, () => engine());
  r.extra = { ...r.extra, reports: cmds.length };
  return r;
}

/** Fresh margin and collateral books per run (they hold state); 30 scenarios in the synthetic file. */
function withMargin(): Result {
  const cmds = twoSidedCommands(PER_RUN / 4, 'M');
  const r = timed('engine.trade', 'two-sided+margin', cmds, PER_RUN / 4, () =>
    engine({ margin: new MarginBook(refdata(), sampleConfig()), collateral: new CollateralBook(refdata()) }),
  );
  r.extra = { ...r.extra, scenarios: refdata().scenarios.dates.length - sampleConfig().margin.mporDays };
  return r;
}

export const cases: Case[] = [
  { name: 'engine.trade', impl: 'two-sided', run: twoSided },
  { name: 'engine.trade', impl: 'mixed', run: mixed },
  { name: 'engine.trade', impl: 'two-sided+margin', run: withMargin },
];
