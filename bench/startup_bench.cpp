// startup_bench: what the library adds to a process's start and to its first
// connection, by the size of the configuration. Every sample is a separate
// process; each run with the library is paired with runs without it (start-up:
// without, with, with, without), and each figure is the median of the pairs'
// differences (this VM has slow phases that last seconds: a difference taken
// within one pair cancels them).
//
// Configurations are written as users write them: `[rule NAME]` sections, IPv4
// destinations mixing /24 and /30 networks with /32 hosts, one `destination = *`
// rule (never connected to: the only traffic is to 127.0.0.1).
//
// The first connection is measured twice per size: with the file's compiled
// table (`srcbind --check --compile`, what a large configuration is meant to
// be used with) and with the file alone, parsed at the first connection.
//
// Also `srcbind --check` of the 100,000-rule file, and two floors measured the
// same way in the same rounds: the start-up of an empty C preload (what loading
// any library costs), and a fresh process that only reads each compiled table
// into memory as the library does (what reading it costs, with no lookup built).
//
//   startup_bench [--library PATH] [--rounds N] [--sizes 1,1000,100000,1000000]
//   startup_bench first-connect PORT     (the child: times its first connect)
//   startup_bench read-table PATH        (the child: times reading PATH whole)
#include "bench_support.hpp"

#include "srcbind/prefaulted_buffer.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace {

using srcbind::bench::median;

using Clock = std::chrono::steady_clock;

// Start-up quartets (without, with, with, without) per variant and round.
constexpr int kStartupQuartets = 5;

double micros_since(Clock::time_point start) {
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

// The child: one socket, one connect to 127.0.0.1:PORT, timed from before
// socket() (the library builds its rules at the first network socket).
int first_connect(int port) {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const auto start = Clock::now();
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  const int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to);
  const double took = micros_since(start);
  sockaddr_in local{};
  socklen_t len = sizeof local;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
  char text[INET_ADDRSTRLEN] = "?";
  ::inet_ntop(AF_INET, &local.sin_addr, text, sizeof text);
  long rss_kib = -1;
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) rss_kib = std::atol(line.c_str() + 6);
  }
  std::printf("%.1f %s %d %ld\n", took, text, rc, rss_kib);
  return rc == 0 ? 0 : 1;
}

// The child: reads the file at `path` whole into memory of its own, as the
// library reads a compiled table (config/src/compiled_table_file.cpp), and
// prints how long that took.
int read_table(const char* path) {
  const auto start = Clock::now();
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || ::fstat(fd, &st) != 0) return 1;
  const auto size = static_cast<std::size_t>(st.st_size);
  const auto buffer = srcbind::detail::PrefaultedBuffer::allocate(size + 8);
  if (!buffer) return 1;
  auto* bytes = reinterpret_cast<char*>(buffer.data());
  std::size_t filled = 0;
  for (ssize_t n; (n = ::read(fd, bytes + filled, size + 8 - filled)) > 0;) filled += static_cast<std::size_t>(n);
  ::close(fd);
  const double took = micros_since(start);
  std::printf("%.1f\n", took);
  return filled == size ? 0 : 1;
}

// `count` named rules; the one for 127.0.0.1 sits in the middle of the file.
std::string write_config(const std::filesystem::path& dir, std::size_t count) {
  const std::filesystem::path path = dir / ("rules-" + std::to_string(count) + ".ini");
  std::ofstream out(path);
  out << "[srcbind]\non_error = fail\n\n";
  for (std::size_t i = 0; i < count; ++i) {
    if (i == count / 2) out << "[rule loopback-peer]\ndestination = 127.0.0.1\nsource = 127.0.0.2\n\n";
    out << "[rule customer-" << i << "]\n";
    const std::size_t k = i / 3;   // every destination distinct: /24 networks, then /30s, and /32 hosts
    if (i % 3 == 0 && k < 65536) {
      out << "destination = 10." << (k >> 8) << '.' << (k & 255) << ".0/24\n";
    } else if (i % 3 == 0) {
      out << "destination = 100." << (64 + ((k >> 14) & 63)) << '.' << ((k >> 6) & 255) << '.' << ((k & 63) << 2) << "/30\n";
    } else {
      out << "destination = 172." << (16 + ((i >> 16) & 15)) << '.' << ((i >> 8) & 255) << '.' << (i & 255) << "\n";
    }
    out << "source = 127.0.0." << (2 + i % 3) << "\n\n";
  }
  out << "[rule everything-else]\ndestination = *\nsource = 127.0.0.4\n";
  return path;
}

struct Run {
  double micros = 0;
  std::string out;
  int status = -1;   // the wait status
};

// Spawns argv with `extra` added to this process's environment; its wall time
// and its standard output.
Run spawn(const std::vector<std::string>& argv, const std::vector<std::string>& extra) {
  std::vector<char*> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "LD_PRELOAD=", 11) != 0 && std::strncmp(*e, "SRCBIND_", 8) != 0) env.push_back(*e);
  }
  std::vector<std::string> extra_copy = extra;
  for (std::string& e : extra_copy) env.push_back(e.data());
  env.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  std::vector<char*> args;
  for (std::string& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) std::exit(2);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  const auto start = Clock::now();
  pid_t pid;
  if (posix_spawn(&pid, args[0], &actions, nullptr, args.data(), env.data()) != 0) std::exit(2);
  ::close(pipe_fds[1]);
  Run run;
  char buffer[256];
  ssize_t n;
  while ((n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0) run.out.append(buffer, static_cast<std::size_t>(n));
  int status = 0;
  ::waitpid(pid, &status, 0);
  run.micros = micros_since(start);
  run.status = status;
  ::close(pipe_fds[0]);
  posix_spawn_file_actions_destroy(&actions);
  return run;
}


std::string size_text(std::size_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string rules_text(std::size_t n) { return size_text(n) + (n == 1 ? " named rule" : " named rules"); }

void drain(int fd) {
  while (true) {
    const int c = ::accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c < 0) return;
    ::close(c);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "first-connect") return first_connect(std::atoi(argv[2]));
  if (argc == 3 && std::string(argv[1]) == "read-table") return read_table(argv[2]);
  std::string library = SRCBIND_PRELOAD_PATH;
  int rounds = 41;
  std::vector<std::size_t> sizes{1, 1000, 100000, 1000000};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--library") library = argv[i + 1];
    else if (a == "--rounds") rounds = std::atoi(argv[i + 1]);
    else if (a == "--sizes") {
      sizes.clear();
      std::stringstream list(argv[i + 1]);
      for (std::string item; std::getline(list, item, ',');) sizes.push_back(std::stoul(item));
    }
  }
  char dir_template[] = "/tmp/srcbind-startup-XXXXXX";
  if (::mkdtemp(dir_template) == nullptr) return 2;
  const std::filesystem::path dir = dir_template;
  std::vector<std::string> configs, compiled;
  std::filesystem::create_directory(dir / "compiled");
  for (std::size_t n : sizes) {
    configs.push_back(write_config(dir, n));
    compiled.push_back(write_config(dir / "compiled", n));
    if (spawn({SRCBIND_COMMAND_PATH, "--check", "--compile", "-c", compiled.back()}, {}).status != 0) {
      std::fprintf(stderr, "startup_bench: srcbind --check --compile -c %s failed\n", compiled.back().c_str());
      return 2;
    }
  }
  int port = 0;
  const int listen_fd = srcbind::bench::tcp_listener("127.0.0.1", port);
  ::fcntl(listen_fd, F_SETFL, O_NONBLOCK);
  const std::string self = std::filesystem::canonical("/proc/self/exe");
  const std::vector<std::string> true_argv{"/bin/true"};
  const std::vector<std::string> connect_argv{self, "first-connect", std::to_string(port)};
  const std::string preload = "LD_PRELOAD=" + library;

  // start-up[i], first-connect[i]: per-round differences to the run without.
  // startup: quick mode, each size, then the empty preload.
  std::vector<std::vector<double>> startup(sizes.size() + 2), first(sizes.size()), first_compiled(sizes.size());
  std::vector<std::string> sources(sizes.size()), sources_compiled(sizes.size());
  std::vector<std::vector<double>> memory(sizes.size()), memory_compiled(sizes.size());   // MiB added, per round
  std::vector<std::vector<double>> table_read(sizes.size());   // µs, per round
  // A first connection is a pair, the run without and the run with, in an order
  // that alternates from round to round: whichever of two spawns comes first is
  // slower on this machine, and a fixed order would show up as a difference.
  const auto paired = [](int round, const auto& without, const auto& with) {
    if (round % 2 == 0) {
      const Run a = without();
      const Run b = with();
      return std::pair{a, b};
    }
    const Run b = with();
    const Run a = without();
    return std::pair{a, b};
  };
  for (int round = 0; round < rounds; ++round) {
    const auto plain_true = [&] { return spawn(true_argv, {}); };
    std::vector<std::vector<std::string>> variants{{preload, "SRCBIND_SOURCE=127.0.0.2"}};
    for (const std::string& config : configs) variants.push_back({preload, "SRCBIND_CONFIG=" + config});
    variants.push_back({"LD_PRELOAD=" + std::string(SRCBIND_EMPTY_PRELOAD_PATH)});
    // Start-up differences are tenths of a millisecond: without, with, with,
    // without (ABBA), so that a drift within the four cancels too. One run
    // first to absorb what the previous round left behind (the largest runs
    // free hundreds of megabytes).
    // Several quartets per round: they cost milliseconds, and the VM's noise
    // is ±40 µs per spawn, so that 41 alone left a row's median ±15 µs.
    (void)plain_true();
    for (int quartet = 0; quartet < kStartupQuartets; ++quartet) {
      for (std::size_t v = 0; v < variants.size(); ++v) {
        const auto with_true = [&] { return spawn(true_argv, variants[v]); };
        const double a1 = plain_true().micros, b1 = with_true().micros;
        const double b2 = with_true().micros, a2 = plain_true().micros;
        startup[v].push_back((b1 + b2 - a1 - a2) / 2);
      }
    }
    const auto first_connection = [&](const std::vector<std::string>& env, std::vector<double>& added,
                                      std::string& source, std::vector<double>& mib) {
      const auto [plain_connect, run] = paired(round, [&] { return spawn(connect_argv, {}); },
                                               [&] { return spawn(connect_argv, env); });
      std::istringstream fields(run.out), plain_fields(plain_connect.out);
      double took = 0, plain_took = 0, rss = 0, plain_rss = 0;
      std::string plain_source;
      int rc = 0;
      fields >> took >> source >> rc >> rss;
      plain_fields >> plain_took >> plain_source >> rc >> plain_rss;
      added.push_back(took - plain_took);
      mib.push_back((rss - plain_rss) / 1024.0);
    };
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      first_connection({preload, "SRCBIND_CONFIG=" + compiled[i]}, first_compiled[i], sources_compiled[i],
                       memory_compiled[i]);
      first_connection(variants[i + 1], first[i], sources[i], memory[i]);
      table_read[i].push_back(std::atof(spawn({self, "read-table", compiled[i] + ".compiled"}, {}).out.c_str()));
    }
    drain(listen_fd);
  }
  // srcbind --check validates what the library will apply: a few runs per size.
  std::vector<double> check_seconds(sizes.size());
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    std::vector<double> runs;
    for (int run = 0; run < 5; ++run) {
      runs.push_back(spawn({SRCBIND_COMMAND_PATH, "--check", "-c", configs[i]}, {}).micros / 1e6);
    }
    check_seconds[i] = median(runs);
  }
  std::filesystem::remove_all(dir);

  std::printf("| case | compared with | added (median of paired differences) | goal | met |\n");
  std::printf("|---|---|---|---|---|\n");
  bool all_met = true;
  auto row = [&all_met](const std::string& name, const std::string& base, double added, double goal) {
    all_met = all_met && added <= goal;
    std::printf("| %s | %s | %+.0f µs | <= +%.0f µs | %s |\n", name.c_str(), base.c_str(), added, goal,
                added <= goal ? "yes" : "no");
  };
  row("start-up, quick mode (SRCBIND_SOURCE)", "/bin/true without", median(startup[0]), 150);
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    row("start-up, " + rules_text(sizes[i]), "/bin/true without", median(startup[i + 1]), 150);
  }
  std::printf("| start-up, an empty C library preloaded (the floor of any preload) | /bin/true without | %+.0f µs | | |\n",
              median(startup[sizes.size() + 1]));
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const double goal = sizes[i] > 100000 ? 10000 : 5000;
    row("first connection, " + rules_text(sizes[i]) + ", compiled table (source " + sources_compiled[i] + ")",
        "a first connect without", median(first_compiled[i]), goal);
  }
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    std::printf("| reading the compiled table alone, %s (the floor of its first connection) | a fresh process | %.0f µs | | |\n",
                rules_text(sizes[i]).c_str(), median(table_read[i]));
  }
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    std::printf("| first connection, %s, the file parsed (source %s) | a first connect without | %+.0f µs | | |\n",
                rules_text(sizes[i]).c_str(), sources[i].c_str(), median(first[i]));
  }
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    std::printf("| resident memory after the first connection, %s, compiled table | a process without | %+.1f MiB | (stated) | |\n",
                rules_text(sizes[i]).c_str(), median(memory_compiled[i]));
    std::printf("| resident memory after the first connection, %s, the file parsed | a process without | %+.1f MiB | (stated) | |\n",
                rules_text(sizes[i]).c_str(), median(memory[i]));
  }
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == 100000) {
      std::printf("| srcbind --check, 100,000 named rules | | %.2f s (median) | <= 0.5 s | %s |\n", check_seconds[i],
                  check_seconds[i] <= 0.5 ? "yes" : "no");
      all_met = all_met && check_seconds[i] <= 0.5;
    }
  }
  std::printf("(%d rounds, %d start-up quartets per round, each process spawned separately; 127.0.0.2 is the rule's "
              "source)\n",
              rounds, kStartupQuartets);
  std::printf("%s\n", all_met ? "all targets met" : "SOME TARGETS NOT MET");
  return all_met ? 0 : 1;
}
