/**
 * Data-dictionary validation of one inbound FIX message (src/fix/dictionary.ts), in QuickFIX's order so
 * that the first problem reported is the one a QuickFIX counterparty expects:
 *   1. structural problems the indexer found (header/body/trailer order 14, group order 15,
 *      NumInGroup 16, DATA length 6), and repeated tags at one level (13);
 *   2. MsgType defined (11);
 *   3. per field, in wire order: tag number valid (0), value present (4), data format (6), enum value
 *      (5), tag defined for the message type at that level (2);
 *   4. required fields of header, body (and group entries), trailer (1).
 * Returns a Reject description or undefined. Stateless; allocates only on the error path (and one
 * small Set per message for the repeated-tag check).
 *
 * Thread: pure functions; use on the session layer's thread.
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
import { parseUtcTimestamp } from './builder.js';

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
 * Validates fields [from, to) of one level (message or a group entry) against container `c`, recursing
 * into groups. `seen` collects the tags of the level for the repeated-tag check.
 */
function walkLevel(dict: FixDictionary, m: FixMessage, c: number, from: number, to: number, top: boolean, known: Set<number> | undefined): RejectInfo | undefined {
  const seen = new Set<number>();
  for (let i = from; i < to; ) {
    const tag = m.tagAt(i);
    const next = stepAt(m, i, top ? -1 : from);
    if (tag === 0) return { reason: RejectReason.InvalidTagNumber, refTag: tagText(m, i) };
    if (seen.has(tag) && !(top && (tag === 8 || tag === 9 || tag === 35 || tag === 10))) return { reason: RejectReason.TagAppearsMoreThanOnce, refTag: String(tag) };
    seen.add(tag);
    const value = m.stringAt(i);
    const type = fieldType(dict, tag);
    if (value === '') return { reason: RejectReason.TagSpecifiedWithoutValue, refTag: String(tag) };
    if (type === FieldType.NONE || (known !== undefined && !known.has(tag))) return { reason: RejectReason.InvalidTagNumber, refTag: String(tag) };
    if (!validFormat(type, value)) return { reason: RejectReason.IncorrectDataFormat, refTag: String(tag) };
    if (!validEnum(dict, tag, type, value)) return { reason: RejectReason.ValueIncorrect, refTag: String(tag) };
    let level = c;
    if (top && isHeaderTag(dict, tag)) level = CONTAINER_HEADER;
    else if (top && isTrailerTag(dict, tag)) level = CONTAINER_TRAILER;
    const member = memberOf(dict, level, tag);
    if (member === NOT_FOUND) return { reason: RejectReason.TagNotDefinedForMessageType, refTag: String(tag) };
    if (type === FieldType.NUMINGROUP) {
      const g = groupDef(dict, level, tag);
      if (g !== NOT_FOUND) {
        // entries: each starts at a delimiter whose `next` ends the entry
        for (let e = i + 1; e < next; ) {
          const end = m.nextAt(e) > e ? m.nextAt(e) : next;
          const r = walkLevel(dict, m, g, e, end, false, known);
          if (r) return r;
          const rr = requiredMissing(dict, m, g, e, end, true);
          if (rr) return rr;
          e = end;
        }
      }
    }
    i = next;
  }
  return undefined;
}

function hasAtLevel(m: FixMessage, from: number, to: number, tag: number, entry: boolean): boolean {
  for (let i = from; i < to; ) {
    if (m.tagAt(i) === tag) return true;
    i = stepAt(m, i, entry ? from : -1);
  }
  return false;
}

function requiredMissing(dict: FixDictionary, m: FixMessage, c: number, from: number, to: number, entry = false): RejectInfo | undefined {
  const n = memberCount(dict, c);
  for (let k = 0; k < n; k++) {
    const member = memberAt(dict, c, k);
    if (!memberRequired(dict, member)) continue;
    const tag = memberTag(dict, member);
    if (tag === 9 || tag === 10) continue;
    if (!hasAtLevel(m, from, to, tag, entry)) return { reason: RejectReason.RequiredTagMissing, refTag: String(tag) };
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
  const r = walkLevel(dict, m, c, 0, m.fieldCount, true, known);
  if (r) return r;
  return requiredMissing(dict, m, CONTAINER_HEADER, 0, m.fieldCount) ?? requiredMissing(dict, m, c, 0, m.fieldCount);
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
