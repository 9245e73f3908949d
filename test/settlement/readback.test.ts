/**
 * Status read-back: the hand-written sese.024/sese.025 fixtures (test/fixtures/settlement, valid
 * against the XSDs) dropped into a folder and applied to a recording target; malformed, invalid,
 * unknown and contradicting ones moved to rejected/ with their error and nothing applied; a partial
 * confirmation leaving the rest open; the book rebuilt from done/.
 *
 * Modelled on NSCC's public CNS descriptions and on ISO 20022; not DTCC-certified.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { closeCycle } from '../../src/settlement/close.js';
import { InstructionBook, sniffStatusMessage, replayDone, scanDropFolder, DONE_DIR, REJECTED_DIR } from '../../src/settlement/readback.js';
import { failsByMember } from '../../src/settlement/reports.js';
import { SettlementErrorCode as E, type MessageRef, type SettleOutcome, type SettlementTarget } from '../../src/settlement/types.js';
import { SchemaSet, parseXmllintReport, runXmllint, xmllintAvailable } from '../../src/settlement/xmllint.js';
import { PROJECT_ROOT, refdata } from '../helpers/refdata.js';
import { AAPL, GOOG, MSFT, workedCycle } from './worked-cycle.js';

const XSD = refdata('iso20022', 'xsd');
const FIXTURES = path.join(PROJECT_ROOT, 'test', 'fixtures', 'settlement');
const id = (member: string, isin: string): string => `20261125-${member}-${isin}`;

class RecordingTarget implements SettlementTarget {
  settled: [string, string, number, number, number, string][] = [];
  failed: [string, string, number, string, string][] = [];
  refuse = false;
  settle(member: string, isin: string, settlDate: number, qty: number, money: number, ref?: MessageRef): SettleOutcome {
    if (this.refuse) return { ok: false, code: 'POSITION_LOCKED', text: 'test refusal' };
    this.settled.push([member, isin, settlDate, qty, money, ref!.messageId]);
    return { ok: true };
  }
  markFailed(member: string, isin: string, settlDate: number, reasonCode: string, text: string): void {
    this.failed.push([member, isin, settlDate, reasonCode, text]);
  }
}

function tmpDir(t: { teardown(f: () => void): void }): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'settlement-rb-'));
  t.teardown(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

async function closedBook(t: { teardown(f: () => void): void }): Promise<{ book: InstructionBook; cycleDir: string }> {
  const r = await closeCycle(workedCycle(), tmpDir(t), { xsdDir: XSD });
  const book = new InstructionBook();
  book.loadCycle(r.dir);
  return { book, cycleDir: r.dir };
}

function drop(dir: string, ...names: string[]): void {
  for (const n of names) fs.copyFileSync(path.join(FIXTURES, n), path.join(dir, n));
}

const GOOD = [
  '01-sese024-accepted-matched.xml',
  '02-sese024-pending-lack.xml',
  '03-sese024-failing-lack.xml',
  '04-sese024-failing-mony.xml',
  '05-sese025-full.xml',
  '06-sese025-partial.xml',
  '07-sese024-rejected.xml',
];
const BAD = [
  '10-bad-not-wellformed.xml',
  '11-bad-schema-reason.xml',
  '12-bad-unknown-instruction.xml',
  '13-bad-unknown-version.xml',
  '14-bad-oversettle.xml',
  '15-bad-direction.xml',
];

test('the hand-written fixtures are valid against the ISO XSDs (the bad ones as intended)', async (t) => {
  t.true(xmllintAvailable(), 'xmllint is required by this test (Debian: libxml2-utils)');
  const schemas = new SchemaSet(XSD);
  t.teardown(() => schemas.dispose());
  const verdicts = new Map<string, string | undefined>();
  for (const f of [...GOOD, ...BAD, '20-sese025-partial-rest.xml']) {
    const m = f.startsWith('10-') || f.startsWith('13-') ? undefined : sniffStatusMessage(f, fs.readFileSync(path.join(FIXTURES, f)));
    const schema = m === undefined ? schemas.document('sese024') : m.enveloped ? schemas.envelope(m.kind) : schemas.document(m.kind);
    const [v] = await runXmllint(schema, [f], FIXTURES, false);
    verdicts.set(f, v!.error);
  }
  for (const f of [...GOOD, '12-bad-unknown-instruction.xml', '14-bad-oversettle.xml', '15-bad-direction.xml', '20-sese025-partial-rest.xml'])
    t.is(verdicts.get(f), undefined, f);
  t.regex(verdicts.get('10-bad-not-wellformed.xml')!, /parser error/);
  t.regex(verdicts.get('11-bad-schema-reason.xml')!, /XXXX/);
  t.regex(verdicts.get('13-bad-unknown-version.xml')!, /No matching global declaration/);
});

test('drop folder: good messages applied in name order, bad ones rejected with their error, nothing half-applied', async (t) => {
  t.true(xmllintAvailable(), 'xmllint is required by this test (Debian: libxml2-utils)');
  const { book } = await closedBook(t);
  t.is(book.size, 8);
  const dir = tmpDir(t);
  drop(dir, ...GOOD, ...BAD);
  fs.copyFileSync(path.join(FIXTURES, '05-sese025-full.xml'), path.join(dir, '16-dup-of-05.xml'));
  fs.writeFileSync(path.join(dir, 'README.txt'), 'not a message');
  fs.writeFileSync(path.join(dir, '.incoming.xml'), '<being written'); // dot-files are in transfer: left alone
  const target = new RecordingTarget();
  const r = await scanDropFolder(dir, book, target, { validate: true, xsdDir: XSD });

  t.deepEqual(
    r.applied.map((a) => [a.file, a.action, a.state]),
    [
      ['01-sese024-accepted-matched.xml', 'none', 'MATCHED'],
      ['02-sese024-pending-lack.xml', 'none', 'PENDING'],
      ['03-sese024-failing-lack.xml', 'markFailed', 'FAILING'],
      ['04-sese024-failing-mony.xml', 'markFailed', 'FAILING'],
      ['05-sese025-full.xml', 'settle', 'SETTLED'],
      ['06-sese025-partial.xml', 'settle', 'PARTIALLY_SETTLED'],
      ['07-sese024-rejected.xml', 'markFailed', 'REJECTED'],
    ],
  );
  // Exactly these target calls: settled quantity (signed as the position) and DVP cash (10^-4).
  t.deepEqual(target.settled, [
    ['MBRB', AAPL, 20261125, -400, 760_000_000, 'DPST-CNF-0005'],
    ['MBRC', MSFT, 20261125, -10, 41_012_500, r.applied[5]!.messageId],
  ]);
  t.regex(r.applied[5]!.messageId, /^sha256:[0-9a-f]{64}$/, 'a bare Document is identified by its digest');
  t.deepEqual(
    target.failed.map((f) => f.slice(0, 4)),
    [
      ['MBRA', MSFT, 20261125, 'LACK'],
      ['MBRC', GOOG, 20261125, 'MONY'],
      ['MBRC', AAPL, 20261125, 'SAFE'],
    ],
  );
  t.regex(target.failed[1]![4], /FAILING: MONY \(cash account C-CASH-1 short\)/);

  t.deepEqual(
    r.rejected.map((x) => [x.file, x.code]),
    [
      ['10-bad-not-wellformed.xml', E.MSG_MALFORMED],
      ['11-bad-schema-reason.xml', E.XML_INVALID],
      ['12-bad-unknown-instruction.xml', E.MSG_UNKNOWN_INSTRUCTION],
      ['13-bad-unknown-version.xml', E.MSG_UNKNOWN_TYPE],
      ['14-bad-oversettle.xml', E.MSG_STATE],
      ['15-bad-direction.xml', E.MSG_MISMATCH],
      ['16-dup-of-05.xml', E.MSG_DUPLICATE],
      ['README.txt', E.MSG_UNKNOWN_TYPE],
    ],
  );
  t.regex(r.rejected[1]!.message, /11-bad-schema-reason\.xml:6: element Cd: Schemas validity error.*XXXX/);
  t.regex(r.rejected[4]!.message, /settles 1001 but only 1000 remain open/);

  // Files moved: applied ones to done/, the others to rejected/ with <name>.error.txt.
  t.deepEqual(fs.readdirSync(dir).sort(), ['.incoming.xml', DONE_DIR, REJECTED_DIR]);
  t.deepEqual(fs.readdirSync(path.join(dir, DONE_DIR)).sort(), GOOD);
  const rejected = fs.readdirSync(path.join(dir, REJECTED_DIR)).sort();
  t.is(rejected.length, 16);
  for (const x of r.rejected) {
    t.true(rejected.includes(x.file), x.file);
    const err = fs.readFileSync(path.join(dir, REJECTED_DIR, `${x.file}.error.txt`), 'utf8');
    t.true(err.startsWith(`${x.code}\n`), x.file);
  }

  // The book: rejected messages changed nothing.
  const st = (m: string, s: string): [string, number, number] => {
    const e = book.get(id(m, s))!;
    return [e.state, e.settledQty, e.quantity - e.settledQty];
  };
  t.deepEqual(st('MBRA', GOOG), ['INSTRUCTED', 0, 1000]);
  t.deepEqual(st('MBRB', MSFT), ['INSTRUCTED', 0, 50]);
  t.deepEqual(st('MBRB', AAPL), ['SETTLED', 400, 0]);
  t.deepEqual(st('MBRC', MSFT), ['PARTIALLY_SETTLED', 10, 20]);
  t.deepEqual(book.get(id('MBRA', MSFT))!.settlement!.reasons, [{ code: 'LACK', proprietary: false, text: undefined }]);

  // Fails report: what stays open, with the reason.
  t.deepEqual(
    failsByMember(book).map((f) => [f.member, f.isin, f.state, f.openQty, f.openAmount, f.reason]),
    [
      ['MBRA', MSFT, 'FAILING', '20', '8202.5000', 'LACK'],
      ['MBRC', AAPL, 'REJECTED', '100', '19000.0000', 'SAFE'],
      ['MBRC', GOOG, 'FAILING', '1000', '12345.6789', 'MONY'],
      ['MBRC', MSFT, 'PARTIALLY_SETTLED', '20', '8202.5000', ''],
    ],
  );
  t.is(failsByMember(book, undefined, true).length, 7, 'with unreported instructions: + MBRA AAPL (matched), MBRA GOOG and MBRB MSFT');

  // The rest of the partial delivery settles later; the instruction closes.
  drop(dir, '20-sese025-partial-rest.xml');
  const r2 = await scanDropFolder(dir, book, target, { validate: true, xsdDir: XSD });
  t.deepEqual(r2.rejected, []);
  t.deepEqual(target.settled[2]!.slice(0, 5), ['MBRC', MSFT, 20261125, -20, 82_025_000]);
  t.deepEqual(st('MBRC', MSFT), ['SETTLED', 30, 0]);

  // A fresh book rebuilt from the cycle and done/ has the same state, without touching any target.
  const { book: again } = await closedBook(t);
  t.is(replayDone(again, dir), 8);
  for (const e of book.entries()) {
    const a = again.get(e.id)!;
    t.deepEqual([a.state, a.settledQty, a.settledAmount], [e.state, e.settledQty, e.settledAmount], e.id);
  }
});

test('a target refusing the settlement rejects the message and leaves the book as it was', async (t) => {
  const { book } = await closedBook(t);
  const dir = tmpDir(t);
  drop(dir, '05-sese025-full.xml');
  const target = new RecordingTarget();
  target.refuse = true;
  const r = await scanDropFolder(dir, book, target, { xsdDir: XSD });
  t.deepEqual(
    r.rejected.map((x) => x.code),
    [E.TARGET_REJECTED],
  );
  t.regex(r.rejected[0]!.message, /POSITION_LOCKED/);
  t.deepEqual([book.get(id('MBRB', AAPL))!.state, book.get(id('MBRB', AAPL))!.settledQty], ['INSTRUCTED', 0]);
  t.false(book.hasMessage('DPST-CNF-0005'), 'the message can be dropped again once the engine accepts it');
});

test('without schema validation the reader still refuses unknown reason codes and broken messages', async (t) => {
  const { book } = await closedBook(t);
  const dir = tmpDir(t);
  drop(dir, '10-bad-not-wellformed.xml', '11-bad-schema-reason.xml', '03-sese024-failing-lack.xml');
  const target = new RecordingTarget();
  const r = await scanDropFolder(dir, book, target, { validate: false });
  t.deepEqual(
    r.rejected.map((x) => [x.file, x.code]),
    [
      ['10-bad-not-wellformed.xml', E.MSG_MALFORMED],
      ['11-bad-schema-reason.xml', E.MSG_MALFORMED],
    ],
  );
  t.regex(r.rejected[1]!.message, /XXXX is not a reason code of SttlmSts\/Flng/);
  t.is(r.applied.length, 1);
  t.is(target.failed.length, 1);
});

test('xmllint report parsing: stream-mode quirks are attributed to the right file', (t) => {
  const files = ['a.xml', 'b.xml', 'c.xml', 'd.xml'];
  const stderr = [
    'a.xml validates',
    "b.xml:4: Schemas validity error : Element 'Unit': 'abc' is not a valid value",
    'b.xml fails to validate',
    'Unimplemented block at ../../xmlschemas.c:28711',
    'c.xml validates',
    'c.xml : failed to parse',
    'd.xml validates',
    '',
  ].join('\n');
  const v = parseXmllintReport(files, stderr, 1);
  t.is(v[0]!.error, undefined);
  t.regex(v[1]!.error!, /not a valid value/);
  t.regex(v[2]!.error!, /Unimplemented block[\s\S]*failed to parse/, 'the orphan line goes to the next file named, not to the previous');
  t.is(v[3]!.error, undefined);
  const none = parseXmllintReport(['x.xml'], 'WXS schema foo.xsd failed to compile\n', 5);
  t.regex(none[0]!.error!, /failed to compile/);
});
