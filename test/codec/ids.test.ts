import test from 'ava';
import { CodecErrorCode } from '../../src/codec/errors.js';
import {
  SESSION_ID_MAX,
  TRADE_ID_MAX,
  cusip,
  cusipCheckDigitAscii,
  cusipFromIsin,
  isin,
  isinCheckDigitAscii,
  isinFromCusip,
  isValidCusip,
  isValidCusipAscii,
  isValidIsin,
  isValidIsinAscii,
  isValidLei,
  isValidLeiAscii,
  isValidMemberId,
  isValidMemberIdAscii,
  lei,
  leiCheckDigits,
  memberId,
  securityId,
  sessionId,
  tradeId,
  type Isin,
  type SecurityId,
} from '../../src/codec/ids.js';
import { Prng } from './prng.js';
import { ascii, codeOf } from './util.js';

const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';

// Published identifiers (issuer documents / GLEIF) used as known-good values.
const GOOD_ISINS = ['US0378331005', 'US5949181045', 'GB0002634946', 'AU0000XVGZA3', 'DE000BAY0017', 'JP3435000009'];
const GOOD_CUSIPS = ['037833100', '594918104', '38259P508', '68389X105'];
const GOOD_LEIS = ['HWUPKR0MPOU8FGXBT394', '7LTWFZYICNSX8D621K86', '5493001KJTIIGC8Y1R12', '529900T8BM49AURSDO55'];

/** Independent LEI check: the whole code, letters expanded (A=10..Z=35), as one BigInt mod 97. */
function leiMod97(s: string): bigint {
  return BigInt([...s].map((c) => parseInt(c, 36).toString()).join('')) % 97n;
}

test('known-good ISINs, CUSIPs and LEIs validate', (t) => {
  for (const s of GOOD_ISINS) {
    t.true(isValidIsin(s), s);
    t.is(isin(s), s as Isin);
  }
  for (const s of GOOD_CUSIPS) {
    t.true(isValidCusip(s), s);
    t.is(cusip(s) as string, s);
  }
  for (const s of GOOD_LEIS) {
    t.is(leiMod97(s), 1n, `${s} is 1 mod 97 by direct BigInt computation`);
    t.true(isValidLei(s), s);
    t.is(lei(s) as string, s);
    t.is(leiCheckDigits(s.slice(0, 18)), s.slice(18));
  }
});

test('every wrong check digit is rejected with ID_CHECK_DIGIT', (t) => {
  for (const s of GOOD_ISINS)
    for (const d of DIGITS) {
      if (d === s[11]) continue;
      const bad = s.slice(0, 11) + d;
      t.false(isValidIsin(bad), bad);
      t.is(codeOf(() => isin(bad)), CodecErrorCode.ID_CHECK_DIGIT, bad);
    }
  for (const s of GOOD_CUSIPS)
    for (const d of DIGITS) {
      if (d === s[8]) continue;
      const bad = s.slice(0, 8) + d;
      t.false(isValidCusip(bad), bad);
      t.is(codeOf(() => cusip(bad)), CodecErrorCode.ID_CHECK_DIGIT, bad);
    }
  for (const s of GOOD_LEIS)
    for (let k = 0; k < 100; k++) {
      const cd = k < 10 ? `0${k}` : String(k);
      if (cd === s.slice(18)) continue;
      const bad = s.slice(0, 18) + cd;
      t.false(isValidLei(bad), bad);
      t.is(codeOf(() => lei(bad)), CodecErrorCode.ID_CHECK_DIGIT, bad);
    }
});

test('single substitutions are detected where the check scheme guarantees it', (t) => {
  // ISIN (Luhn) and CUSIP: any single digit changed in a digit position.
  for (const s of [...GOOD_ISINS, ...GOOD_CUSIPS]) {
    const valid = s.length === 12 ? isValidIsin : isValidCusip;
    for (let i = 0; i < s.length; i++) {
      if (!DIGITS.includes(s[i])) continue;
      for (const d of DIGITS) if (d !== s[i]) t.false(valid(s.slice(0, i) + d + s.slice(i + 1)), `${s}[${i}]=${d}`);
    }
  }
  // LEI (MOD 97-10): any character replaced by one of the same class (digit for digit, letter for letter).
  for (const s of GOOD_LEIS)
    for (let i = 0; i < 20; i++) {
      const cls = DIGITS.includes(s[i]) ? DIGITS : ALNUM.slice(10);
      for (const c of cls) if (c !== s[i]) t.false(isValidLei(s.slice(0, i) + c + s.slice(i + 1)), `${s}[${i}]=${c}`);
    }
});

test('property: generated bodies with computed check digits validate; the oracle agrees for LEIs', (t) => {
  const rng = new Prng(555);
  const buf = new Uint8Array(32);
  for (let i = 0; i < 3000; i++) {
    // ISIN
    let body = rng.pick(['US', 'GB', 'DE', 'FR', 'JP', 'XS']);
    for (let k = 0; k < 9; k++) body += rng.pick([...ALNUM]);
    buf.set(ascii(body));
    const check = isinCheckDigitAscii(buf, 0);
    t.true(isValidIsin(body + check), body);
    // CUSIP
    let cb = '';
    for (let k = 0; k < 8; k++) cb += rng.pick([...ALNUM]);
    buf.set(ascii(cb));
    t.true(isValidCusip(cb + cusipCheckDigitAscii(buf, 0)), cb);
    // LEI
    let lb = '';
    for (let k = 0; k < 18; k++) lb += rng.pick([...ALNUM]);
    const full = lb + leiCheckDigits(lb);
    t.is(leiMod97(full), 1n, full);
    t.true(isValidLei(full), full);
  }
});

test('syntax errors are ID_SYNTAX', (t) => {
  for (const s of ['', 'US037833100', 'US03783310055', 'us0378331005', '120378331005', 'US037833100X', 'US03783310-5'])
    t.is(codeOf(() => isin(s)), CodecErrorCode.ID_SYNTAX, s);
  for (const s of ['03783310', '0378331000', '03783310A', '0378-3100', '037833 00'])
    t.is(codeOf(() => cusip(s)), CodecErrorCode.ID_SYNTAX, s);
  for (const s of ['HWUPKR0MPOU8FGXBT39', 'HWUPKR0MPOU8FGXBT3944', 'hwupkr0mpou8fgxbt394', 'HWUPKR0MPOU8FGXBT3A4', 'HWUPKR0MPOU8FGX-T394'])
    t.is(codeOf(() => lei(s)), CodecErrorCode.ID_SYNTAX, s);
  t.is(codeOf(() => leiCheckDigits('SHORT')), CodecErrorCode.ID_SYNTAX);
});

test('CUSIP <-> ISIN and the security key', (t) => {
  t.is(isinFromCusip('037833100'), 'US0378331005' as Isin);
  t.is(isinFromCusip('594918104'), 'US5949181045' as Isin);
  t.true(isValidIsin(isinFromCusip('38259P508')));
  t.true(isValidIsin(isinFromCusip('68389X105', 'CA')));
  t.is(cusipFromIsin(isin('US0378331005')), cusip('037833100'));
  t.is(cusipFromIsin(isin('GB0002634946')), undefined);
  t.is(securityId('US0378331005'), 'US0378331005' as SecurityId);
  t.is(securityId('037833100'), 'US0378331005' as SecurityId, 'a CUSIP becomes its US ISIN');
  t.is(codeOf(() => securityId('037833101')), CodecErrorCode.ID_CHECK_DIGIT);
  t.is(codeOf(() => securityId('AAPL')), CodecErrorCode.ID_SYNTAX);
  t.is(codeOf(() => isinFromCusip('037833100', 'usa')), CodecErrorCode.ID_SYNTAX);
  // PPN characters are valid in a CUSIP but cannot form an ISIN
  const ppnBody = '12345*78';
  const ppn = ppnBody + cusipCheckDigitAscii(ascii(ppnBody), 0);
  t.true(isValidCusip(ppn));
  t.is(codeOf(() => isinFromCusip(ppn)), CodecErrorCode.ID_SYNTAX);
});

test('byte validators read fixed-width fields at an offset without allocating', (t) => {
  const b = ascii('xxUS0378331005037833100HWUPKR0MPOU8FGXBT394');
  t.true(isValidIsinAscii(b, 2));
  t.true(isValidCusipAscii(b, 14));
  t.true(isValidLeiAscii(b, 23));
  t.false(isValidIsinAscii(b, 3));
  t.false(isValidLeiAscii(b, 30), 'past the end');
  const nul = new Uint8Array(12);
  t.false(isValidIsinAscii(nul, 0), 'an all-NUL (null) field is not an ISIN');
  const member = new Uint8Array([0x41, 0x42, 0x43, 0x31, 0, 0, 0, 0]);
  t.true(isValidMemberIdAscii(member, 0));
  t.false(isValidMemberIdAscii(new Uint8Array(8), 0), 'empty');
  t.false(isValidMemberIdAscii(new Uint8Array([0x41, 0, 0x42, 0, 0, 0, 0, 0]), 0), 'junk after the NUL padding');
  t.false(isValidMemberIdAscii(new Uint8Array([0x61, 0, 0, 0, 0, 0, 0, 0]), 0), 'lower case');
});

test('member, session and trade ids', (t) => {
  t.is(memberId('ABC1') as string, 'ABC1');
  t.is(memberId('12345678') as string, '12345678');
  for (const s of ['', '123456789', 'abc', 'AB-1', 'AB 1']) {
    t.false(isValidMemberId(s), s);
    t.is(codeOf(() => memberId(s)), CodecErrorCode.ID_SYNTAX, s);
  }
  t.is(sessionId(1) as number, 1);
  t.is(sessionId(SESSION_ID_MAX) as number, SESSION_ID_MAX);
  for (const n of [0, -1, 1.5, SESSION_ID_MAX + 1, Number.NaN]) t.is(codeOf(() => sessionId(n)), CodecErrorCode.ID_RANGE, String(n));
  t.is(tradeId(1n) as bigint, 1n);
  t.is(tradeId('18446744073709551614') as bigint, TRADE_ID_MAX);
  t.is(tradeId(42) as bigint, 42n);
  t.is(codeOf(() => tradeId(0n)), CodecErrorCode.ID_RANGE);
  t.is(codeOf(() => tradeId('18446744073709551615')), CodecErrorCode.ID_RANGE, 'the uint64 null');
  t.is(codeOf(() => tradeId(2 ** 53)), CodecErrorCode.ID_RANGE);
  t.is(codeOf(() => tradeId('12a')), CodecErrorCode.ID_SYNTAX);
  t.is(codeOf(() => tradeId('-5')), CodecErrorCode.ID_SYNTAX);
});
