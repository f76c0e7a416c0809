// srcbind_bench: what libsrcbind.so costs a program, measured side by side.
//
// The driver runs worker processes (this same binary, `worker MODE`) under
// LD_PRELOAD, several kinds taking turns over several rounds. Each worker
// measures, batch for batch in one process, the library against the best the
// program could do by itself, calling the C library directly (worker()):
//
//   tcp-lib      connect, rule matches                    vs  tcp-self  (program binds with NO_PORT itself)
//   tcp-nomatch  connect, 1,000 rules, none matches        vs  tcp-plain (plain connect, no library on the path)
//   tcp-lib-100k as tcp-lib with 100,000 rules             vs  tcp-lib   (each against its own floor)
//   udp-lib      unconnected sendto, rule matches          vs  udp-self  (program adds IP_PKTINFO itself)
//   udp-nomatch  unconnected sendto, 1,000 rules + `*`, none matches  vs  udp-plain (plain sendto)
//   udp-nomatch-100k  the same with 100,000 rules          vs  udp-plain
//   resident memory after the first network socket: processes with and without the library
//   (start-up and the first connection: startup_bench.cpp)
//
// The same workers also run under floor_preload.c, a library that does the
// job for the one rule and nothing else, taking turns with the others: the
// floor of any preload library on this machine, for the tcp-lib, tcp-nomatch,
// udp-lib and udp-nomatch rows; and for the two TCP rows, the same library
// built to track sockets as srcbind does (socket, close, setsockopt), the floor
// of any library that binds without asking the kernel (--no-floor leaves both
// out). --only ROW measures that row and its floors alone: more rounds for one
// question in the same time.
//
// Every worker also checks the source its peers saw, for both sides: a fast run
// that did not force the source is reported as a failure, not as a result.
#include "bench_support.hpp"
#include "child_process.hpp"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>


namespace {

using srcbind::bench::median;
using srcbind::bench::percentile;

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

using Clock = std::chrono::steady_clock;
constexpr const char* kSource = "127.0.0.2";   // the rule's source; the default is 127.0.0.1

// Of an even count, the mean of the two middle values: batch-pair ratios come in
// two halves (the side that ran first in its pair), and the upper middle value
// alone was 1-2 % high when both sides made the very same calls.


sockaddr_in loopback(const char* address, int port) { return srcbind::bench::ipv4(address, port); }

// ---------------------------------------------------------------- worker side

// Which side of a worker (worker()) is sending: the sinks count per side.
enum Side { kFloor = 0, kLinked = 1 };

using SourceCounts = srcbind::bench::SourceCounts<2>;   // per Side
using TcpSink = srcbind::bench::TcpSink<2>;
using UdpSink = srcbind::bench::UdpSink<2>;

// The socket calls a batch makes, through function pointers on both sides so
// that the two differ only in where the pointers lead:
//  - `linked()`: where this program's own calls go (the first definition in the
//    global scope): under LD_PRELOAD, the library's hooks;
//  - `direct()`: the C library's own, around any preloaded library: what the
//    same program calls without srcbind.
// Measuring both in one process, batch for batch, makes the machine's drift
// (these VMs have slow phases lasting seconds) cancel out of the ratio.
struct SocketCalls {
  int (*socket)(int, int, int);
  int (*bind)(int, const sockaddr*, socklen_t);
  int (*setsockopt)(int, int, int, const void*, socklen_t);
  int (*connect)(int, const sockaddr*, socklen_t);
  int (*close)(int);
  ssize_t (*sendto)(int, const void*, size_t, int, const sockaddr*, socklen_t);
  ssize_t (*sendmsg)(int, const msghdr*, int);

  static SocketCalls linked() { return from(RTLD_DEFAULT); }
  static SocketCalls direct() {
    void* libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    if (libc == nullptr) std::abort();
    return from(libc);
  }

 private:
  static SocketCalls from(void* handle) {
    const auto get = [handle](auto& fn, const char* name) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(handle, name));
      if (fn == nullptr) std::abort();
    };
    SocketCalls c{};
    get(c.socket, "socket");
    get(c.bind, "bind");
    get(c.setsockopt, "setsockopt");
    get(c.connect, "connect");
    get(c.close, "close");
    get(c.sendto, "sendto");
    get(c.sendmsg, "sendmsg");
    return c;
  }
};

// One batch: `n` times socket, (bind to kSource with NO_PORT), connect, close
// with RST (no TIME_WAIT).
double tcp_batch(const SocketCalls& c, bool bind_source, int port, int n) {
  sockaddr_in dst = loopback("127.0.0.1", port);
  sockaddr_in src = loopback(kSource, 0);
  linger rst{1, 0};
  auto start = Clock::now();
  for (int i = 0; i < n; ++i) {
    int fd = c.socket(AF_INET, SOCK_STREAM, 0);
    if (bind_source) {
      int one = 1;
      c.setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
      c.bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src);
    }
    if (c.connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0) std::abort();
    c.setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof rst);
    c.close(fd);
  }
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count() / n;
}

// One batch of `n` datagrams to 127.0.0.1:port. `packet_info`: the program sets
// the source kSource per datagram itself (sendmsg + IP_PKTINFO); else plain sendto.
double udp_batch(const SocketCalls& c, bool packet_info, int fd, int port, int n) {
  sockaddr_in dst = loopback("127.0.0.1", port);
  char payload[32] = "datagram";
  auto start = Clock::now();
  if (packet_info) {
    srcbind::bench::OwnSourceDatagram own(dst, kSource);
    for (int i = 0; i < n; ++i) c.sendmsg(fd, &own.msg, 0);
  } else {
    for (int i = 0; i < n; ++i) c.sendto(fd, payload, sizeof payload, 0, reinterpret_cast<sockaddr*>(&dst), sizeof dst);
  }
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count() / n;
}

long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

// A worker compares, in one process, the floor (direct calls: the program doing
// the work itself, or plain) with the same work through the linked calls (under
// LD_PRELOAD, the library). Batches alternate, in alternating order.
//   tcp-self   floor binds kSource with NO_PORT itself; linked connects plainly
//   tcp-plain  both connect plainly (the library, if any, must not match)
//   udp-self   floor adds IP_PKTINFO itself; linked sends plainly
//   udp-plain  both send plainly (the library, if any, must not match)
// Prints "floor batch-µs ...", "linked batch-µs ...", then for each side how
// many connections or datagrams its own peer saw, and how many of them were not
// from kSource.
int worker(const std::string& mode, int batches, int per_batch) {
  if (mode == "rss") {
    // The first network socket builds the rules (docs/architecture.md, "Start-up").
    close(socket(AF_INET, SOCK_DGRAM, 0));
    std::printf("rss_kib=%ld\n", rss_kib());
    return 0;
  }
  const SocketCalls direct = SocketCalls::direct(), linked = SocketCalls::linked();
  std::vector<double> floor_times, linked_times;
  SourceCounts counts;
  // Batch b = -1 is the warm-up; in each batch pair the side that goes first
  // alternates. Both sides use the same sockets and peer, so that only the calls
  // differ (a socket or listener each made one side persistently faster).
  const auto side_of = [](int b, int k) { return (k + b) % 2 == 0 ? kFloor : kLinked; };
  const auto record = [&](int b, Side side, double t) {
    if (b >= 0) (side == kFloor ? floor_times : linked_times).push_back(t);
  };
  if (mode == "udp-self" || mode == "udp-plain") {
    const bool floor_sets_source = mode == "udp-self";
    UdpSink sink("127.0.0.1", kSource);
    // Made through the library's hook, as a program's socket would be.
    int fd = linked.socket(AF_INET, SOCK_DGRAM, 0);
    for (int b = -1; b < batches; ++b) {
      for (int k = 0; k < 2; ++k) {
        const Side side = side_of(b, k);
        record(b, side, side == kFloor ? udp_batch(direct, floor_sets_source, fd, sink.port(), per_batch)
                                       : udp_batch(linked, false, fd, sink.port(), per_batch));
        sink.drain(side);
      }
    }
    linked.close(fd);
    counts = sink.counts();
  } else if (mode == "tcp-self" || mode == "tcp-plain") {
    const bool floor_binds = mode == "tcp-self";
    TcpSink sink("127.0.0.1", kSource);
    long total = 0;
    for (int b = -1; b < batches; ++b) {
      for (int k = 0; k < 2; ++k) {
        const Side side = side_of(b, k);
        sink.count_for(side);
        record(b, side, side == kFloor ? tcp_batch(direct, floor_binds, sink.port(), per_batch)
                                       : tcp_batch(linked, false, sink.port(), per_batch));
        sink.wait_for(total += per_batch);
      }
    }
    counts = sink.counts();
  } else {
    std::fprintf(stderr, "unknown worker mode %s\n", mode.c_str());
    return 2;
  }
  for (const auto& [name, times] : {std::pair{"floor", &floor_times}, std::pair{"linked", &linked_times}}) {
    std::printf("%s", name);
    for (double t : *times) std::printf(" %.4f", t);
    std::printf("\n");
  }
  std::printf("floor-wrong=%ld floor-seen=%ld linked-wrong=%ld linked-seen=%ld\n",
              counts.seen[kFloor] - counts.from_source[kFloor], counts.seen[kFloor],
              counts.seen[kLinked] - counts.from_source[kLinked], counts.seen[kLinked]);
  return 0;
}

// ---------------------------------------------------------------- driver side

// A worker: this program again, with SRCBIND_* and LD_PRELOAD removed from its
// environment and `env` added (the tests' runner, tests/harness/child_process.hpp);
// its standard output.
std::string run_worker(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env) {
  srcbind::test::ChildOptions options;
  for (const auto& [name, value] : env) options.env[name] = value;
  options.deadline = std::chrono::minutes(5);
  const srcbind::test::ChildResult run = srcbind::test::run_child(argv, options);
  if (run.exit_code == 127 && run.out.empty()) {
    std::fprintf(stderr, "cannot run %s: %s\n", argv[0].c_str(), run.err.c_str());
    std::exit(2);
  }
  return run.out;
}

// What the workers of one kind measured, over all rounds.
struct Series {
  std::vector<double> floor, linked;   // µs per call, batch by batch
  // Per worker process, the median of its ratios (linked / floor, parse_worker()).
  // Processes differ more than batches do: how the library's pages fall in the
  // page tables is drawn anew in each (ASLR), and after every syscall those
  // pages are walked again. So a row's ratio is the median over processes.
  std::vector<double> ratios;
  long floor_wrong = 0, floor_seen = 0, wrong = 0, seen = 0;   // not from kSource / all, per side
};

void parse_worker(const std::string& out, Series& s) {
  std::istringstream in(out);
  std::string line;
  std::vector<double> floor, linked;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string word;
    words >> word;
    std::vector<double>* into = word == "floor" ? &floor : word == "linked" ? &linked : nullptr;
    double t;
    if (into) {
      while (words >> t) into->push_back(t);
      continue;
    }
    for (; !word.empty(); word.clear(), words >> word) {
      const auto value = [&word](const char* key) {
        return word.rfind(key, 0) == 0 ? std::atol(word.c_str() + std::strlen(key)) : 0;
      };
      s.floor_wrong += value("floor-wrong=");
      s.floor_seen += value("floor-seen=");
      s.wrong += value("linked-wrong=");
      s.seen += value("linked-seen=");
    }
  }
  // Two consecutive batch pairs, one begun by each side, make one ratio: which
  // side runs first in a pair changes its time (measured: up to 2 % on a TCP
  // batch), and summed over both orders that cancels.
  std::vector<double> quads;
  for (size_t i = 0; i + 1 < floor.size() && i + 1 < linked.size(); i += 2) {
    quads.push_back((linked[i] + linked[i + 1]) / (floor[i] + floor[i + 1]));
  }
  if (!quads.empty()) s.ratios.push_back(median(quads));
  s.floor.insert(s.floor.end(), floor.begin(), floor.end());
  s.linked.insert(s.linked.end(), linked.begin(), linked.end());
}

// A generated configuration, written as users write them: named rules, and a
// `destination = *` rule (which never matches the benchmark's loopback
// destination; were it to, the source check would see 127.0.0.3). Filler rules
// never match either: by default three quarters are IPv4 destinations in
// 198.18.0.0/15 (RFC 2544's benchmarking range: data only, never connected to),
// every third of them a /24, the rest hosts, and one quarter IPv6 /64s under
// 2001:db8::/32, like a large allow-list; `all_ipv6` is the worst case for the
// parser (every destination an IPv6 prefix).
std::string write_config(const std::string& dir, const std::string& name, int rules, bool match, bool all_ipv6 = false) {
  std::string path = dir + "/" + name;
  std::ofstream f(path);
  for (int i = 0; i < rules - (match ? 1 : 0); ++i) {
    f << "[rule customer-" << i << "]\n";
    if (!all_ipv6 && i % 4 != 3) {
      f << "destination = 198." << (18 + (i >> 16)) << "." << ((i >> 8) & 255) << "." << (i % 3 == 0 ? 0 : i & 255)
        << (i % 3 == 0 ? "/24" : "") << "\nsource = " << kSource << "\n";
    } else {
      char buf[64];
      std::snprintf(buf, sizeof buf, "2001:db8:%x:%x::/64", (i >> 16) & 0xffff, i & 0xffff);
      f << "destination = " << buf << "\nsource = 2001:db8::2\n";
    }
  }
  if (match) f << "[rule loopback]\ndestination = 127.0.0.1\nsource = " << kSource << "\n";
  f << "[rule everything-else]\ndestination = *\nsource = 127.0.0.3\n";
  return path;
}

struct Row {
  std::string name, floor_name;
  double value = 0, floor = 0, ratio = 0, spread = 0;
  std::string target;
  bool met = false;
  std::string check;
};

int driver(const std::string& self, const std::string& library, const std::string& floor_library,
           const std::string& tracking_floor_library, const std::string& out_path, int rounds, const std::string& only) {
  char dir_template[] = "/tmp/srcbind-bench-XXXXXX";
  std::string dir = mkdtemp(dir_template);
  const std::string small = write_config(dir, "small.ini", 1, true);
  const std::string nomatch = write_config(dir, "nomatch-1k.ini", 1000, false);
  const std::string big = write_config(dir, "match-100k.ini", 100000, true);
  const std::string big_nomatch = write_config(dir, "nomatch-100k.ini", 100000, false);
  const std::string big_v6 = write_config(dir, "match-100k-ipv6.ini", 100000, true, true);

  auto with_lib = [&](const std::string& config) {
    return std::map<std::string, std::string>{{"LD_PRELOAD", library}, {"SRCBIND_CONFIG", config}};
  };
  // The floor of any interposer (floor_preload.c): the same rule, the same
  // calls, nothing else.
  auto with_floor = [&](const std::string& config) {
    return std::map<std::string, std::string>{{"LD_PRELOAD", floor_library}, {"SRCBIND_CONFIG", config}};
  };
  // The floor of a library that knows a socket's state without asking the
  // kernel, as srcbind does (floor_preload.c, SRCBIND_FLOOR_TRACKS_SOCKETS).
  auto with_tracking_floor = [&](const std::string& config) {
    return std::map<std::string, std::string>{{"LD_PRELOAD", tracking_floor_library}, {"SRCBIND_CONFIG", config}};
  };
  struct Variant {
    std::string name, mode;
    std::map<std::string, std::string> env;
  };
  // Each worker measures the library against its floor in its own process
  // (worker()); the kinds take turns over the rounds.
  std::vector<Variant> variants = {
      {"tcp-lib", "tcp-self", with_lib(small)},
      {"tcp-nomatch", "tcp-plain", with_lib(nomatch)},
      {"tcp-lib-100k", "tcp-self", with_lib(big)},
      {"udp-lib", "udp-self", with_lib(small)},
      {"udp-nomatch", "udp-plain", with_lib(nomatch)},
      {"udp-nomatch-100k", "udp-plain", with_lib(big_nomatch)},
  };
  const bool with_floor_rows = !floor_library.empty();
  if (with_floor_rows) {
    variants.push_back({"tcp-lib (floor)", "tcp-self", with_floor(small)});
    variants.push_back({"tcp-nomatch (floor)", "tcp-plain", with_floor(nomatch)});
    variants.push_back({"udp-lib (floor)", "udp-self", with_floor(small)});
    variants.push_back({"udp-nomatch (floor)", "udp-plain", with_floor(nomatch)});
  }
  const bool with_tracking_floor_rows = !tracking_floor_library.empty();
  if (with_tracking_floor_rows) {
    variants.push_back({"tcp-lib (tracking floor)", "tcp-self", with_tracking_floor(small)});
    variants.push_back({"tcp-nomatch (tracking floor)", "tcp-plain", with_tracking_floor(nomatch)});
  }
  // --only ROW: that row and its floor, more rounds in the same time.
  if (!only.empty()) {
    std::erase_if(variants, [&](const Variant& v) { return v.name != only && v.name.rfind(only + " (", 0) != 0; });
    if (variants.empty()) {
      std::fprintf(stderr, "no row %s\n", only.c_str());
      return 2;
    }
  }
  const auto measured = [&](const std::string& name) {
    return std::any_of(variants.begin(), variants.end(), [&](const Variant& v) { return v.name == name; });
  };
  std::map<std::string, Series> series;
  // Many short processes rather than a few long ones: see Series::ratios.
  const int batches = 16, per_batch = 200;
  for (int r = 0; r < rounds; ++r) {
    for (size_t k = 0; k < variants.size(); ++k) {
      const Variant& v = variants[(k + static_cast<size_t>(r)) % variants.size()];   // rotating order
      parse_worker(run_worker({self, "worker", v.mode, std::to_string(batches), std::to_string(per_batch)}, v.env),
                   series[v.name]);
    }
  }

  // Resident memory.
  auto rss = [&](const std::map<std::string, std::string>& env) {
    std::vector<double> v;
    for (int i = 0; i < 3; ++i) {
      const std::string out = run_worker({self, "worker", "rss", "0", "0"}, env);
      v.push_back(std::atof(out.c_str() + out.find('=') + 1));
    }
    return median(v);
  };
  const bool with_memory = only.empty();
  double rss_plain = 0, rss_small = 0, rss_big = 0, rss_big_v6 = 0;
  if (with_memory) {
    rss_plain = rss({}), rss_small = rss(with_lib(small)), rss_big = rss(with_lib(big));
    rss_big_v6 = rss(with_lib(big_v6));
  }

  auto source_check = [&](const std::string& name, bool forced) {
    const Series& s = series[name];
    if (s.seen == 0) return std::string("FAIL: peer saw nothing");
    if (forced && s.wrong) return "FAIL: " + std::to_string(s.wrong) + " of " + std::to_string(s.seen) + " not from 127.0.0.2";
    if (!forced && s.wrong != s.seen) return std::string("FAIL: source was forced");
    // The floor must do what it claims too: forced by the program itself (or,
    // for a plain connect, not at all).
    if (s.floor_seen == 0) return std::string("FAIL: the floor's peer saw nothing");
    if (forced && s.floor_wrong) return std::string("FAIL: the floor did not send from 127.0.0.2");
    if (!forced && s.floor_wrong != s.floor_seen) return std::string("FAIL: the floor's source was forced");
    return std::to_string(s.seen) + (forced ? " from 127.0.0.2" : " from 127.0.0.1 (default)");
  };
  auto spread = [](const std::vector<double>& v) {
    double m = median(v);
    return m > 0 ? (percentile(v, 0.9) - percentile(v, 0.1)) / m : 0;
  };
  // The ratio is the median of the batch-pair ratios; the medians of the two
  // sides are shown as well.
  auto row = [&](const std::string& name, const std::string& floor_name, double target, bool forced) {
    const Series& s = series[name];
    Row r;
    r.name = name;
    r.floor_name = floor_name;
    r.value = median(s.linked);
    r.floor = median(s.floor);
    r.ratio = median(s.ratios);
    r.spread = spread(s.ratios);
    char t[32];
    std::snprintf(t, sizeof t, "<= %.2f", target);
    r.target = t;
    r.check = source_check(name, forced);
    r.met = r.ratio <= target && r.check.rfind("FAIL", 0) != 0;
    return r;
  };
  std::vector<Row> rows;
  // The per-call goals (bench/README.md): matched TCP 1.02, unmatched 1.01,
  // matched UDP 1.03, unmatched 1.02; 100,000 rules as 1.
  for (const auto& [name, floor_name, target, forced] :
       {std::tuple{"tcp-lib", "tcp-self", 1.02, true}, std::tuple{"tcp-nomatch", "tcp-plain", 1.01, false},
        std::tuple{"tcp-lib-100k", "tcp-lib", 1.01, true}, std::tuple{"udp-lib", "udp-self", 1.03, true},
        std::tuple{"udp-nomatch", "udp-plain", 1.02, false}, std::tuple{"udp-nomatch-100k", "udp-plain", 1.02, false}}) {
    if (!measured(name)) continue;
    rows.push_back(row(name, floor_name, target, forced));
    if (rows.back().name != "tcp-lib-100k") continue;
    // 100,000 rules against 1: each worker kind against its own floor, so the
    // machine's drift between the two kinds of process cancels.
    Row& big_row = rows.back();
    if (!measured("tcp-lib")) {   // --only tcp-lib-100k: against the program binding itself
      big_row.floor_name = "tcp-self";
      continue;
    }
    big_row.floor = median(series["tcp-lib"].linked);
    big_row.ratio = median(series["tcp-lib-100k"].ratios) / median(series["tcp-lib"].ratios);
    big_row.met = big_row.ratio <= 1.01 && big_row.check.rfind("FAIL", 0) != 0;
  }
  std::vector<Row> floor_rows;
  for (const auto& [name, floor_name, forced] :
       {std::tuple{"tcp-lib", "tcp-self", true}, std::tuple{"tcp-nomatch", "tcp-plain", false},
        std::tuple{"udp-lib", "udp-self", true}, std::tuple{"udp-nomatch", "udp-plain", false}}) {
    // What the same rows cost a preload library that does nothing but the job
    // (information: no library can go below it on this machine).
    if (measured(std::string(name) + " (floor)")) {
      floor_rows.push_back(row(std::string(name) + " (floor)", floor_name, 0, forced));
      floor_rows.back().name = std::string(name) + ", a one-rule interposer (the floor of any preload)";
      floor_rows.back().target = "(information)";
    }
    // ... and one that also tracks sockets, as srcbind must to bind without
    // asking the kernel (bench/README.md, "The floor of a socket-tracking interposer").
    if (measured(std::string(name) + " (tracking floor)")) {
      floor_rows.push_back(row(std::string(name) + " (tracking floor)", floor_name, 0, forced));
      floor_rows.back().name = std::string(name) + ", a socket-tracking one-rule interposer (its floor)";
      floor_rows.back().target = "(information)";
    }
  }

  std::ostringstream md;
  char line[512];
  md << "| case | compared with | median | floor | ratio | target | spread (p90-p10)/median | source check | met |\n";
  md << "|---|---|---|---|---|---|---|---|---|\n";
  bool all_met = true;
  for (const Row& r : rows) {
    std::snprintf(line, sizeof line, "| %s | %s | %.2f µs | %.2f µs | %.3f | %s | %.2f | %s | %s |\n", r.name.c_str(),
                  r.floor_name.c_str(), r.value, r.floor, r.ratio, r.target.c_str(), r.spread, r.check.c_str(),
                  r.met ? "yes" : "NO");
    md << line;
    all_met = all_met && r.met;
  }
  for (const Row& r : floor_rows) {
    std::snprintf(line, sizeof line, "| %s | %s | %.2f µs | %.2f µs | %.3f | %s | %.2f | %s | |\n", r.name.c_str(),
                  r.floor_name.c_str(), r.value, r.floor, r.ratio, r.target.c_str(), r.spread, r.check.c_str());
    md << line;
  }
  if (with_memory) {
    double rss_small_added = (rss_small - rss_plain) / 1024.0, rss_big_added = (rss_big - rss_plain) / 1024.0;
    bool rss_met = rss_small_added <= 1.0 && rss_big_added <= 32.0;
    std::snprintf(line, sizeof line, "| resident memory added | plain process (%.1f MiB) | small %+.2f MiB / 100k %+.2f MiB | | | <= 1 / <= 32 MiB | | | %s |\n",
                  rss_plain / 1024.0, rss_small_added, rss_big_added, rss_met ? "yes" : "NO");
    md << line;
    std::snprintf(line, sizeof line, "| (worst case: 100,000 IPv6 prefixes) | plain process | %+.2f MiB | | | (information) | | | |\n",
                  (rss_big_v6 - rss_plain) / 1024.0);
    md << line;
    all_met = all_met && rss_met;
  }

  std::printf("%s", md.str().c_str());
  if (!out_path.empty()) std::ofstream(out_path) << md.str();
  std::string cleanup = "rm -rf '" + dir + "'";
  if (std::system(cleanup.c_str()) != 0) std::fprintf(stderr, "could not remove %s\n", dir.c_str());
  std::printf("%s\n", all_met ? "all targets met" : "SOME TARGETS NOT MET");
  return all_met ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 5 && std::string(argv[1]) == "worker") return worker(argv[2], std::atoi(argv[3]), std::atoi(argv[4]));
  std::string library = SRCBIND_PRELOAD_PATH, floor_library = SRCBIND_FLOOR_PRELOAD_PATH, out;
  std::string tracking_floor_library = SRCBIND_TRACKING_FLOOR_PRELOAD_PATH;
  std::string only;
  int rounds = 51;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--library" && i + 1 < argc) library = argv[++i];
    else if (a == "--floor-library" && i + 1 < argc) floor_library = argv[++i];
    else if (a == "--tracking-floor-library" && i + 1 < argc) tracking_floor_library = argv[++i];
    else if (a == "--no-floor") floor_library.clear(), tracking_floor_library.clear();
    else if (a == "--out" && i + 1 < argc) out = argv[++i];
    else if (a == "--rounds" && i + 1 < argc) rounds = std::atoi(argv[++i]);
    else if (a == "--only" && i + 1 < argc) only = argv[++i];
    else {
      std::fprintf(stderr, "usage: %s [--library PATH] [--floor-library PATH] [--tracking-floor-library PATH] [--no-floor]\n"
                   "       [--out FILE.md] [--rounds N] [--only ROW]\n", argv[0]);
      return 2;
    }
  }
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return 2;
  self[n] = '\0';
  return driver(self, library, floor_library, tracking_floor_library, out, rounds, only);
}
