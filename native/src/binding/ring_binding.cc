// Rings shared with JS (ring.h layout) and their doorbells; plus test tools (a native producer and a
// native consumer on agent threads) for tests and benchmarks of the JS side.
//
// Exports (typed in src/native/ring.ts):
//   createRing(capacity, maxFrame) -> NativeRing { buffer: ArrayBuffer, capacity, maxFrame,
//                                                  setDoorbell(fn | null) }
//   ringDoorbell: 'uv_async' | 'threadsafe-function'   the doorbell this build has (see below)
//   startTestProducer(ring, { count, payloadBytes, variable?, batch?, idle? }) -> handle
//   testProducerStatus(handle) -> { produced, done, backPressured }
//   stopTestProducer(handle) -> { produced, done, backPressured }
//   liveRingCount() -> regions still allocated (lifetime tests)
//   startTestConsumer(ring) -> handle
//   testConsumerStatus(handle) / stopTestConsumer(handle) -> { frames, bytes, badSequence, badContent, corrupt }
//
// Ownership and lifetime of a ring (RingShared): the region is allocated once (aligned) and shared by
// reference count. References: the NativeRing object (dropped by its finalizer); the external
// ArrayBuffer exposed to JS (dropped by its finalizer when the buffer is collected: RingReader /
// RingWriter and any view keep it alive, possibly longer than the NativeRing object);
// an armed doorbell (dropped when the thread-safe function is finalized), and each native user: the
// test tools here and the agents of other parts (RingRetain/RingRelease). The last release frees the
// region, on whichever thread that happens; nothing else touches it after that.
//
// Doorbell: ring.setDoorbell(fn) arms a wake-up that calls fn() on the JS thread; the producer rings
// it through RingRef.doorbell only when gw_ring_publish finds the consumer parked (one relaxed load per
// publish otherwise). An armed doorbell keeps the event loop alive (a poller waiting for frames is like
// a listening socket); setDoorbell(null) disarms it.
// With libuv's header (<uv.h> on the include path, e.g. -I/usr/include/node) the doorbell is a uv_async_t on
// the JS thread's loop: the producer's call is uv_async_send (an atomic and at most one eventfd write)
// under a lock that only arm/disarm take, and the JS side calls fn through napi_make_callback. Without
// it, a thread-safe function (napi_threadsafe_function) does the same, but Node holds the function's
// mutex across its uv_async_send, so the woken JS thread usually blocks on that mutex (two futex calls
// and one more sleep and wake-up per message, seen with strace in perf/cases/tcp-rtt.ts).
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "agent.h"
#include "binding.h"

#if defined(__has_include)
#if __has_include(<uv.h>)
#include <uv.h>
#define GW_UV_DOORBELL 1
#endif
#endif
#ifndef GW_UV_DOORBELL
#define GW_UV_DOORBELL 0
#endif

namespace gw {

namespace {

// Type tag of NativeRing objects, so RingFromValue can tell a ring from any other wrapped object.
const napi_type_tag kRingTag = {0x6777726e67726e31ULL, 0x9c3e52a1f0b4d7e5ULL};

#if GW_UV_DOORBELL
struct Bell;
#endif

// Shared state of one ring. Threads: refs and the armed doorbell (under bell_lock) from any thread;
// the rest is immutable after creation.
struct RingShared {
    void *region = nullptr;
    uint32_t capacity = 0;
    uint32_t max_frame = 0;
    std::atomic<uint32_t> refs{1};
    std::mutex bell_lock;
#if GW_UV_DOORBELL
    Bell *bell = nullptr;
#else
    napi_threadsafe_function tsfn = nullptr;
#endif
};

// Rings whose region is still allocated (all environments); for the lifetime tests.
std::atomic<int64_t> live_rings{0};

void Retain(RingShared *s)
{
    s->refs.fetch_add(1, std::memory_order_relaxed);
}

void Release(RingShared *s)
{
    if (s->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::free(s->region);
        delete s;
        live_rings.fetch_sub(1, std::memory_order_relaxed);
    }
}

#if GW_UV_DOORBELL
// One armed doorbell: a uv_async_t on the JS thread's loop and the callback. Created and closed on
// the JS thread; the producer thread only calls uv_async_send, under bell_lock.
struct Bell {
    uv_async_t async;
    napi_env env = nullptr;
    napi_ref fn = nullptr;
    napi_async_context context = nullptr;
    RingShared *shared = nullptr;
};

// Producer thread: rings the doorbell. Only reached when the consumer parked (ring.h protocol).
void Doorbell(void *ctx)
{
    auto *s = static_cast<RingShared *>(ctx);
    std::lock_guard<std::mutex> guard(s->bell_lock);
    if (s->bell != nullptr) uv_async_send(&s->bell->async);
}

// JS thread, from the loop: calls fn() like a callback of an asynchronous operation (microtasks and
// nextTicks run after it; an exception goes to 'uncaughtException', as from an event handler).
void OnBell(uv_async_t *handle)
{
    auto *b = static_cast<Bell *>(handle->data);
    napi_env env = b->env;
    napi_handle_scope scope;
    if (napi_open_handle_scope(env, &scope) != napi_ok) return;
    napi_value fn = nullptr, recv = nullptr;
    if (napi_get_reference_value(env, b->fn, &fn) == napi_ok && fn != nullptr && napi_get_global(env, &recv) == napi_ok) {
        if (napi_make_callback(env, b->context, recv, fn, 0, nullptr, nullptr) == napi_pending_exception) {
            napi_value error;
            if (napi_get_and_clear_last_exception(env, &error) == napi_ok) napi_fatal_exception(env, error);
        }
    }
    napi_close_handle_scope(env, scope);
}

void OnBellClosed(uv_handle_t *handle)
{
    auto *b = static_cast<Bell *>(handle->data);
    RingShared *s = b->shared;
    delete b;
    Release(s);
}

// JS thread: releases the JS references of b and closes its handle (freed in OnBellClosed).
void CloseBell(Bell *b)
{
    napi_delete_reference(b->env, b->fn);
    napi_async_destroy(b->env, b->context);
    uv_close(reinterpret_cast<uv_handle_t *>(&b->async), OnBellClosed);
}

// Environment teardown with the doorbell still armed (cleanup hook; JS thread).
void BellCleanup(void *arg)
{
    auto *b = static_cast<Bell *>(arg);
    {
        std::lock_guard<std::mutex> guard(b->shared->bell_lock);
        if (b->shared->bell == b) b->shared->bell = nullptr;
    }
    CloseBell(b);
}

// Disarms the doorbell (JS thread). Later Doorbell calls find none and do nothing.
void Disarm(RingShared *s)
{
    Bell *old;
    {
        std::lock_guard<std::mutex> guard(s->bell_lock);
        old = s->bell;
        s->bell = nullptr;
    }
    if (old == nullptr) return;
    napi_remove_env_cleanup_hook(old->env, BellCleanup, old);
    CloseBell(old);
}

// Arms fn as the doorbell of s (JS thread; s is disarmed). False (nothing armed) on failure.
bool Arm(napi_env env, RingShared *s, napi_value fn)
{
    uv_loop_s *loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) return false;
    auto *b = new Bell();
    b->env = env;
    b->shared = s;
    napi_value name;
    if (napi_create_string_utf8(env, "gatewayRingDoorbell", NAPI_AUTO_LENGTH, &name) != napi_ok ||
        napi_async_init(env, nullptr, name, &b->context) != napi_ok) {
        delete b;
        return false;
    }
    if (napi_create_reference(env, fn, 1, &b->fn) != napi_ok) {
        napi_async_destroy(env, b->context);
        delete b;
        return false;
    }
    if (uv_async_init(loop, &b->async, OnBell) != 0) {
        napi_delete_reference(env, b->fn);
        napi_async_destroy(env, b->context);
        delete b;
        return false;
    }
    b->async.data = b;
    Retain(s); // held by the bell until OnBellClosed
    napi_add_env_cleanup_hook(env, BellCleanup, b);
    std::lock_guard<std::mutex> guard(s->bell_lock);
    s->bell = b;
    return true;
}
#else
// Producer thread: rings the doorbell. Only reached when the consumer parked (ring.h protocol).
void Doorbell(void *ctx)
{
    auto *s = static_cast<RingShared *>(ctx);
    std::lock_guard<std::mutex> guard(s->bell_lock);
    if (s->tsfn != nullptr) napi_call_threadsafe_function(s->tsfn, nullptr, napi_tsfn_nonblocking);
}

void CallDoorbell(napi_env env, napi_value fn, void *, void *)
{
    if (env == nullptr || fn == nullptr) return; // torn down
    napi_value undefined;
    napi_get_undefined(env, &undefined);
    napi_call_function(env, undefined, fn, 0, nullptr, nullptr);
}

// Finalize data of one armed doorbell (JS thread).
struct ArmedBell {
    RingShared *shared;
    napi_threadsafe_function tsfn;
};

void DoorbellFinalized(napi_env, void *data, void *)
{
    auto *bell = static_cast<ArmedBell *>(data);
    RingShared *s = bell->shared;
    {
        std::lock_guard<std::mutex> guard(s->bell_lock);
        if (s->tsfn == bell->tsfn) s->tsfn = nullptr;
    }
    delete bell;
    Release(s);
}

// Disarms the doorbell (JS thread). Later Doorbell calls find no tsfn and do nothing.
void Disarm(RingShared *s)
{
    napi_threadsafe_function old;
    {
        std::lock_guard<std::mutex> guard(s->bell_lock);
        old = s->tsfn;
        s->tsfn = nullptr;
    }
    if (old != nullptr) napi_release_threadsafe_function(old, napi_tsfn_release);
}

// Arms fn as the doorbell of s (JS thread; s is disarmed). False (nothing armed) on failure.
bool Arm(napi_env env, RingShared *s, napi_value fn)
{
    napi_value name;
    if (napi_create_string_utf8(env, "gatewayRingDoorbell", NAPI_AUTO_LENGTH, &name) != napi_ok) return false;
    auto *bell = new ArmedBell{s, nullptr};
    Retain(s); // held by the tsfn until it is finalized
    // max_queue_size 0 (unbounded) is safe: at most one call per park is ever queued.
    napi_threadsafe_function tsfn = nullptr;
    if (napi_create_threadsafe_function(env, fn, nullptr, name, 0, 1, bell, DoorbellFinalized, nullptr, CallDoorbell,
                                        &tsfn) != napi_ok) {
        delete bell;
        Release(s);
        return false;
    }
    bell->tsfn = tsfn; // finalization runs on this thread, later: no race with this store
    std::lock_guard<std::mutex> guard(s->bell_lock);
    s->tsfn = tsfn;
    return true;
}
#endif

bool ToU32(const Napi::Value &v, uint32_t *out)
{
    if (!v.IsNumber()) return false;
    const double d = v.As<Napi::Number>().DoubleValue();
    if (!(d >= 0 && d <= 4294967295.0) || d != static_cast<double>(static_cast<uint32_t>(d))) return false;
    *out = static_cast<uint32_t>(d);
    return true;
}

// ------------------------------------------------------------------ NativeRing (JS object)
// Owned by the JS thread. Holds a reference of its own (its finalizer uses the shared state, and the
// buffer may be collected first, in the same GC).
class NativeRing : public Napi::ObjectWrap<NativeRing> {
public:
    static Napi::Function Define(Napi::Env env)
    {
        return DefineClass(env, "NativeRing", {InstanceMethod<&NativeRing::SetDoorbell>("setDoorbell")});
    }

    NativeRing(const Napi::CallbackInfo &info) : Napi::ObjectWrap<NativeRing>(info)
    {
        Napi::Env env = info.Env();
        uint32_t capacity = 0, max_frame = 0;
        if (info.Length() < 2 || !ToU32(info[0], &capacity) || !ToU32(info[1], &max_frame)) {
            Napi::TypeError::New(env, "createRing(capacity, maxFrame): two unsigned integers expected")
                .ThrowAsJavaScriptException();
            return;
        }
        if (capacity < GW_RING_MIN_CAPACITY || capacity > GW_RING_MAX_CAPACITY || (capacity & (capacity - 1)) != 0 ||
            max_frame < GW_FRAME_HEADER_BYTES || max_frame > capacity / 2) {
            Napi::RangeError::New(env, "createRing: capacity must be a power of two in [4096, 2^30] and maxFrame in "
                                       "[32, capacity / 2]")
                .ThrowAsJavaScriptException();
            return;
        }
        const size_t bytes = gw_ring_region_bytes(capacity); // multiple of 4096 (meta 384 rounds below)
        const size_t alloc = (bytes + 4095u) & ~static_cast<size_t>(4095u);
        void *region = std::aligned_alloc(4096, alloc);
        if (region == nullptr) {
            Napi::Error::New(env, "createRing: out of memory").ThrowAsJavaScriptException();
            return;
        }
        if (gw_ring_format(region, capacity, max_frame) != GW_RING_OK) {
            std::free(region);
            Napi::Error::New(env, "createRing: gw_ring_format refused the region").ThrowAsJavaScriptException();
            return;
        }
        shared_ = new RingShared();
        live_rings.fetch_add(1, std::memory_order_relaxed);
        shared_->region = region;
        shared_->capacity = capacity;
        shared_->max_frame = max_frame;
        // refs starts at 1: this object's. The buffer takes its own.
        RingShared *s = shared_;
        Retain(s);
        Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(
            env, region, bytes, [](Napi::Env, void *, RingShared *hint) { Release(hint); }, s);
        Napi::Object self = info.This().As<Napi::Object>();
        self.TypeTag(&kRingTag);
        self.DefineProperties({
            Napi::PropertyDescriptor::Value("buffer", buffer, napi_enumerable),
            Napi::PropertyDescriptor::Value("capacity", Napi::Number::New(env, capacity), napi_enumerable),
            Napi::PropertyDescriptor::Value("maxFrame", Napi::Number::New(env, max_frame), napi_enumerable),
        });
    }

    ~NativeRing() override
    {
        // An armed doorbell references its callback strongly, so this object is only collected once
        // disarmed or at environment teardown; either way nothing more may call into JS.
        if (shared_ != nullptr) {
            Disarm(shared_);
            Release(shared_);
        }
    }

    RingShared *shared() const { return shared_; }

private:
    Napi::Value SetDoorbell(const Napi::CallbackInfo &info)
    {
        Napi::Env env = info.Env();
        if (shared_ == nullptr) return env.Undefined();
        Disarm(shared_);
        if (info.Length() < 1 || info[0].IsNull() || info[0].IsUndefined()) return env.Undefined();
        if (!info[0].IsFunction()) {
            Napi::TypeError::New(env, "setDoorbell(fn | null)").ThrowAsJavaScriptException();
            return env.Undefined();
        }
        if (!Arm(env, shared_, info[0])) {
            Napi::Error::New(env, "setDoorbell: cannot arm the doorbell").ThrowAsJavaScriptException();
            return env.Undefined();
        }
        return env.Undefined();
    }

    RingShared *shared_ = nullptr;
};


// ------------------------------------------------------------------ test tools (tests and benchmarks only)
// Frames written by the test producer and expected by the test consumer: frameType UdpDatagram (6)
// from the producer, any type to the consumer; sequence s from 1; payload byte i == (s * 7 + i) & 0xff.
// The producer also sets connectionId = s (low 32 bits), sessionId = payload length and
// receiveTimestampNs = kTestEpochNs + s; with `variable` the payload length of frame s is
// (uint32(s) * 2654435761) % (payloadBytes + 1), else payloadBytes.
constexpr uint64_t kTestEpochNs = 1764000000000000000ULL;

enum class ToolKind { Producer, Consumer };

struct TestTool {
    ToolKind kind;
    napi_env env;
    RingShared *shared;
    gw_ring ring;
    gw_agent_runner *runner = nullptr;
    // producer (agent thread)
    uint64_t count = 0;
    uint64_t next = 1;
    uint32_t payload = 0;
    uint32_t batch = 64;
    bool variable = false;
    // consumer (agent thread)
    uint64_t expect = 1;
    uint64_t frames_local = 0, bytes_local = 0, bad_sequence_local = 0, bad_content_local = 0;
    // published to the JS thread
    std::atomic<uint64_t> produced{0};
    std::atomic<uint64_t> back_pressured{0};
    std::atomic<bool> done{false};
    std::atomic<uint64_t> frames{0}, bytes{0}, bad_sequence{0}, bad_content{0};
    std::atomic<bool> corrupt{false};
};

constexpr int kMaxTools = 64;
std::mutex tools_lock;
TestTool *tools[kMaxTools];

// kPattern[k] == k & 0xff: byte i of the payload, (s * 7 + i) & 0xff, is kPattern[(s * 7 + i) & 0xff],
// so the payload is copied from the table in chunks of up to 256 bytes.
struct PatternTable {
    uint8_t bytes[512];
    PatternTable()
    {
        for (uint32_t k = 0; k < 512; k++) bytes[k] = static_cast<uint8_t>(k);
    }
};
const PatternTable kPattern;

void FillPattern(uint8_t *dst, uint32_t len, uint64_t seq)
{
    const uint32_t base = static_cast<uint32_t>(seq * 7u) & 0xffu;
    for (uint32_t i = 0; i < len; i += 256) {
        const uint32_t chunk = len - i < 256 ? len - i : 256;
        std::memcpy(dst + i, kPattern.bytes + ((base + i) & 0xffu), chunk);
    }
}

int ProducerWork(void *ctx)
{
    auto *p = static_cast<TestTool *>(ctx);
    uint32_t n = 0;
    while (n < p->batch && p->next <= p->count) {
        const uint64_t seq = p->next;
        const uint32_t len =
            p->variable ? static_cast<uint32_t>((static_cast<uint32_t>(seq) * 2654435761u) % (p->payload + 1u)) : p->payload;
        int rc = 0;
        uint8_t *dst = gw_ring_try_claim(&p->ring, 6, len, static_cast<uint32_t>(seq), len, kTestEpochNs + seq, &rc);
        if (dst == nullptr) {
            p->back_pressured.fetch_add(1, std::memory_order_relaxed);
            break;
        }
        FillPattern(dst, len, seq);
        p->next = seq + 1;
        n++;
    }
    if (n > 0) {
        gw_ring_publish(&p->ring);
        p->produced.store(p->next - 1, std::memory_order_release);
    }
    if (p->next > p->count) p->done.store(true, std::memory_order_release);
    return static_cast<int>(n);
}

void ConsumerFrame(void *ctx, const uint8_t *frame, uint32_t frame_length)
{
    auto *c = static_cast<TestTool *>(ctx);
    uint64_t seq;
    std::memcpy(&seq, frame + 24, 8);
    if (seq != c->expect) c->bad_sequence_local++;
    c->expect = seq + 1;
    const uint32_t len = frame_length - GW_FRAME_HEADER_BYTES;
    const uint8_t *payload = frame + GW_FRAME_HEADER_BYTES;
    const uint8_t base = static_cast<uint8_t>(seq * 7u);
    for (uint32_t i = 0; i < len; i++) {
        if (payload[i] != static_cast<uint8_t>(base + i)) {
            c->bad_content_local++;
            break;
        }
    }
    c->frames_local++;
    c->bytes_local += len;
}

int ConsumerWork(void *ctx)
{
    auto *c = static_cast<TestTool *>(ctx);
    const uint32_t n = gw_ring_poll(&c->ring, ConsumerFrame, c, 256);
    if (n > 0) {
        c->bytes.store(c->bytes_local, std::memory_order_relaxed);
        c->bad_sequence.store(c->bad_sequence_local, std::memory_order_relaxed);
        c->bad_content.store(c->bad_content_local, std::memory_order_relaxed);
        c->frames.store(c->frames_local, std::memory_order_release);
    }
    if (gw_ring_error(&c->ring) != GW_RING_OK) c->corrupt.store(true, std::memory_order_release);
    return static_cast<int>(n);
}

bool UnwrapRing(Napi::Value value, RingShared **out)
{
    if (!value.IsObject() || !value.As<Napi::Object>().CheckTypeTag(&kRingTag)) {
        Napi::TypeError::New(value.Env(), "expected a ring created by createRing()").ThrowAsJavaScriptException();
        return false;
    }
    NativeRing *ring = NativeRing::Unwrap(value.As<Napi::Object>());
    if (ring == nullptr || ring->shared() == nullptr) {
        Napi::TypeError::New(value.Env(), "expected a ring created by createRing()").ThrowAsJavaScriptException();
        return false;
    }
    *out = ring->shared();
    return true;
}

Napi::Value StartTool(const Napi::CallbackInfo &info, ToolKind kind)
{
    Napi::Env env = info.Env();
    RingShared *shared = nullptr;
    if (info.Length() < 1 || !UnwrapRing(info[0], &shared)) return env.Undefined();
    auto *t = new TestTool();
    t->kind = kind;
    t->env = env;
    gw_idle_strategy idle;
    gw_idle_init(&idle, kind == ToolKind::Producer ? GW_IDLE_BUSY_SPIN : GW_IDLE_BACKOFF);
    idle.max_park_ns = 50000; // the consumer is not woken by a doorbell: keep its parks short
    if (kind == ToolKind::Producer) {
        uint32_t count = 0, payload = 0;
        Napi::Object o = info.Length() > 1 && info[1].IsObject() ? info[1].As<Napi::Object>() : Napi::Object::New(env);
        if (!ToU32(o.Get("count"), &count) || !ToU32(o.Get("payloadBytes"), &payload)) {
            delete t;
            Napi::TypeError::New(env, "startTestProducer(ring, { count, payloadBytes, variable?, batch?, idle? })")
                .ThrowAsJavaScriptException();
            return env.Undefined();
        }
        t->count = count;
        t->payload = payload;
        if (payload > shared->max_frame - GW_FRAME_HEADER_BYTES) {
            delete t;
            Napi::RangeError::New(env, "startTestProducer: payloadBytes above the ring's maxFrame - 32")
                .ThrowAsJavaScriptException();
            return env.Undefined();
        }
        Napi::Value batch = o.Get("batch");
        if (!batch.IsUndefined() && (!ToU32(batch, &t->batch) || t->batch == 0)) {
            delete t;
            Napi::TypeError::New(env, "startTestProducer: batch must be a positive integer").ThrowAsJavaScriptException();
            return env.Undefined();
        }
        t->variable = o.Get("variable").ToBoolean().Value();
        Napi::Value kindName = o.Get("idle");
        if (kindName.IsString()) {
            const std::string k = kindName.As<Napi::String>().Utf8Value();
            if (k == "yield") idle.kind = GW_IDLE_YIELD;
            else if (k == "backoff") idle.kind = GW_IDLE_BACKOFF;
        }
    }
    if (gw_ring_attach(&t->ring, shared->region) != GW_RING_OK) {
        delete t;
        Napi::Error::New(env, "cannot attach to the ring").ThrowAsJavaScriptException();
        return env.Undefined();
    }
    if (kind == ToolKind::Producer) gw_ring_set_doorbell(&t->ring, Doorbell, shared);
    int slot = -1;
    {
        std::lock_guard<std::mutex> guard(tools_lock);
        for (int i = 0; i < kMaxTools; i++)
            if (tools[i] == nullptr) {
                tools[i] = t;
                slot = i;
                break;
            }
    }
    if (slot < 0) {
        delete t;
        Napi::Error::New(env, "too many test producers/consumers running").ThrowAsJavaScriptException();
        return env.Undefined();
    }
    Retain(shared);
    t->shared = shared;
    static const gw_agent_ops producer_ops = {"gw-test-prod", nullptr, ProducerWork, nullptr};
    static const gw_agent_ops consumer_ops = {"gw-test-cons", nullptr, ConsumerWork, nullptr};
    t->runner = gw_agent_start(kind == ToolKind::Producer ? &producer_ops : &consumer_ops, t, &idle, -1);
    if (t->runner == nullptr) {
        {
            std::lock_guard<std::mutex> guard(tools_lock);
            tools[slot] = nullptr;
        }
        Release(shared);
        delete t;
        Napi::Error::New(env, "cannot start the agent thread").ThrowAsJavaScriptException();
        return env.Undefined();
    }
    return Napi::Number::New(env, slot + 1);
}

TestTool *FindTool(const Napi::CallbackInfo &info, ToolKind kind, bool remove)
{
    uint32_t handle = 0;
    TestTool *t = nullptr;
    if (info.Length() >= 1 && ToU32(info[0], &handle) && handle >= 1 && handle <= kMaxTools) {
        std::lock_guard<std::mutex> guard(tools_lock);
        t = tools[handle - 1];
        if (t != nullptr && (t->kind != kind || t->env != static_cast<napi_env>(info.Env()))) t = nullptr;
        if (t != nullptr && remove) tools[handle - 1] = nullptr;
    }
    if (t == nullptr) Napi::TypeError::New(info.Env(), "unknown test tool handle").ThrowAsJavaScriptException();
    return t;
}

Napi::Object ToolStatus(Napi::Env env, TestTool *t)
{
    Napi::Object o = Napi::Object::New(env);
    if (t->kind == ToolKind::Producer) {
        o.Set("produced", Napi::Number::New(env, static_cast<double>(t->produced.load(std::memory_order_acquire))));
        o.Set("done", Napi::Boolean::New(env, t->done.load(std::memory_order_acquire)));
        o.Set("backPressured", Napi::Number::New(env, static_cast<double>(t->back_pressured.load())));
    } else {
        const uint64_t frames = t->frames.load(std::memory_order_acquire);
        o.Set("frames", Napi::Number::New(env, static_cast<double>(frames)));
        o.Set("bytes", Napi::Number::New(env, static_cast<double>(t->bytes.load(std::memory_order_relaxed))));
        o.Set("badSequence", Napi::Number::New(env, static_cast<double>(t->bad_sequence.load(std::memory_order_relaxed))));
        o.Set("badContent", Napi::Number::New(env, static_cast<double>(t->bad_content.load(std::memory_order_relaxed))));
        o.Set("corrupt", Napi::Boolean::New(env, t->corrupt.load(std::memory_order_acquire)));
    }
    return o;
}

void StopTool(TestTool *t)
{
    gw_agent_stop(t->runner); // joins: every store of the agent is visible after this
    Release(t->shared);
}

Napi::Value ToolStatusFn(const Napi::CallbackInfo &info, ToolKind kind)
{
    TestTool *t = FindTool(info, kind, false);
    if (t == nullptr) return info.Env().Undefined();
    return ToolStatus(info.Env(), t);
}

Napi::Value ToolStopFn(const Napi::CallbackInfo &info, ToolKind kind)
{
    TestTool *t = FindTool(info, kind, true);
    if (t == nullptr) return info.Env().Undefined();
    gw_agent_stop(t->runner);
    t->runner = nullptr;
    Napi::Object status = ToolStatus(info.Env(), t);
    Release(t->shared);
    delete t;
    return status;
}

// Environment teardown: stop this environment's tools that JS did not stop.
void StopToolsOf(napi_env env)
{
    for (int i = 0; i < kMaxTools; i++) {
        TestTool *t = nullptr;
        {
            std::lock_guard<std::mutex> guard(tools_lock);
            if (tools[i] != nullptr && tools[i]->env == env) {
                t = tools[i];
                tools[i] = nullptr;
            }
        }
        if (t != nullptr) {
            StopTool(t);
            delete t;
        }
    }
}

} // namespace

bool RingFromValue(Napi::Value value, RingRef *out)
{
    RingShared *shared = nullptr;
    if (!UnwrapRing(value, &shared)) return false;
    out->region = shared->region;
    out->doorbell = Doorbell;
    out->doorbell_ctx = shared;
    return true;
}

// Native users of a ring (agents of other parts) take a reference for as long as they use the
// region and release it after their agent is joined (any thread). Until binding.h declares these,
// hold a Napi::Reference to the ring object instead (same effect, JS thread only).
void RingRetain(const RingRef &ref)
{
    Retain(static_cast<RingShared *>(ref.doorbell_ctx));
}

void RingRelease(const RingRef &ref)
{
    Release(static_cast<RingShared *>(ref.doorbell_ctx));
}

void RegisterRing(Napi::Env env, Napi::Object exports)
{
    Napi::Function ctor = NativeRing::Define(env);
    auto *ctor_ref = new Napi::FunctionReference(Napi::Persistent(ctor));
    napi_env raw = env;
    env.AddCleanupHook([ctor_ref, raw]() {
        StopToolsOf(raw);
        delete ctor_ref;
    });
    exports.Set("NativeRing", ctor);
    // Which doorbell this build has (see the top of this file); reported by the benchmarks.
    exports.Set("ringDoorbell", Napi::String::New(env, GW_UV_DOORBELL ? "uv_async" : "threadsafe-function"));
    exports.Set("createRing", Napi::Function::New(
                                  env,
                                  [](const Napi::CallbackInfo &info) -> Napi::Value {
                                      auto *ref = static_cast<Napi::FunctionReference *>(info.Data());
                                      std::vector<napi_value> args;
                                      for (size_t i = 0; i < info.Length(); i++) args.push_back(info[i]);
                                      return ref->New(args);
                                  },
                                  "createRing", ctor_ref));
    exports.Set("liveRingCount", Napi::Function::New(
                                     env,
                                     [](const Napi::CallbackInfo &info) -> Napi::Value {
                                         return Napi::Number::New(info.Env(), static_cast<double>(live_rings.load()));
                                     },
                                     "liveRingCount"));
    exports.Set("startTestProducer", Napi::Function::New(
                                         env, [](const Napi::CallbackInfo &info) { return StartTool(info, ToolKind::Producer); },
                                         "startTestProducer"));
    exports.Set("testProducerStatus",
                Napi::Function::New(
                    env, [](const Napi::CallbackInfo &info) { return ToolStatusFn(info, ToolKind::Producer); },
                    "testProducerStatus"));
    exports.Set("stopTestProducer", Napi::Function::New(
                                        env, [](const Napi::CallbackInfo &info) { return ToolStopFn(info, ToolKind::Producer); },
                                        "stopTestProducer"));
    exports.Set("startTestConsumer", Napi::Function::New(
                                         env, [](const Napi::CallbackInfo &info) { return StartTool(info, ToolKind::Consumer); },
                                         "startTestConsumer"));
    exports.Set("testConsumerStatus",
                Napi::Function::New(
                    env, [](const Napi::CallbackInfo &info) { return ToolStatusFn(info, ToolKind::Consumer); },
                    "testConsumerStatus"));
    exports.Set("stopTestConsumer", Napi::Function::New(
                                        env, [](const Napi::CallbackInfo &info) { return ToolStopFn(info, ToolKind::Consumer); },
                                        "stopTestConsumer"));
}

} // namespace gw
