// QuickFIX C++ (1.15) initiator for the interop test (test/interop/quickfix.test.ts): a real FIX engine
// written by others logs on to the gateway and sends TradeCaptureReports (35=AE) TR1..TR<count>,
// counting the TradeCaptureReportAcks (35=AR) that echo their TradeReportID (571).
//
//   initiator <settings.cfg> <count> [--cut-after N] [--offline G] [--window W] [--timeout S]
//
// <settings.cfg> is an ordinary QuickFIX settings file with exactly one FIX.4.4 session. Extra keys read
// from the session: Password (sent as 554 on Logon when present), PartyID (448 of the executing firm on
// each side, default the SenderCompID). Instruments come from a small built-in list of real ISINs.
//
// Persistence and restart: QuickFIX's FileStore (FileStorePath) keeps the sequence numbers and the sent
// messages; this program keeps its own progress next to it in <FileStorePath>/interop-progress.txt
// ("S <n>" after TR<n> was handed to QuickFIX, which persisted it; "A <n>" when its ack arrived). A run
// continues after the highest TR sent and finishes when TR1..TR<count> are all acknowledged. Nothing
// is ever reset: a second run after a cut logs on with the persisted sequence numbers, and the gap on
// either side is recovered by the session layers (ResendRequest, SequenceReset-GapFill, PossDupFlag).
//
// Cut (--cut-after N): once TR<N> has been sent, the TCP connection is torn down with a RST (no
// Logout; unsent kernel and QuickFIX buffers are discarded), then --offline G further TRs are "sent"
// while the session is down (QuickFIX persists them without transmitting: they exist only in its
// store), and the process exits at once (_exit, no Logout, no cleanup). G > 0 guarantees a gap of at
// least G messages on the gateway side whatever the timing; what the RST discarded adds to it.
//
// Threading: none of QuickFIX's threads. The SocketInitiator is driven with poll() from main(), and
// TRs are sent between polls, so the store, the callbacks and this program's progress file always
// agree when the cut happens (an ack printed is an ack whose sequence number QuickFIX has stored).
//
// Output (stdout, one line per event, flushed): LOGON, LOGOUT, ACK TR<n> seq=<34> possdup=<Y|N>,
// DUP TR<n> (an ack for a TR already acknowledged: must never happen), RESEND_REQUEST_IN from=<7> to=<16>,
// RESEND_REQUEST_OUT from= to=, GAPFILL_IN seq= new=, GAPFILL_OUT seq= new=, RESENT TR<n> seq=,
// REJECT_IN / REJECT_OUT <msgtype> <text> (session or business rejects either way),
// CUT sent=<n> offline=<g>, SEQ out=<next sender> in=<next target>, DONE acks=<k> total=<count>
// elapsed_ms=<t>, TIMEOUT acks=<k>, FAIL reject (right after the first reject either way).
// Exit 0 after DONE or CUT, 1 on a reject, timeout or error, 2 on bad usage.

#include <quickfix/Application.h>
#include <quickfix/FileLog.h>
#include <quickfix/FileStore.h>
#include <quickfix/Message.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/SocketInitiator.h>
#include <quickfix/fix44/TradeCaptureReport.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <set>
#include <string>
#include <vector>

namespace {

struct Options {
  std::string settings;
  long count = 0;
  long cutAfter = 0;  // 0: no cut
  long offline = 0;
  long window = 256;  // TRs sent and not yet acknowledged, at most
  double timeoutS = 50;
};

void line(const std::string& s) {
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

long trNumber(const std::string& id) {
  if (id.size() < 3 || id.compare(0, 2, "TR") != 0) return -1;
  char* end = nullptr;
  long n = std::strtol(id.c_str() + 2, &end, 10);
  return (end != nullptr && *end == '\0' && n > 0) ? n : -1;
}

struct Instrument {
  const char* symbol;
  const char* isin;
};
// Real ISINs (valid check digits).
const Instrument kInstruments[] = {
    {"AAPL", "US0378331005"}, {"MSFT", "US5949181045"}, {"SAP", "DE0007164600"}, {"NESN", "CH0038863350"}};

/** Progress of the whole exchange, persisted next to QuickFIX's store (see the file comment). */
class Progress {
 public:
  explicit Progress(const std::string& file) : file_(file) {
    std::ifstream in(file);
    char kind;
    long n;
    while (in >> kind >> n) {
      if (kind == 'S' && n > sentHigh_) sentHigh_ = n;
      if (kind == 'A') acked_.insert(n);
    }
    out_ = std::fopen(file.c_str(), "a");
    if (out_ == nullptr) throw std::runtime_error("cannot open " + file);
  }
  long sentHigh() const { return sentHigh_; }
  size_t ackedCount() const { return acked_.size(); }
  bool isAcked(long n) const { return acked_.count(n) != 0; }
  void sent(long n) {
    sentHigh_ = n;
    std::fprintf(out_, "S %ld\n", n);
    std::fflush(out_);
  }
  void acked(long n) {
    acked_.insert(n);
    std::fprintf(out_, "A %ld\n", n);
    std::fflush(out_);
  }

 private:
  std::string file_;
  long sentHigh_ = 0;
  std::set<long> acked_;
  std::FILE* out_ = nullptr;
};

class App : public FIX::Application {
 public:
  App(const FIX::SessionSettings& settings, Progress& progress) : settings_(settings), progress_(progress) {}

  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override { line("LOGON"); }
  void onLogout(const FIX::SessionID&) override { line("LOGOUT"); }

  void toAdmin(FIX::Message& m, const FIX::SessionID& id) override {
    const std::string type = m.getHeader().getField(FIX::FIELD::MsgType);
    if (type == "A") {
      const FIX::Dictionary& d = settings_.get(id);
      if (d.has("Password")) m.setField(554, d.getString("Password"));
    } else if (type == "2") {
      line("RESEND_REQUEST_OUT from=" + m.getField(7) + " to=" + m.getField(16));
    } else if (type == "4") {
      const bool gapFill = m.isSetField(123) && m.getField(123) == "Y";
      line(std::string(gapFill ? "GAPFILL_OUT" : "SEQRESET_OUT") + " seq=" + m.getHeader().getField(34) +
           " new=" + m.getField(36));
    } else if (type == "3") {
      failed = true;
      line("REJECT_OUT 3 " + text(m) + " refseq=" + opt(m, 45) + " reftag=" + opt(m, 371) + " reason=" + opt(m, 373));
    }
  }

  void fromAdmin(const FIX::Message& m, const FIX::SessionID&) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                                                        FIX::IncorrectTagValue, FIX::RejectLogon) override {
    const std::string type = m.getHeader().getField(FIX::FIELD::MsgType);
    if (type == "2") {
      line("RESEND_REQUEST_IN from=" + m.getField(7) + " to=" + m.getField(16));
    } else if (type == "4") {
      const bool gapFill = m.isSetField(123) && m.getField(123) == "Y";
      line(std::string(gapFill ? "GAPFILL_IN" : "SEQRESET_IN") + " seq=" + m.getHeader().getField(34) +
           " new=" + m.getField(36));
    } else if (type == "3") {
      failed = true;
      line("REJECT_IN 3 " + text(m) + " refseq=" + opt(m, 45) + " reftag=" + opt(m, 371) + " reason=" + opt(m, 373));
    } else if (type == "5" && m.isSetField(58)) {
      line("LOGOUT_TEXT " + m.getField(58));
    }
  }

  void toApp(FIX::Message& m, const FIX::SessionID&) throw(FIX::DoNotSend) override {
    // Called for new messages and again for each one resent after a ResendRequest (PossDupFlag set).
    const FIX::Header& h = m.getHeader();
    if (h.isSetField(43) && h.getField(43) == "Y" && m.isSetField(571)) {
      line("RESENT " + m.getField(571) + " seq=" + h.getField(34));
    }
  }

  void fromApp(const FIX::Message& m, const FIX::SessionID&) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                                                      FIX::IncorrectTagValue,
                                                                      FIX::UnsupportedMessageType) override {
    const FIX::Header& h = m.getHeader();
    const std::string type = h.getField(FIX::FIELD::MsgType);
    if (type == "AR") {
      const std::string id = m.getField(571);
      const std::string possDup = (h.isSetField(43) && h.getField(43) == "Y") ? "Y" : "N";
      const long n = trNumber(id);
      const std::string status = m.isSetField(939) ? m.getField(939) : "-";
      if (n < 0) {
        line("ACK_UNKNOWN " + id + " seq=" + h.getField(34));
      } else if (progress_.isAcked(n)) {
        line("DUP " + id + " seq=" + h.getField(34) + " possdup=" + possDup);
      } else {
        progress_.acked(n);
        ++acksThisRun;
        line("ACK " + id + " seq=" + h.getField(34) + " possdup=" + possDup + " status=" + status);
      }
    } else if (type == "j") {
      failed = true;
      line("REJECT_IN j " + text(m) + " refseq=" + opt(m, 45) + " reason=" + opt(m, 380));
    } else {
      line("APP_IN " + type + " seq=" + h.getField(34));
    }
  }

  long acksThisRun = 0;
  /** A reject was sent or received: the run stops (exit 1) instead of waiting for its timeout. */
  bool failed = false;

 private:
  static std::string opt(const FIX::Message& m, int tag) { return m.isSetField(tag) ? m.getField(tag) : "-"; }
  static std::string text(const FIX::Message& m) { return "\"" + opt(m, 58) + "\""; }

  const FIX::SessionSettings& settings_;
  Progress& progress_;
};

FIX44::TradeCaptureReport makeReport(long n, const std::string& member, const std::string& tradeDate) {
  const Instrument& ins = kInstruments[static_cast<size_t>(n) % (sizeof kInstruments / sizeof kInstruments[0])];
  FIX44::TradeCaptureReport r;
  r.setField(571, "TR" + std::to_string(n));  // TradeReportID
  r.setField(487, "0");                        // TradeReportTransType = New
  r.setField(856, "0");                        // TradeReportType = Submit
  r.setField(570, "N");                        // PreviouslyReported
  r.setField(55, ins.symbol);
  r.setField(48, ins.isin);
  r.setField(22, "4");  // SecurityIDSource = ISIN
  // Exact decimal text, never a double: qty 100..9999 (whole), price 100.00..199.99 with 2..4 decimals.
  r.setField(32, std::to_string(100 + (n * 37) % 9900));
  const long cents = 10000 + (n * 7919) % 10000;
  std::string px = std::to_string(cents / 100) + "." + (cents % 100 < 10 ? "0" : "") + std::to_string(cents % 100);
  if (n % 3 == 0) px += "25";
  r.setField(31, px);
  r.setField(75, tradeDate);
  r.set(FIX::TransactTime(FIX::UtcTimeStamp(), 3));

  FIX44::TradeCaptureReport::NoSides side;
  side.setField(54, n % 2 == 0 ? "1" : "2");  // Side: Buy / Sell
  side.setField(37, "O" + std::to_string(n));  // OrderID
  FIX44::TradeCaptureReport::NoSides::NoPartyIDs party;
  party.setField(448, member);  // PartyID
  party.setField(447, "D");     // PartyIDSource = proprietary
  party.setField(452, "1");     // PartyRole = executing firm
  side.addGroup(party);
  r.addGroup(side);
  return r;
}

std::string todayUtc() {
  FIX::UtcDate d;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d", d.getYear(), d.getMonth(), d.getDay());
  return buf;
}

/**
 * Abort the TCP connection to host:port with a RST without closing the descriptor QuickFIX owns:
 * connect(AF_UNSPEC) on an established TCP socket makes Linux send a RST and drop both queues
 * (tcp_disconnect). QuickFIX then sees the socket fail on its next poll and disconnects the session.
 */
int abortConnection(int port) {
  int found = 0;
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  while (dirent* e = readdir(dir)) {
    const int fd = std::atoi(e->d_name);
    if (fd <= 2) continue;
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) continue;
    int peerPort = -1;
    if (peer.ss_family == AF_INET) peerPort = ntohs(reinterpret_cast<sockaddr_in*>(&peer)->sin_port);
    if (peer.ss_family == AF_INET6) peerPort = ntohs(reinterpret_cast<sockaddr_in6*>(&peer)->sin6_port);
    if (peerPort != port) continue;
    sockaddr unspec{};
    unspec.sa_family = AF_UNSPEC;
    if (connect(fd, &unspec, sizeof unspec) == 0) ++found;
  }
  closedir(dir);
  return found;
}

/** Polls the initiator while `cond()` holds, for at most `ms` milliseconds (poll() may return at once). */
template <typename Cond>
void pollWhile(FIX::SocketInitiator& initiator, long ms, Cond cond) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (cond() && std::chrono::steady_clock::now() < end) initiator.poll(0.002);
}

/** mkdir -p. */
void mkdirs(const std::string& dir) {
  for (size_t i = 1; i <= dir.size(); ++i) {
    if (i == dir.size() || dir[i] == '/') ::mkdir(dir.substr(0, i).c_str(), 0755);
  }
}

bool parseArgs(int argc, char** argv, Options& o) {
  std::vector<std::string> pos;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&](double& v) {
      if (i + 1 >= argc) return false;
      v = std::atof(argv[++i]);
      return true;
    };
    double v = 0;
    if (a == "--cut-after") {
      if (!next(v)) return false;
      o.cutAfter = static_cast<long>(v);
    } else if (a == "--offline") {
      if (!next(v)) return false;
      o.offline = static_cast<long>(v);
    } else if (a == "--window") {
      if (!next(v)) return false;
      o.window = static_cast<long>(v);
    } else if (a == "--timeout") {
      if (!next(v)) return false;
      o.timeoutS = v;
    } else if (a.compare(0, 2, "--") == 0) {
      return false;
    } else {
      pos.push_back(a);
    }
  }
  if (pos.size() != 2) return false;
  o.settings = pos[0];
  o.count = std::atol(pos[1].c_str());
  return o.count > 0 && o.window > 0 && o.cutAfter >= 0 && o.offline >= 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parseArgs(argc, argv, o)) {
    std::cerr << "usage: initiator <settings.cfg> <count> [--cut-after N] [--offline G] [--window W] [--timeout S]\n";
    return 2;
  }
  try {
    FIX::SessionSettings settings(o.settings);
    const std::set<FIX::SessionID> ids = settings.getSessions();
    if (ids.size() != 1) {
      std::cerr << "initiator: the settings must define exactly one session\n";
      return 2;
    }
    const FIX::SessionID sessionId = *ids.begin();
    const FIX::Dictionary& sd = settings.get(sessionId);
    const std::string storePath = sd.getString("FileStorePath");
    const int port = sd.getInt("SocketConnectPort");
    const std::string member = sd.has("PartyID") ? sd.getString("PartyID") : sessionId.getSenderCompID().getValue();

    mkdirs(storePath);  // QuickFIX creates it only when the session is created, after this
    Progress progress(storePath + "/interop-progress.txt");
    App app(settings, progress);
    FIX::FileStoreFactory storeFactory(settings);
    FIX::FileLogFactory logFactory(settings);
    FIX::SocketInitiator initiator(app, storeFactory, settings, logFactory);

    const auto t0 = std::chrono::steady_clock::now();
    const auto elapsedMs = [&] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    };
    const std::string tradeDate = todayUtc();
    long next = progress.sentHigh() + 1;
    long sentThisRun = 0;

    for (;;) {
      initiator.poll(0.002);
      FIX::Session* s = FIX::Session::lookupSession(sessionId);
      if (s == nullptr) throw std::runtime_error("session not registered");

      if (static_cast<long>(progress.ackedCount()) >= o.count && next > o.count) {
        // Everything acknowledged: Logout, wait for the counterparty's Logout, report.
        s->logout("interop done");
        pollWhile(initiator, 5000, [&] { return s->isLoggedOn(); });
        line("SEQ out=" + std::to_string(s->getExpectedSenderNum()) + " in=" + std::to_string(s->getExpectedTargetNum()));
        line("DONE acks=" + std::to_string(progress.ackedCount()) + " total=" + std::to_string(o.count) +
             " this_run=" + std::to_string(app.acksThisRun) + " sent_this_run=" + std::to_string(sentThisRun) +
             " elapsed_ms=" + std::to_string(elapsedMs()));
        initiator.stop(true);
        return 0;
      }

      if (app.failed) {
        pollWhile(initiator, 200, [] { return true; });  // let the next few messages show too
        line("SEQ out=" + std::to_string(s->getExpectedSenderNum()) + " in=" + std::to_string(s->getExpectedTargetNum()));
        line("FAIL reject acks=" + std::to_string(progress.ackedCount()) + " sent_high=" + std::to_string(progress.sentHigh()));
        std::fflush(stdout);
        _exit(1);
      }

      if (elapsedMs() > static_cast<long long>(o.timeoutS * 1000)) {
        line("SEQ out=" + std::to_string(s->getExpectedSenderNum()) + " in=" + std::to_string(s->getExpectedTargetNum()));
        line("TIMEOUT acks=" + std::to_string(progress.ackedCount()) + " sent_high=" + std::to_string(progress.sentHigh()));
        std::fflush(stdout);
        _exit(1);
      }

      if (!s->isLoggedOn()) continue;
      const long outstanding = progress.sentHigh() - static_cast<long>(progress.ackedCount());
      long budget = o.window - outstanding;
      while (budget-- > 0 && next <= o.count && (o.cutAfter == 0 || next <= o.cutAfter)) {
        FIX44::TradeCaptureReport r = makeReport(next, member, tradeDate);
        if (!s->send(r)) throw std::runtime_error("QuickFIX refused to send TR" + std::to_string(next));
        progress.sent(next);
        ++next;
        ++sentThisRun;
      }

      if (o.cutAfter > 0 && next > o.cutAfter) {
        // The cut: RST, then TRs persisted while disconnected, then exit without any cleanup.
        const int aborted = abortConnection(port);
        pollWhile(initiator, 5000, [&] { return s->isLoggedOn(); });
        if (s->isLoggedOn()) throw std::runtime_error("session still logged on after the RST");
        long offline = 0;
        for (; offline < o.offline && next <= o.count; ++offline) {
          FIX44::TradeCaptureReport r = makeReport(next, member, tradeDate);
          s->send(r);  // false: not logged on; QuickFIX has persisted it all the same
          progress.sent(next);
          ++next;
        }
        line("SEQ out=" + std::to_string(s->getExpectedSenderNum()) + " in=" + std::to_string(s->getExpectedTargetNum()));
        line("CUT sent=" + std::to_string(next - 1) + " offline=" + std::to_string(offline) +
             " rst=" + std::to_string(aborted) + " acks=" + std::to_string(progress.ackedCount()) +
             " elapsed_ms=" + std::to_string(elapsedMs()));
        std::fflush(stdout);
        _exit(0);
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "initiator: " << e.what() << "\n";
    line(std::string("ERROR ") + e.what());
    return 1;
  }
}
