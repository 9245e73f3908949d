/* OpenSSL wrapper for the network agent; see tls.h for the threading and allocation contract. */
#include "tls.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

struct gw_tls_ctx {
    SSL_CTX *ctx;
    int is_server;
    int verify_peer;
};

/* Result of the last failing SSL_* call on this thread (SSL_get_error value, errno) for gw_tls_error. */
static _Thread_local int gw_tls_last_ssl_error;
static _Thread_local int gw_tls_last_errno;

static void openssl_error_text(const char *what, char *err, size_t err_len)
{
    unsigned long e = ERR_get_error();
    char buf[256];
    if (e != 0) {
        ERR_error_string_n(e, buf, sizeof buf);
    } else {
        snprintf(buf, sizeof buf, "%s", "unknown error");
    }
    if (err != NULL && err_len > 0) snprintf(err, err_len, "%s: %s", what, buf);
    ERR_clear_error();
}

static int proto_version(int v, int fallback)
{
    if (v == 0) return fallback;
    if (v == GW_TLS_V1_2) return TLS1_2_VERSION;
    if (v == GW_TLS_V1_3) return TLS1_3_VERSION;
    return -1;
}

gw_tls_ctx *gw_tls_ctx_create(const gw_tls_config *config, int is_server, char *err, size_t err_len)
{
    int minv = proto_version(config->min_version, TLS1_2_VERSION);
    int maxv = proto_version(config->max_version, TLS1_3_VERSION);
    if (minv < 0 || maxv < 0 || minv > maxv) {
        snprintf(err, err_len, "TLS versions must be 12 or 13 with min <= max (got %d..%d)", config->min_version,
                 config->max_version);
        return NULL;
    }
    if (is_server && (config->cert_file == NULL || config->key_file == NULL)) {
        snprintf(err, err_len, "a TLS server needs cert_file and key_file");
        return NULL;
    }
    if (config->verify_peer && config->ca_file == NULL) {
        snprintf(err, err_len, "verify_peer needs ca_file");
        return NULL;
    }
    ERR_clear_error();
    SSL_CTX *ctx = SSL_CTX_new(is_server ? TLS_server_method() : TLS_client_method());
    if (ctx == NULL) {
        openssl_error_text("SSL_CTX_new", err, err_len);
        return NULL;
    }
    (void)SSL_CTX_set_min_proto_version(ctx, minv);
    (void)SSL_CTX_set_max_proto_version(ctx, maxv);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
    /* The gateway keeps no TLS session cache (members reconnect rarely; resumption is not worth the state). */
    (void)SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    if (config->ciphers != NULL && SSL_CTX_set_cipher_list(ctx, config->ciphers) != 1) {
        openssl_error_text("cipher list", err, err_len);
        SSL_CTX_free(ctx);
        return NULL;
    }
    if (config->cert_file != NULL) {
        if (SSL_CTX_use_certificate_chain_file(ctx, config->cert_file) != 1) {
            openssl_error_text(config->cert_file, err, err_len);
            SSL_CTX_free(ctx);
            return NULL;
        }
        if (config->key_file == NULL || SSL_CTX_use_PrivateKey_file(ctx, config->key_file, SSL_FILETYPE_PEM) != 1) {
            openssl_error_text(config->key_file != NULL ? config->key_file : "key_file missing", err, err_len);
            SSL_CTX_free(ctx);
            return NULL;
        }
        if (SSL_CTX_check_private_key(ctx) != 1) {
            openssl_error_text("key does not match certificate", err, err_len);
            SSL_CTX_free(ctx);
            return NULL;
        }
    }
    if (config->ca_file != NULL) {
        if (SSL_CTX_load_verify_locations(ctx, config->ca_file, NULL) != 1) {
            openssl_error_text(config->ca_file, err, err_len);
            SSL_CTX_free(ctx);
            return NULL;
        }
        if (is_server) {
            STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(config->ca_file);
            if (names != NULL) SSL_CTX_set_client_CA_list(ctx, names);
        }
    }
    if (config->verify_peer) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | (is_server ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), NULL);
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    }
    gw_tls_ctx *t = (gw_tls_ctx *)OPENSSL_zalloc(sizeof *t);
    if (t == NULL) {
        SSL_CTX_free(ctx);
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    t->ctx = ctx;
    t->is_server = is_server != 0;
    t->verify_peer = config->verify_peer != 0;
    return t;
}

void gw_tls_ctx_free(gw_tls_ctx *ctx)
{
    if (ctx == NULL) return;
    SSL_CTX_free(ctx->ctx);
    OPENSSL_free(ctx);
}

int gw_tls_ctx_is_server(const gw_tls_ctx *ctx) { return ctx->is_server; }

gw_ssl *gw_tls_new(gw_tls_ctx *ctx, int fd, const char *server_name, char *err, size_t err_len)
{
    ERR_clear_error();
    SSL *ssl = SSL_new(ctx->ctx);
    if (ssl == NULL) {
        openssl_error_text("SSL_new", err, err_len);
        return NULL;
    }
    if (SSL_set_fd(ssl, fd) != 1) {
        openssl_error_text("SSL_set_fd", err, err_len);
        SSL_free(ssl);
        return NULL;
    }
    if (ctx->is_server) {
        SSL_set_accept_state(ssl);
    } else {
        SSL_set_connect_state(ssl);
        if (server_name != NULL && server_name[0] != '\0') {
            (void)SSL_set_tlsext_host_name(ssl, server_name);
            if (ctx->verify_peer && SSL_set1_host(ssl, server_name) != 1) {
                openssl_error_text("SSL_set1_host", err, err_len);
                SSL_free(ssl);
                return NULL;
            }
        }
    }
    return ssl;
}

void gw_tls_free(gw_ssl *ssl) { SSL_free(ssl); }

static int map_result(SSL *ssl, int r)
{
    int e = SSL_get_error(ssl, r);
    switch (e) {
    case SSL_ERROR_WANT_READ: return GW_TLS_WANT_READ;
    case SSL_ERROR_WANT_WRITE: return GW_TLS_WANT_WRITE;
    case SSL_ERROR_ZERO_RETURN: return GW_TLS_CLOSED;
    default:
        gw_tls_last_ssl_error = e;
        gw_tls_last_errno = errno;
        return GW_TLS_ERROR;
    }
}

int gw_tls_handshake(gw_ssl *ssl)
{
    ERR_clear_error();
    int r = SSL_do_handshake(ssl);
    return r == 1 ? GW_TLS_DONE : map_result(ssl, r);
}

int gw_tls_read(gw_ssl *ssl, uint8_t *buf, size_t len)
{
    size_t n = 0;
    ERR_clear_error();
    int r = SSL_read_ex(ssl, buf, len, &n);
    if (r == 1) return (int)n; /* len is bounded by the receive buffer (< 2^31) */
    return map_result(ssl, r);
}

int gw_tls_write(gw_ssl *ssl, const uint8_t *buf, size_t len)
{
    size_t n = 0;
    ERR_clear_error();
    int r = SSL_write_ex(ssl, buf, len, &n);
    if (r == 1) return (int)n;
    return map_result(ssl, r);
}

int gw_tls_pending(gw_ssl *ssl) { return SSL_pending(ssl) > 0 || SSL_has_pending(ssl); }

void gw_tls_shutdown(gw_ssl *ssl)
{
    ERR_clear_error();
    if ((SSL_get_shutdown(ssl) & SSL_SENT_SHUTDOWN) == 0 && SSL_is_init_finished(ssl)) (void)SSL_shutdown(ssl);
    ERR_clear_error();
}

size_t gw_tls_peer_subject(gw_ssl *ssl, char *out, size_t out_len)
{
    if (out_len == 0) return 0;
    out[0] = '\0';
    X509 *cert = SSL_get0_peer_certificate(ssl);
    if (cert == NULL || SSL_get_verify_result(ssl) != X509_V_OK) return 0;
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL) return 0;
    size_t n = 0;
    if (X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0) {
        int r = BIO_read(bio, out, (int)(out_len - 1));
        if (r > 0) n = (size_t)r;
    }
    out[n] = '\0';
    BIO_free(bio);
    return n;
}

const char *gw_tls_version(gw_ssl *ssl) { return SSL_get_version(ssl); }

int gw_tls_error(gw_ssl *ssl, char *out, size_t out_len)
{
    unsigned long e = ERR_peek_last_error();
    int code = -1;
    char buf[256];
    buf[0] = '\0';
    if (e != 0) {
        code = -(int)ERR_GET_REASON(e);
        if (code == 0) code = -1;
        ERR_error_string_n(e, buf, sizeof buf);
    } else if (gw_tls_last_ssl_error == SSL_ERROR_SYSCALL) {
        code = gw_tls_last_errno != 0 ? gw_tls_last_errno : ECONNRESET;
        snprintf(buf, sizeof buf, "%s", gw_tls_last_errno != 0 ? strerror(gw_tls_last_errno) : "unexpected EOF");
    } else {
        snprintf(buf, sizeof buf, "SSL error %d", gw_tls_last_ssl_error);
    }
    long vr = ssl != NULL ? SSL_get_verify_result(ssl) : X509_V_OK;
    if (out != NULL && out_len > 0) {
        if (vr != X509_V_OK) {
            snprintf(out, out_len, "%s (certificate verify: %s)", buf, X509_verify_cert_error_string(vr));
        } else {
            snprintf(out, out_len, "%s", buf);
        }
    }
    ERR_clear_error();
    return code;
}
