/**
 * FIX data dictionary → IR (codegen/fix/dictionary.ts) and the CLI wiring. Facts about the QuickFIX
 * dictionaries below were read off the XML by hand; the invalid fixtures each break one thing in
 * fixtures/fix/valid-base.xml (or pair-app.xml) and expect the whole error text.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { formatError, parseFixDictionaryFiles } from '../../codegen/fix/dictionary.js';
import type { FixDictionary, FixGroupMember, FixMember } from '../../codegen/fix/ir.js';
import { buildTables } from '../../codegen/fix/tables.js';
import { generateFixTs } from '../../codegen/fix/ts.js';
import { generateFixC } from '../../codegen/fix/c.js';
import { PROJECT_ROOT, refdata } from '../helpers/refdata.js';

const FIXTURES = path.join(PROJECT_ROOT, 'test', 'codegen', 'fixtures', 'fix');
const CLI = path.join(PROJECT_ROOT, 'dist', 'codegen', 'cli.js');
const FIX44 = refdata('fix', 'dictionaries', 'FIX44.xml');
const FIXT11 = refdata('fix', 'dictionaries', 'FIXT11.xml');
const FIX50SP2 = refdata('fix', 'dictionaries', 'FIX50SP2.xml');

function parseOk(...files: string[]): FixDictionary {
  const r = parseFixDictionaryFiles(files);
  if (!r.dictionary) throw new Error(r.errors.map(formatError).join('\n'));
  return r.dictionary;
}

let fix44: FixDictionary | undefined;
let fix50: FixDictionary | undefined;
const dict44 = (): FixDictionary => (fix44 ??= parseOk(FIX44));
const dict50 = (): FixDictionary => (fix50 ??= parseOk(FIXT11, FIX50SP2));

const tagOf = (m: FixMember): number => (m.kind === 'field' ? m.tag : m.countTag);
const group = (members: FixMember[], countTag: number): FixGroupMember => {
  const g = members.find((m): m is FixGroupMember => m.kind === 'group' && m.countTag === countTag);
  if (!g) throw new Error(`no group ${countTag}`);
  return g;
};
const message = (d: FixDictionary, msgType: string) => {
  const m = d.messages.find((x) => x.msgType === msgType);
  if (!m) throw new Error(`no message ${msgType}`);
  return m;
};
const required = (members: FixMember[]): number[] => members.filter((m) => m.required).map(tagOf);

function run(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

// ---------------------------------------------------------------- FIX 4.4

test('FIX44: version, counts, header and trailer order', (t) => {
  const d = dict44();
  t.is(d.beginString, 'FIX.4.4');
  t.is(d.applVerID, undefined);
  t.is(d.fields.length, 912);
  t.is(d.messages.length, 93);
  t.is(d.messages.filter((m) => m.category === 'admin').length, 8);
  t.deepEqual(d.header.slice(0, 3).map(tagOf), [8, 9, 35]);
  t.deepEqual(required(d.header), [8, 9, 35, 49, 56, 34, 52]);
  const hops = group(d.header, 627);
  t.is(hops.delimiter, 628);
  t.deepEqual(hops.members.map(tagOf), [628, 629, 630]);
  t.deepEqual(d.trailer.map(tagOf), [93, 89, 10]);
  t.deepEqual(required(d.trailer), [10]);
});

test('FIX44 TradeCaptureReport (AE): required fields, NoSides with delimiter Side and nested NoPartyIDs', (t) => {
  const ae = message(dict44(), 'AE');
  t.is(ae.name, 'TradeCaptureReport');
  t.is(ae.category, 'app');
  // TradeReportID, PreviouslyReported, LastQty, LastPx, TradeDate, TransactTime, NoSides (TrdCapRptSideGrp Y, NoSides Y)
  t.deepEqual(required(ae.members), [571, 570, 32, 31, 75, 60, 552]);
  // Instrument (required) is expanded in place after PriceType (423); its Symbol is optional
  const at = ae.members.findIndex((m) => tagOf(m) === 423);
  t.deepEqual(ae.members.slice(at + 1, at + 4).map(tagOf), [55, 65, 48]);
  t.false(ae.members[at + 1]!.required);
  const sides = group(ae.members, 552);
  t.is(sides.name, 'NoSides');
  t.true(sides.required);
  t.is(sides.delimiter, 54);
  t.deepEqual(sides.members.slice(0, 6).map(tagOf), [54, 37, 198, 11, 526, 66]);
  t.deepEqual(required(sides.members), [54, 37]);
  const parties = group(sides.members, 453);
  t.is(parties.delimiter, 448);
  t.false(parties.required);
  t.deepEqual(parties.members.map(tagOf), [448, 447, 452, 802]);
  const sub = group(parties.members, 802);
  t.is(sub.delimiter, 523);
  t.deepEqual(sub.members.map(tagOf), [523, 803]);
});

test('FIX44: fields, enums and the DATA/LENGTH pairing', (t) => {
  const byTag = new Map(dict44().fields.map((f) => [f.tag, f]));
  const side = byTag.get(54)!;
  t.is(side.name, 'Side');
  t.is(side.type, 'CHAR');
  t.deepEqual(side.values.map((v) => v.value), ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'A', 'B', 'C', 'D', 'E', 'F', 'G']);
  t.is(side.values[0]!.description, 'BUY');
  t.is(byTag.get(552)!.type, 'NUMINGROUP');
  t.is(byTag.get(18)!.type, 'MULTIPLEVALUESTRING');
  t.is(byTag.get(96)!.lengthTag, 95); // RawData ← RawDataLength
  t.is(byTag.get(89)!.lengthTag, 93); // Signature ← SignatureLength
  t.is(byTag.get(355)!.lengthTag, 354); // EncodedText ← EncodedTextLen
  t.is(byTag.get(55)!.lengthTag, undefined);
});

test('FIX44 Logon (A) is admin; a component referenced required="N" makes its fields optional', (t) => {
  const logon = message(dict44(), 'A');
  t.is(logon.category, 'admin');
  t.deepEqual(required(logon.members), [98, 108]);
  // NewOrderSingle (D): OrderQtyData is required="Y" in D but its fields are optional; Instrument's Symbol
  // is optional, so D requires exactly ClOrdID, Side, TransactTime, OrdType.
  t.deepEqual(required(message(dict44(), 'D').members), [11, 54, 60, 40]);
});

// ---------------------------------------------------------------- FIXT 1.1 + FIX 5.0 SP2

test('FIXT11 + FIX50SP2: header, trailer and admin messages from FIXT11, application messages from FIX50SP2', (t) => {
  const d = dict50();
  t.is(d.beginString, 'FIXT.1.1');
  t.is(d.applVerID, '9');
  t.deepEqual(d.versions.map((v) => `${v.type}${v.major}${v.minor}SP${v.servicePack}`), ['FIXT11SP0', 'FIX50SP2']);
  t.deepEqual(d.header.slice(0, 6).map(tagOf), [8, 9, 35, 1128, 1156, 1129]);
  t.deepEqual(d.trailer.map(tagOf), [93, 89, 10]);
  t.is(d.messages.length, 8 + 156);
  t.deepEqual(d.messages.filter((m) => m.category === 'admin').map((m) => m.msgType), ['0', '1', '2', '3', '4', '5', 'A', 'n']);
  t.deepEqual(required(message(d, 'A').members), [98, 108, 1137]);
  const ae = message(d, 'AE');
  t.is(ae.category, 'app');
  t.deepEqual(required(ae.members), []); // every AE field and component content is optional in 5.0 SP2
  const sides = group(ae.members, 552);
  t.false(sides.required);
  t.is(sides.delimiter, 54);
  t.deepEqual(required(sides.members), [54]);
  t.is(group(sides.members, 453).delimiter, 448);
  const byTag = new Map(d.fields.map((f) => [f.tag, f]));
  t.is(d.fields.length, 6028); // FIX50SP2 defines every FIXT11 tag too
  t.is(byTag.get(213)!.type, 'DATA'); // XmlData: DATA in FIXT11 (kept), XMLDATA in FIX50SP2
  t.deepEqual(byTag.get(1128)!.values.map((v) => v.value), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
  t.true(d.fields.every((f, i) => i === 0 || d.fields[i - 1]!.tag < f.tag));
});

test('a pair merges fields and enums; the transport type wins for DATA vs XMLDATA; the order of the files does not matter', (t) => {
  const d = parseOk(path.join(FIXTURES, 'pair-transport.xml'), path.join(FIXTURES, 'pair-app.xml'));
  t.is(d.beginString, 'FIXT.1.1');
  t.is(d.applVerID, '9');
  t.deepEqual(d.messages.map((m) => `${m.msgType}:${m.category}`), ['0:admin', 'A:admin', 'AE:app']);
  const byTag = new Map(d.fields.map((f) => [f.tag, f]));
  t.deepEqual(byTag.get(35)!.values.map((v) => v.value), ['0', 'A', 'AE']);
  t.deepEqual(byTag.get(1128)!.values.map((v) => v.value), ['7', '8', '9', '10']);
  t.is(byTag.get(96)!.type, 'DATA');
  t.is(byTag.get(96)!.lengthTag, 95);
  const reversed = parseOk(path.join(FIXTURES, 'pair-app.xml'), path.join(FIXTURES, 'pair-transport.xml'));
  t.deepEqual(reversed, d);
});

// ---------------------------------------------------------------- errors

const INVALID: ReadonlyArray<[string, string]> = [
  ['ambiguous-group-member', 'ambiguous-group-member.xml:42:5: <field name> tag 1 (Account) of group NoSides is also a field of an enclosing level of message TradeCaptureReport: the end of the group would be ambiguous'],
  ['bad-message-name', 'bad-message-name.xml:15:3: <message name> "Trade-Capture-Report" is not a valid message name (letters, digits, underscore; not starting with a digit)'],
  ['component-cycle', 'component-cycle.xml:41:5: <component name> component "Parties" includes itself (Parties → SideGrp → Parties)'],
  ['count-not-numingroup', 'count-not-numingroup.xml:38:4: <group name> group count field "NoSides" (552) must be NUMINGROUP, found INT'],
  ['duplicate-enum-value', 'duplicate-enum-value.xml:61:4: <value enum> duplicate value "1" of field "Side" (also duplicate-enum-value.xml:60)'],
  ['duplicate-field-in-message', 'duplicate-field-in-message.xml:21:4: <field name> tag 32 (LastQty) appears twice in message TradeCaptureReport (first at duplicate-field-in-message.xml:18)'],
  ['duplicate-msgtype', 'duplicate-msgtype.xml:15:3: <message msgtype> duplicate msgtype "AE" (also duplicate-msgtype.xml:12)'],
  ['duplicate-tag', 'duplicate-tag.xml:64:3: <field number> duplicate tag 55 (also duplicate-tag.xml:63)'],
  ['empty-group', 'empty-group.xml:32:4: <group name> group "NoPartyIDs" has no fields'],
  ['header-field-in-body', 'header-field-in-body.xml:21:4: <field name> tag 49 (SenderCompID) is a header field; it cannot be in the body of message TradeCaptureReport'],
  ['header-order', 'header-order.xml:2:2: <header> must begin with required BeginString (8), BodyLength (9), MsgType (35), in that order'],
  ['missing-required', 'missing-required.xml:20:4: <field required> is required (Y or N)'],
  ['not-well-formed', 'not-well-formed.xml:13:43: <?xml> not well-formed XML: Opening and ending tag mismatch: "message" != "messag"'],
  ['numingroup-as-field', 'numingroup-as-field.xml:21:4: <field name> "NoPartyIDs" (453) is a NUMINGROUP field; declare it as a <group> with its members'],
  ['trailer-without-checksum', 'trailer-without-checksum.xml:23:2: <trailer> must end with required CheckSum (10)'],
  ['unknown-component', 'unknown-component.xml:17:4: <component name> unknown component "Instrumnet"'],
  ['unknown-field', 'unknown-field.xml:18:4: <field name> unknown field "LastQuantity"'],
  [
    'unknown-type',
    'unknown-type.xml:63:3: <field type> unknown field type "SYMBOL" (expected one of STRING, CHAR, PRICE, INT, AMT, QTY, CURRENCY, MULTIPLEVALUESTRING, MULTIPLESTRINGVALUE, MULTIPLECHARVALUE, EXCHANGE, UTCTIMESTAMP, BOOLEAN, LOCALMKTDATE, DATA, FLOAT, PRICEOFFSET, MONTHYEAR, DAYOFMONTH, UTCDATEONLY, UTCDATE, UTCTIMEONLY, TIME, DATE, NUMINGROUP, PERCENTAGE, SEQNUM, TAGNUM, LENGTH, COUNTRY, TZTIMEONLY, TZTIMESTAMP, XMLDATA, LANGUAGE, LOCALMKTTIME, XID, XIDREF)',
  ],
  ['wrong-root', 'wrong-root.xml:1:1: <dictionary> root element must be fix, found dictionary'],
];

const basename = (s: string): string => s.replace(/^.*[\\/]/, '');

test('the base every invalid fixture is derived from is valid', (t) => {
  const d = parseOk(path.join(FIXTURES, 'valid-base.xml'));
  t.deepEqual(d.messages.map((m) => m.msgType), ['0', 'AE']);
  const sides = group(message(d, 'AE').members, 552);
  t.deepEqual(sides.members.map(tagOf), [54, 453, 1]);
  t.deepEqual(required(message(d, 'AE').members), [571, 55, 32, 552]);
});

test('every invalid fixture is covered by a case', (t) => {
  t.deepEqual(
    fs.readdirSync(path.join(FIXTURES, 'invalid')).map((f) => f.replace(/\.xml$/, '')).sort(),
    INVALID.map(([n]) => n).sort(),
  );
});

for (const [name, expected] of INVALID) {
  test(`invalid dictionary: ${name}`, (t) => {
    const r = parseFixDictionaryFiles([path.join(FIXTURES, 'invalid', `${name}.xml`)]);
    t.is(r.dictionary, undefined);
    t.deepEqual(r.errors.map((e) => basename(formatError(e))), [expected]);
  });
}

const INVALID_PAIR: ReadonlyArray<[string, string]> = [
  ['pair-app-admin-message', 'pair-app-admin-message.xml:4:3: <message msgcat> an application dictionary of a FIXT pair defines only app messages'],
  ['pair-app-header', 'pair-app-header.xml:2:2: <header> an application dictionary of a FIXT pair must not define the header (it comes from pair-transport.xml)'],
  ['pair-field-conflict', 'pair-field-conflict.xml:20:3: <field name> tag 49 is "Sender" here but "SenderCompID" at pair-transport.xml:37'],
  ['pair-type-conflict', 'pair-type-conflict.xml:24:3: <field type> field "RawDataLength" (95) is INT here but LENGTH at pair-transport.xml:40'],
];

for (const [name, expected] of INVALID_PAIR) {
  test(`invalid dictionary pair: ${name}`, (t) => {
    const r = parseFixDictionaryFiles([path.join(FIXTURES, 'pair-transport.xml'), path.join(FIXTURES, 'invalid-pair', `${name}.xml`)]);
    t.is(r.dictionary, undefined);
    t.deepEqual(r.errors.map((e) => basename(formatError(e))), [expected]);
  });
}

test('a pair must be one FIXT and one FIX dictionary', (t) => {
  const r = parseFixDictionaryFiles([path.join(FIXTURES, 'valid-base.xml'), path.join(FIXTURES, 'pair-app.xml')]);
  t.is(r.dictionary, undefined);
  t.deepEqual(r.errors.map((e) => basename(formatError(e))), ['pair-app.xml:1:1: <fix type> a dictionary pair must be one FIXT transport and one FIX application dictionary']);
});

test('all errors are collected in one pass, and a missing file is reported, not thrown', (t) => {
  const r = parseFixDictionaryFiles([path.join(FIXTURES, 'multi-fault.xml')]);
  t.is(r.dictionary, undefined);
  t.deepEqual(
    r.errors.map((e) => `${e.line} ${e.element} ${e.attribute ?? ''}`),
    ['64 field number', '17 component name', '18 field name'],
  );
  const missing = parseFixDictionaryFiles([path.join(FIXTURES, 'no-such.xml')]);
  t.is(missing.dictionary, undefined);
  t.regex(formatError(missing.errors[0]!), /no-such\.xml:0:0: <fix> cannot read/);
});

// ---------------------------------------------------------------- tables and targets

test('tables: groups are shared between messages; container ids are stable and deterministic', (t) => {
  const tables = buildTables(dict44());
  t.is(tables.name, 'FIX44');
  t.is(tables.firstGroup, 2 + 93);
  const ae = tables.containers[2 + dict44().messages.findIndex((m) => m.msgType === 'AE')]!;
  t.is(ae.name, 'TradeCaptureReport');
  const sides = tables.containers[ae.members.find((m) => m.tag === 552)!.group]!;
  t.is(sides.kind, 'group');
  t.is(sides.countTag, 552);
  t.is(sides.members[0]!.tag, 54);
  // NoPartyIDs inside AE's NoSides is the same container as NoPartyIDs at NewOrderSingle's top level
  const d = tables.containers[2 + dict44().messages.findIndex((m) => m.msgType === 'D')]!;
  t.is(sides.members.find((m) => m.tag === 453)!.group, d.members.find((m) => m.tag === 453)!.group);
  const again = buildTables(parseOk(FIX44));
  t.deepEqual(again.containers, tables.containers);
  t.is(generateFixTs(again, { source: 'x' }), generateFixTs(tables, { source: 'x' }));
  t.is(generateFixC(again, { source: 'x' }), generateFixC(tables, { source: 'x' }));
});

test('the generated files in src/generated/fix and native/generated/fix are up to date', (t) => {
  const cases: Array<[FixDictionary, string, string]> = [
    [dict44(), 'fix44', 'shared/data/fix/dictionaries/FIX44.xml'],
    [dict50(), 'fix50sp2', 'shared/data/fix/dictionaries/FIXT11.xml, shared/data/fix/dictionaries/FIX50SP2.xml'],
  ];
  for (const [d, base, source] of cases) {
    const tables = buildTables(d);
    const ts = generateFixTs(tables, { source });
    const c = generateFixC(tables, { source });
    t.is(ts.split('\n')[0], `// @generated by codegen from ${source}. DO NOT EDIT.`);
    t.is(c.split('\n')[0], `/* @generated by codegen from ${source}. DO NOT EDIT. */`);
    t.true(fs.readFileSync(path.join(PROJECT_ROOT, 'src', 'generated', 'fix', `${base}.ts`), 'utf8') === ts, `${base}.ts is stale: npm run generate`);
    t.true(fs.readFileSync(path.join(PROJECT_ROOT, 'native', 'generated', 'fix', `${base}.h`), 'utf8') === c, `${base}.h is stale: npm run generate`);
  }
});

// ---------------------------------------------------------------- CLI

test('--fix-dictionary writes fix44.ts / fix44.h; two dictionaries share a folder; --check and stale files', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-fix-'));
  const base = path.join(FIXTURES, 'valid-base.xml');
  const pair = `${path.join(FIXTURES, 'pair-transport.xml')},${path.join(FIXTURES, 'pair-app.xml')}`;
  let r = run('--fix-dictionary', base, '--ts-out', `${dir}/ts`, '--c-out', `${dir}/c`);
  t.is(r.code, 0, r.err);
  r = run('--fix-dictionary', pair, '--ts-out', `${dir}/ts`, '--c-out', `${dir}/c`, '--ir', `${dir}/ir.json`);
  t.is(r.code, 0, r.err);
  t.deepEqual(fs.readdirSync(`${dir}/ts`).sort(), ['fix44.ts', 'fix50sp2.ts']);
  t.deepEqual(fs.readdirSync(`${dir}/c`).sort(), ['fix44.h', 'fix50sp2.h']);
  t.regex(fs.readFileSync(`${dir}/ts/fix50sp2.ts`, 'utf8').split('\n')[0]!, /^\/\/ @generated by codegen from .*pair-transport\.xml, .*pair-app\.xml\. DO NOT EDIT\.$/);
  const ir = JSON.parse(fs.readFileSync(`${dir}/ir.json`, 'utf8')) as FixDictionary;
  t.is(ir.beginString, 'FIXT.1.1');
  t.is(run('--fix-dictionary', base, '--ts-out', `${dir}/ts`, '--c-out', `${dir}/c`, '--check').code, 0);
  // edited output and a stale file from the same dictionary are reported; the other dictionary's file is not stale
  fs.appendFileSync(`${dir}/ts/fix44.ts`, '// hand edit\n');
  const head = fs.readFileSync(`${dir}/ts/fix44.ts`, 'utf8').split('\n')[0]!;
  fs.writeFileSync(`${dir}/ts/old.ts`, `${head}\n`);
  fs.writeFileSync(`${dir}/ts/NOTES.md`, 'mine\n');
  r = run('--fix-dictionary', base, '--ts-out', `${dir}/ts`, '--check');
  t.is(r.code, 1);
  t.regex(r.err, /differs: .*fix44\.ts/);
  t.regex(r.err, /stale: .*old\.ts/);
  t.notRegex(r.err, /fix50sp2|NOTES/);
  t.is(run('--fix-dictionary', base, '--ts-out', `${dir}/ts`).code, 0);
  t.deepEqual(fs.readdirSync(`${dir}/ts`).sort(), ['NOTES.md', 'fix44.ts', 'fix50sp2.ts']);
});

test('--fix-dictionary with an invalid dictionary prints every error, writes nothing and exits 1; usage errors exit 2', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-fix-'));
  const r = run('--fix-dictionary', path.join(FIXTURES, 'multi-fault.xml'), '--ts-out', `${dir}/ts`);
  t.is(r.code, 1);
  t.is(r.err.split('\n').filter((l) => /multi-fault\.xml:\d+:\d+: </.test(l)).length, 3);
  t.false(fs.existsSync(`${dir}/ts`));
  t.is(run('--fix-dictionary', path.join(FIXTURES, 'valid-base.xml')).code, 2);
  t.is(run('--fix-dictionary', 'a.xml', '--schema', 'b.xml', '--ts-out', dir).code, 2);
});
