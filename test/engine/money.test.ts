import test from 'ava';
import { qtyTimesPrice } from '../../src/codec/decimal.js';
import { MAX_SAFE, formatMoney, formatPrice, isSafe, priceBand, qtyTimesPriceBig, qtyTimesPriceNum } from '../../src/engine/money.js';
import { Fnv1a64 } from '../../src/engine/digest.js';
import { Prng } from '../codec/prng.js';

/** The codec's bigint qtyTimesPrice as a number, or NaN when the exact result is not a safe integer. */
function oracle(q: number, p: number): number {
  const m = qtyTimesPrice(BigInt(q), BigInt(p));
  return m >= -BigInt(MAX_SAFE) && m <= BigInt(MAX_SAFE) ? Number(m) : NaN;
}

test('qtyTimesPriceNum: worked values (buying 100 @ 10 is 1000.0000)', (t) => {
  t.is(qtyTimesPriceNum(100, 10_000_000_000), 10_000_000);
  t.is(qtyTimesPriceNum(100, 187_250_000_000), 187_250_000);
  t.is(qtyTimesPriceNum(-100, 187_250_000_000), -187_250_000);
  t.is(qtyTimesPriceNum(0, 187_250_000_000), 0);
  t.true(Object.is(qtyTimesPriceNum(0, -5), 0), 'no negative zero');
});

test('qtyTimesPriceNum: HALF_EVEN ties and non-ties at the 10^-4 boundary', (t) => {
  // price 0.00005 (= 50000 at 10^-9): qty 1 → 0.00005 → tie → 0 (even); qty 3 → 0.00015 → tie → 0.0002 (even)
  t.is(qtyTimesPriceNum(1, 50_000), 0);
  t.is(qtyTimesPriceNum(3, 50_000), 2);
  t.is(qtyTimesPriceNum(5, 50_000), 2); // 0.00025 → 0.0002
  t.is(qtyTimesPriceNum(7, 50_000), 4); // 0.00035 → 0.0004
  t.is(qtyTimesPriceNum(-3, 50_000), -2, 'symmetric for negatives');
  t.is(qtyTimesPriceNum(1, 50_001), 1, 'just above the tie rounds up');
  t.is(qtyTimesPriceNum(1, 49_999), 0, 'just below the tie rounds down');
  t.is(qtyTimesPriceNum(3, 33_333_333), 1_000, '3 × 0.033333333 = 0.099999999 → 0.1000');
});

test('qtyTimesPriceNum: NaN exactly when the result leaves the safe range', (t) => {
  // 2^53-1 money units = 900,719,925,474.0991: qty × price just above and below
  t.is(qtyTimesPriceNum(900_719_925, 1_000_000_000_000), 9_007_199_250_000_000); // $900.7M × ... fits
  t.true(Number.isNaN(qtyTimesPriceNum(9_007_199_254_740_991, 200_000)));
  t.is(qtyTimesPriceNum(9_007_199_254_740_991, 100_000), MAX_SAFE);
  t.is(qtyTimesPriceNum(1, MAX_SAFE), oracle(1, MAX_SAFE));
  t.is(qtyTimesPriceNum(MAX_SAFE, 1), 90_071_992_547, '(2^53-1) × 10^-9 → 90071992547.40991 → .4099 rounds down');
});

test('qtyTimesPriceNum agrees with codec qtyTimesPrice on 200,000 random and edge operands', (t) => {
  const rng = new Prng(20260115);
  const edges = [0, 1, 2, 49_999, 50_000, 50_001, 99_999, 100_000, 150_000, 999_999_999, 1_000_000_000, 2 ** 31, 2 ** 32 + 7, 2 ** 40, 94_906_265, 94_906_266, MAX_SAFE];
  let checked = 0;
  for (const q of edges)
    for (const p of edges) {
      for (const [a, b] of [
        [q, p],
        [-q, p],
        [q, -p],
      ]) {
        const got = qtyTimesPriceNum(a, b);
        const want = oracle(a, b);
        if (!(Object.is(got, want) || (got === 0 && want === 0))) t.fail(`${a} × ${b}: ${got} != ${want}`);
        checked++;
      }
    }
  for (let i = 0; i < 200_000; i++) {
    const qd = rng.intIn(0, 16);
    const pd = rng.intIn(0, 16);
    const q = rng.intIn(-(10 ** qd), 10 ** qd);
    const p = rng.intIn(0, Math.min(MAX_SAFE, 10 ** pd));
    const got = qtyTimesPriceNum(q, p);
    const want = oracle(q, p);
    if (!(Object.is(got, want) || (got === 0 && want === 0) || (Number.isNaN(got) && Number.isNaN(want)))) t.fail(`${q} × ${p}: ${got} != ${want}`);
    checked++;
  }
  t.true(checked > 200_000);
  t.is(qtyTimesPriceBig(123n, 187_250_000_001n), qtyTimesPrice(123n, 187_250_000_001n));
});

test('priceBand is exact: ceil of the low bound, floor of the high bound', (t) => {
  t.deepEqual(priceBand(187_250_000_000, 1000), [168_525_000_000, 205_975_000_000]);
  // 3 × (10000 − 1) / 10000 = 2.9997 → ceil 3 ; 3 × 10001 / 10000 = 3.0003 → floor 3
  t.deepEqual(priceBand(3, 1), [3, 3]);
  t.deepEqual(priceBand(100, 0), [1, MAX_SAFE], 'no band');
  t.deepEqual(priceBand(100, 10_000), [1, 200], 'a 100% band keeps prices positive');
});

test('isSafe and formatting', (t) => {
  t.true(isSafe(MAX_SAFE));
  t.false(isSafe(MAX_SAFE + 1));
  t.false(isSafe(0.5));
  t.false(isSafe(NaN));
  t.is(formatMoney(-10_000_000), '-1000.0000');
  t.is(formatMoney(5), '0.0005');
  t.is(formatPrice(187_250_000_000), '187.25');
  t.is(formatPrice(100_000_000_000), '100');
  t.is(formatPrice(1), '0.000000001');
});

test('Fnv1a64 matches the published FNV-1a 64 test vectors', (t) => {
  t.is(new Fnv1a64().updateBytes([]).hex(), 'cbf29ce484222325');
  t.is(new Fnv1a64().updateBytes([0x61]).hex(), 'af63dc4c8601ec8c'); // "a"
  t.is(new Fnv1a64().updateBytes(Buffer.from('foobar')).hex(), '85944171f73967e8');
  t.not(new Fnv1a64().update('ab').update('c').hex(), new Fnv1a64().update('a').update('bc').hex(), 'fields cannot run together');
});
