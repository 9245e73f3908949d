#include "codec_support.h"

#include <stddef.h>

struct gw_codec_error_info {
    const char *name;
    const char *text;
};

/* Must match C_ERRORS in codegen/targets/c/common.ts (checked by native/test/test_codec_support.c). */
static const struct gw_codec_error_info k_errors[GW_CODEC_ERROR_COUNT] = {
    [GW_CODEC_OK] = { "OK", "no error" },
    [GW_CODEC_E_SHORT_BUFFER] = { "E_SHORT_BUFFER", "access would pass the end of the buffer" },
    [GW_CODEC_E_TEMPLATE_MISMATCH] = { "E_TEMPLATE_MISMATCH", "message header templateId does not match the message" },
    [GW_CODEC_E_SCHEMA_MISMATCH] = { "E_SCHEMA_MISMATCH", "message header schemaId does not match the schema" },
    [GW_CODEC_E_NOT_PRESENT] = { "E_NOT_PRESENT", "element is not present in the acting version or block" },
    [GW_CODEC_E_INDEX_OUT_OF_RANGE] = { "E_INDEX_OUT_OF_RANGE", "array index out of range" },
    [GW_CODEC_E_VALUE_TOO_LONG] = { "E_VALUE_TOO_LONG", "value is longer than the fixed-length field" },
    [GW_CODEC_E_DST_TOO_SMALL] = { "E_DST_TOO_SMALL", "destination buffer is too small" },
    [GW_CODEC_E_VAR_DATA_TOO_LONG] = { "E_VAR_DATA_TOO_LONG", "var data length exceeds the maximum of its length type" },
    [GW_CODEC_E_COUNT_OUT_OF_RANGE] = { "E_COUNT_OUT_OF_RANGE", "group count outside the numInGroup range" },
    [GW_CODEC_E_GROUP_EXHAUSTED] = { "E_GROUP_EXHAUSTED", "next called after the last group entry" },
    [GW_CODEC_E_UNKNOWN_ENUM_VALUE] = { "E_UNKNOWN_ENUM_VALUE", "enum code is not a valid value" },
};

const char *gw_codec_strerror(int code)
{
    if (code < 0 || code >= GW_CODEC_ERROR_COUNT) return "unknown error";
    return k_errors[code].text;
}

const char *gw_codec_error_name(int code)
{
    if (code < 0 || code >= GW_CODEC_ERROR_COUNT) return NULL;
    return k_errors[code].name;
}
