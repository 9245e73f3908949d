/*
 * C codec micro-benchmark: the same work as perf/cases/sbe-ts.ts (every field of the gateway's
 * TradeCaptureReport and of sbe-tool's Car, strings copied into caller storage, enums validated).
 *   sbe_bench <decode-trade|encode-trade|decode-car> <iterations> [car.bin]
 * Prints the median ns/msg of 9 runs (one JSON line). Run under callgrind with two iteration counts
 * to get instructions per message (perf/cases/sbe-c.ts does both).
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "clearing.h"
#include "baseline.h"
#include "bench_util.h"

static uint8_t trade[512];
static uint64_t trade_len;
static uint8_t car[512];
static uint64_t car_len;
static char scratch[256];
static volatile uint64_t sink;
static uint8_t out[512];

#define PUT(fn, obj, s) fn(obj, s, sizeof(s) - 1)

static uint64_t encode_trade(uint8_t *buf, uint64_t cap)
{
    clearing_TradeCaptureReport m;
    clearing_TradeCaptureReport_Sides sides;
    clearing_TradeCaptureReport_Sides_Parties parties;
    clearing_TradeCaptureReport_Attachments att;
    clearing_Qty qty;
    clearing_Price px;
    clearing_MoneyNULL money;
    clearing_CommissionData cd;
    if (!clearing_TradeCaptureReport_wrap_and_apply_header(&m, buf, 0, cap)) return 0;
    clearing_TradeCaptureReport_set_TransactTime(&m, 1763900000123456ULL);
    clearing_TradeCaptureReport_LastQty(&m, &qty);
    clearing_Qty_set_mantissa(&qty, 500);
    clearing_TradeCaptureReport_LastPx(&m, &px);
    clearing_Price_set_mantissa(&px, 187250000000LL);
    clearing_TradeCaptureReport_set_TradeDate(&m, 20415);
    clearing_TradeCaptureReport_set_SettlDate(&m, 20416);
    clearing_TradeCaptureReport_set_ClearingBusinessDate(&m, 20415);
    clearing_TradeCaptureReport_set_TradeReportTransType(&m, clearing_TradeReportTransType_New);
    clearing_TradeCaptureReport_set_TrdType(&m, clearing_TrdType_RegularTrade);
    PUT(clearing_TradeCaptureReport_put_TradeReportID, &m, "T-20261123-000001");
    PUT(clearing_TradeCaptureReport_put_SecurityID, &m, "US0378331005");
    PUT(clearing_TradeCaptureReport_put_SecurityAltID, &m, "037833100");
    PUT(clearing_TradeCaptureReport_put_Currency, &m, "USD");
    clearing_TradeCaptureReport_GrossTradeAmt(&m, &money);
    clearing_MoneyNULL_set_mantissa(&money, 936250000);
    if (!clearing_TradeCaptureReport_Sides_set_count(&m, &sides, 2)) return 0;
    for (int i = 0; i < 2; i++) {
        clearing_TradeCaptureReport_Sides_next(&sides);
        clearing_TradeCaptureReport_Sides_set_Side(&sides, i == 0 ? clearing_Side_Buy : clearing_Side_Sell);
        PUT(clearing_TradeCaptureReport_Sides_put_ClearingFirm, &sides, "MBR001");
        PUT(clearing_TradeCaptureReport_Sides_put_ExecutingFirm, &sides, "MBR001");
        PUT(clearing_TradeCaptureReport_Sides_put_Account, &sides, "ACC-1");
        clearing_TradeCaptureReport_Sides_CommissionData(&sides, &cd);
        clearing_CommissionData_commission(&cd, &money);
        clearing_MoneyNULL_set_mantissa(&money, 12500);
        clearing_CommissionData_set_commType(&cd, clearing_CommType_Absolute);
        PUT(clearing_CommissionData_put_commCurrency, &cd, "USD");
        if (!clearing_TradeCaptureReport_Sides_Parties_set_count(&sides, &parties, 1)) return 0;
        clearing_TradeCaptureReport_Sides_Parties_next(&parties);
        PUT(clearing_TradeCaptureReport_Sides_Parties_put_PartyID, &parties, "5493001KJTIIGC8Y1R12");
        clearing_TradeCaptureReport_Sides_Parties_set_PartyIDSource(&parties, clearing_PartyIDSource_LEI);
        clearing_TradeCaptureReport_Sides_Parties_set_PartyRole(&parties, clearing_PartyRole_ClearingFirm);
    }
    if (!clearing_TradeCaptureReport_Attachments_set_count(&m, &att, 0)) return 0;
    if (!clearing_TradeCaptureReport_put_Text(&m, "", 0)) return 0;
    return clearing_TradeCaptureReport_sbe_header_size() + clearing_TradeCaptureReport_encoded_length(&m);
}

static uint64_t decode_trade(const uint8_t *buf, uint64_t len)
{
    clearing_TradeCaptureReport m;
    clearing_TradeCaptureReport_Sides sides;
    clearing_TradeCaptureReport_Sides_Parties parties;
    clearing_TradeCaptureReport_Attachments att;
    clearing_Qty qty;
    clearing_Price px;
    clearing_MoneyNULL money;
    clearing_CommissionData cd;
    clearing_TradeReportTransType tt;
    clearing_TrdType trd;
    clearing_Side side;
    clearing_CommType ct;
    clearing_PartyIDSource pis;
    clearing_PartyRole role;
    uint64_t s = 0, n = 0;
    if (!clearing_TradeCaptureReport_wrap_and_check_header(&m, buf, 0, len)) return 0;
    s += clearing_TradeCaptureReport_TransactTime(&m);
    if (clearing_TradeCaptureReport_LastQty(&m, &qty)) s += (uint64_t)clearing_Qty_mantissa(&qty);
    if (clearing_TradeCaptureReport_LastPx(&m, &px)) s += (uint64_t)clearing_Price_mantissa(&px);
    s += clearing_TradeCaptureReport_TradeDate(&m) + clearing_TradeCaptureReport_SettlDate(&m);
    s += clearing_TradeCaptureReport_ClearingBusinessDate(&m);
    if (clearing_TradeCaptureReport_TradeReportTransType(&m, &tt)) s += (uint64_t)tt;
    if (clearing_TradeCaptureReport_TrdType(&m, &trd)) s += (uint64_t)trd;
    s += clearing_TradeCaptureReport_get_TradeReportID(&m, scratch, sizeof scratch);
    s += clearing_TradeCaptureReport_get_TradeReportRefID(&m, scratch, sizeof scratch);
    s += clearing_TradeCaptureReport_get_TrdMatchID(&m, scratch, sizeof scratch);
    s += (uint64_t)clearing_TradeCaptureReport_SecurityIDSource();
    s += clearing_TradeCaptureReport_get_SecurityID(&m, scratch, sizeof scratch);
    s += clearing_TradeCaptureReport_get_SecurityAltID(&m, scratch, sizeof scratch);
    s += clearing_TradeCaptureReport_get_Currency(&m, scratch, sizeof scratch);
    if (clearing_TradeCaptureReport_GrossTradeAmt(&m, &money)) s += (uint64_t)clearing_MoneyNULL_mantissa(&money);
    if (!clearing_TradeCaptureReport_get_Sides(&m, &sides)) return 0;
    while (clearing_TradeCaptureReport_Sides_has_next(&sides)) {
        if (!clearing_TradeCaptureReport_Sides_next(&sides)) return 0;
        if (clearing_TradeCaptureReport_Sides_Side(&sides, &side)) s += (uint64_t)side;
        s += clearing_TradeCaptureReport_Sides_AccountType_raw(&sides);
        s += (uint64_t)clearing_TradeCaptureReport_Sides_PositionEffect_raw(&sides);
        s += clearing_TradeCaptureReport_Sides_get_ClearingFirm(&sides, scratch, sizeof scratch);
        s += clearing_TradeCaptureReport_Sides_get_ExecutingFirm(&sides, scratch, sizeof scratch);
        s += clearing_TradeCaptureReport_Sides_get_Account(&sides, scratch, sizeof scratch);
        if (clearing_TradeCaptureReport_Sides_CommissionData(&sides, &cd)) {
            if (clearing_CommissionData_commission(&cd, &money)) s += (uint64_t)clearing_MoneyNULL_mantissa(&money);
            if (clearing_CommissionData_commType(&cd, &ct)) s += (uint64_t)ct;
            s += clearing_CommissionData_get_commCurrency(&cd, scratch, sizeof scratch);
        }
        if (!clearing_TradeCaptureReport_Sides_get_Parties(&sides, &parties)) return 0;
        while (clearing_TradeCaptureReport_Sides_Parties_has_next(&parties)) {
            if (!clearing_TradeCaptureReport_Sides_Parties_next(&parties)) return 0;
            s += clearing_TradeCaptureReport_Sides_Parties_get_PartyID(&parties, scratch, sizeof scratch);
            if (clearing_TradeCaptureReport_Sides_Parties_PartyIDSource(&parties, &pis)) s += (uint64_t)pis;
            if (clearing_TradeCaptureReport_Sides_Parties_PartyRole(&parties, &role)) s += (uint64_t)role;
        }
    }
    if (!clearing_TradeCaptureReport_get_Attachments(&m, &att)) return 0;
    while (clearing_TradeCaptureReport_Attachments_has_next(&att)) {
        if (!clearing_TradeCaptureReport_Attachments_next(&att)) return 0;
        s += clearing_TradeCaptureReport_Attachments_get_AttachmentName(&att, scratch, sizeof scratch);
        s += clearing_TradeCaptureReport_Attachments_get_EncodedAttachment(&att, scratch, sizeof scratch, &n);
    }
    if (clearing_TradeCaptureReport_get_Text(&m, scratch, sizeof scratch, &n)) s += n;
    return s;
}

static uint64_t decode_car(const uint8_t *buf, uint64_t len)
{
    baseline_Car c;
    baseline_Engine e;
    baseline_Booster b;
    baseline_Car_fuelFigures ff;
    baseline_Car_performanceFigures pf;
    baseline_Car_performanceFigures_acceleration ac;
    baseline_BooleanType bt;
    baseline_Model model;
    baseline_BoostType boost;
    uint32_t num;
    uint64_t n, s = 0;
    if (!baseline_Car_wrap_and_check_header(&c, buf, 0, len)) return 0;
    s += baseline_Car_serialNumber(&c) + baseline_Car_modelYear(&c);
    if (baseline_Car_available(&c, &bt)) s += (uint64_t)bt;
    if (baseline_Car_code(&c, &model)) s += (uint64_t)model;
    for (uint64_t i = 0; i < 4; i++)
        if (baseline_Car_someNumbers(&c, i, &num)) s += num;
    s += baseline_Car_get_vehicleCode(&c, scratch, sizeof scratch);
    baseline_OptionalExtras x = baseline_Car_extras(&c);
    s += baseline_OptionalExtras_sunRoof(x) + baseline_OptionalExtras_sportsPack(x) + baseline_OptionalExtras_cruiseControl(x);
    if (baseline_Car_engine(&c, &e)) {
        s += baseline_Engine_capacity(&e) + baseline_Engine_numCylinders(&e) + baseline_Engine_maxRpm();
        s += baseline_Engine_get_manufacturerCode(&e, scratch, sizeof scratch) + (uint64_t)baseline_Engine_efficiency(&e);
        if (baseline_Engine_boosterEnabled(&e, &bt)) s += (uint64_t)bt;
        if (baseline_Engine_booster(&e, &b)) {
            if (baseline_Booster_BoostType(&b, &boost)) s += (uint64_t)boost;
            s += baseline_Booster_horsePower(&b);
        }
    }
    if (!baseline_Car_get_fuelFigures(&c, &ff)) return 0;
    while (baseline_Car_fuelFigures_has_next(&ff)) {
        if (!baseline_Car_fuelFigures_next(&ff)) return 0;
        s += baseline_Car_fuelFigures_speed(&ff) + (uint64_t)baseline_Car_fuelFigures_mpg(&ff);
        if (baseline_Car_fuelFigures_get_usageDescription(&ff, scratch, sizeof scratch, &n)) s += n;
    }
    if (!baseline_Car_get_performanceFigures(&c, &pf)) return 0;
    while (baseline_Car_performanceFigures_has_next(&pf)) {
        if (!baseline_Car_performanceFigures_next(&pf)) return 0;
        s += baseline_Car_performanceFigures_octaneRating(&pf);
        if (!baseline_Car_performanceFigures_get_acceleration(&pf, &ac)) return 0;
        while (baseline_Car_performanceFigures_acceleration_has_next(&ac)) {
            if (!baseline_Car_performanceFigures_acceleration_next(&ac)) return 0;
            s += baseline_Car_performanceFigures_acceleration_mph(&ac) + (uint64_t)baseline_Car_performanceFigures_acceleration_seconds(&ac);
        }
    }
    if (baseline_Car_get_manufacturer(&c, scratch, sizeof scratch, &n)) s += n;
    if (baseline_Car_get_model(&c, scratch, sizeof scratch, &n)) s += n;
    if (baseline_Car_get_activationCode(&c, scratch, sizeof scratch, &n)) s += n;
    return s;
}


int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s <decode-trade|encode-trade|decode-car> <iterations> [car.bin]\n", argv[0]);
        return 2;
    }
    const char *mode = argv[1];
    long iters = atol(argv[2]);
    trade_len = encode_trade(trade, sizeof trade);
    if (trade_len == 0) { fprintf(stderr, "encode failed\n"); return 1; }
    if (argc > 3) {
        FILE *f = fopen(argv[3], "rb");
        if (!f) { perror(argv[3]); return 1; }
        car_len = fread(car, 1, sizeof car, f);
        fclose(f);
    }
    int which = strcmp(mode, "decode-trade") == 0 ? 0 : strcmp(mode, "encode-trade") == 0 ? 1 : strcmp(mode, "decode-car") == 0 ? 2 : -1;
    if (which < 0 || (which == 2 && car_len == 0)) { fprintf(stderr, "bad mode or missing car.bin\n"); return 2; }
    enum { RUNS = 9 };
    double samples[RUNS];
    for (int r = 0; r < RUNS; r++) {
        double t0 = bench_now_ns();
        for (long i = 0; i < iters; i++) {
            if (which == 0) sink += decode_trade(trade, trade_len);
            else if (which == 1) sink += encode_trade(out, sizeof out);
            else sink += decode_car(car, car_len);
        }
        samples[r] = (bench_now_ns() - t0) / (double)iters;
    }
    qsort(samples, RUNS, sizeof samples[0], bench_cmp_double);
    printf("{\"mode\":\"%s\",\"median\":%.2f,\"min\":%.2f,\"max\":%.2f,\"runs\":%d}\n", mode, samples[RUNS / 2], samples[0], samples[RUNS - 1], RUNS);
    return 0;
}
