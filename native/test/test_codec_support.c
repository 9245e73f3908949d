/* The core's codec error table agrees with the codes and texts every generated schema defines. */
#include <string.h>

#include "codec_support.h"
#include "example-schema/baseline_sbe.h"
#include "group-with-data-schema/group_with_data_sbe.h"
#include "test_util.h"

_Static_assert(BASELINE_SBE_OK == GW_CODEC_OK, "OK");
_Static_assert(BASELINE_SBE_E_SHORT_BUFFER == GW_CODEC_E_SHORT_BUFFER, "E_SHORT_BUFFER");
_Static_assert(BASELINE_SBE_E_TEMPLATE_MISMATCH == GW_CODEC_E_TEMPLATE_MISMATCH, "E_TEMPLATE_MISMATCH");
_Static_assert(BASELINE_SBE_E_SCHEMA_MISMATCH == GW_CODEC_E_SCHEMA_MISMATCH, "E_SCHEMA_MISMATCH");
_Static_assert(BASELINE_SBE_E_NOT_PRESENT == GW_CODEC_E_NOT_PRESENT, "E_NOT_PRESENT");
_Static_assert(BASELINE_SBE_E_INDEX_OUT_OF_RANGE == GW_CODEC_E_INDEX_OUT_OF_RANGE, "E_INDEX_OUT_OF_RANGE");
_Static_assert(BASELINE_SBE_E_VALUE_TOO_LONG == GW_CODEC_E_VALUE_TOO_LONG, "E_VALUE_TOO_LONG");
_Static_assert(BASELINE_SBE_E_DST_TOO_SMALL == GW_CODEC_E_DST_TOO_SMALL, "E_DST_TOO_SMALL");
_Static_assert(BASELINE_SBE_E_VAR_DATA_TOO_LONG == GW_CODEC_E_VAR_DATA_TOO_LONG, "E_VAR_DATA_TOO_LONG");
_Static_assert(BASELINE_SBE_E_COUNT_OUT_OF_RANGE == GW_CODEC_E_COUNT_OUT_OF_RANGE, "E_COUNT_OUT_OF_RANGE");
_Static_assert(BASELINE_SBE_E_GROUP_EXHAUSTED == GW_CODEC_E_GROUP_EXHAUSTED, "E_GROUP_EXHAUSTED");
_Static_assert(BASELINE_SBE_E_UNKNOWN_ENUM_VALUE == GW_CODEC_E_UNKNOWN_ENUM_VALUE, "E_UNKNOWN_ENUM_VALUE");

int main(void)
{
    for (int code = -1; code <= GW_CODEC_ERROR_COUNT; code++) {
        EXPECT(strcmp(gw_codec_strerror(code), baseline_sbe_strerror(code)) == 0);
        EXPECT(strcmp(gw_codec_strerror(code), group_with_data_sbe_strerror(code)) == 0);
        EXPECT((gw_codec_error_name(code) != NULL) == (code >= 0 && code < GW_CODEC_ERROR_COUNT));
    }
    EXPECT(strcmp(gw_codec_strerror(GW_CODEC_ERROR_COUNT), "unknown error") == 0);
    EXPECT(strcmp(gw_codec_error_name(GW_CODEC_E_SHORT_BUFFER), "E_SHORT_BUFFER") == 0);
    TEST_MAIN_END();
}
