/*
 * FIX framer and indexer (fix_framer.h, fix_scan.h) on the QuickFIX acceptance-script corpus and on
 * hand-made cases: partial reads at every boundary, every FixGarbledReason with re-synchronisation,
 * truncations and single-byte mutations (run under ASan/UBSan with -DGATEWAY_SANITIZE=ON), repeating
 * groups and their next links, DATA fields containing SOH, index problems, SIMD == scalar.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fix_framer.h"
#include "fix_scan.h"
#include "test_fix_corpus.h"
#include "test_util.h"

/* ---------------------------------------------------------------- payload readers */

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}
typedef struct idx_view {
    uint32_t raw_len;
    uint16_t count, problem_field;
    uint32_t problem_tag;
    uint8_t dictionary, problem, mt_len;
    const uint8_t *fields;
    const uint8_t *raw;
} idx_view;
static idx_view view(const uint8_t *p)
{
    idx_view v;
    v.raw_len = rd32(p);
    v.count = rd16(p + 4);
    v.problem_field = rd16(p + 6);
    v.problem_tag = rd32(p + 8);
    v.dictionary = p[12];
    v.problem = p[13];
    v.mt_len = p[14];
    v.fields = p + 16;
    v.raw = p + 16 + 16 * (size_t)v.count;
    return v;
}
static uint32_t ftag(const idx_view *v, uint32_t i) { return rd32(v->fields + 16 * i); }
static uint32_t foff(const idx_view *v, uint32_t i) { return rd32(v->fields + 16 * i + 4); }
static uint32_t flen(const idx_view *v, uint32_t i) { return rd32(v->fields + 16 * i + 8); }
static uint32_t fnext(const idx_view *v, uint32_t i) { return rd32(v->fields + 16 * i + 12); }

static uint8_t g_out[1 << 20];

/* Indexes into an exactly sized heap buffer (so ASan catches any overrun) and copies to g_out. */
static size_t index_exact(const uint8_t *raw, uint32_t len, uint16_t max_fields)
{
    uint8_t *in = malloc(len ? len : 1);
    memcpy(in, raw, len);
    size_t bound = gw_fix_payload_bound(len, max_fields);
    uint8_t *out = malloc(bound);
    size_t n = gw_fix_write_payload(in, len, max_fields, out, bound);
    EXPECT(n > 0 && n <= bound);
    if (n > 0) {
        memcpy(g_out, out, n);
        idx_view v = view(g_out);
        EXPECT_EQ_U64(v.raw_len, len);
        EXPECT_EQ_U64(n, 16u + 16u * v.count + len);
        EXPECT(memcmp(v.raw, raw, len) == 0);
        for (uint32_t i = 0; i < v.count; i++) {
            EXPECT(foff(&v, i) <= len && flen(&v, i) <= len - foff(&v, i));
            EXPECT(fnext(&v, i) > i && fnext(&v, i) <= v.count);
        }
    }
    free(in);
    free(out);
    return n;
}

/* Builds a message: 8=<bs>, 9=<computed>, body (fields with '|' for SOH), 10=<computed>. */
static size_t build(const char *bs, const char *body, uint8_t *out)
{
    char b[4096];
    size_t bl = strlen(body);
    for (size_t i = 0; i < bl; i++) b[i] = body[i] == '|' ? '\x01' : body[i];
    int n = snprintf((char *)out, 8192, "8=%s\x01" "9=%zu\x01", bs, bl);
    memcpy(out + n, b, bl);
    size_t m = (size_t)n + bl;
    unsigned sum = 0;
    for (size_t i = 0; i < m; i++) sum += out[i];
    m += (size_t)snprintf((char *)out + m, 16, "10=%03u\x01", sum % 256u);
    return m;
}

/* Re-computes BodyLength and CheckSum of a message whose fields were edited in place. */
static size_t rebuild(const uint8_t *msg, size_t len, uint8_t *out)
{
    return gw_corpus_normalise(msg, len, out, 70000);
}

/* ---------------------------------------------------------------- framing driver */

typedef struct ev {
    int kind;
    uint32_t length;
    uint8_t reason;
    uint64_t offset;
} ev;

/* Feeds stream[0..n) in reads of `chunk` bytes (0 = all at once); records MESSAGE/GARBLED events. */
static size_t drive(const uint8_t *stream, size_t n, size_t chunk, ev *evs, size_t cap)
{
    gw_fix_framer f;
    gw_fix_framer_init(&f, NULL);
    size_t consumed = 0, avail = chunk == 0 ? n : (chunk < n ? chunk : n), ne = 0;
    for (;;) {
        gw_fix_frame_result r;
        gw_fix_framer_next(&f, stream + consumed, avail - consumed, &r);
        EXPECT_EQ_U64(r.stream_offset, consumed);
        if (r.kind == GW_FIX_NEED_MORE) {
            if (avail == n) break;
            avail = avail + chunk < n ? avail + chunk : n;
            continue;
        }
        EXPECT(r.length > 0 && r.length <= avail - consumed);
        if (r.length == 0) break;
        if (ne < cap) evs[ne++] = (ev){r.kind, r.length, r.reason, r.stream_offset};
        consumed += r.length;
    }
    return ne;
}

/* ---------------------------------------------------------------- tests */

static void test_canonical(void)
{
    uint8_t *tcr, *nos;
    size_t tl = gw_corpus_load_canonical("tcr.fix", &tcr);
    size_t nl = gw_corpus_load_canonical("nos.fix", &nos);
    EXPECT_EQ_U64(tl, 226);
    EXPECT_EQ_U64(nl, 186);
    if (tl != 226 || nl != 186) return;
    gw_fix_framer f;
    gw_fix_framer_init(&f, NULL);
    gw_fix_frame_result r;
    gw_fix_framer_next(&f, tcr, tl, &r);
    EXPECT_EQ_U64(r.kind, GW_FIX_MESSAGE);
    EXPECT_EQ_U64(r.length, 226);
    gw_fix_framer_next(&f, nos, nl, &r);
    EXPECT_EQ_U64(r.kind, GW_FIX_MESSAGE);
    EXPECT_EQ_U64(r.length, 186);
    EXPECT_EQ_U64(r.stream_offset, 226);

    /* TCR: 552=2 { 54=1 453=2 {448 447 452}{448 447 452} } { 54=2 453=1 {448 447 452} } */
    EXPECT(index_exact(tcr, 226, 0) > 0);
    idx_view v = view(g_out);
    EXPECT_EQ_U64(v.dictionary, GW_FIX_DICT_FIX44);
    EXPECT_EQ_U64(v.problem, GW_FIX_PROBLEM_NONE);
    EXPECT_EQ_U64(v.count, 28);
    EXPECT_EQ_U64(v.mt_len, 2);
    static const uint32_t tags[28] = {8, 9, 35, 49, 56, 34, 52, 571, 55, 32, 31, 75, 60, 552,
                                      54, 453, 448, 447, 452, 448, 447, 452, 54, 453, 448, 447, 452, 10};
    uint32_t next[28];
    for (uint32_t i = 0; i < 28; i++) next[i] = i + 1;
    next[13] = 27; /* 552 -> after the group */
    next[14] = 22; /* first side -> second side */
    next[15] = 22; /* 453 of side 1 */
    next[16] = 19; /* party 1 -> party 2 */
    next[19] = 22; /* party 2 -> end of side 1 */
    next[22] = 27; /* side 2 */
    next[23] = 27;
    next[24] = 27;
    for (uint32_t i = 0; i < 28 && i < v.count; i++) {
        EXPECT_EQ_U64(ftag(&v, i), tags[i]);
        EXPECT_EQ_U64(fnext(&v, i), next[i]);
    }
    EXPECT(memcmp(v.raw + foff(&v, 2), "AE", 2) == 0);
    EXPECT(memcmp(v.raw + foff(&v, 10), "187.25", 6) == 0 && flen(&v, 10) == 6);

    EXPECT(index_exact(nos, 186, 0) > 0);
    v = view(g_out);
    EXPECT_EQ_U64(v.problem, GW_FIX_PROBLEM_NONE);
    EXPECT_EQ_U64(v.count, 19);
    for (uint32_t i = 0; i < v.count; i++) EXPECT_EQ_U64(fnext(&v, i), i + 1);

    /* Capacity: exact size works, one byte less returns 0. */
    size_t exact = 16 + 16 * 28 + 226;
    uint8_t *o = malloc(exact);
    EXPECT_EQ_U64(gw_fix_write_payload(tcr, 226, 0, o, exact), exact);
    EXPECT_EQ_U64(gw_fix_write_payload(tcr, 226, 0, o, exact - 1), 0);
    free(o);
    free(tcr);
    free(nos);
}

/* Naive reference split on SOH / '=' (no DATA handling). */
static int naive_matches(const idx_view *v, const uint8_t *m, uint32_t len, int *has_data)
{
    static const uint32_t data_tags[] = {89, 91, 96, 213, 349, 351, 353, 355, 357, 359, 361, 363, 365, 446, 619, 622};
    uint32_t i = 0, pos = 0;
    *has_data = 0;
    while (pos < len) {
        uint32_t e = pos;
        while (e < len && m[e] != '=' && m[e] != 1) e++;
        uint32_t tag = 0;
        for (uint32_t k = pos; k < e; k++) tag = tag * 10 + (uint32_t)(m[k] - '0');
        for (size_t k = 0; k < sizeof data_tags / sizeof data_tags[0]; k++)
            if (tag == data_tags[k]) *has_data = 1;
        uint32_t s = e;
        while (s < len && m[s] != 1) s++;
        if (i >= v->count || ftag(v, i) != tag || foff(v, i) != e + 1 || flen(v, i) != s - e - 1) return 0;
        i++;
        pos = s + 1;
    }
    return i == v->count;
}

static gw_corpus g_corpus;

static void test_corpus(void)
{
    int files = gw_corpus_load_scripts(&g_corpus);
    printf("corpus: %d script files, %zu messages\n", files, g_corpus.count);
    EXPECT(files >= 80);
    EXPECT(g_corpus.count >= 700);
    size_t compared = 0, garbled_in_corpus = 0, problems[9] = {0}, dicts[3] = {0};
    for (size_t k = 0; k < g_corpus.count; k++) {
        const uint8_t *m = g_corpus.msg[k];
        uint32_t len = g_corpus.len[k];
        gw_fix_framer f;
        gw_fix_framer_init(&f, NULL);
        gw_fix_frame_result r;
        gw_fix_framer_next(&f, m, len, &r);
        /* The scripts' deliberately bad messages (e.g. 2t_FirstThreeFieldsOutOfOrder) must be garbled. */
        int third_is_35 = 0;
        const uint8_t *s1 = memchr(m, 1, len);
        const uint8_t *s2 = s1 != NULL ? memchr(s1 + 1, 1, len - (size_t)(s1 + 1 - m)) : NULL;
        if (s2 != NULL && (size_t)(s2 + 4 - m) <= len && memcmp(s2 + 1, "35=", 3) == 0) third_is_35 = 1;
        if (!third_is_35) {
            EXPECT_EQ_U64(r.kind, GW_FIX_GARBLED);
            EXPECT_EQ_U64(r.reason, GW_FIX_GARBLED_MSG_TYPE_NOT_THIRD);
            EXPECT_EQ_U64(r.length, len);
            garbled_in_corpus++;
            continue;
        }
        if (r.kind != GW_FIX_MESSAGE || r.length != len) {
            fprintf(stderr, "%s: kind %d reason %d\n", g_corpus.source[k], r.kind, r.reason);
            EXPECT(0);
            continue;
        }
        if (index_exact(m, len, 0) == 0) continue;
        idx_view v = view(g_out);
        problems[v.problem < 9 ? v.problem : 0]++;
        dicts[v.dictionary < 3 ? v.dictionary : 0]++;
        EXPECT_EQ_U64(ftag(&v, 0), 8);
        EXPECT_EQ_U64(ftag(&v, v.count - 1), 10);
        int has_data;
        if (naive_matches(&v, m, len, &has_data)) compared++;
        else if (!has_data && v.problem != GW_FIX_PROBLEM_INVALID_TAG_NUMBER) {
            fprintf(stderr, "%s: index differs from naive split\n", g_corpus.source[k]);
            EXPECT(0);
        }
    }
    printf("corpus: %zu/%zu equal to a naive split; dictionaries fix44 %zu, fixt11 %zu, unknown %zu\n", compared,
           g_corpus.count, dicts[1], dicts[2], dicts[0]);
    printf("corpus problems:");
    for (int i = 0; i < 9; i++) printf(" %d:%zu", i, problems[i]);
    printf("\n");
    printf("corpus: %zu deliberately garbled (35 not third)\n", garbled_in_corpus);
    EXPECT(garbled_in_corpus <= 5);
    EXPECT(compared * 10 >= g_corpus.count * 9);
    EXPECT(dicts[1] > 100 && dicts[2] > 100);
    EXPECT(problems[GW_FIX_PROBLEM_TAG_WITHOUT_VALUE] > 0); /* 14d_TagSpecifiedWithoutValue */
}

static void test_partial_reads(void)
{
    static char is_message[GW_CORPUS_MAX];
    for (size_t k = 0; k < g_corpus.count; k++) {
        gw_fix_framer f;
        gw_fix_framer_init(&f, NULL);
        gw_fix_frame_result r;
        gw_fix_framer_next(&f, g_corpus.msg[k], g_corpus.len[k], &r);
        is_message[k] = r.kind == GW_FIX_MESSAGE;
    }
    /* Every message at every split point: NEED_MORE for the prefix, then the same MESSAGE. */
    for (size_t k = 0; k < g_corpus.count; k++) {
        const uint8_t *m = g_corpus.msg[k];
        uint32_t len = g_corpus.len[k];
        if (!is_message[k]) continue;
        for (uint32_t cut = 0; cut < len; cut++) {
            gw_fix_framer f;
            gw_fix_framer_init(&f, NULL);
            f.stream_offset = 1000;
            gw_fix_frame_result r;
            gw_fix_framer_next(&f, m, cut, &r);
            if (r.kind != GW_FIX_NEED_MORE) {
                fprintf(stderr, "%s cut %u: kind %d\n", g_corpus.source[k], cut, r.kind);
                EXPECT(0);
                break;
            }
            gw_fix_framer_next(&f, m, len, &r);
            if (r.kind != GW_FIX_MESSAGE || r.length != len || r.stream_offset != 1000) {
                EXPECT(0);
                break;
            }
            EXPECT_EQ_U64(f.stream_offset, 1000 + len);
        }
    }
    /* The whole corpus as one stream with garbage between some messages, read in chunks of many
     * sizes: the messages found (offset, length) are identical and the rest is reported garbled. */
    size_t cap = 0;
    for (size_t k = 0; k < g_corpus.count; k++) cap += g_corpus.len[k] + 16;
    uint8_t *stream = malloc(cap);
    size_t n = 0, expected_msgs = 0, message_bytes = 0;
    for (size_t k = 0; k < g_corpus.count; k++) {
        if (k % 7 == 3) {
            memcpy(stream + n, "x8=FI\x01junk", 10);
            n += 10;
        }
        memcpy(stream + n, g_corpus.msg[k], g_corpus.len[k]);
        n += g_corpus.len[k];
        if (is_message[k]) {
            expected_msgs++;
            message_bytes += g_corpus.len[k];
        }
    }
    static ev ref[8192], got[65536];
    size_t nref = drive(stream, n, 0, ref, 8192);
    size_t ref_msgs = 0, ref_garbled_bytes = 0;
    for (size_t i = 0; i < nref; i++) {
        if (ref[i].kind == GW_FIX_MESSAGE) ref_msgs++;
        else ref_garbled_bytes += ref[i].length;
    }
    EXPECT_EQ_U64(ref_msgs, expected_msgs);
    EXPECT_EQ_U64(ref_garbled_bytes, n - message_bytes);
    static const size_t chunks[] = {1, 2, 3, 5, 7, 13, 64, 100, 333, 4096};
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        size_t ngot = drive(stream, n, chunks[c], got, 65536);
        size_t j = 0, garbled_bytes = 0;
        int same = 1;
        for (size_t i = 0; i < ngot; i++) {
            if (got[i].kind != GW_FIX_MESSAGE) {
                garbled_bytes += got[i].length;
                continue;
            }
            while (j < nref && ref[j].kind != GW_FIX_MESSAGE) j++;
            if (j >= nref || ref[j].offset != got[i].offset || ref[j].length != got[i].length) same = 0;
            j++;
        }
        if (!same || garbled_bytes != ref_garbled_bytes) fprintf(stderr, "chunk %zu differs\n", chunks[c]);
        EXPECT(same);
        EXPECT_EQ_U64(garbled_bytes, ref_garbled_bytes);
    }
    free(stream);
}

/* One garbled case: `bad` then a valid message; expects GARBLED(reason, bad_len at 0) then MESSAGE. */
static void garbled_case(const char *name, const uint8_t *bad, size_t bad_len, uint8_t reason, const uint8_t *good,
                         size_t good_len, const gw_fix_limits *limits)
{
    uint8_t *s = malloc(bad_len + good_len);
    memcpy(s, bad, bad_len);
    memcpy(s + bad_len, good, good_len);
    gw_fix_framer f;
    gw_fix_framer_init(&f, limits);
    f.stream_offset = 5000;
    gw_fix_frame_result r;
    gw_fix_framer_next(&f, s, bad_len + good_len, &r);
    if (r.kind != GW_FIX_GARBLED || r.reason != reason || r.length != bad_len || r.stream_offset != 5000) {
        fprintf(stderr, "%s: kind %d reason %d length %u offset %llu (want reason %d length %zu)\n", name, r.kind,
                r.reason, r.length, (unsigned long long)r.stream_offset, reason, bad_len);
        EXPECT(0);
    }
    gw_fix_framer_next(&f, s + r.length, bad_len + good_len - r.length, &r);
    if (r.kind != GW_FIX_MESSAGE || r.length != good_len || r.stream_offset != 5000 + bad_len) {
        fprintf(stderr, "%s: no clean re-sync (kind %d length %u)\n", name, r.kind, r.length);
        EXPECT(0);
    }
    free(s);
}

/* A garbled case found once the whole declared message is there (trailer wrong): the framer discards up
 * to the end of the first "<SOH>10=...<SOH>" at or after the declared end (QuickFIX's behaviour), `span`
 * bytes, then re-synchronises. The stream is
 * bad + good + good; `first_good` is the offset (from the stream start) of the first good message
 * framed afterwards: a too-long BodyLength swallows the start of the next message. */
static void span_case(const char *name, const uint8_t *bad, size_t bad_len, uint8_t reason, size_t span,
                      const uint8_t *good, size_t good_len, size_t first_good)
{
    const size_t n = bad_len + 2 * good_len;
    uint8_t *s = malloc(n);
    memcpy(s, bad, bad_len);
    memcpy(s + bad_len, good, good_len);
    memcpy(s + bad_len + good_len, good, good_len);
    gw_fix_framer f;
    gw_fix_framer_init(&f, NULL);
    f.stream_offset = 5000;
    gw_fix_frame_result r;
    gw_fix_framer_next(&f, s, n, &r);
    if (r.kind != GW_FIX_GARBLED || r.reason != reason || r.length != span || r.stream_offset != 5000) {
        fprintf(stderr, "%s: kind %d reason %d length %u (want reason %d span %zu)\n", name, r.kind, r.reason, r.length,
                reason, span);
        EXPECT(0);
    }
    size_t at = r.length, messages = 0, first = 0;
    while (at < n) {
        gw_fix_framer_next(&f, s + at, n - at, &r);
        if (r.kind == GW_FIX_NEED_MORE) break;
        if (r.kind == GW_FIX_MESSAGE) {
            if (messages++ == 0) first = at;
            EXPECT_EQ_U64(r.length, good_len);
        }
        EXPECT_EQ_U64(r.stream_offset, 5000 + at);
        at += r.length;
    }
    EXPECT_EQ_U64(at, n);
    EXPECT_EQ_U64(first, first_good);
    EXPECT_EQ_U64(messages, (n - first_good) / good_len);
    free(s);
}

static void replace(uint8_t *m, size_t len, const char *from, const char *to)
{
    size_t fl = strlen(from);
    for (size_t i = 0; i + fl <= len; i++)
        if (memcmp(m + i, from, fl) == 0) {
            memcpy(m + i, to, fl);
            return;
        }
    EXPECT(0);
}

static void test_garbled(void)
{
    uint8_t good[512], bad[512];
    size_t gl = build("FIX.4.4", "35=D|49=A|56=B|34=2|52=20261124-02:30:00.000|11=X|54=1|38=1|40=1|", good);

    garbled_case("BadBeginString", (const uint8_t *)"hello", 5, GW_FIX_GARBLED_BAD_BEGIN_STRING, good, gl, NULL);
    garbled_case("BadBeginString SOH-less", (const uint8_t *)"8=FIX.4.4.4.4.4.4.4.4.4.4", 25,
                 GW_FIX_GARBLED_BAD_BEGIN_STRING, good, gl, NULL);

    memcpy(bad, good, gl);
    replace(bad, gl, "9=", "9x");
    garbled_case("BadBodyLength 9x", bad, gl, GW_FIX_GARBLED_BAD_BODY_LENGTH, good, gl, NULL);
    size_t bl = (size_t)snprintf((char *)bad, sizeof bad, "8=FIX.4.4\x01" "9=\x01" "35=0\x01" "10=000\x01");
    garbled_case("BadBodyLength empty", bad, bl, GW_FIX_GARBLED_BAD_BODY_LENGTH, good, gl, NULL);

    char bl_good[16], bl_more[16], bl_less[16];
    {
        const uint8_t *nine = (const uint8_t *)memchr(good, 1, gl) + 1;
        unsigned body = (unsigned)strtoul((const char *)nine + 2, NULL, 10);
        snprintf(bl_good, sizeof bl_good, "9=%u", body);
        snprintf(bl_more, sizeof bl_more, "9=%u", body + 1);
        snprintf(bl_less, sizeof bl_less, "9=%u", body - 1);
    }
    memcpy(bad, good, gl);
    replace(bad, gl, bl_good, bl_more);
    /* One byte too long: the message runs to the next trailer, the next message's, which is lost with it. */
    span_case("BodyLengthMismatch +1", bad, gl, GW_FIX_GARBLED_BODY_LENGTH_MISMATCH, 2 * gl, good, gl, 2 * gl);
    memcpy(bad, good, gl);
    replace(bad, gl, bl_good, bl_less);
    /* One byte too short: the message ends at its own trailer; the next one is intact. */
    span_case("BodyLengthMismatch -1", bad, gl, GW_FIX_GARBLED_BODY_LENGTH_MISMATCH, gl, good, gl, gl);
    /* A truncated message followed by a good one: the good one's start is inside the claimed body. */
    span_case("BodyLengthMismatch truncated", good, gl - 30, GW_FIX_GARBLED_BODY_LENGTH_MISMATCH, gl - 30 + gl, good, gl,
              gl - 30 + gl);

    memcpy(bad, good, gl);
    bad[gl - 3] = 'A';
    span_case("BadChecksumField", bad, gl, GW_FIX_GARBLED_BAD_CHECKSUM_FIELD, gl, good, gl, gl);

    memcpy(bad, good, gl);
    bad[gl - 2] = (uint8_t)(bad[gl - 2] == '9' ? '8' : bad[gl - 2] + 1);
    span_case("ChecksumMismatch", bad, gl, GW_FIX_GARBLED_CHECKSUM_MISMATCH, gl, good, gl, gl);

    bl = build("FIX.4.4", "49=A|35=D|56=B|34=2|", bad);
    garbled_case("MsgTypeNotThird", bad, bl, GW_FIX_GARBLED_MSG_TYPE_NOT_THIRD, good, gl, NULL);
    bl = build("FIX.4.4", "35=|49=A|", bad);
    garbled_case("MsgTypeNotThird empty", bad, bl, GW_FIX_GARBLED_MSG_TYPE_NOT_THIRD, good, gl, NULL);

    gw_fix_limits lim = {(uint32_t)gl, 0};
    uint8_t big[512];
    size_t bigl = build("FIX.4.4", "35=D|49=A|56=B|34=2|52=20261124-02:30:00.000|11=XY|54=1|38=1|40=1|", big);
    garbled_case("MessageTooLarge", big, bigl, GW_FIX_GARBLED_MESSAGE_TOO_LARGE, good, gl, &lim);
    bl = (size_t)snprintf((char *)bad, sizeof bad, "8=FIX.4.4\x01" "9=12345678901\x01" "35=0\x01");
    garbled_case("MessageTooLarge digits", bad, bl, GW_FIX_GARBLED_MESSAGE_TOO_LARGE, good, gl, NULL);

    /* Early detection: 35 not third is reported before the rest of the body arrives. */
    {
        gw_fix_framer f;
        gw_fix_framer_init(&f, NULL);
        gw_fix_frame_result r;
        static const uint8_t early[] = "8=FIX.4.4\x01" "9=500\x01" "49=";
        gw_fix_framer_next(&f, early, sizeof early - 1, &r);
        EXPECT_EQ_U64(r.kind, GW_FIX_GARBLED);
        EXPECT_EQ_U64(r.reason, GW_FIX_GARBLED_MSG_TYPE_NOT_THIRD);
        EXPECT_EQ_U64(r.length, sizeof early - 1);
    }
    /* Garbage ending in a prefix of "8=FIX" keeps that prefix; the message completes later. */
    {
        uint8_t s[600];
        memcpy(s, "garbage8=FI", 11);
        memcpy(s + 7, good, gl);
        gw_fix_framer f;
        gw_fix_framer_init(&f, NULL);
        gw_fix_frame_result r;
        gw_fix_framer_next(&f, s, 11, &r);
        EXPECT_EQ_U64(r.kind, GW_FIX_GARBLED);
        EXPECT_EQ_U64(r.reason, GW_FIX_GARBLED_BAD_BEGIN_STRING);
        EXPECT_EQ_U64(r.length, 7);
        gw_fix_framer_next(&f, s + 7, 4, &r);
        EXPECT_EQ_U64(r.kind, GW_FIX_NEED_MORE);
        EXPECT_EQ_U64(r.stream_offset, 7);
        gw_fix_framer_next(&f, s + 7, gl, &r);
        EXPECT_EQ_U64(r.kind, GW_FIX_MESSAGE);
        EXPECT_EQ_U64(r.length, gl);
        EXPECT_EQ_U64(r.stream_offset, 7);
    }
}

static void test_mutations(void)
{
    static const uint8_t values[] = {0x01, '=', '0', '9', 'A', 0x00, 0xFF, '8'};
    uint8_t *m = malloc(70000);
    size_t done = 0;
    for (size_t k = 0; k < g_corpus.count; k++) {
        uint32_t len = g_corpus.len[k];
        /* Every truncation: framer never returns a message longer than its input. */
        for (uint32_t cut = 0; cut <= len; cut++) {
            uint8_t *t = malloc(cut ? cut : 1);
            memcpy(t, g_corpus.msg[k], cut);
            gw_fix_framer f;
            gw_fix_framer_init(&f, NULL);
            gw_fix_frame_result r;
            gw_fix_framer_next(&f, t, cut, &r);
            EXPECT(r.kind != GW_FIX_MESSAGE || (cut == len && r.length == len));
            EXPECT(r.length <= cut);
            if (cut > 0) (void)index_exact(t, cut, 0);
            free(t);
        }
        /* Every single-byte mutation. */
        for (uint32_t i = 0; i < len; i++) {
            for (size_t vi = 0; vi < sizeof values; vi++) {
                memcpy(m, g_corpus.msg[k], len);
                if (m[i] == values[vi]) continue;
                m[i] = values[vi];
                ev evs[64];
                size_t ne = drive(m, len, 0, evs, 64);
                size_t covered = 0;
                for (size_t e = 0; e < ne; e++) covered += evs[e].length;
                EXPECT(covered <= len);
                (void)index_exact(m, len, 0);
                done++;
            }
        }
    }
    free(m);
    printf("mutations: %zu\n", done);
}

static void test_groups_and_problems(void)
{
    uint8_t m[2048];
    size_t n;
    idx_view v;
    const char *hdr = "49=A|56=B|34=2|52=20261124-02:30:00.000|";
    char body[1024];

    /* FIXT header NoHops (627) group. */
    n = build("FIXT.1.1", "35=0|49=A|56=B|34=2|52=20261124-02:30:00.000|627=2|628=H1|629=20261124-02:29:59|628=H2|", m);
    EXPECT(index_exact(m, (uint32_t)n, 0) > 0);
    v = view(g_out);
    EXPECT_EQ_U64(v.dictionary, GW_FIX_DICT_FIXT11_FIX50SP2);
    EXPECT_EQ_U64(v.problem, GW_FIX_PROBLEM_NONE);
    EXPECT_EQ_U64(ftag(&v, 7), 627);
    EXPECT_EQ_U64(fnext(&v, 7), 11);
    EXPECT_EQ_U64(fnext(&v, 8), 10);
    EXPECT_EQ_U64(fnext(&v, 9), 10);
    EXPECT_EQ_U64(fnext(&v, 10), 11);
    EXPECT_EQ_U64(ftag(&v, 11), 10);

    /* FIX 5.0 SP2 TCR with nested NoSides/NoPartyIDs. */
    snprintf(body, sizeof body, "35=AE|%s1128=9|571=T|55=X|32=1|31=2|552=2|54=1|453=1|448=P|447=D|452=1|54=2|", hdr);
    n = build("FIXT.1.1", body, m);
    EXPECT(index_exact(m, (uint32_t)n, 0) > 0);
    v = view(g_out);
    EXPECT_EQ_U64(v.problem, GW_FIX_PROBLEM_NONE);
    /* 0 8,1 9,2 35,3 49,4 56,5 34,6 52,7 1128,8 571,9 55,10 32,11 31,12 552,13 54,14 453,15 448,16 447,17 452,18 54,19 10 */
    EXPECT_EQ_U64(ftag(&v, 12), 552);
    EXPECT_EQ_U64(fnext(&v, 12), 19);
    EXPECT_EQ_U64(fnext(&v, 13), 18);
    EXPECT_EQ_U64(fnext(&v, 14), 18);
    EXPECT_EQ_U64(fnext(&v, 15), 18);
    EXPECT_EQ_U64(fnext(&v, 18), 19);

    /* NumInGroup disagrees with the entries found. */
    snprintf(body, sizeof body, "35=AE|%s571=T|55=X|32=1|31=2|75=20261124|60=20261124-02:30:00|552=3|54=1|54=2|", hdr);
    n = build("FIX.4.4", body, m);
    EXPECT(index_exact(m, (uint32_t)n, 0) > 0);
    v = view(g_out);
    EXPECT_EQ_U64(v.problem, GW_FIX_PROBLEM_NUM_IN_GROUP_MISMATCH);
    EXPECT_EQ_U64(v.problem_tag, 552);
    EXPECT_EQ_U64(v.problem_field, 13);
    EXPECT_EQ_U64(fnext(&v, 13), 16);
    /* Not a number. */
    snprintf(body, sizeof body, "35=AE|%s571=T|552=x|54=1|", hdr);
    n = build("FIX.4.4", body, m);
    EXPECT(index_exact(m, (uint32_t)n, 0) > 0);
    v = view(g_out);
    EXPECT_EQ_U64(v.problem, GW_FIX_PROBLEM_NUM_IN_GROUP_MISMATCH);
    EXPECT_EQ_U64(v.problem_tag, 552);
    /* Entry not starting with its delimiter. */
    snprintf(body, sizeof body, "35=AE|%s571=T|552=1|37=O|54=1|", hdr);
    n = build("FIX.4.4", body, m);
    EXPECT(index_exact(m, (uint32_t)n, 0) > 0);
    v = view(g_out);
    EXPECT_EQ_U64(v.problem, GW_FIX_PROBLEM_GROUP_FIELD_ORDER);
    EXPECT_EQ_U64(v.problem_tag, 37);
    EXPECT_EQ_U64(v.problem_field, 9);
    /* Unknown msgType in a known dictionary: header groups still walked, body flat. */
    n = build("FIX.4.4", "35=ZZ|49=A|56=B|34=2|52=20261124-02:30:00.000|552=2|54=1|54=2|", m);
    EXPECT(index_exact(m, (uint32_t)n, 0) > 0);
    v = view(g_out);
    EXPECT_EQ_U64(v.problem, GW_FIX_PROBLEM_NONE);
    EXPECT_EQ_U64(fnext(&v, 7), 8);

    /* DATA field containing SOH and '=' (RawDataLength 95 / RawData 96 in a Logon). */
    n = build("FIX.4.4", "35=A|49=A|56=B|34=1|52=20261124-02:30:00.000|98=0|108=30|95=7|96=ab|c=d||141=Y|", m);
    {
        gw_fix_framer f;
        gw_fix_framer_init(&f, NULL);
        gw_fix_frame_result r;
        gw_fix_framer_next(&f, m, n, &r);
        EXPECT_EQ_U64(r.kind, GW_FIX_MESSAGE);
    }
    EXPECT(index_exact(m, (uint32_t)n, 0) > 0);
    v = view(g_out);
    EXPECT_EQ_U64(v.problem, GW_FIX_PROBLEM_NONE);
    EXPECT_EQ_U64(ftag(&v, 10), 96);
    EXPECT_EQ_U64(flen(&v, 10), 7);
    EXPECT(memcmp(v.raw + foff(&v, 10), "ab\x01" "c=d\x01", 7) == 0);
    EXPECT_EQ_U64(ftag(&v, 11), 141);
    EXPECT_EQ_U64(v.count, 13);
    /* DATA without its LENGTH. */
    n = build("FIX.4.4", "35=A|49=A|56=B|34=1|52=20261124-02:30:00.000|98=0|108=30|96=ab|141=Y|", m);
    EXPECT(index_exact(m, (uint32_t)n, 0) > 0);
    v = view(g_out);
    EXPECT_EQ_U64(v.problem, GW_FIX_PROBLEM_DATA_LENGTH_MISMATCH);
    EXPECT_EQ_U64(v.problem_tag, 96);
    EXPECT_EQ_U64(flen(&v, 9), 2);
    /* LENGTH running past the end of the message. */
    n = build("FIX.4.4", "35=A|49=A|56=B|34=1|52=20261124-02:30:00.000|95=900|96=ab|", m);
    EXPECT(index_exact(m, (uint32_t)n, 0) > 0);
    v = view(g_out);
    EXPECT_EQ_U64(v.problem, GW_FIX_PROBLEM_DATA_LENGTH_MISMATCH);

    /* Invalid tags. */
    n = build("FIX.4.4", "35=0|49=A|056=B|34=1|", m);
    EXPECT(index_exact(m, (uint32_t)n, 0) > 0);
    v = view(g_out);
    EXPECT_EQ_U64(v.problem, GW_FIX_PROBLEM_INVALID_TAG_NUMBER);
    EXPECT_EQ_U64(v.problem_field, 4);
    EXPECT_EQ_U64(ftag(&v, 4), 0);
    n = build("FIX.4.4", "35=0|49=A|noequals|34=1|", m);
    EXPECT(index_exact(m, (uint32_t)n, 0) > 0);
    v = view(g_out);
    EXPECT_EQ_U64(v.problem, GW_FIX_PROBLEM_INVALID_TAG_NUMBER);
    EXPECT_EQ_U64(ftag(&v, 5), 34);
    /* Empty value. */
    n = build("FIX.4.4", "35=0|49=A|56=|34=1|", m);
    EXPECT(index_exact(m, (uint32_t)n, 0) > 0);
    v = view(g_out);
    EXPECT_EQ_U64(v.problem, GW_FIX_PROBLEM_TAG_WITHOUT_VALUE);
    EXPECT_EQ_U64(v.problem_tag, 56);
    EXPECT_EQ_U64(v.problem_field, 4);
    /* Header field after the body began; body field after the trailer began. */
    n = build("FIX.4.4", "35=D|49=A|11=X|56=B|34=1|", m);
    EXPECT(index_exact(m, (uint32_t)n, 0) > 0);
    v = view(g_out);
    EXPECT_EQ_U64(v.problem, GW_FIX_PROBLEM_HEADER_FIELD_OUT_OF_ORDER);
    EXPECT_EQ_U64(v.problem_tag, 56);
    EXPECT_EQ_U64(v.problem_field, 5);
    n = build("FIX.4.4", "35=D|49=A|93=1|89=x|11=X|", m);
    EXPECT(index_exact(m, (uint32_t)n, 0) > 0);
    v = view(g_out);
    EXPECT_EQ_U64(v.problem, GW_FIX_PROBLEM_HEADER_FIELD_OUT_OF_ORDER);
    EXPECT_EQ_U64(v.problem_tag, 11);
    /* Too many fields: stops at the limit, still delivers the raw message. */
    n = build("FIX.4.4", "35=0|49=A|56=B|34=1|", m);
    EXPECT(index_exact(m, (uint32_t)n, 5) > 0);
    v = view(g_out);
    EXPECT_EQ_U64(v.problem, GW_FIX_PROBLEM_TOO_MANY_FIELDS);
    EXPECT_EQ_U64(v.count, 5);
    EXPECT_EQ_U64(v.problem_field, 5);
    EXPECT_EQ_U64(v.raw_len, n);
    /* FIX.4.2: FIX 4.4's tables (no FIX.4.2 dictionary in the reference data). */
    n = build("FIX.4.2", "35=0|49=A|56=B|34=1|", m);
    EXPECT(index_exact(m, (uint32_t)n, 0) > 0);
    v = view(g_out);
    EXPECT_EQ_U64(v.dictionary, GW_FIX_DICT_FIX44);
    EXPECT_EQ_U64(v.problem, GW_FIX_PROBLEM_NONE);
    /* Unknown BeginString: flat. */
    n = build("FIX.4.1", "35=0|49=A|56=B|34=1|", m);
    EXPECT(index_exact(m, (uint32_t)n, 0) > 0);
    v = view(g_out);
    EXPECT_EQ_U64(v.dictionary, GW_FIX_DICT_UNKNOWN);
    EXPECT_EQ_U64(v.problem, GW_FIX_PROBLEM_NONE);
    EXPECT_EQ_U64(v.count, 7);
    (void)rebuild;
}

static void test_simd(void)
{
    static const gw_fix_scan_impl impls[] = {GW_FIX_SCAN_SSE2, GW_FIX_SCAN_AVX2};
    uint8_t buf[64 * 40 + 64];
    uint32_t seed = 12345;
    for (size_t i = 0; i < sizeof buf; i++) {
        seed = seed * 1103515245u + 12345u;
        uint32_t r = (seed >> 16) & 7u;
        buf[i] = r == 0 ? 1 : r == 1 ? '=' : (uint8_t)(seed >> 8);
    }
    uint64_t s0[40], e0[40], s1[40], e1[40];
    EXPECT_EQ_U64(gw_fix_scan_select(GW_FIX_SCAN_SCALAR), 0);
    gw_fix_scan_masks(buf + 3, 40, s0, e0);
    uint32_t sums0[300];
    for (size_t l = 0; l < 300; l++) sums0[l] = gw_fix_byte_sum(buf + (l % 33), l);
    /* Corpus payloads with the scalar scanner, as the reference. */
    size_t total = 0;
    for (size_t k = 0; k < g_corpus.count; k++) total += gw_fix_payload_bound(g_corpus.len[k], 0);
    uint8_t *ref = malloc(total), *got = malloc(total);
    size_t off = 0;
    for (size_t k = 0; k < g_corpus.count; k++) {
        size_t b = gw_fix_payload_bound(g_corpus.len[k], 0);
        memset(ref + off, 0, b);
        EXPECT(gw_fix_write_payload(g_corpus.msg[k], g_corpus.len[k], 0, ref + off, b) > 0);
        off += b;
    }
    for (size_t i = 0; i < 2; i++) {
        if (!gw_fix_scan_supported(impls[i])) {
            printf("simd: %s not supported by this CPU - not tested\n", gw_fix_scan_name(impls[i]));
            continue;
        }
        EXPECT_EQ_U64(gw_fix_scan_select(impls[i]), 0);
        EXPECT_EQ_U64(gw_fix_scan_current(), impls[i]);
        gw_fix_scan_masks(buf + 3, 40, s1, e1);
        EXPECT(memcmp(s0, s1, sizeof s0) == 0 && memcmp(e0, e1, sizeof e0) == 0);
        for (size_t l = 0; l < 300; l++) EXPECT_EQ_U64(gw_fix_byte_sum(buf + (l % 33), l), sums0[l]);
        off = 0;
        size_t same = 0;
        for (size_t k = 0; k < g_corpus.count; k++) {
            size_t b = gw_fix_payload_bound(g_corpus.len[k], 0);
            memset(got + off, 0, b);
            EXPECT(gw_fix_write_payload(g_corpus.msg[k], g_corpus.len[k], 0, got + off, b) > 0);
            if (memcmp(ref + off, got + off, b) == 0) same++;
            off += b;
        }
        EXPECT_EQ_U64(same, g_corpus.count);
        printf("simd: %s == scalar on %zu corpus messages\n", gw_fix_scan_name(impls[i]), same);
    }
    EXPECT_EQ_U64(gw_fix_scan_select(GW_FIX_SCAN_AUTO), 0);
    free(ref);
    free(got);
}

/* gw_fix_frame_batch: ring frames for messages and garbage; stops when the output is full. */
static void test_batch(void)
{
    uint8_t *tcr, *nos;
    size_t tl = gw_corpus_load_canonical("tcr.fix", &tcr);
    size_t nl = gw_corpus_load_canonical("nos.fix", &nos);
    if (tl == 0 || nl == 0) {
        EXPECT(0);
        return;
    }
    size_t in_len = tl + 5 + nl + 40;
    uint8_t *in = malloc(in_len);
    memcpy(in, tcr, tl);
    memcpy(in + tl, "xxxxx", 5);
    memcpy(in + tl + 5, nos, nl);
    memcpy(in + tl + 5 + nl, tcr, 40); /* incomplete */
    static uint8_t out[8192];
    gw_fix_batch_result res;
    gw_fix_frame_batch(in, in_len, out, sizeof out, NULL, 7, 123456789u, &res);
    EXPECT_EQ_U64(res.frames, 3);
    EXPECT_EQ_U64(res.consumed, tl + 5 + nl);
    size_t o = 0;
    static const uint32_t types[3] = {1, 7, 1};
    for (uint32_t i = 0; i < 3; i++) {
        uint32_t flen_ = rd32(out + o);
        EXPECT_EQ_U64(rd16(out + o + 4), types[i]);
        EXPECT_EQ_U64(rd32(out + o + 8), 0);
        EXPECT_EQ_U64(rd32(out + o + 12), 0xFFFFFFFFu);
        EXPECT_EQ_U64(rd32(out + o + 16), 123456789u);
        EXPECT_EQ_U64(rd32(out + o + 24), 7 + i);
        if (i == 1) {
            EXPECT_EQ_U64(flen_, 32 + 16 + 5);
            EXPECT_EQ_U64(rd32(out + o + 32), tl);      /* streamOffset (low word) */
            EXPECT_EQ_U64(rd32(out + o + 40), 5);       /* discardedLength */
            EXPECT_EQ_U64(out[o + 44], GW_FIX_GARBLED_BAD_BEGIN_STRING);
            EXPECT_EQ_U64(rd16(out + o + 46), 5);       /* sampleLength */
            EXPECT(memcmp(out + o + 48, "xxxxx", 5) == 0);
            for (size_t k = o + flen_; k < ((o + flen_ + 7) & ~(size_t)7); k++) EXPECT_EQ_U64(out[k], 0);
        } else {
            idx_view v = view(out + o + 32);
            EXPECT_EQ_U64(v.raw_len, i == 0 ? tl : nl);
            EXPECT_EQ_U64(flen_, 32 + 16 + 16 * (size_t)v.count + v.raw_len);
        }
        o += (flen_ + 7) & ~7u;
    }
    EXPECT_EQ_U64(res.used, o);
    /* Output with room for the first frame only. */
    size_t first = (32 + 16 + 16 * 28 + tl + 7) & ~(size_t)7;
    gw_fix_frame_batch(in, in_len, out, first + 20, NULL, 1, 0, &res);
    EXPECT_EQ_U64(res.frames, 1);
    EXPECT_EQ_U64(res.consumed, tl);
    EXPECT_EQ_U64(res.used, first);
    gw_fix_frame_batch(in, in_len, out, 40, NULL, 1, 0, &res);
    EXPECT_EQ_U64(res.frames, 0);
    EXPECT_EQ_U64(res.consumed, 0);
    /* A long garbled run keeps only a 256-byte sample. */
    uint8_t junk[1000];
    memset(junk, 'j', sizeof junk);
    gw_fix_frame_batch(junk, sizeof junk, out, sizeof out, NULL, 1, 0, &res);
    EXPECT_EQ_U64(res.frames, 1);
    EXPECT_EQ_U64(res.consumed, 1000);
    EXPECT_EQ_U64(rd32(out), 32 + 16 + 256);
    EXPECT_EQ_U64(rd16(out + 46), 256);
    free(in);
    free(tcr);
    free(nos);
}


/* ---------------------------------------------------------------- tag forms */

/* Field 3 of "8=FIX.4.4|9=..|35=0|<field>|10=...|" (a '~' in `field` becomes a NUL byte): its tag,
 * value and the index problem (the indexer's fast paths for 1-4 digit tags, a tag table and the
 * byte-by-byte parse must agree). */
static void tag_case(const char *bs, const char *field, uint32_t tag, const char *value, uint8_t problem)
{
    char body[256];
    snprintf(body, sizeof body, "35=0|%s|", field);
    uint8_t m[512];
    size_t len = build(bs, body, m);
    for (size_t i = 0; i < len; i++)
        if (m[i] == '~') m[i] = 0;
    size_t n = index_exact(m, (uint32_t)len, 0);
    EXPECT(n > 0);
    if (n == 0) return;
    idx_view v = view(g_out);
    EXPECT_EQ_U64(v.count, 5);
    EXPECT_EQ_U64(ftag(&v, 3), tag);
    EXPECT_EQ_U64(flen(&v, 3), strlen(value));
    EXPECT(memcmp(v.raw + foff(&v, 3), value, strlen(value)) == 0);
    EXPECT_EQ_U64(v.problem, problem);
    if (problem != GW_FIX_PROBLEM_NONE) EXPECT_EQ_U64(v.problem_field, 3);
    if (v.problem != problem) fprintf(stderr, "  tag case %s: problem %u, expected %u\n", field, v.problem, problem);
}

static void test_tag_forms(void)
{
    static const gw_fix_scan_impl impls[] = {GW_FIX_SCAN_AUTO, GW_FIX_SCAN_SCALAR};
    for (int k = 0; k < 2; k++) {
        EXPECT(gw_fix_scan_select(impls[k]) == 0);
        tag_case("FIX.4.4", "44=5", 44, "5", GW_FIX_PROBLEM_NONE);
        tag_case("FIX.4.4", "1=ACC", 1, "ACC", GW_FIX_PROBLEM_NONE);
        tag_case("FIX.4.4", "448=MEMBER-A", 448, "MEMBER-A", GW_FIX_PROBLEM_NONE);
        tag_case("FIX.4.4", "5001=x", 5001, "x", GW_FIX_PROBLEM_NONE);           /* not in the dictionary */
        tag_case("FIX.4.4", "12345=x", 12345, "x", GW_FIX_PROBLEM_NONE);         /* 5 digits */
        tag_case("FIX.4.4", "123456789=x", 123456789, "x", GW_FIX_PROBLEM_NONE); /* 9 digits */
        tag_case("FIX.4.4", "1234567890=x", 0, "x", GW_FIX_PROBLEM_INVALID_TAG_NUMBER);
        tag_case("FIX.4.4", "44~=5", 0, "5", GW_FIX_PROBLEM_INVALID_TAG_NUMBER); /* "44" key, 3 bytes */
        tag_case("FIX.4.4", "4~4=5", 0, "5", GW_FIX_PROBLEM_INVALID_TAG_NUMBER);
        tag_case("FIX.4.4", "044=5", 0, "5", GW_FIX_PROBLEM_INVALID_TAG_NUMBER);
        tag_case("FIX.4.4", "0=5", 0, "5", GW_FIX_PROBLEM_INVALID_TAG_NUMBER);
        tag_case("FIX.4.4", "4a=5", 0, "5", GW_FIX_PROBLEM_INVALID_TAG_NUMBER);
        tag_case("FIX.4.4", "=5", 0, "5", GW_FIX_PROBLEM_INVALID_TAG_NUMBER);
        tag_case("FIX.4.4", "4:=5", 0, "5", GW_FIX_PROBLEM_INVALID_TAG_NUMBER); /* ':' is '9' + 1 */
        tag_case("FIX.4.4", "44=", 44, "", GW_FIX_PROBLEM_TAG_WITHOUT_VALUE);
        tag_case("FIX.4.4", "44=a=b", 44, "a=b", GW_FIX_PROBLEM_NONE);
        tag_case("FIXT.1.1", "1128=9", 1128, "9", GW_FIX_PROBLEM_NONE);
        tag_case("FIXT.1.1", "2346=x", 2346, "x", GW_FIX_PROBLEM_NONE); /* above the class table */
        tag_case("FIX.9.9", "44=5", 44, "5", GW_FIX_PROBLEM_NONE);       /* unknown BeginString */
    }
    EXPECT(gw_fix_scan_select(GW_FIX_SCAN_AUTO) == 0);
}


/* The reported problem is the first one a single pass over the fields meets (the indexer finds
 * token problems and structure problems in two passes and must merge them in that order). */
static void order_case(const char *text, uint8_t problem, uint32_t field, uint32_t tag)
{
    uint8_t m[256];
    size_t len = strlen(text);
    for (size_t i = 0; i < len; i++) m[i] = text[i] == '|' ? 0x01 : (uint8_t)text[i];
    size_t n = index_exact(m, (uint32_t)len, 0);
    EXPECT(n > 0);
    if (n == 0) return;
    idx_view v = view(g_out);
    EXPECT_EQ_U64(v.problem, problem);
    EXPECT_EQ_U64(v.problem_field, field);
    EXPECT_EQ_U64(v.problem_tag, tag);
}

static void test_problem_order(void)
{
    /* same field: the token problem (no '=') before the header-order problem */
    order_case("8", GW_FIX_PROBLEM_INVALID_TAG_NUMBER, 0, 0);
    order_case("8=FIX.4.4|9=5|35|", GW_FIX_PROBLEM_INVALID_TAG_NUMBER, 2, 0);
    /* a structure problem at field 2 before a token problem at field 3, and the other way round */
    order_case("8=FIX.4.4|9=5|34=1|44=|", GW_FIX_PROBLEM_HEADER_FIELD_OUT_OF_ORDER, 2, 34);
    order_case("8=FIX.4.4|9=5|35=0|44=|34=1|", GW_FIX_PROBLEM_TAG_WITHOUT_VALUE, 3, 44);
    /* NumInGroup mismatch found when the group ends (field 6) before an empty value at field 7 */
    order_case("8=FIX.4.4|9=5|35=D|453=2|448=A|447=D|55=X|58=|", GW_FIX_PROBLEM_NUM_IN_GROUP_MISMATCH, 3, 453);
    /* an empty value inside the group (field 5) before the mismatch found at its end */
    order_case("8=FIX.4.4|9=5|35=D|453=2|448=A|447=|55=X|", GW_FIX_PROBLEM_TAG_WITHOUT_VALUE, 5, 447);
    /* a group still open at the end of the message: its mismatch comes after everything else */
    order_case("8=FIX.4.4|9=5|35=D|453=2|448=A|447=", GW_FIX_PROBLEM_TAG_WITHOUT_VALUE, 5, 447);
    order_case("8=FIX.4.4|9=5|35=D|453=2|448=A|447=D", GW_FIX_PROBLEM_NUM_IN_GROUP_MISMATCH, 3, 453);
}

int main(void)
{
    printf("scanner: %s\n", gw_fix_scan_name(gw_fix_scan_current()));
    test_canonical();
    test_batch();
    test_corpus();
    test_partial_reads();
    test_garbled();
    test_groups_and_problems();
    test_simd();
    test_mutations();
    test_tag_forms();
    test_problem_order();
    gw_corpus_free(&g_corpus);
    TEST_MAIN_END();
}
