// The watcher of a `srcbind --kernel` run: a small process outside the run's
// cgroup that prints the decision log (ring buffer) and removes the cgroup once
// cgroup.events says it is empty. It sleeps in poll(2) between events.
#pragma once

#include "srcbind/rule.hpp"

#include <span>
#include <string>

namespace srcbind::kernel {

struct WatchSettings {
  std::string cgroup_directory;
  // srcbind moves itself into the run's cgroup before it starts the watcher
  // (cli/kernel_mode.cpp): the watcher leaves for this one (srcbind's own) first.
  std::string leave_to;
  int started_fd = -1;     // read end of a pipe whose write end closes when srcbind execs COMMAND or dies
  int events_fd = -1;      // the ring buffer map; -1: nothing to log
  std::span<const Rule> rules;
  LogLevel log_level = LogLevel::warn;
  std::string log_file;    // empty: stderr
};

// Does not return.
[[noreturn]] void run_watcher(const WatchSettings& settings);

}  // namespace srcbind::kernel
