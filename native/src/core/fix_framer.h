/*
 * FIX framing (message boundaries in a byte stream) and indexing (every field's tag, value offset and
 * length, with repeating-group links) without allocation.
 *
 * Framer: gw_fix_framer_next checks 8=FIX..., 9=<digits>, 35 as third field, 10=NNN<SOH> exactly at
 * BodyLength and the CheckSum. Garbled input is discarded (see gw_fix_framer_next) and reported with a
 * FixGarbledReason (schemas/gateway-internal.xml) and its stream offset.
 *
 * Indexer: gw_fix_write_payload writes the payload of a FixMessage ring frame (FixIndexHeader,
 * FixField[fieldCount], raw bytes; layout in schemas/gateway-internal.xml), little-endian.
 */
#ifndef GW_FIX_FRAMER_H
#define GW_FIX_FRAMER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Defaults used when limits are NULL or a limit is 0. */
#define GW_FIX_DEFAULT_MAX_MESSAGE_BYTES (1u << 20)
#define GW_FIX_DEFAULT_MAX_FIELDS 1024u
/* Deepest nesting of repeating groups the indexer walks (deeper: FixIndexProblem GroupTooDeep). The
 * real dictionaries nest less deeply; a test builds the indexer with a smaller value to reach it. */
#ifndef GW_FIX_MAX_GROUP_DEPTH
#define GW_FIX_MAX_GROUP_DEPTH 8u
#endif
/* Longest BeginString value accepted ("FIXT.1.1" is 8). */
#define GW_FIX_MAX_BEGIN_STRING 16u

/* FixGarbledReason values (schemas/gateway-internal.xml). */
enum {
    GW_FIX_GARBLED_BAD_BEGIN_STRING = 1,
    GW_FIX_GARBLED_BAD_BODY_LENGTH = 2,
    GW_FIX_GARBLED_BODY_LENGTH_MISMATCH = 3,
    GW_FIX_GARBLED_BAD_CHECKSUM_FIELD = 4,
    GW_FIX_GARBLED_CHECKSUM_MISMATCH = 5,
    GW_FIX_GARBLED_MSG_TYPE_NOT_THIRD = 6,
    GW_FIX_GARBLED_MESSAGE_TOO_LARGE = 7
};

/* FixIndexProblem values (schemas/gateway-internal.xml). */
enum {
    GW_FIX_PROBLEM_NONE = 0,
    GW_FIX_PROBLEM_INVALID_TAG_NUMBER = 1,
    GW_FIX_PROBLEM_TAG_WITHOUT_VALUE = 2,
    GW_FIX_PROBLEM_HEADER_FIELD_OUT_OF_ORDER = 3,
    GW_FIX_PROBLEM_NUM_IN_GROUP_MISMATCH = 4,
    GW_FIX_PROBLEM_GROUP_FIELD_ORDER = 5,
    GW_FIX_PROBLEM_DATA_LENGTH_MISMATCH = 6,
    GW_FIX_PROBLEM_TOO_MANY_FIELDS = 7,
    GW_FIX_PROBLEM_GROUP_TOO_DEEP = 8
};

/* FixDictionary values. */
enum { GW_FIX_DICT_UNKNOWN = 0, GW_FIX_DICT_FIX44 = 1, GW_FIX_DICT_FIXT11_FIX50SP2 = 2 };

typedef struct gw_fix_limits {
    uint32_t max_message_bytes; /* whole message, 8= through the SOH after 10=NNN; 0 = default */
    uint16_t max_fields;        /* fields indexed per message; 0 = default */
} gw_fix_limits;

/*
 * Framing state of one inbound byte stream (one connection). Owned by the thread reading it
 * (rx agent); not thread-safe. Plain data: no resources, nothing to free.
 */
typedef struct gw_fix_framer {
    gw_fix_limits limits;
    uint64_t stream_offset; /* stream offset of the caller's buf[0] */
    uint32_t total;         /* length of the message at buf[0] once 8= and 9= are parsed; 0 = not yet */
    uint32_t body_start;    /* offset of the byte after 9=<digits><SOH> (valid when total != 0) */
    uint8_t msg_type_seen;  /* "35=" checked at body_start */
} gw_fix_framer;

/* limits may be NULL (defaults). Resets the stream offset to 0. */
void gw_fix_framer_init(gw_fix_framer *f, const gw_fix_limits *limits);

enum { GW_FIX_NEED_MORE = 0, GW_FIX_MESSAGE = 1, GW_FIX_GARBLED = 2 };

typedef struct gw_fix_frame_result {
    int kind;               /* GW_FIX_NEED_MORE | GW_FIX_MESSAGE | GW_FIX_GARBLED */
    uint32_t length;        /* MESSAGE: bytes of the message at buf[0]; GARBLED: bytes to discard at buf[0] */
    uint8_t reason;         /* GARBLED: a FixGarbledReason value; else 0 */
    uint64_t stream_offset; /* offset of buf[0] in the connection's stream */
} gw_fix_frame_result;

/*
 * Looks at the unconsumed bytes buf[0..len). After MESSAGE or GARBLED the caller MUST drop exactly
 * `length` bytes from the front before the next call (the framer advances its stream offset by
 * that much); after NEED_MORE it calls again with the same bytes plus more. Once 8= and 9= are
 * parsed the message length is kept, so a partial message is not re-scanned. GARBLED discards up
 * to the next "8=FIX" (at least 1 byte; when none is in buf, all but a tail that could start one),
 * except BodyLengthMismatch, BadChecksumField and ChecksumMismatch, found once the whole declared
 * message is there: they discard up to the end of the first "<SOH>10=...<SOH>" at or after the declared
 * end, as QuickFIX does (a too-long BodyLength swallows the next message; NEED_MORE until that trailer
 * arrives, at most max_message_bytes). Never reads outside buf[0..len).
 */
void gw_fix_framer_next(gw_fix_framer *f, const uint8_t *buf, size_t len, gw_fix_frame_result *out);

/* Largest payload gw_fix_write_payload can write for raw_len bytes and max_fields fields. */
size_t gw_fix_payload_bound(uint32_t raw_len, uint16_t max_fields);

/*
 * Indexes one complete framed message raw[0..raw_len) into out (FixMessage payload layout).
 * Returns the bytes written, or 0 when out_cap is too small. Robust to arbitrary input (never
 * reads outside raw, never writes outside out). max_fields 0 = default. Never allocates.
 * Dictionary from BeginString: FIX.4.4 -> Fix44, FIXT.1.1 -> Fixt11Fix50Sp2, else Unknown (flat,
 * no group structure; DATA fields still read by the FIX 4.4 LENGTH pairs, which all versions share).
 */
size_t gw_fix_write_payload(const uint8_t *raw, uint32_t raw_len, uint16_t max_fields, uint8_t *out,
                            size_t out_cap);

/*
 * Frames and indexes every complete message in in[0..in_len) (which starts at a message boundary or
 * at garbage; stream offsets are relative to in[0]) into `out` as a sequence of ring frames: the
 * 32-byte FrameHeader of schemas/gateway-internal.xml (frameType FixMessage or FixGarbled, flags 0,
 * connectionId 0, sessionId null, receiveTimestampNs = timestamp_ns, sequence from first_sequence),
 * the payload, zero padding to a multiple of 8. FixGarbled payload = FixGarbledHeader + at most 256
 * bytes of the discarded input. Stops at the first incomplete message or when the next frame does
 * not fit. Returns the number of frames; *consumed = input bytes used, *used = output bytes written.
 * Used by the JS binding (fixFrameBatch) and tests; an rx agent does the same into its ring.
 */
typedef struct gw_fix_batch_result {
    size_t frames;
    size_t consumed;
    size_t used;
} gw_fix_batch_result;
void gw_fix_frame_batch(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, const gw_fix_limits *limits,
                        uint64_t first_sequence, uint64_t timestamp_ns, gw_fix_batch_result *res);

#define GW_FIX_FRAME_HEADER_BYTES 32u
#define GW_FIX_FRAME_TYPE_FIX_MESSAGE 1u
#define GW_FIX_FRAME_TYPE_FIX_GARBLED 7u
#define GW_FIX_GARBLED_SAMPLE_MAX 256u

/* Offsets in the payload (little-endian). */
#define GW_FIX_INDEX_HEADER_BYTES 16u
#define GW_FIX_FIELD_BYTES 16u

#ifdef __cplusplus
}
#endif

#endif /* GW_FIX_FRAMER_H */
