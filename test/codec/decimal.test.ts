import test from 'ava';
import {
  Decimal,
  DecimalStatus,
  INT64_MAX,
  INT64_NULL,
  MONEY_EXPONENT,
  PRICE_EXPONENT,
  Rounding,
  checkedAdd,
  checkedSub,
  compareFixed,
  decimalStatus,
  formatFixed,
  multiplyFixed,
  parseFixedAscii,
  parseFixedAsciiBig,
  parseFixedAsciiOrThrow,
  qtyTimesPrice,
  rescaleMantissa,
  writeFixedAscii,
} from '../../src/codec/decimal.js';
import { CodecErrorCode, GatewayError, isGatewayError } from '../../src/codec/errors.js';
import { Prng } from './prng.js';
import { ascii, codeOf } from './util.js';

const MODES = ['HALF_EVEN', 'HALF_UP', 'DOWN', 'UP', 'FLOOR', 'CEILING'] as const;

/** Parse `s` at `exponent` on both hot paths; they must agree. */
function parseBoth(s: string, exponent: number, rounding: Rounding = Rounding.UNNECESSARY) {
  const b = ascii(`xx${s}yy`); // offsets inside a larger buffer
  const n = parseFixedAscii(b, 2, 2 + s.length, exponent, rounding);
  const ns = decimalStatus();
  const g = parseFixedAsciiBig(b, 2, 2 + s.length, exponent, rounding);
  const gs = decimalStatus();
  return { n, ns, g, gs };
}

// ---------------------------------------------------------------------------------------- rounding tables

// Hand-checked: value rounded to an integer under each mode.
//                value    HALF_EVEN HALF_UP DOWN  UP  FLOOR CEILING
const ROUND_TO_INTEGER: Array<[string, number, number, number, number, number, number]> = [
  ['2.5', 2, 3, 2, 3, 2, 3],
  ['-2.5', -2, -3, -2, -3, -3, -2],
  ['3.5', 4, 4, 3, 4, 3, 4],
  ['-3.5', -4, -4, -3, -4, -4, -3],
  ['1.5', 2, 2, 1, 2, 1, 2],
  ['0.5', 0, 1, 0, 1, 0, 1],
  ['-0.5', 0, -1, 0, -1, -1, 0],
  ['2.4', 2, 2, 2, 3, 2, 3],
  ['2.6', 3, 3, 2, 3, 2, 3],
  ['-2.6', -3, -3, -2, -3, -3, -2],
  ['2.51', 3, 3, 2, 3, 2, 3],
  ['2.50000000001', 3, 3, 2, 3, 2, 3],
  ['2.4999999999', 2, 2, 2, 3, 2, 3],
  ['-0.0001', 0, 0, 0, -1, -1, 0],
  ['7', 7, 7, 7, 7, 7, 7],
  ['-7.000', -7, -7, -7, -7, -7, -7],
];

test('rescale to an integer: hand-checked table for every rounding mode', (t) => {
  for (const [text, ...expected] of ROUND_TO_INTEGER) {
    MODES.forEach((mode, i) => {
      const got = Decimal.parse(text).rescale(0, Rounding[mode]);
      t.is(got.mantissa, BigInt(expected[i]), `${text} ${mode}`);
      // the hot paths round the same way when parsing straight into exponent 0
      const both = parseBoth(text, 0, Rounding[mode]);
      t.is(both.n, expected[i], `${text} ${mode} (number path)`);
      t.is(both.g, BigInt(expected[i]), `${text} ${mode} (bigint path)`);
    });
  }
});

test('rescale to 2 decimals (cents) and default HALF_EVEN', (t) => {
  t.is(Decimal.parse('1.005').rescale(-2).toString(), '1.00'); // tie, 0 is even
  t.is(Decimal.parse('1.015').rescale(-2).toString(), '1.02'); // tie, 2 is even
  t.is(Decimal.parse('1.025').rescale(-2).toString(), '1.02');
  t.is(Decimal.parse('1.025').rescale(-2, Rounding.HALF_UP).toString(), '1.03');
  t.is(Decimal.parse('-1.025').rescale(-2, Rounding.HALF_UP).toString(), '-1.03');
  t.is(Decimal.parse('-1.021').rescale(-2, Rounding.CEILING).toString(), '-1.02');
  t.is(Decimal.parse('-1.021').rescale(-2, Rounding.FLOOR).toString(), '-1.03');
  t.is(Decimal.parse('12.3').rescale(-4).toString(), '12.3000'); // widening is exact
  t.is(Decimal.parse('1250').rescale(2).toString(), '1200'); // positive exponent: hundreds, tie to even
  t.is(Decimal.parse('1350').rescale(2).toString(), '1400');
});

test('UNNECESSARY rounding refuses to lose digits', (t) => {
  const e = t.throws(() => Decimal.parse('1.005').rescale(-2, Rounding.UNNECESSARY), { instanceOf: GatewayError });
  t.is(e?.code, CodecErrorCode.DECIMAL_PRECISION);
  t.is(Decimal.parse('1.000').rescale(0, Rounding.UNNECESSARY).toString(), '1');
  const p = parseBoth('101.1234567891', PRICE_EXPONENT);
  t.true(Number.isNaN(p.n));
  t.is(p.ns, DecimalStatus.PRECISION);
  t.is(p.g, INT64_NULL);
  t.is(p.gs, DecimalStatus.PRECISION);
  // trailing zeros beyond the exponent are not lost digits
  t.is(parseBoth('101.12345678900000', PRICE_EXPONENT).g, 101123456789n);
});

// Hand-checked: qty x price -> money at 10^-4.
//                 qty      price (text)      HALF_EVEN        HALF_UP          DOWN             UP
const NOTIONAL: Array<[bigint, string, string, string, string, string]> = [
  [100n, '123.456789012', '12345.6789', '12345.6789', '12345.6789', '12345.6790'],
  [3n, '0.33335', '1.0000', '1.0001', '1.0000', '1.0001'], // 1.00005: tie, 0 even
  [7n, '0.00015', '0.0010', '0.0011', '0.0010', '0.0011'], // 0.00105: tie, 0 even
  [9n, '0.00015', '0.0014', '0.0014', '0.0013', '0.0014'], // 0.00135: tie, 4 even
  [-7n, '0.00015', '-0.0010', '-0.0011', '-0.0010', '-0.0011'],
  [1n, '0.000049999', '0.0000', '0.0000', '0.0000', '0.0001'],
  [1_000_000n, '99.999999999', '99999999.9990', '99999999.9990', '99999999.9990', '99999999.9990'],
  [250n, '4.123456789', '1030.8642', '1030.8642', '1030.8641', '1030.8642'], // 1030.86419725
];

test('qty x price -> money: hand-checked table', (t) => {
  const modes = [Rounding.HALF_EVEN, Rounding.HALF_UP, Rounding.DOWN, Rounding.UP];
  for (const [qty, px, ...expected] of NOTIONAL) {
    const price = Decimal.parseFixed(px, PRICE_EXPONENT);
    modes.forEach((mode, i) => {
      const money = qtyTimesPrice(qty, price, mode);
      t.is(decimalStatus(), DecimalStatus.OK);
      t.is(formatFixed(money, MONEY_EXPONENT), expected[i], `${qty} x ${px} mode ${mode}`);
      // the generic multiply and the Decimal class agree
      t.is(multiplyFixed(qty, 0, price, PRICE_EXPONENT, MONEY_EXPONENT, mode), money);
      t.is(Decimal.of(qty).mulTo(Decimal.of(price, PRICE_EXPONENT), MONEY_EXPONENT, mode).mantissa, money);
    });
  }
  t.is(formatFixed(qtyTimesPrice(3n, Decimal.parseFixed('0.33335', PRICE_EXPONENT)), MONEY_EXPONENT), '1.0000', 'default is HALF_EVEN');
});

test('qty x price overflow returns the int64 null sentinel, never a wrapped value', (t) => {
  // 10^9 shares at 10^9 per share = 10^18 money = 10^22 at 10^-4: beyond int64.
  const r = qtyTimesPrice(1_000_000_000n, 1_000_000_000n * 1_000_000_000n);
  t.is(r, INT64_NULL);
  t.is(decimalStatus(), DecimalStatus.OVERFLOW);
  // the largest price mantissa still gives a money value (truncated here)
  t.is(qtyTimesPrice(1n, INT64_MAX, Rounding.DOWN), 92233720368547n);
  t.is(decimalStatus(), DecimalStatus.OK);
  t.is(checkedAdd(INT64_MAX, 1n), INT64_NULL);
  t.is(decimalStatus(), DecimalStatus.OVERFLOW);
  t.is(checkedSub(-INT64_MAX, 1n), INT64_NULL);
  t.is(checkedAdd(INT64_MAX - 1n, 1n), INT64_MAX);
  t.is(rescaleMantissa(INT64_MAX, 0, -1), INT64_NULL);
  t.is(decimalStatus(), DecimalStatus.OVERFLOW);
  t.is(rescaleMantissa(15n, -1, 0, Rounding.UNNECESSARY), INT64_NULL);
  t.is(decimalStatus(), DecimalStatus.PRECISION);
  t.is(rescaleMantissa(15n, -1, 0), 2n);
  t.is(rescaleMantissa(5n, 0, 100), INT64_NULL);
  t.is(decimalStatus(), DecimalStatus.RANGE);
});

// ---------------------------------------------------------------------------------------- parsing

test('FIX decimal syntax: accepted forms', (t) => {
  const ok: Array<[string, bigint, number]> = [
    ['0', 0n, 0],
    ['-0', 0n, 0],
    ['007', 7n, 0],
    ['1.50', 150n, -2],
    ['-1.50', -150n, -2],
    ['5.', 5n, 0],
    ['.5', 5n, -1],
    ['-.25', -25n, -2],
    ['123456789012345678901234567890.123456789', 123456789012345678901234567890123456789n, -9],
  ];
  for (const [text, m, e] of ok) {
    const d = Decimal.parse(text);
    t.is(d.mantissa, m, text);
    t.is(d.exponent, e, text);
    t.false(Object.is(d.exponent, -0), `${text}: exponent is +0`);
  }
  t.false(Object.is(parseFixedAscii(ascii('-0'), 0, 2, 0), -0), 'number path never returns -0');
});

test('FIX decimal syntax: rejected forms, with codes on both layers', (t) => {
  for (const text of ['', '-', '.', '-.', '+1', '1e5', ' 1', '1 ', '1.2.3', '--1', '1-', '0x10', '1,5', '١', 'NaN', 'Infinity']) {
    const e = t.throws(() => Decimal.parse(text), { instanceOf: GatewayError }, JSON.stringify(text));
    t.is(e?.code, CodecErrorCode.DECIMAL_SYNTAX, JSON.stringify(text));
    const p = parseBoth(text, -4);
    t.true(Number.isNaN(p.n), JSON.stringify(text));
    t.is(p.ns, DecimalStatus.SYNTAX, JSON.stringify(text));
    t.is(p.g, INT64_NULL);
    t.is(p.gs, DecimalStatus.SYNTAX);
  }
  t.is(codeOf(() => Decimal.parse('1'.repeat(81))), CodecErrorCode.DECIMAL_RANGE);
  t.true(Number.isNaN(parseFixedAscii(ascii('1'), 0, 1, -19)));
  t.is(decimalStatus(), DecimalStatus.RANGE);
  t.true(Number.isNaN(parseFixedAscii(ascii('1'), 0, 5, 0)), 'range beyond the buffer');
  t.is(decimalStatus(), DecimalStatus.SYNTAX);
});

test('Decimal.fromAscii reads a byte range without the surrounding bytes', (t) => {
  const b = ascii('31=101.25\x0132=100\x01');
  t.is(Decimal.fromAscii(b, 3, 9).toString(), '101.25');
  t.is(Decimal.fromAscii(b, 13, 16).toString(), '100');
  t.is(parseFixedAscii(b, 3, 9, PRICE_EXPONENT), 101_250_000_000);
  t.is(parseFixedAsciiOrThrow(b, 3, 9, PRICE_EXPONENT), 101_250_000_000n);
  t.is(codeOf(() => parseFixedAsciiOrThrow(b, 0, 9, PRICE_EXPONENT)), CodecErrorCode.DECIMAL_SYNTAX);
});

test('number path stops at 2^53 with UNSAFE; bigint path stops at int64 with OVERFLOW', (t) => {
  t.is(parseBoth('9007199254740991', 0).n, 9007199254740991);
  const unsafe = parseBoth('9007199254740992', 0);
  t.true(Number.isNaN(unsafe.n));
  t.is(unsafe.ns, DecimalStatus.UNSAFE);
  t.is(unsafe.g, 9007199254740992n);
  t.is(parseBoth('-9007199254740991', 0).n, -9007199254740991);
  t.is(parseBoth('9007199.254740991', PRICE_EXPONENT).n, 9007199254740991);
  t.is(parseBoth('9007199.254740992', PRICE_EXPONENT).ns, DecimalStatus.UNSAFE);
  t.is(parseBoth('9007199254740990.5', 0, Rounding.UP).n, 9007199254740991);
  t.is(parseBoth('9007199254740991.5', 0, Rounding.UP).ns, DecimalStatus.UNSAFE, 'rounding up past 2^53-1');

  t.is(parseBoth('9223372036854775807', 0).g, INT64_MAX);
  t.is(parseBoth('-9223372036854775807', 0).g, -INT64_MAX);
  for (const s of ['9223372036854775808', '-9223372036854775808', '99999999999999999999999', '9223372036.854775808']) {
    const p = parseBoth(s, s.includes('.') ? PRICE_EXPONENT : 0);
    t.is(p.g, INT64_NULL, s);
    t.is(p.gs, DecimalStatus.OVERFLOW, s);
  }
  t.is(parseBoth('9223372036854775806.5', 0, Rounding.HALF_UP).g, INT64_MAX);
  t.is(parseBoth('9223372036854775807.5', 0, Rounding.HALF_UP).gs, DecimalStatus.OVERFLOW);
  t.is(parseBoth('0000000000000000000000000001.5', -1).g, 15n, 'leading zeros do not count toward the limit');
  t.is(codeOf(() => Decimal.parse('9223372036854775808').toMantissa(0)), CodecErrorCode.DECIMAL_OVERFLOW);
});

// ---------------------------------------------------------------------------------------- formatting

test('formatting: scale kept, trim on request, positive exponents, zero', (t) => {
  t.is(formatFixed(-12340n, -3), '-12.340');
  t.is(formatFixed(-12340n, -3, true), '-12.34');
  t.is(formatFixed(12, 2), '1200');
  t.is(formatFixed(5, -3), '0.005');
  t.is(formatFixed(-5n, -3), '-0.005');
  t.is(formatFixed(0n, -4), '0.0000');
  t.is(formatFixed(0n, -4, true), '0');
  t.is(formatFixed(0n, 3), '0');
  t.is(formatFixed(1000n, -3, true), '1');
  t.is(formatFixed(101_250_000_000n, PRICE_EXPONENT, true), '101.25');
  t.is(formatFixed(INT64_MAX, -4), '922337203685477.5807');
  t.is(codeOf(() => formatFixed(2 ** 53, 0)), CodecErrorCode.DECIMAL_OVERFLOW);
  t.is(Decimal.parse('-0.050').toString(), '-0.050');
  t.is(Decimal.parse('-0.050').toString(true), '-0.05');
  t.is(Decimal.parse('-0.050').stripTrailingZeros().toString(), '-0.05');
  t.is(JSON.stringify({ px: Decimal.parse('1.10') }), '{"px":"1.10"}');
});

test('writeFixedAscii writes in place and refuses a too-small buffer', (t) => {
  const out = new Uint8Array(32).fill(0x7e);
  const end = writeFixedAscii(-123456, -4, out, 3);
  t.is(new TextDecoder().decode(out.subarray(3, end)), '-12.3456');
  t.is(out[2], 0x7e);
  t.is(out[end], 0x7e);
  const small = new Uint8Array(4).fill(0x7e);
  t.is(writeFixedAscii(123456, -2, small, 0), -1);
  t.deepEqual([...small], [0x7e, 0x7e, 0x7e, 0x7e], 'nothing written when it does not fit');
  t.is(writeFixedAscii(2 ** 53, 0, out, 0), -1);
  t.is(decimalStatus(), DecimalStatus.UNSAFE);
  const e2 = writeFixedAscii(INT64_MAX, -9, out, 0); // bigint beyond 2^53 goes through the string path
  t.is(new TextDecoder().decode(out.subarray(0, e2)), '9223372036.854775807');
});

// ---------------------------------------------------------------------------------------- properties

test('property: format then parse gives back the mantissa (bigint and number paths, Decimal)', (t) => {
  const rng = new Prng(20240601);
  const out = new Uint8Array(64);
  for (let i = 0; i < 20000; i++) {
    const m = rng.pick([rng.digitsBigint(19), rng.digitsBigint(16), rng.digitsBigint(6)]);
    if (m > INT64_MAX || m < -INT64_MAX) continue;
    const e = rng.intIn(-18, 0);
    const text = formatFixed(m, e);
    // bigint path
    const b = ascii(text);
    t.is(parseFixedAsciiBig(b, 0, b.length, e), m);
    // Decimal keeps the exact representation
    t.true(Decimal.parse(text).sameRepresentation(Decimal.of(m, e)), text);
    // trimmed text has the same value
    const trimmed = formatFixed(m, e, true);
    t.is(Decimal.parse(trimmed).compareTo(Decimal.of(m, e)), 0, trimmed);
    // the in-place writer produces the same bytes, trimmed or not
    for (const trim of [false, true]) {
      const end = writeFixedAscii(m, e, out, 5, trim);
      t.is(String.fromCharCode(...out.subarray(5, end)), trim ? trimmed : text);
    }
    // number path agrees whenever the value is safe
    const n = parseFixedAscii(b, 0, b.length, e);
    if (m <= BigInt(Number.MAX_SAFE_INTEGER) && m >= -BigInt(Number.MAX_SAFE_INTEGER)) t.is(n, Number(m), text);
    else t.is(decimalStatus(), DecimalStatus.UNSAFE, text);
  }
});

/** Oracle: the two integer neighbours of n / 10^k and the distance to each, decided directly. */
function oracleRound(n: bigint, k: number, mode: (typeof MODES)[number]): bigint {
  const d = 10n ** BigInt(k);
  let lo = n / d;
  if (n % d !== 0n && n < 0n) lo -= 1n; // floor
  if (lo * d === n) return lo;
  const hi = lo + 1n;
  const dLo = n - lo * d;
  const dHi = hi * d - n;
  const pos = n > 0n;
  switch (mode) {
    case 'FLOOR':
      return lo;
    case 'CEILING':
      return hi;
    case 'DOWN':
      return pos ? lo : hi;
    case 'UP':
      return pos ? hi : lo;
    case 'HALF_UP':
      return dLo < dHi ? lo : dLo > dHi ? hi : pos ? hi : lo;
    case 'HALF_EVEN':
      return dLo < dHi ? lo : dLo > dHi ? hi : lo % 2n === 0n ? lo : hi;
  }
}

test('property: every rounding mode matches a nearest-neighbour oracle (rescale, parse, multiply)', (t) => {
  const rng = new Prng(7);
  for (let i = 0; i < 20000; i++) {
    const k = rng.intIn(1, 6);
    // bias toward ties and near-ties: make the dropped digits often exactly 5, 50, 500 ...
    let n = rng.digitsBigint(14);
    if (rng.intIn(0, 2) === 0) n = (n / 10n ** BigInt(k)) * 10n ** BigInt(k) + (n < 0n ? -1n : 1n) * 5n * 10n ** BigInt(k - 1);
    const mode = rng.pick(MODES);
    const expected = oracleRound(n, k, mode);
    t.is(rescaleMantissa(n, -k, 0, Rounding[mode]), expected, `${n}e-${k} ${mode}`);
    t.is(Decimal.of(n, -k).rescale(0, Rounding[mode]).mantissa, expected);
    const text = formatFixed(n, -k);
    const p = parseBoth(text, 0, Rounding[mode]);
    t.is(p.g, expected, `${text} ${mode}`);
    t.is(p.n, Number(expected), `${text} ${mode}`);
  }
  for (let i = 0; i < 5000; i++) {
    const qty = rng.digitsBigint(9);
    const price = rng.digitsBigint(12);
    const mode = rng.pick(MODES);
    t.is(qtyTimesPrice(qty, price, Rounding[mode]), oracleRound(qty * price, 5, mode), `${qty} x ${price} ${mode}`);
  }
});

test('property: add, sub and compare are exact and consistent', (t) => {
  const rng = new Prng(99);
  for (let i = 0; i < 10000; i++) {
    const a = Decimal.of(rng.digitsBigint(20), rng.intIn(-12, 3));
    const b = Decimal.of(rng.digitsBigint(20), rng.intIn(-12, 3));
    const sum = a.add(b);
    t.true(sum.sub(b).equals(a));
    t.is(sum.exponent, Math.min(a.exponent, b.exponent));
    t.is(a.compareTo(b) + b.compareTo(a), 0);
    t.is(a.compareTo(b), a.sub(b).signum());
    t.is(compareFixed(a.mantissa, a.exponent, b.mantissa, b.exponent), a.compareTo(b));
    t.true(a.mul(b).equals(b.mul(a)));
    t.true(a.add(a.negate()).isZero());
  }
  t.true(Decimal.parse('1.5').equals(Decimal.parse('1.50')));
  t.false(Decimal.parse('1.5').sameRepresentation(Decimal.parse('1.50')));
  t.is(Decimal.parse('-3').abs().toString(), '3');
  t.is(codeOf(() => Decimal.of(1n, 60).mul(Decimal.of(1n, 10))), CodecErrorCode.DECIMAL_RANGE);
  t.is(codeOf(() => Decimal.of(0.5)), CodecErrorCode.DECIMAL_OVERFLOW);
});

test('errors are GatewayError with a code and context', (t) => {
  try {
    Decimal.parse('12a');
    t.fail('should throw');
  } catch (e) {
    t.true(isGatewayError(e, CodecErrorCode.DECIMAL_SYNTAX));
    t.false(isGatewayError(e, CodecErrorCode.DECIMAL_RANGE));
    const g = e as GatewayError;
    t.is(g.name, 'GatewayError');
    t.deepEqual(g.context, { text: '12a' });
    t.true(g.message.startsWith('DECIMAL_SYNTAX: '));
    t.is(g.toJSON().code, 'DECIMAL_SYNTAX');
  }
  t.false(isGatewayError(new Error('x')));
});
