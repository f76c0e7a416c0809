// srcbind_bench: what libsrcbind.so costs a program, measured side by side.
//
// The driver runs worker processes (this same binary, `worker MODE`) with and
// without LD_PRELOAD, interleaved over several rounds in a rotating order, and
// compares medians against the best a program could do by itself:
//
//   tcp-lib      connect under the library, rule matches      vs  tcp-self  (program binds with NO_PORT itself)
//   tcp-nomatch  connect under the library, 1,000 rules, none  vs  tcp-plain (no library)
//   tcp-lib-100k as tcp-lib with 100,000 rules                 vs  tcp-lib
//   udp-lib      unconnected sendto under the library          vs  udp-self  (program adds IP_PKTINFO itself)
//   start-up of /bin/true, resident memory
//
// Every worker also checks the source its own peer saw: a fast run that did not
// force the source is reported as a failure, not as a result.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
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
#include <vector>

extern char** environ;

namespace {

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

using Clock = std::chrono::steady_clock;
constexpr const char* kSource = "127.0.0.2";   // the rule's source; the default is 127.0.0.1

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

sockaddr_in loopback(const char* addr, int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, addr, &a.sin_addr);
  return a;
}

// ---------------------------------------------------------------- worker side

// Accepts on 127.0.0.1 and counts connections whose source is not kSource.
struct TcpSink {
  int fd = -1;
  int port = 0;
  std::atomic<long> wrong{0}, seen{0};
  std::thread thread;

  TcpSink() {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a = loopback("127.0.0.1", 0);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd, 4096);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    thread = std::thread([this] {
      in_addr expected;
      inet_pton(AF_INET, kSource, &expected);
      for (;;) {
        sockaddr_in peer{};
        socklen_t plen = sizeof peer;
        int c = accept(fd, reinterpret_cast<sockaddr*>(&peer), &plen);
        if (c < 0) return;
        if (peer.sin_addr.s_addr != expected.s_addr) ++wrong;
        ++seen;
        close(c);
      }
    });
  }
  ~TcpSink() {
    shutdown(fd, SHUT_RDWR);
    thread.join();
    close(fd);
  }
};

// One batch: `n` times socket, (bind), connect, close with RST (no TIME_WAIT).
double tcp_batch(const std::string& mode, int port, int n) {
  sockaddr_in dst = loopback("127.0.0.1", port);
  sockaddr_in src = loopback(kSource, 0);
  linger rst{1, 0};
  auto start = Clock::now();
  for (int i = 0; i < n; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (mode == "tcp-self") {
      int one = 1;
      setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
      bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src);
    }
    if (connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0) std::abort();
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof rst);
    close(fd);
  }
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count() / n;
}

// Receives datagrams on 127.0.0.1 and counts those whose source is not kSource.
// Drained between batches, not during them: a receiver thread woken per datagram
// made the sender pay for wake-ups and scheduling on these 2 cores, which swamped
// the fraction of a microsecond being measured. Loopback delivers within the
// sender's syscall, so each batch is queued whole by the time it has been sent
// (the buffer holds far more than one batch).
struct UdpSink {
  int fd = -1;
  int port = 0;
  long wrong = 0, seen = 0;
  in_addr expected{};

  UdpSink() {
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    int big = 8 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
    sockaddr_in a = loopback("127.0.0.1", 0);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    inet_pton(AF_INET, kSource, &expected);
  }
  ~UdpSink() { close(fd); }

  void drain() {
    char buf[64];
    sockaddr_in peer{};
    socklen_t plen = sizeof peer;
    while (recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&peer), &plen) >= 0) {
      if (peer.sin_addr.s_addr != expected.s_addr) ++wrong;
      ++seen;
      plen = sizeof peer;
    }
  }
};

double udp_batch(const std::string& mode, int fd, int port, int n) {
  sockaddr_in dst = loopback("127.0.0.1", port);
  char payload[32] = "datagram";
  auto start = Clock::now();
  if (mode == "udp-self") {
    // The floor: the program sets the source per datagram itself.
    iovec iov{payload, sizeof payload};
    alignas(cmsghdr) unsigned char control[CMSG_SPACE(sizeof(in_pktinfo))] = {};
    msghdr msg{};
    msg.msg_name = &dst;
    msg.msg_namelen = sizeof dst;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
    in_pktinfo info{};
    inet_pton(AF_INET, kSource, &info.ipi_spec_dst);
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
    for (int i = 0; i < n; ++i) sendmsg(fd, &msg, 0);
  } else {
    for (int i = 0; i < n; ++i) sendto(fd, payload, sizeof payload, 0, reinterpret_cast<sockaddr*>(&dst), sizeof dst);
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

// Prints "batch-µs ..." then "wrong=N seen=N expect-source=0|1".
int worker(const std::string& mode, int batches, int per_batch) {
  if (mode == "rss") {
    std::printf("rss_kib=%ld\n", rss_kib());
    return 0;
  }
  std::vector<double> times;
  long wrong = 0, seen = 0;
  const bool udp = mode.rfind("udp", 0) == 0;
  if (udp) {
    UdpSink sink;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    udp_batch(mode, fd, sink.port, per_batch);   // warm-up
    sink.drain();
    for (int b = 0; b < batches; ++b) {
      times.push_back(udp_batch(mode, fd, sink.port, per_batch));
      sink.drain();
    }
    close(fd);
    wrong = sink.wrong;
    seen = sink.seen;
  } else {
    TcpSink sink;
    tcp_batch(mode, sink.port, per_batch);   // warm-up
    for (int b = 0; b < batches; ++b) times.push_back(tcp_batch(mode, sink.port, per_batch));
    long expected = static_cast<long>(batches + 1) * per_batch;
    for (int i = 0; i < 200 && sink.seen < expected; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    wrong = sink.wrong;
    seen = sink.seen;
  }
  std::printf("times");
  for (double t : times) std::printf(" %.4f", t);
  std::printf("\nwrong=%ld seen=%ld\n", wrong, seen);
  return 0;
}

// ---------------------------------------------------------------- driver side

struct Spawned {
  std::string out;
  int status = -1;
  double wall_ms = 0;
};

Spawned spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env_extra, bool capture) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string s = *e;
    if (s.rfind("SRCBIND_", 0) == 0 || s.rfind("LD_PRELOAD=", 0) == 0) continue;
    env.push_back(s);
  }
  for (const auto& [k, v] : env_extra) env.push_back(k + "=" + v);
  std::vector<char*> envp, args;
  for (auto& s : env) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& s : argv_copy) args.push_back(s.data());
  args.push_back(nullptr);

  int pipefd[2] = {-1, -1};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (capture) {
    if (pipe(pipefd) != 0) std::abort();
    posix_spawn_file_actions_adddup2(&actions, pipefd[1], 1);
    posix_spawn_file_actions_addclose(&actions, pipefd[0]);
  }
  Spawned result;
  pid_t pid;
  auto start = Clock::now();
  if (posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp.data()) != 0) {
    std::fprintf(stderr, "cannot run %s\n", args[0]);
    std::exit(2);
  }
  posix_spawn_file_actions_destroy(&actions);
  if (capture) {
    close(pipefd[1]);
    char buf[65536];
    ssize_t n;
    while ((n = read(pipefd[0], buf, sizeof buf)) > 0) result.out.append(buf, static_cast<size_t>(n));
    close(pipefd[0]);
  }
  waitpid(pid, &result.status, 0);
  result.wall_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  return result;
}

struct Series {
  std::vector<double> values;
  long wrong = 0, seen = 0;
};

void parse_worker(const std::string& out, Series& s) {
  std::istringstream in(out);
  std::string word;
  in >> word;   // "times"
  double t;
  while (in >> t) s.values.push_back(t);
  in.clear();
  std::string rest;
  while (in >> rest) {
    if (rest.rfind("wrong=", 0) == 0) s.wrong += std::atol(rest.c_str() + 6);
    if (rest.rfind("seen=", 0) == 0) s.seen += std::atol(rest.c_str() + 5);
  }
}

// A generated configuration. Filler rules never match the benchmark's loopback
// destination: by default three quarters are IPv4 host routes in 198.18.0.0/15
// (RFC 2544's benchmarking range: data only, never connected to), one quarter
// IPv6 /64s under 2001:db8::/32, like a large allow-list; `all_ipv6` is the
// worst case for the parser (every destination an IPv6 prefix).
std::string write_config(const std::string& dir, const std::string& name, int rules, bool match, bool all_ipv6 = false) {
  std::string path = dir + "/" + name;
  std::ofstream f(path);
  for (int i = 0; i < rules - (match ? 1 : 0); ++i) {
    if (!all_ipv6 && i % 4 != 3) {
      f << "[rule]\ndestination = 198." << (18 + (i >> 16)) << "." << ((i >> 8) & 255) << "." << (i & 255)
        << "\nsource = " << kSource << "\n";
    } else {
      char buf[64];
      std::snprintf(buf, sizeof buf, "2001:db8:%x:%x::/64", (i >> 16) & 0xffff, i & 0xffff);
      f << "[rule]\ndestination = " << buf << "\nsource = 2001:db8::2\n";
    }
  }
  if (match) f << "[rule loopback]\ndestination = 127.0.0.1\nsource = " << kSource << "\n";
  return path;
}

struct Row {
  std::string name, floor_name;
  double value = 0, floor = 0, ratio = 0, spread = 0;
  std::string target;
  bool met = false;
  std::string check;
};

int driver(const std::string& self, const std::string& library, const std::string& out_path, int rounds) {
  char dir_template[] = "/tmp/srcbind-bench-XXXXXX";
  std::string dir = mkdtemp(dir_template);
  const std::string small = write_config(dir, "small.ini", 1, true);
  const std::string nomatch = write_config(dir, "nomatch-1k.ini", 1000, false);
  const std::string big = write_config(dir, "match-100k.ini", 100000, true);
  const std::string big_v6 = write_config(dir, "match-100k-ipv6.ini", 100000, true, true);

  auto with_lib = [&](const std::string& config) {
    return std::map<std::string, std::string>{{"LD_PRELOAD", library}, {"SRCBIND_CONFIG", config}};
  };
  struct Variant {
    std::string name, mode;
    std::map<std::string, std::string> env;
  };
  std::vector<Variant> variants = {
      {"tcp-plain", "tcp-plain", {}},
      {"tcp-self", "tcp-self", {}},
      {"tcp-lib", "tcp-lib", with_lib(small)},
      {"tcp-nomatch", "tcp-plain", with_lib(nomatch)},
      {"tcp-lib-100k", "tcp-lib", with_lib(big)},
      {"udp-self", "udp-self", {}},
      {"udp-lib", "udp-lib", with_lib(small)},
  };
  std::map<std::string, Series> series;
  const int batches = 15, per_batch = 200;
  for (int r = 0; r < rounds; ++r) {
    for (size_t k = 0; k < variants.size(); ++k) {
      const Variant& v = variants[(k + static_cast<size_t>(r)) % variants.size()];   // rotating order
      Spawned s = spawn({self, "worker", v.mode, std::to_string(batches), std::to_string(per_batch)}, v.env, true);
      parse_worker(s.out, series[v.name]);
    }
  }

  // Start-up: /bin/true, interleaved.
  std::map<std::string, std::vector<double>> startup;
  for (int i = 0; i < 60 * rounds; ++i) {
    startup["plain"].push_back(spawn({"/bin/true"}, {}, false).wall_ms);
    startup["small"].push_back(spawn({"/bin/true"}, with_lib(small), false).wall_ms);
    if (i % 6 == 0) {
      startup["big"].push_back(spawn({"/bin/true"}, with_lib(big), false).wall_ms);
      startup["big-v6"].push_back(spawn({"/bin/true"}, with_lib(big_v6), false).wall_ms);
      startup["plain-big"].push_back(spawn({"/bin/true"}, {}, false).wall_ms);
    }
  }
  // Resident memory.
  auto rss = [&](const std::map<std::string, std::string>& env) {
    std::vector<double> v;
    for (int i = 0; i < 3; ++i) {
      Spawned s = spawn({self, "worker", "rss", "0", "0"}, env, true);
      v.push_back(std::atof(s.out.c_str() + s.out.find('=') + 1));
    }
    return median(v);
  };
  double rss_plain = rss({}), rss_small = rss(with_lib(small)), rss_big = rss(with_lib(big));
  double rss_big_v6 = rss(with_lib(big_v6));

  auto source_check = [&](const std::string& name, bool forced) {
    const Series& s = series[name];
    if (s.seen == 0) return std::string("FAIL: peer saw nothing");
    if (forced && s.wrong) return "FAIL: " + std::to_string(s.wrong) + " of " + std::to_string(s.seen) + " not from 127.0.0.2";
    if (!forced && s.wrong != s.seen) return std::string("FAIL: source was forced");
    return std::to_string(s.seen) + (forced ? " from 127.0.0.2" : " from 127.0.0.1 (default)");
  };
  auto spread = [](const std::vector<double>& v) {
    double m = median(v);
    return m > 0 ? (percentile(v, 0.9) - percentile(v, 0.1)) / m : 0;
  };
  auto row = [&](const std::string& name, const std::string& floor_name, double target, bool forced) {
    Row r;
    r.name = name;
    r.floor_name = floor_name;
    r.value = median(series[name].values);
    r.floor = median(series[floor_name].values);
    r.ratio = r.value / r.floor;
    r.spread = spread(series[name].values);
    char t[32];
    std::snprintf(t, sizeof t, "<= %.2f", target);
    r.target = t;
    r.check = source_check(name, forced);
    r.met = r.ratio <= target && r.check.rfind("FAIL", 0) != 0;
    return r;
  };
  std::vector<Row> rows = {
      row("tcp-lib", "tcp-self", 1.03, true),
      row("tcp-nomatch", "tcp-plain", 1.02, false),
      row("tcp-lib-100k", "tcp-lib", 1.01, true),
      row("udp-lib", "udp-self", 1.05, true),
  };
  // The floors themselves must do what they claim.
  for (const char* floor : {"tcp-self", "udp-self"}) {
    std::string check = source_check(floor, true);
    if (check.rfind("FAIL", 0) == 0) rows.push_back({std::string(floor) + " (floor)", "", 0, 0, 0, 0, "", false, check});
  }

  double start_plain = median(startup["plain"]), start_small = median(startup["small"]);
  double start_big = median(startup["big"]), start_plain_big = median(startup["plain-big"]);
  double start_big_v6 = median(startup["big-v6"]);

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
  double start_diff = start_small - start_plain;
  bool start_met = start_diff <= 1.0;
  std::snprintf(line, sizeof line, "| start-up, small config | /bin/true without | %.2f ms | %.2f ms | %+.2f ms | <= +1 ms | | | %s |\n",
                start_small, start_plain, start_diff, start_met ? "yes" : "NO");
  md << line;
  double load = start_big - start_plain_big;
  bool load_met = load <= 100.0;
  std::snprintf(line, sizeof line, "| start-up, 100,000 rules | /bin/true without | %.2f ms | %.2f ms | load %.1f ms | <= 100 ms | | | %s |\n",
                start_big, start_plain_big, load, load_met ? "yes" : "NO");
  md << line;
  std::snprintf(line, sizeof line, "| (worst case: 100,000 IPv6 prefixes) | /bin/true without | %.2f ms | %.2f ms | load %.1f ms | (information) | | | |\n",
                start_big_v6, start_plain_big, start_big_v6 - start_plain_big);
  md << line;
  double rss_small_added = (rss_small - rss_plain) / 1024.0, rss_big_added = (rss_big - rss_plain) / 1024.0;
  bool rss_met = rss_small_added <= 1.0 && rss_big_added <= 32.0;
  std::snprintf(line, sizeof line, "| resident memory added | plain process (%.1f MiB) | small %+.2f MiB / 100k %+.2f MiB | | | <= 1 / <= 32 MiB | | | %s |\n",
                rss_plain / 1024.0, rss_small_added, rss_big_added, rss_met ? "yes" : "NO");
  md << line;
  std::snprintf(line, sizeof line, "| (worst case: 100,000 IPv6 prefixes) | plain process | %+.2f MiB | | | (information) | | | |\n",
                (rss_big_v6 - rss_plain) / 1024.0);
  md << line;
  all_met = all_met && start_met && load_met && rss_met;

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
  std::string library = SRCBIND_PRELOAD_PATH, out;
  int rounds = 7;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--library" && i + 1 < argc) library = argv[++i];
    else if (a == "--out" && i + 1 < argc) out = argv[++i];
    else if (a == "--rounds" && i + 1 < argc) rounds = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: %s [--library PATH] [--out FILE.md] [--rounds N]\n", argv[0]);
      return 2;
    }
  }
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return 2;
  self[n] = '\0';
  return driver(self, library, out, rounds);
}
