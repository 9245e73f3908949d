/**
 * The compact lookup tables both FIX targets emit, computed once from the IR so the TypeScript and C
 * files agree (same container ids, same type codes). Pure function of the IR: deterministic.
 *
 * - Field info by tag, paged: tags are split in pages of 256; `fieldPages[tag >> 8]` is the page
 *   holding the tag (page 0 is all zero and stands for every page without fields); the info byte is
 *   `fieldInfo[page * 256 + (tag & 255)]`: bits 0-5 type code (0 = not defined), bit 6 enumerated.
 * - Header / trailer tag bitsets (nested group members included).
 * - Containers: 0 header, 1 trailer, 2.. messages (dictionary order), then repeating groups, one per
 *   distinct definition (count tag, members, their required flags and nested groups), numbered in
 *   the order their definition is completed walking header, trailer and messages (nested first).
 */
import { type FixDictionary, type FixField, type FixMember, type FixMessage, FIX_FIELD_TYPES, fixTypeCode } from './ir.js';

export const PAGE_BITS = 8;
export const PAGE_SIZE = 1 << PAGE_BITS;
export const INFO_TYPE_MASK = 0x3f;
export const INFO_ENUMERATED = 0x40;
export const CONTAINER_HEADER = 0;
export const CONTAINER_TRAILER = 1;
export const FIRST_MESSAGE = 2;

export interface ContainerMember {
  tag: number;
  required: boolean;
  /** Container id of the group this count tag opens; 0 for a plain field. */
  group: number;
}

export interface Container {
  id: number;
  kind: 'header' | 'trailer' | 'message' | 'group';
  /** Message or group name (count field name), `header`, `trailer`. */
  name: string;
  /** Groups: the count tag; 0 otherwise. */
  countTag: number;
  members: ContainerMember[];
}

export interface FixTables {
  /** `FIX44`, `FIX50SP2`: the application version; names the generated symbols. */
  name: string;
  beginString: string;
  /** ApplVerID value for a FIXT pair, '' otherwise. */
  applVerID: string;
  sources: string[];
  typeNames: readonly string[];
  /** One more than the highest defined tag. */
  tagLimit: number;
  fieldPages: number[];
  fieldInfo: number[];
  headerBits: number[];
  trailerBits: number[];
  /** Defined fields by ascending tag. */
  fields: FixField[];
  /** [data tag, length tag] by ascending data tag. */
  dataPairs: Array<[number, number]>;
  /** Tags with enumerated values (ascending); values of enumTags[i] are enumValues[enumStart[i] .. enumStart[i+1]). */
  enumTags: number[];
  enumStart: number[];
  enumValues: string[];
  messages: FixMessage[];
  containers: Container[];
  firstGroup: number;
}

export function fixDictionaryName(d: FixDictionary): string {
  const v = d.versions[d.versions.length - 1]!;
  return `${v.type}${v.major}${v.minor}${v.servicePack > 0 ? `SP${v.servicePack}` : ''}`;
}

export function buildTables(d: FixDictionary): FixTables {
  const maxTag = d.fields.reduce((m, f) => Math.max(m, f.tag), 0);
  const tagLimit = maxTag + 1;
  const pageCount = Math.ceil(tagLimit / PAGE_SIZE);
  const fieldPages: number[] = new Array<number>(pageCount).fill(0);
  const fieldInfo: number[] = new Array<number>(PAGE_SIZE).fill(0);
  for (const f of d.fields) {
    const p = f.tag >> PAGE_BITS;
    if (fieldPages[p] === 0) {
      fieldPages[p] = fieldInfo.length / PAGE_SIZE;
      for (let i = 0; i < PAGE_SIZE; i++) fieldInfo.push(0);
    }
    fieldInfo[fieldPages[p]! * PAGE_SIZE + (f.tag & (PAGE_SIZE - 1))] = fixTypeCode(f.type) | (f.values.length > 0 ? INFO_ENUMERATED : 0);
  }

  const enumTags: number[] = [];
  const enumStart: number[] = [0];
  const enumValues: string[] = [];
  for (const f of d.fields) {
    if (f.values.length === 0) continue;
    enumTags.push(f.tag);
    for (const v of f.values) enumValues.push(v.value);
    enumStart.push(enumValues.length);
  }

  const dataPairs: Array<[number, number]> = d.fields.filter((f) => f.lengthTag !== undefined).map((f) => [f.tag, f.lengthTag!]);

  const containers: Container[] = [];
  const groupIds = new Map<string, number>();
  const pendingGroups: Container[] = [];
  const firstGroup = FIRST_MESSAGE + d.messages.length;
  const level = (members: FixMember[]): ContainerMember[] =>
    members.map((m) => (m.kind === 'field' ? { tag: m.tag, required: m.required, group: 0 } : { tag: m.countTag, required: m.required, group: intern(m.countTag, m.name, m.members) }));
  const intern = (countTag: number, name: string, members: FixMember[]): number => {
    const ms = level(members);
    const key = JSON.stringify([countTag, ms.map((m) => [m.tag, m.required ? 1 : 0, m.group])]);
    const known = groupIds.get(key);
    if (known !== undefined) return known;
    const id = firstGroup + pendingGroups.length;
    groupIds.set(key, id);
    pendingGroups.push({ id, kind: 'group', name, countTag, members: ms });
    return id;
  };
  containers.push({ id: CONTAINER_HEADER, kind: 'header', name: 'header', countTag: 0, members: level(d.header) });
  containers.push({ id: CONTAINER_TRAILER, kind: 'trailer', name: 'trailer', countTag: 0, members: level(d.trailer) });
  d.messages.forEach((m, i) => containers.push({ id: FIRST_MESSAGE + i, kind: 'message', name: m.name, countTag: 0, members: level(m.members) }));
  containers.push(...pendingGroups);

  return {
    name: fixDictionaryName(d),
    beginString: d.beginString,
    applVerID: d.applVerID ?? '',
    sources: d.sources,
    typeNames: FIX_FIELD_TYPES,
    tagLimit,
    fieldPages,
    fieldInfo,
    headerBits: bitset(allTags(d.header)),
    trailerBits: bitset(allTags(d.trailer)),
    fields: d.fields,
    dataPairs,
    enumTags,
    enumStart,
    enumValues,
    messages: d.messages,
    containers,
    firstGroup,
  };
}

function allTags(members: FixMember[], out: number[] = []): number[] {
  for (const m of members) {
    if (m.kind === 'field') out.push(m.tag);
    else {
      out.push(m.countTag);
      allTags(m.members, out);
    }
  }
  return out;
}

/** Uint32 words, bit (tag & 31) of word (tag >> 5); as short as the highest tag allows. */
function bitset(tags: number[]): number[] {
  const max = tags.reduce((m, t) => Math.max(m, t), 0);
  const words = new Array<number>((max >> 5) + 1).fill(0);
  for (const t of tags) words[t >> 5] = (words[t >> 5]! | (1 << (t & 31))) >>> 0;
  return words;
}

// ---------------------------------------------------------------- hashing (emitted into C as well)

/** 32-bit finaliser (xor-shift-multiply); the C target emits the same function. */
export function mix32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** Hash of a (container, tag) key. */
export function memberKeyHash(container: number, tag: number): number {
  return mix32((Math.imul(container, 0x9e3779b1) ^ tag) >>> 0);
}

/** FNV-1a over ASCII bytes, then mixed. */
export function bytesHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul((h ^ s.charCodeAt(i)) >>> 0, 0x01000193) >>> 0;
  return mix32(h);
}

/** Smallest power of two ≥ 1.5 n (at least 8): load factor at most 2/3. */
export function slotCount(n: number): number {
  let s = 8;
  while (s < n * 1.5) s *= 2;
  return s;
}

/**
 * Open addressing with linear probing: slot (h + i) & (size - 1) holds key index + 1, 0 = empty.
 * Keys are inserted in index order, so the table is deterministic.
 */
export function buildSlots(hashes: readonly number[]): number[] {
  const size = slotCount(hashes.length);
  const slots = new Array<number>(size).fill(0);
  hashes.forEach((h, i) => {
    let s = h & (size - 1);
    while (slots[s] !== 0) s = (s + 1) & (size - 1);
    slots[s] = i + 1;
  });
  return slots;
}
