/*
 * The generated C codec API, used by hand the way gateway code will use it: round trip, acting
 * version rules across schema versions, big-endian layout, every documented error code, and
 * bounds: truncated buffers (exact-size heap copies, so ASan/valgrind see any overrun) always fail
 * with E_SHORT_BUFFER and never touch memory outside the buffer.
 *
 * Byte-exactness against sbe-tool is proven separately by test/codegen/c-vectors.test.ts.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "composite-offsets-schema/composite_offsets_test.h"
#include "example-bigendian-test-schema/baseline_bigendian.h"
#include "example-extension-schema/extension.h"
#include "example-schema/baseline.h"
#include "group-with-data-schema/group_with_data.h"
#include "stress-schema/stress_test.h"
#include "test_util.h"

#define CAP 512

/* ------------------------------------------------------------------ the canonical Car (v0) */

static bool encode_car(uint8_t *buf, uint64_t cap, uint64_t *length)
{
    baseline_Car car;
    baseline_Engine engine;
    baseline_Booster booster;
    baseline_Car_fuelFigures ff;
    baseline_Car_performanceFigures pf;
    baseline_Car_performanceFigures_acceleration acc;
    static const char *usage[3] = { "Urban Cycle", "Combined Cycle", "Highway Cycle" };
    static const uint16_t speed[3] = { 30, 55, 75 };
    static const float mpg[3] = { 35.9f, 49.0f, 40.0f };

    if (!baseline_Car_wrap_and_apply_header(&car, buf, 0, cap)) return false;
    if (!baseline_Car_set_serialNumber(&car, 1234)) return false;
    if (!baseline_Car_set_modelYear(&car, 2013)) return false;
    if (!baseline_Car_set_available(&car, baseline_BooleanType_T)) return false;
    if (!baseline_Car_set_code(&car, baseline_Model_A)) return false;
    for (uint64_t i = 0; i < baseline_Car_someNumbers_length(); i++)
        if (!baseline_Car_set_someNumbers(&car, i, (uint32_t)(i + 1))) return false;
    if (!baseline_Car_put_vehicleCode(&car, "abcdef", 6)) return false;
    baseline_OptionalExtras extras = 0;
    extras = baseline_OptionalExtras_set_sportsPack(extras, true);
    extras = baseline_OptionalExtras_set_cruiseControl(extras, true);
    if (!baseline_Car_set_extras(&car, extras)) return false;
    if (!baseline_Car_engine(&car, &engine)) return false;
    if (!baseline_Engine_set_capacity(&engine, 2000)) return false;
    if (!baseline_Engine_set_numCylinders(&engine, 4)) return false;
    if (!baseline_Engine_put_manufacturerCode(&engine, "123", 3)) return false;
    if (!baseline_Engine_set_efficiency(&engine, 35)) return false;
    if (!baseline_Engine_set_boosterEnabled(&engine, baseline_BooleanType_T)) return false;
    if (!baseline_Engine_booster(&engine, &booster)) return false;
    if (!baseline_Booster_set_BoostType(&booster, baseline_BoostType_NITROUS)) return false;
    if (!baseline_Booster_set_horsePower(&booster, 200)) return false;

    if (!baseline_Car_fuelFigures_set_count(&car, &ff, 3)) return false;
    for (int i = 0; i < 3; i++) {
        if (!baseline_Car_fuelFigures_next(&ff)) return false;
        if (!baseline_Car_fuelFigures_set_speed(&ff, speed[i])) return false;
        if (!baseline_Car_fuelFigures_set_mpg(&ff, mpg[i])) return false;
        if (!baseline_Car_fuelFigures_put_usageDescription(&ff, usage[i], strlen(usage[i]))) return false;
    }
    if (!baseline_Car_performanceFigures_set_count(&car, &pf, 2)) return false;
    for (int i = 0; i < 2; i++) {
        if (!baseline_Car_performanceFigures_next(&pf)) return false;
        if (!baseline_Car_performanceFigures_set_octaneRating(&pf, (uint8_t)(95 + 4 * i))) return false;
        if (!baseline_Car_performanceFigures_acceleration_set_count(&pf, &acc, 3)) return false;
        for (int k = 0; k < 3; k++) {
            if (!baseline_Car_performanceFigures_acceleration_next(&acc)) return false;
            if (!baseline_Car_performanceFigures_acceleration_set_mph(&acc, (uint16_t)(30 + 30 * k))) return false;
            if (!baseline_Car_performanceFigures_acceleration_set_seconds(&acc, (float)(4 + k))) return false;
        }
    }
    if (!baseline_Car_put_manufacturer(&car, "Honda", 5)) return false;
    if (!baseline_Car_put_model(&car, "Civic VTi", 9)) return false;
    if (!baseline_Car_put_activationCode(&car, "abcdef", 6)) return false;
    *length = baseline_Car_sbe_header_size() + baseline_Car_encoded_length(&car);
    return true;
}

/* Full decode of the canonical car; returns false at the first failing call (error in *err). */
static bool decode_car(const uint8_t *buf, uint64_t len, int *err, bool check_values)
{
    baseline_Car car;
    baseline_Engine engine;
    baseline_Booster booster;
    baseline_Car_fuelFigures ff;
    baseline_Car_performanceFigures pf;
    baseline_Car_performanceFigures_acceleration acc;
    baseline_BooleanType b;
    baseline_Model model;
    baseline_BoostType boost;
    char text[64];
    uint64_t n = 0;
    uint32_t num = 0;

#define STEP(call, fw)        \
    do {                      \
        if (!(call)) {        \
            *err = (fw).error; \
            return false;     \
        }                     \
    } while (0)

    STEP(baseline_Car_wrap_and_check_header(&car, buf, 0, len), car);
    if (check_values) {
        EXPECT_EQ_U64(baseline_Car_serialNumber(&car), 1234);
        EXPECT_EQ_U64(baseline_Car_modelYear(&car), 2013);
    }
    STEP(baseline_Car_available(&car, &b), car);
    STEP(baseline_Car_code(&car, &model), car);
    STEP(baseline_Car_someNumbers(&car, 3, &num), car);
    STEP(baseline_Car_get_vehicleCode(&car, text, sizeof text), car);
    if (check_values) {
        EXPECT(b == baseline_BooleanType_T);
        EXPECT(model == baseline_Model_A);
        EXPECT_EQ_U64(num, 4);
        EXPECT(memcmp(text, "abcdef", 6) == 0);
        EXPECT_EQ_U64(baseline_Car_vehicleCode_string_length(&car), 6);
        EXPECT(baseline_OptionalExtras_cruiseControl(baseline_Car_extras(&car)));
        EXPECT(!baseline_OptionalExtras_sunRoof(baseline_Car_extras(&car)));
        EXPECT(baseline_Car_discountedModel() == baseline_Model_C);
    }
    STEP(baseline_Car_engine(&car, &engine), car);
    STEP(baseline_Engine_booster(&engine, &booster), engine);
    STEP(baseline_Booster_BoostType(&booster, &boost), booster);
    if (check_values) {
        EXPECT_EQ_U64(baseline_Engine_capacity(&engine), 2000);
        EXPECT_EQ_U64(baseline_Engine_maxRpm(), 9000);
        EXPECT(strcmp(baseline_Engine_fuel(), "Petrol") == 0 && baseline_Engine_fuel_length() == 6);
        EXPECT_EQ_U64(baseline_Engine_manufacturerCode_string_length(&engine), 3);
        EXPECT(boost == baseline_BoostType_NITROUS);
        EXPECT_EQ_U64(baseline_Booster_horsePower(&booster), 200);
    }
    STEP(baseline_Car_get_fuelFigures(&car, &ff), car);
    if (check_values) EXPECT_EQ_U64(baseline_Car_fuelFigures_count(&ff), 3);
    while (baseline_Car_fuelFigures_has_next(&ff)) {
        STEP(baseline_Car_fuelFigures_next(&ff), ff);
        STEP(baseline_Car_fuelFigures_get_usageDescription(&ff, text, sizeof text, &n), ff);
        if (check_values && ff.index == 2) {
            EXPECT_EQ_U64(baseline_Car_fuelFigures_speed(&ff), 55);
            EXPECT(baseline_Car_fuelFigures_mpg(&ff) == 49.0f);
            EXPECT(n == 14 && memcmp(text, "Combined Cycle", 14) == 0);
        }
    }
    STEP(baseline_Car_get_performanceFigures(&car, &pf), car);
    while (baseline_Car_performanceFigures_has_next(&pf)) {
        STEP(baseline_Car_performanceFigures_next(&pf), pf);
        STEP(baseline_Car_performanceFigures_get_acceleration(&pf, &acc), pf);
        while (baseline_Car_performanceFigures_acceleration_has_next(&acc)) {
            STEP(baseline_Car_performanceFigures_acceleration_next(&acc), acc);
            if (check_values && pf.index == 2 && acc.index == 3) {
                EXPECT_EQ_U64(baseline_Car_performanceFigures_octaneRating(&pf), 99);
                EXPECT_EQ_U64(baseline_Car_performanceFigures_acceleration_mph(&acc), 90);
                EXPECT(baseline_Car_performanceFigures_acceleration_seconds(&acc) == 6.0f);
            }
        }
    }
    const char *p = baseline_Car_manufacturer(&car, &n);
    STEP(p != NULL, car);
    if (check_values) EXPECT(n == 5 && memcmp(p, "Honda", 5) == 0);
    if (check_values) EXPECT_EQ_U64(baseline_Car_model_length(&car), 9);
    STEP(baseline_Car_skip_model(&car), car);
    STEP(baseline_Car_get_activationCode(&car, text, sizeof text, &n), car);
    if (check_values) {
        EXPECT(n == 6 && memcmp(text, "abcdef", 6) == 0);
        EXPECT_EQ_U64(baseline_Car_sbe_header_size() + baseline_Car_encoded_length(&car), len);
    }
#undef STEP
    return true;
}

static void test_round_trip_and_garbage_free_encoding(void)
{
    uint8_t a[CAP], b[CAP];
    uint64_t la = 0, lb = 0;
    int err = 0;
    memset(a, 0x00, sizeof a);
    memset(b, 0xEE, sizeof b); /* encoding must not depend on what was in the buffer */
    EXPECT(encode_car(a, sizeof a, &la));
    EXPECT(encode_car(b, sizeof b, &lb));
    EXPECT_EQ_U64(la, 207);
    EXPECT(la == lb && memcmp(a, b, (size_t)la) == 0);
    EXPECT(decode_car(a, la, &err, true));
}

static void test_truncation(void)
{
    uint8_t full[CAP];
    uint64_t len = 0;
    EXPECT(encode_car(full, sizeof full, &len));
    for (uint64_t l = 0; l < len; l++) {
        uint8_t *copy = (uint8_t *)malloc(l > 0 ? (size_t)l : 1);
        int err = -1;
        memcpy(copy, full, (size_t)l);
        EXPECT(!decode_car(copy, l, &err, false));
        EXPECT_EQ_U64(err, BASELINE_SBE_E_SHORT_BUFFER);
        uint64_t written = 0;
        EXPECT(!encode_car(copy, l, &written));
        free(copy);
    }
}

/* ------------------------------------------------------------------ errors */

static void test_errors(void)
{
    uint8_t buf[CAP];
    uint64_t len = 0;
    baseline_Car car;
    baseline_Car_fuelFigures ff;
    uint32_t num = 0;
    char small[4];

    EXPECT(encode_car(buf, sizeof buf, &len));
    EXPECT(baseline_Car_wrap_and_check_header(&car, buf, 0, len));

    EXPECT(!baseline_Car_someNumbers(&car, 4, &num));
    EXPECT_EQ_U64(car.error, BASELINE_SBE_E_INDEX_OUT_OF_RANGE);
    EXPECT(!baseline_Car_set_someNumbers(&car, 99, 1));
    EXPECT_EQ_U64(car.error, BASELINE_SBE_E_INDEX_OUT_OF_RANGE);
    EXPECT(!baseline_Car_put_vehicleCode(&car, "abcdefg", 7));
    EXPECT_EQ_U64(car.error, BASELINE_SBE_E_VALUE_TOO_LONG);
    EXPECT(!baseline_Car_get_vehicleCode(&car, small, sizeof small));
    EXPECT_EQ_U64(car.error, BASELINE_SBE_E_DST_TOO_SMALL);

    /* Short values are NUL padded. */
    EXPECT(baseline_Car_put_vehicleCode(&car, "xy", 2));
    EXPECT_EQ_U64(baseline_Car_vehicleCode_string_length(&car), 2);
    EXPECT(memcmp(baseline_Car_vehicleCode_buffer(&car), "xy\0\0\0\0", 6) == 0);

    /* An unknown enum code is reported, the raw code stays readable. */
    buf[8 + 10] = 7; /* available: BooleanType at offset 10 */
    baseline_BooleanType bt;
    EXPECT(!baseline_Car_available(&car, &bt));
    EXPECT_EQ_U64(car.error, BASELINE_SBE_E_UNKNOWN_ENUM_VALUE);
    EXPECT_EQ_U64(baseline_Car_available_raw(&car), 7);
    EXPECT(strcmp(baseline_sbe_strerror(car.error), "enum code is not a valid value") == 0);
    buf[8 + 10] = 1;

    /* Groups: count limits, iteration past the end, accessors before next read null. */
    EXPECT(baseline_Car_get_fuelFigures(&car, &ff));
    EXPECT_EQ_U64(baseline_Car_fuelFigures_speed(&ff), baseline_Car_fuelFigures_speed_null_value());
    EXPECT(isnan(baseline_Car_fuelFigures_mpg(&ff)));
    uint8_t enc[CAP];
    baseline_Car out;
    EXPECT(baseline_Car_wrap_and_apply_header(&out, enc, 0, sizeof enc));
    EXPECT(!baseline_Car_fuelFigures_set_count(&out, &ff, 65535));
    EXPECT_EQ_U64(out.error, BASELINE_SBE_E_COUNT_OUT_OF_RANGE);
    EXPECT(baseline_Car_fuelFigures_set_count(&out, &ff, 1));
    EXPECT(baseline_Car_fuelFigures_next(&ff));
    EXPECT(!baseline_Car_fuelFigures_next(&ff));
    EXPECT_EQ_U64(ff.error, BASELINE_SBE_E_GROUP_EXHAUSTED);

    /* Var data: length over the type's maxValue, destination too small (position unchanged). */
    baseline_Car_performanceFigures pf;
    EXPECT(baseline_Car_fuelFigures_put_usageDescription(&ff, "x", 1));
    EXPECT(baseline_Car_performanceFigures_set_count(&out, &pf, 0));
    EXPECT(!baseline_Car_put_manufacturer(&out, "x", UINT64_C(1073741825)));
    EXPECT_EQ_U64(out.error, BASELINE_SBE_E_VAR_DATA_TOO_LONG);
    uint64_t before = out.position;
    EXPECT(baseline_Car_put_manufacturer(&out, "Honda", 5));
    out.position = before;
    EXPECT(!baseline_Car_get_manufacturer(&out, small, sizeof small, NULL));
    EXPECT_EQ_U64(out.error, BASELINE_SBE_E_DST_TOO_SMALL);
    EXPECT_EQ_U64(out.position, before);
    baseline_sbe_store_u32(enc + before, UINT32_C(1073741825));
    uint64_t n = 0;
    EXPECT(baseline_Car_manufacturer(&out, &n) == NULL);
    EXPECT_EQ_U64(out.error, BASELINE_SBE_E_VAR_DATA_TOO_LONG);

    /* Header checks. */
    EXPECT(!baseline_Car_wrap_and_check_header(&car, buf, 0, 7));
    EXPECT_EQ_U64(car.error, BASELINE_SBE_E_SHORT_BUFFER);
    buf[2] = 9; /* templateId */
    EXPECT(!baseline_Car_wrap_and_check_header(&car, buf, 0, len));
    EXPECT_EQ_U64(car.error, BASELINE_SBE_E_TEMPLATE_MISMATCH);
    buf[2] = 1;
    buf[4] = 9; /* schemaId */
    EXPECT(!baseline_Car_wrap_and_check_header(&car, buf, 0, len));
    EXPECT_EQ_U64(car.error, BASELINE_SBE_E_SCHEMA_MISMATCH);
    buf[4] = 1;

    /* After a failed wrap every accessor fails or reads null, and nothing is read out of bounds. */
    EXPECT(!baseline_Car_wrap_for_decode(&car, buf, 8, 1000, 0, len));
    EXPECT_EQ_U64(baseline_Car_serialNumber(&car), baseline_Car_serialNumber_null_value());
    EXPECT(!baseline_Car_get_fuelFigures(&car, &ff));
    EXPECT(baseline_Car_manufacturer(&car, &n) == NULL);
    baseline_Engine engine;
    EXPECT(!baseline_Car_engine(&car, &engine));
    EXPECT_EQ_U64(car.error, BASELINE_SBE_E_NOT_PRESENT);
    EXPECT(!baseline_Car_set_modelYear(&car, 1));
    EXPECT_EQ_U64(car.error, BASELINE_SBE_E_NOT_PRESENT);
}

/* ------------------------------------------------------------------ versions */

static void test_versions(void)
{
    uint8_t buf[CAP];
    uint64_t len = 0;
    int err = 0;

    /* v1 decoder reading a v0 message: the v1 fields are absent and read as null. */
    EXPECT(encode_car(buf, sizeof buf, &len));
    extension_Car v1;
    EXPECT(extension_Car_wrap_and_check_header(&v1, buf, 0, len));
    EXPECT_EQ_U64(v1.acting_version, 0);
    EXPECT(!extension_Car_uuid_in_acting_version(&v1));
    EXPECT(extension_Car_uuid_is_null(&v1));
    int64_t u = 0;
    EXPECT(extension_Car_uuid(&v1, 1, &u));
    EXPECT(u == INT64_MIN);
    EXPECT(extension_Car_cupHolderCount_is_null(&v1));
    EXPECT_EQ_U64(extension_Car_cupHolderCount(&v1), 255);
    EXPECT(!extension_Car_set_cupHolderCount(&v1, 3));
    EXPECT_EQ_U64(v1.error, EXTENSION_SBE_E_NOT_PRESENT);
    extension_Car_fuelFigures ff;
    EXPECT(extension_Car_get_fuelFigures(&v1, &ff));
    EXPECT_EQ_U64(extension_Car_fuelFigures_count(&ff), 3);

    /* v0 decoder reading a v1 message: uses the received block length to find the groups. */
    extension_Car enc;
    EXPECT(extension_Car_wrap_and_apply_header(&enc, buf, 0, sizeof buf));
    EXPECT(extension_Car_set_serialNumber(&enc, 77));
    EXPECT(extension_Car_set_uuid(&enc, 0, 7));
    EXPECT(extension_Car_set_uuid(&enc, 1, 3));
    EXPECT(extension_Car_set_cupHolderCount(&enc, 5));
    extension_Car_fuelFigures eff;
    extension_Car_performanceFigures epf;
    EXPECT(extension_Car_fuelFigures_set_count(&enc, &eff, 1));
    EXPECT(extension_Car_fuelFigures_next(&eff));
    EXPECT(extension_Car_fuelFigures_set_speed(&eff, 88));
    EXPECT(extension_Car_fuelFigures_put_usageDescription(&eff, "u", 1));
    EXPECT(extension_Car_performanceFigures_set_count(&enc, &epf, 0));
    EXPECT(extension_Car_put_manufacturer(&enc, "M", 1));
    EXPECT(extension_Car_put_model(&enc, "", 0));
    EXPECT(extension_Car_put_activationCode(&enc, "A", 1));
    len = extension_Car_sbe_header_size() + extension_Car_encoded_length(&enc);

    baseline_Car v0;
    baseline_Car_fuelFigures bff;
    baseline_Car_performanceFigures bpf;
    EXPECT(baseline_Car_wrap_and_check_header(&v0, buf, 0, len));
    EXPECT_EQ_U64(v0.acting_version, 1);
    EXPECT_EQ_U64(v0.acting_block_length, 62);
    EXPECT_EQ_U64(baseline_Car_serialNumber(&v0), 77);
    EXPECT(baseline_Car_get_fuelFigures(&v0, &bff));
    EXPECT(baseline_Car_fuelFigures_next(&bff));
    EXPECT_EQ_U64(baseline_Car_fuelFigures_speed(&bff), 88);
    uint64_t n = 0;
    EXPECT(baseline_Car_fuelFigures_usageDescription(&bff, &n) != NULL && n == 1);
    EXPECT(baseline_Car_get_performanceFigures(&v0, &bpf));
    EXPECT_EQ_U64(baseline_Car_performanceFigures_count(&bpf), 0);
    const char *m = baseline_Car_manufacturer(&v0, &n);
    EXPECT(m != NULL && n == 1 && m[0] == 'M');
    (void)err;
}

/* A version-1 message read by the version-3 decoder: a group and var data added in later versions are
 * absent (count 0 / empty) and consume nothing; fields added later read null. The v1 message is made
 * with the v3 encoder by leaving out what v1 does not have and patching the header's version. */
static void test_versions_groups_and_data(void)
{
    uint8_t buf[CAP];
    stress_test_Everything m;
    stress_test_Everything_legs legs;
    stress_test_Everything_later later;
    memset(buf, 0xEE, sizeof buf);
    EXPECT(stress_test_Everything_wrap_and_apply_header(&m, buf, 0, sizeof buf));
    EXPECT(stress_test_Everything_set_addedV1(&m, 11));
    EXPECT(stress_test_Everything_set_addedV3(&m, 33));
    EXPECT(stress_test_Everything_legs_set_count(&m, &legs, 0));
    EXPECT(stress_test_Everything_put_text(&m, "t", 1));
    EXPECT(stress_test_Everything_put_raw(&m, "rr", 2));
    uint64_t len = stress_test_Everything_sbe_header_size() + stress_test_Everything_encoded_length(&m);
    stress_test_sbe_store_u16(buf + 6, 1); /* frameHeader.version */

    stress_test_Everything d;
    uint64_t n = 0;
    EXPECT(stress_test_Everything_wrap_and_check_header(&d, buf, 0, len));
    EXPECT_EQ_U64(d.acting_version, 1);
    EXPECT_EQ_U64(stress_test_Everything_addedV1(&d), 11);
    EXPECT(stress_test_Everything_addedV3_is_null(&d));
    EXPECT(stress_test_Everything_get_legs(&d, &legs));
    EXPECT(stress_test_Everything_get_later(&d, &later));
    EXPECT_EQ_U64(stress_test_Everything_later_count(&later), 0);
    EXPECT(!stress_test_Everything_later_has_next(&later));
    const char *text = stress_test_Everything_text(&d, &n);
    EXPECT(text != NULL && n == 1 && text[0] == 't');
    const uint8_t *raw = stress_test_Everything_raw(&d, &n);
    EXPECT(raw != NULL && n == 2);
    EXPECT(!stress_test_Everything_lateText_in_acting_version(&d));
    EXPECT_EQ_U64(stress_test_Everything_lateText_length(&d), 0);
    EXPECT(stress_test_Everything_lateText(&d, &n) != NULL && n == 0);
    EXPECT_EQ_U64(stress_test_Everything_sbe_header_size() + stress_test_Everything_encoded_length(&d), len);
    EXPECT(!stress_test_Everything_put_lateText(&d, "x", 1));
    EXPECT_EQ_U64(d.error, STRESS_TEST_SBE_E_NOT_PRESENT);
}

/* ------------------------------------------------------------------ byte order, padding, gaps */

static void test_big_endian(void)
{
    uint8_t buf[CAP];
    baseline_bigendian_Car car;
    memset(buf, 0xEE, sizeof buf);
    EXPECT(baseline_bigendian_Car_wrap_and_apply_header(&car, buf, 0, sizeof buf));
    EXPECT(baseline_bigendian_Car_set_modelYear(&car, 2013));
    EXPECT(baseline_bigendian_Car_set_serialNumber(&car, UINT64_C(0x0102030405060708)));
    EXPECT(baseline_bigendian_Car_fuelFigures_mpg_null_value() != baseline_bigendian_Car_fuelFigures_mpg_null_value());
    /* header: blockLength 49 big-endian */
    EXPECT(buf[0] == 0x00 && buf[1] == 49);
    EXPECT(buf[8] == 0x01 && buf[15] == 0x08);
    EXPECT(buf[16] == 0x07 && buf[17] == 0xDD);
    EXPECT_EQ_U64(baseline_bigendian_Car_modelYear(&car), 2013);
    EXPECT_EQ_U64(baseline_bigendian_Car_serialNumber(&car), UINT64_C(0x0102030405060708));
}

static void test_padding_and_gaps(void)
{
    uint8_t buf[CAP];
    memset(buf, 0xEE, sizeof buf);
    /* Root block declared 16 bytes for one uint32: the rest is zero-filled. */
    group_with_data_TestMessage4 m4;
    group_with_data_TestMessage4_Entries e4;
    EXPECT(group_with_data_TestMessage4_wrap_and_apply_header(&m4, buf, 0, sizeof buf));
    EXPECT(group_with_data_TestMessage4_set_Tag1(&m4, 7));
    for (int i = 4; i < 16; i++) EXPECT(buf[8 + i] == 0);
    /* numInGroup is uint8: maxValue 254. */
    EXPECT(!group_with_data_TestMessage4_Entries_set_count(&m4, &e4, 255));
    EXPECT_EQ_U64(m4.error, GROUP_WITH_DATA_SBE_E_COUNT_OUT_OF_RANGE);
    /* var data with a uint8 length: maxValue 254. */
    EXPECT(group_with_data_TestMessage4_Entries_set_count(&m4, &e4, 1));
    EXPECT(group_with_data_TestMessage4_Entries_next(&e4));
    static const char big[255] = { 0 };
    EXPECT(!group_with_data_TestMessage4_Entries_put_varDataField1(&e4, big, 255));
    EXPECT_EQ_U64(e4.error, GROUP_WITH_DATA_SBE_E_VAR_DATA_TOO_LONG);
    EXPECT(group_with_data_TestMessage4_Entries_put_varDataField1(&e4, big, 254));

    /* Header and composite members at explicit offsets: the gaps are zero. */
    memset(buf, 0xEE, sizeof buf);
    composite_offsets_test_TestMessage2 m2;
    composite_offsets_test_testComposite tc;
    EXPECT(composite_offsets_test_TestMessage2_wrap_and_apply_header(&m2, buf, 0, sizeof buf));
    EXPECT_EQ_U64(composite_offsets_test_TestMessage2_sbe_header_size(), 12);
    EXPECT(buf[2] == 0 && buf[3] == 0 && buf[6] == 0 && buf[7] == 0);
    EXPECT(composite_offsets_test_TestMessage2_fieldTwo(&m2, &tc));
    EXPECT(composite_offsets_test_testComposite_set_compositeFieldOne(&tc, 200));
    EXPECT(composite_offsets_test_testComposite_set_compositeFieldTwo(&tc, -1));
    for (int i = 1; i < 8; i++) EXPECT(buf[12 + 8 + i] == 0);
    EXPECT_EQ_U64(composite_offsets_test_TestMessage2_encoded_length(&m2), 32);
}

int main(void)
{
    test_round_trip_and_garbage_free_encoding();
    test_truncation();
    test_errors();
    test_versions();
    test_versions_groups_and_data();
    test_big_endian();
    test_padding_and_gaps();
    TEST_MAIN_END();
}
