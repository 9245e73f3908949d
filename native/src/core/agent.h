/*
 * Agents and their duty cycle (after Aeron's Agent/AgentRunner): an agent is a struct of callbacks
 * run by one dedicated thread in a loop
 *     work = do_work(ctx);  if (work > 0) idle.reset() else idle.idle()
 * do_work must be bounded (poll at most N sockets/packets/frames per call) and never block.
 * Control (open a listener, connect, close a connection, stop) reaches an agent through its command
 * queue, drained by the agent inside do_work; commands are fixed-size, so enqueueing never allocates.
 *
 * Threads: gw_agent_start/gw_agent_stop and gw_cmd_queue_offer from any one controlling thread
 * (JS main thread in the gateway); everything else runs on the agent's thread.
 */
#ifndef GATEWAY_AGENT_H
#define GATEWAY_AGENT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ idle strategies */
typedef enum gw_idle_kind {
    GW_IDLE_BUSY_SPIN = 0, /* pause instruction, never leaves the core */
    GW_IDLE_YIELD = 1,     /* sched_yield */
    GW_IDLE_BACKOFF = 2,   /* spin max_spins, yield max_yields, then nanosleep doubling min..max_park_ns */
    GW_IDLE_PARK = 3       /* nanosleep min_park_ns every idle cycle */
} gw_idle_kind;

typedef struct gw_idle_strategy {
    gw_idle_kind kind;
    uint32_t max_spins;
    uint32_t max_yields;
    uint64_t min_park_ns;
    uint64_t max_park_ns;
    /* state (owned by the agent thread) */
    uint32_t spins;
    uint32_t yields;
    uint64_t park_ns;
} gw_idle_strategy;

/* Defaults: BACKOFF with 100 spins, 10 yields, 1 us .. 1 ms parks. */
void gw_idle_init(gw_idle_strategy *s, gw_idle_kind kind);
void gw_idle_idle(gw_idle_strategy *s, int work_count);
void gw_idle_reset(gw_idle_strategy *s);

/* ------------------------------------------------------------------ command queue */
#define GW_CMD_BYTES 256u
typedef struct gw_cmd {
    uint32_t type;         /* agent-specific command code */
    uint32_t length;       /* bytes of body used */
    uint64_t correlation;  /* echoed in the agent's reply/event frame */
    uint8_t body[GW_CMD_BYTES - 16];
} gw_cmd;

/* Bounded SPSC queue of commands (one controlling thread -> one agent). */
typedef struct gw_cmd_queue gw_cmd_queue;
gw_cmd_queue *gw_cmd_queue_create(uint32_t capacity_pow2); /* start-up allocation */
void gw_cmd_queue_destroy(gw_cmd_queue *q);
/* 0 on success, -1 when full (back-pressure: the caller retries or reports). */
int gw_cmd_queue_offer(gw_cmd_queue *q, const gw_cmd *cmd);
/* Agent thread: copies the oldest command into *out; 1 if one was taken, 0 if empty. */
int gw_cmd_queue_poll(gw_cmd_queue *q, gw_cmd *out);

/* ------------------------------------------------------------------ agents */
typedef struct gw_agent_ops {
    const char *name;                  /* thread name (at most 15 chars are shown by the OS) */
    int (*on_start)(void *ctx);        /* agent thread, before the first do_work; non-zero aborts */
    int (*do_work)(void *ctx);         /* agent thread; returns the amount of work done (0 = idle) */
    void (*on_close)(void *ctx);       /* agent thread, after the last do_work; release resources */
} gw_agent_ops;

typedef struct gw_agent_runner gw_agent_runner;

/* Starts a thread running the duty cycle. cpu >= 0 pins it to that CPU (failure is reported by
 * gw_agent_pin_error, not fatal). Returns NULL when the thread cannot be created. */
gw_agent_runner *gw_agent_start(const gw_agent_ops *ops, void *ctx, const gw_idle_strategy *idle, int cpu);

/* Asks the agent to stop, wakes it if parked, joins the thread (on_close has run when this returns)
 * and frees the runner. Returns the on_start result (0 when it started normally). */
int gw_agent_stop(gw_agent_runner *runner);

/* Any thread: ends the agent's current or next park at once (the park of an idle strategy's
 * BACKOFF/PARK step), so that work announced by another thread (e.g. a JS producer that found the
 * agent's ring consumer parked) is picked up without waiting out the park. Never lost: a wake that
 * arrives before the agent parks makes that park return immediately. Costs a mutex + signal. */
void gw_agent_wake(gw_agent_runner *runner);

/* 0, or the errno of a failed CPU pinning. */
int gw_agent_pin_error(const gw_agent_runner *runner);

/* Duty cycles completed so far (relaxed read; for metrics and tests). */
uint64_t gw_agent_cycles(const gw_agent_runner *runner);

/* Monotonic and wall clocks in nanoseconds. */
uint64_t gw_nanotime(void);
uint64_t gw_epoch_nanos(void);

#ifdef __cplusplus
}
#endif

#endif /* GATEWAY_AGENT_H */
