/*
 * SPSC frame ring (contract and layout: ring.h). The shared words (tail, head, parked) are C11
 * atomics reached through casts of the region; every other byte is plain memory whose visibility is
 * ordered by the release store of tail (producer -> consumer) and of head (consumer -> producer).
 *
 * Threads: a gw_ring handle belongs to one side (producer or consumer) and is never shared.
 */
#include "ring.h"

#include <stdatomic.h>
#include <string.h>

#include "gateway-internal/gateway_internal_FrameType.h"

/* FrameHeader field offsets (schemas/gateway-internal.xml). native/test/test_ring.c checks every one
 * against the generated codec (gateway_internal_FrameHeader_*_encoding_offset). */
#define FH_FRAME_LENGTH 0u
#define FH_FRAME_TYPE 4u
#define FH_FLAGS 6u
#define FH_CONNECTION_ID 8u
#define FH_SESSION_ID 12u
#define FH_RECEIVE_TIMESTAMP 16u
#define FH_SEQUENCE 24u

_Static_assert(GW_FRAME_HEADER_BYTES == 32u, "FrameHeader is 32 bytes");
_Static_assert(FH_SEQUENCE + 8u == GW_FRAME_HEADER_BYTES, "FrameHeader ends with sequence");
_Static_assert(GW_RING_HEAD_OFFSET - GW_RING_TAIL_OFFSET >= 128u, "head and tail on separate 128-byte spans");
_Static_assert(GW_RING_PARKED_OFFSET - GW_RING_HEAD_OFFSET >= 128u, "parked away from head");
_Static_assert(GW_RING_META_BYTES % 64u == 0u && GW_RING_META_BYTES >= GW_RING_MAX_FRAME_OFFSET + 4u, "meta size");
_Static_assert(gateway_internal_FrameType_Padding == 0, "Padding is frame type 0");
_Static_assert(sizeof(atomic_uint) == sizeof(uint32_t), "atomic_uint is a plain 32-bit word");
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the ring stores FrameHeader fields in host order: little-endian hosts only"
#endif

#define FRAME_PADDING 0u

static inline atomic_uint *word(uint8_t *base, uint32_t offset)
{
    return (atomic_uint *)(void *)(base + offset);
}

static inline uint32_t align8(uint32_t n)
{
    return (n + (GW_FRAME_ALIGN - 1u)) & ~(GW_FRAME_ALIGN - 1u);
}

static inline void put_u16(uint8_t *p, uint16_t v) { memcpy(p, &v, sizeof v); }
static inline void put_u32(uint8_t *p, uint32_t v) { memcpy(p, &v, sizeof v); }
static inline void put_u64(uint8_t *p, uint64_t v) { memcpy(p, &v, sizeof v); }
static inline uint32_t get_u32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline uint16_t get_u16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

size_t gw_ring_region_bytes(uint32_t capacity)
{
    return (size_t)GW_RING_META_BYTES + (size_t)capacity;
}

int gw_ring_format(void *region, uint32_t capacity, uint32_t max_frame)
{
    if (region == NULL || ((uintptr_t)region & 63u) != 0u) return GW_RING_INVALID;
    if (capacity < GW_RING_MIN_CAPACITY || capacity > GW_RING_MAX_CAPACITY || (capacity & (capacity - 1u)) != 0u)
        return GW_RING_INVALID;
    if (max_frame < GW_FRAME_HEADER_BYTES || max_frame > capacity / 2u) return GW_RING_INVALID;
    uint8_t *base = (uint8_t *)region;
    memset(base, 0, gw_ring_region_bytes(capacity));
    put_u32(base + GW_RING_CAPACITY_OFFSET, capacity);
    put_u32(base + GW_RING_MAX_FRAME_OFFSET, max_frame);
    /* Magic last, released: a side that sees it sees the rest. */
    atomic_store_explicit(word(base, GW_RING_MAGIC_OFFSET), GW_RING_MAGIC, memory_order_release);
    return GW_RING_OK;
}

int gw_ring_attach(gw_ring *r, void *region)
{
    if (r == NULL || region == NULL || ((uintptr_t)region & 63u) != 0u) return GW_RING_INVALID;
    uint8_t *base = (uint8_t *)region;
    if (atomic_load_explicit(word(base, GW_RING_MAGIC_OFFSET), memory_order_acquire) != GW_RING_MAGIC)
        return GW_RING_INVALID;
    const uint32_t capacity = get_u32(base + GW_RING_CAPACITY_OFFSET);
    const uint32_t max_frame = get_u32(base + GW_RING_MAX_FRAME_OFFSET);
    if (capacity < GW_RING_MIN_CAPACITY || capacity > GW_RING_MAX_CAPACITY || (capacity & (capacity - 1u)) != 0u ||
        max_frame < GW_FRAME_HEADER_BYTES || max_frame > capacity / 2u)
        return GW_RING_INVALID;
    memset(r, 0, sizeof *r);
    r->base = base;
    r->data = base + GW_RING_META_BYTES;
    r->capacity = capacity;
    r->mask = capacity - 1u;
    r->max_frame = max_frame;
    /* A producer may attach to a ring that already carried frames (e.g. a restarted agent): continue
     * from the published tail. Sequences restart at 1 per handle. */
    r->position = atomic_load_explicit(word(base, GW_RING_TAIL_OFFSET), memory_order_acquire);
    r->last_claim = r->position;
    r->cached_limit = atomic_load_explicit(word(base, GW_RING_HEAD_OFFSET), memory_order_acquire) + capacity;
    r->next_sequence = 1;
    r->error = GW_RING_OK;
    return GW_RING_OK;
}

void gw_ring_set_doorbell(gw_ring *r, gw_doorbell_fn fn, void *ctx)
{
    r->doorbell = fn;
    r->doorbell_ctx = ctx;
}

uint8_t *gw_ring_try_claim(gw_ring *r, uint16_t frame_type, uint32_t payload_length, uint32_t connection_id,
                           uint32_t session_id, uint64_t receive_timestamp_ns, int *rc)
{
    if (payload_length > r->max_frame - GW_FRAME_HEADER_BYTES) {
        *rc = GW_RING_TOO_LARGE;
        return NULL;
    }
    const uint32_t frame_length = GW_FRAME_HEADER_BYTES + payload_length;
    const uint32_t aligned = align8(frame_length);
    uint32_t position = r->position;
    const uint32_t offset = position & r->mask;
    const uint32_t to_end = r->capacity - offset;
    const uint32_t required = aligned <= to_end ? aligned : to_end + aligned;
    if (required > r->cached_limit - position) {
        r->cached_limit =
            atomic_load_explicit(word(r->base, GW_RING_HEAD_OFFSET), memory_order_acquire) + r->capacity;
        if (required > r->cached_limit - position) {
            *rc = GW_RING_BACK_PRESSURED;
            return NULL;
        }
    }
    uint8_t *frame;
    if (aligned > to_end) {
        uint8_t *pad = r->data + offset;
        if (to_end >= GW_FRAME_HEADER_BYTES) memset(pad, 0, GW_FRAME_HEADER_BYTES);
        put_u32(pad + FH_FRAME_LENGTH, to_end);
        put_u16(pad + FH_FRAME_TYPE, (uint16_t)FRAME_PADDING);
        position += to_end;
        frame = r->data;
    } else {
        frame = r->data + offset;
    }
    put_u32(frame + FH_FRAME_LENGTH, frame_length);
    put_u16(frame + FH_FRAME_TYPE, frame_type);
    put_u16(frame + FH_FLAGS, 0);
    put_u32(frame + FH_CONNECTION_ID, connection_id);
    put_u32(frame + FH_SESSION_ID, session_id);
    put_u64(frame + FH_RECEIVE_TIMESTAMP, receive_timestamp_ns);
    put_u64(frame + FH_SEQUENCE, r->next_sequence++);
    r->last_claim = position;
    r->position = position + aligned;
    *rc = GW_RING_OK;
    return frame + GW_FRAME_HEADER_BYTES;
}

uint8_t *gw_ring_last_frame(gw_ring *r)
{
    return r->data + (r->last_claim & r->mask);
}

void gw_ring_shrink_last(gw_ring *r, uint32_t payload_length)
{
    uint8_t *frame = gw_ring_last_frame(r);
    const uint32_t claimed = get_u32(frame + FH_FRAME_LENGTH);
    const uint32_t frame_length = GW_FRAME_HEADER_BYTES + payload_length;
    if (frame_length >= claimed) return; /* only shrinks */
    put_u32(frame + FH_FRAME_LENGTH, frame_length);
    r->position = r->last_claim + align8(frame_length);
}

uint32_t gw_ring_publish(gw_ring *r)
{
    atomic_uint *tail = word(r->base, GW_RING_TAIL_OFFSET);
    const uint32_t published = atomic_load_explicit(tail, memory_order_relaxed); /* we are its only writer */
    const uint32_t bytes = r->position - published;
    if (bytes == 0u) return 0u;
    atomic_store_explicit(tail, r->position, memory_order_release);
    /* Dekker with gw_ring_prepare_park: our tail store and the consumer's parked store are both
     * followed by a full fence before the other word is read, so at least one side sees the other. */
    atomic_thread_fence(memory_order_seq_cst);
    atomic_uint *parked = word(r->base, GW_RING_PARKED_OFFSET);
    if (atomic_load_explicit(parked, memory_order_relaxed) != 0u &&
        atomic_exchange_explicit(parked, 0u, memory_order_acq_rel) != 0u && r->doorbell != NULL) {
        r->doorbell(r->doorbell_ctx);
    }
    return bytes;
}

uint32_t gw_ring_poll(gw_ring *r, gw_frame_handler handler, void *ctx, uint32_t limit)
{
    if (r->error != GW_RING_OK) return 0u;
    atomic_uint *head_word = word(r->base, GW_RING_HEAD_OFFSET);
    const uint32_t head = atomic_load_explicit(head_word, memory_order_relaxed); /* we are its only writer */
    const uint32_t tail = atomic_load_explicit(word(r->base, GW_RING_TAIL_OFFSET), memory_order_acquire);
    const uint32_t available = tail - head;
    if (available == 0u) return 0u;
    if (available > r->capacity || (available & (GW_FRAME_ALIGN - 1u)) != 0u || (head & (GW_FRAME_ALIGN - 1u)) != 0u) {
        r->error = GW_RING_CORRUPT;
        return 0u;
    }
    uint32_t position = head;
    uint32_t count = 0;
    while (count < limit && position != tail) {
        const uint32_t offset = position & r->mask;
        const uint32_t to_end = r->capacity - offset;
        const uint32_t remaining = tail - position;
        const uint8_t *frame = r->data + offset;
        const uint32_t frame_length = get_u32(frame + FH_FRAME_LENGTH);
        const uint32_t aligned = align8(frame_length);
        if (get_u16(frame + FH_FRAME_TYPE) == FRAME_PADDING) {
            if (frame_length != to_end || frame_length > remaining) goto corrupt;
            position += frame_length;
            continue;
        }
        if (frame_length < GW_FRAME_HEADER_BYTES || frame_length > r->max_frame || aligned > to_end ||
            aligned > remaining)
            goto corrupt;
        handler(ctx, frame, frame_length);
        position += aligned;
        count++;
    }
    atomic_store_explicit(head_word, position, memory_order_release);
    return count;
corrupt:
    /* Release what was handled; the bad frame and everything after it stay unread forever. */
    atomic_store_explicit(head_word, position, memory_order_release);
    r->error = GW_RING_CORRUPT;
    return count;
}

int gw_ring_error(const gw_ring *r)
{
    return r->error;
}

uint32_t gw_ring_occupancy(const gw_ring *r)
{
    const uint32_t tail = atomic_load_explicit(word(r->base, GW_RING_TAIL_OFFSET), memory_order_acquire);
    const uint32_t head = atomic_load_explicit(word(r->base, GW_RING_HEAD_OFFSET), memory_order_acquire);
    return tail - head;
}

int gw_ring_prepare_park(gw_ring *r)
{
    atomic_uint *parked = word(r->base, GW_RING_PARKED_OFFSET);
    atomic_store_explicit(parked, 1u, memory_order_relaxed);
    atomic_thread_fence(memory_order_seq_cst);
    const uint32_t tail = atomic_load_explicit(word(r->base, GW_RING_TAIL_OFFSET), memory_order_acquire);
    const uint32_t head = atomic_load_explicit(word(r->base, GW_RING_HEAD_OFFSET), memory_order_relaxed);
    if (tail != head) {
        /* Frames arrived: do not park. The producer may still ring once for this announcement (a
         * spurious wake-up, harmless). */
        atomic_store_explicit(parked, 0u, memory_order_relaxed);
        return 0;
    }
    return 1;
}
