/*
 * Body of the FIX indexer, instantiated once per dictionary by fix_index.c (include only there).
 * Parameters: GW_IDX_FN (function name), GW_D(name) (dictionary symbol, e.g. gw_fix44_##name),
 * GW_DT(name) (dictionary macro, e.g. GW_FIX44_##name), GW_IDX_CLS(tag) (class byte of a tag, GW_CLS_*),
 * GW_IDX_GROUPS (1: walk groups and check header/trailer placement with the dictionary; 0: flat,
 * only 8/9/35 first and 10 last).
 *
 * Two passes, with the result of one pass over the fields in the old single-pass order:
 *  1. tokens: every field's tag, value offset and length into `out` (next = the following field),
 *     with the problems found there (invalid tag, DATA length, empty value, too many fields). The
 *     common field goes through tokens_fast (fix_index.c); the byte-by-byte code below takes the
 *     rest and defines the semantics;
 *  2. structure: reads the tags back from `out` and walks header/body/trailer and the repeating
 *     groups, rewriting `next` of group counts and entries.
 * The reported problem is the first one in the order a single pass would meet them: per field,
 * pass-1 problems before pass-2 ones; a pass-2 problem found at field i wins over a pass-1 problem
 * of a later field (each pass records its first problem and the field it was found at).
 * The fast paths (tag table, SWAR digits, class byte, member hint) only short-cut the byte-by-byte
 * tag parse and the generated lookups.
 */
static size_t GW_IDX_FN(const uint8_t *raw, uint32_t raw_len, uint32_t max_fields, uint8_t *out, size_t out_cap,
                        uint8_t dictionary)
{
    const size_t fixed = GW_FIX_INDEX_HEADER_BYTES + (size_t)raw_len;
    /* Fields that fit in out (the caller checked out_cap >= fixed). */
    const size_t room = (out_cap - fixed) / GW_FIX_FIELD_BYTES;
    const uint32_t fit = room < max_fields ? (uint32_t)room : max_fields;
    gw_problem p1 = {0, 0, 0}; /* first pass-1 problem, found at field p1.field (always its own field) */
    uint32_t n = 0;

    /* ---------------------------------------------------------------- pass 1: tokens */
    {
        gw_cursor cur;
        cursor_init(&cur, raw, raw_len);
        uint32_t wbase = cur.base, wspan = cur.end - cur.base;
        uint32_t pos = 0;
        uint32_t last_len = UINT32_MAX; /* index of the last LENGTH field (UINT32_MAX: none) */
        for (;;) {
            /* Common fields: tokens_fast, when the mask window holds the whole message. */
            if (cur.base == 0 && cur.end == raw_len)
                pos = tokens_fast(raw, &cur, GW_IDX_TAG_TABLE, GW_IDX_CLS_TABLE, pos, &n, fit, out, &last_len);
            if (pos >= raw_len) break;
            if (__builtin_expect(n >= fit, 0)) {
                if (n < max_fields) return 0; /* out too small */
                problem(&p1, GW_FIX_PROBLEM_TOO_MANY_FIELDS, 0, n);
                break;
            }
            /* What tokens_fast does not take (tags of 5-9 digits, invalid tags, empty values, DATA
             * fields, messages larger than the mask window), byte by byte.
             * Tag: 1-9 digits without a leading zero, then '='; value up to the next SOH. */
            uint32_t tag = 0;
            uint32_t vstart, vend;
            uint32_t p = pos;
            int tag_ok = 0;
            uint32_t d = (uint32_t)raw[p] - (uint32_t)'1';
            if (d < 9u) {
                tag = d + 1u;
                p++;
                const uint32_t lim = raw_len - pos > 9u ? pos + 9u : raw_len;
                while (p < lim && (d = (uint32_t)raw[p] - (uint32_t)'0') <= 9u) {
                    tag = tag * 10u + d;
                    p++;
                }
                tag_ok = p < raw_len && raw[p] == (uint8_t)'=';
            }
            if (tag_ok) {
                vstart = p + 1u;
                vend = cursor_next_w(&cur, 0, vstart, &wbase, &wspan);
            } else {
                /* Invalid tag: the value starts after the first '=' before the SOH (empty if none). */
                tag = 0;
                uint32_t soh = cursor_next_w(&cur, 0, pos, &wbase, &wspan);
                uint32_t eq = cursor_next_w(&cur, 1, pos, &wbase, &wspan);
                vstart = eq < soh ? eq + 1u : soh;
                vend = soh;
                problem(&p1, GW_FIX_PROBLEM_INVALID_TAG_NUMBER, 0, n);
            }
            const unsigned ftype = tag != 0 ? GW_D(field_info_of)(tag) & GW_DT(INFO_TYPE_MASK) : 0u;
            if (ftype == GW_DT(TYPE_DATA) || ftype == GW_DT(TYPE_XMLDATA)) {
                /* Length from the last LENGTH field, if it is this DATA field's one and a number. */
                uint32_t len_tag = 0, len_val = 0;
                if (last_len != UINT32_MAX) {
                    const uint8_t *lf = out + GW_FIX_INDEX_HEADER_BYTES + (size_t)GW_FIX_FIELD_BYTES * last_len;
                    if (parse_uint(raw + get_u32(lf + 4u), get_u32(lf + 8u), &len_val)) len_tag = get_u32(lf);
                }
                uint32_t lt = GW_D(data_length_tag)(tag);
                if (lt != 0 && len_tag == lt && len_val <= raw_len - vstart &&
                    (vstart + len_val == raw_len || raw[vstart + len_val] == SOH)) {
                    vend = vstart + len_val;
                } else {
                    problem(&p1, GW_FIX_PROBLEM_DATA_LENGTH_MISMATCH, tag, n);
                }
            } else if (ftype == GW_DT(TYPE_LENGTH)) {
                last_len = n;
            }
            const uint32_t vlen = vend - vstart;
            if (__builtin_expect(vlen == 0, 0) && tag != 0) problem(&p1, GW_FIX_PROBLEM_TAG_WITHOUT_VALUE, tag, n);
            put_field(out, n, tag, vstart, vlen, n + 1u);
            n++;
            pos = vend + 1u;
        }
    }

    /* ---------------------------------------------------------------- pass 2: structure */
    gw_problem p2 = {0, 0, 0};
    uint32_t p2_at = 0; /* field at which p2 was found (n for the groups still open at the end) */
#define GW_P2(what, t, f, at)                                                                                \
    do {                                                                                                        \
        if (p2.problem == GW_FIX_PROBLEM_NONE) {                                                                \
            p2.problem = (uint8_t)(what);                                                                       \
            p2.tag = (t);                                                                                       \
            p2.field = (f);                                                                                     \
            p2_at = (at);                                                                                       \
        }                                                                                                       \
    } while (0)
    const uint8_t *fields = out + GW_FIX_INDEX_HEADER_BYTES;
    uint8_t mt_len = 0;
#if GW_IDX_GROUPS
    int msg = -1;
#endif
    const uint32_t head = n < 3u ? n : 3u;
    for (uint32_t i = 0; i < head; i++) {
        static const uint32_t first[3] = {8u, 9u, 35u};
        const uint32_t tag = get_u32(fields + GW_FIX_FIELD_BYTES * i);
        if (tag != first[i]) GW_P2(GW_FIX_PROBLEM_HEADER_FIELD_OUT_OF_ORDER, tag, i, i);
        if (i == 2u && tag == 35u) {
            const uint32_t vlen = get_u32(fields + GW_FIX_FIELD_BYTES * i + 8u);
            mt_len = (uint8_t)(vlen > 255u ? 255u : vlen);
#if GW_IDX_GROUPS
            const uint32_t vstart = get_u32(fields + GW_FIX_FIELD_BYTES * i + 4u);
            msg = GW_D(message)((const char *)(const void *)(raw + vstart), vlen);
#endif
        }
    }
#if GW_IDX_GROUPS
    int section = 0; /* 0 header, 1 body, 2 trailer */
    gw_level stack[GW_FIX_MAX_GROUP_DEPTH]; /* the open groups around `top` */
    gw_level top = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}; /* the innermost open group (depth > 0), in locals */
    uint32_t depth = 0;
    for (uint32_t i = head; i < n; i++) {
        const uint8_t *f = fields + GW_FIX_FIELD_BYTES * i;
        const uint32_t tag = get_u32(f);
        const unsigned cls = GW_IDX_CLS(tag);
        /* Common case: a body field outside any group. */
        if (__builtin_expect(depth == 0 && (cls & (GW_CLS_HEADER | GW_CLS_TRAILER | GW_CLS_SPECIAL)) == 0, 1)) {
            if (section == 2) GW_P2(GW_FIX_PROBLEM_HEADER_FIELD_OUT_OF_ORDER, tag, i, i);
            section = 1;
            continue;
        }
        for (;;) {
            if (depth == 0) {
                int container;
                if ((cls & (GW_CLS_HEADER | GW_CLS_TRAILER)) == 0) {
                    if (section == 2) GW_P2(GW_FIX_PROBLEM_HEADER_FIELD_OUT_OF_ORDER, tag, i, i);
                    section = 1;
                    container = msg;
                } else if (cls & GW_CLS_HEADER) {
                    if (section != 0) GW_P2(GW_FIX_PROBLEM_HEADER_FIELD_OUT_OF_ORDER, tag, i, i);
                    container = GW_DT(CONTAINER_HEADER);
                } else {
                    section = 2;
                    container = GW_DT(CONTAINER_TRAILER);
                    /* 10 must be the last field: its value ends at the message's last SOH. */
                    if (tag == 10u && get_u32(f + 4u) + get_u32(f + 8u) + 1u < raw_len)
                        GW_P2(GW_FIX_PROBLEM_HEADER_FIELD_OUT_OF_ORDER, tag, i, i);
                }
                /* Only a NumInGroup tag looks its group up. */
                if ((cls & GW_CLS_SPECIAL) != 0 && container >= 0 &&
                    (GW_D(field_info_of)(tag) & GW_DT(INFO_TYPE_MASK)) == GW_DT(TYPE_NUMINGROUP)) {
                    int g = GW_D(group)(container, tag);
                    if (g >= 0)
                        open_group(stack, &top, &depth, &p2, &p2_at, g, GW_D(group_delimiter)(g), GW_D(container_start)[g],
                                   GW_D(container_start)[g + 1], raw, get_u32(f + 4u), get_u32(f + 8u), tag, i);
                }
                break;
            }
            gw_level *l = &top;
            /* Member lookup: the member after the previous one, no lookup for a tag that is in no
             * group, the delimiter, a linear scan (small groups) or a few members further on and
             * then the hash (tags are unique within a container, so every way gives the same k). */
            int k;
            const uint32_t hint = l->hint;
            if (hint < l->end_k && GW_D(member_tag)[hint] == tag) k = (int)hint;
            else if ((cls & GW_CLS_MEMBER) == 0) k = -1;
            else if (tag == l->delimiter) k = (int)l->first_k;
            else if (l->end_k - l->first_k <= GW_IDX_LINEAR_MEMBERS) {
                k = -1;
                for (uint32_t j = l->first_k + 1u; j < l->end_k; j++) {
                    if (GW_D(member_tag)[j] == tag) {
                        k = (int)j;
                        break;
                    }
                }
            } else {
                k = -2;
                const uint32_t stop = l->end_k - hint > GW_IDX_FORWARD_MEMBERS ? hint + GW_IDX_FORWARD_MEMBERS : l->end_k;
                for (uint32_t j = hint + 1u; j < stop; j++) {
                    if (GW_D(member_tag)[j] == tag) {
                        k = (int)j;
                        break;
                    }
                }
                if (k == -2) k = tag != 0 ? GW_D(member)(l->group, tag) : -1;
            }
            if (k >= 0) {
                l->hint = (uint32_t)k + 1u;
                if (tag == l->delimiter) {
                    if (l->entries > 0) set_next(out, l->entry_first, i);
                    l->entries++;
                    l->entry_first = i;
                } else if (__builtin_expect(l->entries == 0, 0)) {
                    GW_P2(GW_FIX_PROBLEM_GROUP_FIELD_ORDER, tag, i, i);
                    l->entries = 1;
                    l->entry_first = i;
                }
                if ((cls & GW_CLS_SPECIAL) != 0) { /* set for every tag that opens a group somewhere */
                    int g = GW_D(member_group)(k);
                    if (g >= 0)
                        open_group(stack, &top, &depth, &p2, &p2_at, g, GW_D(group_delimiter)(g), GW_D(container_start)[g],
                                   GW_D(container_start)[g + 1], raw, get_u32(f + 4u), get_u32(f + 8u), tag, i);
                }
                break;
            }
            close_group(out, stack, &top, &depth, &p2, &p2_at, i);
        }
    }
    while (depth > 0) close_group(out, stack, &top, &depth, &p2, &p2_at, n);
#else
    for (uint32_t i = head; i < n; i++) {
        const uint8_t *f = fields + GW_FIX_FIELD_BYTES * i;
        const uint32_t tag = get_u32(f);
        if (tag == 10u && get_u32(f + 4u) + get_u32(f + 8u) + 1u < raw_len)
            GW_P2(GW_FIX_PROBLEM_HEADER_FIELD_OUT_OF_ORDER, tag, i, i);
        if (tag == 8u || tag == 9u || tag == 35u) GW_P2(GW_FIX_PROBLEM_HEADER_FIELD_OUT_OF_ORDER, tag, i, i);
    }
#endif
#undef GW_P2
    /* The first problem in single-pass order (pass 1 first at the same field). */
    const gw_problem *pr = p1.problem != GW_FIX_PROBLEM_NONE && (p2.problem == GW_FIX_PROBLEM_NONE || p1.field <= p2_at)
                               ? &p1
                               : &p2;
    if (fixed + (size_t)GW_FIX_FIELD_BYTES * n > out_cap) return 0;
    put_header(out, raw_len, n, pr, dictionary, mt_len);
    memcpy(out + GW_FIX_INDEX_HEADER_BYTES + (size_t)GW_FIX_FIELD_BYTES * n, raw, raw_len);
    return fixed + (size_t)GW_FIX_FIELD_BYTES * n;
}
