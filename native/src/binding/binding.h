// Registration of the binding's parts. Each part (one .cc file next to addon.cc) adds its functions
// and classes to the module's exports. Only files in native/src/binding include napi.h.
#ifndef GATEWAY_BINDING_H
#define GATEWAY_BINDING_H

#include <napi.h>

#include "ring.h"

namespace gw {

// fix_binding.cc: batched FIX framing/indexing from JS (differential tests, benchmarks).
void RegisterFix(Napi::Env env, Napi::Object exports);
// ring_binding.cc: rings shared with JS (external ArrayBuffers) and their doorbells.
void RegisterRing(Napi::Env env, Napi::Object exports);
// net_binding.cc: the network agent (kernel TCP/TLS acceptor and connector, UDP).
void RegisterNet(Napi::Env env, Napi::Object exports);
// feed_binding.cc: kernel-bypass feed receive (DPDK, ef_vi) when built in.
void RegisterFeed(Napi::Env env, Napi::Object exports);

// Shared between parts (defined in ring_binding.cc). A JS ring object (created by the ring part) owns
// the shared region; native agents attach their own gw_ring handle to it.
struct RingRef {
    void *region;               // formatted region (ring.h); valid while the JS object is referenced
    gw_doorbell_fn doorbell;    // wakes the JS consumer (thread-safe; call from the producer thread)
    void *doorbell_ctx;
};
// Fills *out from a JS ring object; false (and a pending JS TypeError) when `value` is not one.
bool RingFromValue(Napi::Value value, RingRef *out);
// Native users of a ring hold a reference while their agent uses the region; release after the agent
// is joined (any thread). The region is freed when the last reference (JS object, its ArrayBuffer, an
// armed doorbell, native users) goes.
void RingRetain(const RingRef &ref);
void RingRelease(const RingRef &ref);

} // namespace gw

#endif
