import test from 'ava';
import { CodecErrorCode } from '../../src/codec/errors.js';
import {
  LOCAL_MKT_DATE_MAX,
  LOCAL_MKT_DATE_NULL,
  TimestampStatus,
  UTC_TIMESTAMP_MAX,
  UTC_TIMESTAMP_NULL,
  civilFromDays,
  daysFromCivil,
  epochNanos,
  epochParts,
  formatLocalMktDate,
  formatUTCTimestamp,
  parseLocalMktDate,
  parseLocalMktDateAscii,
  parseUTCTimestamp,
  parseUTCTimestampAscii,
  readEpochNanos,
  scanUTCTimestamp,
  splitEpochNanos,
  timestampStatus,
  writeEpochNanos,
  writeLocalMktDateAscii,
  writeUTCTimestampAscii,
  type TimePrecision,
} from '../../src/codec/timestamp.js';
import { Prng } from './prng.js';
import { ascii, codeOf } from './util.js';

const NS_PER_MS = 1_000_000n;

/** Oracle for millisecond instants: Date's ISO text rearranged into FIX form (years 1970..9999). */
function fixFromDate(ms: number): string {
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 23)}`;
}

test('known instants', (t) => {
  t.is(parseUTCTimestamp('19700101-00:00:00'), 0n);
  t.is(parseUTCTimestamp('19700101-00:00:00.000000001'), 1n);
  t.is(parseUTCTimestamp('20000101-00:00:00'), 946_684_800_000_000_000n);
  t.is(parseUTCTimestamp('20240229-12:34:56.789'), BigInt(Date.UTC(2024, 1, 29, 12, 34, 56, 789)) * NS_PER_MS);
  t.is(parseUTCTimestamp('20240229-12:34:56.789123'), BigInt(Date.UTC(2024, 1, 29, 12, 34, 56, 789)) * NS_PER_MS + 123_000n);
  t.is(parseUTCTimestamp('20240229-12:34:56.789123456'), BigInt(Date.UTC(2024, 1, 29, 12, 34, 56, 789)) * NS_PER_MS + 123_456n);
  t.is(parseUTCTimestamp('25540721-23:34:33.709551614'), UTC_TIMESTAMP_MAX);
  t.is(formatUTCTimestamp(UTC_TIMESTAMP_MAX), '25540721-23:34:33.709551614');
  t.is(formatUTCTimestamp(0n, 's'), '19700101-00:00:00');
  t.is(formatUTCTimestamp(1_709_210_096_789_123_456n, 'ms'), '20240229-12:34:56.789');
  t.is(formatUTCTimestamp(1_709_210_096_789_123_456n, 'us'), '20240229-12:34:56.789123');
  t.is(formatUTCTimestamp(1_709_210_096_789_123_456n, 'ns'), '20240229-12:34:56.789123456');
  t.is(formatUTCTimestamp(1_709_210_096_999_999_999n, 's'), '20240229-12:34:56', 'truncates, never rounds into the next second');
  t.is(formatUTCTimestamp(1_704_067_199_999_999_999n, 'ms'), '20231231-23:59:59.999', 'nor into the next day/year');
});

test('leap second 23:59:60 clamps to the last nanosecond of the day; elsewhere it is invalid', (t) => {
  const last = parseUTCTimestamp('20161231-23:59:59.999999999');
  t.is(parseUTCTimestamp('20161231-23:59:60'), last);
  t.is(parseUTCTimestamp('20161231-23:59:60.500'), last);
  t.true(parseUTCTimestamp('20161231-23:59:60') < parseUTCTimestamp('20170101-00:00:00'));
  t.is(codeOf(() => parseUTCTimestamp('20161231-12:00:60')), CodecErrorCode.TIMESTAMP_INVALID);
});

test('malformed, impossible and out-of-range timestamps have distinct codes', (t) => {
  const cases: Array<[string, string]> = [
    ['', CodecErrorCode.TIMESTAMP_SYNTAX],
    ['2024011-12:00:00', CodecErrorCode.TIMESTAMP_SYNTAX],
    ['20240101 12:00:00', CodecErrorCode.TIMESTAMP_SYNTAX],
    ['20240101-12.00.00', CodecErrorCode.TIMESTAMP_SYNTAX],
    ['20240101-12:00:00.12', CodecErrorCode.TIMESTAMP_SYNTAX], // only 0, 3, 6 or 9 decimals
    ['20240101-12:00:00,123', CodecErrorCode.TIMESTAMP_SYNTAX],
    ['20240101-12:00:00.12a', CodecErrorCode.TIMESTAMP_SYNTAX],
    ['2024O101-12:00:00', CodecErrorCode.TIMESTAMP_SYNTAX],
    ['20240101-12:00:00Z', CodecErrorCode.TIMESTAMP_SYNTAX],
    ['20240101-12:00:00.000000000000', CodecErrorCode.TIMESTAMP_SYNTAX],
    ['x'.repeat(40), CodecErrorCode.TIMESTAMP_SYNTAX],
    ['20230229-00:00:00', CodecErrorCode.TIMESTAMP_INVALID],
    ['21000229-00:00:00', CodecErrorCode.TIMESTAMP_INVALID], // 2100 is not a leap year
    ['20241301-00:00:00', CodecErrorCode.TIMESTAMP_INVALID],
    ['20240001-00:00:00', CodecErrorCode.TIMESTAMP_INVALID],
    ['20240431-00:00:00', CodecErrorCode.TIMESTAMP_INVALID],
    ['20240100-00:00:00', CodecErrorCode.TIMESTAMP_INVALID],
    ['20240101-24:00:00', CodecErrorCode.TIMESTAMP_INVALID],
    ['20240101-23:60:00', CodecErrorCode.TIMESTAMP_INVALID],
    ['20240101-23:59:61', CodecErrorCode.TIMESTAMP_INVALID],
    ['19691231-23:59:59.999', CodecErrorCode.TIMESTAMP_RANGE],
    ['25540721-23:34:33.709551615', CodecErrorCode.TIMESTAMP_RANGE], // 2^64-1 is the null
    ['25540721-23:34:34', CodecErrorCode.TIMESTAMP_RANGE],
    ['99991231-23:59:59', CodecErrorCode.TIMESTAMP_RANGE],
  ];
  for (const [text, code] of cases) t.is(codeOf(() => parseUTCTimestamp(text)), code, text);
  // hot path: sentinel + status, no throw
  const b = ascii('20230229-00:00:00');
  t.is(parseUTCTimestampAscii(b, 0, b.length), UTC_TIMESTAMP_NULL);
  t.is(timestampStatus(), TimestampStatus.INVALID);
  t.is(codeOf(() => formatUTCTimestamp(-1n)), CodecErrorCode.TIMESTAMP_RANGE);
  t.is(codeOf(() => formatUTCTimestamp(UTC_TIMESTAMP_NULL)), CodecErrorCode.TIMESTAMP_RANGE);
});

test('hot path reads a timestamp inside a FIX message buffer', (t) => {
  const b = ascii('8=FIX.4.4\x0152=20240315-09:30:00.123456\x0160=20240315-09:29:59.999\x01');
  const start = 13;
  const end = start + 24;
  t.is(parseUTCTimestampAscii(b, start, end), parseUTCTimestamp('20240315-09:30:00.123456'));
  t.is(timestampStatus(), TimestampStatus.OK);
  const parts = epochParts();
  t.is(scanUTCTimestamp(b, start, end, parts), TimestampStatus.OK);
  t.deepEqual(parts, { seconds: 1_710_495_000, nanos: 123_456_000 });
});

test('property: format then parse round-trips at every precision (truncation below it)', (t) => {
  const rng = new Prng(42);
  const unit: Record<TimePrecision, bigint> = { s: 1_000_000_000n, ms: 1_000_000n, us: 1_000n, ns: 1n };
  for (let i = 0; i < 20000; i++) {
    const ns = rng.pick([rng.bigintIn(0n, UTC_TIMESTAMP_MAX), rng.bigintIn(1_600_000_000n * 10n ** 9n, 1_900_000_000n * 10n ** 9n)]);
    for (const p of ['s', 'ms', 'us', 'ns'] as const) {
      const text = formatUTCTimestamp(ns, p);
      t.is(text.length, p === 's' ? 17 : p === 'ms' ? 21 : p === 'us' ? 24 : 27);
      t.is(parseUTCTimestamp(text), ns - (ns % unit[p]), `${ns} ${p}`);
    }
  }
});

test('property: millisecond instants agree with the Date oracle both ways', (t) => {
  const rng = new Prng(1234);
  const maxMs = Number(UTC_TIMESTAMP_MAX / NS_PER_MS);
  for (let i = 0; i < 20000; i++) {
    const ms = rng.intIn(0, maxMs);
    const expected = fixFromDate(ms);
    t.is(formatUTCTimestamp(BigInt(ms) * NS_PER_MS, 'ms'), expected);
    t.is(parseUTCTimestamp(expected), BigInt(ms) * NS_PER_MS);
  }
});

test('LocalMktDate: every encodable day round-trips and matches the Date oracle', (t) => {
  const buf = new Uint8Array(10);
  let mismatches = 0;
  for (let days = 0; days <= LOCAL_MKT_DATE_MAX; days++) {
    const end = writeLocalMktDateAscii(days, buf, 1);
    const text = String.fromCharCode(...buf.subarray(1, end));
    const iso = new Date(days * 86_400_000).toISOString();
    if (text !== iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10)) mismatches++;
    if (parseLocalMktDateAscii(buf, 1, end) !== days) mismatches++;
  }
  t.is(mismatches, 0);
  t.is(formatLocalMktDate(0), '19700101');
  t.is(formatLocalMktDate(LOCAL_MKT_DATE_MAX), '21490605');
  t.is(parseLocalMktDate('20240315'), 19797);
  t.is(parseLocalMktDate('21490605'), LOCAL_MKT_DATE_MAX);
});

test('LocalMktDate errors', (t) => {
  t.is(codeOf(() => parseLocalMktDate('2024031')), CodecErrorCode.TIMESTAMP_SYNTAX);
  t.is(codeOf(() => parseLocalMktDate('2024-03-15')), CodecErrorCode.TIMESTAMP_SYNTAX);
  t.is(codeOf(() => parseLocalMktDate('20240230')), CodecErrorCode.TIMESTAMP_INVALID);
  t.is(codeOf(() => parseLocalMktDate('19691231')), CodecErrorCode.TIMESTAMP_RANGE);
  t.is(codeOf(() => parseLocalMktDate('21490606')), CodecErrorCode.TIMESTAMP_RANGE); // would be 65535 = null
  t.is(codeOf(() => formatLocalMktDate(LOCAL_MKT_DATE_NULL)), CodecErrorCode.TIMESTAMP_RANGE);
  t.is(codeOf(() => formatLocalMktDate(-1)), CodecErrorCode.TIMESTAMP_RANGE);
  t.is(codeOf(() => formatLocalMktDate(1.5)), CodecErrorCode.TIMESTAMP_RANGE);
  const b = ascii('20240230');
  t.is(parseLocalMktDateAscii(b, 0, 8), LOCAL_MKT_DATE_NULL);
  t.is(timestampStatus(), TimestampStatus.INVALID);
  t.is(writeLocalMktDateAscii(0, new Uint8Array(7), 0), -1, 'does not fit');
});

test('calendar arithmetic against Date over a wide range, including before 1970', (t) => {
  const out = { year: 0, month: 0, day: 0 };
  for (let days = -800_000; days <= 800_000; days += 37) {
    civilFromDays(days, out);
    const d = new Date(days * 86_400_000);
    t.deepEqual([out.year, out.month, out.day], [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()], String(days));
    t.is(daysFromCivil(out.year, out.month, out.day), days);
  }
  t.is(daysFromCivil(1970, 1, 1), 0);
  t.is(daysFromCivil(2000, 3, 1), 11_017);
  t.is(daysFromCivil(1969, 12, 31), -1);
});

test('uint64 nanoseconds written and read without BigInt match DataView BigInt access', (t) => {
  const rng = new Prng(77);
  const view = new DataView(new ArrayBuffer(16));
  const parts = epochParts();
  for (let i = 0; i < 20000; i++) {
    const ns = rng.pick([rng.bigintIn(0n, UTC_TIMESTAMP_MAX), UTC_TIMESTAMP_MAX, 0n, rng.bigintIn(0n, 10n ** 12n)]);
    splitEpochNanos(ns, parts);
    t.is(epochNanos(parts.seconds, parts.nanos), ns);
    for (const le of [true, false]) {
      t.true(writeEpochNanos(view, 4, parts.seconds, parts.nanos, le));
      t.is(view.getBigUint64(4, le), ns);
      view.setBigUint64(4, ns, le);
      const back = epochParts();
      t.true(readEpochNanos(view, 4, back, le));
      t.deepEqual(back, parts);
    }
  }
  view.setBigUint64(0, UTC_TIMESTAMP_NULL, true);
  t.false(readEpochNanos(view, 0, parts, true), 'null reads as absent');
  t.false(writeEpochNanos(view, 0, 18_446_744_073, 709_551_615), 'the null cannot be written as a time');
  t.false(writeEpochNanos(view, 0, 1, 1_000_000_000));
});

test('writeUTCTimestampAscii writes in place with no allocation of text', (t) => {
  const out = new Uint8Array(40).fill(0x7e);
  const end = writeUTCTimestampAscii(1_710_495_000, 123_456_789, 'us', out, 2);
  t.is(end, 26);
  t.is(String.fromCharCode(...out.subarray(2, end)), '20240315-09:30:00.123456');
  t.is(out[1], 0x7e);
  t.is(out[26], 0x7e);
  t.is(writeUTCTimestampAscii(1_710_495_000, 0, 'ns', new Uint8Array(26), 0), -1, 'does not fit');
  t.is(writeUTCTimestampAscii(-1, 0, 's', out, 0), -1);
  t.is(timestampStatus(), TimestampStatus.RANGE);
});
