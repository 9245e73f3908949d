/* Agents (agent.h): start/stop with on_start/do_work/on_close on the agent thread, commands through
 * the SPSC queue (order, back-pressure, wrap), every idle strategy, stop waking a long park, a failing
 * on_start, CPU pinning, thread names and the clocks. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "test_util.h"

static void test_clocks(void)
{
    const uint64_t a = gw_nanotime();
    const uint64_t b = gw_nanotime();
    EXPECT(b >= a);
    const uint64_t e = gw_epoch_nanos();
    EXPECT(e > 1600000000ull * 1000000000ull); /* after 2020 */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    const uint64_t now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    EXPECT(now >= e && now - e < 1000000000ull);
}

static void test_queue(void)
{
    EXPECT(gw_cmd_queue_create(3) == NULL);
    EXPECT(gw_cmd_queue_create(0) == NULL);
    gw_cmd_queue *q = gw_cmd_queue_create(4);
    EXPECT(q != NULL);
    gw_cmd c, out;
    memset(&c, 0, sizeof c);
    EXPECT(gw_cmd_queue_poll(q, &out) == 0);
    uint32_t next_in = 0, next_out = 0;
    for (int round = 0; round < 1000; round++) {
        const int n = round % 6; /* sometimes more than fits */
        for (int i = 0; i < n; i++) {
            c.type = next_in;
            c.correlation = (uint64_t)next_in * 3u;
            c.length = 4;
            memcpy(c.body, &next_in, 4);
            const int rc = gw_cmd_queue_offer(q, &c);
            if (next_in - next_out >= 4u) {
                EXPECT(rc == -1);
            } else {
                EXPECT(rc == 0);
                next_in++;
            }
        }
        const int take = round % 5;
        for (int i = 0; i < take; i++) {
            const int got = gw_cmd_queue_poll(q, &out);
            if (next_out == next_in) {
                EXPECT(got == 0);
            } else {
                EXPECT(got == 1);
                uint32_t v;
                memcpy(&v, out.body, 4);
                EXPECT_EQ_U64(out.type, next_out);
                EXPECT_EQ_U64(v, next_out);
                EXPECT_EQ_U64(out.correlation, (uint64_t)next_out * 3u);
                next_out++;
            }
        }
    }
    EXPECT(next_in > 1000);
    gw_cmd_queue_destroy(q);
    gw_cmd_queue_destroy(NULL);
}

typedef struct worker {
    gw_cmd_queue *q;
    pthread_t start_thread, work_thread, close_thread;
    atomic_int started, closed;
    atomic_ullong work_calls;
    atomic_uint done; /* commands handled, published by the agent */
    uint64_t sum;       /* agent thread */
    uint32_t commands;  /* agent thread */
    uint32_t last_type; /* agent thread */
    int order_ok;
    int fail_start;
    char name[32];
} worker;

static int w_start(void *ctx)
{
    worker *w = ctx;
    w->start_thread = pthread_self();
    pthread_getname_np(pthread_self(), w->name, sizeof w->name);
    atomic_store(&w->started, 1);
    return w->fail_start;
}

static int w_work(void *ctx)
{
    worker *w = ctx;
    /* written once, before the first (seq_cst) increment the main thread waits for */
    if (atomic_load(&w->work_calls) == 0u) w->work_thread = pthread_self();
    atomic_fetch_add(&w->work_calls, 1u);
    gw_cmd c;
    int n = 0;
    while (n < 8 && gw_cmd_queue_poll(w->q, &c)) {
        if (w->commands > 0 && c.type != w->last_type + 1u) w->order_ok = 0;
        w->last_type = c.type;
        w->sum += c.correlation;
        w->commands++;
        atomic_store(&w->done, w->commands);
        n++;
    }
    return n;
}

static void w_close(void *ctx)
{
    worker *w = ctx;
    w->close_thread = pthread_self();
    atomic_store(&w->closed, 1);
}

static void test_agent_commands(gw_idle_kind kind)
{
    worker w;
    memset(&w, 0, sizeof w);
    w.order_ok = 1;
    w.q = gw_cmd_queue_create(64);
    gw_agent_ops ops = {"gw-test-agent", w_start, w_work, w_close};
    gw_idle_strategy idle;
    gw_idle_init(&idle, kind);
    gw_agent_runner *a = gw_agent_start(&ops, &w, &idle, -1);
    EXPECT(a != NULL);
    const uint32_t total = 100000;
    gw_cmd c;
    memset(&c, 0, sizeof c);
    uint64_t expect_sum = 0;
    for (uint32_t i = 0; i < total; i++) {
        c.type = i;
        c.correlation = i;
        expect_sum += i;
        while (gw_cmd_queue_offer(w.q, &c) != 0) sched_yield(); /* back-pressure: retry */
    }
    c.type = total; /* sentinel: when it is counted, every command before it was */
    c.correlation = 0;
    while (gw_cmd_queue_offer(w.q, &c) != 0) sched_yield();
    const uint64_t t0 = gw_nanotime();
    while (atomic_load(&w.done) < total + 1u && gw_nanotime() - t0 < 10000000000ull) sched_yield();
    EXPECT_EQ_U64(atomic_load(&w.done), total + 1u);
    EXPECT(gw_agent_pin_error(a) == 0);
    EXPECT(gw_agent_stop(a) == 0);
    EXPECT(atomic_load(&w.started) == 1 && atomic_load(&w.closed) == 1);
    EXPECT(pthread_equal(w.start_thread, w.work_thread));
    EXPECT(pthread_equal(w.work_thread, w.close_thread));
    EXPECT(!pthread_equal(w.work_thread, pthread_self()));
    EXPECT(strcmp(w.name, "gw-test-agent") == 0);
    EXPECT_EQ_U64(w.commands, total + 1u);
    EXPECT_EQ_U64(w.sum, expect_sum); /* the sentinel carries correlation 0 */
    EXPECT(w.order_ok);
    EXPECT_EQ_U64(w.last_type, total);
    gw_cmd_queue_destroy(w.q);
}

static void test_stop_wakes_long_park(void)
{
    worker w;
    memset(&w, 0, sizeof w);
    w.q = gw_cmd_queue_create(4);
    gw_agent_ops ops = {"gw-park", NULL, w_work, w_close};
    gw_idle_strategy idle;
    gw_idle_init(&idle, GW_IDLE_PARK);
    idle.min_park_ns = 10ull * 1000000000ull; /* 10 s per idle cycle */
    gw_agent_runner *a = gw_agent_start(&ops, &w, &idle, -1);
    EXPECT(a != NULL);
    while (atomic_load(&w.work_calls) == 0) sched_yield();
    struct timespec ts = {0, 20000000};
    nanosleep(&ts, NULL); /* now parked */
    const uint64_t t0 = gw_nanotime();
    EXPECT(gw_agent_stop(a) == 0);
    const uint64_t waited = gw_nanotime() - t0;
    EXPECT(waited < 1000000000ull); /* woken, not waiting out the 10 s park */
    EXPECT(atomic_load(&w.work_calls) <= 2u);
    EXPECT(atomic_load(&w.closed) == 1);
    gw_cmd_queue_destroy(w.q);
}

/* gw_agent_wake ends a long park at once, and a wake sent before the park is not lost. */
static void test_wake(void)
{
    worker w;
    memset(&w, 0, sizeof w);
    w.q = gw_cmd_queue_create(4);
    gw_agent_ops ops = {"gw-wake", NULL, w_work, NULL};
    gw_idle_strategy idle;
    gw_idle_init(&idle, GW_IDLE_PARK);
    idle.min_park_ns = 10ull * 1000000000ull; /* 10 s per idle cycle */
    gw_agent_runner *a = gw_agent_start(&ops, &w, &idle, -1);
    EXPECT(a != NULL);
    while (atomic_load(&w.work_calls) == 0) sched_yield();
    struct timespec ts = {0, 20000000};
    nanosleep(&ts, NULL); /* parked for 10 s now */
    for (uint32_t i = 0; i < 50; i++) {
        gw_cmd c;
        memset(&c, 0, sizeof c);
        c.type = i;
        EXPECT(gw_cmd_queue_offer(w.q, &c) == 0);
        const uint64_t t0 = gw_nanotime();
        gw_agent_wake(a);
        while (atomic_load(&w.done) < i + 1u && gw_nanotime() - t0 < 2000000000ull) sched_yield();
        EXPECT_EQ_U64(atomic_load(&w.done), i + 1u); /* picked up within 2 s, not after the 10 s park */
    }
    /* a wake while the agent is busy (not parked) makes the next park return at once */
    gw_agent_wake(a);
    EXPECT(gw_agent_stop(a) == 0);
    gw_cmd_queue_destroy(w.q);
}

static void test_failed_start(void)
{
    worker w;
    memset(&w, 0, sizeof w);
    w.fail_start = 42;
    gw_agent_ops ops = {"gw-fail", w_start, w_work, w_close};
    gw_agent_runner *a = gw_agent_start(&ops, &w, NULL, -1);
    EXPECT(a != NULL);
    EXPECT(gw_agent_stop(a) == 42);
    EXPECT(atomic_load(&w.work_calls) == 0);
    EXPECT(atomic_load(&w.closed) == 1);
    gw_agent_ops bad = {"x", NULL, NULL, NULL};
    EXPECT(gw_agent_start(&bad, &w, NULL, -1) == NULL);
}

static void test_pinning(void)
{
    worker w;
    memset(&w, 0, sizeof w);
    w.q = gw_cmd_queue_create(4);
    gw_agent_ops ops = {"gw-pinned", NULL, w_work, NULL};
    gw_agent_runner *a = gw_agent_start(&ops, &w, NULL, 0);
    EXPECT(a != NULL);
    while (atomic_load(&w.work_calls) == 0) sched_yield();
    cpu_set_t set;
    CPU_ZERO(&set);
    EXPECT(pthread_getaffinity_np(w.work_thread, sizeof set, &set) == 0);
    if (gw_agent_pin_error(a) == 0) {
        EXPECT(CPU_COUNT(&set) == 1 && CPU_ISSET(0, &set));
    }
    EXPECT(gw_agent_stop(a) == 0);
    /* an impossible CPU: reported, not fatal */
    a = gw_agent_start(&ops, &w, NULL, 100000);
    EXPECT(a != NULL);
    EXPECT(gw_agent_pin_error(a) != 0);
    EXPECT(gw_agent_stop(a) == 0);
    gw_cmd_queue_destroy(w.q);
}

static void test_idle_strategies(void)
{
    gw_idle_strategy s;
    gw_idle_init(&s, GW_IDLE_BACKOFF);
    EXPECT_EQ_U64(s.max_spins, 100);
    EXPECT_EQ_U64(s.max_yields, 10);
    EXPECT_EQ_U64(s.min_park_ns, 1000);
    EXPECT_EQ_U64(s.max_park_ns, 1000000);
    for (int i = 0; i < 100; i++) gw_idle_idle(&s, 0);
    EXPECT_EQ_U64(s.spins, 100);
    EXPECT_EQ_U64(s.yields, 0);
    for (int i = 0; i < 10; i++) gw_idle_idle(&s, 0);
    EXPECT_EQ_U64(s.yields, 10);
    EXPECT_EQ_U64(s.park_ns, 1000);
    const uint64_t t0 = gw_nanotime();
    gw_idle_idle(&s, 0); /* parks 1 us, doubles */
    EXPECT_EQ_U64(s.park_ns, 2000);
    for (int i = 0; i < 20; i++) gw_idle_idle(&s, 0);
    EXPECT_EQ_U64(s.park_ns, 1000000); /* capped */
    EXPECT(gw_nanotime() - t0 >= 1000000ull);
    gw_idle_idle(&s, 3); /* work resets */
    EXPECT_EQ_U64(s.spins, 0);
    EXPECT_EQ_U64(s.yields, 0);
    EXPECT_EQ_U64(s.park_ns, 1000);

    gw_idle_init(&s, GW_IDLE_PARK);
    s.min_park_ns = 2000000;
    const uint64_t t1 = gw_nanotime();
    gw_idle_idle(&s, 0);
    EXPECT(gw_nanotime() - t1 >= 2000000ull);

    gw_idle_init(&s, GW_IDLE_BUSY_SPIN);
    const uint64_t t2 = gw_nanotime();
    for (int i = 0; i < 1000; i++) gw_idle_idle(&s, 0);
    EXPECT(gw_nanotime() - t2 < 100000000ull); /* spinning never sleeps */
    gw_idle_init(&s, GW_IDLE_YIELD);
    for (int i = 0; i < 100; i++) gw_idle_idle(&s, 0);
    EXPECT_EQ_U64(s.spins, 0);
}

int main(void)
{
    test_clocks();
    test_queue();
    test_idle_strategies();
    test_agent_commands(GW_IDLE_BUSY_SPIN);
    test_agent_commands(GW_IDLE_YIELD);
    test_agent_commands(GW_IDLE_BACKOFF);
    test_agent_commands(GW_IDLE_PARK);
    test_stop_wakes_long_park();
    test_wake();
    test_failed_start();
    test_pinning();
    TEST_MAIN_END();
}
