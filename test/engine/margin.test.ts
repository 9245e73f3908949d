import test from 'ava';
import { isGatewayError } from '../../src/codec/errors.js';
import { MarginBook, MarginCode } from '../../src/engine/margin.js';
import { MarginErrorCode, SMALL_RANK, divHalfEven, nthSmallest, quickselect, varRank } from '../../src/engine/scenarios.js';
import type { RefData } from '../../src/engine/types.js';
import { type SecSpec, USD, config, dates, mulberry32, refData } from './margin-fixtures.js';

// ------------------------------------------------------------------------------------------ the hand case
//
// 3 securities with history × 6 days, MPOR h = 2 → K = 4 scenarios (moves day k → day k+2), plus two
// securities without history. Prices are system prices; closes in dollars (× 10^9 in the file).
//
//   A equity  price $100      = 1,000,000 (10^-4)  closes 100 102  98 101  95  99
//   B equity  price $50.0001  =   500,001           closes  40  41  60  42  44  41
//   C etf     price $1.0003   =    10,003           closes   2   2   3   1   2   1
//   D equity  price $10, no history;  E govt price $5, no history
//
// shock[s][k] = round_half_even(price × (close[k+2]/close[k] − 1)), money 10^-4:
//   A: k0 98/100−1 = −0.02 → −20000;   k1 101/102−1 → −9803.92 → −9804;
//      k2 95/98−1 → −30612.24 → −30612; k3 99/101−1 → −19801.98 → −19802
//   B: k0 60/40−1 = +0.5 → 250000.5 → 250000 (tie, to even);  k1 42/41−1 → 12195.15 → 12195;
//      k2 44/60−1 → −133333.6 → −133334;                      k3 41/42−1 → −11904.79 → −11905
//   C: k0 3/2−1 = +0.5 → 5001.5 → 5002 (tie, to even);  k1 1/2−1 → −5001.5 → −5002;
//      k2 2/3−1 → −3334.33 → −3334;                     k3 1/1−1 → 0
//
// Member 0: +10 A, −20 B, +100 C.
//   pnl k0 = 10(−20000) − 20(250000) + 100(5002)   = −200000 − 5000000 + 500200 = −4,699,800
//   pnl k1 = 10(−9804)  − 20(12195)  + 100(−5002)  = −98040 − 243900 − 500200  =   −842,140
//   pnl k2 = 10(−30612) − 20(−133334) + 100(−3334) = −306120 + 2666680 − 333400 =  2,027,160
//   pnl k3 = 10(−19802) − 20(−11905) + 0           = −198020 + 238100           =     40,080
//   sorted: −4,699,800 < −842,140 < 40,080 < 2,027,160
//   99%: n = ⌈0.01 × 4⌉ = 1 → VaR = 4,699,800 ($469.98)
//   gap (top 2, 150 bps): MV A = 10 × $100 = 10,000,000; B = 20 × $50.0001 = 10,000,020;
//   C = 100 × $1.0003 = 1,000,300 → top 2 = B + A = 20,000,020 → × 1.5% = 300,000.3 → up → 300,001
//   requirement = 4,699,800 + 300,001 = 4,999,801
//
// Member 1: −3 D, +4 E (no history). Equity's worst |2-day move| in the file is B's 0.5 → D loses
// ⌈$10 × 0.5⌉ = 50,000 per unit; no govt has history → E loses 100% = 50,000 per unit.
//   no-history add-on = 3 × 50,000 + 4 × 50,000 = 350,000; VaR = 0 (no P&L vector);
//   gap: MV D = 300,000, E = 200,000 → 500,000 × 1.5% = 7,500; requirement = 357,500

const HAND: SecSpec[] = [
  { isin: 'A', assetClass: 'equity', price: 100 * USD, closes: [100, 102, 98, 101, 95, 99].map((c) => c * USD) },
  { isin: 'B', assetClass: 'equity', price: 50_000_100_000, closes: [40, 41, 60, 42, 44, 41].map((c) => c * USD) },
  { isin: 'C', assetClass: 'etf', price: 1_000_300_000, closes: [2, 2, 3, 1, 2, 1].map((c) => c * USD) },
  { isin: 'D', assetClass: 'equity', price: 10 * USD },
  { isin: 'E', assetClass: 'govt', price: 5 * USD },
];

function handBook(margin: Parameters<typeof config>[0] = {}): MarginBook {
  const book = new MarginBook(refData(HAND, 2, dates(6)), config(margin));
  book.onPositionDelta(0, 0, 10);
  book.onPositionDelta(0, 1, -20);
  book.onPositionDelta(0, 2, 100);
  book.onPositionDelta(1, 3, -3);
  book.onPositionDelta(1, 4, 4);
  return book;
}

test('hand case: shocks, P&L vector, VaR, gap add-on, requirement', (t) => {
  const book = handBook();
  t.is(book.scenarioCount, 4);
  const shocks = [0, 1, 2].map((s) => [0, 1, 2, 3].map((k) => book.shock(s, k)));
  t.deepEqual(shocks, [
    [-20000, -9804, -30612, -19802],
    [250000, 12195, -133334, -11905],
    [5002, -5002, -3334, 0],
  ]);
  t.deepEqual([...book.scenarioPnl(0, new Float64Array(4))], [-4_699_800, -842_140, 2_027_160, 40_080]);
  t.deepEqual(book.components(0), { var: 4_699_800n, gapAddOn: 300_001n, noHistoryAddOn: 0n });
  t.is(book.requirement(0), 4_999_801n);
  t.is(book.noHistoryLoss(3), 50_000);
  t.is(book.noHistoryLoss(4), 50_000);
  t.deepEqual(book.components(1), { var: 0n, gapAddOn: 7_500n, noHistoryAddOn: 350_000n });
  t.is(book.requirement(1), 357_500n);
  book.recomputeAll();
  t.is(book.requirement(0), 4_999_801n);
  t.is(book.requirement(1), 357_500n);
});

test('quantile convention: n = max(1, ⌈(1 − c) K⌉), VaR = max(0, −x(n))', (t) => {
  t.is(varRank(500, 9900), 5);
  t.is(varRank(4, 9900), 1);
  t.is(varRank(4, 7500), 1); // exactly 1
  t.is(varRank(4, 7499), 2); // just over 1 → 2
  t.is(varRank(4, 10000), 1);
  t.is(varRank(4, 1), 4);
  const at = (c: number): bigint => handBook({ confidenceBps: c }).components(0).var;
  t.is(at(9900), 4_699_800n); // x(1)
  t.is(at(7500), 4_699_800n); // x(1)
  t.is(at(7499), 842_140n); // x(2)
  t.is(at(5000), 842_140n); // x(2)
  t.is(at(2500), 0n); // x(3) = +40,080: a gain, floored at 0
});

test('selection: nthSmallest agrees with a sort on both paths, with ties', (t) => {
  const rnd = mulberry32(7);
  const scratch = new Float64Array(600);
  for (let trial = 0; trial < 300; trial++) {
    const len = 1 + Math.floor(rnd() * 500);
    const v = new Float64Array(len + 10);
    for (let i = 0; i < v.length; i++) v[i] = Math.floor(rnd() * 21) - 10 + (trial % 3 === 0 ? 0 : Math.floor(rnd() * 1e9));
    const off = 3;
    const sorted = [...v.subarray(off, off + len)].sort((a, b) => a - b);
    const n = 1 + Math.floor(rnd() * len);
    t.is(nthSmallest(v, off, len, n, scratch), sorted[n - 1], `len ${len} n ${n}`);
    const small = Math.min(len, 1 + Math.floor(rnd() * SMALL_RANK));
    t.is(nthSmallest(v, off, len, small, scratch), sorted[small - 1]);
  }
  const a = new Float64Array([5, 5, 5, 1, 5]);
  t.is(quickselect(a, 5, 0), 1);
  t.is(divHalfEven(5n, 2n), 2n);
  t.is(divHalfEven(7n, 2n), 4n);
  t.is(divHalfEven(-5n, 2n), -2n);
  t.is(divHalfEven(-7n, 2n), -4n);
});

test('gap add-on: the top N by |qty| × price, rounded up once', (t) => {
  // five securities, no history needed for the gap; prices chosen so that |q| × price ties and orders
  const secs: SecSpec[] = [
    { isin: 'P', assetClass: 'equity', price: 3 * USD },
    { isin: 'Q', assetClass: 'equity', price: 7 * USD },
    { isin: 'R', assetClass: 'equity', price: 2 * USD },
    { isin: 'S', assetClass: 'equity', price: 1_000_000_001 }, // $1.000000001
    { isin: 'T', assetClass: 'equity', price: 5 * USD },
  ];
  const book = new MarginBook(refData(secs, 1, dates(3)), config({ gapTopN: 3, gapAddOnBps: 33 }));
  book.onPositionDelta(0, 0, -10); // $30
  book.onPositionDelta(0, 1, 2); // $14
  book.onPositionDelta(0, 2, 15); // $30 (ties with P)
  book.onPositionDelta(0, 3, -29); // $29.000000029
  book.onPositionDelta(0, 4, 1); // $5
  // top 3 = 30 + 30 + 29.000000029 = $89.000000029 → 890000.00029 (10^-4) × 33 / 10^4 = 2937.0000000957 → 2938
  t.is(book.components(0).gapAddOn, 2938n);
  // closing R removes it from the top: 30 + 29.000000029 + 14 = 73.000000029 → 240.9000000957... → 2409.0000000957 → 2410
  book.onPositionDelta(0, 2, -15);
  t.is(book.positionCount(0), 4);
  t.is(book.components(0).gapAddOn, 2410n);
  // N larger than the number of positions: all of them (30 + 14 + 29.000000029 + 5 = 78.000000029)
  const all = new MarginBook(refData(secs, 1, dates(3)), config({ gapTopN: 10, gapAddOnBps: 10000 }));
  all.onPositionDelta(0, 0, -10);
  all.onPositionDelta(0, 1, 2);
  all.onPositionDelta(0, 3, -29);
  all.onPositionDelta(0, 4, 1);
  t.is(all.components(0).gapAddOn, 780_001n); // 780000.00029 → up
  // no add-on configured
  const none = new MarginBook(refData(secs, 1, dates(3)), config({ gapTopN: 0 }));
  none.onPositionDelta(0, 0, 5);
  t.is(none.components(0).gapAddOn, 0n);
});

// ------------------------------------------------------------------------------------------ reference model

/** An independent, slow, all-bigint model of the method (sorts, no incremental state). */
function reference(rd: RefData, prices: number[], h: number, conf: number, topN: number, gapBps: number, qty: Map<string, number>, m: number): bigint {
  const D = rd.scenarios.dates.length;
  const K = D - h;
  const row = new Map(rd.scenarios.isins.map((isin, r) => [isin as string, r]));
  // worst move per class over securities with history
  const worst = new Map<string, [bigint, bigint]>();
  rd.securities.forEach((sec) => {
    const r = row.get(sec.isin);
    if (r === undefined) return;
    const c = rd.scenarios.closes[r]!;
    for (let k = 0; k < K; k++) {
      const num = BigInt(Math.abs(c[k + h]! - c[k]!));
      const den = BigInt(c[k]!);
      const w = worst.get(sec.assetClass);
      if (w === undefined || num * w[1] > w[0] * den) worst.set(sec.assetClass, [num, den]);
    }
  });
  const pnl = new Array<bigint>(K).fill(0n);
  let nh = 0n;
  const mvs: bigint[] = [];
  rd.securities.forEach((sec, s) => {
    const q = BigInt(qty.get(`${m}:${s}`) ?? 0);
    if (q === 0n) return;
    const p = BigInt(prices[s]!);
    mvs.push((q < 0n ? -q : q) * p);
    const r = row.get(sec.isin);
    if (r === undefined) {
      const [wn, wd] = worst.get(sec.assetClass) ?? [1n, 1n];
      const n = p * wn;
      const d = wd * 100_000n;
      nh += (q < 0n ? -q : q) * (n / d + (n % d === 0n ? 0n : 1n));
      return;
    }
    const c = rd.scenarios.closes[r]!;
    for (let k = 0; k < K; k++) pnl[k] += q * divHalfEven(p * BigInt(c[k + h]! - c[k]!), BigInt(c[k]!) * 100_000n);
  });
  pnl.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let n = Number((BigInt(10000 - conf) * BigInt(K) + 9999n) / 10000n);
  if (n < 1) n = 1;
  const x = pnl[n - 1]!;
  const v = x < 0n ? -x : 0n;
  mvs.sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
  const g = mvs.slice(0, topN).reduce((a, b) => a + b, 0n) * BigInt(gapBps);
  const gap = g / 1_000_000_000n + (g % 1_000_000_000n === 0n ? 0n : 1n);
  return v + gap + nh;
}

function randomWorld(seed: number): { rd: RefData; rnd: () => number } {
  const rnd = mulberry32(seed);
  const classes = ['equity', 'etf', 'govt', 'corp', 'muni'] as const;
  const days = 40;
  const secs: SecSpec[] = [];
  for (let s = 0; s < 30; s++) {
    const price = Math.floor((1 + rnd() * 300) * 10_000) * 100_000 + Math.floor(rnd() * 100_000); // odd digits below 10^-4
    const spec: SecSpec = { isin: `S${s}`, assetClass: classes[s % 5]!, price };
    if (s % 7 !== 3) {
      let c = price;
      spec.closes = [];
      for (let d = 0; d < days; d++) {
        c = Math.max(1000, Math.round(c * (1 + (rnd() - 0.5) * 0.08)));
        spec.closes.push(c);
      }
    }
    secs.push(spec);
  }
  return { rd: refData(secs, 5, dates(days)), rnd };
}

test('incremental == recomputeAll == an independent bigint model, after seeded random deltas and price changes', (t) => {
  for (const seed of [1, 2, 3]) {
    const { rd, rnd } = randomWorld(seed);
    const cfg = config({ confidenceBps: 9500, mporDays: 1 + (seed % 3), gapTopN: 4, gapAddOnBps: 250 });
    const book = new MarginBook(rd, cfg);
    const prices = rd.securities.map((s) => s.price);
    const qty = new Map<string, number>();
    const K = book.scenarioCount;
    for (let step = 0; step < 600; step++) {
      const m = Math.floor(rnd() * 5);
      const s = Math.floor(rnd() * 30);
      const cur = qty.get(`${m}:${s}`) ?? 0;
      const d = rnd() < 0.15 && cur !== 0 ? -cur : Math.floor((rnd() - 0.5) * 2000);
      t.is(book.onPositionDelta(m, s, d), MarginCode.OK);
      qty.set(`${m}:${s}`, cur + d);
      if (step % 97 === 50) {
        const p = Math.floor(prices[s]! * (0.8 + rnd() * 0.4));
        t.is(book.setPrice(s, p), MarginCode.OK);
        prices[s] = p;
      }
      if (step % 25 === 0) {
        for (let mm = 0; mm < 5; mm++) t.is(book.requirement(mm), reference(rd, prices, cfg.margin.mporDays, 9500, 4, 250, qty, mm), `seed ${seed} step ${step} member ${mm}`);
      }
    }
    for (let m = 0; m < 5; m++) for (let s = 0; s < 30; s++) t.is(book.netQty(m, s), qty.get(`${m}:${s}`) ?? 0);
    const before = Array.from({ length: 5 }, (_, m) => [...book.scenarioPnl(m, new Float64Array(K))]);
    const reqBefore = Array.from({ length: 5 }, (_, m) => book.requirement(m));
    book.recomputeAll();
    t.deepEqual(
      Array.from({ length: 5 }, (_, m) => [...book.scenarioPnl(m, new Float64Array(K))]),
      before,
    );
    t.deepEqual(
      Array.from({ length: 5 }, (_, m) => book.requirement(m)),
      reqBefore,
    );
    // a book built at the final prices from the final quantities agrees too
    const rd2: RefData = { ...rd, securities: rd.securities.map((s, i) => ({ ...s, price: prices[i]! })) };
    const fresh = new MarginBook(rd2, cfg);
    for (const [key, q] of qty) {
      const [m, s] = key.split(':').map(Number) as [number, number];
      fresh.onPositionDelta(m, s, q);
    }
    fresh.recomputeAll();
    t.deepEqual(
      Array.from({ length: 5 }, (_, m) => fresh.requirement(m)),
      reqBefore,
    );
  }
});

// ------------------------------------------------------------------------------------------ exact range

test('exact-range refusal: P&L or market value past 2^53 is refused and changes nothing; bigint paths stay exact', (t) => {
  const M = 1_000_000 * USD;
  const secs: SecSpec[] = [
    { isin: 'UP', assetClass: 'equity', price: M, closes: [M, M, 4 * M] }, // +300% in 2 days: 3e10 per unit
    { isin: 'FLAT', assetClass: 'equity', price: 9 * M, closes: [9 * M, 9 * M, 9 * M] }, // no move: only the market value
    { isin: 'FLAT2', assetClass: 'equity', price: 9 * M, closes: [9 * M, 9 * M, 9 * M] },
    { isin: 'X', assetClass: 'etf', price: USD, closes: [USD, USD, 10 * USD] }, // +900%: 90,000 per unit
    { isin: 'Y', assetClass: 'etf', price: USD, closes: [USD, USD, 10 * USD] },
  ];
  const book = new MarginBook(refData(secs, 3, dates(3)), config({ mporDays: 2, gapTopN: 2, gapAddOnBps: 100 }));
  t.is(book.scenarioCount, 1);
  t.is(book.shock(0, 0), 30_000_000_000);

  // one term too big: 400,000 × 3e10 = 1.2e16 > 2^53 − 1
  t.false(book.canApply(0, 0, 400_000));
  t.is(book.onPositionDelta(0, 0, 400_000), MarginCode.RANGE);
  t.regex(book.lastError, /member M0 in UP .*exact \(safe-integer\) range/);
  t.is(book.netQty(0, 0), 0);
  // the sum passes 2^53 only with the second delta: refused, the first stays exact
  t.is(book.onPositionDelta(0, 0, 200_000), MarginCode.OK); // 6e15
  const req0 = book.requirement(0);
  t.false(book.canApply(0, 0, 200_000));
  t.is(book.onPositionDelta(0, 0, 200_000), MarginCode.RANGE);
  t.is(book.netQty(0, 0), 200_000);
  t.deepEqual([...book.scenarioPnl(0, new Float64Array(1))], [6e15]);
  t.is(book.requirement(0), req0);
  // a price that would take the P&L out of range is refused too
  t.is(book.setPrice(0, 2 * M), MarginCode.RANGE);
  t.is(book.shock(0, 0), 30_000_000_000);
  t.is(book.requirement(0), req0);
  t.true(book.canApply(0, 0, -200_000));

  // market value |q| × price past 2^53 at 10^-4: 200,000 × $9M
  t.is(book.onPositionDelta(1, 1, 200_000), MarginCode.RANGE);
  t.regex(book.lastError, /market value/);
  // two large positions whose market values sum past 2^53: the gap add-on is summed in bigint
  const q = 55_555;
  t.is(book.onPositionDelta(1, 1, q), MarginCode.OK);
  t.is(book.onPositionDelta(1, 2, -q), MarginCode.OK);
  const mv = BigInt(q) * BigInt(9 * M); // 10^-9
  const g = 2n * mv * 100n;
  t.is(book.components(1).gapAddOn, g / 1_000_000_000n + (g % 1_000_000_000n === 0n ? 0n : 1n));

  // offsetting positions: incrementally 0, but each term 9e15 > 2^52 → the full run takes the bigint path
  for (let i = 0; i < 10; i++) {
    t.is(book.onPositionDelta(2, 3, 10_000_000_000), MarginCode.OK);
    t.is(book.onPositionDelta(2, 4, -10_000_000_000), MarginCode.OK);
  }
  t.is(book.netQty(2, 3) * book.shock(3, 0), 9e15);
  const req2 = book.requirement(2);
  t.deepEqual(book.components(2), { var: 0n, gapAddOn: 2n * 10n ** 13n, noHistoryAddOn: 0n }); // 2 × $1e11 × 1%
  book.recomputeAll();
  t.deepEqual([...book.scenarioPnl(2, new Float64Array(1))], [0]);
  t.is(book.requirement(2), req2);
  t.is(book.requirement(0), req0);
});

test('validation: bad arguments return ARGUMENT; bad config and history throw with codes', (t) => {
  const book = handBook();
  t.is(book.onPositionDelta(5, 0, 1), MarginCode.ARGUMENT);
  t.is(book.onPositionDelta(0, 9, 1), MarginCode.ARGUMENT);
  t.is(book.onPositionDelta(0, 0, 1.5), MarginCode.ARGUMENT);
  t.is(book.onPositionDelta(0, 0, 0), MarginCode.OK);
  t.is(book.setPrice(0, -1), MarginCode.ARGUMENT);
  t.is(book.requirement(0), 4_999_801n);
  const codeOf = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      return isGatewayError(e) ? e.code : String(e);
    }
    return 'no error';
  };
  t.is(codeOf(() => new MarginBook(refData(HAND, 1, dates(6)), config({ confidenceBps: 0 }))), MarginErrorCode.MARGIN_CONFIG);
  t.is(codeOf(() => new MarginBook(refData(HAND, 1, dates(6)), config({ mporDays: 6 }))), MarginErrorCode.MARGIN_SCENARIOS);
  t.is(codeOf(() => new MarginBook(refData(HAND, 1, dates(6)), config({ mporDays: 0 }))), MarginErrorCode.MARGIN_CONFIG);
  const ragged = refData(HAND, 1, dates(6));
  (ragged.scenarios.closes as number[][])[0] = [1, 2, 3];
  t.is(codeOf(() => new MarginBook(ragged, config())), MarginErrorCode.MARGIN_SCENARIOS);
  const zero = refData(HAND, 1, dates(6));
  (zero.scenarios.closes as number[][])[1]![2] = 0;
  t.is(codeOf(() => new MarginBook(zero, config())), MarginErrorCode.MARGIN_SCENARIOS);
});
