/**
 * TypeScript target for FIX dictionaries: one module of typed-array tables per dictionary, read
 * through the hand-written runtime src/fix/dictionary.ts (`loadFixDictionary(FIX44)`). The module
 * holds data only (generated code imports nothing outside src/codec); its shape is the runtime's
 * `FixDictionaryTables`, and the encoding is documented at the top of every generated file.
 */
import { Printer, generatedBanner } from '../printer.js';
import { fits16, wrapItems } from './emit.js';
import { type FixTables, PAGE_SIZE } from './tables.js';

export interface FixTsOptions {
  /** Label for the @generated banner, e.g. `shared/data/fix/dictionaries/FIX44.xml`. */
  source: string;
}

/** The module's file name for a dictionary, e.g. `fix44.ts`. */
export function fixTsFileName(t: FixTables): string {
  return `${t.name.toLowerCase()}.ts`;
}

export function generateFixTs(t: FixTables, opts: FixTsOptions): string {
  const p = new Printer();
  p.line(generatedBanner(opts.source, '//'));
  const pair = t.applVerID !== '';
  const what = pair ? `${t.beginString} transport with ${t.name} application messages (ApplVerID ${t.applVerID})` : `${t.beginString}`;
  const groups = t.containers.length - t.firstGroup;
  const members = t.containers.reduce((n, c) => n + c.members.length, 0);
  p.line('/**');
  p.lines_([
    ` * FIX data dictionary tables: ${what}.`,
    ` * ${t.fields.length} fields, ${t.messages.length} messages, ${groups} distinct repeating groups, ${members} members.`,
    ' * Read them through src/fix/dictionary.ts: `const dict = loadFixDictionary(' + t.name + ')` once at start-up (it',
    ' * builds the hash indexes behind messageDef, memberOf/groupDef and isValidEnum), then `fieldType(dict, tag)`,',
    ' * `messageDef(dict, msgType)`, `groupDef(dict, container, countTag)`, … (O(1), no allocation).',
    ' *',
    ' * Encoding (ids and indexes are 0-based; "tag" is a FIX tag number):',
    ` * - fieldInfo[(fieldPages[tag >>> 8] << 8) | (tag & 255)], for 0 < tag < tagLimit: bits 0-5 = field type code`,
    ' *   (fieldTypeNames[code - 1]; 0 = tag not defined), bit 6 = the field has enumerated values. Tags come in',
    ` *   pages of ${PAGE_SIZE}; page 0 is all zero and stands for every page without a defined field.`,
    ' * - headerTags, trailerTags: bitsets by tag (bit tag & 31 of word tag >>> 5; tags past the end are not',
    ' *   set) of every tag that may occur in the header / trailer, group members included.',
    ' * - fieldTags (ascending), fieldNames: the defined fields, for names in rejects and logs.',
    ' * - dataTags (ascending), dataLengthTags: the LENGTH field that carries each DATA/XMLDATA field\'s byte',
    ' *   count (it must come right before the data field).',
    ' * - enumTags (ascending), enumStart (enumTags.length + 1 entries): the values of field enumTags[i] are',
    ' *   enumValues[enumStart[i] .. enumStart[i + 1]) in dictionary order. Multi-value types (MULTIPLE…VALUE…)',
    ' *   list the allowed tokens.',
    ' * - Containers: 0 = header, 1 = trailer, 2 .. 2 + messageCount - 1 = messages (msgTypes[c - 2],',
    ' *   messageNames[c - 2], messageAdmin[c - 2] = 1 for session-level messages), then repeating groups: one',
    ' *   container per distinct group definition, shared by every message that uses it. The same ids are',
    ' *   used by the C tables (native/generated/fix).',
    ' *   Members of container c, in dictionary order (components expanded): index k from containerStart[c]',
    ' *   to containerStart[c + 1] - 1; memberTag[k] is the tag, memberInfo[k] bit 0 = required (per entry in',
    ' *   a group), memberInfo[k] >>> 1 = the group container that count tag opens (0 = plain field).',
    ' *   containerCountTag[c] is a group\'s count tag (0 otherwise); a group\'s delimiter, the field that',
    ' *   starts each entry, is its first member. containerRequired[c] counts c\'s required members.',
    ' */',
  ]);
  const u = (values: readonly number[]): string => (fits16(values) ? 'Uint16Array' : 'Uint32Array');
  const typed = (name: string, ctor: string, values: readonly number[]): void => {
    if (values.length === 0) {
      p.line(`${name}: new ${ctor}(0),`);
      return;
    }
    p.line(`${name}: new ${ctor}([`);
    p.indent(() => wrapItems(p, values.map(String)));
    p.line(']),');
  };
  const strings = (name: string, values: readonly string[]): void => {
    if (values.length === 0) {
      p.line(`${name}: [],`);
      return;
    }
    p.line(`${name}: [`);
    p.indent(() => wrapItems(p, values.map((s) => JSON.stringify(s))));
    p.line('],');
  };

  const cs = t.containers;
  const start: number[] = [0];
  for (const c of cs) start.push(start[start.length - 1]! + c.members.length);
  const memberTag = cs.flatMap((c) => c.members.map((m) => m.tag));
  const memberInfo = cs.flatMap((c) => c.members.map((m) => (m.group << 1) | (m.required ? 1 : 0)));
  const fieldTags = t.fields.map((f) => f.tag);

  p.block(`export const ${t.name} = {`, () => {
    p.line(`name: ${JSON.stringify(t.name)},`);
    p.line(`beginString: ${JSON.stringify(t.beginString)},`);
    p.line(`applVerID: ${JSON.stringify(t.applVerID)},`);
    strings('fieldTypeNames', t.typeNames);
    p.line(`tagLimit: ${t.tagLimit},`);
    typed('fieldPages', t.fieldInfo.length / PAGE_SIZE <= 256 ? 'Uint8Array' : 'Uint16Array', t.fieldPages);
    typed('fieldInfo', 'Uint8Array', t.fieldInfo);
    typed('headerTags', 'Uint32Array', t.headerBits);
    typed('trailerTags', 'Uint32Array', t.trailerBits);
    typed('fieldTags', u(fieldTags), fieldTags);
    strings('fieldNames', t.fields.map((f) => f.name));
    typed('dataTags', u(fieldTags), t.dataPairs.map((x) => x[0]));
    typed('dataLengthTags', u(fieldTags), t.dataPairs.map((x) => x[1]));
    typed('enumTags', u(fieldTags), t.enumTags);
    typed('enumStart', u(t.enumStart), t.enumStart);
    strings('enumValues', t.enumValues);
    p.line(`messageCount: ${t.messages.length},`);
    strings('msgTypes', t.messages.map((m) => m.msgType));
    strings('messageNames', t.messages.map((m) => m.name));
    typed('messageAdmin', 'Uint8Array', t.messages.map((m) => (m.category === 'admin' ? 1 : 0)));
    typed('containerStart', u(start), start);
    typed('containerCountTag', u(fieldTags), cs.map((c) => c.countTag));
    const req = cs.map((c) => c.members.filter((m) => m.required).length);
    typed('containerRequired', u(req), req);
    typed('memberTag', u(fieldTags), memberTag);
    typed('memberInfo', u(memberInfo), memberInfo);
  }, '};');
  return p.toString();
}
