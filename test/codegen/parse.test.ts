import test from 'ava';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatError, parseSchemaFile } from '../../codegen/parse.js';
import type { Schema } from '../../codegen/ir.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const FIXTURES = path.join(ROOT, 'test', 'codegen', 'fixtures');
const REFDATA = process.env.GATEWAY_REFDATA ?? path.resolve(ROOT, '..', 'shared', 'data');

function parseOk(file: string): Schema {
  const r = parseSchemaFile(file);
  if (!r.schema) throw new Error(r.errors.map(formatError).join('\n'));
  return r.schema;
}

/**
 * One fault per fixture, each a copy of fixtures/valid-base.xml with one thing broken; the
 * expected text is the whole formatted error (file:line:column, element, attribute, message).
 */
const INVALID: ReadonlyArray<[string, string]> = [
  ["bad-value-ref", "bad-value-ref.xml:24:1: <field valueRef> enum \"Side\" has no value \"Short\""],
  ["block-length-too-small", "block-length-too-small.xml:23:1: <sbe:message blockLength> blockLength 8 is less than the fields need (16)"],
  ["char-enum-value-too-long", "char-enum-value-too-long.xml:23:1: <validValue> char enum value must be one printable ASCII character, found \"OP\""],
  ["char-null-value-too-long", "char-null-value-too-long.xml:22:1: <type nullValue> a char nullValue must be exactly one ASCII character, found \"00\""],
  ["character-encoding-on-int", "character-encoding-on-int.xml:22:1: <type characterEncoding> only applies to char or uint8, not int64"],
  ["composite-cycle", "composite-cycle.xml:22:1: <composite name> type \"A\" refers to itself (cycle through A → B)"],
  ["constant-without-value", "constant-without-value.xml:22:1: <type presence> constant type needs a value (element text or valueRef)"],
  ["data-type-not-var-data", "data-type-not-var-data.xml:24:1: <data type> \"groupSizeEncoding\" must have members \"length\" and \"varData\""],
  ["duplicate-enum-value", "duplicate-enum-value.xml:24:1: <validValue> value \"1\" of \"Closed\" repeats the value of \"Open\""],
  ["duplicate-field-name", "duplicate-field-name.xml:25:1: <field name> duplicate name \"qty\" in Trade (also duplicate-field-name.xml:24)"],
  ["duplicate-message-id", "duplicate-message-id.xml:26:1: <sbe:message id> duplicate message id 1 (also duplicate-message-id.xml:23)"],
  ["duplicate-type", "duplicate-type.xml:22:1: <enum name> duplicate type \"Side\" (first defined at duplicate-type.xml:18)"],
  ["enum-value-out-of-range", "enum-value-out-of-range.xml:23:1: <validValue> enum value 300 does not fit uint8 (0..255)"],
  ["field-after-group", "field-after-group.xml:27:1: <field> field \"qty\" must come before all groups and data of Trade"],
  ["group-after-data", "group-after-data.xml:25:1: <group> group \"sides\" must come before all data of Trade"],
  ["header-signed-member", "header-signed-member.xml:4:1: <composite> message header member \"version\" must be an unsigned integer, non-constant"],
  ["invalid-name", "invalid-name.xml:24:1: <field name> \"last-qty\" is not a valid identifier (letters, digits, underscore; not starting with a digit)"],
  ["min-greater-than-max", "min-greater-than-max.xml:22:1: <type minValue> minValue 100 is greater than maxValue 0"],
  ["missing-dimension-member", "missing-dimension-member.xml:28:1: <group dimensionType> \"badDimension\" has no member \"numInGroup\""],
  ["missing-field-id", "missing-field-id.xml:24:1: <field id> is required"],
  ["missing-header", "missing-header.xml:2:1: <sbe:messageSchema headerType> message header composite \"messageHeader\" is not defined"],
  ["not-well-formed", "not-well-formed.xml:24:40: <?xml> not well-formed XML: Opening and ending tag mismatch: \"sbe:messageSchema\" != \"sbe:message\""],
  ["null-value-out-of-range", "null-value-out-of-range.xml:22:1: <type nullValue> nullValue 256 does not fit uint8 (0..255)"],
  ["overlapping-offset", "overlapping-offset.xml:25:1: <field offset> offset 4 overlaps the previous field, which ends at 8"],
  ["set-bit-out-of-range", "set-bit-out-of-range.xml:23:1: <choice> choice bit must be an integer from 0 to 7 for uint8, found \"8\""],
  ["since-version-too-new", "since-version-too-new.xml:24:1: <field sinceVersion> sinceVersion 2 is newer than the schema version 1"],
  ["unknown-primitive", "unknown-primitive.xml:22:1: <type primitiveType> unknown primitive \"decimal64\" (expected one of char, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float, double)"],
  ["unknown-type", "unknown-type.xml:24:1: <field type> unknown type \"Quantity\""],
  ["var-data-as-field", "var-data-as-field.xml:24:1: <field type> \"varString\" is a var-data composite; use <data>, not <field>"],
  ["wrong-root", "wrong-root.xml:2:1: <schema> root element must be messageSchema, found schema"],
  ["enum-value-outside-encoding-range", "enum-value-outside-encoding-range.xml:24:1: <validValue> value \"6\" of \"Open\" is outside the encoding type's range 1..5"],
  ["unsupported-character-encoding", "unsupported-character-encoding.xml:22:1: <type characterEncoding> \"GB18030\" is not supported (supported: US-ASCII, ASCII, ISO-8859-1, ISO8859-1, LATIN1, LATIN-1, UTF-8, UTF8); declare the bytes as uint8 to carry them raw"],
];

test('the base that every invalid fixture is derived from is valid', (t) => {
  const s = parseOk(path.join(FIXTURES, 'valid-base.xml'));
  t.is(s.messages[0]!.name, 'Trade');
});

for (const [name, expected] of INVALID) {
  test(`invalid schema: ${name}`, (t) => {
    const r = parseSchemaFile(path.join(FIXTURES, 'invalid', `${name}.xml`));
    t.is(r.schema, undefined);
    t.deepEqual(
      r.errors.map((e) => formatError(e).replace(/^.*[\\/]/, '')),
      [expected],
    );
  });
}

test('all errors are collected in one pass, not just the first', (t) => {
  // missing-field-id and unknown-type faults together in one document
  const r = parseSchemaFile(path.join(FIXTURES, 'multi-fault.xml'));
  t.deepEqual(
    r.errors.map((e) => `${e.line} ${e.element} ${e.attribute ?? ''}`),
    ['24 field id', '25 field type', '27 sbe:message id'],
  );
});

test('reference schemas: layouts agree with sbe-tool (block lengths of the golden vectors)', (t) => {
  const sbe = path.join(REFDATA, 'sbe');
  const car = parseOk(path.join(sbe, 'schemas', 'example-schema.xml')).messages[0]!;
  t.is(car.blockLength, 45);
  t.deepEqual(
    car.fields.map((f) => [f.name, f.offset]),
    [
      ['serialNumber', 0],
      ['modelYear', 8],
      ['available', 10],
      ['code', 11],
      ['someNumbers', 12],
      ['vehicleCode', 28],
      ['extras', 34],
      ['discountedModel', -1],
      ['engine', 35],
    ],
  );
  t.is(parseOk(path.join(sbe, 'schemas', 'example-extension-schema.xml')).messages[0]!.blockLength, 62);
  const be = parseOk(path.join(sbe, 'schemas', 'example-bigendian-test-schema.xml'));
  t.is(be.byteOrder, 'bigEndian');
  t.is(be.messages[0]!.blockLength, 49);
  const gwd = parseOk(path.join(sbe, 'schemas', 'group-with-data-schema.xml'));
  const entries = gwd.messages.find((m) => m.name === 'TestMessage3')!.groups[0]!;
  t.is(entries.blockLength, 9);
  t.is(entries.groups[0]!.blockLength, 8);
  t.is(entries.data[0]!.lengthPrimitive, 'uint8');
  const offsets = parseOk(path.join(sbe, 'schemas', 'composite-offsets-schema.xml'));
  t.deepEqual(
    [offsets.headerMembers.templateId.offset, offsets.headerMembers.schemaId.offset, offsets.header.size],
    [4, 8, 12],
  );
  t.is(offsets.messages[0]!.groups[0]!.numInGroupMember.offset, 7);
  t.is(offsets.messages[0]!.groups[0]!.dimension.size, 8);
});

test('XInclude brings in common types; constants take no bytes; valueRef resolves', (t) => {
  const s = parseOk(path.join(REFDATA, 'sbe', 'schemas', 'example-schema.xml'));
  t.true(s.types.some((x) => x.name === 'groupSizeEncoding' && x.source.file.endsWith('common-types.xml')));
  const car = s.messages[0]!;
  const discounted = car.fields.find((f) => f.name === 'discountedModel')!;
  t.is(discounted.presence, 'constant');
  t.is(discounted.constEnum?.value.name, 'C');
  const engine = car.fields.find((f) => f.name === 'engine')!.type;
  t.is(engine.kind, 'composite');
  if (engine.kind !== 'composite') return;
  t.is(engine.size, 10);
  const fuel = engine.members.find((m) => m.name === 'fuel')!;
  t.is(fuel.offset, -1);
  t.is(fuel.type.kind === 'encoded' ? fuel.type.constValue : undefined, 'Petrol');
});

test('sinceVersion and optional nulls from the extension schema', (t) => {
  const car = parseOk(path.join(REFDATA, 'sbe', 'schemas', 'example-extension-schema.xml')).messages[0]!;
  const uuid = car.fields.find((f) => f.name === 'uuid')!;
  t.is(uuid.sinceVersion, 1);
  t.is(uuid.presence, 'optional');
  t.is(uuid.type.kind === 'encoded' ? uuid.type.nullValue : '', '-9223372036854775808');
  const cup = car.fields.find((f) => f.name === 'cupHolderCount')!;
  t.is(cup.type.kind === 'encoded' ? cup.type.nullValue : '', '255');
});

test('char literals follow sbe-tool: nullValue "0" is the character 0x30, not NUL', (t) => {
  const s = parseOk(path.join(FIXTURES, 'char-null.xml'));
  const f = s.messages[0]!.fields[0]!;
  t.is(f.type.kind === 'encoded' ? f.type.nullValue : '', '48');
  const g = s.messages[0]!.fields[1]!;
  t.is(g.type.kind === 'encoded' ? g.type.nullValue : '', '0', 'default char null is NUL');
});

test('the FIXP session schema and the conformance schemas parse', (t) => {
  const fixp = parseOk(path.join(REFDATA, 'sbe', 'fixp', 'fixp-v1.1-SBEschemaForFIXP.xml'));
  t.is(fixp.id, 2748);
  t.true(fixp.messages.length >= 19);
  const v2 = parseOk(path.join(REFDATA, 'sbe', 'conformance', 'schema2.xml'));
  t.is(v2.messages.find((m) => m.name === 'NewOrderSingle')!.blockLength, 58);
});
