// Runs a program as a child process (posix_spawnp) in an environment the test
// decides, captures its output, and never waits longer than a deadline. Every
// suite runs its programs through this (the command tests, the integration tests).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace srcbind::test {

struct ChildResult {
  int exit_code = -1;      // -1: killed by a signal or by the deadline
  int signal = 0;
  bool timed_out = false;
  std::string out;
  std::string err;
};

// A variable to set (a value) or to remove (nullopt).
using EnvChanges = std::map<std::string, std::optional<std::string>>;

struct ChildOptions {
  // Applied last, over the test's own environment without LD_PRELOAD, without any
  // SRCBIND_* variable and with XDG_CONFIG_HOME naming a directory that does not
  // exist (no per-user file), so that a stray value of the tester's cannot change
  // a result.
  EnvChanges env;
  // Written to the child's stdin, which is then closed; without it stdin is /dev/null.
  std::optional<std::string> stdin_text;
  // Then the child and everything in its process group are killed.
  std::chrono::milliseconds deadline{30000};
  // Sanitizer builds only: what the child is. The integration tests run programs
  // that are not srcbind's (curl, python3 ...) with the instrumented library
  // preloaded: their leaks and the runtime's link-order check would fail every
  // run, and any report from our code must halt it. The command tests run the
  // srcbind command itself (directly or through a shell): its leaks are bugs.
  enum class Sanitized { host_program, srcbind_command } sanitized = Sanitized::host_program;
};

// A program that cannot be started gives exit code 127 and the reason in `err`.
ChildResult run_child(const std::vector<std::string>& argv, const ChildOptions& options = {});

// For failure messages: the exit status, then stdout and stderr.
std::string describe(const ChildResult& r);

}  // namespace srcbind::test
