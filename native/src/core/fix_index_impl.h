/*
 * Body of the FIX indexer, instantiated once per dictionary by fix_index.c (include only there).
 * Parameters: GW_IDX_FN (function name), GW_D(name) (dictionary symbol, e.g. gw_fix44_##name),
 * GW_DT(name) (dictionary macro, e.g. GW_FIX44_##name), GW_IDX_GROUPS (1: walk groups and check
 * header/trailer placement with the dictionary; 0: flat, only 8/9/35 first and 10 last).
 */
static size_t GW_IDX_FN(const uint8_t *raw, uint32_t raw_len, uint32_t max_fields, uint8_t *out, size_t out_cap,
                        uint8_t dictionary)
{
    gw_cursor cur;
    cursor_init(&cur, raw, raw_len);
    gw_problem pr = {0, 0, 0};
    uint32_t n = 0;
    uint32_t pos = 0;
    uint8_t mt_len = 0;
    uint32_t len_tag = 0, len_val = 0; /* last LENGTH field: its tag and value (len_tag 0: none/invalid) */
    const size_t fixed = GW_FIX_INDEX_HEADER_BYTES + (size_t)raw_len;
    /* Fields that fit in out (the caller checked out_cap >= fixed). */
    const size_t room = (out_cap - fixed) / GW_FIX_FIELD_BYTES;
    const uint32_t fit = room < max_fields ? (uint32_t)room : max_fields;
    /* Field types that need more than the common path. */
    const uint64_t special = (1ull << GW_DT(TYPE_DATA)) | (1ull << GW_DT(TYPE_XMLDATA)) |
                             (1ull << GW_DT(TYPE_LENGTH)) | (1ull << GW_DT(TYPE_NUMINGROUP));
#if GW_IDX_GROUPS
    int msg = -1;
    int section = 0; /* 0 header, 1 body, 2 trailer */
    gw_level stack[GW_FIX_MAX_GROUP_DEPTH];
    uint32_t depth = 0;
#endif
    while (pos < raw_len) {
        if (n >= fit) {
            if (n < max_fields) return 0; /* out too small */
            problem(&pr, GW_FIX_PROBLEM_TOO_MANY_FIELDS, 0, n);
            break;
        }
        /* Tag: 1-9 digits without a leading zero, then '='; parsed while scanning (tags are short). */
        uint32_t tag = 0;
        uint32_t p = pos;
        int tag_ok = 0;
        uint32_t d = (uint32_t)raw[p] - (uint32_t)'1';
        if (d < 9u) {
            tag = d + 1u;
            p++;
            if (__builtin_expect(raw_len - pos > 9u, 1)) {
                /* raw[pos..pos+9] is readable: only the digit count bounds the loop. */
                const uint32_t lim = pos + 9u;
                while ((d = (uint32_t)raw[p] - (uint32_t)'0') <= 9u && p < lim) {
                    tag = tag * 10u + d;
                    p++;
                }
                tag_ok = raw[p] == (uint8_t)'=';
            } else {
                while (p < raw_len && (d = (uint32_t)raw[p] - (uint32_t)'0') <= 9u) {
                    tag = tag * 10u + d;
                    p++;
                }
                tag_ok = p < raw_len && raw[p] == (uint8_t)'=';
            }
        }
        uint32_t vstart, vend;
        if (tag_ok) {
            vstart = p + 1u;
            vend = cursor_next(&cur, 0, vstart);
        } else {
            /* Invalid tag: the value starts after the first '=' before the SOH (empty if none). */
            tag = 0;
            uint32_t soh = cursor_next(&cur, 0, pos);
            uint32_t eq = cursor_next(&cur, 1, pos);
            vstart = eq < soh ? eq + 1u : soh;
            vend = soh;
            problem(&pr, GW_FIX_PROBLEM_INVALID_TAG_NUMBER, 0, n);
        }
        const unsigned info = tag != 0 ? GW_D(field_info_of)(tag) : 0u;
        const unsigned ftype = info & GW_DT(INFO_TYPE_MASK);
        const int is_special = ((special >> ftype) & 1u) != 0;
        if (__builtin_expect(is_special, 0)) {
            if (ftype == GW_DT(TYPE_DATA) || ftype == GW_DT(TYPE_XMLDATA)) {
                uint32_t lt = GW_D(data_length_tag)(tag);
                if (lt != 0 && len_tag == lt && len_val <= raw_len - vstart &&
                    (vstart + len_val == raw_len || raw[vstart + len_val] == SOH)) {
                    vend = vstart + len_val;
                } else {
                    problem(&pr, GW_FIX_PROBLEM_DATA_LENGTH_MISMATCH, tag, n);
                }
            } else if (ftype == GW_DT(TYPE_LENGTH)) {
                len_tag = parse_uint(raw + vstart, vend - vstart, &len_val) ? tag : 0u;
            }
        }
        const uint32_t vlen = vend - vstart;
        if (__builtin_expect(vlen == 0, 0) && tag != 0) problem(&pr, GW_FIX_PROBLEM_TAG_WITHOUT_VALUE, tag, n);
        put_field(out, n, tag, vstart, vlen, n + 1u);
        const uint32_t after = vend + 1u;
        if (n < 3u) {
            static const uint32_t first[3] = {8u, 9u, 35u};
            if (tag != first[n]) problem(&pr, GW_FIX_PROBLEM_HEADER_FIELD_OUT_OF_ORDER, tag, n);
            if (n == 2u && tag == 35u) {
                mt_len = (uint8_t)(vlen > 255u ? 255u : vlen);
#if GW_IDX_GROUPS
                msg = GW_D(message)((const char *)(const void *)(raw + vstart), vlen);
#endif
            }
        } else {
#if GW_IDX_GROUPS
            for (;;) {
                if (depth == 0) {
                    int container;
                    if (GW_D(is_header_tag)(tag)) {
                        if (section != 0) problem(&pr, GW_FIX_PROBLEM_HEADER_FIELD_OUT_OF_ORDER, tag, n);
                        container = GW_DT(CONTAINER_HEADER);
                    } else if (GW_D(is_trailer_tag)(tag)) {
                        section = 2;
                        container = GW_DT(CONTAINER_TRAILER);
                        if (tag == 10u && after < raw_len)
                            problem(&pr, GW_FIX_PROBLEM_HEADER_FIELD_OUT_OF_ORDER, tag, n);
                    } else {
                        if (section == 2) problem(&pr, GW_FIX_PROBLEM_HEADER_FIELD_OUT_OF_ORDER, tag, n);
                        section = 1;
                        container = msg;
                    }
                    if (is_special && ftype == GW_DT(TYPE_NUMINGROUP) && container >= 0) {
                        int g = GW_D(group)(container, tag);
                        if (g >= 0) open_group(stack, &depth, &pr, g, GW_D(group_delimiter)(g), GW_D(container_start)[g],
                                           GW_D(container_start)[g + 1], raw, vstart, vlen, tag, n);
                    }
                    break;
                }
                gw_level *l = &stack[depth - 1u];
                /* Member lookup: the member after the previous one, the delimiter, else the hash
                 * (tags are unique within a container, so every way gives the same k). */
                int k;
                if (l->hint < l->end_k && GW_D(member_tag)[l->hint] == tag) k = (int)l->hint;
                else if (tag == l->delimiter) k = (int)l->first_k;
                else if (l->end_k - l->first_k <= GW_IDX_LINEAR_MEMBERS) {
                    /* Small group: a linear scan beats the hash, above all for a non-member (the
                     * field after the group), which would probe a long run of slots. */
                    k = -1;
                    for (uint32_t j = l->first_k + 1u; j < l->end_k; j++) {
                        if (GW_D(member_tag)[j] == tag) {
                            k = (int)j;
                            break;
                        }
                    }
                } else k = tag != 0 ? GW_D(member)(l->group, tag) : -1;
                if (k >= 0) {
                    l->hint = (uint32_t)k + 1u;
                    if (tag == l->delimiter) {
                        if (l->entries > 0) set_next(out, l->entry_first, n);
                        l->entries++;
                        l->entry_first = n;
                    } else if (l->entries == 0) {
                        problem(&pr, GW_FIX_PROBLEM_GROUP_FIELD_ORDER, tag, n);
                        l->entries = 1;
                        l->entry_first = n;
                    }
                    int g = GW_D(member_group)(k);
                    if (g >= 0) open_group(stack, &depth, &pr, g, GW_D(group_delimiter)(g), GW_D(container_start)[g],
                                           GW_D(container_start)[g + 1], raw, vstart, vlen, tag, n);
                    break;
                }
                close_group(out, l, &pr, n);
                depth--;
            }
#else
            if (tag == 10u && after < raw_len) problem(&pr, GW_FIX_PROBLEM_HEADER_FIELD_OUT_OF_ORDER, tag, n);
            if (tag == 8u || tag == 9u || tag == 35u) problem(&pr, GW_FIX_PROBLEM_HEADER_FIELD_OUT_OF_ORDER, tag, n);
#endif
        }
        n++;
        pos = after;
    }
#if GW_IDX_GROUPS
    while (depth > 0) {
        close_group(out, &stack[depth - 1u], &pr, n);
        depth--;
    }
#endif
    if (fixed + (size_t)GW_FIX_FIELD_BYTES * n > out_cap) return 0;
    put_header(out, raw_len, n, &pr, dictionary, mt_len);
    memcpy(out + GW_FIX_INDEX_HEADER_BYTES + (size_t)GW_FIX_FIELD_BYTES * n, raw, raw_len);
    return fixed + (size_t)GW_FIX_FIELD_BYTES * n;
}
