/* Batch framing into ring frames (gw_fix_frame_batch, fix_framer.h). */
#include <string.h>

#include "fix_framer.h"

static void st16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void st32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void st64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* FrameHeader at p; returns the padded frame size. */
static size_t put_frame_header(uint8_t *p, size_t payload, uint32_t type, uint64_t sequence, uint64_t ts)
{
    size_t len = GW_FIX_FRAME_HEADER_BYTES + payload;
    st32(p, (uint32_t)len);
    st16(p + 4, type);
    st16(p + 6, 0);
    st32(p + 8, 0);           /* connectionId */
    st32(p + 12, 0xFFFFFFFFu); /* sessionId null */
    st64(p + 16, ts);
    st64(p + 24, sequence);
    size_t padded = (len + 7u) & ~(size_t)7u;
    memset(p + len, 0, padded - len);
    return padded;
}

void gw_fix_frame_batch(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, const gw_fix_limits *limits,
                        uint64_t first_sequence, uint64_t timestamp_ns, gw_fix_batch_result *res)
{
    gw_fix_framer f;
    gw_fix_framer_init(&f, limits);
    size_t consumed = 0, used = 0, frames = 0;
    for (;;) {
        gw_fix_frame_result r;
        gw_fix_framer_next(&f, in + consumed, in_len - consumed, &r);
        if (r.kind == GW_FIX_NEED_MORE) break;
        if (out_cap - used < GW_FIX_FRAME_HEADER_BYTES + 8u) break;
        uint8_t *frame = out + used;
        size_t room = out_cap - used - GW_FIX_FRAME_HEADER_BYTES;
        size_t payload;
        uint32_t type;
        if (r.kind == GW_FIX_MESSAGE) {
            payload = gw_fix_write_payload(in + consumed, r.length, f.limits.max_fields,
                                           frame + GW_FIX_FRAME_HEADER_BYTES, room);
            if (payload == 0) break;
            type = GW_FIX_FRAME_TYPE_FIX_MESSAGE;
        } else {
            uint32_t sample = r.length < GW_FIX_GARBLED_SAMPLE_MAX ? r.length : GW_FIX_GARBLED_SAMPLE_MAX;
            payload = 16u + sample;
            if (payload > room) break;
            uint8_t *g = frame + GW_FIX_FRAME_HEADER_BYTES;
            st64(g, r.stream_offset);
            st32(g + 8, r.length);
            g[12] = r.reason;
            g[13] = 0;
            st16(g + 14, sample);
            memcpy(g + 16, in + consumed, sample);
            type = GW_FIX_FRAME_TYPE_FIX_GARBLED;
        }
        size_t padded_payload = ((GW_FIX_FRAME_HEADER_BYTES + payload + 7u) & ~(size_t)7u) - GW_FIX_FRAME_HEADER_BYTES;
        if (padded_payload > room) break;
        used += put_frame_header(frame, payload, type, first_sequence + frames, timestamp_ns);
        frames++;
        consumed += r.length;
    }
    res->frames = frames;
    res->consumed = consumed;
    res->used = used;
}
