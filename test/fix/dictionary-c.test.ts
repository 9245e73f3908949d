/**
 * native/generated/fix/*.h: both headers in one C11 program, compiled with the project's strict
 * warnings under ASan/UBSan, then (1) hand-checked lookups and (2) a dump of every C table compared
 * line by line with the same facts read through the TypeScript runtime (same container ids, types,
 * groups, delimiters; the C member hash finds every member it lists).
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { FIX44 } from '../../src/generated/fix/fix44.js';
import { FIX50SP2 } from '../../src/generated/fix/fix50sp2.js';
import {
  type FixDictionary,
  dataLengthTag,
  fieldType,
  groupCountTag,
  groupDelimiter,
  isEnumerated,
  isGroup,
  isHeaderTag,
  isTrailerTag,
  loadFixDictionary,
  memberAt,
  memberCount,
  memberGroup,
  memberRequired,
  memberTag,
  messageMsgType,
} from '../../src/fix/dictionary.js';
import { PROJECT_ROOT } from '../helpers/refdata.js';

const run = promisify(execFile);
const HEADERS = path.join(PROJECT_ROOT, 'native', 'generated', 'fix');
const STRICT = ['-std=c11', '-Wall', '-Wextra', '-Werror', '-pedantic', '-Wconversion', '-Wsign-conversion', '-Wshadow', '-Wcast-qual', '-Wundef', '-Wstrict-prototypes', '-Wmissing-prototypes'];
const SANITIZE = ['-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-fno-omit-frame-pointer', '-g', '-O1'];

const DICTS: ReadonlyArray<[string, FixDictionary]> = [
  ['fix44', loadFixDictionary(FIX44)],
  ['fix50sp2', loadFixDictionary(FIX50SP2)],
];

/** A dump function for one dictionary: one line per fact, the same lines `expectedDump` builds in TS. */
function dumpFunction(p: string): string {
  const P = p.toUpperCase();
  return `
static void dump_${p}(void)
{
    for (uint32_t tag = 0; tag < ${P}_TAG_LIMIT + 300u; tag++) {
        unsigned type = ${p}_field_type(tag);
        if (type != 0u) printf("T %u %u %d\\n", (unsigned)tag, type, ${p}_field_is_enumerated(tag) ? 1 : 0);
        if (${p}_is_header_tag(tag)) printf("H %u\\n", (unsigned)tag);
        if (${p}_is_trailer_tag(tag)) printf("R %u\\n", (unsigned)tag);
        if (${p}_data_length_tag(tag) != 0u) printf("D %u %u\\n", (unsigned)tag, (unsigned)${p}_data_length_tag(tag));
    }
    for (int c = ${P}_FIRST_MESSAGE; c < ${P}_FIRST_GROUP; c++) {
        size_t n = 0;
        const char *mt = ${p}_msg_type(c, &n);
        printf("M %d %.*s %d\\n", c, (int)n, mt, ${p}_message(mt, n));
    }
    for (int c = 0; c < ${P}_CONTAINER_COUNT; c++) {
        for (uint32_t i = 0; i < ${p}_member_count(c); i++) {
            int k = ${p}_member_at(c, i);
            uint32_t tag = ${p}_member_tag_of(k);
            printf("C %d %u %d %d %d\\n", c, (unsigned)tag, ${p}_member_required(k) ? 1 : 0, ${p}_member_group(k), ${p}_member(c, tag) == k ? 1 : 0);
        }
        if (${p}_is_group(c)) printf("G %d %u %u\\n", c, (unsigned)${p}_group_count_tag(c), (unsigned)${p}_group_delimiter(c));
    }
}
`;
}

/** The dump as the TypeScript runtime sees the same dictionary (C lists only group count tags outside groups). */
function expectedDump(d: FixDictionary): string[] {
  const out: string[] = [];
  for (let tag = 0; tag < d.tables.tagLimit + 300; tag++) {
    const type = fieldType(d, tag);
    if (type !== 0) out.push(`T ${tag} ${type} ${isEnumerated(d, tag) ? 1 : 0}`);
    if (isHeaderTag(d, tag)) out.push(`H ${tag}`);
    if (isTrailerTag(d, tag)) out.push(`R ${tag}`);
    if (dataLengthTag(d, tag) !== 0) out.push(`D ${tag} ${dataLengthTag(d, tag)}`);
  }
  for (let c = 2; c < d.firstGroup; c++) out.push(`M ${c} ${messageMsgType(d, c)} ${c}`);
  for (let c = 0; c < d.containerCount; c++) {
    for (let i = 0; i < memberCount(d, c); i++) {
      const k = memberAt(d, c, i);
      if (!isGroup(d, c) && memberGroup(d, k) === -1) continue;
      out.push(`C ${c} ${memberTag(d, k)} ${memberRequired(d, k) ? 1 : 0} ${memberGroup(d, k)} 1`);
    }
    if (isGroup(d, c)) out.push(`G ${c} ${groupCountTag(d, c)} ${groupDelimiter(d, c)}`);
  }
  return out;
}

const PROGRAM = `
#include <stdio.h>
#include <string.h>
#include "fix44.h"
#include "fix50sp2.h"
#include "fix44.h" /* include guards */

static int failures;
#define CHECK(cond) do { if (!(cond)) { printf("FAIL line %d: %s\\n", __LINE__, #cond); failures++; } } while (0)

static void facts(void)
{
    /* FIX 4.4 TradeCaptureReport: NoSides delimited by Side, nested NoPartyIDs by PartyID, NoPartySubIDs by PartySubID */
    int ae = gw_fix44_message("AE", 2);
    CHECK(ae == GW_FIX44_MSG_TradeCaptureReport);
    int sides = gw_fix44_group(ae, 552);
    CHECK(sides >= GW_FIX44_FIRST_GROUP);
    CHECK(gw_fix44_group_count_tag(sides) == 552u);
    CHECK(gw_fix44_group_delimiter(sides) == 54u);
    CHECK(gw_fix44_member(sides, 37) == gw_fix44_member_at(sides, 1)); /* OrderID second */
    CHECK(gw_fix44_member_required(gw_fix44_member(sides, 54)));
    int parties = gw_fix44_group(sides, 453);
    CHECK(gw_fix44_group_delimiter(parties) == 448u);
    CHECK(gw_fix44_group_delimiter(gw_fix44_group(parties, 802)) == 523u);
    CHECK(gw_fix44_group(gw_fix44_message("D", 1), 453) == parties); /* shared definition */
    CHECK(gw_fix44_member(sides, 55) == -1);  /* Symbol ends the NoSides group */
    CHECK(gw_fix44_group(ae, 571) == -1);     /* TradeReportID opens no group */
    CHECK(gw_fix44_member(ae, 571) == -1);    /* messages list only their groups' count tags */
    CHECK(gw_fix44_group(ae, 453) == -1);
    CHECK(gw_fix44_field_type(54) == GW_FIX44_TYPE_CHAR);
    CHECK(gw_fix44_field_type(552) == GW_FIX44_TYPE_NUMINGROUP);
    CHECK(gw_fix44_field_type(95) == GW_FIX44_TYPE_LENGTH);
    CHECK(gw_fix44_field_type(96) == GW_FIX44_TYPE_DATA);
    CHECK(gw_fix44_data_length_tag(96) == 95u);
    CHECK(gw_fix44_data_length_tag(89) == 93u);
    CHECK(gw_fix44_data_length_tag(55) == 0u);
    CHECK(gw_fix44_field_type(0) == 0u && gw_fix44_field_type(20) == 0u && gw_fix44_field_type(957) == 0u);
    CHECK(gw_fix44_field_type(4000000000u) == 0u);
    CHECK(gw_fix44_is_header_tag(8) && gw_fix44_is_header_tag(9) && gw_fix44_is_header_tag(35));
    CHECK(gw_fix44_is_header_tag(628) && !gw_fix44_is_header_tag(55) && !gw_fix44_is_header_tag(4000000000u));
    CHECK(gw_fix44_is_trailer_tag(10) && !gw_fix44_is_trailer_tag(8));
    CHECK(gw_fix44_group_delimiter(gw_fix44_group(GW_FIX44_CONTAINER_HEADER, 627)) == 628u);
    CHECK(gw_fix44_message("ZZ", 2) == -1 && gw_fix44_message("A", 0) == -1 && gw_fix44_message("AEX", 2) == ae);
    CHECK(gw_fix44_member(-1, 54) == -1 && gw_fix44_member(GW_FIX44_CONTAINER_COUNT, 54) == -1);
    CHECK(gw_fix44_group_delimiter(ae) == 0u && gw_fix44_member_at(ae, 1000u) == -1);
    CHECK(strcmp(GW_FIX44_BEGIN_STRING, "FIX.4.4") == 0);

    /* FIXT 1.1 + FIX 5.0 SP2 */
    int ae5 = gw_fix50sp2_message("AE", 2);
    CHECK(ae5 == GW_FIX50SP2_MSG_TradeCaptureReport);
    int sides5 = gw_fix50sp2_group(ae5, 552);
    CHECK(gw_fix50sp2_group_delimiter(sides5) == 54u);
    CHECK(gw_fix50sp2_group_delimiter(gw_fix50sp2_group(sides5, 453)) == 448u);
    CHECK(gw_fix50sp2_is_header_tag(1128) && !gw_fix44_is_header_tag(1128));
    CHECK(gw_fix50sp2_message("A", 1) == GW_FIX50SP2_MSG_Logon);
    CHECK(gw_fix50sp2_field_type(50002) == GW_FIX50SP2_TYPE_INT);
    CHECK(strcmp(GW_FIX50SP2_BEGIN_STRING, "FIXT.1.1") == 0 && strcmp(GW_FIX50SP2_APPL_VER_ID, "9") == 0);
}
${DICTS.map(([n]) => dumpFunction(`gw_${n}`)).join('')}
int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "facts") == 0) {
        facts();
        printf("%d failure(s)\\n", failures);
        return failures == 0 ? 0 : 1;
    }
${DICTS.map(([n]) => `    if (argc > 1 && strcmp(argv[1], "${n}") == 0) dump_gw_${n}();`).join('\n')}
    return 0;
}
`;

let built: Promise<string> | undefined;
/** Compile once (lazily, shared by the tests). */
function build(): Promise<string> {
  built ??= (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fix-tables-c-'));
    const src = path.join(dir, 'fix_tables_test.c');
    const exe = path.join(dir, 'fix_tables_test');
    fs.writeFileSync(src, PROGRAM);
    await run('gcc', [...STRICT, ...SANITIZE, '-I', HEADERS, src, '-o', exe], { maxBuffer: 1 << 24 });
    return exe;
  })();
  return built;
}

const ENV = { ...process.env, ASAN_OPTIONS: 'detect_leaks=1', UBSAN_OPTIONS: 'print_stacktrace=1' };

test('the C tables compile cleanly (C11, strict warnings, sanitizers) and answer the hand-checked lookups', async (t) => {
  const exe = await build();
  const r = await run(exe, ['facts'], { env: ENV });
  t.is(r.stdout.trim(), '0 failure(s)');
});

for (const [name, dict] of DICTS) {
  test(`${name}.h agrees with the TypeScript tables on every field, message, member and group`, async (t) => {
    const exe = await build();
    const r = await run(exe, [name], { env: ENV, maxBuffer: 1 << 26 });
    const actual = r.stdout.trimEnd().split('\n');
    const expected = expectedDump(dict);
    t.is(actual.length, expected.length);
    const firstDiff = actual.findIndex((l, i) => l !== expected[i]);
    t.is(firstDiff, -1, firstDiff === -1 ? '' : `line ${firstDiff}: C "${actual[firstDiff]}" vs TS "${expected[firstDiff]}"`);
  });
}

test('each header compiles on its own as C11 and as C++17 (both in one translation unit)', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fix-tables-cxx-'));
  for (const [name] of DICTS) {
    const src = path.join(dir, `${name}_alone.c`);
    fs.writeFileSync(src, `#include "${name}.h"\nint ${name}_alone(void);\nint ${name}_alone(void) { return 0; }\n`);
    await t.notThrowsAsync(run('gcc', [...STRICT, '-I', HEADERS, '-c', src, '-o', `${src}.o`]));
  }
  const cxx = path.join(dir, 'both.cc');
  fs.writeFileSync(cxx, '#include "fix44.h"\n#include "fix50sp2.h"\nint main() { return gw_fix44_message("AE", 2) == GW_FIX44_MSG_TradeCaptureReport ? 0 : 1; }\n');
  await t.notThrowsAsync(run('g++', ['-std=c++17', '-Wall', '-Wextra', '-Werror', '-pedantic', '-Wconversion', '-Wshadow', '-I', HEADERS, cxx, '-o', path.join(dir, 'both')]));
});
