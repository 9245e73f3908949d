// Node-API binding of the native core. The only translation unit that includes napi.h; everything
// else lives in the C11 core (native/src/core) and is reached through its headers.
//
// Exports (typed in src/native/addon.ts):
//   abiInfo(): { abiVersion, schemas: [{ dir, package, schemaId, version, semanticVersion, fingerprint }] }
//   codecErrorText(code): string   text of a generated codec's error code
//   codecErrorName(code): string | null
//   and the parts registered from binding.h (fix, ring, net, feed)
#include <napi.h>

#include "abi.h"
#include "binding.h"
#include "codec_support.h"

namespace {

Napi::Value AbiInfo(const Napi::CallbackInfo &info)
{
    Napi::Env env = info.Env();
    Napi::Object result = Napi::Object::New(env);
    result.Set("abiVersion", Napi::Number::New(env, gw_abi_version()));
    const size_t count = gw_abi_schema_count();
    Napi::Array schemas = Napi::Array::New(env, count);
    for (size_t i = 0; i < count; i++) {
        const gw_abi_schema *s = gw_abi_schema_at(i);
        Napi::Object o = Napi::Object::New(env);
        o.Set("dir", Napi::String::New(env, s->dir));
        o.Set("package", Napi::String::New(env, s->package));
        o.Set("schemaId", Napi::Number::New(env, s->schema_id));
        o.Set("version", Napi::Number::New(env, s->version));
        o.Set("semanticVersion", Napi::String::New(env, s->semantic_version));
        o.Set("fingerprint", Napi::String::New(env, s->fingerprint));
        schemas.Set(static_cast<uint32_t>(i), o);
    }
    result.Set("schemas", schemas);
    return result;
}

bool CodeArg(const Napi::CallbackInfo &info, int *code)
{
    if (info.Length() < 1 || !info[0].IsNumber()) {
        Napi::TypeError::New(info.Env(), "expected an integer error code").ThrowAsJavaScriptException();
        return false;
    }
    *code = info[0].As<Napi::Number>().Int32Value();
    return true;
}

Napi::Value CodecErrorText(const Napi::CallbackInfo &info)
{
    int code = 0;
    if (!CodeArg(info, &code)) return info.Env().Undefined();
    return Napi::String::New(info.Env(), gw_codec_strerror(code));
}

Napi::Value CodecErrorName(const Napi::CallbackInfo &info)
{
    int code = 0;
    if (!CodeArg(info, &code)) return info.Env().Undefined();
    const char *name = gw_codec_error_name(code);
    if (name == nullptr) return info.Env().Null();
    return Napi::String::New(info.Env(), name);
}

Napi::Object Init(Napi::Env env, Napi::Object exports)
{
    exports.Set("abiInfo", Napi::Function::New(env, AbiInfo, "abiInfo"));
    exports.Set("codecErrorText", Napi::Function::New(env, CodecErrorText, "codecErrorText"));
    exports.Set("codecErrorName", Napi::Function::New(env, CodecErrorName, "codecErrorName"));
    gw::RegisterFix(env, exports);
    gw::RegisterRing(env, exports);
    gw::RegisterNet(env, exports);
    gw::RegisterFeed(env, exports);
    return exports;
}

} // namespace

NODE_API_MODULE(gateway, Init)
