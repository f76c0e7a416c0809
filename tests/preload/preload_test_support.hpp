// Running srcbind_test_client (and real programs) under the library, for the
// integration tests. Every run is a child process; every wait is bounded.
#pragma once

#include "child_process.hpp"
#include "library_under_test.hpp"
#include "peers.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace srcbind::test {

inline std::string test_client() { return SRCBIND_TEST_CLIENT_PATH; }

// Runs `argv` under the library with `config` as SRCBIND_CONFIG.
inline ChildResult run_with_config(const std::string& config, const std::vector<std::string>& argv,
                                   ChildOptions options = {}) {
  TempFile file(config);
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

}  // namespace srcbind::test
