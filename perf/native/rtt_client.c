/*
 * Loopback round-trip client for perf/cases/tcp-rtt.ts: connects with a blocking TCP socket
 * (TCP_NODELAY), then `runs` times does `count` ping-pongs of one FIX message (one in flight): write it,
 * read until the same number of bytes came back, check they are equal. Prints one JSON line with the
 * median, p10, p99, min and max over all round trips (ns) and each run's median. On a shared machine
 * the low percentiles show the path's own cost best (load from other processes only adds).
 *   rtt_client <host> <port> <message file> <count> <runs> <warmup>
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int round_trip(int fd, const char *msg, size_t len, char *buf)
{
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, msg + off, len - off);
        if (w <= 0) return -1;
        off += (size_t)w;
    }
    off = 0;
    while (off < len) {
        ssize_t r = read(fd, buf + off, len - off);
        if (r <= 0) return -1;
        off += (size_t)r;
    }
    return memcmp(buf, msg, len) == 0 ? 0 : -2;
}

int main(int argc, char **argv)
{
    if (argc < 7) {
        fprintf(stderr, "usage: rtt_client host port message-file count runs warmup\n");
        return 2;
    }
    FILE *f = fopen(argv[3], "rb");
    if (f == NULL) return 2;
    char msg[4096];
    size_t len = fread(msg, 1, sizeof msg, f);
    fclose(f);
    long count = atol(argv[4]), runs = atol(argv[5]), warmup = atol(argv[6]);
    if (count <= 0 || runs <= 0 || runs > 99 || warmup < 0) return 2;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)atoi(argv[2]));
    if (inet_pton(AF_INET, argv[1], &a.sin_addr) != 1 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("connect");
        return 1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char buf[4096];
    for (long i = 0; i < warmup; i++) {
        if (round_trip(fd, msg, len, buf) != 0) {
            fprintf(stderr, "warm-up round trip %ld failed\n", i);
            return 1;
        }
    }
    size_t total = (size_t)(count * runs);
    uint64_t *all = malloc(total * sizeof *all);
    uint64_t *run_samples = malloc((size_t)count * sizeof *run_samples);
    uint64_t run_median[99];
    if (all == NULL || run_samples == NULL) return 1;
    for (long r = 0; r < runs; r++) {
        for (long i = 0; i < count; i++) {
            uint64_t t0 = now_ns();
            int rc = round_trip(fd, msg, len, buf);
            uint64_t t1 = now_ns();
            if (rc != 0) {
                fprintf(stderr, "round trip failed (%d)\n", rc);
                return 1;
            }
            run_samples[i] = t1 - t0;
            all[(size_t)r * (size_t)count + (size_t)i] = t1 - t0;
        }
        qsort(run_samples, (size_t)count, sizeof *run_samples, cmp_u64);
        run_median[r] = run_samples[count / 2];
    }
    qsort(all, total, sizeof *all, cmp_u64);
    printf("{\"median\":%llu,\"p10\":%llu,\"p99\":%llu,\"min\":%llu,\"max\":%llu,\"samples\":%zu,\"runMedians\":[",
           (unsigned long long)all[total / 2], (unsigned long long)all[total / 10], (unsigned long long)all[(total * 99) / 100],
           (unsigned long long)all[0], (unsigned long long)all[total - 1], total);
    for (long r = 0; r < runs; r++) printf("%s%llu", r ? "," : "", (unsigned long long)run_median[r]);
    printf("],\"bytes\":%zu}\n", len);
    close(fd);
    free(all);
    free(run_samples);
    return 0;
}
