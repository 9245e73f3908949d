/**
 * C target for FIX dictionaries: one header-only C11 file per dictionary for the native framer /
 * indexer. Static const tables plus `static inline` lookups, every identifier prefixed `gw_<name>_`
 * (macros `GW_<NAME>_`), so the headers of several dictionaries can share a translation unit.
 * Clean under -std=c11 -Wall -Wextra -Werror -pedantic -Wconversion -Wsign-conversion.
 *
 * The framer needs the field types (DATA fields and their LENGTH fields, NUMINGROUP) and the group
 * structure, not enum values or the message-level field lists; so containers other than groups list
 * only the count tags of their groups, while a group lists every member (a tag that is not a member
 * of the current group ends it). Container ids are those of the TypeScript tables.
 */
import { Printer, generatedBanner } from '../printer.js';
import { fits16, wrapItems } from './emit.js';
import { type FixTables, PAGE_SIZE, buildSlots, bytesHash, memberKeyHash } from './tables.js';

export interface FixCOptions {
  source: string;
}

export function fixCFileName(t: FixTables): string {
  return `${t.name.toLowerCase()}.h`;
}

export function generateFixC(t: FixTables, opts: FixCOptions): string {
  const pre = `gw_${t.name.toLowerCase()}_`;
  const PRE = pre.toUpperCase();
  const guard = `${PRE}H_INCLUDED`;
  const p = new Printer('    ');
  p.line(generatedBanner(opts.source, '/*', ' */'));
  p.line(`#ifndef ${guard}`);
  p.line(`#define ${guard}`);
  p.line();

  const cs = t.containers;
  // Groups list every member; other containers only their groups' count tags.
  const lists = cs.map((c) => (c.kind === 'group' ? c.members : c.members.filter((m) => m.group !== 0)));
  const start: number[] = [0];
  for (const l of lists) start.push(start[start.length - 1]! + l.length);
  const memberTag = lists.flat().map((m) => m.tag);
  const memberInfo = lists.flat().map((m) => (m.group << 1) | (m.required ? 1 : 0));
  const memberKeys: number[] = [];
  lists.forEach((l, c) => l.forEach((m) => memberKeys.push(memberKeyHash(c, m.tag))));
  const memberSlots = buildSlots(memberKeys);
  const msgTypes = t.messages.map((m) => m.msgType);
  const msgSlots = buildSlots(msgTypes.map(bytesHash));
  const msgOffsets: number[] = [0];
  for (const mt of msgTypes) msgOffsets.push(msgOffsets[msgOffsets.length - 1]! + mt.length);
  const pages = t.fieldInfo.length / PAGE_SIZE;

  const ut = (values: readonly number[]): string => (fits16(values) ? 'uint16_t' : 'uint32_t');
  const table = (type: string, name: string, values: readonly number[], doc: string): void => {
    p.line(`/* ${doc} */`);
    p.line(`static const ${type} ${pre}${name}[${Math.max(values.length, 1)}] = {`);
    p.indent(() => wrapItems(p, values.length > 0 ? values.map((v) => `${v}${type === 'uint32_t' ? 'u' : ''}`) : ['0']));
    p.line('};');
    p.line();
  };

  p.line('/*');
  p.lines_([
    ` * FIX data dictionary tables for the native framer: ${t.beginString}${t.applVerID ? ` with ${t.name} (ApplVerID ${t.applVerID})` : ''}.`,
    ` * ${t.fields.length} fields, ${t.messages.length} messages, ${cs.length - t.firstGroup} distinct repeating groups.`,
    ' *',
    ' * Encoding:',
    ` * - ${pre}field_info[${pre}field_pages[tag >> 8] * 256 + (tag & 255)] for 0 < tag < ${PRE}TAG_LIMIT:`,
    ` *   bits 0-5 = field type (${PRE}TYPE_*; 0 = not defined), bit 6 = enumerated. Page 0 is all zero.`,
    ` * - ${pre}header_tags / ${pre}trailer_tags: bitsets by tag (bit tag & 31 of word tag >> 5).`,
    ` * - ${pre}data_tags (ascending) / ${pre}data_length_tags: the LENGTH field counting each DATA field.`,
    ' * - Containers (ids shared with the TypeScript tables): 0 header, 1 trailer, then the messages',
    ` *   (${PRE}FIRST_MESSAGE ..), then one container per distinct repeating group (${PRE}FIRST_GROUP ..).`,
    ` *   Members of container c are k = ${pre}container_start[c] .. ${pre}container_start[c + 1] - 1, in order:`,
    ` *   ${pre}member_tag[k]; ${pre}member_info[k] bit 0 = required, >> 1 = group container opened (0 = none).`,
    ' *   A group lists all its members (its delimiter first); header, trailer and messages list only the',
    ' *   count tags of their groups.',
    ` * - ${pre}member_slots: open addressing (linear probing, load <= 2/3) of (container, tag) -> k + 1;`,
    ` *   ${pre}msg_type_slots: msgType -> message index + 1. Hashes: ${pre}mix, ${pre}key_hash, ${pre}bytes_hash.`,
    ' */',
  ]);
  p.line('#include <stdbool.h>');
  p.line('#include <stddef.h>');
  p.line('#include <stdint.h>');
  p.line();
  p.line(`#define ${PRE}BEGIN_STRING ${JSON.stringify(t.beginString)}`);
  p.line(`#define ${PRE}APPL_VER_ID ${JSON.stringify(t.applVerID)}`);
  p.line(`#define ${PRE}TAG_LIMIT ${t.tagLimit}u`);
  p.line(`#define ${PRE}CONTAINER_HEADER 0`);
  p.line(`#define ${PRE}CONTAINER_TRAILER 1`);
  p.line(`#define ${PRE}FIRST_MESSAGE 2`);
  p.line(`#define ${PRE}MESSAGE_COUNT ${t.messages.length}`);
  p.line(`#define ${PRE}FIRST_GROUP ${t.firstGroup}`);
  p.line(`#define ${PRE}CONTAINER_COUNT ${cs.length}`);
  p.line();
  p.line('/* Field type codes (bits 0-5 of the field info). */');
  t.typeNames.forEach((n, i) => p.line(`#define ${PRE}TYPE_${n} ${i + 1}u`));
  p.line(`#define ${PRE}INFO_TYPE_MASK 0x3fu`);
  p.line(`#define ${PRE}INFO_ENUMERATED 0x40u`);
  p.line();
  p.line('/* Message container ids. */');
  t.messages.forEach((m, i) => p.line(`#define ${PRE}MSG_${m.name} ${i + 2}`));
  p.line();

  table(pages <= 256 ? 'uint8_t' : 'uint16_t', 'field_pages', t.fieldPages, `page of each block of ${PAGE_SIZE} tags`);
  table('uint8_t', 'field_info', t.fieldInfo, 'type code | enumerated flag, by page');
  table('uint32_t', 'header_tags', t.headerBits, 'bitset of header tags');
  table('uint32_t', 'trailer_tags', t.trailerBits, 'bitset of trailer tags');
  const tagT = t.tagLimit <= 0x10000 ? 'uint16_t' : 'uint32_t';
  p.line(`#define ${PRE}DATA_FIELD_COUNT ${t.dataPairs.length}u`);
  table(tagT, 'data_tags', t.dataPairs.map((x) => x[0]), 'DATA/XMLDATA tags, ascending');
  table(tagT, 'data_length_tags', t.dataPairs.map((x) => x[1]), 'the LENGTH tag of each');
  p.line(`/* msgType of message i: ${pre}msg_type_chars[${pre}msg_type_offset[i] .. ${pre}msg_type_offset[i + 1]) */`);
  p.line(`static const char ${pre}msg_type_chars[] =`);
  p.indent(() => {
    const chunks: string[] = [];
    for (let i = 0; i < msgTypes.length; i += 16) chunks.push(msgTypes.slice(i, i + 16).map((s) => JSON.stringify(s)).join(' '));
    if (chunks.length === 0) chunks.push('""');
    chunks.forEach((c, i) => p.line(i === chunks.length - 1 ? `${c};` : c));
  });
  p.line();
  table(ut(msgOffsets), 'msg_type_offset', msgOffsets, 'offsets into msg_type_chars');
  table(ut(msgSlots), 'msg_type_slots', msgSlots, 'msgType hash slots: message index + 1, 0 = empty');
  table(ut(start), 'container_start', start, 'first member of each container (and the end)');
  table(tagT, 'container_count_tag', cs.map((c) => c.countTag), 'count tag of each group container (0 otherwise)');
  table(tagT, 'member_tag', memberTag, 'member tags');
  table(ut(memberInfo), 'member_info', memberInfo, 'group container << 1 | required');
  table(ut(memberSlots), 'member_slots', memberSlots, '(container, tag) hash slots: member index + 1, 0 = empty');

  const memberMask = memberSlots.length - 1;
  const msgMask = msgSlots.length - 1;
  const fn = (sig: string, body: string[]): void => {
    p.line(`static inline ${sig}`);
    p.line('{');
    p.indent(() => p.lines_(body));
    p.line('}');
    p.line();
  };
  fn(`uint32_t ${pre}mix(uint32_t x)`, [
    'x ^= x >> 16;',
    'x *= 0x7feb352du;',
    'x ^= x >> 15;',
    'x *= 0x846ca68bu;',
    'x ^= x >> 16;',
    'return x;',
  ]);
  fn(`uint32_t ${pre}key_hash(uint32_t container, uint32_t tag)`, [`return ${pre}mix((container * 0x9e3779b1u) ^ tag);`]);
  fn(`uint32_t ${pre}bytes_hash(const char *s, size_t len)`, [
    'uint32_t h = 0x811c9dc5u;',
    'for (size_t i = 0; i < len; i++) h = (h ^ (uint32_t)(uint8_t)s[i]) * 0x01000193u;',
    `return ${pre}mix(h);`,
  ]);
  p.line('/** Field info byte of a tag (0 when the tag is not defined). */');
  fn(`unsigned ${pre}field_info_of(uint32_t tag)`, [
    `if (tag >= ${PRE}TAG_LIMIT) return 0u;`,
    `return ${pre}field_info[((size_t)${pre}field_pages[tag >> 8] << 8) | (size_t)(tag & 255u)];`,
  ]);
  p.line(`/** Field type code (${PRE}TYPE_*) of a tag; 0 when the tag is not defined. */`);
  fn(`unsigned ${pre}field_type(uint32_t tag)`, [`return ${pre}field_info_of(tag) & ${PRE}INFO_TYPE_MASK;`]);
  fn(`bool ${pre}field_is_enumerated(uint32_t tag)`, [`return (${pre}field_info_of(tag) & ${PRE}INFO_ENUMERATED) != 0u;`]);
  const bitFn = (name: string, arr: string, words: number): void =>
    fn(`bool ${pre}${name}(uint32_t tag)`, [`if ((tag >> 5) >= ${words}u) return false;`, `return ((${pre}${arr}[tag >> 5] >> (tag & 31u)) & 1u) != 0u;`]);
  p.line('/** Whether the tag belongs in the standard header (group members included). */');
  bitFn('is_header_tag', 'header_tags', t.headerBits.length);
  p.line('/** Whether the tag belongs in the standard trailer. */');
  bitFn('is_trailer_tag', 'trailer_tags', t.trailerBits.length);
  p.line('/** The LENGTH tag that carries the byte count of a DATA/XMLDATA field; 0 when it has none. */');
  fn(`uint32_t ${pre}data_length_tag(uint32_t data_tag)`, [
    'size_t lo = 0;',
    `size_t hi = ${PRE}DATA_FIELD_COUNT;`,
    'while (lo < hi) {',
    '    size_t mid = lo + (hi - lo) / 2;',
    `    if (${pre}data_tags[mid] < data_tag) lo = mid + 1;`,
    '    else hi = mid;',
    '}',
    `return lo < ${PRE}DATA_FIELD_COUNT && ${pre}data_tags[lo] == data_tag ? (uint32_t)${pre}data_length_tags[lo] : 0u;`,
  ]);
  p.line('/** Container id of the message with this msgType (bytes, not NUL-terminated); -1 if unknown. */');
  fn(`int ${pre}message(const char *msg_type, size_t len)`, [
    `uint32_t s = ${pre}bytes_hash(msg_type, len) & ${msgMask}u;`,
    'for (;;) {',
    `    uint32_t v = (uint32_t)${pre}msg_type_slots[s];`,
    '    if (v == 0u) return -1;',
    `    size_t from = (size_t)${pre}msg_type_offset[v - 1u];`,
    `    size_t n = (size_t)${pre}msg_type_offset[v] - from;`,
    '    if (n == len) {',
    '        size_t i = 0;',
    `        while (i < n && ${pre}msg_type_chars[from + i] == msg_type[i]) i++;`,
    `        if (i == n) return (int)v + ${PRE}FIRST_MESSAGE - 1;`,
    '    }',
    `    s = (s + 1u) & ${msgMask}u;`,
    '}',
  ]);
  p.line('/** msgType of a message container (not NUL-terminated); NULL when c is not a message. */');
  fn(`const char *${pre}msg_type(int container, size_t *len)`, [
    `if (container < ${PRE}FIRST_MESSAGE || container >= ${PRE}FIRST_GROUP) return NULL;`,
    `size_t i = (size_t)(container - ${PRE}FIRST_MESSAGE);`,
    `*len = (size_t)${pre}msg_type_offset[i + 1] - (size_t)${pre}msg_type_offset[i];`,
    `return ${pre}msg_type_chars + ${pre}msg_type_offset[i];`,
  ]);
  p.line('/**');
  p.line(' * Member index of `tag` in a container, -1 if absent. Groups list every member; header, trailer and');
  p.line(' * messages only the count tags of their groups.');
  p.line(' */');
  fn(`int ${pre}member(int container, uint32_t tag)`, [
    `if (container < 0 || container >= ${PRE}CONTAINER_COUNT) return -1;`,
    `uint32_t from = (uint32_t)${pre}container_start[container];`,
    `uint32_t to = (uint32_t)${pre}container_start[container + 1];`,
    `uint32_t s = ${pre}key_hash((uint32_t)container, tag) & ${memberMask}u;`,
    'for (;;) {',
    `    uint32_t v = (uint32_t)${pre}member_slots[s];`,
    '    if (v == 0u) return -1;',
    `    if (v - 1u >= from && v - 1u < to && ${pre}member_tag[v - 1u] == tag) return (int)(v - 1u);`,
    `    s = (s + 1u) & ${memberMask}u;`,
    '}',
  ]);
  p.line('/** Group container opened by `count_tag` inside `container` (message, header, trailer or group); -1 if none. */');
  fn(`int ${pre}group(int container, uint32_t count_tag)`, [
    `int k = ${pre}member(container, count_tag);`,
    'if (k < 0) return -1;',
    `uint32_t g = (uint32_t)${pre}member_info[k] >> 1;`,
    'return g == 0u ? -1 : (int)g;',
  ]);
  fn(`bool ${pre}is_group(int container)`, [`return container >= ${PRE}FIRST_GROUP && container < ${PRE}CONTAINER_COUNT;`]);
  p.line('/** Count tag of a group container (0 when not a group). */');
  fn(`uint32_t ${pre}group_count_tag(int group)`, [`if (!${pre}is_group(group)) return 0u;`, `return (uint32_t)${pre}container_count_tag[group];`]);
  p.line('/** Delimiter (first field of every entry) of a group container (0 when not a group). */');
  fn(`uint32_t ${pre}group_delimiter(int group)`, [`if (!${pre}is_group(group)) return 0u;`, `return (uint32_t)${pre}member_tag[${pre}container_start[group]];`]);
  p.line('/** Number of members listed for a container. */');
  fn(`uint32_t ${pre}member_count(int container)`, [
    `if (container < 0 || container >= ${PRE}CONTAINER_COUNT) return 0u;`,
    `return (uint32_t)${pre}container_start[container + 1] - (uint32_t)${pre}container_start[container];`,
  ]);
  p.line('/** i-th member (in dictionary order) of a container: its index k, or -1. */');
  fn(`int ${pre}member_at(int container, uint32_t i)`, [
    `if (i >= ${pre}member_count(container)) return -1;`,
    `return (int)((uint32_t)${pre}container_start[container] + i);`,
  ]);
  fn(`uint32_t ${pre}member_tag_of(int member)`, [`return (uint32_t)${pre}member_tag[member];`]);
  fn(`bool ${pre}member_required(int member)`, [`return ((uint32_t)${pre}member_info[member] & 1u) != 0u;`]);
  fn(`int ${pre}member_group(int member)`, [`uint32_t g = (uint32_t)${pre}member_info[member] >> 1;`, 'return g == 0u ? -1 : (int)g;']);
  p.line(`#endif /* ${guard} */`);
  return p.toString();
}
