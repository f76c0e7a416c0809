// The library's state: built once, on first use or in the constructor, whichever
// comes first (LINUX-NOTES Q15), and immutable afterwards. No C++ object with a
// constructor lives at namespace scope: the state is reached through an atomic
// pointer, so a hook that runs before our constructor still finds it.
#pragma once

#include "logger.hpp"
#include "srcbind/matcher.hpp"
#include "srcbind/rule_table.hpp"

#include <string>
#include <vector>

namespace srcbind::preload {

class Runtime {
 public:
  // nullptr only while this thread is itself building the state (a signal handler
  // or the loader re-entering a hook): the call then goes through untouched.
  static const Runtime* get() noexcept;

  const Matcher& matcher() const noexcept { return matcher_; }
  const Logger& logger() const noexcept { return logger_; }
  bool has_rules() const noexcept { return !matcher_.empty(); }

 private:
  Runtime();
  static const Runtime* load() noexcept;
  void report_load_problems() const noexcept;

  RuleTable table_;
  std::vector<std::string> program_names_;  // basename of argv[0], of /proc/self/exe
  Matcher matcher_;                         // indexes table_.rules: declared after it
  Logger logger_;
};

}  // namespace srcbind::preload
