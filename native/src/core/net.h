/*
 * Network agent: kernel TCP (epoll, non-blocking) with optional TLS (tls.h) for FIX sessions.
 * One agent = one thread (agent.h duty cycle) owning an epoll set of listeners (acceptor) and
 * connections (accepted or connected), an inbound ring (agent -> JS) and an outbound ring (JS -> agent).
 *
 * Inbound ring frames (schemas/gateway-internal.xml; FrameHeader.connectionId = the connection):
 *   FixMessage       one framed, indexed FIX message (gw_fix_write_payload); flags.tls over TLS
 *   FixGarbled       FixGarbledHeader + up to 256 discarded bytes; the connection continues
 *   Connected        ConnectionEvent (eventType Connected) once TCP is connected and, for TLS, the
 *                    handshake is done. reason = the peer certificate's subject (RFC 2253) when the
 *                    peer presented a certificate that verified (mutual TLS), else empty.
 *                    localPort = the listener's port for accepted connections.
 *   Disconnected     ConnectionEvent: the connection is closed and its id is dead. reason says why.
 *   ConnectionError  ConnectionEvent: connect/handshake/read/write failed, errorCode = errno (> 0) or
 *                    negated OpenSSL reason (< 0), reason = text. The connection is closed and its id is
 *                    dead: no Disconnected follows. A failed connect reports ConnectionError only.
 * Every connection id sees: [Connected, data frames*] then exactly one of Disconnected/ConnectionError.
 * A listener id sees only its end: Disconnected ("listener closed") after gw_net_close or on stop, or
 * ConnectionError EMFILE when no slot was free for it. Connected is not written for TLS peers whose
 * handshake fails (ConnectionError with the OpenSSL reason and the certificate verify result) or does
 * not finish within open_timeout_ms (ETIMEDOUT).
 * Frames are published once per do_work. When the inbound ring is back-pressured the agent stops
 * reading (bytes stay in the socket / the connection's buffer) and retries next cycle: nothing is dropped.
 *
 * Outbound ring frames (JS producer): SendBytes (payload written to connectionId; bytes that the socket
 * does not take are kept in the connection's bounded send buffer and written on EPOLLOUT; when they do
 * not fit the connection is closed with ConnectionError ENOBUFS "send buffer full") and Disconnect
 * (close once every byte before it is written; TLS sends close_notify). Frames for unknown or dead
 * connection ids are counted (stats.dropped_outbound) and ignored: the Disconnected event is on its way.
 *
 * Control (listen/connect/close) is called on the controlling thread (JS main thread) and reaches the
 * agent through its command queue. listen binds synchronously on the calling thread, so errors
 * (EADDRINUSE, bad address) and the bound port come back as return values; the agent then accepts on it.
 * connect allocates the connection id synchronously and returns it; the outcome arrives as a Connected
 * or ConnectionError frame with that id. Ids of listeners and connections come from one counter
 * (from 1, unique while the process lives). Addresses are numeric IPv4/IPv6 (no DNS on these threads:
 * resolve names before calling).
 *
 * Threads: gw_net_create/gw_net_add_tls/gw_net_destroy on the controlling thread with the agent
 * stopped; gw_net_listen/connect/close from the controlling thread at any time; gw_net_do_work and the
 * agent ops on the agent thread only. No malloc on the agent thread after start-up except SSL_new per
 * TLS connection (OpenSSL); connection slots and their buffers are allocated by gw_net_create.
 */
#ifndef GATEWAY_NET_H
#define GATEWAY_NET_H

#include <stddef.h>
#include <stdint.h>

#include "agent.h"
#include "ring.h"
#include "tls.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GW_NET_MAX_TLS 8
#define GW_NET_NO_TLS (-1)
#define GW_NET_EVENT_REASON_MAX 256 /* bytes of ConnectionEvent.reason the agent writes at most */

/* What to do when a connection's send buffer cannot take a SendBytes frame. */
typedef enum gw_net_send_full_policy {
    GW_NET_SEND_FULL_DISCONNECT = 0 /* close with ConnectionError ENOBUFS "send buffer full" */
} gw_net_send_full_policy;

typedef struct gw_net_config {
    uint32_t max_connections;     /* slots (listeners + connections), default 64 */
    uint32_t recv_buffer_bytes;   /* per connection; >= max_message_bytes; default 64 KiB */
    uint32_t send_buffer_bytes;   /* per connection; default 256 KiB */
    uint32_t max_message_bytes;   /* largest FIX message accepted (framer maximum); default 64 KiB - 1 KiB */
    uint32_t max_fields;          /* fields indexed per message; default 512 */
    uint32_t max_events;          /* epoll events per do_work; default 64 */
    uint32_t read_budget_bytes;   /* bytes read per connection per do_work (fairness); default 64 KiB */
    uint32_t outbound_frame_limit; /* outbound frames drained per do_work; default 256 */
    uint32_t command_queue_capacity; /* power of two; default 64 */
    uint32_t open_timeout_ms;     /* connect, and the TLS handshake, each within this; default 10000 */
    uint32_t close_timeout_ms;    /* a requested close: queued bytes written, and the peer's EOF awaited,
                                     each within this; default 2000 */
    gw_net_send_full_policy send_full_policy;
    int tcp_nodelay;              /* default 1 (FIX is latency bound) */
    uint32_t block_after_idle_cycles; /* 0 (default): never block. Else after this many idle do_work
                                          calls the agent sleeps in epoll_wait (sockets + a wake eventfd),
                                          having announced itself parked on the outbound ring, so the JS
                                          producer wakes it (gw_net_wake) only when it parked: no spinning
                                          core while idle, no N-API call per message while busy. */
    uint32_t block_timeout_ms;    /* longest such sleep (bounds the delay of gw_agent_stop); default 10 */
    uint32_t socket_send_buffer_bytes; /* SO_SNDBUF of connections; 0 = kernel default (autotuned). A small
                                          value makes the send-buffer policy see a slow reader sooner. */
} gw_net_config;

/* Fills the defaults above. */
void gw_net_config_defaults(gw_net_config *config);

/* Counters, written by the agent thread with relaxed stores, readable from any thread. */
typedef struct gw_net_stats {
    uint64_t accepted;
    uint64_t connected;
    uint64_t closed;
    uint64_t messages_in;
    uint64_t garbled_in;
    uint64_t bytes_in;
    uint64_t bytes_out;
    uint64_t back_pressured;     /* cycles that stopped reading because the inbound ring was full */
    uint64_t dropped_outbound;   /* outbound frames for unknown/dead connections */
    uint64_t send_buffer_full;   /* connections closed by the send-buffer policy */
} gw_net_stats;

typedef struct gw_net gw_net;

/* Allocates the agent state: connection pool and buffers, epoll set, command queue; attaches its own
 * producer handle to inbound_region (doorbell called when JS is parked) and consumer handle to
 * outbound_region. NULL on failure with a message in err. */
gw_net *gw_net_create(const gw_net_config *config, void *inbound_region, gw_doorbell_fn doorbell,
                      void *doorbell_ctx, void *outbound_region, char *err, size_t err_len);
/* Closes whatever is still open (without events) and frees everything. Agent must be stopped. */
void gw_net_destroy(gw_net *net);

/* Registers a TLS profile (server for listeners, client for connectors); returns its id (>= 0) or -1
 * with err. Controlling thread, before or after the agent started: the profile is complete before the
 * listen/connect command that names it is offered, and the command queue orders the two. */
int gw_net_add_tls(gw_net *net, const gw_tls_config *config, int is_server, char *err, size_t err_len);

/* Agent callbacks (ctx = the gw_net): on_start, do_work, on_close (closes all connections, sending
 * close_notify and Disconnected frames as far as the ring takes them). */
const gw_agent_ops *gw_net_agent_ops(void);
int gw_net_do_work(gw_net *net);
void gw_net_on_close(gw_net *net);

/* Control (controlling thread). Return 0 on success, else -errno with a message in err:
 * -EAGAIN when the command queue is full (retry), -EINVAL for bad arguments. */
int gw_net_listen(gw_net *net, const char *host, uint16_t port, int tls_id, int backlog, uint32_t *listener_id,
                  uint16_t *bound_port, char *err, size_t err_len);
int gw_net_connect(gw_net *net, const char *host, uint16_t port, int tls_id, const char *server_name,
                   uint32_t *connection_id, char *err, size_t err_len);
/* Closes a connection (after its queued bytes, like a Disconnect frame) or a listener. */
int gw_net_close(gw_net *net, uint32_t id, char *err, size_t err_len);

/* Wakes the agent from a blocking idle wait (any thread; a write to an eventfd). The doorbell of the
 * outbound ring's producer when block_after_idle_cycles is set; also called by listen/connect/close. */
void gw_net_wake(gw_net *net);
/* Call before gw_agent_stop when block_after_idle_cycles is set: the agent stops blocking and is
 * woken, so the stop is not delayed by a sleep of up to block_timeout_ms. Any thread. */
void gw_net_prepare_stop(gw_net *net);

/* Snapshot of the counters (relaxed loads). */
void gw_net_stats_read(const gw_net *net, gw_net_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* GATEWAY_NET_H */
