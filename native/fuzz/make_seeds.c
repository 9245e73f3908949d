/*
 * Writes the libFuzzer seed corpus for fix_fuzz into a directory: every message of the QuickFIX
 * acceptance scripts (read at run time, see native/test/test_fix_corpus.h; nothing is copied into the
 * repository), the canonical perf/corpus messages, and a few multi-message streams with garbage.
 * Each seed starts with fix_fuzz's 8 control bytes.
 *   fix_fuzz_seeds <dir>
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>

#include "../test/test_fix_corpus.h"

static int write_seed(const char *dir, size_t i, const uint8_t *ctl, const uint8_t *a, size_t al, const uint8_t *b,
                      size_t bl)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/seed-%05zu", dir, i);
    FILE *fp = fopen(path, "wb");
    if (fp == NULL) return 0;
    fwrite(ctl, 1, 8, fp);
    fwrite(a, 1, al, fp);
    if (bl > 0) fwrite(b, 1, bl, fp);
    fclose(fp);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s <dir>\n", argv[0]);
        return 2;
    }
    static gw_corpus c;
    int files = gw_corpus_load_scripts(&c);
    uint8_t *tcr = NULL, *nos = NULL;
    size_t tl = gw_corpus_load_canonical("tcr.fix", &tcr);
    size_t nl = gw_corpus_load_canonical("nos.fix", &nos);
    if (tl > 0) gw_corpus_add(&c, tcr, tl, "tcr");
    if (nl > 0) gw_corpus_add(&c, nos, nl, "nos");
    if (c.count == 0) {
        fprintf(stderr, "no messages found (GATEWAY_REFDATA?)\n");
        return 1;
    }
    size_t written = 0;
    for (size_t i = 0; i < c.count; i++) {
        const uint8_t ctl[8] = {(uint8_t)(i % 4), 0, 0, 0, (uint8_t)(i % 97), 13, 64, 1};
        written += (size_t)write_seed(argv[1], written, ctl, c.msg[i], c.len[i], NULL, 0);
        if (i % 16 == 0 && i + 1 < c.count) {
            const uint8_t ctl2[8] = {0, 1, 40, 12, 7, 3, 96, 50};
            written += (size_t)write_seed(argv[1], written, ctl2, c.msg[i], c.len[i] - 5, c.msg[i + 1], c.len[i + 1]);
        }
    }
    printf("fix_fuzz_seeds: %zu seeds from %d script files into %s\n", written, files, argv[1]);
    gw_corpus_free(&c);
    free(tcr);
    free(nos);
    return written > 0 ? 0 : 1;
}
