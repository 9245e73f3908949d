/**
 * The allocation-free validator (byte checks, stamp marks per depth, required-tag index) gives exactly
 * the verdicts of the string/Set implementation it replaced, kept here as the oracle: randomly mutated
 * messages (duplicated, dropped, moved, emptied and garbled fields, unknown tags, wrong group counts)
 * with nested repeating groups, FIX.4.4 and FIXT.1.1 (admin messages checked against the transport
 * dictionary).
 */
import test from 'ava';
import {
  CONTAINER_HEADER,
  CONTAINER_TRAILER,
  FieldType,
  type FixDictionary,
  NOT_FOUND,
  fieldType,
  groupDef,
  isAdminMessage,
  isEnumerated,
  isHeaderTag,
  isTrailerTag,
  isValidEnumString,
  loadFixDictionary,
  memberAt,
  memberCount,
  memberOf,
  memberRequired,
  memberTag,
  messageDef,
} from '../../src/fix/dictionary.js';
import { FixFramer } from '../../src/fix/framer.js';
import type { FixMessage } from '../../src/fix/message.js';
import { FIX44 } from '../../src/generated/fix/fix44.js';
import { FIX50SP2 } from '../../src/generated/fix/fix50sp2.js';
import { FixIndexProblem } from '../../src/generated/gateway-internal/FixIndexProblem.js';
import { RejectReason, type RejectInfo, tagText, transportTags, validFormat, validateMessage } from '../../src/session/validator.js';
import { completeMessage, splitFields } from '../conformance/def.js';

// ---- the previous implementation (oracle)

function oldValidEnum(dict: FixDictionary, tag: number, type: number, value: string): boolean {
  if (!isEnumerated(dict, tag)) return true;
  if (type === FieldType.MULTIPLEVALUESTRING || type === FieldType.MULTIPLESTRINGVALUE || type === FieldType.MULTIPLECHARVALUE) {
    for (const v of value.split(' ')) if (!isValidEnumString(dict, tag, v)) return false;
    return true;
  }
  return isValidEnumString(dict, tag, value);
}

function oldProblem(m: FixMessage): RejectInfo | undefined {
  const tag = m.problemTag === 0 ? '' : String(m.problemTag);
  switch (m.problem) {
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

function stepAt(m: FixMessage, i: number, entryStart: number): number {
  const n = m.nextAt(i);
  return n > i && i !== entryStart ? n : i + 1;
}

function oldWalk(dict: FixDictionary, m: FixMessage, c: number, from: number, to: number, top: boolean, known: Set<number> | undefined): RejectInfo | undefined {
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
    if (!oldValidEnum(dict, tag, type, value)) return { reason: RejectReason.ValueIncorrect, refTag: String(tag) };
    let level = c;
    if (top && isHeaderTag(dict, tag)) level = CONTAINER_HEADER;
    else if (top && isTrailerTag(dict, tag)) level = CONTAINER_TRAILER;
    if (memberOf(dict, level, tag) === NOT_FOUND) return { reason: RejectReason.TagNotDefinedForMessageType, refTag: String(tag) };
    if (type === FieldType.NUMINGROUP) {
      const g = groupDef(dict, level, tag);
      if (g !== NOT_FOUND) {
        for (let e = i + 1; e < next; ) {
          const end = m.nextAt(e) > e ? m.nextAt(e) : next;
          const r = oldWalk(dict, m, g, e, end, false, known);
          if (r) return r;
          const rr = oldRequired(dict, m, g, e, end, true);
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

function oldRequired(dict: FixDictionary, m: FixMessage, c: number, from: number, to: number, entry = false): RejectInfo | undefined {
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

function oldValidate(dict: FixDictionary, m: FixMessage, msgType: string): RejectInfo | undefined {
  const structural = oldProblem(m);
  if (structural) return structural;
  const c = messageDef(dict, msgType);
  if (c === NOT_FOUND) return { reason: RejectReason.InvalidMsgType, refTag: '' };
  const known = dict.beginString === 'FIXT.1.1' && isAdminMessage(dict, c) ? transportTags(dict) : undefined;
  const r = oldWalk(dict, m, c, 0, m.fieldCount, true, known);
  if (r) return r;
  return oldRequired(dict, m, CONTAINER_HEADER, 0, m.fieldCount) ?? oldRequired(dict, m, c, 0, m.fieldCount);
}

// ---- generator

function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const T = '20261124-02:30:00.000';
const BASES: Record<string, string[]> = {
  'FIX.4.4': [
    `35=AE|49=M1|56=CCP|34=2|52=${T}|571=TX|55=AAPL|32=500|31=187.25|75=20261124|60=${T}|552=2|54=1|453=2|448=MA|447=D|452=1|448=CA|447=D|452=4|54=2|453=1|448=MB|447=D|452=1`,
    `35=D|49=MEMBER1|56=CCP|34=3|52=${T}|11=ORD1|1=ACC1|55=AAPL|48=US0378331005|22=4|54=1|60=${T}|38=500|40=2|44=187.25|59=0|18=1 2|453=1|448=P|447=D|452=3`,
    `35=A|49=M1|56=CCP|34=1|52=${T}|98=0|108=30|141=Y`,
    `35=3|49=M1|56=CCP|34=4|52=${T}|45=2|371=44|372=D|373=5|58=bad`,
  ],
  'FIXT.1.1': [
    `35=AE|49=M1|56=CCP|34=2|52=${T}|1128=9|571=TX|55=AAPL|32=500|31=187.25|75=20261124|60=${T}|552=1|54=1|453=1|448=MA|447=D|452=1`,
    `35=A|49=M1|56=CCP|34=1|52=${T}|98=0|108=30|1137=9`,
    `35=0|49=M1|56=CCP|34=5|52=${T}|112=X`,
  ],
};
const GARBAGE = ['', 'abc', '1.2.3', '-5', 'Z', '0', '20261301-00:00:00', '20261124-02:30:00', 'Y', '1 2', '1  2', '999', '-', '.5'];
const EXTRA_TAGS = ['9999', '5000', '1', '44', '448', '452', '54', '453', '0', 'abc', '58', '1128', '98'];

function mutate(fields: [string, string][], next: () => number): [string, string][] {
  const f = fields.map(([t, v]) => [t, v] as [string, string]);
  const n = 1 + Math.floor(next() * 3);
  for (let k = 0; k < n; k++) {
    const i = 1 + Math.floor(next() * (f.length - 1)); // never touch 35 (field 0 here)
    const r = next();
    if (r < 0.2) f.splice(i, 0, [f[i]![0], f[i]![1]]);
    else if (r < 0.35 && f.length > 2) f.splice(i, 1);
    else if (r < 0.55) f[i] = [f[i]![0], GARBAGE[Math.floor(next() * GARBAGE.length)]!];
    else if (r < 0.7) f.splice(i, 0, [EXTRA_TAGS[Math.floor(next() * EXTRA_TAGS.length)]!, 'x']);
    else if (r < 0.85 && f.length > 2) {
      const [moved] = f.splice(i, 1);
      f.splice(1 + Math.floor(next() * (f.length - 1)), 0, moved!);
    } else if (f[i]![0] === '552' || f[i]![0] === '453') f[i] = [f[i]![0], String(Math.floor(next() * 4))];
  }
  return f;
}

test('validateMessage agrees with the previous implementation on 20,000 mutated messages', (t) => {
  const dicts: Record<string, FixDictionary> = { 'FIX.4.4': loadFixDictionary(FIX44), 'FIXT.1.1': loadFixDictionary(FIX50SP2) };
  const next = rng(2026);
  const framer = new FixFramer({ maxMessageBytes: 65536, maxFields: 1024 });
  let compared = 0;
  let rejected = 0;
  const reasons = new Set<number>();
  for (let n = 0; n < 20_000; n++) {
    const begin = next() < 0.6 ? 'FIX.4.4' : 'FIXT.1.1';
    const bases = BASES[begin]!;
    const base = splitFields(bases[Math.floor(next() * bases.length)]!.replaceAll('|', '\x01'));
    const fields = n % 10 === 0 ? base : mutate(base, next);
    const text = completeMessage(`8=${begin}\x01${fields.map(([k, v]) => `${k}=${v}\x01`).join('')}`);
    framer.push(new Uint8Array(Buffer.from(text, 'latin1')), {
      onMessage: (m) => {
        const dict = dicts[begin]!;
        const msgType = m.msgType;
        const expected = oldValidate(dict, m, msgType);
        const got = validateMessage(dict, m, msgType);
        if (JSON.stringify(got) !== JSON.stringify(expected)) t.fail(`${text.replaceAll('\x01', '|')}: got ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
        compared++;
        if (expected) {
          rejected++;
          reasons.add(expected.reason);
        }
      },
      onGarbled: () => undefined,
    });
  }
  t.true(compared > 19_000, `compared ${compared}`);
  t.true(rejected > 5_000 && compared - rejected > 2_000, `rejected ${rejected} of ${compared}`);
  // The mutations reach every verdict the walk can give.
  for (const r of [0, 1, 2, 4, 5, 6, 13]) t.true(reasons.has(r), `reason ${r} never produced: ${[...reasons].join(',')}`);
});
