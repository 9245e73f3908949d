import test from 'ava';
import { isGatewayError } from '../../src/codec/errors.js';
import { CollateralBook, CollateralCode, CollateralErrorCode } from '../../src/engine/collateral.js';
import type { RefData } from '../../src/engine/types.js';
import { type SecSpec, USD, dates, refData } from './margin-fixtures.js';

// Securities: G govt $99.99, Q equity $33.3333, F etf $10. Haircuts: cash 1%, govt 2%, equity 15%,
// etf 10%. Concentration limit 40% unless a test says otherwise.
const SECS: SecSpec[] = [
  { isin: 'G', assetClass: 'govt', price: 99_990_000_000 },
  { isin: 'Q', assetClass: 'equity', price: 33_333_300_000 },
  { isin: 'F', assetClass: 'etf', price: 10 * USD },
];

function world(limitBps = 4000, cashHaircut = 100): RefData {
  return refData(SECS, 3, dates(3), {
    haircutBps: { cash: cashHaircut, govt: 200, equity: 1500, etf: 1000, corp: 800, muni: 600 },
    concentrationLimitBps: limitBps,
  });
}

test('haircuts per asset class, rounded down once per holding', (t) => {
  const book = new CollateralBook(world());
  t.is(book.deposit(0, 'cash', -1, 10_000_000).code, CollateralCode.OK); // $1,000 → × 0.99 = 9,900,000
  t.is(book.deposit(0, 'security', 0, 7).code, CollateralCode.OK); // 7 × $99.99 = $699.93 → × 0.98 = $685.9314 = 6,859,314
  t.is(book.deposit(0, 'security', 1, 2).code, CollateralCode.OK);
  t.is(book.deposit(0, 'security', 1, 1n).code, CollateralCode.OK); // 3 × $33.3333 = $99.9999 → × 0.85 = 849,999.15 → 849,999
  // T = 9,900,000 + 6,859,314 + 849,999 = 17,609,313; cap 40% = 7,043,725: nothing capped
  t.is(book.value(0), 17_609_313n);
  t.is(book.unitsHeld(0, 1), 3n);
  t.deepEqual(
    book.holdings(0).map((h) => [h.type, h.isin, h.quantity, h.marketValue, h.haircutBps, h.valueAfterHaircut, h.countedValue]),
    [
      ['CASH', '', 10_000_000n, 10_000_000n, 100, 9_900_000n, 9_900_000n],
      ['GOVT', 'G', 7n, 6_999_300n, 200, 6_859_314n, 6_859_314n],
      ['EQTY', 'Q', 3n, 999_999n, 1500, 849_999n, 849_999n],
    ],
  );
  t.is(book.haircutValue(1, 3n), 849_999n);
  t.is(book.cashValue(10_000_000n), 9_900_000n);
  t.is(book.value(1), 0n);
});

test('concentration limit: a security counts at most limit × (all collateral after haircut, before caps)', (t) => {
  const book = new CollateralBook(world(4000));
  book.deposit(1, 'cash', -1, 1_000_000); // $100 → 990,000
  book.deposit(1, 'security', 2, 100); // $1,000 → × 0.9 = 9,000,000
  // T = 9,990,000; cap = 3,996,000; value = 990,000 + 3,996,000
  t.is(book.value(1), 4_986_000n);
  const rows = book.holdings(1);
  t.deepEqual(
    rows.map((h) => [h.type, h.valueAfterHaircut, h.countedValue]),
    [
      ['CASH', 990_000n, 990_000n],
      ['ETF', 9_000_000n, 3_996_000n],
    ],
  );
  // a single security and no cash: counts limit × itself
  const only = new CollateralBook(world(2500));
  only.deposit(0, 'security', 2, 10); // $100 → 900,000 → cap 225,000
  t.is(only.value(0), 225_000n);
  // limit 100%: no effect; limit 0: securities count nothing, cash still counts
  const full = new CollateralBook(world(10000));
  full.deposit(0, 'security', 2, 10);
  t.is(full.value(0), 900_000n);
  const none = new CollateralBook(world(0));
  none.deposit(0, 'security', 2, 10);
  none.deposit(0, 'cash', -1, 50_000);
  t.is(none.value(0), 49_500n);
  // the cap is taken of the exact total and rounded down
  const odd = new CollateralBook(world(3333, 0));
  odd.deposit(0, 'cash', -1, 7); // 7
  odd.deposit(0, 'security', 2, 1); // 90,000 → T = 90,007; cap = ⌊90,007 × 0.3333⌋ = 29,999
  t.is(odd.value(0), 7n + 29_999n);
});

test('withdrawals: refused with reasons when the holding is short or value would fall below the requirement; nothing changes', (t) => {
  const book = new CollateralBook(world(4000));
  book.deposit(1, 'cash', -1, 1_000_000);
  book.deposit(1, 'security', 2, 100);
  t.is(book.value(1), 4_986_000n);

  const short = book.withdraw(1, 'security', 2, 101, 0n);
  t.is(short.code, CollateralCode.INSUFFICIENT_HOLDING);
  t.is(short.reason, 'withdrawal of 101 F exceeds the 100 held');
  const shortCash = book.withdraw(1, 'cash', -1, 2_000_000n, 0n);
  t.is(shortCash.code, CollateralCode.INSUFFICIENT_HOLDING);
  t.is(shortCash.reason, 'withdrawal of cash 200.0000 exceeds the cash held 100.0000');
  t.is(book.withdraw(1, 'security', 0, 1, 0n).code, CollateralCode.INSUFFICIENT_HOLDING); // holds no G

  // 50 F out: F 4,500,000, T = 5,490,000, cap 2,196,000 → value 3,186,000
  const below = book.withdraw(1, 'security', 2, 50, 3_186_001n);
  t.is(below.code, CollateralCode.BELOW_REQUIREMENT);
  t.is(below.reason, 'withdrawal of 50 F would leave collateral value 318.6000 below the margin requirement 318.6001');
  t.is(book.value(1), 4_986_000n);
  t.is(book.unitsHeld(1, 2), 100n);
  // exactly at the requirement is allowed
  t.deepEqual(book.withdraw(1, 'security', 2, 50, 3_186_000n), { code: CollateralCode.OK, reason: '' });
  t.is(book.value(1), 3_186_000n);
  // cash: value after = 0 cash + capped F (cap = 40% of 4,500,000)
  const cashBelow = book.withdraw(1, 'cash', -1, 1_000_000, 1_800_001n);
  t.is(cashBelow.code, CollateralCode.BELOW_REQUIREMENT);
  t.is(book.withdraw(1, 'cash', -1, 1_000_000, 1_800_000n).code, CollateralCode.OK);
  t.is(book.value(1), 1_800_000n);
  t.is(book.cashHeld(1), 0n);
  // everything out with no requirement: the row disappears
  t.is(book.withdraw(1, 'security', 2, 50, 0n).code, CollateralCode.OK);
  t.deepEqual(book.holdings(1), []);
  t.is(book.value(1), 0n);
});

test('arguments, price changes, schedule validation', (t) => {
  const book = new CollateralBook(world());
  t.is(book.deposit(0, 'cash', -1, 0).code, CollateralCode.ARGUMENT);
  t.is(book.deposit(0, 'cash', -1, -5n).code, CollateralCode.ARGUMENT);
  t.is(book.deposit(0, 'cash', 1, 5).code, CollateralCode.ARGUMENT);
  t.is(book.deposit(0, 'security', 3, 5).code, CollateralCode.ARGUMENT);
  t.is(book.deposit(3, 'cash', -1, 5).code, CollateralCode.ARGUMENT);
  t.is(book.deposit(0, 'security', 2, 1.5).code, CollateralCode.ARGUMENT);
  t.regex(book.withdraw(0, 'security', 2, 0, 0n).reason, /must be a positive integer/);
  t.is(book.value(0), 0n);

  t.is(book.deposit(0, 'security', 2, 10).code, CollateralCode.OK);
  t.is(book.value(0), 900_000n * 4000n / 10000n);
  book.setPrice(2, 20 * USD);
  t.is(book.value(0), 1_800_000n * 4000n / 10000n);

  const codeOf = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      return isGatewayError(e) ? e.code : String(e);
    }
    return 'no error';
  };
  t.is(codeOf(() => book.setPrice(2, 0)), CollateralErrorCode.COLLATERAL_ARGUMENT);
  t.is(codeOf(() => book.value(7)), CollateralErrorCode.COLLATERAL_ARGUMENT);
  t.is(codeOf(() => new CollateralBook(world(10001))), CollateralErrorCode.COLLATERAL_CONFIG);
  t.is(codeOf(() => new CollateralBook(world(4000, -1))), CollateralErrorCode.COLLATERAL_CONFIG);
});
