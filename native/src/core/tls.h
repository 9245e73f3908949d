/*
 * TLS for the network agent (OpenSSL 3): one context per configured TLS profile, one SSL object per
 * connection, driven non-blocking from the agent's duty cycle (the agent owns the socket, epoll and the
 * retry policy; this file only wraps OpenSSL).
 *
 * Threads: gw_tls_ctx_create/gw_tls_ctx_free on the controlling thread before the agent starts / after
 * it stopped; everything taking a SSL* on the agent thread that owns the connection. An SSL_CTX is
 * read-only once created, so several agents may share one.
 *
 * Allocation: SSL_new per connection (at accept/connect, never per message); OpenSSL's own record
 * buffers are released with SSL_MODE_RELEASE_BUFFERS while a connection is idle.
 */
#ifndef GATEWAY_TLS_H
#define GATEWAY_TLS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ssl_st gw_ssl;
typedef struct gw_tls_ctx gw_tls_ctx;

/* TLS protocol versions accepted by min_version/max_version (0 = library default: 1.2 .. 1.3). */
#define GW_TLS_V1_2 12
#define GW_TLS_V1_3 13

typedef struct gw_tls_config {
    const char *cert_file;   /* PEM certificate (chain) of this side; required for a server */
    const char *key_file;    /* PEM private key of cert_file */
    const char *ca_file;     /* PEM CA bundle that verifies the peer; NULL: no peer verification */
    int verify_peer;         /* server: require a client certificate signed by ca_file (mutual TLS);
                                client: require the server certificate to verify against ca_file */
    int min_version;         /* GW_TLS_V1_2 (default) or GW_TLS_V1_3 */
    int max_version;         /* GW_TLS_V1_3 (default) or GW_TLS_V1_2 */
    const char *ciphers;     /* TLS 1.2 cipher list; NULL: OpenSSL default */
} gw_tls_config;

/* Creates a server (is_server != 0) or client context. NULL on failure with a message in err. */
gw_tls_ctx *gw_tls_ctx_create(const gw_tls_config *config, int is_server, char *err, size_t err_len);
void gw_tls_ctx_free(gw_tls_ctx *ctx);
int gw_tls_ctx_is_server(const gw_tls_ctx *ctx);

/* New connection state over a connected non-blocking socket; server_name (client only, may be NULL)
 * is sent as SNI and, when the context verifies the peer, checked against the certificate. */
gw_ssl *gw_tls_new(gw_tls_ctx *ctx, int fd, const char *server_name, char *err, size_t err_len);
void gw_tls_free(gw_ssl *ssl);

/* Results of the non-blocking operations below. */
#define GW_TLS_DONE 0         /* handshake complete / shutdown sent */
#define GW_TLS_WANT_READ (-1) /* retry when the socket is readable */
#define GW_TLS_WANT_WRITE (-2) /* retry when the socket is writable */
#define GW_TLS_CLOSED (-3)    /* peer sent close_notify (read) */
#define GW_TLS_ERROR (-4)     /* fatal: see gw_tls_error */

/* Advances the handshake. */
int gw_tls_handshake(gw_ssl *ssl);
/* Reads up to len decrypted bytes: > 0 bytes read, or one of the codes above. */
int gw_tls_read(gw_ssl *ssl, uint8_t *buf, size_t len);
/* Writes up to len bytes (partial writes allowed): > 0 bytes accepted, or one of the codes. A retry
 * after WANT_* may pass a different buffer address with the same bytes (moving-buffer mode). */
int gw_tls_write(gw_ssl *ssl, const uint8_t *buf, size_t len);
/* Decrypted bytes buffered inside OpenSSL (epoll does not see them): read again before waiting. */
int gw_tls_pending(gw_ssl *ssl);
/* Sends close_notify once (non-blocking, best effort). */
void gw_tls_shutdown(gw_ssl *ssl);

/* The verified peer certificate's subject (RFC 2253) into out (NUL-terminated, truncated to out_len);
 * returns its length, 0 when the peer sent no certificate or it was not verified. */
size_t gw_tls_peer_subject(gw_ssl *ssl, char *out, size_t out_len);
/* Negotiated protocol, e.g. "TLSv1.3". */
const char *gw_tls_version(gw_ssl *ssl);

/* Last error of a failed call on this thread: negated OpenSSL reason code (or -1) and a text
 * (includes the certificate verification result when that is why the handshake failed). Clears
 * OpenSSL's error queue of this thread. */
int gw_tls_error(gw_ssl *ssl, char *out, size_t out_len);

#ifdef __cplusplus
}
#endif

#endif /* GATEWAY_TLS_H */
