// The network agent (native/src/core/net.h) for JS: one NetAgent object = one gw_net + its agent thread.
//
// Exports (typed in src/native/net.ts):
//   createNetAgent(inboundRing, outboundRing, config?) -> NetAgent
//     NetAgent.addTls(profile, isServer) -> tlsId          any time (up to GW_NET_MAX_TLS profiles)
//     NetAgent.start({ idle?: 'spin'|'yield'|'backoff'|'park', cpu?: number, minParkNs?, maxParkNs? })
//     NetAgent.listen(host, port, tlsId, backlog) -> { id, port }   throws (code = errno name) on failure
//     NetAgent.connect(host, port, tlsId, serverName) -> id        outcome as a Connected/ConnectionError frame
//     NetAgent.close(id) -> boolean                               false: command queue full (retry)
//     NetAgent.stats() -> { accepted, connected, ... }
//     NetAgent.wake()                                             outbound ring doorbell (agent parked)
//     NetAgent.stop()                                             joins the thread, frees the agent
// Control calls only: the data path is the two rings (never one N-API call per message).
//
// Lifetime: the agent takes a reference on both rings (RingRetain) so their regions outlive it even if
// JS drops the ring objects; stop() (or the finalizer, or environment teardown) joins the thread first,
// then destroys the gw_net, then releases the rings. Threads: every function here runs on the JS thread.
#include <cerrno>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "agent.h"
#include "binding.h"
#include "net.h"

namespace gw {

namespace {

bool GetU32(const Napi::Object &o, const char *key, uint32_t *out)
{
    Napi::Value v = o.Get(key);
    if (v.IsUndefined()) return true;
    if (!v.IsNumber()) return false;
    const double d = v.As<Napi::Number>().DoubleValue();
    if (!(d >= 0 && d <= 4294967295.0) || d != static_cast<double>(static_cast<uint32_t>(d))) return false;
    *out = static_cast<uint32_t>(d);
    return true;
}

bool GetString(const Napi::Object &o, const char *key, std::string *out, bool *present)
{
    Napi::Value v = o.Get(key);
    *present = false;
    if (v.IsUndefined() || v.IsNull()) return true;
    if (!v.IsString()) return false;
    *out = v.As<Napi::String>().Utf8Value();
    *present = true;
    return true;
}

void ThrowCode(Napi::Env env, const char *code, const std::string &message)
{
    Napi::Error e = Napi::Error::New(env, message);
    e.Set("code", Napi::String::New(env, code));
    e.ThrowAsJavaScriptException();
}

const char *ErrnoName(int e)
{
    switch (e) {
    case EADDRINUSE: return "EADDRINUSE";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case EACCES: return "EACCES";
    case EINVAL: return "EINVAL";
    case EAGAIN: return "EAGAIN";
    case EMFILE: return "EMFILE";
    default: return "ENET";
    }
}

class NetAgent : public Napi::ObjectWrap<NetAgent> {
public:
    static Napi::Function Define(Napi::Env env)
    {
        return DefineClass(env, "NetAgent",
                           {InstanceMethod<&NetAgent::AddTls>("addTls"), InstanceMethod<&NetAgent::Start>("start"),
                            InstanceMethod<&NetAgent::Listen>("listen"), InstanceMethod<&NetAgent::Connect>("connect"),
                            InstanceMethod<&NetAgent::Close>("close"), InstanceMethod<&NetAgent::Stats>("stats"),
                            InstanceMethod<&NetAgent::Wake>("wake"), InstanceMethod<&NetAgent::Stop>("stop")});
    }

    explicit NetAgent(const Napi::CallbackInfo &info) : Napi::ObjectWrap<NetAgent>(info)
    {
        Napi::Env env = info.Env();
        if (info.Length() < 2) {
            Napi::TypeError::New(env, "createNetAgent(inboundRing, outboundRing, config?)").ThrowAsJavaScriptException();
            return;
        }
        if (!RingFromValue(info[0], &in_) || !RingFromValue(info[1], &out_)) return; // TypeError pending
        gw_net_config cfg;
        gw_net_config_defaults(&cfg);
        if (info.Length() > 2 && info[2].IsObject()) {
            Napi::Object o = info[2].As<Napi::Object>();
            uint32_t nodelay = cfg.tcp_nodelay != 0 ? 1u : 0u;
            bool ok = GetU32(o, "maxConnections", &cfg.max_connections) && GetU32(o, "recvBufferBytes", &cfg.recv_buffer_bytes) &&
                      GetU32(o, "sendBufferBytes", &cfg.send_buffer_bytes) &&
                      GetU32(o, "maxMessageBytes", &cfg.max_message_bytes) && GetU32(o, "maxFields", &cfg.max_fields) &&
                      GetU32(o, "maxEvents", &cfg.max_events) && GetU32(o, "readBudgetBytes", &cfg.read_budget_bytes) &&
                      GetU32(o, "outboundFrameLimit", &cfg.outbound_frame_limit) &&
                      GetU32(o, "commandQueueCapacity", &cfg.command_queue_capacity) &&
                      GetU32(o, "openTimeoutMs", &cfg.open_timeout_ms) && GetU32(o, "closeTimeoutMs", &cfg.close_timeout_ms) &&
                      GetU32(o, "socketSendBufferBytes", &cfg.socket_send_buffer_bytes) &&
                      GetU32(o, "blockAfterIdleCycles", &cfg.block_after_idle_cycles) &&
                      GetU32(o, "blockTimeoutMs", &cfg.block_timeout_ms);
            Napi::Value nd = o.Get("tcpNoDelay");
            if (nd.IsBoolean()) nodelay = nd.As<Napi::Boolean>().Value() ? 1u : 0u;
            cfg.tcp_nodelay = static_cast<int>(nodelay);
            if (!ok) {
                Napi::TypeError::New(env, "createNetAgent: config values must be unsigned 32-bit integers").ThrowAsJavaScriptException();
                return;
            }
        }
        char err[256];
        net_ = gw_net_create(&cfg, in_.region, in_.doorbell, in_.doorbell_ctx, out_.region, err, sizeof err);
        if (net_ == nullptr) {
            ThrowCode(env, "EINVAL", std::string("createNetAgent: ") + err);
            return;
        }
        RingRetain(in_);
        RingRetain(out_);
        retained_ = true;
        env_ = env;
        // node-addon-api frees the hook's data after running it: the hook must not be removed later.
        hook_ = env.AddCleanupHook(std::function<void()>([this]() {
            hooked_ = false;
            Shutdown();
        }));
        hooked_ = true;
    }

    ~NetAgent() override
    {
        if (hooked_) {
            hook_.Remove(env_);
            hooked_ = false;
        }
        Shutdown();
    }

private:
    // Joins the agent (on_close has emitted Disconnected frames), frees the core state, releases rings.
    void Shutdown()
    {
        if (runner_ != nullptr) {
            gw_net_prepare_stop(net_); // a blocking idle wait returns at once and is not re-entered
            gw_agent_stop(runner_);
            runner_ = nullptr;
        }
        if (net_ != nullptr) {
            gw_net_destroy(net_);
            net_ = nullptr;
        }
        if (retained_) {
            RingRelease(in_);
            RingRelease(out_);
            retained_ = false;
        }
    }

    bool Alive(Napi::Env env)
    {
        if (net_ != nullptr) return true;
        ThrowCode(env, "ESTOPPED", "network agent is stopped");
        return false;
    }

    Napi::Value AddTls(const Napi::CallbackInfo &info)
    {
        Napi::Env env = info.Env();
        if (!Alive(env)) return env.Undefined();
        if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsBoolean()) {
            Napi::TypeError::New(env, "addTls(profile, isServer)").ThrowAsJavaScriptException();
            return env.Undefined();
        }
        Napi::Object o = info[0].As<Napi::Object>();
        std::string cert, key, ca, ciphers;
        bool has_cert = false, has_key = false, has_ca = false, has_ciphers = false;
        uint32_t minv = 0, maxv = 0;
        if (!GetString(o, "certFile", &cert, &has_cert) || !GetString(o, "keyFile", &key, &has_key) ||
            !GetString(o, "caFile", &ca, &has_ca) || !GetString(o, "ciphers", &ciphers, &has_ciphers) ||
            !GetU32(o, "minVersion", &minv) || !GetU32(o, "maxVersion", &maxv)) {
            Napi::TypeError::New(env, "addTls: certFile/keyFile/caFile/ciphers are strings, minVersion/maxVersion 12 or 13")
                .ThrowAsJavaScriptException();
            return env.Undefined();
        }
        Napi::Value vp = o.Get("verifyPeer");
        gw_tls_config c;
        c.cert_file = has_cert ? cert.c_str() : nullptr;
        c.key_file = has_key ? key.c_str() : nullptr;
        c.ca_file = has_ca ? ca.c_str() : nullptr;
        c.verify_peer = vp.IsBoolean() && vp.As<Napi::Boolean>().Value() ? 1 : 0;
        c.min_version = static_cast<int>(minv);
        c.max_version = static_cast<int>(maxv);
        c.ciphers = has_ciphers ? ciphers.c_str() : nullptr;
        char err[256];
        int id = gw_net_add_tls(net_, &c, info[1].As<Napi::Boolean>().Value() ? 1 : 0, err, sizeof err);
        if (id < 0) {
            ThrowCode(env, "ETLSCONFIG", std::string("addTls: ") + err);
            return env.Undefined();
        }
        return Napi::Number::New(env, id);
    }

    Napi::Value Start(const Napi::CallbackInfo &info)
    {
        Napi::Env env = info.Env();
        if (!Alive(env)) return env.Undefined();
        if (runner_ != nullptr) {
            ThrowCode(env, "EINVAL", "start: already started");
            return env.Undefined();
        }
        gw_idle_kind kind = GW_IDLE_BACKOFF;
        int cpu = -1;
        gw_idle_strategy idle;
        uint32_t min_park = 0, max_park = 0;
        if (info.Length() > 0 && info[0].IsObject()) {
            Napi::Object o = info[0].As<Napi::Object>();
            Napi::Value i = o.Get("idle");
            if (i.IsString()) {
                std::string s = i.As<Napi::String>().Utf8Value();
                if (s == "spin") kind = GW_IDLE_BUSY_SPIN;
                else if (s == "yield") kind = GW_IDLE_YIELD;
                else if (s == "backoff") kind = GW_IDLE_BACKOFF;
                else if (s == "park") kind = GW_IDLE_PARK;
                else {
                    Napi::TypeError::New(env, "start: idle is 'spin' | 'yield' | 'backoff' | 'park'").ThrowAsJavaScriptException();
                    return env.Undefined();
                }
            }
            Napi::Value c = o.Get("cpu");
            if (c.IsNumber()) cpu = c.As<Napi::Number>().Int32Value();
            if (!GetU32(o, "minParkNs", &min_park) || !GetU32(o, "maxParkNs", &max_park)) {
                Napi::TypeError::New(env, "start: minParkNs/maxParkNs are unsigned 32-bit integers").ThrowAsJavaScriptException();
                return env.Undefined();
            }
        }
        gw_idle_init(&idle, kind);
        if (min_park > 0) idle.min_park_ns = min_park;
        if (max_park > 0) idle.max_park_ns = max_park;
        if (idle.max_park_ns < idle.min_park_ns) idle.max_park_ns = idle.min_park_ns;
        runner_ = gw_agent_start(gw_net_agent_ops(), net_, &idle, cpu);
        if (runner_ == nullptr) {
            ThrowCode(env, "EAGAIN", "start: cannot create the agent thread");
            return env.Undefined();
        }
        Napi::Object r = Napi::Object::New(env);
        r.Set("pinError", Napi::Number::New(env, gw_agent_pin_error(runner_)));
        return r;
    }

    static bool HostPort(const Napi::CallbackInfo &info, std::string *host, uint16_t *port, int *tls)
    {
        if (info.Length() < 3 || !info[0].IsString() || !info[1].IsNumber() || !info[2].IsNumber()) return false;
        *host = info[0].As<Napi::String>().Utf8Value();
        const int64_t p = info[1].As<Napi::Number>().Int64Value();
        if (p < 0 || p > 65535) return false;
        *port = static_cast<uint16_t>(p);
        *tls = info[2].As<Napi::Number>().Int32Value();
        return true;
    }

    Napi::Value Listen(const Napi::CallbackInfo &info)
    {
        Napi::Env env = info.Env();
        if (!Alive(env)) return env.Undefined();
        std::string host;
        uint16_t port = 0;
        int tls = GW_NET_NO_TLS;
        if (!HostPort(info, &host, &port, &tls)) {
            Napi::TypeError::New(env, "listen(host, port, tlsId, backlog?)").ThrowAsJavaScriptException();
            return env.Undefined();
        }
        int backlog = info.Length() > 3 && info[3].IsNumber() ? info[3].As<Napi::Number>().Int32Value() : 128;
        uint32_t id = 0;
        uint16_t bound = 0;
        char err[256];
        int rc = gw_net_listen(net_, host.c_str(), port, tls, backlog, &id, &bound, err, sizeof err);
        if (rc != 0) {
            ThrowCode(env, ErrnoName(-rc), err);
            return env.Undefined();
        }
        Napi::Object r = Napi::Object::New(env);
        r.Set("id", Napi::Number::New(env, id));
        r.Set("port", Napi::Number::New(env, bound));
        return r;
    }

    Napi::Value Connect(const Napi::CallbackInfo &info)
    {
        Napi::Env env = info.Env();
        if (!Alive(env)) return env.Undefined();
        std::string host, sni;
        uint16_t port = 0;
        int tls = GW_NET_NO_TLS;
        if (!HostPort(info, &host, &port, &tls)) {
            Napi::TypeError::New(env, "connect(host, port, tlsId, serverName?)").ThrowAsJavaScriptException();
            return env.Undefined();
        }
        bool has_sni = info.Length() > 3 && info[3].IsString();
        if (has_sni) sni = info[3].As<Napi::String>().Utf8Value();
        uint32_t id = 0;
        char err[256];
        int rc = gw_net_connect(net_, host.c_str(), port, tls, has_sni ? sni.c_str() : nullptr, &id, err, sizeof err);
        if (rc != 0) {
            ThrowCode(env, ErrnoName(-rc), err);
            return env.Undefined();
        }
        return Napi::Number::New(env, id);
    }

    Napi::Value Close(const Napi::CallbackInfo &info)
    {
        Napi::Env env = info.Env();
        if (!Alive(env)) return env.Undefined();
        if (info.Length() < 1 || !info[0].IsNumber()) {
            Napi::TypeError::New(env, "close(id)").ThrowAsJavaScriptException();
            return env.Undefined();
        }
        char err[128];
        int rc = gw_net_close(net_, info[0].As<Napi::Number>().Uint32Value(), err, sizeof err);
        return Napi::Boolean::New(env, rc == 0);
    }

    Napi::Value Stats(const Napi::CallbackInfo &info)
    {
        Napi::Env env = info.Env();
        if (!Alive(env)) return env.Undefined();
        gw_net_stats s;
        gw_net_stats_read(net_, &s);
        Napi::Object r = Napi::Object::New(env);
        r.Set("accepted", Napi::Number::New(env, static_cast<double>(s.accepted)));
        r.Set("connected", Napi::Number::New(env, static_cast<double>(s.connected)));
        r.Set("closed", Napi::Number::New(env, static_cast<double>(s.closed)));
        r.Set("messagesIn", Napi::Number::New(env, static_cast<double>(s.messages_in)));
        r.Set("garbledIn", Napi::Number::New(env, static_cast<double>(s.garbled_in)));
        r.Set("bytesIn", Napi::Number::New(env, static_cast<double>(s.bytes_in)));
        r.Set("bytesOut", Napi::Number::New(env, static_cast<double>(s.bytes_out)));
        r.Set("backPressured", Napi::Number::New(env, static_cast<double>(s.back_pressured)));
        r.Set("droppedOutbound", Napi::Number::New(env, static_cast<double>(s.dropped_outbound)));
        r.Set("sendBufferFull", Napi::Number::New(env, static_cast<double>(s.send_buffer_full)));
        if (runner_ != nullptr) r.Set("cycles", Napi::Number::New(env, static_cast<double>(gw_agent_cycles(runner_))));
        return r;
    }

    // Doorbell of the outbound ring: called by RingWriter.publish() only when the agent parked.
    Napi::Value Wake(const Napi::CallbackInfo &info)
    {
        if (net_ != nullptr) gw_net_wake(net_);
        return info.Env().Undefined();
    }

    Napi::Value Stop(const Napi::CallbackInfo &info)
    {
        if (hooked_) {
            hook_.Remove(env_);
            hooked_ = false;
        }
        Shutdown();
        return info.Env().Undefined();
    }

    RingRef in_{};
    RingRef out_{};
    gw_net *net_ = nullptr;
    gw_agent_runner *runner_ = nullptr;
    bool retained_ = false;
    bool hooked_ = false;
    Napi::Env env_{nullptr};
    Napi::Env::CleanupHook<std::function<void()>> hook_;
};

} // namespace

void RegisterNet(Napi::Env env, Napi::Object exports)
{
    Napi::Function ctor = NetAgent::Define(env);
    auto *ctor_ref = new Napi::FunctionReference(Napi::Persistent(ctor));
    env.AddCleanupHook([ctor_ref]() { delete ctor_ref; });
    exports.Set("createNetAgent", Napi::Function::New(
                                      env,
                                      [ctor_ref](const Napi::CallbackInfo &info) -> Napi::Value {
                                          std::vector<napi_value> args;
                                          for (size_t i = 0; i < info.Length(); i++) args.push_back(info[i]);
                                          return ctor_ref->New(args);
                                      },
                                      "createNetAgent"));
}

} // namespace gw
