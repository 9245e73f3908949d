// Trade-feed receive (native/src/core/feed.h) from JS: a feed = one backend (udp, dpdk, efvi) writing
// UdpDatagram frames into a ring created by createRing(), driven by its own agent thread.
//
// Exports (typed in src/native/feed.ts):
//   feedBackends() -> string[]                     backends compiled into this addon ("udp" first)
//   openFeed(ring, options) -> NativeFeed          opens the backend (DPDK: EAL init on first use)
//   NativeFeed.start({ idle?, cpu? })              starts the agent thread
//   NativeFeed.stop()                              stops and joins it (frames published stay in the ring)
//   NativeFeed.close()                             stop + close the backend (also done by the finalizer)
//   NativeFeed.pollOnce(max) -> number             one rx_burst + publish on the JS thread (no agent)
//   NativeFeed.stats() -> { packets, bytes, drops, filtered, truncated, errors, backPressured }
//   NativeFeed.backend / localPort / pinError
// One N-API call starts a feed; datagrams reach JS only through the ring (never one call per message).
//
// Thread: NativeFeed objects belong to the JS thread; the gw_feed they own runs on its agent thread
// between start() and stop(). The feed holds a reference to the ring object so the region outlives it.
#include <cstring>
#include <string>
#include <vector>

#include "agent.h"
#include "binding.h"
#include "feed.h"

namespace gw {

namespace {

bool GetString(Napi::Object o, const char *key, std::string *out, bool *present)
{
    Napi::Value v = o.Get(key);
    *present = false;
    if (v.IsUndefined() || v.IsNull()) return true;
    if (!v.IsString()) {
        Napi::TypeError::New(o.Env(), std::string("feed option ") + key + " must be a string").ThrowAsJavaScriptException();
        return false;
    }
    *out = v.As<Napi::String>().Utf8Value();
    *present = true;
    return true;
}

bool GetUint(Napi::Object o, const char *key, uint32_t max, uint32_t *out)
{
    Napi::Value v = o.Get(key);
    if (v.IsUndefined() || v.IsNull()) return true;
    if (!v.IsNumber()) {
        Napi::TypeError::New(o.Env(), std::string("feed option ") + key + " must be a number").ThrowAsJavaScriptException();
        return false;
    }
    double d = v.As<Napi::Number>().DoubleValue();
    if (!(d >= 0 && d <= static_cast<double>(max)) || d != static_cast<double>(static_cast<uint64_t>(d))) {
        Napi::RangeError::New(o.Env(), std::string("feed option ") + key + " must be an integer in [0, " +
                                           std::to_string(max) + "]")
            .ThrowAsJavaScriptException();
        return false;
    }
    *out = static_cast<uint32_t>(d);
    return true;
}

class NativeFeed : public Napi::ObjectWrap<NativeFeed> {
  public:
    static Napi::Function Define(Napi::Env env)
    {
        return DefineClass(env, "NativeFeed",
                           {
                               InstanceMethod<&NativeFeed::Start>("start"),
                               InstanceMethod<&NativeFeed::Stop>("stop"),
                               InstanceMethod<&NativeFeed::Close>("close"),
                               InstanceMethod<&NativeFeed::PollOnce>("pollOnce"),
                               InstanceMethod<&NativeFeed::Stats>("stats"),
                               InstanceAccessor<&NativeFeed::Backend>("backend"),
                               InstanceAccessor<&NativeFeed::LocalPort>("localPort"),
                               InstanceAccessor<&NativeFeed::PinError>("pinError"),
                               InstanceAccessor<&NativeFeed::Running>("running"),
                           });
    }

    explicit NativeFeed(const Napi::CallbackInfo &info) : Napi::ObjectWrap<NativeFeed>(info)
    {
        // Constructed only by openFeed (info[0] = ring, info[1] = options; already validated there).
        Napi::Env env = info.Env();
        if (info.Length() < 2 || !info[1].IsObject()) {
            Napi::TypeError::New(env, "use openFeed(ring, options)").ThrowAsJavaScriptException();
            return;
        }
        RingRef ref{};
        if (!RingFromValue(info[0], &ref)) return;
        Napi::Object o = info[1].As<Napi::Object>();

        std::string backend = "udp", bind, group, iface, device;
        bool has = false, has_bind = false, has_group = false, has_iface = false, has_device = false;
        if (!GetString(o, "backend", &backend, &has)) return;
        if (!GetString(o, "bindAddress", &bind, &has_bind)) return;
        if (!GetString(o, "multicastGroup", &group, &has_group)) return;
        if (!GetString(o, "multicastInterface", &iface, &has_iface)) return;
        if (!GetString(o, "device", &device, &has_device)) return;
        gw_feed_config cfg;
        std::memset(&cfg, 0, sizeof cfg);
        uint32_t port = 0, rx_desc = 0;
        if (!GetUint(o, "feedId", UINT32_MAX, &cfg.feed_id) || !GetUint(o, "port", 65535, &port) ||
            !GetUint(o, "rcvbufBytes", INT32_MAX, &cfg.rcvbuf_bytes) ||
            !GetUint(o, "batch", GW_FEED_MAX_BATCH, &cfg.batch) ||
            !GetUint(o, "maxDatagram", GW_FEED_MAX_DATAGRAM, &cfg.max_datagram) ||
            !GetUint(o, "mbufs", UINT32_MAX, &cfg.mbufs) || !GetUint(o, "rxDescriptors", 32768, &rx_desc))
            return;
        cfg.port = static_cast<uint16_t>(port);
        cfg.rx_descriptors = static_cast<uint16_t>(rx_desc);
        cfg.bind_address = has_bind ? bind.c_str() : nullptr;
        cfg.multicast_group = has_group ? group.c_str() : nullptr;
        cfg.multicast_interface = has_iface ? iface.c_str() : nullptr;
        cfg.device = has_device ? device.c_str() : nullptr;

        std::vector<std::string> eal;
        std::vector<const char *> eal_ptrs;
        Napi::Value ev = o.Get("ealArgs");
        if (!ev.IsUndefined() && !ev.IsNull()) {
            if (!ev.IsArray()) {
                Napi::TypeError::New(env, "feed option ealArgs must be an array of strings").ThrowAsJavaScriptException();
                return;
            }
            Napi::Array a = ev.As<Napi::Array>();
            if (a.Length() > static_cast<uint32_t>(GW_FEED_MAX_EAL_ARGS)) {
                Napi::RangeError::New(env, "feed option ealArgs: at most " + std::to_string(GW_FEED_MAX_EAL_ARGS) +
                                               " arguments")
                    .ThrowAsJavaScriptException();
                return;
            }
            for (uint32_t i = 0; i < a.Length(); i++) {
                Napi::Value s = a.Get(i);
                if (!s.IsString()) {
                    Napi::TypeError::New(env, "feed option ealArgs must be an array of strings").ThrowAsJavaScriptException();
                    return;
                }
                eal.push_back(s.As<Napi::String>().Utf8Value());
            }
            for (const std::string &s : eal) eal_ptrs.push_back(s.c_str());
            cfg.eal_argv = eal_ptrs.data();
            cfg.eal_argc = static_cast<int>(eal_ptrs.size());
        }

        char err[512] = "";
        feed_ = gw_feed_create(backend.c_str(), &cfg, ref.region, ref.doorbell, ref.doorbell_ctx, err, sizeof err);
        if (feed_ == nullptr) {
            Napi::Error e = Napi::Error::New(env, err);
            e.Set("code", Napi::String::New(env, std::strstr(err, "built without") != nullptr ? "FEED_UNAVAILABLE"
                                                                                                 : "FEED_OPEN_FAILED"));
            e.ThrowAsJavaScriptException();
            return;
        }
        ring_ = Napi::Persistent(info[0].As<Napi::Object>());
    }

    ~NativeFeed() override { Destroy(); }

  private:
    void Destroy()
    {
        if (feed_ != nullptr) {
            gw_feed_destroy(feed_); // joins the agent first
            feed_ = nullptr;
        }
        if (!ring_.IsEmpty()) ring_.Reset();
    }

    bool Open(Napi::Env env)
    {
        if (feed_ != nullptr) return true;
        Napi::Error::New(env, "feed is closed").ThrowAsJavaScriptException();
        return false;
    }

    Napi::Value Start(const Napi::CallbackInfo &info)
    {
        Napi::Env env = info.Env();
        if (!Open(env)) return env.Undefined();
        gw_idle_kind kind = GW_IDLE_BACKOFF;
        int cpu = -1;
        if (info.Length() > 0 && info[0].IsObject()) {
            Napi::Object o = info[0].As<Napi::Object>();
            Napi::Value idle = o.Get("idle");
            if (idle.IsString()) {
                std::string s = idle.As<Napi::String>().Utf8Value();
                if (s == "spin") kind = GW_IDLE_BUSY_SPIN;
                else if (s == "yield") kind = GW_IDLE_YIELD;
                else if (s == "backoff") kind = GW_IDLE_BACKOFF;
                else if (s == "park") kind = GW_IDLE_PARK;
                else {
                    Napi::RangeError::New(env, "idle must be 'spin', 'yield', 'backoff' or 'park'").ThrowAsJavaScriptException();
                    return env.Undefined();
                }
            }
            Napi::Value c = o.Get("cpu");
            if (c.IsNumber()) cpu = c.As<Napi::Number>().Int32Value();
        }
        gw_idle_strategy idle;
        gw_idle_init(&idle, kind);
        if (gw_feed_start(feed_, &idle, cpu) != 0) {
            Napi::Error::New(env, running_ ? "feed already started" : "cannot start the feed agent thread")
                .ThrowAsJavaScriptException();
            return env.Undefined();
        }
        running_ = true;
        return env.Undefined();
    }

    Napi::Value Stop(const Napi::CallbackInfo &info)
    {
        if (feed_ != nullptr) gw_feed_stop(feed_);
        running_ = false;
        return info.Env().Undefined();
    }

    Napi::Value Close(const Napi::CallbackInfo &info)
    {
        Destroy();
        running_ = false;
        return info.Env().Undefined();
    }

    Napi::Value PollOnce(const Napi::CallbackInfo &info)
    {
        Napi::Env env = info.Env();
        if (!Open(env)) return env.Undefined();
        if (running_) {
            Napi::Error::New(env, "pollOnce while the feed agent runs").ThrowAsJavaScriptException();
            return env.Undefined();
        }
        uint32_t max = GW_FEED_DEFAULT_BATCH;
        if (info.Length() > 0 && info[0].IsNumber()) max = info[0].As<Napi::Number>().Uint32Value();
        return Napi::Number::New(env, gw_feed_poll_once(feed_, max));
    }

    Napi::Value Stats(const Napi::CallbackInfo &info)
    {
        Napi::Env env = info.Env();
        gw_feed_stats s;
        std::memset(&s, 0, sizeof s);
        if (feed_ != nullptr) gw_feed_get_stats(feed_, &s);
        Napi::Object o = Napi::Object::New(env);
        o.Set("packets", Napi::Number::New(env, static_cast<double>(s.packets)));
        o.Set("bytes", Napi::Number::New(env, static_cast<double>(s.bytes)));
        o.Set("drops", Napi::Number::New(env, static_cast<double>(s.drops)));
        o.Set("filtered", Napi::Number::New(env, static_cast<double>(s.filtered)));
        o.Set("truncated", Napi::Number::New(env, static_cast<double>(s.truncated)));
        o.Set("errors", Napi::Number::New(env, static_cast<double>(s.errors)));
        o.Set("backPressured", Napi::Number::New(env, static_cast<double>(s.back_pressured)));
        return o;
    }

    Napi::Value Backend(const Napi::CallbackInfo &info)
    {
        if (feed_ == nullptr) return info.Env().Null();
        return Napi::String::New(info.Env(), gw_feed_backend_name(feed_));
    }

    Napi::Value LocalPort(const Napi::CallbackInfo &info)
    {
        return Napi::Number::New(info.Env(), feed_ != nullptr ? gw_feed_local_port(feed_) : 0);
    }

    Napi::Value PinError(const Napi::CallbackInfo &info)
    {
        return Napi::Number::New(info.Env(), feed_ != nullptr ? gw_feed_pin_error(feed_) : 0);
    }

    Napi::Value Running(const Napi::CallbackInfo &info)
    {
        return Napi::Boolean::New(info.Env(), running_);
    }

    gw_feed *feed_ = nullptr;
    bool running_ = false;
    Napi::ObjectReference ring_;
};

Napi::Value FeedBackends(const Napi::CallbackInfo &info)
{
    Napi::Env env = info.Env();
    const size_t n = gw_feed_backend_count();
    Napi::Array a = Napi::Array::New(env, n);
    for (size_t i = 0; i < n; i++) a.Set(static_cast<uint32_t>(i), Napi::String::New(env, gw_feed_backend_at(i)->name));
    return a;
}

} // namespace

void RegisterFeed(Napi::Env env, Napi::Object exports)
{
    Napi::Function ctor = NativeFeed::Define(env);
    auto *ctor_ref = new Napi::FunctionReference(Napi::Persistent(ctor));
    env.AddCleanupHook([ctor_ref]() { delete ctor_ref; });
    exports.Set("feedBackends", Napi::Function::New(env, FeedBackends, "feedBackends"));
    exports.Set("openFeed", Napi::Function::New(
                                env,
                                [ctor_ref](const Napi::CallbackInfo &info) -> Napi::Value {
                                    Napi::Env e = info.Env();
                                    if (info.Length() < 2 || !info[1].IsObject()) {
                                        Napi::TypeError::New(e, "openFeed(ring, options): options object expected")
                                            .ThrowAsJavaScriptException();
                                        return e.Undefined();
                                    }
                                    Napi::Object feed = ctor_ref->New({info[0], info[1]});
                                    if (e.IsExceptionPending()) return e.Undefined();
                                    return feed;
                                },
                                "openFeed"));
}

} // namespace gw
