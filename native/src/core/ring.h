/*
 * SPSC ring of variable-length frames between exactly one producer thread and one consumer thread
 * (native agent -> JS for inbound, JS -> native tx agent for outbound). The memory layout is a
 * contract shared with src/native/ring.ts, which reads it through typed arrays without copying.
 *
 * Layout of the shared region (GW_RING_META_BYTES + capacity bytes, 64-byte aligned):
 *   offset   0  uint32 tail     bytes published by the producer (wraps modulo 2^32; release store)
 *   offset 128  uint32 head     bytes consumed by the consumer  (wraps modulo 2^32; release store)
 *   offset 256  uint32 parked   doorbell: 1 while the consumer is (about to be) parked, else 0
 *   offset 260  uint32 capacity bytes of the data area: power of two, 4 KiB .. 1 GiB
 *   offset 264  uint32 magic    GW_RING_MAGIC
 *   offset 268  uint32 max_frame largest frame (header + payload, before padding) the ring accepts
 *   offset 384  data[capacity]
 * head and tail sit 128 bytes apart (two cache lines: adjacent-line prefetch) so the two threads
 * never write the same line. Positions are 32-bit so that JS can read them with Atomics.load on an
 * Int32Array without allocating (a 64-bit read would allocate a BigInt).
 *
 * Frames: a 32-byte gateway.internal FrameHeader (schemas/gateway-internal.xml) + payload, each
 * frame starting at an 8-byte aligned position; frameLength excludes the padding to 8. A frame never
 * wraps: when it would not fit before the end of the data area the producer writes a Padding frame
 * (frameType 0) to the end and starts the frame at offset 0. A Padding frame's frameLength is exactly
 * the bytes to the end of the data area (8 .. max_frame, multiple of 8); when that is less than 32
 * only frameLength and frameType are written. Padding carries sequence 0 and does not consume one.
 * The producer writes whole frames, then
 * publishes them all with one release store of tail (batching); the consumer reads frames in
 * [head, tail) and releases them with one store of head per poll.
 *
 * Doorbell (wake-up of a parked consumer; costs one relaxed load per publish while the consumer
 * is busy): the consumer stores parked = 1, issues a full fence, re-reads tail, and parks only if
 * still empty. The producer, after publishing, issues a full fence and reads parked; if 1 it
 * exchanges it to 0 and calls the doorbell function (e.g. uv_async_send in the binding).
 *
 * Threads: gw_ring_try_claim/gw_ring_publish on the producer thread only; gw_ring_poll on the
 * consumer thread only. init before either thread starts.
 */
#ifndef GATEWAY_RING_H
#define GATEWAY_RING_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GW_RING_META_BYTES 384u
#define GW_RING_TAIL_OFFSET 0u
#define GW_RING_HEAD_OFFSET 128u
#define GW_RING_PARKED_OFFSET 256u
#define GW_RING_CAPACITY_OFFSET 260u
#define GW_RING_MAGIC_OFFSET 264u
#define GW_RING_MAX_FRAME_OFFSET 268u
#define GW_RING_MAGIC 0x31525747u /* "GWR1" little-endian */
#define GW_RING_MIN_CAPACITY 4096u
#define GW_RING_MAX_CAPACITY (1u << 30)
#define GW_FRAME_HEADER_BYTES 32u
#define GW_FRAME_ALIGN 8u

/* Return codes (hot path: codes, not errors). */
#define GW_RING_OK 0
#define GW_RING_BACK_PRESSURED (-1) /* no room now; retry after the consumer advances */
#define GW_RING_TOO_LARGE (-2)      /* frame larger than max_frame: can never fit */
#define GW_RING_INVALID (-3)        /* bad arguments to init */
#define GW_RING_CORRUPT (-4)        /* consumer found a frame violating the layout: the ring is dead */

typedef void (*gw_doorbell_fn)(void *ctx);

/* Producer or consumer handle over a shared region. Not shared between threads: each side has its
 * own handle (gw_ring_attach) over the same memory, so the private cached positions never bounce. */
typedef struct gw_ring {
    uint8_t *base;   /* start of the shared region (meta) */
    uint8_t *data;   /* base + GW_RING_META_BYTES */
    uint32_t capacity;
    uint32_t mask;
    uint32_t max_frame;
    uint32_t position;      /* producer: next write position (claimed, maybe unpublished); consumer: unused */
    uint32_t cached_limit;  /* producer: last head seen + capacity; consumer: last tail seen */
    uint64_t next_sequence; /* producer: FrameHeader.sequence of the next frame, from 1 */
    gw_doorbell_fn doorbell;
    void *doorbell_ctx;
    uint32_t last_claim;    /* producer: position of the most recently claimed frame's header */
    int32_t error;          /* consumer: GW_RING_OK, or GW_RING_CORRUPT once a bad frame was seen */
} gw_ring;

/* Bytes of shared memory a ring of `capacity` data bytes needs. */
size_t gw_ring_region_bytes(uint32_t capacity);

/* Formats the region (zeroes it, writes capacity, max_frame, magic). capacity: power of two within
 * [GW_RING_MIN_CAPACITY, GW_RING_MAX_CAPACITY]; max_frame <= capacity / 2. Returns GW_RING_OK or
 * GW_RING_INVALID. Call before either side attaches. */
int gw_ring_format(void *region, uint32_t capacity, uint32_t max_frame);

/* Attaches a handle to a formatted region (checks magic); GW_RING_OK or GW_RING_INVALID. */
int gw_ring_attach(gw_ring *r, void *region);

/* Producer: doorbell called (on the producer thread) when a publish finds the consumer parked. */
void gw_ring_set_doorbell(gw_ring *r, gw_doorbell_fn fn, void *ctx);

/* Producer: claims a frame of GW_FRAME_HEADER_BYTES + payload_length bytes and fills its header
 * (frameLength, frameType, flags 0, connectionId, sessionId, receiveTimestampNs, sequence). Returns
 * the payload pointer (8-byte aligned, payload_length writable bytes) or NULL with *rc set to
 * GW_RING_BACK_PRESSURED or GW_RING_TOO_LARGE. The frame is invisible until gw_ring_publish. */
uint8_t *gw_ring_try_claim(gw_ring *r, uint16_t frame_type, uint32_t payload_length, uint32_t connection_id,
                           uint32_t session_id, uint64_t receive_timestamp_ns, int *rc);

/* Producer: the header of the most recently claimed frame (to set flags or shrink frameLength with
 * gw_ring_shrink_last before publishing). */
uint8_t *gw_ring_last_frame(gw_ring *r);

/* Producer: shrinks the last claimed (unpublished) frame's payload to payload_length (<= claimed). */
void gw_ring_shrink_last(gw_ring *r, uint32_t payload_length);

/* Producer: makes every claimed frame visible (one release store) and rings the doorbell if the
 * consumer is parked. Returns the number of bytes published since the previous call. */
uint32_t gw_ring_publish(gw_ring *r);

/* Consumer: calls handler for up to `limit` frames (Padding frames are skipped and not counted),
 * then releases them. handler gets the frame start (header) and its frameLength; the memory is
 * valid until gw_ring_poll returns. Returns the number of frames handled. */
typedef void (*gw_frame_handler)(void *ctx, const uint8_t *frame, uint32_t frame_length);
uint32_t gw_ring_poll(gw_ring *r, gw_frame_handler handler, void *ctx, uint32_t limit);

/* Consumer: GW_RING_OK, or GW_RING_CORRUPT after gw_ring_poll met a frame that breaks the layout
 * (length out of bounds, misaligned, a frame or padding crossing the end or the tail, tail - head >
 * capacity). The frames before it were handled and released; gw_ring_poll then returns 0 forever
 * and reads nothing more (the producer is broken or the memory was overwritten: fatal). */
int gw_ring_error(const gw_ring *r);

/* Either side: bytes published and not yet consumed (a snapshot). */
uint32_t gw_ring_occupancy(const gw_ring *r);

/* Consumer: announces an intention to park. Returns 1 when the caller may park (parked flag set,
 * ring still empty after the fence), 0 when frames arrived meanwhile (flag cleared again). */
int gw_ring_prepare_park(gw_ring *r);

#ifdef __cplusplus
}
#endif

#endif /* GATEWAY_RING_H */
