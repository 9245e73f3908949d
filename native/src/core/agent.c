/*
 * Agents, idle strategies and the command queue (contract: agent.h).
 *
 * Threads: a gw_agent_runner is created and stopped by one controlling thread; its loop, idle state
 * and the consuming side of nothing else run on the agent thread. The runner's stop flag and cycle
 * counter are atomics; its park uses a condition variable so gw_agent_stop wakes a parked agent at
 * once instead of waiting out the park.
 */
#if !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* pthread_setname_np, pthread_setaffinity_np, CPU_SET */
#endif
#include "agent.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#define GW_CPU_RELAX() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define GW_CPU_RELAX() __asm__ __volatile__("yield")
#else
#define GW_CPU_RELAX() ((void)0)
#endif

/* ------------------------------------------------------------------ clocks */
uint64_t gw_nanotime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t gw_epoch_nanos(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
    struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* ------------------------------------------------------------------ idle strategies */
void gw_idle_init(gw_idle_strategy *s, gw_idle_kind kind)
{
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->max_spins = 100;
    s->max_yields = 10;
    s->min_park_ns = 1000;
    s->max_park_ns = 1000000;
    gw_idle_reset(s);
}

void gw_idle_reset(gw_idle_strategy *s)
{
    s->spins = 0;
    s->yields = 0;
    s->park_ns = s->min_park_ns;
}

/* One idle step: spins/yields in place and returns 0, or returns how long to park (ns). Shared by
 * gw_idle_idle (nanosleep) and the runner (condition variable, so stop can interrupt it). */
static uint64_t idle_step(gw_idle_strategy *s)
{
    switch (s->kind) {
    case GW_IDLE_BUSY_SPIN:
        GW_CPU_RELAX();
        return 0;
    case GW_IDLE_YIELD:
        sched_yield();
        return 0;
    case GW_IDLE_PARK:
        return s->min_park_ns > 0 ? s->min_park_ns : 1;
    case GW_IDLE_BACKOFF:
    default:
        if (s->spins < s->max_spins) {
            s->spins++;
            GW_CPU_RELAX();
            return 0;
        }
        if (s->yields < s->max_yields) {
            s->yields++;
            sched_yield();
            return 0;
        }
        {
            uint64_t park = s->park_ns > 0 ? s->park_ns : 1;
            const uint64_t max = s->max_park_ns > park ? s->max_park_ns : park;
            s->park_ns = park * 2u < max ? park * 2u : max;
            return park;
        }
    }
}

void gw_idle_idle(gw_idle_strategy *s, int work_count)
{
    if (work_count > 0) {
        gw_idle_reset(s);
        return;
    }
    const uint64_t park = idle_step(s);
    if (park > 0) sleep_ns(park);
}

/* ------------------------------------------------------------------ command queue */
/* Lamport SPSC queue of fixed-size slots; head/tail on separate cache lines, each side caches the
 * other's index to avoid touching the shared line on every call. */
struct gw_cmd_queue {
    _Alignas(128) atomic_uint tail; /* written by the controlling thread */
    uint32_t head_cache;            /* controlling thread's last view of head */
    _Alignas(128) atomic_uint head; /* written by the agent thread */
    uint32_t tail_cache;            /* agent thread's last view of tail */
    _Alignas(128) uint32_t mask;
    gw_cmd *slots;
};

gw_cmd_queue *gw_cmd_queue_create(uint32_t capacity_pow2)
{
    if (capacity_pow2 == 0u || (capacity_pow2 & (capacity_pow2 - 1u)) != 0u || capacity_pow2 > (1u << 24))
        return NULL;
    gw_cmd_queue *q = aligned_alloc(128, sizeof *q);
    if (q == NULL) return NULL;
    memset(q, 0, sizeof *q);
    q->slots = calloc(capacity_pow2, sizeof(gw_cmd));
    if (q->slots == NULL) {
        free(q);
        return NULL;
    }
    q->mask = capacity_pow2 - 1u;
    atomic_init(&q->tail, 0u);
    atomic_init(&q->head, 0u);
    return q;
}

void gw_cmd_queue_destroy(gw_cmd_queue *q)
{
    if (q == NULL) return;
    free(q->slots);
    free(q);
}

int gw_cmd_queue_offer(gw_cmd_queue *q, const gw_cmd *cmd)
{
    const uint32_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
    if (tail - q->head_cache > q->mask) {
        q->head_cache = atomic_load_explicit(&q->head, memory_order_acquire);
        if (tail - q->head_cache > q->mask) return -1;
    }
    q->slots[tail & q->mask] = *cmd;
    atomic_store_explicit(&q->tail, tail + 1u, memory_order_release);
    return 0;
}

int gw_cmd_queue_poll(gw_cmd_queue *q, gw_cmd *out)
{
    const uint32_t head = atomic_load_explicit(&q->head, memory_order_relaxed);
    if (head == q->tail_cache) {
        q->tail_cache = atomic_load_explicit(&q->tail, memory_order_acquire);
        if (head == q->tail_cache) return 0;
    }
    *out = q->slots[head & q->mask];
    atomic_store_explicit(&q->head, head + 1u, memory_order_release);
    return 1;
}

/* ------------------------------------------------------------------ agents */
struct gw_agent_runner {
    gw_agent_ops ops;
    void *ctx;
    gw_idle_strategy idle; /* agent thread */
    pthread_t thread;
    atomic_int stop;
    int wake_pending; /* guarded by lock */
    atomic_ullong cycles;
    int start_result; /* written by the agent thread before it exits; read after join */
    int pin_error;    /* written by the controlling thread before the loop can observe it */
    pthread_mutex_t lock; /* guards the park wait only */
    pthread_cond_t wake;
    char name[16];
};

static void runner_park(gw_agent_runner *a, uint64_t ns)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    const uint64_t nsec = (uint64_t)deadline.tv_nsec + ns % 1000000000u;
    deadline.tv_sec += (time_t)(ns / 1000000000u + nsec / 1000000000u);
    deadline.tv_nsec = (long)(nsec % 1000000000u);
    pthread_mutex_lock(&a->lock);
    if (!atomic_load_explicit(&a->stop, memory_order_acquire) && !a->wake_pending)
        pthread_cond_timedwait(&a->wake, &a->lock, &deadline);
    a->wake_pending = 0;
    pthread_mutex_unlock(&a->lock);
}

void gw_agent_wake(gw_agent_runner *a)
{
    pthread_mutex_lock(&a->lock);
    a->wake_pending = 1;
    pthread_cond_signal(&a->wake);
    pthread_mutex_unlock(&a->lock);
}

static void *runner_main(void *arg)
{
    gw_agent_runner *a = arg;
    /* Named from inside so the name is in place before on_start runs. */
    if (a->name[0] != '\0') pthread_setname_np(pthread_self(), a->name);
    int rc = a->ops.on_start != NULL ? a->ops.on_start(a->ctx) : 0;
    a->start_result = rc;
    if (rc == 0) {
        while (!atomic_load_explicit(&a->stop, memory_order_acquire)) {
            const int work = a->ops.do_work(a->ctx);
            atomic_fetch_add_explicit(&a->cycles, 1u, memory_order_relaxed);
            if (work > 0) {
                gw_idle_reset(&a->idle);
            } else {
                const uint64_t park = idle_step(&a->idle);
                if (park > 0) runner_park(a, park);
            }
        }
    }
    /* on_close runs even when on_start failed, so on_start may leave partial state to release. */
    if (a->ops.on_close != NULL) a->ops.on_close(a->ctx);
    return NULL;
}

gw_agent_runner *gw_agent_start(const gw_agent_ops *ops, void *ctx, const gw_idle_strategy *idle, int cpu)
{
    if (ops == NULL || ops->do_work == NULL) return NULL;
    gw_agent_runner *a = calloc(1, sizeof *a);
    if (a == NULL) return NULL;
    a->ops = *ops;
    a->ctx = ctx;
    if (idle != NULL) {
        a->idle = *idle;
        gw_idle_reset(&a->idle);
    } else {
        gw_idle_init(&a->idle, GW_IDLE_BACKOFF);
    }
    atomic_init(&a->stop, 0);
    atomic_init(&a->cycles, 0u);
    if (ops->name != NULL) {
        strncpy(a->name, ops->name, sizeof a->name - 1u);
    }
    pthread_condattr_t cattr;
    pthread_condattr_init(&cattr);
    pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
    if (pthread_mutex_init(&a->lock, NULL) != 0 || pthread_cond_init(&a->wake, &cattr) != 0) {
        pthread_condattr_destroy(&cattr);
        free(a);
        return NULL;
    }
    pthread_condattr_destroy(&cattr);
    /* Pin before the thread starts running so do_work never runs on the wrong CPU. */
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    if (cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET((size_t)cpu, &set);
        if (cpu >= CPU_SETSIZE) {
            a->pin_error = EINVAL;
        } else {
            a->pin_error = pthread_attr_setaffinity_np(&attr, sizeof set, &set);
        }
    }
    int rc = pthread_create(&a->thread, &attr, runner_main, a);
    if (rc != 0 && cpu >= 0 && a->pin_error == 0) {
        /* An affinity to an offline or forbidden CPU fails pthread_create: run unpinned, report it. */
        a->pin_error = rc;
        pthread_attr_destroy(&attr);
        pthread_attr_init(&attr);
        rc = pthread_create(&a->thread, &attr, runner_main, a);
    }
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        pthread_cond_destroy(&a->wake);
        pthread_mutex_destroy(&a->lock);
        free(a);
        return NULL;
    }
    return a;
}

int gw_agent_stop(gw_agent_runner *a)
{
    if (a == NULL) return 0;
    pthread_mutex_lock(&a->lock);
    atomic_store_explicit(&a->stop, 1, memory_order_release);
    pthread_cond_signal(&a->wake);
    pthread_mutex_unlock(&a->lock);
    pthread_join(a->thread, NULL);
    const int rc = a->start_result;
    pthread_cond_destroy(&a->wake);
    pthread_mutex_destroy(&a->lock);
    free(a);
    return rc;
}

int gw_agent_pin_error(const gw_agent_runner *a)
{
    return a->pin_error;
}

uint64_t gw_agent_cycles(const gw_agent_runner *a)
{
    return atomic_load_explicit(&((gw_agent_runner *)(uintptr_t)a)->cycles, memory_order_relaxed);
}
