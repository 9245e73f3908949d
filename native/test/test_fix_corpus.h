/*
 * Test corpus for the FIX framer/indexer: the messages of the QuickFIX acceptance scripts
 * (${GATEWAY_REFDATA:-<repo>/../shared/data}/fix/quickfix-at/{fix44,fix50sp2}/<name>.def), read at run time
 * and normalised into valid messages: the I/E step prefix is dropped, <TIME...> macros become a fixed
 * timestamp, and BodyLength (9) and CheckSum (10) are recomputed (the scripts omit or zero them).
 * Also the canonical benchmark messages perf/corpus/{tcr,nos}.fix. Test-only (mallocs).
 */
#ifndef GW_TEST_FIX_CORPUS_H
#define GW_TEST_FIX_CORPUS_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GW_CORPUS_MAX 4096

typedef struct gw_corpus {
    size_t count;
    uint8_t *msg[GW_CORPUS_MAX];
    uint32_t len[GW_CORPUS_MAX];
    char source[GW_CORPUS_MAX][64];
} gw_corpus;

/* <repo> from this header's path (native/test/test_fix_corpus.h). */
static inline void gw_corpus_repo(char *out, size_t cap)
{
    const char *file = __FILE__;
    const char *end = strstr(file, "native/test/test_fix_corpus.h");
    size_t n = end != NULL ? (size_t)(end - file) : 0;
    if (n == 0) {
        snprintf(out, cap, ".");
        return;
    }
    if (n >= cap) n = cap - 1;
    memcpy(out, file, n);
    out[n] = 0;
    if (n > 1 && out[n - 1] == '/') out[n - 1] = 0;
}

static inline void gw_corpus_refdata(char *out, size_t cap)
{
    const char *env = getenv("GATEWAY_REFDATA");
    if (env != NULL && env[0] != 0) {
        snprintf(out, cap, "%s", env);
        return;
    }
    char repo[512];
    gw_corpus_repo(repo, sizeof repo);
    snprintf(out, cap, "%.500s/../shared/data", repo);
}

/* Builds a valid message from a script's text: 8=<v> first, any 9= right after it and a final 10=
 * are replaced. Returns the length written into out, 0 when the text is not a message. */
static inline size_t gw_corpus_normalise(const uint8_t *text, size_t n, uint8_t *out, size_t cap)
{
    if (n < 4 || text[0] != '8' || text[1] != '=') return 0;
    const uint8_t *soh = memchr(text, 1, n);
    if (soh == NULL) return 0;
    size_t bs_len = (size_t)(soh - text) + 1;
    size_t p = bs_len;
    if (p + 2 <= n && text[p] == '9' && text[p + 1] == '=') {
        const uint8_t *s2 = memchr(text + p, 1, n - p);
        if (s2 == NULL) return 0;
        p = (size_t)(s2 - text) + 1;
    }
    size_t end = n;
    /* drop a trailing 10=...<SOH> */
    if (end >= 2 && text[end - 1] == 1) {
        size_t q = end - 1;
        while (q > p && text[q - 1] != 1) q--;
        if (end - q >= 4 && memcmp(text + q, "10=", 3) == 0) end = q;
    }
    static uint8_t body[65536];
    size_t bl = 0;
    for (size_t i = p; i < end;) {
        if (text[i] == '<' && i + 5 <= end && memcmp(text + i, "<TIME", 5) == 0) {
            const uint8_t *gt = memchr(text + i, '>', end - i);
            if (gt != NULL) {
                static const char ts[] = "20261124-02:30:00.000";
                memcpy(body + bl, ts, sizeof ts - 1);
                bl += sizeof ts - 1;
                i = (size_t)(gt - text) + 1;
                continue;
            }
        }
        body[bl++] = text[i++];
        if (bl + 64 > sizeof body) return 0;
    }
    if (bl == 0 || body[bl - 1] != 1) body[bl++] = 1;
    int hl = snprintf((char *)out, cap, "%.*s9=%zu\x01", (int)bs_len, (const char *)text, bl);
    if (hl < 0 || (size_t)hl + bl + 8 > cap) return 0;
    memcpy(out + hl, body, bl);
    size_t m = (size_t)hl + bl;
    unsigned sum = 0;
    for (size_t i = 0; i < m; i++) sum += out[i];
    m += (size_t)snprintf((char *)out + m, cap - m, "10=%03u\x01", sum % 256u);
    return m;
}

static inline int gw_corpus_add(gw_corpus *c, const uint8_t *m, size_t n, const char *source)
{
    if (c->count >= GW_CORPUS_MAX) return 0;
    c->msg[c->count] = malloc(n);
    memcpy(c->msg[c->count], m, n);
    c->len[c->count] = (uint32_t)n;
    snprintf(c->source[c->count], sizeof c->source[0], "%s", source);
    c->count++;
    return 1;
}

static inline int gw_corpus_read_file(const char *path, uint8_t **data, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) return 0;
    fseek(fp, 0, SEEK_END);
    long sz = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    *data = malloc((size_t)sz + 1);
    *len = fread(*data, 1, (size_t)sz, fp);
    fclose(fp);
    return 1;
}

static inline int gw_corpus_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Loads the acceptance-script messages; returns the number of .def files read. */
static inline int gw_corpus_load_scripts(gw_corpus *c)
{
    char ref[1024];
    gw_corpus_refdata(ref, sizeof ref);
    static const char *dirs[2] = {"fix44", "fix50sp2"};
    int files = 0;
    for (int d = 0; d < 2; d++) {
        char dir[1200];
        snprintf(dir, sizeof dir, "%s/fix/quickfix-at/%s", ref, dirs[d]);
        DIR *dp = opendir(dir);
        if (dp == NULL) continue;
        char *names[512];
        size_t nn = 0;
        struct dirent *e;
        while ((e = readdir(dp)) != NULL && nn < 512) {
            size_t l = strlen(e->d_name);
            if (l > 4 && strcmp(e->d_name + l - 4, ".def") == 0) names[nn++] = strdup(e->d_name);
        }
        closedir(dp);
        qsort(names, nn, sizeof names[0], gw_corpus_cmp);
        for (size_t i = 0; i < nn; i++) {
            char path[1800];
            snprintf(path, sizeof path, "%s/%s", dir, names[i]);
            uint8_t *data;
            size_t len;
            if (gw_corpus_read_file(path, &data, &len)) {
                files++;
                size_t ls = 0;
                while (ls < len) {
                    size_t le = ls;
                    while (le < len && data[le] != '\n') le++;
                    size_t n = le - ls;
                    if (n > 0 && data[ls + n - 1] == '\r') n--;
                    const uint8_t *t = data + ls;
                    if (n > 1 && (t[0] == 'I' || t[0] == 'E')) {
                        size_t k = 1;
                        while (k < n && t[k] >= '0' && t[k] <= '9') k++;
                        if (k > 1 && k < n && t[k] == ',') k++;
                        else k = 1;
                        static uint8_t norm[70000];
                        size_t m = gw_corpus_normalise(t + k, n - k, norm, sizeof norm);
                        char src[64];
                        snprintf(src, sizeof src, "%s/%.40s:%zu", dirs[d], names[i], c->count);
                        if (m > 0) gw_corpus_add(c, norm, m, src);
                    }
                    ls = le + 1;
                }
                free(data);
            }
            free(names[i]);
        }
    }
    return files;
}

/* Loads perf/corpus/<name> (tcr.fix, nos.fix); returns its length, 0 when missing. */
static inline size_t gw_corpus_load_canonical(const char *name, uint8_t **data)
{
    char repo[512], path[1200];
    gw_corpus_repo(repo, sizeof repo);
    snprintf(path, sizeof path, "%s/perf/corpus/%s", repo, name);
    size_t len = 0;
    if (!gw_corpus_read_file(path, data, &len)) return 0;
    return len;
}

static inline void gw_corpus_free(gw_corpus *c)
{
    for (size_t i = 0; i < c->count; i++) free(c->msg[i]);
    c->count = 0;
}

#endif /* GW_TEST_FIX_CORPUS_H */
