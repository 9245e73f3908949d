/**
 * FIX data-dictionary lookups over the tables generated from the QuickFIX dictionaries
 * (src/generated/fix/fix44.ts, fix50sp2.ts; encoding documented at the top of each).
 *
 *   const dict = loadFixDictionary(FIX44);           // once, at start-up (builds three hash indexes)
 *   fieldType(dict, 54) === FieldType.CHAR
 *   const ae = messageDef(dict, 'AE');                 // container id, or NOT_FOUND
 *   const sides = groupDef(dict, ae, 552);             // group container opened by NoSides in AE
 *   groupDelimiter(dict, sides) === 54
 *   isValidEnum(dict, 54, bytes, off, len)
 *
 * Messages, groups, the header (CONTAINER_HEADER) and the trailer (CONTAINER_TRAILER) are all
 * "containers": numbers, never objects, so that a validator can keep a stack of them in an
 * Int32Array. A container's members are numbered k (global member index, from memberAt/memberOf);
 * `k - memberAt(dict, c, 0)` is the member's position in dictionary order.
 *
 * Every lookup after load is O(1) (hash with linear probing, or direct index) except fieldName and
 * dataLengthTag (binary search, for error and DATA paths) and isTagInContainer (walks nested groups,
 * for the error path). No lookup allocates.
 *
 * Thread: a FixDictionary is immutable after loadFixDictionary and may be shared by any code on the
 * thread that loaded it (and read from other threads, as it is never written).
 */
import { GatewayError } from '../codec/errors.js';

/** The shape of a generated dictionary module's export (see its header for the encoding). */
export interface FixDictionaryTables {
  readonly name: string;
  readonly beginString: string;
  /** ApplVerID (1128) of the application version for a FIXT pair; '' for FIX 4.x. */
  readonly applVerID: string;
  readonly fieldTypeNames: readonly string[];
  readonly tagLimit: number;
  readonly fieldPages: Uint8Array | Uint16Array;
  readonly fieldInfo: Uint8Array;
  readonly headerTags: Uint32Array;
  readonly trailerTags: Uint32Array;
  readonly fieldTags: Uint16Array | Uint32Array;
  readonly fieldNames: readonly string[];
  readonly dataTags: Uint16Array | Uint32Array;
  readonly dataLengthTags: Uint16Array | Uint32Array;
  readonly enumTags: Uint16Array | Uint32Array;
  readonly enumStart: Uint16Array | Uint32Array;
  readonly enumValues: readonly string[];
  readonly messageCount: number;
  readonly msgTypes: readonly string[];
  readonly messageNames: readonly string[];
  readonly messageAdmin: Uint8Array;
  readonly containerStart: Uint16Array | Uint32Array;
  readonly containerCountTag: Uint16Array | Uint32Array;
  readonly containerRequired: Uint16Array | Uint32Array;
  readonly memberTag: Uint16Array | Uint32Array;
  readonly memberInfo: Uint16Array | Uint32Array;
}

/** Field type codes as stored in the tables (codegen/fix/ir.ts FIX_FIELD_TYPES, 1-based). */
export const FIELD_TYPE_NAMES = [
  'STRING',
  'CHAR',
  'PRICE',
  'INT',
  'AMT',
  'QTY',
  'CURRENCY',
  'MULTIPLEVALUESTRING',
  'MULTIPLESTRINGVALUE',
  'MULTIPLECHARVALUE',
  'EXCHANGE',
  'UTCTIMESTAMP',
  'BOOLEAN',
  'LOCALMKTDATE',
  'DATA',
  'FLOAT',
  'PRICEOFFSET',
  'MONTHYEAR',
  'DAYOFMONTH',
  'UTCDATEONLY',
  'UTCDATE',
  'UTCTIMEONLY',
  'TIME',
  'DATE',
  'NUMINGROUP',
  'PERCENTAGE',
  'SEQNUM',
  'TAGNUM',
  'LENGTH',
  'COUNTRY',
  'TZTIMEONLY',
  'TZTIMESTAMP',
  'XMLDATA',
  'LANGUAGE',
  'LOCALMKTTIME',
  'XID',
  'XIDREF',
] as const;

export type FieldTypeName = (typeof FIELD_TYPE_NAMES)[number];

/** `FieldType.CHAR` etc.: the code `fieldType` returns; 0 (`FieldType.NONE`) = tag not defined. */
export const FieldType = Object.freeze(
  Object.fromEntries([['NONE', 0], ...FIELD_TYPE_NAMES.map((n, i) => [n, i + 1])]) as { readonly [K in FieldTypeName | 'NONE']: number },
);

export const CONTAINER_HEADER = 0;
export const CONTAINER_TRAILER = 1;
export const FIRST_MESSAGE = 2;
export const NOT_FOUND = -1;

export const FixDictionaryErrorCode = {
  /** Generated tables that this runtime cannot read (type codes or sizes disagree): regenerate. */
  FIX_DICTIONARY_TABLES: 'FIX_DICTIONARY_TABLES',
} as const;

const INFO_TYPE_MASK = 0x3f;
const INFO_ENUMERATED = 0x40;
const SPACE = 0x20;

/** Generated tables plus the hash indexes built once by loadFixDictionary. */
export interface FixDictionary {
  readonly tables: FixDictionaryTables;
  readonly name: string;
  readonly beginString: string;
  readonly applVerID: string;
  readonly firstGroup: number;
  readonly containerCount: number;
  /** (container, tag) → member index + 1; 0 = empty. */
  readonly memberSlots: Uint32Array;
  readonly memberMask: number;
  /** (tag, value) → enum value index + 1. */
  readonly enumSlots: Uint32Array;
  readonly enumMask: number;
  /** Tag of each enum value. */
  readonly enumValueTag: Uint32Array;
  /** msgType → message index + 1. */
  readonly msgTypeSlots: Uint32Array;
  readonly msgTypeMask: number;
}

// ---------------------------------------------------------------- hashing (index only; never persisted)
// Every hash function takes the table's mask and returns the slot (`& mask`), never the raw 32-bit hash:
// a non-inlined call returning a value outside the Smi range (e.g. a uint32 >= 2^31) boxes it as a heap
// number, i.e. an allocation per lookup on the framing hot path. Slots are small, so they never box.

function mix32(x: number, mask: number): number {
  x = (x ^ (x >>> 16)) | 0;
  x = Math.imul(x, 0x7feb352d) | 0;
  x = (x ^ (x >>> 15)) | 0;
  x = Math.imul(x, 0x846ca68b) | 0;
  return (x ^ (x >>> 16)) & mask;
}

function keyHash(container: number, tag: number, mask: number): number {
  return mix32((Math.imul(container, 0x9e3779b1) ^ tag) | 0, mask);
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function seedHash(seed: number): number {
  return (FNV_OFFSET ^ Math.imul(seed, 0x9e3779b1)) | 0;
}

function stringHash(seed: number, s: string, mask: number): number {
  let h = seedHash(seed);
  for (let i = 0; i < s.length; i++) h = Math.imul((h ^ s.charCodeAt(i)) >>> 0, FNV_PRIME) | 0;
  return mix32(h, mask);
}

function bytesHash(seed: number, bytes: Uint8Array, off: number, len: number, mask: number): number {
  let h = seedHash(seed);
  for (let i = off, end = off + len; i < end; i++) h = Math.imul((h ^ bytes[i]!) >>> 0, FNV_PRIME) | 0;
  return mix32(h, mask);
}

function slotsFor(n: number): Uint32Array {
  let size = 8;
  while (size < n * 1.5) size *= 2;
  return new Uint32Array(size);
}

function insert(slots: Uint32Array, hash: number, value: number): void {
  const mask = slots.length - 1;
  let s = hash & mask;
  while (slots[s] !== 0) s = (s + 1) & mask;
  slots[s] = value;
}

function sameBytes(s: string, bytes: Uint8Array, off: number, len: number): boolean {
  if (s.length !== len) return false;
  for (let i = 0; i < len; i++) if (s.charCodeAt(i) !== bytes[off + i]) return false;
  return true;
}

// ---------------------------------------------------------------- load

/**
 * Check the generated tables and build the hash indexes (the only allocation this module does).
 * Throws GatewayError FIX_DICTIONARY_TABLES when the tables do not match this runtime.
 */
export function loadFixDictionary(tables: FixDictionaryTables): FixDictionary {
  const fail = (what: string): never => {
    throw new GatewayError(FixDictionaryErrorCode.FIX_DICTIONARY_TABLES, `${tables.name}: ${what}; regenerate with npm run generate`, {
      dictionary: tables.name,
    });
  };
  if (tables.fieldTypeNames.length > FIELD_TYPE_NAMES.length || tables.fieldTypeNames.some((n, i) => n !== FIELD_TYPE_NAMES[i]))
    fail('field type codes differ from the runtime');
  const containerCount = tables.containerStart.length - 1;
  const firstGroup = FIRST_MESSAGE + tables.messageCount;
  if (containerCount < firstGroup || tables.msgTypes.length !== tables.messageCount || tables.containerCountTag.length !== containerCount)
    fail('container tables are inconsistent');
  if (tables.memberTag.length !== tables.containerStart[containerCount] || tables.enumStart.length !== tables.enumTags.length + 1)
    fail('member or enum tables are inconsistent');

  const memberSlots = slotsFor(tables.memberTag.length);
  for (let c = 0; c < containerCount; c++)
    for (let k = tables.containerStart[c]!; k < tables.containerStart[c + 1]!; k++) insert(memberSlots, keyHash(c, tables.memberTag[k]!, memberSlots.length - 1), k + 1);

  const enumValueTag = new Uint32Array(tables.enumValues.length);
  const enumSlots = slotsFor(tables.enumValues.length);
  for (let i = 0; i < tables.enumTags.length; i++) {
    const tag = tables.enumTags[i]!;
    for (let v = tables.enumStart[i]!; v < tables.enumStart[i + 1]!; v++) {
      enumValueTag[v] = tag;
      insert(enumSlots, stringHash(tag, tables.enumValues[v]!, enumSlots.length - 1), v + 1);
    }
  }

  const msgTypeSlots = slotsFor(tables.messageCount);
  for (let i = 0; i < tables.messageCount; i++) insert(msgTypeSlots, stringHash(0, tables.msgTypes[i]!, msgTypeSlots.length - 1), i + 1);

  return {
    tables,
    name: tables.name,
    beginString: tables.beginString,
    applVerID: tables.applVerID,
    firstGroup,
    containerCount,
    memberSlots,
    memberMask: memberSlots.length - 1,
    enumSlots,
    enumMask: enumSlots.length - 1,
    enumValueTag,
    msgTypeSlots,
    msgTypeMask: msgTypeSlots.length - 1,
  };
}

// ---------------------------------------------------------------- fields

function fieldInfo(dict: FixDictionary, tag: number): number {
  const t = dict.tables;
  if (tag <= 0 || tag >= t.tagLimit) return 0;
  return t.fieldInfo[(t.fieldPages[tag >>> 8]! << 8) | (tag & 255)]!;
}

/** Field type code (`FieldType.*`) of a tag; `FieldType.NONE` (0) when the dictionary does not define it. */
export function fieldType(dict: FixDictionary, tag: number): number {
  return fieldInfo(dict, tag) & INFO_TYPE_MASK;
}

export function isFieldDefined(dict: FixDictionary, tag: number): boolean {
  return (fieldInfo(dict, tag) & INFO_TYPE_MASK) !== 0;
}

/** Whether the field has a closed set of enumerated values. */
export function isEnumerated(dict: FixDictionary, tag: number): boolean {
  return (fieldInfo(dict, tag) & INFO_ENUMERATED) !== 0;
}

/** Name of a field type code, e.g. 'CHAR'; '' for 0 or an unknown code. */
export function fieldTypeName(code: number): string {
  return FIELD_TYPE_NAMES[code - 1] ?? '';
}

function bit(words: Uint32Array, tag: number): boolean {
  const w = tag >>> 5;
  return tag > 0 && w < words.length && ((words[w]! >>> (tag & 31)) & 1) === 1;
}

/** Whether the tag belongs in the standard header (header group members included). */
export function isHeaderTag(dict: FixDictionary, tag: number): boolean {
  return bit(dict.tables.headerTags, tag);
}

/** Whether the tag belongs in the standard trailer. */
export function isTrailerTag(dict: FixDictionary, tag: number): boolean {
  return bit(dict.tables.trailerTags, tag);
}

function search(sorted: Uint16Array | Uint32Array, tag: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < tag) lo = mid + 1;
    else hi = mid;
  }
  return lo < sorted.length && sorted[lo] === tag ? lo : NOT_FOUND;
}

/** Field name (for rejects and logs); undefined when the tag is not defined. */
export function fieldName(dict: FixDictionary, tag: number): string | undefined {
  const i = search(dict.tables.fieldTags, tag);
  return i === NOT_FOUND ? undefined : dict.tables.fieldNames[i];
}

/** The LENGTH tag carrying a DATA/XMLDATA field's byte count (it must come right before it); 0 if none. */
export function dataLengthTag(dict: FixDictionary, dataTag: number): number {
  const i = search(dict.tables.dataTags, dataTag);
  return i === NOT_FOUND ? 0 : dict.tables.dataLengthTags[i]!;
}

function enumLookup(dict: FixDictionary, tag: number, bytes: Uint8Array, off: number, len: number): boolean {
  const values = dict.tables.enumValues;
  let s = bytesHash(tag, bytes, off, len, dict.enumMask);
  for (;;) {
    const v = dict.enumSlots[s]!;
    if (v === 0) return false;
    if (dict.enumValueTag[v - 1] === tag && sameBytes(values[v - 1]!, bytes, off, len)) return true;
    s = (s + 1) & dict.enumMask;
  }
}

/**
 * Whether `bytes[off .. off + len)` is an allowed value of the field: true when the field has no
 * enumerated values (any value; check the data format separately), else the value must be one of
 * them — for multi-value types (MULTIPLEVALUESTRING, MULTIPLESTRINGVALUE, MULTIPLECHARVALUE) every
 * space-separated token must be, with single spaces and no empty token.
 */
export function isValidEnum(dict: FixDictionary, tag: number, bytes: Uint8Array, off: number, len: number): boolean {
  const info = fieldInfo(dict, tag);
  if ((info & INFO_ENUMERATED) === 0) return true;
  if (len <= 0) return false;
  const type = info & INFO_TYPE_MASK;
  if (type !== FieldType.MULTIPLEVALUESTRING && type !== FieldType.MULTIPLESTRINGVALUE && type !== FieldType.MULTIPLECHARVALUE)
    return enumLookup(dict, tag, bytes, off, len);
  const end = off + len;
  let from = off;
  for (let i = off; i <= end; i++) {
    if (i < end && bytes[i] !== SPACE) continue;
    if (i === from || !enumLookup(dict, tag, bytes, from, i - from)) return false;
    from = i + 1;
  }
  return true;
}

/** isValidEnum for a string value (tests, builders; for ASCII text). Allocates nothing. */
export function isValidEnumString(dict: FixDictionary, tag: number, value: string): boolean {
  const info = fieldInfo(dict, tag);
  if ((info & INFO_ENUMERATED) === 0) return true;
  const type = info & INFO_TYPE_MASK;
  const multi = type === FieldType.MULTIPLEVALUESTRING || type === FieldType.MULTIPLESTRINGVALUE || type === FieldType.MULTIPLECHARVALUE;
  let from = 0;
  for (let i = 0; i <= value.length; i++) {
    if (i < value.length && (!multi || value.charCodeAt(i) !== SPACE)) continue;
    if (i === from || !enumLookupString(dict, tag, value, from, i)) return false;
    from = i + 1;
  }
  return true;
}

function enumLookupString(dict: FixDictionary, tag: number, s: string, from: number, to: number): boolean {
  let h = seedHash(tag);
  for (let i = from; i < to; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME) | 0;
  let slot = mix32(h, dict.enumMask);
  for (;;) {
    const v = dict.enumSlots[slot]!;
    if (v === 0) return false;
    if (dict.enumValueTag[v - 1] === tag) {
      const candidate = dict.tables.enumValues[v - 1]!;
      if (candidate.length === to - from) {
        let i = 0;
        while (i < candidate.length && candidate.charCodeAt(i) === s.charCodeAt(from + i)) i++;
        if (i === candidate.length) return true;
      }
    }
    slot = (slot + 1) & dict.enumMask;
  }
}

// ---------------------------------------------------------------- messages

/** Container id of the message with this MsgType (35) value; NOT_FOUND when the dictionary has none. */
export function messageDef(dict: FixDictionary, msgType: string): number {
  const types = dict.tables.msgTypes;
  let s = stringHash(0, msgType, dict.msgTypeMask);
  for (;;) {
    const v = dict.msgTypeSlots[s]!;
    if (v === 0) return NOT_FOUND;
    if (types[v - 1] === msgType) return FIRST_MESSAGE + v - 1;
    s = (s + 1) & dict.msgTypeMask;
  }
}

/** messageDef for the MsgType value's bytes `bytes[off .. off + len)`. */
export function messageDefBytes(dict: FixDictionary, bytes: Uint8Array, off: number, len: number): number {
  const types = dict.tables.msgTypes;
  let s = bytesHash(0, bytes, off, len, dict.msgTypeMask);
  for (;;) {
    const v = dict.msgTypeSlots[s]!;
    if (v === 0) return NOT_FOUND;
    if (sameBytes(types[v - 1]!, bytes, off, len)) return FIRST_MESSAGE + v - 1;
    s = (s + 1) & dict.msgTypeMask;
  }
}

export function isMessage(dict: FixDictionary, container: number): boolean {
  return container >= FIRST_MESSAGE && container < dict.firstGroup;
}

export function isGroup(dict: FixDictionary, container: number): boolean {
  return container >= dict.firstGroup && container < dict.containerCount;
}

/** MsgType of a message container ('' when not a message). */
export function messageMsgType(dict: FixDictionary, container: number): string {
  return isMessage(dict, container) ? dict.tables.msgTypes[container - FIRST_MESSAGE]! : '';
}

/** Name of a message container, e.g. 'TradeCaptureReport' ('' when not a message). */
export function messageName(dict: FixDictionary, container: number): string {
  return isMessage(dict, container) ? dict.tables.messageNames[container - FIRST_MESSAGE]! : '';
}

/** Whether a message is session-level (msgcat="admin"). */
export function isAdminMessage(dict: FixDictionary, container: number): boolean {
  return isMessage(dict, container) && dict.tables.messageAdmin[container - FIRST_MESSAGE] === 1;
}

// ---------------------------------------------------------------- containers and members

/** Number of members (fields and group count tags) directly in a container. */
export function memberCount(dict: FixDictionary, container: number): number {
  if (container < 0 || container >= dict.containerCount) return 0;
  return dict.tables.containerStart[container + 1]! - dict.tables.containerStart[container]!;
}

/** Member index of the i-th member (dictionary order) of a container; NOT_FOUND when out of range. */
export function memberAt(dict: FixDictionary, container: number, i: number): number {
  if (i < 0 || i >= memberCount(dict, container)) return NOT_FOUND;
  return dict.tables.containerStart[container]! + i;
}

/**
 * Member index of `tag` directly in a container (not inside its nested groups); NOT_FOUND when the
 * tag is not defined at that level.
 */
export function memberOf(dict: FixDictionary, container: number, tag: number): number {
  if (container < 0 || container >= dict.containerCount) return NOT_FOUND;
  const t = dict.tables;
  const from = t.containerStart[container]!;
  const to = t.containerStart[container + 1]!;
  let s = keyHash(container, tag, dict.memberMask);
  for (;;) {
    const v = dict.memberSlots[s]!;
    if (v === 0) return NOT_FOUND;
    const k = v - 1;
    if (k >= from && k < to && t.memberTag[k] === tag) return k;
    s = (s + 1) & dict.memberMask;
  }
}

/** Position (0-based, dictionary order) of member k within its container. */
export function memberPosition(dict: FixDictionary, container: number, member: number): number {
  return member - dict.tables.containerStart[container]!;
}

export function memberTag(dict: FixDictionary, member: number): number {
  return dict.tables.memberTag[member]!;
}

/** Required where it is (per entry inside a group). A group's delimiter must start every entry regardless. */
export function memberRequired(dict: FixDictionary, member: number): boolean {
  return (dict.tables.memberInfo[member]! & 1) === 1;
}

/** The group container a count-tag member opens; NOT_FOUND for a plain field. */
export function memberGroup(dict: FixDictionary, member: number): number {
  const g = dict.tables.memberInfo[member]! >>> 1;
  return g === 0 ? NOT_FOUND : g;
}

/** Number of required members directly in a container. */
export function requiredCount(dict: FixDictionary, container: number): number {
  if (container < 0 || container >= dict.containerCount) return 0;
  return dict.tables.containerRequired[container]!;
}

/** Group container opened by `countTag` in a container (message, header, trailer or group); NOT_FOUND if none. */
export function groupDef(dict: FixDictionary, container: number, countTag: number): number {
  const k = memberOf(dict, container, countTag);
  return k === NOT_FOUND ? NOT_FOUND : memberGroup(dict, k);
}

/** Count (NUMINGROUP) tag of a group container; 0 when not a group. */
export function groupCountTag(dict: FixDictionary, group: number): number {
  return isGroup(dict, group) ? dict.tables.containerCountTag[group]! : 0;
}

/** The delimiter of a group container: the first field of every entry; 0 when not a group. */
export function groupDelimiter(dict: FixDictionary, group: number): number {
  return isGroup(dict, group) ? dict.tables.memberTag[dict.tables.containerStart[group]!]! : 0;
}

/**
 * Whether `tag` may occur anywhere in the container, nested groups included ("tag not defined for
 * this message type" when false). Walks the nested groups: meant for the error path, after memberOf
 * failed at every open level.
 */
export function isTagInContainer(dict: FixDictionary, container: number, tag: number): boolean {
  if (memberOf(dict, container, tag) !== NOT_FOUND) return true;
  const t = dict.tables;
  if (container < 0 || container >= dict.containerCount) return false;
  for (let k = t.containerStart[container]!; k < t.containerStart[container + 1]!; k++) {
    const g = t.memberInfo[k]! >>> 1;
    if (g !== 0 && isTagInContainer(dict, g, tag)) return true;
  }
  return false;
}
