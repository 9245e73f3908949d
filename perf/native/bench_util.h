/* Helpers shared by the C micro-benchmarks of perf/native (each built as one file by its perf/cases
 * driver, so this header is found next to the source). */
#ifndef GATEWAY_BENCH_UTIL_H
#define GATEWAY_BENCH_UTIL_H

#include <time.h>

/* Monotonic clock in nanoseconds (as a double: benchmarks compute rates and medians with it). */
static inline double bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* qsort comparator for doubles (median of runs). */
static inline int bench_cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#endif
