/*
 * Loopback UDP load generator for perf/cases/feed-dpdk.ts (kernel UDP peer): sends `count` datagrams
 * to 127.0.0.1:port with sendmmsg in batches of 64, cycling through the payloads of FILE (records of
 * uint16 little-endian length + bytes). Unthrottled: the receiver's socket buffer overflows when it is
 * slower, which the feed reports as drops. Prints {"sent":N,"seconds":S} on stdout.
 * Usage: udp_sender PORT COUNT FILE
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: udp_sender PORT COUNT FILE\n");
        return 2;
    }
    const int port = atoi(argv[1]);
    const long count = atol(argv[2]);
    FILE *f = fopen(argv[3], "rb");
    if (f == NULL) {
        perror(argv[3]);
        return 2;
    }
    static uint8_t data[1 << 24];
    size_t size = fread(data, 1, sizeof data, f);
    fclose(f);
    size_t n = 0, cap = 1024;
    struct iovec *payloads = malloc(cap * sizeof *payloads);
    for (size_t off = 0; off + 2 <= size;) {
        size_t len = (size_t)data[off] | (size_t)data[off + 1] << 8;
        if (off + 2 + len > size) break;
        if (n == cap) payloads = realloc(payloads, (cap *= 2) * sizeof *payloads);
        payloads[n].iov_base = data + off + 2;
        payloads[n].iov_len = len;
        n++;
        off += 2 + len;
    }
    if (n == 0) {
        fprintf(stderr, "no payloads in %s\n", argv[3]);
        return 2;
    }
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    int sndbuf = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        perror("connect");
        return 2;
    }
    struct mmsghdr msgs[BATCH];
    memset(msgs, 0, sizeof msgs);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long sent = 0;
    size_t next = 0;
    while (sent < count) {
        int b = count - sent < BATCH ? (int)(count - sent) : BATCH;
        for (int i = 0; i < b; i++) {
            msgs[i].msg_hdr.msg_iov = &payloads[next];
            msgs[i].msg_hdr.msg_iovlen = 1;
            next = next + 1 == n ? 0 : next + 1;
        }
        int r = sendmmsg(fd, msgs, (unsigned)b, 0);
        if (r > 0) sent += r;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("{\"sent\":%ld,\"seconds\":%.6f}\n", sent, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    close(fd);
    return 0;
}
