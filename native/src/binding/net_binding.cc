// Placeholder until this part of the binding is written; keeps the module's registration list fixed.
#include "binding.h"

namespace gw {

void RegisterNet(Napi::Env, Napi::Object) {}

} // namespace gw
