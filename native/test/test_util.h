/* Minimal test helpers for the native tests (one executable per test_*.c, run by CTest). */
#ifndef GATEWAY_TEST_UTIL_H
#define GATEWAY_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>

static int gw_test_failures;

#define EXPECT(cond)                                                                 \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond);      \
            gw_test_failures++;                                                      \
        }                                                                            \
    } while (0)

#define EXPECT_EQ_U64(a, b)                                                                          \
    do {                                                                                             \
        unsigned long long gw_a_ = (unsigned long long)(a), gw_b_ = (unsigned long long)(b);         \
        if (gw_a_ != gw_b_) {                                                                        \
            fprintf(stderr, "%s:%d: %s == %llu, expected %s == %llu\n", __FILE__, __LINE__, #a, gw_a_, \
                    #b, gw_b_);                                                                      \
            gw_test_failures++;                                                                      \
        }                                                                                            \
    } while (0)

#define TEST_MAIN_END()                                                         \
    do {                                                                        \
        if (gw_test_failures > 0) {                                             \
            fprintf(stderr, "%d expectation(s) failed\n", gw_test_failures);    \
            return 1;                                                           \
        }                                                                       \
        printf("ok\n");                                                         \
        return 0;                                                               \
    } while (0)

#endif /* GATEWAY_TEST_UTIL_H */
