// Runs a program as a child process (posix_spawn) with extra environment
// variables, captures its output, and never waits longer than a deadline.
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

struct ChildOptions {
  std::map<std::string, std::string> env;       // set (overrides the inherited value)
  std::vector<std::string> unset_env;           // removed from the inherited environment
  std::string stdin_text;                       // written, then stdin is closed
  std::chrono::milliseconds deadline{30000};
};

ChildResult run_child(const std::vector<std::string>& argv, const ChildOptions& options = {});

// The library under test: $SRCBIND_TEST_LIBRARY if set (point it at the no-op
// library to prove that the tests fail without the interposition), else the
// one this build made.
std::string preload_library();

// The LD_PRELOAD value for the library (with the sanitizer runtime in front of it
// in a sanitizer build).
std::string preload_list();

// Environment that preloads the library with the given config file.
std::map<std::string, std::string> preload_env(const std::string& config_path);

// A temporary file that is removed when the object goes.
class TempFile {
 public:
  explicit TempFile(const std::string& content, const std::string& suffix = ".ini");
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

bool is_root();

}  // namespace srcbind::test
