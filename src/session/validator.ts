/**
 * Data-dictionary validation of one inbound FIX message (src/fix/dictionary.ts), in QuickFIX's order so
 * that the first problem reported is the one a QuickFIX counterparty expects:
 *   1. structural problems the indexer found (header/body/trailer order 14, group order 15,
 *      NumInGroup 16, DATA length 6), and repeated tags at one level (13);
 *   2. MsgType defined (11);
 *   3. per field, in wire order: tag number valid (0), value present (4), data format (6), enum value
 *      (5), tag defined for the message type at that level (2);
 *   4. required fields of header, body (and group entries), trailer (1).
 * Returns a Reject description or undefined. Allocates only on the error path: values are checked as
 * bytes (validFormatBytes, isValidEnum), and the repeated-tag check marks tags in per-depth stamp arrays
 * (a level's stamp is new per level, so nothing is cleared between messages).
 *
 * Thread: the stamp arrays are module state of the JS thread that loads it; validateMessage is not
 * re-entrant (it never calls out).
 */
import {
  FIRST_MESSAGE,
  isAdminMessage,
  isMessage,
  memberGroup,
  CONTAINER_HEADER,
  CONTAINER_TRAILER,
  FieldType,
  NOT_FOUND,
  type FixDictionary,
  fieldType,
  groupDef,
  isEnumerated,
  isHeaderTag,
  isTrailerTag,
  isValidEnum,
  isValidEnumString,
  memberAt,
  memberCount,
  memberOf,
  memberRequired,
  memberTag,
  messageDef,
} from '../fix/dictionary.js';
import { FixIndexProblem } from '../generated/gateway-internal/FixIndexProblem.js';
import type { FixMessage, FixScope } from '../fix/message.js';
import { parseUtcTimestamp, scanUtcTimestampBytes } from './builder.js';

/** SessionRejectReason (373) values and QuickFIX's texts for them. */
export const RejectReason = {
  InvalidTagNumber: 0,
  RequiredTagMissing: 1,
  TagNotDefinedForMessageType: 2,
  UndefinedTag: 3,
  TagSpecifiedWithoutValue: 4,
  ValueIncorrect: 5,
  IncorrectDataFormat: 6,
  CompIdProblem: 9,
  SendingTimeAccuracy: 10,
  InvalidMsgType: 11,
  TagAppearsMoreThanOnce: 13,
  TagOutOfOrder: 14,
  RepeatingGroupOutOfOrder: 15,
  IncorrectNumInGroup: 16,
} as const;

export const REJECT_TEXT: Record<number, string> = {
  0: 'Invalid tag number',
  1: 'Required tag missing',
  2: 'Tag not defined for this message type',
  3: 'Undefined Tag',
  4: 'Tag specified without a value',
  5: 'Value is incorrect (out of range) for this tag',
  6: 'Incorrect data format for value',
  9: 'CompID problem',
  10: 'SendingTime accuracy problem',
  11: 'Invalid MsgType',
  13: 'Tag appears more than once',
  14: 'Tag specified out of required order',
  15: 'Repeating group fields out of order',
  16: 'Incorrect NumInGroup count for repeating group',
};

export interface RejectInfo {
  reason: number;
  /** RefTagID (371) as text (may be an invalid tag such as "-1"); '' when none. */
  refTag: string;
}

const INT_RE = /^-?\d+$/;
const UINT_RE = /^\d+$/;
const FLOAT_RE = /^-?(?:\d+(?:\.\d*)?|\.\d+)$/;
const DATE_RE = /^\d{8}$/;
const TIME_RE = /^\d{2}:\d{2}:\d{2}(?:\.\d{3}(?:\d{3}){0,2})?$/;
const MONTHYEAR_RE = /^\d{6}(?:\d{2}|w\d)?$/;

/** Whether `value` has the data format of FIX type `type` (FieldType code). */
export function validFormat(type: number, value: string): boolean {
  switch (type) {
    case FieldType.INT:
      return INT_RE.test(value);
    case FieldType.NUMINGROUP:
    case FieldType.SEQNUM:
    case FieldType.LENGTH:
    case FieldType.TAGNUM:
    case FieldType.DAYOFMONTH:
      return UINT_RE.test(value);
    case FieldType.PRICE:
    case FieldType.AMT:
    case FieldType.QTY:
    case FieldType.FLOAT:
    case FieldType.PRICEOFFSET:
    case FieldType.PERCENTAGE:
      return FLOAT_RE.test(value);
    case FieldType.CHAR:
      return value.length === 1;
    case FieldType.BOOLEAN:
      return value === 'Y' || value === 'N';
    case FieldType.UTCTIMESTAMP:
      return !Number.isNaN(parseUtcTimestamp(value));
    case FieldType.UTCDATEONLY:
    case FieldType.UTCDATE:
    case FieldType.LOCALMKTDATE:
    case FieldType.DATE:
      return DATE_RE.test(value);
    case FieldType.UTCTIMEONLY:
      return TIME_RE.test(value);
    case FieldType.MONTHYEAR:
      return MONTHYEAR_RE.test(value);
    default:
      return true;
  }
}

const T_INT = FieldType.INT;
const T_NUMINGROUP = FieldType.NUMINGROUP;
const T_SEQNUM = FieldType.SEQNUM;
const T_LENGTH = FieldType.LENGTH;
const T_TAGNUM = FieldType.TAGNUM;
const T_DAYOFMONTH = FieldType.DAYOFMONTH;
const T_PRICE = FieldType.PRICE;
const T_AMT = FieldType.AMT;
const T_QTY = FieldType.QTY;
const T_FLOAT = FieldType.FLOAT;
const T_PRICEOFFSET = FieldType.PRICEOFFSET;
const T_PERCENTAGE = FieldType.PERCENTAGE;
const T_CHAR = FieldType.CHAR;
const T_BOOLEAN = FieldType.BOOLEAN;
const T_UTCTIMESTAMP = FieldType.UTCTIMESTAMP;
const T_UTCDATEONLY = FieldType.UTCDATEONLY;
const T_UTCDATE = FieldType.UTCDATE;
const T_LOCALMKTDATE = FieldType.LOCALMKTDATE;
const T_DATE = FieldType.DATE;
const T_UTCTIMEONLY = FieldType.UTCTIMEONLY;
const T_MONTHYEAR = FieldType.MONTHYEAR;

const scratchMs = new Float64Array(1);

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** b[from, to) all digits (true when empty). */
function allDigits(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isDigit(b[i]!)) return false;
  return true;
}

/** /^-?(?:\d+(?:\.\d*)?|\.\d+)$/ */
function isFloatText(b: Uint8Array, off: number, len: number): boolean {
  let i = off;
  const end = off + len;
  if (i < end && b[i] === 0x2d) i++;
  let intDigits = 0;
  while (i < end && isDigit(b[i]!)) {
    i++;
    intDigits++;
  }
  if (i === end) return intDigits > 0;
  if (b[i] !== 0x2e) return false;
  i++;
  let fracDigits = 0;
  while (i < end && isDigit(b[i]!)) {
    i++;
    fracDigits++;
  }
  return i === end && (intDigits > 0 || fracDigits > 0);
}

/** /^\d{2}:\d{2}:\d{2}(?:\.\d{3}(?:\d{3}){0,2})?$/ */
function isTimeText(b: Uint8Array, off: number, len: number): boolean {
  if (len !== 8 && len !== 12 && len !== 15 && len !== 18) return false;
  if (b[off + 2] !== 0x3a || b[off + 5] !== 0x3a) return false;
  if (!allDigits(b, off, off + 2) || !allDigits(b, off + 3, off + 5) || !allDigits(b, off + 6, off + 8)) return false;
  return len === 8 || (b[off + 8] === 0x2e && allDigits(b, off + 9, off + len));
}

/** /^\d{6}(?:\d{2}|w\d)?$/ */
function isMonthYearText(b: Uint8Array, off: number, len: number): boolean {
  if (len === 6) return allDigits(b, off, off + 6);
  if (len !== 8 || !allDigits(b, off, off + 6)) return false;
  return b[off + 6] === 0x77 ? isDigit(b[off + 7]!) : allDigits(b, off + 6, off + 8);
}

/**
 * validFormat of the value's bytes b[off, off + len) (latin1 text): the same rules, no string and no
 * regex. The session layer's hot path; validFormat stays as the readable definition (and test oracle).
 */
export function validFormatBytes(type: number, b: Uint8Array, off: number, len: number): boolean {
  switch (type) {
    case T_INT:
      return len > (b[off] === 0x2d ? 1 : 0) && allDigits(b, b[off] === 0x2d ? off + 1 : off, off + len);
    case T_NUMINGROUP:
    case T_SEQNUM:
    case T_LENGTH:
    case T_TAGNUM:
    case T_DAYOFMONTH:
      return len > 0 && allDigits(b, off, off + len);
    case T_PRICE:
    case T_AMT:
    case T_QTY:
    case T_FLOAT:
    case T_PRICEOFFSET:
    case T_PERCENTAGE:
      return isFloatText(b, off, len);
    case T_CHAR:
      return len === 1;
    case T_BOOLEAN:
      return len === 1 && (b[off] === 0x59 || b[off] === 0x4e);
    case T_UTCTIMESTAMP:
      return scanUtcTimestampBytes(b, off, len, scratchMs);
    case T_UTCDATEONLY:
    case T_UTCDATE:
    case T_LOCALMKTDATE:
    case T_DATE:
      return len === 8 && allDigits(b, off, off + 8);
    case T_UTCTIMEONLY:
      return isTimeText(b, off, len);
    case T_MONTHYEAR:
      return isMonthYearText(b, off, len);
    default:
      return true;
  }
}

function validEnum(dict: FixDictionary, tag: number, type: number, value: string): boolean {
  if (!isEnumerated(dict, tag)) return true;
  if (type === FieldType.MULTIPLEVALUESTRING || type === FieldType.MULTIPLESTRINGVALUE || type === FieldType.MULTIPLECHARVALUE) {
    for (const v of value.split(' ')) if (!isValidEnumString(dict, tag, v)) return false;
    return true;
  }
  return isValidEnumString(dict, tag, value);
}

/** The literal tag text of field i (an invalid tag is indexed as 0; its text is read from the raw bytes). */
export function tagText(m: FixScope, i: number): string {
  const tag = m.tagAt(i);
  if (tag !== 0) return String(tag);
  const b = m.buffer;
  const eq = m.valueOffset(i) - 1;
  let s = eq;
  while (s > 0 && b[s - 1] !== 0x01) s--;
  let out = '';
  for (let k = s; k < eq; k++) out += String.fromCharCode(b[k]);
  return out;
}

function problemToReject(m: FixMessage): RejectInfo | undefined {
  const p = m.problem;
  const tag = m.problemTag === 0 ? '' : String(m.problemTag);
  switch (p) {
    case FixIndexProblem.HeaderFieldOutOfOrder:
      return { reason: RejectReason.TagOutOfOrder, refTag: tag };
    case FixIndexProblem.NumInGroupMismatch:
      return { reason: RejectReason.IncorrectNumInGroup, refTag: tag };
    case FixIndexProblem.GroupFieldOrder:
      return { reason: RejectReason.RepeatingGroupOutOfOrder, refTag: tag };
    case FixIndexProblem.DataLengthMismatch:
      return { reason: RejectReason.IncorrectDataFormat, refTag: tag };
    default:
      return undefined;
  }
}

/**
 * Index of the field after field `i` at its level: a NumInGroup field's `next` skips its whole group.
 * The first field of a group entry (its delimiter) has `next` = the entry's end, which at the entry's
 * own level must not be skipped, so it steps by one (`entryStart`).
 */
function stepAt(m: FixMessage, i: number, entryStart: number): number {
  const n = m.nextAt(i);
  return n > i && i !== entryStart ? n : i + 1;
}

/**
 * Repeated-tag marks: stampsAt[depth][tag] === the level's stamp when the tag was seen at that level.
 * One array per nesting depth (a group entry's walk must not disturb its parent's marks), sized to the
 * dictionary's tag limit (a tag beyond it is undefined and rejected at its first occurrence, before a
 * second could be seen). Every level takes a new stamp; on wrap-around the arrays are cleared.
 */
const stampsAt: Uint32Array[] = [];
/** The stamp of the level last walked at each depth (requiredMissing reads its marks). */
const levelStamp: number[] = [];
let stamp = 0;

function stampsFor(depth: number, tagLimit: number): Uint32Array {
  let a = stampsAt[depth];
  if (a === undefined || a.length < tagLimit) {
    a = new Uint32Array(tagLimit);
    stampsAt[depth] = a;
  }
  return a;
}

function nextStamp(): number {
  stamp = (stamp + 1) >>> 0;
  if (stamp === 0) {
    for (const a of stampsAt) a.fill(0);
    stamp = 1;
  }
  return stamp;
}

/**
 * Validates fields [from, to) of one level (message or a group entry) against container `c`, recursing
 * into groups (depth: nesting depth of this level, 0 for the message).
 */
function walkLevel(dict: FixDictionary, m: FixMessage, c: number, from: number, to: number, top: boolean, known: Set<number> | undefined, depth: number): RejectInfo | undefined {
  const tagLimit = dict.tables.tagLimit;
  const seen = stampsFor(depth, tagLimit);
  const mark = nextStamp();
  levelStamp[depth] = mark;
  const b = m.buffer;
  for (let i = from; i < to; ) {
    const tag = m.tagAt(i);
    const next = stepAt(m, i, top ? -1 : from);
    if (tag === 0) return { reason: RejectReason.InvalidTagNumber, refTag: tagText(m, i) };
    if (tag < tagLimit) {
      if (seen[tag] === mark && !(top && (tag === 8 || tag === 9 || tag === 35 || tag === 10))) return { reason: RejectReason.TagAppearsMoreThanOnce, refTag: String(tag) };
      seen[tag] = mark;
    }
    const off = m.valueOffset(i);
    const len = m.valueLength(i);
    const type = fieldType(dict, tag);
    if (len === 0) return { reason: RejectReason.TagSpecifiedWithoutValue, refTag: String(tag) };
    if (type === FieldType.NONE || (known !== undefined && !known.has(tag))) return { reason: RejectReason.InvalidTagNumber, refTag: String(tag) };
    if (!validFormatBytes(type, b, off, len)) return { reason: RejectReason.IncorrectDataFormat, refTag: String(tag) };
    if (!isValidEnum(dict, tag, b, off, len)) return { reason: RejectReason.ValueIncorrect, refTag: String(tag) };
    let level = c;
    if (top && isHeaderTag(dict, tag)) level = CONTAINER_HEADER;
    else if (top && isTrailerTag(dict, tag)) level = CONTAINER_TRAILER;
    const member = memberOf(dict, level, tag);
    if (member === NOT_FOUND) return { reason: RejectReason.TagNotDefinedForMessageType, refTag: String(tag) };
    if (type === T_NUMINGROUP) {
      const g = groupDef(dict, level, tag);
      if (g !== NOT_FOUND) {
        // entries: each starts at a delimiter whose `next` ends the entry
        for (let e = i + 1; e < next; ) {
          const end = m.nextAt(e) > e ? m.nextAt(e) : next;
          const r = walkLevel(dict, m, g, e, end, false, known, depth + 1);
          if (r) return r;
          const rr = requiredMissing(dict, g, depth + 1);
          if (rr) return rr;
          e = end;
        }
      }
    }
    i = next;
  }
  return undefined;
}

/**
 * Required member tags per container (CSR: tags[start[c], start[c + 1])), dictionary order, without 9
 * and 10 (BodyLength and CheckSum are the framer's): built once per dictionary.
 */
interface RequiredIndex {
  readonly start: Int32Array;
  readonly tags: Int32Array;
}
const requiredCache = new WeakMap<FixDictionary, RequiredIndex>();
let lastDict: FixDictionary | undefined;
let lastRequired: RequiredIndex | undefined;

function requiredIndex(dict: FixDictionary): RequiredIndex {
  if (dict === lastDict) return lastRequired!;
  let idx = requiredCache.get(dict);
  if (idx === undefined) {
    const start = new Int32Array(dict.containerCount + 1);
    const tags: number[] = [];
    for (let c = 0; c < dict.containerCount; c++) {
      start[c] = tags.length;
      const n = memberCount(dict, c);
      for (let k = 0; k < n; k++) {
        const member = memberAt(dict, c, k);
        const tag = memberTag(dict, member);
        if (memberRequired(dict, member) && tag !== 9 && tag !== 10) tags.push(tag);
      }
    }
    start[dict.containerCount] = tags.length;
    idx = { start, tags: Int32Array.from(tags) };
    requiredCache.set(dict, idx);
  }
  lastDict = dict;
  lastRequired = idx;
  return idx;
}

/**
 * The first required member of container `c` (dictionary order) missing at the level walked last at
 * `depth` (its tags are marked with levelStamp[depth]: walkLevel must have walked the whole level just
 * before).
 */
function requiredMissing(dict: FixDictionary, c: number, depth: number): RejectInfo | undefined {
  const seen = stampsAt[depth]!;
  const mark = levelStamp[depth]!;
  const idx = requiredIndex(dict);
  const tags = idx.tags;
  for (let k = idx.start[c]!, end = idx.start[c + 1]!; k < end; k++) {
    const tag = tags[k]!;
    if (!(tag < seen.length && seen[tag] === mark)) return { reason: RejectReason.RequiredTagMissing, refTag: String(tag) };
  }
  return undefined;
}

/** Validates a whole message against its dictionary; undefined when valid. */
export function validateMessage(dict: FixDictionary, m: FixMessage, msgType: string): RejectInfo | undefined {
  const structural = problemToReject(m);
  if (structural) return structural;
  const c = messageDef(dict, msgType);
  if (c === NOT_FOUND) return { reason: RejectReason.InvalidMsgType, refTag: '' };
  // FIXT: session messages are validated against the transport dictionary (FIXT11) only, as QuickFIX
  // does: a tag of the application dictionary is an invalid tag number there.
  const known = dict.beginString === 'FIXT.1.1' && isAdminMessage(dict, c) ? transportTags(dict) : undefined;
  const r = walkLevel(dict, m, c, 0, m.fieldCount, true, known, 0);
  if (r) return r;
  return requiredMissing(dict, CONTAINER_HEADER, 0) ?? requiredMissing(dict, c, 0);
}

const transportTagCache = new WeakMap<FixDictionary, Set<number>>();

function addMembers(dict: FixDictionary, c: number, out: Set<number>): void {
  const n = memberCount(dict, c);
  for (let k = 0; k < n; k++) {
    const member = memberAt(dict, c, k);
    out.add(memberTag(dict, member));
    const g = memberGroup(dict, member);
    if (g !== NOT_FOUND) addMembers(dict, g, out);
  }
}

/** Tags of the FIXT transport dictionary: header, trailer and the session (admin) messages. */
export function transportTags(dict: FixDictionary): Set<number> {
  let s = transportTagCache.get(dict);
  if (s) return s;
  s = new Set<number>();
  addMembers(dict, CONTAINER_HEADER, s);
  addMembers(dict, CONTAINER_TRAILER, s);
  for (let c = FIRST_MESSAGE; c < dict.containerCount; c++) if (isMessage(dict, c) && isAdminMessage(dict, c)) addMembers(dict, c, s);
  transportTagCache.set(dict, s);
  return s;
}
