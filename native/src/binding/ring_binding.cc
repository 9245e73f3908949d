// Placeholder until this part of the binding is written; keeps the module's registration list fixed.
#include "binding.h"

namespace gw {

void RegisterRing(Napi::Env, Napi::Object) {}

bool RingFromValue(Napi::Value value, RingRef *)
{
    Napi::TypeError::New(value.Env(), "rings are not built yet").ThrowAsJavaScriptException();
    return false;
}

} // namespace gw
