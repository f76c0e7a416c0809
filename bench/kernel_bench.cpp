// kernel_bench: what the kernel backend (`srcbind --kernel`) costs a program.
//
// The driver runs workers (this binary, `worker`) under `srcbind --kernel`. A
// worker measures both sides itself: batches in the run's cgroup, where the BPF
// programs see its sockets, take turns with batches in a sibling cgroup without
// programs, where it does the best the program could do by itself; the process
// moves between the two once a round. Interleaving batches makes the machine's
// slow phases (seconds long on these VMs) cancel out of each ratio, and one
// process for both sides removes what two processes differ by (bench/README.md).
// A row's ratio is the median over workers of each worker's median ratio of
// round pairs, as in srcbind_bench.
//
//   tcp-kernel          connect to 127.0.0.1, rule matches   vs  a plain connect (no bind)
//   udp-kernel          unconnected sendto, rule matches      vs  the program adding IP_PKTINFO itself
//   tcp-kernel-nomatch  connect to 127.0.0.3, no rule         vs  a plain connect
//   the same three with 100,000 rules
//   start-up            srcbind --kernel -- /bin/true         vs  /bin/true (processes interleaved)
//
// Every batch's peer counts the sources it saw: the kernel side must arrive from
// 127.0.0.2 where a rule matches and from the kernel's choice where none does;
// the plain side as it claims. A fast run that did not steer is a failure.
// Root only (the kernel backend's requirements): otherwise it says why and
// exits 0 without figures.
#include "bench_support.hpp"
#include "child_process.hpp"

#include "srcbind/kernel/cgroup.hpp"

#include <bpf/bpf.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>


namespace {

using srcbind::bench::median;
using srcbind::bench::percentile;

using Clock = std::chrono::steady_clock;
constexpr const char* kSource = "127.0.0.2";       // the rule's source
constexpr const char* kMatched = "127.0.0.1";      // the rule's destination
constexpr const char* kUnmatched = "127.0.0.3";    // in no rule: the kernel's own source (itself)



sockaddr_in address(const char* ip, int port) { return srcbind::bench::ipv4(ip, port); }

// ---------------------------------------------------------------- worker side

// The kinds of call a worker measures, and its two sides: the worker's process
// in the run's cgroup (the BPF programs see its sockets), and the same process
// moved into a sibling cgroup that has no programs.
enum Kind { kTcpMatched = 0, kUdp = 1, kTcpUnmatched = 2, kKinds = 3 };
constexpr const char* kKindNames[kKinds] = {"tcp", "udp", "tcp-nomatch"};
enum Side { kKernel = 0, kPlain = 1 };

// Where a batch's connections or datagrams are counted: its side and kind.
int slot(Side side, Kind kind) { return static_cast<int>(side) * kKinds + static_cast<int>(kind); }

using Counts = srcbind::bench::SourceCounts<2 * kKinds>;   // per slot()

// `n` times socket, connect, close with RST (no TIME_WAIT): µs per connection.
double tcp_batch(const char* destination, int port, int n) {
  const sockaddr_in dst = address(destination, port);
  const linger rst{1, 0};
  const auto start = Clock::now();
  for (int i = 0; i < n; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, reinterpret_cast<const sockaddr*>(&dst), sizeof dst) != 0) std::abort();
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof rst);
    close(fd);
  }
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count() / n;
}

// `n` unconnected datagrams from a socket made for the batch (a socket belongs
// to the cgroup it was made in): with `packet_info` the program sets kSource
// itself (sendmsg + IP_PKTINFO), else a plain sendto. µs per datagram.
double udp_batch(bool packet_info, int port, int n) {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in dst = address(kMatched, port);
  char payload[32] = "datagram";
  const auto start = Clock::now();
  if (packet_info) {
    srcbind::bench::OwnSourceDatagram own(dst, kSource);
    for (int i = 0; i < n; ++i) sendmsg(fd, &own.msg, 0);
  } else {
    for (int i = 0; i < n; ++i) sendto(fd, payload, sizeof payload, 0, reinterpret_cast<sockaddr*>(&dst), sizeof dst);
  }
  const double us = std::chrono::duration<double, std::micro>(Clock::now() - start).count() / n;
  close(fd);
  return us;
}

// One batch of `kind` on `side`: without the programs, the program sets the
// datagrams' source itself.
double batch(Side side, Kind kind, int tcp_port, int udp_port, int n) {
  switch (kind) {
    case kTcpMatched: return tcp_batch(kMatched, tcp_port, n);
    case kUdp: return udp_batch(side == kPlain, udp_port, n);
    default: return tcp_batch(kUnmatched, tcp_port, n);
  }
}

// The two cgroups the worker moves between. The run's cgroup must stay
// populated while the worker is out of it (srcbind removes it once it is
// empty): a keeper child waits in it until the worker is done.
struct Cgroups {
  std::string run, plain;
  std::string kernel_side;   // `run`, or for a worker "same" a second cgroup without programs
  int keeper_pipe = -1;
  pid_t keeper = -1;

  bool open(bool same, std::string& error) {
    const std::optional<std::string> own = srcbind::kernel::own_cgroup_directory(error, false);
    if (!own) return false;
    run = *own;
    plain = run.substr(0, run.rfind('/')) + "/srcbind-bench-plain-" + std::to_string(getpid());
    kernel_side = same ? plain + "-twin" : run;
    for (const std::string& made : same ? std::vector{plain, kernel_side} : std::vector{plain}) {
      if (mkdir(made.c_str(), 0755) != 0) {
        error = made + ": " + std::strerror(errno);
        return false;
      }
    }
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return false;
    keeper = fork();
    if (keeper == 0) {
      char c;
      close(p[1]);
      while (read(p[0], &c, 1) < 0 && errno == EINTR) {
      }
      std::_Exit(0);
    }
    close(p[0]);
    keeper_pipe = p[1];
    return keeper > 0;
  }
  bool enter(Side side) { return srcbind::kernel::move_into(side == kKernel ? kernel_side : plain); }
  ~Cgroups() {
    if (!run.empty()) srcbind::kernel::move_into(run);
    if (!plain.empty()) rmdir(plain.c_str());
    if (kernel_side != run) rmdir(kernel_side.c_str());
    if (keeper_pipe >= 0) close(keeper_pipe);
    if (keeper > 0) waitpid(keeper, nullptr, 0);
  }
};

// The in-kernel view: how long the srcbind program attached to the run's cgroup
// for one hook ran, as the kernel counts it while BPF statistics are on
// (bpf_enable_stats). It includes bpf_bind(); not the hook's own dispatch.
struct ProgramClock {
  int fd = -1;

  ProgramClock(const std::string& cgroup, bpf_attach_type hook, const char* name) {
    const int cg = open(cgroup.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    __u32 ids[64], count = 64, flags = 0;
    if (cg >= 0 && bpf_prog_query(cg, hook, BPF_F_QUERY_EFFECTIVE, &flags, ids, &count) == 0) {
      for (__u32 i = 0; i < count && fd < 0; ++i) {
        const int prog = bpf_prog_get_fd_by_id(ids[i]);
        bpf_prog_info info{};
        __u32 len = sizeof info;
        if (prog >= 0 && bpf_obj_get_info_by_fd(prog, &info, &len) == 0 && std::strcmp(info.name, name) == 0) fd = prog;
        else if (prog >= 0) close(prog);
      }
    }
    if (cg >= 0) close(cg);
  }
  ~ProgramClock() {
    if (fd >= 0) close(fd);
  }
  // Runs so far and the nanoseconds they took.
  std::pair<long, long> read() const {
    bpf_prog_info info{};
    __u32 len = sizeof info;
    if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) != 0) return {0, 0};
    return {static_cast<long>(info.run_cnt), static_cast<long>(info.run_time_ns)};
  }
};

// Prints per kind "KIND RATIO KERNEL-µs PLAIN-µs FROM-SOURCE SEEN PLAIN-FROM-SOURCE PLAIN-SEEN";
// with `program_clock`, BPF statistics are on (which slows the kernel side: its
// ratios are not used) and a line "clock KIND RUNS NANOSECONDS" follows per kind.
// With `same`, the "kernel" side runs in a second cgroup without programs: both
// sides plain, the method's own error.
int worker(int batches, int per_batch, bool program_clock, bool same) {
  Cgroups cgroups;
  std::string error;
  if (!cgroups.open(same, error)) {
    std::fprintf(stderr, "kernel_bench: no cgroup without the programs: %s\n", error.c_str());
    return 1;
  }
  const int stats = program_clock ? bpf_enable_stats(BPF_STATS_RUN_TIME) : -1;
  if (program_clock && stats < 0) {
    std::fprintf(stderr, "kernel_bench: bpf_enable_stats: %s\n", std::strerror(errno));
    return 1;
  }
  const ProgramClock connect4(cgroups.run, BPF_CGROUP_INET4_CONNECT, "connect4");
  const ProgramClock sendmsg4(cgroups.run, BPF_CGROUP_UDP4_SENDMSG, "sendmsg4");
  long clock_runs[kKinds] = {}, clock_ns[kKinds] = {};
  // The TCP peer on the wildcard address: both destinations reach it.
  srcbind::bench::TcpSink<2 * kKinds> tcp("0.0.0.0", kSource);
  srcbind::bench::UdpSink<2 * kKinds> udp(kMatched, kSource);
  std::vector<double> times[2][kKinds];
  long total = 0;
  // b = -1: warm-up. The side that goes first alternates from one round of
  // batches to the next (which one runs first changes its time:
  // bench/README.md), so the process changes cgroup once a round: K P P K K P ...
  for (int b = -1; b < batches; ++b) {
    for (int k = 0; k < 2; ++k) {
      const Side side = (k + b + 1) % 2 == 0 ? kKernel : kPlain;
      if (!cgroups.enter(side)) {
        std::fprintf(stderr, "kernel_bench: cannot move into a cgroup: %s\n", std::strerror(errno));
        return 1;
      }
      for (int kind = 0; kind < kKinds; ++kind) {
        const Kind what = static_cast<Kind>(kind);
        tcp.count_for(slot(side, what));
        const ProgramClock& clock = what == kUdp ? sendmsg4 : connect4;
        const auto before = clock.read();
        const double us = batch(side, what, tcp.port(), udp.port(), per_batch);
        const auto after = clock.read();
        if (b >= 0 && side == kKernel) {
          clock_runs[kind] += after.first - before.first;
          clock_ns[kind] += after.second - before.second;
        }
        if (what == kUdp) udp.drain(slot(side, what));
        else tcp.wait_for(total += per_batch);
        if (b >= 0) times[side][kind].push_back(us);
      }
    }
  }
  for (int kind = 0; kind < kKinds; ++kind) {
    const auto& kernel = times[kKernel][kind];
    const auto& plain = times[kPlain][kind];
    // Two consecutive rounds, one begun by each side, make one ratio.
    std::vector<double> ratios;
    for (std::size_t i = 0; i + 1 < kernel.size() && i + 1 < plain.size(); i += 2)
      ratios.push_back((kernel[i] + kernel[i + 1]) / (plain[i] + plain[i + 1]));
    const Kind what = static_cast<Kind>(kind);
    const Counts counts = what == kUdp ? udp.counts() : tcp.counts();
    const int on_kernel = slot(kKernel, what), on_plain = slot(kPlain, what);
    std::printf("%s %.5f %.4f %.4f %ld %ld %ld %ld\n", kKindNames[kind], median(ratios), median(kernel), median(plain),
                counts.from_source[on_kernel], counts.seen[on_kernel], counts.from_source[on_plain],
                counts.seen[on_plain]);
    if (program_clock) std::printf("clock %s %ld %ld\n", kKindNames[kind], clock_runs[kind], clock_ns[kind]);
  }
  if (stats >= 0) close(stats);
  return 0;
}

// ---------------------------------------------------------------- driver side

// Runs argv with SRCBIND_* and LD_PRELOAD removed from its environment, its
// output captured (the tests' runner, tests/harness/child_process.hpp).
using Spawned = srcbind::test::ChildResult;
Spawned spawn(const std::vector<std::string>& argv) {
  srcbind::test::ChildOptions options;
  options.deadline = std::chrono::minutes(10);
  return srcbind::test::run_child(argv, options);
}

// The wall time of spawn(argv), in ms: start-up is a difference of two of these.
double wall_ms(const std::vector<std::string>& argv) {
  const auto start = Clock::now();
  spawn(argv);
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// One worker's figures per kind.
struct Measured {
  double ratio = 0, kernel_us = 0, plain_us = 0;
  long from_source = 0, seen = 0, plain_from_source = 0, plain_seen = 0;
  long clock_runs = 0, clock_ns = 0;   // a worker run with "clock"
};
using WorkerResult = std::map<std::string, Measured>;

WorkerResult parse(const std::string& out) {
  WorkerResult r;
  std::istringstream lines(out);
  for (std::string text; std::getline(lines, text);) {
    std::istringstream in(text);
    std::string kind;
    Measured m;
    if (text.rfind("clock ", 0) == 0) {
      std::string word;
      if (in >> word >> kind && r.count(kind)) in >> r[kind].clock_runs >> r[kind].clock_ns;
    } else if (in >> kind >> m.ratio >> m.kernel_us >> m.plain_us >> m.from_source >> m.seen >> m.plain_from_source >>
               m.plain_seen) {
      r[kind] = m;
    }
  }
  return r;
}

// Filler rules never match loopback: three quarters IPv4 host routes in
// 198.18.0.0/15, one quarter IPv6 /64s under 2001:db8::/32 (as srcbind_bench's
// 100,000-rule file), then the rule the benchmark matches.
std::string write_config(const std::string& dir, const std::string& name, int rules) {
  const std::string path = dir + "/" + name;
  std::ofstream f(path);
  for (int i = 0; i < rules - 1; ++i) {
    if (i % 4 != 3) {
      f << "[rule]\ndestination = 198." << (18 + (i >> 16)) << "." << ((i >> 8) & 255) << "." << (i & 255)
        << "\nsource = " << kSource << "\n";
    } else {
      char buf[64];
      std::snprintf(buf, sizeof buf, "2001:db8:%x:%x::/64", (i >> 16) & 0xffff, i & 0xffff);
      f << "[rule]\ndestination = " << buf << "\nsource = 2001:db8::2\n";
    }
  }
  f << "[rule loopback]\ndestination = " << kMatched << "\nsource = " << kSource << "\n";
  return path;
}

// Per row: the ratio of each pair of processes, and the source checks summed.
struct RowData {
  std::vector<double> ratios, kernel_us, floor_us;
  long kernel_from_source = 0, kernel_seen = 0, floor_from_source = 0, floor_seen = 0;
};

struct RowSpec {
  std::string name, kind, compared_with;
  double target;
  bool steered;   // the kernel side must come from kSource (else: must not)
  // The row's ratio decides whether the target is met. Not for TCP: a connect
  // varies more between workers than its 1-2 % targets (the rows "both sides
  // plain" show by how much); the in-kernel view decides those.
  bool judged = true;
};

std::string check(const RowData& d, bool steered, bool floor_forced) {
  if (d.kernel_seen == 0 || d.floor_seen == 0) return "FAIL: a peer saw nothing";
  if (steered && d.kernel_from_source != d.kernel_seen)
    return "FAIL: " + std::to_string(d.kernel_seen - d.kernel_from_source) + " not from 127.0.0.2";
  if (!steered && d.kernel_from_source != 0) return "FAIL: steered without a rule";
  if (floor_forced ? d.floor_from_source != d.floor_seen : d.floor_from_source != 0)
    return "FAIL: the floor did not do what it claims";
  return std::to_string(d.kernel_seen) + (steered ? " from 127.0.0.2" : " from the kernel's choice");
}

int driver(const std::string& self, const std::string& srcbind, const std::string& out_path, int rounds) {
  if (::geteuid() != 0) {
    std::printf("kernel_bench: skipped: not root (srcbind --kernel needs root)\n");
    return 0;
  }
  const Spawned probe = spawn({srcbind, "--check", "--kernel", "-s", kSource});
  if (probe.exit_code != 0) {
    std::string reason = probe.err.substr(0, probe.err.find('\n'));
    std::printf("kernel_bench: skipped: the kernel backend cannot work here: %s\n", reason.c_str());
    return 0;
  }
  char dir_template[] = "/tmp/srcbind-kernel-bench-XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  const std::string small = write_config(dir, "1k.ini", 1000);
  const std::string big = write_config(dir, "100k.ini", 100000);

  const int batches = 16, per_batch = 200;
  const auto kernel_worker = [&](const std::string& config) {
    return std::vector<std::string>{srcbind, "--kernel", "-q", "-c", config, "--", self, "worker",
                                    std::to_string(batches), std::to_string(per_batch)};
  };
  std::map<std::string, RowData> data;   // key: config tag + kind
  int failed_workers = 0;
  const auto add = [&](const std::string& tag, const Spawned& run) {
    const WorkerResult k = parse(run.out);
    for (const char* kind : kKindNames) {
      if (run.exit_code != 0 || !k.count(kind) || k.at(kind).ratio <= 0) {
        ++failed_workers;
        std::fprintf(stderr, "kernel_bench: a worker failed (%s)\n", srcbind::test::describe(run).c_str());
        return;
      }
      const Measured& m = k.at(kind);
      RowData& d = data[tag + kind];
      d.ratios.push_back(m.ratio);
      d.kernel_us.push_back(m.kernel_us);
      d.floor_us.push_back(m.plain_us);
      d.kernel_from_source += m.from_source;
      d.kernel_seen += m.seen;
      d.floor_from_source += m.plain_from_source;
      d.floor_seen += m.plain_seen;
    }
  };
  for (int r = 0; r < rounds; ++r) {
    add("1k:", spawn(kernel_worker(small)));
    add("100k:", spawn(kernel_worker(big)));
    auto same = kernel_worker(small);
    same.push_back("same");
    add("same:", spawn(same));
  }

  // The in-kernel view: the programs' own run time per call (BPF statistics
  // on), over the same worker's plain connect. Fewer workers: it is not noisy.
  std::map<std::string, std::vector<double>> program_ns, plain_us;   // key: config tag + kind
  const int clock_workers = std::max(3, rounds / 4);
  for (int r = 0; r < clock_workers; ++r) {
    for (const auto& [tag, config] : {std::pair{"1k:", small}, std::pair{"100k:", big}}) {
      auto argv = kernel_worker(config);
      argv.push_back("clock");
      const Spawned run = spawn(argv);
      const WorkerResult k = parse(run.out);
      for (const char* kind : {"tcp", "tcp-nomatch"}) {
        if (run.exit_code != 0 || !k.count(kind) || k.at(kind).clock_runs <= 0) {
          ++failed_workers;
          std::fprintf(stderr, "kernel_bench: a clock worker failed (%s)\n", srcbind::test::describe(run).c_str());
          break;
        }
        const Measured& m = k.at(kind);
        program_ns[tag + std::string(kind)].push_back(static_cast<double>(m.clock_ns) / static_cast<double>(m.clock_runs));
        plain_us[tag + std::string(kind)].push_back(m.plain_us);
      }
    }
  }

  // Start-up: /bin/true with and without srcbind --kernel, interleaved.
  std::map<std::string, std::vector<double>> startup;
  const int startup_runs = 4 * rounds;
  for (int i = 0; i < startup_runs; ++i) {
    startup["plain"].push_back(wall_ms({"/bin/true"}));
    startup["small"].push_back(wall_ms({srcbind, "--kernel", "-q", "-c", small, "--", "/bin/true"}));
    if (i % 4 == 0) {
      startup["plain-big"].push_back(wall_ms({"/bin/true"}));
      startup["big"].push_back(wall_ms({srcbind, "--kernel", "-q", "-c", big, "--", "/bin/true"}));
    }
  }

  const std::vector<std::pair<std::string, RowSpec>> specs = {
      {"1k:tcp", {"tcp-kernel", "tcp", "plain connect", 1.02, true, false}},
      {"1k:udp", {"udp-kernel", "udp", "program's own IP_PKTINFO", 1.05, true}},
      {"1k:tcp-nomatch", {"tcp-kernel-nomatch", "tcp-nomatch", "plain connect", 1.01, false, false}},
      {"100k:tcp", {"tcp-kernel-100k", "tcp", "plain connect", 1.02, true, false}},
      {"100k:udp", {"udp-kernel-100k", "udp", "program's own IP_PKTINFO", 1.05, true}},
      {"100k:tcp-nomatch", {"tcp-kernel-nomatch-100k", "tcp-nomatch", "plain connect", 1.01, false, false}},
  };
  std::ostringstream md;
  char line[512];
  md << "| case | compared with | kernel | the program itself | ratio | target | spread (p90-p10)/median | source check | met |\n";
  md << "|---|---|---|---|---|---|---|---|---|\n";
  bool all_met = failed_workers == 0;
  for (const auto& [key, spec] : specs) {
    const RowData& d = data[key];
    const double ratio = median(d.ratios);
    const double spread = ratio > 0 ? (percentile(d.ratios, 0.9) - percentile(d.ratios, 0.1)) / ratio : 0;
    const std::string checked = check(d, spec.steered, spec.kind == "udp");
    const bool checked_ok = checked.rfind("FAIL", 0) != 0;
    const bool met = ratio > 0 && ratio <= spec.target && checked_ok;
    all_met = all_met && (spec.judged ? met : checked_ok);
    std::snprintf(line, sizeof line, "| %s | %s | %.2f µs | %.2f µs | %.3f | <= %.2f | %.2f | %s | %s |\n",
                  spec.name.c_str(), spec.compared_with.c_str(), median(d.kernel_us), median(d.floor_us), ratio,
                  spec.target, spread, checked.c_str(),
                  !spec.judged ? (checked_ok ? "in-kernel view" : "NO") : met ? "yes" : "NO");
    md << line;
  }
  // The same workers with both sides plain: what the ratio rows read when
  // nothing is attached (information: no target).
  for (const char* kind : {"tcp", "tcp-nomatch"}) {
    const RowData& d = data[std::string("same:") + kind];
    const double ratio = median(d.ratios);
    const double spread = ratio > 0 ? (percentile(d.ratios, 0.9) - percentile(d.ratios, 0.1)) / ratio : 0;
    std::snprintf(line, sizeof line, "| %s, both sides plain (the method's own error) | plain connect | %.2f µs | %.2f µs | %.3f | | %.2f | %s | |\n",
                  kind, median(d.kernel_us), median(d.floor_us), ratio, spread, check(d, false, false).c_str());
    md << line;
  }
  const std::vector<std::pair<std::string, RowSpec>> clock_specs = {
      {"1k:tcp", {"tcp-kernel, in-kernel view", "tcp", "plain connect", 1.02, true}},
      {"1k:tcp-nomatch", {"tcp-kernel-nomatch, in-kernel view", "tcp-nomatch", "plain connect", 1.01, false}},
      {"100k:tcp", {"tcp-kernel-100k, in-kernel view", "tcp", "plain connect", 1.02, true}},
      {"100k:tcp-nomatch", {"tcp-kernel-nomatch-100k, in-kernel view", "tcp-nomatch", "plain connect", 1.01, false}},
  };
  for (const auto& [key, spec] : clock_specs) {
    const double ns = median(program_ns[key]), us = median(plain_us[key]);
    const double ratio = us > 0 ? 1 + ns / 1000 / us : 0;
    const bool met = ratio > 0 && ratio <= spec.target;
    all_met = all_met && met;
    std::snprintf(line, sizeof line, "| %s | %s | +%.0f ns (program) | %.2f µs | %.4f | <= %.2f | | %zu workers | %s |\n",
                  spec.name.c_str(), spec.compared_with.c_str(), ns, us, ratio, spec.target, program_ns[key].size(),
                  met ? "yes" : "NO");
    md << line;
  }
  const double plain = median(startup["plain"]), with_small = median(startup["small"]);
  const double plain_big = median(startup["plain-big"]), with_big = median(startup["big"]);
  const bool small_met = with_small - plain <= 50.0, big_met = with_big - plain_big <= 1000.0;
  all_met = all_met && small_met && big_met;
  std::snprintf(line, sizeof line,
                "| start-up, 1,000 rules | /bin/true without | %.1f ms | %.1f ms | %+.1f ms | <= +50 ms | | %zu runs each | %s |\n",
                with_small, plain, with_small - plain, startup["small"].size(), small_met ? "yes" : "NO");
  md << line;
  std::snprintf(line, sizeof line,
                "| start-up, 100,000 rules | /bin/true without | %.0f ms | %.1f ms | %+.0f ms | <= +1000 ms | | %zu runs each | %s |\n",
                with_big, plain_big, with_big - plain_big, startup["big"].size(), big_met ? "yes" : "NO");
  md << line;

  std::printf("%s", md.str().c_str());
  if (!out_path.empty()) std::ofstream(out_path, std::ios::app) << md.str();
  std::filesystem::remove_all(dir);
  std::printf("%s\n", failed_workers ? "SOME WORKERS FAILED" : all_met ? "all targets met" : "SOME TARGETS NOT MET");
  return all_met ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 4 && std::string(argv[1]) == "worker")
    return worker(std::atoi(argv[2]), std::atoi(argv[3]), argc >= 5 && std::string(argv[4]) == "clock",
                  argc >= 5 && std::string(argv[4]) == "same");
  std::string srcbind = SRCBIND_COMMAND_PATH, out;
  int rounds = 21;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--srcbind" && i + 1 < argc) srcbind = argv[++i];
    else if (a == "--out" && i + 1 < argc) out = argv[++i];
    else if (a == "--rounds" && i + 1 < argc) rounds = std::max(1, std::atoi(argv[++i]));
    else {
      std::fprintf(stderr, "usage: %s [--srcbind PATH] [--out FILE.md] [--rounds N]\n", argv[0]);
      return 2;
    }
  }
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return 2;
  self[n] = '\0';
  return driver(self, srcbind, out, rounds);
}
