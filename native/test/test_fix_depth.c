/*
 * GroupTooDeep: the FIX dictionaries nest groups less deeply than GW_FIX_MAX_GROUP_DEPTH (8), so this
 * test compiles the indexer itself with a depth of 1 (its gw_fix_write_payload replaces the core's in
 * this executable) and indexes the canonical TCR, whose NoSides entries hold NoPartyIDs groups.
 */
#define _POSIX_C_SOURCE 200809L
#define GW_FIX_MAX_GROUP_DEPTH 1u
#include "../src/core/fix_index.c"

#include "test_fix_corpus.h"
#include "test_util.h"

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int main(void)
{
    uint8_t *tcr;
    size_t tl = gw_corpus_load_canonical("tcr.fix", &tcr);
    EXPECT_EQ_U64(tl, 226);
    if (tl != 226) TEST_MAIN_END();
    static uint8_t out[4096];
    size_t n = gw_fix_write_payload(tcr, (uint32_t)tl, 0, out, sizeof out);
    EXPECT(n > 0);
    uint32_t count = (uint32_t)out[4] | (uint32_t)out[5] << 8;
    EXPECT_EQ_U64(count, 28);
    EXPECT_EQ_U64(out[13], GW_FIX_PROBLEM_GROUP_TOO_DEEP);
    EXPECT_EQ_U64(rd32(out + 8), 453);                   /* problemTag: the nested NoPartyIDs */
    EXPECT_EQ_U64((uint32_t)out[6] | (uint32_t)out[7] << 8, 15); /* problemField */
    /* The outer group is still walked: 552 spans to the first field that is not a NoSides member. */
    EXPECT(rd32(out + 16 + 16 * 13 + 12) > 14);
    free(tcr);
    TEST_MAIN_END();
}
