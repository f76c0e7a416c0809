// Matcher lookup cost with 1, 1,000 and 100,000 rules (matching and not), and the
// cost of loading 100,000 rules as the library does: read the file, parse, index.
// After the Google Benchmark run, an interleaved pass (medians over alternating
// rounds, so that a busy machine slows every case alike) prints the two figures
// the project targets:
//   lookup 100k/1 rule <= 2.0       load 100k rules < 100 ms
#include "matcher_rule_sets.hpp"

#include "srcbind/ini_parser.hpp"
#include "srcbind/matcher.hpp"
#include "srcbind/rule_table.hpp"

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>

namespace srcbind::bench {
namespace {

const std::vector<std::string>& program_names() {
  static const std::vector<std::string> names{"curl"};
  return names;
}

// A loaded rule set and its destinations; built once per size.
struct Scenario {
  explicit Scenario(int count)
      : table(parse_config_text(generate_rules(count), "/etc/srcbind.ini", HostInterfaces::current())),
        matcher(table.rules, program_names()),
        hits(matching_destinations(count)),
        misses(missing_destinations()) {
    for (const auto& d : hits) {
      if (matcher.find(d, Protocol::tcp) == nullptr) std::fprintf(stderr, "scenario %d: a hit misses\n", count);
    }
    for (const auto& d : misses) {
      if (matcher.find(d, Protocol::tcp) != nullptr) std::fprintf(stderr, "scenario %d: a miss hits\n", count);
    }
  }
  RuleTable table;
  Matcher matcher;
  std::vector<Endpoint> hits;
  std::vector<Endpoint> misses;
};

Scenario& scenario(int count) {
  static std::map<int, std::unique_ptr<Scenario>> built;
  auto& slot = built[count];
  if (!slot) slot = std::make_unique<Scenario>(count);
  return *slot;
}

// Rotates through the 1024 destinations; returns the number of matches so the
// loop cannot be optimised away.
std::size_t lookups(const Scenario& s, bool matching, std::size_t n) {
  const auto& destinations = matching ? s.hits : s.misses;
  std::size_t found = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const Rule* rule = s.matcher.find(destinations[i & (kDestinations - 1)], Protocol::tcp);
    benchmark::DoNotOptimize(rule);
    found += rule != nullptr;
  }
  return found;
}

void BM_Lookup(benchmark::State& state, int count, bool matching) {
  const Scenario& s = scenario(count);
  const auto& destinations = matching ? s.hits : s.misses;
  std::size_t i = 0;
  for (auto _ : state) {
    const Rule* rule = s.matcher.find(destinations[i++ & (kDestinations - 1)], Protocol::tcp);
    benchmark::DoNotOptimize(rule);
  }
  state.SetItemsProcessed(state.iterations());
}

// The generated 100,000-rule file, written once to /tmp and removed at exit.
class RulesFile {
 public:
  RulesFile() {
    char name[] = "/tmp/srcbind-bench-XXXXXX";
    const int fd = ::mkstemp(name);
    if (fd < 0) std::abort();
    ::close(fd);
    path_ = name;
    const std::string text = generate_rules(100'000);
    size_ = text.size();
    std::ofstream(path_, std::ios::binary) << text;
  }
  ~RulesFile() { ::unlink(path_.c_str()); }
  const std::string& path() const { return path_; }
  std::size_t size() const { return size_; }

 private:
  std::string path_;
  std::size_t size_ = 0;
};

const RulesFile& rules_file() {
  static const RulesFile file;
  return file;
}

// One load as the library does it: read, parse and check, index.
void load_once(const HostInterfaces& host) {
  const RuleTable table = load_config_file(rules_file().path(), host);
  if (!table.ok() || table.rules.size() != 100'000) std::abort();
  const Matcher matcher(table.rules, program_names());
  benchmark::DoNotOptimize(&matcher);
}

double load_milliseconds(const HostInterfaces& host) {
  const auto start = std::chrono::steady_clock::now();
  load_once(host);
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

void BM_Load100k(benchmark::State& state) {
  const HostInterfaces host = HostInterfaces::current();   // taken once, as the library does
  for (auto _ : state) load_once(host);
  state.SetLabel(std::to_string(rules_file().size() / 1024) + " KiB file");
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// Medians over interleaved rounds: 1 rule and 100,000 rules alternate, so that
// noise from the rest of the machine falls on both.
void print_targets() {
  constexpr int kRounds = 21;
  constexpr std::size_t kLookupsPerRound = 1 << 20;
  const Scenario& one = scenario(1);
  const Scenario& many = scenario(100'000);
  std::vector<double> ns[2][2];   // [many][matching]
  for (int round = 0; round < kRounds; ++round) {
    for (int m = 0; m < 2; ++m) {
      for (int matching = 0; matching < 2; ++matching) {
        const Scenario& s = m ? many : one;
        const auto start = std::chrono::steady_clock::now();
        benchmark::DoNotOptimize(lookups(s, matching, kLookupsPerRound));
        const std::chrono::duration<double, std::nano> elapsed = std::chrono::steady_clock::now() - start;
        ns[m][matching].push_back(elapsed.count() / kLookupsPerRound);
      }
    }
  }
  const double hit_ratio = median(ns[1][1]) / median(ns[0][1]);
  const double miss_ratio = median(ns[1][0]) / median(ns[0][0]);

  const HostInterfaces host = HostInterfaces::current();
  std::vector<double> load_ms;
  for (int round = 0; round < 9; ++round) load_ms.push_back(load_milliseconds(host));

  std::printf("\ninterleaved medians (%d rounds of %zu lookups):\n", kRounds, kLookupsPerRound);
  std::printf("  1 rule:        match %.2f ns, no match %.2f ns\n", median(ns[0][1]), median(ns[0][0]));
  std::printf("  100,000 rules: match %.2f ns, no match %.2f ns\n", median(ns[1][1]), median(ns[1][0]));
  std::printf("  ratio match %.2f, no match %.2f\n", hit_ratio, miss_ratio);
  std::printf("lookup 100k/1 rule = %.2f (target <= 2.0)\n", std::max(hit_ratio, miss_ratio));
  std::printf("load 100k rules = %.1f ms (target < 100 ms; read + parse + index)\n", median(load_ms));
}

}  // namespace
}  // namespace srcbind::bench

int main(int argc, char** argv) {
  using namespace srcbind::bench;
  for (int count : {1, 1'000, 100'000}) {
    for (bool matching : {true, false}) {
      const std::string name = std::string("Lookup/rules:") + std::to_string(count) + (matching ? "/match" : "/no_match");
      benchmark::RegisterBenchmark(name.c_str(), BM_Lookup, count, matching);
    }
  }
  benchmark::RegisterBenchmark("Load/rules:100000", BM_Load100k)->Unit(benchmark::kMillisecond);

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  print_targets();
  return 0;
}
