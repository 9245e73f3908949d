/**
 * src/fix/dictionary.ts over the generated tables (src/generated/fix): hand-checked facts about FIX 4.4
 * and FIXT 1.1 + FIX 5.0 SP2, then every field, enum value, message and group of the IR (parsed from the
 * XML by codegen) looked up through the runtime.
 */
import test from 'ava';
import { FIX44 } from '../../src/generated/fix/fix44.js';
import { FIX50SP2 } from '../../src/generated/fix/fix50sp2.js';
import {
  CONTAINER_HEADER,
  CONTAINER_TRAILER,
  FIELD_TYPE_NAMES,
  FieldType,
  FixDictionaryErrorCode,
  type FixDictionary,
  type FixDictionaryTables,
  NOT_FOUND,
  dataLengthTag,
  fieldName,
  fieldType,
  fieldTypeName,
  groupCountTag,
  groupDef,
  groupDelimiter,
  isAdminMessage,
  isEnumerated,
  isFieldDefined,
  isGroup,
  isHeaderTag,
  isMessage,
  isTagInContainer,
  isTrailerTag,
  isValidEnum,
  isValidEnumString,
  loadFixDictionary,
  memberAt,
  memberCount,
  memberGroup,
  memberOf,
  memberPosition,
  memberRequired,
  memberTag,
  messageDef,
  messageDefBytes,
  messageMsgType,
  messageName,
  requiredCount,
} from '../../src/fix/dictionary.js';
import { FIX_FIELD_TYPES, type FixDictionary as FixIr, type FixMember } from '../../codegen/fix/ir.js';
import { formatError, parseFixDictionaryFiles } from '../../codegen/fix/dictionary.js';
import { refdata } from '../helpers/refdata.js';
import { GatewayError } from '../../src/codec/errors.js';

// The generated modules have the runtime's table shape (checked by the compiler).
const tables44: FixDictionaryTables = FIX44;
const tables50: FixDictionaryTables = FIX50SP2;
const d44 = loadFixDictionary(tables44);
const d50 = loadFixDictionary(tables50);

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
/** A value placed at an offset in a larger buffer, as the framer hands it over. */
function inBuffer(s: string): [Uint8Array, number, number] {
  const buf = new Uint8Array(s.length + 7).fill(0x01);
  buf.set(ascii(s), 3);
  return [buf, 3, s.length];
}
const enumOk = (d: FixDictionary, tag: number, s: string): boolean => isValidEnum(d, tag, ...inBuffer(s));

function members(d: FixDictionary, c: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < memberCount(d, c); i++) out.push(memberTag(d, memberAt(d, c, i)));
  return out;
}
function requiredTags(d: FixDictionary, c: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < memberCount(d, c); i++) if (memberRequired(d, memberAt(d, c, i))) out.push(memberTag(d, memberAt(d, c, i)));
  return out;
}

test('type codes: runtime, generated tables and codegen agree', (t) => {
  t.deepEqual([...FIELD_TYPE_NAMES], [...FIX_FIELD_TYPES]);
  t.deepEqual([...FIX44.fieldTypeNames], [...FIELD_TYPE_NAMES]);
  t.is(FieldType.NONE, 0);
  t.is(FieldType.STRING, 1);
  t.is(fieldTypeName(FieldType.NUMINGROUP), 'NUMINGROUP');
  t.is(fieldTypeName(0), '');
});

test('FIX44 field types by tag', (t) => {
  t.is(d44.beginString, 'FIX.4.4');
  t.is(d44.applVerID, '');
  t.is(fieldType(d44, 54), FieldType.CHAR);
  t.is(fieldType(d44, 552), FieldType.NUMINGROUP);
  t.is(fieldType(d44, 9), FieldType.LENGTH);
  t.is(fieldType(d44, 52), FieldType.UTCTIMESTAMP);
  t.is(fieldType(d44, 96), FieldType.DATA);
  t.is(fieldType(d44, 18), FieldType.MULTIPLEVALUESTRING);
  t.is(fieldType(d44, 956), FieldType.LOCALMKTDATE); // the highest FIX 4.4 tag
  for (const undefinedTag of [0, -1, 957, 5000, 1 << 20, 20 /* unused in 4.4 */]) t.is(fieldType(d44, undefinedTag), FieldType.NONE, String(undefinedTag));
  t.false(isFieldDefined(d44, 20));
  t.true(isFieldDefined(d44, 21));
  t.true(isEnumerated(d44, 54));
  t.false(isEnumerated(d44, 55));
  t.is(fieldName(d44, 552), 'NoSides');
  t.is(fieldName(d44, 5000), undefined);
  t.is(dataLengthTag(d44, 96), 95);
  t.is(dataLengthTag(d44, 89), 93);
  t.is(dataLengthTag(d44, 55), 0);
});

test('FIX50SP2 field types reach past tag 40000', (t) => {
  t.is(d50.beginString, 'FIXT.1.1');
  t.is(d50.applVerID, '9');
  t.is(fieldType(d50, 1128), FieldType.STRING);
  t.is(fieldType(d50, 213), FieldType.DATA); // FIXT11's type wins over FIX50SP2's XMLDATA
  t.is(fieldType(d50, 50002), FieldType.INT); // BatchProcessMode
  t.is(fieldName(d50, 50002), 'BatchProcessMode');
  t.is(fieldType(d50, 43123) !== FieldType.NONE, true);
  t.is(fieldType(d50, 39999), FieldType.NONE);
  t.is(fieldType(d50, 50003), FieldType.NONE);
});

test('header and trailer bitsets; header order rules', (t) => {
  for (const tag of [8, 9, 35, 49, 56, 34, 52, 627, 628, 629, 630, 43, 97, 122]) t.true(isHeaderTag(d44, tag), String(tag));
  for (const tag of [0, 10, 54, 55, 1128, 100000]) t.false(isHeaderTag(d44, tag), String(tag));
  for (const tag of [93, 89, 10]) t.true(isTrailerTag(d44, tag), String(tag));
  t.false(isTrailerTag(d44, 8));
  t.deepEqual(members(d44, CONTAINER_HEADER).slice(0, 3), [8, 9, 35]);
  t.deepEqual(requiredTags(d44, CONTAINER_HEADER), [8, 9, 35, 49, 56, 34, 52]);
  t.deepEqual(members(d44, CONTAINER_TRAILER), [93, 89, 10]);
  t.deepEqual(requiredTags(d44, CONTAINER_TRAILER), [10]);
  // the header's NoHops group
  const hops = groupDef(d44, CONTAINER_HEADER, 627);
  t.true(isGroup(d44, hops));
  t.is(groupDelimiter(d44, hops), 628);
  // FIXT 1.1: ApplVerID, ApplExtID, CstmApplVerID right after MsgType
  t.deepEqual(members(d50, CONTAINER_HEADER).slice(0, 6), [8, 9, 35, 1128, 1156, 1129]);
  t.true(isHeaderTag(d50, 1128));
  t.false(isHeaderTag(d44, 1128));
});

test('FIX44 TradeCaptureReport (AE): required tags, NoSides delimited by Side, nested NoPartyIDs delimited by PartyID', (t) => {
  const ae = messageDef(d44, 'AE');
  t.true(isMessage(d44, ae));
  t.is(messageName(d44, ae), 'TradeCaptureReport');
  t.is(messageMsgType(d44, ae), 'AE');
  t.false(isAdminMessage(d44, ae));
  t.deepEqual(requiredTags(d44, ae), [571, 570, 32, 31, 75, 60, 552]);
  t.is(requiredCount(d44, ae), 7);
  t.is(memberOf(d44, ae, 54), NOT_FOUND); // Side only inside NoSides
  t.true(isTagInContainer(d44, ae, 54));
  t.true(isTagInContainer(d44, ae, 523)); // PartySubID, two groups deep
  t.false(isTagInContainer(d44, ae, 98)); // EncryptMethod: Logon only
  const sides = groupDef(d44, ae, 552);
  t.true(isGroup(d44, sides));
  t.is(groupCountTag(d44, sides), 552);
  t.is(groupDelimiter(d44, sides), 54);
  t.deepEqual(requiredTags(d44, sides), [54, 37]);
  const side = memberOf(d44, sides, 54);
  t.is(memberPosition(d44, sides, side), 0);
  t.true(memberRequired(d44, side));
  t.is(memberGroup(d44, side), NOT_FOUND);
  t.true(memberPosition(d44, sides, memberOf(d44, sides, 37)) === 1);
  const parties = groupDef(d44, sides, 453);
  t.is(groupDelimiter(d44, parties), 448);
  t.deepEqual(members(d44, parties), [448, 447, 452, 802]);
  t.is(groupDelimiter(d44, groupDef(d44, parties, 802)), 523);
  // Parties of NewOrderSingle is the same group container
  t.is(groupDef(d44, messageDef(d44, 'D'), 453), parties);
  t.is(groupDef(d44, ae, 453), NOT_FOUND);
  t.is(groupDef(d44, ae, 571), NOT_FOUND); // a plain field opens no group
  t.is(groupCountTag(d44, ae), 0);
  t.is(groupDelimiter(d44, ae), 0);
});

test('messages by MsgType (string and bytes); admin and unknown', (t) => {
  for (const [mt, name, admin] of [
    ['0', 'Heartbeat', true],
    ['A', 'Logon', true],
    ['5', 'Logout', true],
    ['D', 'NewOrderSingle', false],
    ['AE', 'TradeCaptureReport', false],
    ['BH', 'ConfirmationRequest', false],
    ['n', 'XMLnonFIX', true],
  ] as const) {
    const c = messageDef(d44, mt);
    t.is(messageName(d44, c), name, mt);
    t.is(isAdminMessage(d44, c), admin, mt);
    t.is(messageDefBytes(d44, ...inBuffer(mt)), c, mt);
  }
  for (const unknown of ['', 'ZZ', 'A ', 'AEE', 'ae', 'CJ']) {
    t.is(messageDef(d44, unknown), NOT_FOUND, unknown);
    t.is(messageDefBytes(d44, ...inBuffer(unknown)), NOT_FOUND, unknown);
  }
  t.deepEqual(requiredTags(d44, messageDef(d44, 'A')), [98, 108]);
  t.is(messageName(d44, CONTAINER_HEADER), '');
  t.is(messageMsgType(d44, groupDef(d44, messageDef(d44, 'AE'), 552)), '');
});

test('FIX50SP2 TradeCaptureReport (AE) via the FIXT11 header; FIXT11 admin messages', (t) => {
  const ae = messageDef(d50, 'AE');
  t.is(messageName(d50, ae), 'TradeCaptureReport');
  t.false(isAdminMessage(d50, ae));
  t.deepEqual(requiredTags(d50, ae), []);
  const sides = groupDef(d50, ae, 552);
  t.is(groupDelimiter(d50, sides), 54);
  t.deepEqual(requiredTags(d50, sides), [54]);
  t.is(groupDelimiter(d50, groupDef(d50, sides, 453)), 448);
  const logon = messageDef(d50, 'A');
  t.true(isAdminMessage(d50, logon));
  t.deepEqual(requiredTags(d50, logon), [98, 108, 1137]);
  t.true(isAdminMessage(d50, messageDef(d50, 'n'))); // XMLnonFIX
  t.is(messageName(d50, messageDef(d50, 'CJ')), 'MarginRequirementReport'); // not in FIX 4.4
  t.is(messageDef(d50, 'ZZ'), NOT_FOUND);
});

test('enum validity: single values, multi-value fields, fields without enums', (t) => {
  t.true(enumOk(d44, 54, '1'));
  t.true(enumOk(d44, 54, 'G'));
  t.false(enumOk(d44, 54, 'Z'));
  t.false(enumOk(d44, 54, ''));
  t.false(enumOk(d44, 54, '11'));
  t.false(enumOk(d44, 54, '1 2')); // Side is CHAR, not multi-value
  t.true(enumOk(d44, 35, 'AE'));
  t.false(enumOk(d44, 35, 'A E'));
  t.true(enumOk(d44, 55, 'anything at all')); // Symbol has no enumerated values
  t.true(enumOk(d44, 99999, 'x')); // not a field: no enum restriction (the tag check is separate)
  // ExecInst (18) is MULTIPLEVALUESTRING: space-separated tokens, each one a value
  t.true(enumOk(d44, 18, '1'));
  t.true(enumOk(d44, 18, '1 2 A'));
  t.false(enumOk(d44, 18, '1  2'));
  t.false(enumOk(d44, 18, ' 1'));
  t.false(enumOk(d44, 18, '1 '));
  t.false(enumOk(d44, 18, '1 ?'));
  t.true(isValidEnumString(d44, 18, '1 2 A'));
  t.false(isValidEnumString(d44, 18, '1 2 ?'));
  t.true(isValidEnumString(d44, 54, '2'));
  t.false(isValidEnumString(d44, 54, 'Z'));
  t.false(isValidEnumString(d44, 54, ''));
  // FIX50SP2: merged ApplVerID values
  t.true(enumOk(d50, 1128, '9'));
  t.true(enumOk(d50, 1128, '10'));
  t.false(enumOk(d50, 1128, '11'));
});

test('loadFixDictionary refuses tables whose type codes differ from the runtime', (t) => {
  const bad: FixDictionaryTables = { ...FIX44, fieldTypeNames: ['CHAR', ...FIX44.fieldTypeNames.slice(1)] };
  const e = t.throws(() => loadFixDictionary(bad), { instanceOf: GatewayError });
  t.is(e?.code, FixDictionaryErrorCode.FIX_DICTIONARY_TABLES);
  const truncated: FixDictionaryTables = { ...FIX44, memberTag: FIX44.memberTag.subarray(1) };
  t.throws(() => loadFixDictionary(truncated), { instanceOf: GatewayError });
});

// ---------------------------------------------------------------- exhaustive cross-check against the IR

function parseIr(...files: string[]): FixIr {
  const r = parseFixDictionaryFiles(files.map((f) => refdata('fix', 'dictionaries', f)));
  if (!r.dictionary) throw new Error(r.errors.map(formatError).join('\n'));
  return r.dictionary;
}

/** Compare one container with the IR members, recursively through its groups. Returns mismatches. */
function compareContainer(d: FixDictionary, c: number, ir: FixMember[], where: string, out: string[]): void {
  if (memberCount(d, c) !== ir.length) out.push(`${where}: ${memberCount(d, c)} members, IR has ${ir.length}`);
  ir.forEach((m, i) => {
    const tag = m.kind === 'field' ? m.tag : m.countTag;
    const k = memberOf(d, c, tag);
    if (k !== memberAt(d, c, i)) out.push(`${where}: tag ${tag} at ${k}, expected position ${i}`);
    if (memberRequired(d, k) !== m.required) out.push(`${where}: tag ${tag} required ${String(memberRequired(d, k))}`);
    if (m.kind === 'field') {
      if (memberGroup(d, k) !== NOT_FOUND) out.push(`${where}: field ${tag} opens a group`);
      return;
    }
    const g = groupDef(d, c, tag);
    if (groupCountTag(d, g) !== tag || groupDelimiter(d, g) !== m.delimiter) out.push(`${where}: group ${tag}`);
    compareContainer(d, g, m.members, `${where}/${m.name}`, out);
  });
}

for (const [label, dict, files] of [
  ['FIX44', d44, ['FIX44.xml']],
  ['FIXT11+FIX50SP2', d50, ['FIXT11.xml', 'FIX50SP2.xml']],
] as const) {
  test(`${label}: every field, enum value, message and group of the IR is found through the runtime`, (t) => {
    const ir = parseIr(...files);
    const problems: string[] = [];
    const defined = new Set(ir.fields.map((f) => f.tag));
    for (const f of ir.fields) {
      if (fieldTypeName(fieldType(dict, f.tag)) !== f.type) problems.push(`type of ${f.tag}`);
      if (fieldName(dict, f.tag) !== f.name) problems.push(`name of ${f.tag}`);
      if (isEnumerated(dict, f.tag) !== f.values.length > 0) problems.push(`enumerated ${f.tag}`);
      if (dataLengthTag(dict, f.tag) !== (f.lengthTag ?? 0)) problems.push(`length tag of ${f.tag}`);
      const values = new Set(f.values.map((v) => v.value));
      for (const v of values) if (!enumOk(dict, f.tag, v) || !isValidEnumString(dict, f.tag, v)) problems.push(`enum ${f.tag}=${v}`);
      if (values.size > 0) {
        // near misses: each value with a character appended, and the values of another field
        for (const v of values) if (!values.has(`${v}X`) && enumOk(dict, f.tag, `${v}X`)) problems.push(`enum ${f.tag}=${v}X accepted`);
        for (const v of ['Z9', '~', '@@']) if (!values.has(v) && enumOk(dict, f.tag, v)) problems.push(`enum ${f.tag}=${v} accepted`);
      }
    }
    for (let tag = 0; tag < dict.tables.tagLimit + 300; tag++) if (!defined.has(tag) && isFieldDefined(dict, tag)) problems.push(`phantom tag ${tag}`);
    compareContainer(dict, CONTAINER_HEADER, ir.header, 'header', problems);
    compareContainer(dict, CONTAINER_TRAILER, ir.trailer, 'trailer', problems);
    for (const m of ir.messages) {
      const c = messageDef(dict, m.msgType);
      if (messageName(dict, c) !== m.name || isAdminMessage(dict, c) !== (m.category === 'admin')) problems.push(`message ${m.msgType}`);
      compareContainer(dict, c, m.members, m.name, problems);
    }
    t.deepEqual(problems.slice(0, 20), []);
  });
}
