// FIX framing/indexing from JS, one N-API call per batch (differential tests, benchmarks).
//   fixFrameBatch(input: Uint8Array, output: Uint8Array, state: Uint32Array,
//                 limits?: { maxMessageBytes?: number, maxFields?: number }, firstSequence?: number): number
//     Frames and indexes every complete message of `input` (stateless: it starts at a message boundary
//     or at garbage) into `output` as ring frames (gw_fix_frame_batch, fix_framer.h); returns the frame
//     count, state[0] = input bytes consumed, state[1] = output bytes used. Stops early without error
//     when the output is full. receiveTimestampNs = CLOCK_REALTIME once per call.
//   fixScanImplementation(): 'scalar' | 'sse2' | 'avx2'   the SIMD variant in use
//   fixScanSelect(name: 'auto' | 'scalar' | 'sse2' | 'avx2'): boolean   force one (false: unsupported)
// Thread: the JS thread that calls; fixScanSelect changes a process-wide setting (tests only).
#include <time.h>

#include <string>

#include "binding.h"
#include "fix_framer.h" // C headers with their own extern "C" guards
#include "fix_scan.h"

namespace gw {
namespace {

bool OptionalUint(Napi::Object o, const char *name, uint32_t max, uint32_t *out)
{
    Napi::Value v = o.Get(name);
    if (v.IsUndefined()) return true;
    if (!v.IsNumber()) return false;
    double d = v.As<Napi::Number>().DoubleValue();
    if (!(d >= 0 && d <= max) || d != static_cast<double>(static_cast<uint32_t>(d))) return false;
    *out = static_cast<uint32_t>(d);
    return true;
}

Napi::Value FixFrameBatch(const Napi::CallbackInfo &info)
{
    Napi::Env env = info.Env();
    if (info.Length() < 3 || !info[0].IsTypedArray() || !info[1].IsTypedArray() || !info[2].IsTypedArray() ||
        info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array ||
        info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array ||
        info[2].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array) {
        Napi::TypeError::New(env, "fixFrameBatch(input: Uint8Array, output: Uint8Array, state: Uint32Array)")
            .ThrowAsJavaScriptException();
        return env.Undefined();
    }
    Napi::Uint8Array input = info[0].As<Napi::Uint8Array>();
    Napi::Uint8Array output = info[1].As<Napi::Uint8Array>();
    Napi::Uint32Array state = info[2].As<Napi::Uint32Array>();
    if (state.ElementLength() < 2) {
        Napi::RangeError::New(env, "fixFrameBatch: state needs 2 elements").ThrowAsJavaScriptException();
        return env.Undefined();
    }
    gw_fix_limits limits = {0, 0};
    if (info.Length() > 3 && !info[3].IsUndefined()) {
        uint32_t max_message = 0, max_fields = 0;
        if (!info[3].IsObject() || !OptionalUint(info[3].As<Napi::Object>(), "maxMessageBytes", 0xFFFFFFFFu, &max_message) ||
            !OptionalUint(info[3].As<Napi::Object>(), "maxFields", 0xFFFFu, &max_fields)) {
            Napi::TypeError::New(env, "fixFrameBatch: limits = { maxMessageBytes?: uint32, maxFields?: uint16 }")
                .ThrowAsJavaScriptException();
            return env.Undefined();
        }
        limits.max_message_bytes = max_message;
        limits.max_fields = static_cast<uint16_t>(max_fields);
    }
    uint64_t first_sequence = 1;
    if (info.Length() > 4 && !info[4].IsUndefined()) {
        if (!info[4].IsNumber() || info[4].As<Napi::Number>().DoubleValue() < 1) {
            Napi::TypeError::New(env, "fixFrameBatch: firstSequence must be a number >= 1").ThrowAsJavaScriptException();
            return env.Undefined();
        }
        first_sequence = static_cast<uint64_t>(info[4].As<Napi::Number>().Int64Value());
    }
    // Frames must start 8-byte aligned in the output buffer, as in a ring.
    if ((reinterpret_cast<uintptr_t>(output.Data()) & 7u) != 0) {
        Napi::RangeError::New(env, "fixFrameBatch: output must be 8-byte aligned").ThrowAsJavaScriptException();
        return env.Undefined();
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t now = static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
    gw_fix_batch_result res;
    gw_fix_frame_batch(input.Data(), input.ByteLength(), output.Data(), output.ByteLength(), &limits, first_sequence,
                       now, &res);
    state[0] = static_cast<uint32_t>(res.consumed);
    state[1] = static_cast<uint32_t>(res.used);
    return Napi::Number::New(env, static_cast<double>(res.frames));
}

Napi::Value FixScanImplementation(const Napi::CallbackInfo &info)
{
    return Napi::String::New(info.Env(), gw_fix_scan_name(gw_fix_scan_current()));
}

Napi::Value FixScanSelect(const Napi::CallbackInfo &info)
{
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsString()) {
        Napi::TypeError::New(env, "fixScanSelect(name: 'auto' | 'scalar' | 'sse2' | 'avx2')").ThrowAsJavaScriptException();
        return env.Undefined();
    }
    std::string name = info[0].As<Napi::String>().Utf8Value();
    gw_fix_scan_impl impl;
    if (name == "auto") impl = GW_FIX_SCAN_AUTO;
    else if (name == "scalar") impl = GW_FIX_SCAN_SCALAR;
    else if (name == "sse2") impl = GW_FIX_SCAN_SSE2;
    else if (name == "avx2") impl = GW_FIX_SCAN_AVX2;
    else {
        Napi::TypeError::New(env, "fixScanSelect: unknown implementation " + name).ThrowAsJavaScriptException();
        return env.Undefined();
    }
    return Napi::Boolean::New(env, gw_fix_scan_select(impl) == 0);
}

} // namespace

void RegisterFix(Napi::Env env, Napi::Object exports)
{
    exports.Set("fixFrameBatch", Napi::Function::New(env, FixFrameBatch, "fixFrameBatch"));
    exports.Set("fixScanImplementation", Napi::Function::New(env, FixScanImplementation, "fixScanImplementation"));
    exports.Set("fixScanSelect", Napi::Function::New(env, FixScanSelect, "fixScanSelect"));
}

} // namespace gw
