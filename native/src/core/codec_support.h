/*
 * Support for the generated SBE C codecs (native/generated/, test/generated/c/).
 *
 * Every generated schema defines <P>_SBE_OK and <P>_SBE_E_* with the numbers below (the C target of
 * codegen emits them from one table, codegen/targets/c/common.ts C_ERRORS); native/test checks that
 * the two agree. A failed codec call returns false/NULL and leaves the code in the flyweight's
 * `error` member; gw_codec_strerror turns it into text for logs and for the TS side.
 */
#ifndef GATEWAY_CODEC_SUPPORT_H
#define GATEWAY_CODEC_SUPPORT_H

#ifdef __cplusplus
extern "C" {
#endif

enum gw_codec_error {
    GW_CODEC_OK = 0,
    GW_CODEC_E_SHORT_BUFFER = 1,
    GW_CODEC_E_TEMPLATE_MISMATCH = 2,
    GW_CODEC_E_SCHEMA_MISMATCH = 3,
    GW_CODEC_E_NOT_PRESENT = 4,
    GW_CODEC_E_INDEX_OUT_OF_RANGE = 5,
    GW_CODEC_E_VALUE_TOO_LONG = 6,
    GW_CODEC_E_DST_TOO_SMALL = 7,
    GW_CODEC_E_VAR_DATA_TOO_LONG = 8,
    GW_CODEC_E_COUNT_OUT_OF_RANGE = 9,
    GW_CODEC_E_GROUP_EXHAUSTED = 10,
    GW_CODEC_E_UNKNOWN_ENUM_VALUE = 11,
    /** One past the last code. */
    GW_CODEC_ERROR_COUNT = 12
};

/** Human-readable text of a codec error code ("unknown error" outside the table). Never NULL. */
const char *gw_codec_strerror(int code);

/** Symbolic name of a codec error code, e.g. "E_SHORT_BUFFER"; NULL outside the table. */
const char *gw_codec_error_name(int code);

#ifdef __cplusplus
}
#endif

#endif /* GATEWAY_CODEC_SUPPORT_H */
