// Running srcbind_test_client (and real programs) under the library, for the
// integration tests. Every run is a child process; every wait is bounded.
#pragma once

#include "child_process.hpp"
#include "library_under_test.hpp"
#include "peers.hpp"
#include "temp_dir.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <source_location>
#include <string>
#include <vector>

namespace srcbind::test {

// The matchers the integration tests use.
using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

inline std::string test_client() { return SRCBIND_TEST_CLIENT_PATH; }
inline std::string srcbind_command() { return SRCBIND_COMMAND_PATH; }

// The second run of the connect and datagram suites (tests/preload/CMakeLists.txt)
// sets SRCBIND_TEST_COMPILED_TABLE=1: each configuration is compiled first, as
// `srcbind --check --compile` does for users, and the library reads the table
// wherever one can be written. Removed with the configuration.
class CompiledTableIfAsked {
 public:
  explicit CompiledTableIfAsked(const std::string& config_path) {
    const char* asked = std::getenv("SRCBIND_TEST_COMPILED_TABLE");
    if (asked == nullptr || std::string(asked) != "1") return;
    table_ = config_path + ".compiled";
    run_child({srcbind_command(), "--check", "--compile", "-c", config_path});
  }
  ~CompiledTableIfAsked() {
    if (!table_.empty()) ::unlink(table_.c_str());
  }
  CompiledTableIfAsked(const CompiledTableIfAsked&) = delete;
  CompiledTableIfAsked& operator=(const CompiledTableIfAsked&) = delete;

 private:
  std::string table_;
};

// Runs `argv` under the library with `config` as SRCBIND_CONFIG.
inline ChildResult run_with_config(const std::string& config, const std::vector<std::string>& argv,
                                   ChildOptions options = {}) {
  TempFile file(config);
  CompiledTableIfAsked table(file.path());
  for (const auto& [k, v] : preload_env(file.path())) options.env.emplace(k, v);
  return run_child(argv, options);
}

// The test client, TCP, one connection to 127.0.0.1:port.
inline std::vector<std::string> tcp_client(const Peer& peer, std::vector<std::string> extra = {},
                                           const std::string& host = "127.0.0.1") {
  std::vector<std::string> argv{test_client(), "tcp", host, peer.port_text()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

// curl never returns when a sanitizer runtime is preloaded into it, with or
// without srcbind (seen with Debian's curl 7.88 and GCC 12's libasan): the curl
// cases run in the normal build and skip, saying so, in sanitizer builds.
#ifdef SRCBIND_SANITIZED_BUILD
#define SRCBIND_SKIP_CURL_IN_SANITIZER_BUILD() \
  GTEST_SKIP() << "curl hangs under a preloaded sanitizer runtime even without srcbind; covered by the normal build"
#else
#define SRCBIND_SKIP_CURL_IN_SANITIZER_BUILD() \
  do {                                          \
  } while (0)
#endif

// A rule file with one rule.
inline std::string one_rule(const std::string& body) { return "[rule r1]\n" + body + "\n"; }

// Waits (bounded) for one connection or datagram at `peer` per entry of
// `expected`; they must come from those sources, in order. `run` sent them and
// is shown when none arrive; a failure names the caller's line too. The wait is
// fatal: a caller with checks after it wraps the call in ASSERT_NO_FATAL_FAILURE.
inline void expect_sources(const Peer& peer, const ChildResult& run, const std::vector<std::string>& expected,
                           const std::source_location caller = std::source_location::current()) {
  const ::testing::ScopedTrace trace(caller.file_name(), static_cast<int>(caller.line()), "expect_sources");
  ASSERT_TRUE(peer.wait_for(expected.size())) << describe(run);
  EXPECT_THAT(peer.sources(), ::testing::ElementsAreArray(expected));
}

}  // namespace srcbind::test
