// Runs a program with a modified environment and collects its exit status,
// stdout and stderr (bounded by a timeout).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace srcbind::cli::test {

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  std::string out;
  std::string err;
  bool timed_out = false;
};

// nullopt: unset the variable.
using EnvChanges = std::map<std::string, std::optional<std::string>>;

// LD_PRELOAD and every SRCBIND_* variable of the test's own environment are
// removed first, and XDG_CONFIG_HOME points to a directory that does not exist
// (no per-user file), so that a stray value cannot change a result; `changes`
// then sets what the test wants.
ProcessResult run_process(const std::vector<std::string>& argv, const EnvChanges& changes = {},
                          std::chrono::milliseconds timeout = std::chrono::seconds(30));

// For failure messages.
std::string describe(const ProcessResult& r);

}  // namespace srcbind::cli::test
